import { describe, expect, it } from "vitest";
import { alignment, canSynchronise, followerIndex, nearestSlice, syncRefusal, type Normal } from "./sync";

// The sandbox's current CT: 400 slices 1.25 mm apart from z = -500 (sorted ascending); its
// prior: 100 slices 5 mm apart over the same range, in the same frame of reference; both axial.
const axial: Normal = [0, 0, 1];
const current = { frameOfReference: "2.999.1.1.1.0", sliceNormal: axial, slicePositions: Array.from({ length: 400 }, (_, i) => -500 + i * 1.25) };
const prior = { frameOfReference: "2.999.1.1.1.0", sliceNormal: axial, slicePositions: Array.from({ length: 100 }, (_, i) => -500 + i * 5) };
// A coronal reformat in the same frame of reference: 200 slices 1 mm apart along y from -100,
// a range that overlaps the axial positions numerically but not anatomically.
const coronal = { frameOfReference: "2.999.1.1.1.0", sliceNormal: [0, 1, 0] as Normal, slicePositions: Array.from({ length: 200 }, (_, i) => -100 + i) };
const tilted = (degrees: number): Normal => [Math.sin((degrees * Math.PI) / 180), 0, Math.cos((degrees * Math.PI) / 180)];

describe("synchronised scrolling", () => {
  it("follows the nearest slice position in the same frame of reference", () => {
    expect(followerIndex(current, 0, prior)).toBe(0);
    expect(followerIndex(current, 4, prior)).toBe(1);
    expect(followerIndex(current, 399, prior)).toBe(99);
    expect(followerIndex(current, 201, prior)).toBe(50);
    expect(followerIndex(prior, 50, current)).toBe(200);
  });

  it("does not synchronise across frames of reference or without positions", () => {
    const other = { ...prior, frameOfReference: "2.999.9" };
    expect(canSynchronise(current, other)).toBe(false);
    expect(followerIndex(current, 10, other)).toBeNull();
    const unknown = { frameOfReference: null, sliceNormal: axial, slicePositions: prior.slicePositions };
    expect(canSynchronise(unknown, unknown)).toBe(false);
    const unplaced = { frameOfReference: "2.999.1.1.1.0", sliceNormal: axial, slicePositions: [null, null] };
    expect(followerIndex(unplaced, 0, prior)).toBeNull();
    expect(followerIndex(current, 0, unplaced)).toBeNull();
  });

  it("does not synchronise an axial with a coronal series in the same frame of reference", () => {
    expect(canSynchronise(current, coronal)).toBe(false);
    expect(syncRefusal(current, coronal)).toBe("orientation");
    // Axial z = -60 and coronal y = -60 are unrelated places; no slice is followed.
    expect(followerIndex(current, 352, coronal)).toBeNull();
    expect(followerIndex(coronal, 40, current)).toBeNull();
    const unoriented = { ...prior, sliceNormal: null };
    expect(syncRefusal(current, unoriented)).toBe("orientation");
    expect(followerIndex(current, 4, unoriented)).toBeNull();
  });

  it("still synchronises series tilted a few degrees apart, but not beyond the tolerance", () => {
    const gantryTilt = { ...prior, sliceNormal: tilted(7) };
    expect(syncRefusal(current, gantryTilt)).toBeNull();
    expect(followerIndex(current, 4, gantryTilt)).toBe(1);
    const oblique = { ...prior, sliceNormal: tilted(20) };
    expect(syncRefusal(current, oblique)).toBe("orientation");
    expect(followerIndex(current, 4, oblique)).toBeNull();
  });

  it("compares positions along one normal when the normals point opposite ways", () => {
    // The same prior slices described with the normal reversed: positions are negated.
    const reversed = { ...prior, sliceNormal: [0, 0, -1] as Normal, slicePositions: prior.slicePositions.map((p) => -p) };
    expect(alignment(axial, reversed.sliceNormal)).toBe(-1);
    expect(followerIndex(current, 4, reversed)).toBe(1);
    expect(followerIndex(current, 399, reversed)).toBe(99);
    expect(followerIndex(reversed, 50, current)).toBe(200);
  });

  it("skips slices without a position", () => {
    expect(nearestSlice([null, 10, null, 20], 18)).toBe(3);
    expect(nearestSlice([null], 0)).toBe(-1);
  });
});
