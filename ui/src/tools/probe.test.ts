import { describe, expect, it } from "vitest";
import type { FramePixels } from "../ipc/backend";
import { pixelAt, probeText } from "./probe";

/** A 3-column, 2-row frame with stored values 0..5, row by row. */
const frame = (overrides: Partial<FramePixels> = {}): FramePixels => ({
  rows: 2, columns: 3, format: "u16", slope: 1, intercept: -1024, windowCenter: 40, windowWidth: 400, invert: false,
  instanceNumber: 1, sliceLocation: null, position: null, orientation: null, data: new Uint16Array([0, 1, 2, 3, 4, 5]).buffer,
  ...overrides,
});

describe("pixel probe", () => {
  it("finds the pixel a point falls in, and none outside the image", () => {
    expect(pixelAt(frame(), [2.9, 1.2])).toEqual([2, 1]);
    expect(pixelAt(frame(), [3, 0])).toBeNull();
    expect(pixelAt(frame(), [0, -0.1])).toBeNull();
  });

  it("gives the position and the value in HU on a CT", () => {
    expect(probeText(frame(), "CT", [1.5, 1.5])).toBe("x 1, y 1: -1020 HU");
  });

  it("labels a value that is not HU as a stored value", () => {
    expect(probeText(frame({ intercept: 0 }), "MR", [2.5, 0.5])).toBe("x 2, y 0: 2 (stored value)");
  });

  it("gives red, green and blue for a colour pixel", () => {
    const colour = frame({ format: "rgb8", data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]).buffer });
    expect(probeText(colour, "XC", [1, 1])).toBe("x 1, y 1: RGB 13, 14, 15");
  });

  it("says nothing outside the image and 'no value' where the data is short", () => {
    expect(probeText(frame(), "CT", [5, 5])).toBeNull();
    expect(probeText(frame({ data: new ArrayBuffer(4) }), "CT", [0, 0])).toBe("x 0, y 0: no value");
  });
});
