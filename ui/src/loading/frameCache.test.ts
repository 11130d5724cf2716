import { describe, expect, it } from "vitest";
import { FrameCache } from "./frameCache";

describe("FrameCache.outwardOrder", () => {
  it("goes outward from the current slice", () => {
    expect(FrameCache.outwardOrder(2, 6)).toEqual([3, 1, 4, 0, 5]);
    expect(FrameCache.outwardOrder(0, 3)).toEqual([1, 2]);
    expect(FrameCache.outwardOrder(0, 1)).toEqual([]);
  });
});
