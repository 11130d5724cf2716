import { describe, expect, it } from "vitest";
import { formatLength, measureAngle, measureLength, perpendicularAxis } from "./measure";

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

describe("bidirectional short axis", () => {
  it("stands perpendicular on the long axis where the drag crosses it", () => {
    const [s0, s1] = perpendicularAxis([0, 0], [10, 0], [4, -3], [6, 2], null);
    expect(s0[0]).toBeCloseTo(5);
    expect(s0[1]).toBeCloseTo(-3);
    expect(s1[0]).toBeCloseTo(5);
    expect(s1[1]).toBeCloseTo(2);
  });

  it("keeps the crossing on the long axis", () => {
    const [s0] = perpendicularAxis([0, 0], [10, 0], [20, -3], [20, 3], null);
    expect(s0[0]).toBeCloseTo(10);
  });

  it("is perpendicular in mm, not in pixels, when pixels are not square", () => {
    const spacing: [number, number] = [2, 1];
    const a: [number, number] = [0, 0];
    const b: [number, number] = [4, 4];
    const [s0, s1] = perpendicularAxis(a, b, [1, 3], [3, 1], spacing);
    // In mm the long axis runs along (4, 8); the short axis must be at right angles to it.
    const dot = (s1[0] - s0[0]) * 1 * 4 + (s1[1] - s0[1]) * 2 * 8;
    expect(dot).toBeCloseTo(0);
    expect(measureLength(s0, s1, spacing).value).toBeGreaterThan(0);
  });
});
