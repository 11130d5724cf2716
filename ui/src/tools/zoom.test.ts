import { describe, expect, it } from "vitest";
import { MAX_ZOOM, MIN_ZOOM, dragZoom, wheelZoom } from "./zoom";

describe("zoom", () => {
  it("goes in by a tenth for a wheel notch up and back out for one down", () => {
    expect(wheelZoom(1, -100)).toBeCloseTo(1.1);
    expect(wheelZoom(wheelZoom(1, -100), 100)).toBeCloseTo(1);
  });

  it("magnifies as the pointer drags up, and shrinks as it drags down", () => {
    expect(dragZoom(1, -200)).toBeCloseTo(Math.E);
    expect(dragZoom(1, 200)).toBeCloseTo(1 / Math.E);
    expect(dragZoom(2, 0)).toBe(2);
  });

  it("stays between a tenth and twenty times the fit", () => {
    expect(wheelZoom(MAX_ZOOM, -1)).toBe(MAX_ZOOM);
    expect(dragZoom(MIN_ZOOM, 1000)).toBe(MIN_ZOOM);
  });
});
