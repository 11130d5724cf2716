import { describe, expect, it } from "vitest";
import { calibrationOf } from "./calibration";

describe("calibration", () => {
  it("calls lengths from Pixel Spacing plain mm", () => {
    expect(calibrationOf({ pixelSpacing: [0.5, 0.5] })).toEqual({ spacing: [0.5, 0.5], lengthUnit: "mm", areaUnit: "mm²" });
    expect(calibrationOf({ pixelSpacing: [0.5, 0.5], pixelSpacingSource: "pixelSpacing" }).lengthUnit).toBe("mm");
  });

  it("says lengths from Imager Pixel Spacing are at the detector", () => {
    const calibration = calibrationOf({ pixelSpacing: [0.14, 0.14], pixelSpacingSource: "imagerPixelSpacing" });
    expect(calibration.lengthUnit).toBe("mm at detector");
    expect(calibration.areaUnit).toBe("mm² at detector");
  });

  it("falls back to pixels without a usable spacing", () => {
    expect(calibrationOf(null).lengthUnit).toBe("px");
    expect(calibrationOf({ pixelSpacing: null }).areaUnit).toBe("px²");
    expect(calibrationOf({ pixelSpacing: [0, 0.5] }).spacing).toBeNull();
    expect(calibrationOf({ pixelSpacing: [Number.NaN, 0.5] }).lengthUnit).toBe("px");
  });
});
