import { describe, expect, it } from "vitest";
import { formatLength, measureAngle, measureLength } from "./measure";

describe("measurements", () => {
  it("uses pixel spacing (row, column) for lengths in mm", () => {
    const length = measureLength([0, 0], [3, 4], [2, 1]);
    expect(length.unit).toBe("mm");
    expect(length.value).toBeCloseTo(Math.hypot(3 * 1, 4 * 2));
  });

  it("says px when there is no pixel spacing", () => {
    expect(formatLength(measureLength([0, 0], [3, 4], null))).toBe("5.0 px");
  });

  it("measures right and straight angles", () => {
    expect(measureAngle([1, 0], [0, 0], [0, 1], null)).toBeCloseTo(90);
    expect(measureAngle([1, 0], [0, 0], [-1, 0], null)).toBeCloseTo(180);
    expect(measureAngle([1, 0], [0, 0], [0, 0], null)).toBe(0);
  });

  it("accounts for anisotropic pixels in angles", () => {
    // A 45° diagonal in pixels becomes steeper when rows are twice as far apart.
    expect(measureAngle([1, 0], [0, 0], [1, 1], [2, 1])).toBeCloseTo((Math.atan(2) * 180) / Math.PI);
  });
});
