import { describe, expect, it } from "vitest";
import { shapeLines } from "./measurementShape";

describe("measurement shapes", () => {
  it("draws a length and an angle through their points", () => {
    expect(shapeLines("length", [[0, 0], [3, 4]])).toEqual([[[0, 0], [3, 4]]]);
    expect(shapeLines("angle", [[1, 0], [0, 0], [0, 1]])).toEqual([[[1, 0], [0, 0], [0, 1]]]);
  });

  it("draws an ellipse as a closed outline inside the dragged box", () => {
    const [outline] = shapeLines("ellipse", [[0, 0], [4, 2]]);
    expect(outline?.length).toBeGreaterThan(8);
    for (const [x, y] of outline ?? []) {
      expect(x).toBeGreaterThanOrEqual(-1e-9);
      expect(x).toBeLessThanOrEqual(4 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(-1e-9);
      expect(y).toBeLessThanOrEqual(2 + 1e-9);
    }
    expect(outline?.[0]).toEqual(outline?.[outline.length - 1]);
  });

  it("draws a bidirectional measurement's long axis, then its short axis at right angles", () => {
    expect(shapeLines("bidirectional", [[0, 0], [10, 0]])).toEqual([[[0, 0], [10, 0]]]);
    const [long, short] = shapeLines("bidirectional", [[0, 0], [10, 0], [4, -3], [6, 2]]);
    expect(long).toEqual([[0, 0], [10, 0]]);
    expect(short?.[0]?.[0]).toBeCloseTo(5);
    expect(short?.[1]?.[0]).toBeCloseTo(5);
  });
});
