import { describe, expect, it } from "vitest";
import type { FramePixels } from "../../ipc/backend";
import { ellipseArea, ellipseFrom, ellipseOutline } from "./ellipse";
import { pixelGrid } from "./pixelValues";
import { ellipseStats } from "./roiStats";

/** A 10×10 frame whose stored value at (column, row) is column + 10 × row. */
function ramp(format: "u16" | "i16" | "u8" = "u16", slope = 1, intercept = -1024): FramePixels {
  const values = Array.from({ length: 100 }, (_, i) => (i % 10) + 10 * Math.floor(i / 10));
  const data = format === "u8" ? new Uint8Array(values).buffer : format === "i16" ? new Int16Array(values).buffer : new Uint16Array(values).buffer;
  return {
    rows: 10, columns: 10, format, slope, intercept, windowCenter: 40, windowWidth: 400, invert: false,
    instanceNumber: 1, sliceLocation: null, position: null, orientation: null, data,
  };
}

function gridOf(frame: FramePixels, modality: string) {
  const grid = pixelGrid(frame, modality);
  if (!grid) throw new Error("no grid");
  return grid;
}

describe("ellipse statistics", () => {
  it("gives the count, mean, SD, min and max of the pixels inside, in HU for CT", () => {
    // Centre (3.5, 3.5), radii 1.5: the centres of columns and rows 2–4 are inside.
    const stats = ellipseStats(gridOf(ramp(), "CT"), ellipseFrom([2, 2], [5, 5]));
    expect(stats?.count).toBe(9);
    expect(stats?.mean).toBeCloseTo(33 - 1024);
    expect(stats?.min).toBe(22 - 1024);
    expect(stats?.max).toBe(44 - 1024);
    // Variance of column + 10 × row over a 3×3 block: 2/3 + 100 × 2/3.
    expect(stats?.sd).toBeCloseTo(Math.sqrt(202 / 3));
  });

  it("leaves out pixels whose centres fall outside the curve", () => {
    // Centre (5, 5), radii 2: the corners of the 4×4 block around it are outside.
    const stats = ellipseStats(gridOf(ramp(), "CT"), ellipseFrom([3, 3], [7, 7]));
    expect(stats?.count).toBe(12);
  });

  it("keeps to the image when the ellipse runs off its edge", () => {
    const stats = ellipseStats(gridOf(ramp("u8", 1, 0), "MR"), ellipseFrom([-4, -4], [2, 2]));
    expect(stats?.min).toBe(0);
    expect(stats?.count).toBeGreaterThan(0);
  });

  it("has no statistics when no pixel centre is inside", () => {
    expect(ellipseStats(gridOf(ramp(), "CT"), ellipseFrom([2.1, 2.1], [2.3, 2.3]))).toBeNull();
  });

  it("reads signed pixels with their sign", () => {
    const frame = ramp("i16", 1, 0);
    new Int16Array(frame.data)[0] = -500;
    expect(ellipseStats(gridOf(frame, "CT"), ellipseFrom([0, 0], [1, 1]))?.min).toBe(-500);
  });
});

describe("pixel values", () => {
  it("applies the rescale and says HU for CT", () => {
    const grid = gridOf(ramp("u16", 2, -1000), "CT");
    expect(grid.unit).toBe("HU");
    expect(grid.valueAt(3, 1)).toBe(13 * 2 - 1000);
  });

  it("labels other modalities' values as stored, or rescaled when the rescale is not the identity", () => {
    expect(gridOf(ramp("u16", 1, 0), "MR").unit).toBe("stored value");
    expect(gridOf(ramp("u16", 1, 0), "MR").valueAt(3, 1)).toBe(13);
    expect(gridOf(ramp("u16", 0.5, 0), "PT").unit).toBe("rescaled value");
  });

  it("has no values for a colour image or one shorter than it claims", () => {
    expect(pixelGrid({ ...ramp(), format: "rgb8" }, "XC")).toBeNull();
    expect(pixelGrid({ ...ramp(), rows: 11 }, "CT")).toBeNull();
    expect(pixelGrid({ ...ramp(), data: new ArrayBuffer(3) }, "CT")).toBeNull();
  });
});

describe("ellipse geometry", () => {
  it("measures the area in mm² with the spacing, else in pixels²", () => {
    const e = ellipseFrom([0, 0], [4, 2]);
    expect(ellipseArea(e, null)).toBeCloseTo(Math.PI * 2 * 1);
    expect(ellipseArea(e, [0.5, 0.25])).toBeCloseTo(Math.PI * 2 * 0.25 * 1 * 0.5);
  });

  it("draws a closed outline through the ends of its axes", () => {
    const outline = ellipseOutline(ellipseFrom([0, 0], [4, 2]), 4);
    expect(outline).toHaveLength(5);
    expect(outline[0]?.[0]).toBeCloseTo(4);
    expect(outline[1]?.[1]).toBeCloseTo(2);
    expect(outline[4]?.[0]).toBeCloseTo(outline[0]?.[0] ?? NaN);
  });
});
