import { describe, expect, it } from "vitest";
import { canSynchronise, followerIndex, nearestSlice } from "./sync";

// The sandbox's current CT: 400 slices 1.25 mm apart from z = -500 (sorted ascending); its
// prior: 100 slices 5 mm apart over the same range, in the same frame of reference.
const current = { frameOfReference: "2.999.1.1.1.0", slicePositions: Array.from({ length: 400 }, (_, i) => -500 + i * 1.25) };
const prior = { frameOfReference: "2.999.1.1.1.0", slicePositions: Array.from({ length: 100 }, (_, i) => -500 + i * 5) };

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
    const unknown = { frameOfReference: null, slicePositions: prior.slicePositions };
    expect(canSynchronise(unknown, unknown)).toBe(false);
    const unplaced = { frameOfReference: "2.999.1.1.1.0", slicePositions: [null, null] };
    expect(followerIndex(unplaced, 0, prior)).toBeNull();
    expect(followerIndex(current, 0, unplaced)).toBeNull();
  });

  it("skips slices without a position", () => {
    expect(nearestSlice([null, 10, null, 20], 18)).toBe(3);
    expect(nearestSlice([null], 0)).toBe(-1);
  });
});
