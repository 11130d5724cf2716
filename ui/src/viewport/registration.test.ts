import { describe, expect, it } from "vitest";
import { captureOffset, linkRefusal, nudgedOffset, offsetLabel, registeredIndex, sliceStep } from "./registration";
import type { Normal } from "./sync";

// A current CT: 100 axial slices 2 mm apart from z = 0. A prior from another scanner (its own
// frame of reference, no shared origin): 50 slices 4 mm apart from z = 1000.
const axial: Normal = [0, 0, 1];
const current = { frameOfReference: "2.999.1", sliceNormal: axial, slicePositions: Array.from({ length: 100 }, (_, i) => i * 2) };
const prior = { frameOfReference: "2.999.2", sliceNormal: axial, slicePositions: Array.from({ length: 50 }, (_, i) => 1000 + i * 4) };

describe("registration by table position", () => {
  it("keeps the images on screen paired when linked, then moves both by the same distance", () => {
    // Current image 10 (z = 20) is anatomically prior image 3 (z = 1012): offset 992 mm.
    const offset = captureOffset(current, 10, prior, 3);
    expect(offset).toBe(992);
    if (offset === null) throw new Error("no offset");
    expect(registeredIndex(current, 0, 10, prior, offset)).toBe(3);
    // 40 mm further in the current (image 30) is 40 mm further in the prior (image 13).
    expect(registeredIndex(current, 0, 30, prior, offset)).toBe(13);
    // And back the other way.
    expect(registeredIndex(prior, offset, 13, current, 0)).toBe(30);
  });

  it("pairs two priors through their offsets from the current study", () => {
    const other = { frameOfReference: null, sliceNormal: axial, slicePositions: Array.from({ length: 20 }, (_, i) => -300 + i * 10) };
    const toPrior = captureOffset(current, 10, prior, 3);
    const toOther = captureOffset(current, 10, other, 5);
    if (toPrior === null || toOther === null) throw new Error("no offset");
    // Prior image 3 and other image 5 are both paired with current image 10.
    expect(registeredIndex(prior, toPrior, 3, other, toOther)).toBe(5);
    // 40 mm on in the prior is 40 mm on in the other (10 mm slices): image 9.
    expect(registeredIndex(prior, toPrior, 13, other, toOther)).toBe(9);
  });

  it("does not link opposite, oblique or unplaced series, and says why", () => {
    const reversed = { ...prior, sliceNormal: [0, 0, -1] as Normal };
    expect(linkRefusal(current, reversed)).toBe("opposite");
    expect(captureOffset(current, 10, reversed, 3)).toBeNull();
    expect(registeredIndex(current, 0, 10, reversed, 0)).toBeNull();
    const coronal = { ...prior, sliceNormal: [0, 1, 0] as Normal };
    expect(linkRefusal(current, coronal)).toBe("orientation");
    expect(registeredIndex(current, 0, 10, coronal, 0)).toBeNull();
    const unoriented = { ...prior, sliceNormal: null };
    expect(linkRefusal(current, unoriented)).toBe("orientation");
    const unplaced = { ...prior, slicePositions: [null, null] };
    expect(linkRefusal(current, unplaced)).toBe("position");
    expect(linkRefusal(current, prior)).toBeNull();
  });

  it("refuses an image without a position", () => {
    const gappy = { ...prior, slicePositions: [null, 1004, 1008] };
    expect(captureOffset(current, 10, gappy, 0)).toBeNull();
    expect(captureOffset(current, 100, gappy, 1)).toBeNull();
    expect(captureOffset(current, 10, gappy, 1)).toBe(984);
    expect(registeredIndex(gappy, 0, 0, current, 0)).toBeNull();
  });

  it("labels the offset with its sign", () => {
    expect(offsetLabel(992)).toBe("linked +992 mm");
    expect(offsetLabel(-12.46)).toBe("linked −12.5 mm");
    expect(offsetLabel(0.01)).toBe("linked 0 mm");
  });
});

describe("nudging a link by hand", () => {
  it("measures the slice spacing in the order of the images, whichever way they run", () => {
    expect(sliceStep(prior)).toBe(4);
    expect(sliceStep({ ...prior, slicePositions: [1008, 1004, 1000] })).toBe(-4);
    // A missing position spans two gaps; one odd gap does not move the median.
    expect(sliceStep({ ...prior, slicePositions: [0, null, 5, 7.5, 10, 30] })).toBe(2.5);
    expect(sliceStep({ ...prior, slicePositions: [1000] })).toBeNull();
    expect(sliceStep({ ...prior, slicePositions: [null, 3, null] })).toBeNull();
    expect(sliceStep({ ...prior, slicePositions: [3, 3] })).toBeNull();
  });

  it("moves the pairing by one image of the prior per nudge", () => {
    // Current image 10 (z = 20) paired with prior image 3 (z = 1012): offset 992.
    const down = nudgedOffset(992, prior, 1);
    expect(down).toBe(996);
    if (down === null) throw new Error("no offset");
    expect(registeredIndex(current, 0, 10, prior, down)).toBe(4);
    expect(offsetLabel(down)).toBe("linked +996 mm");
    const up = nudgedOffset(992, prior, -1);
    if (up === null) throw new Error("no offset");
    expect(registeredIndex(current, 0, 10, prior, up)).toBe(2);
    // Scrolling keeps the new pairing: 40 mm on is still 10 prior images on.
    expect(registeredIndex(current, 0, 30, prior, up)).toBe(12);
  });

  it("moves to the next image of a prior whose positions fall as the index rises", () => {
    const falling = { ...prior, slicePositions: Array.from({ length: 50 }, (_, i) => 1196 - i * 4) };
    const offset = captureOffset(current, 10, falling, 3);
    if (offset === null) throw new Error("no offset");
    const next = nudgedOffset(offset, falling, 1);
    if (next === null) throw new Error("no offset");
    expect(registeredIndex(current, 0, 10, falling, next)).toBe(4);
  });

  it("cannot nudge a prior without a spacing", () => {
    expect(nudgedOffset(992, { ...prior, slicePositions: [1000] }, 1)).toBeNull();
  });
});
