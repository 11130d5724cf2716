import { describe, expect, it } from "vitest";
import { ultrasoundCine } from "../ipc/fixtures";
import { calibrationAt, calibrationOf } from "./calibration";

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

  it("measures each image of a series whose images disagree with its own spacing", () => {
    const series = { pixelSpacing: [0.5, 0.5] as [number, number], imageSpacing: [[0.5, 0.5], [0.8, 0.7], null] as ([number, number] | null)[] };
    expect(calibrationOf(series, 0).spacing).toEqual([0.5, 0.5]);
    expect(calibrationOf(series, 1).spacing).toEqual([0.8, 0.7]);
    expect(calibrationOf(series, 2)).toEqual({ spacing: null, lengthUnit: "px", areaUnit: "px²" });
    // Beyond what was sent: pixels, never the first image's spacing.
    expect(calibrationOf(series, 7).lengthUnit).toBe("px");
  });

  it("lets ultrasound regions decide on an image that has them", () => {
    const cine = ultrasoundCine();
    expect(calibrationAt(cine, 3, [[10, 10], [20, 20]]).lengthUnit).toBe("mm (US region)");
    expect(calibrationAt(cine, 3, [[10, 200], [20, 210]]).lengthUnit).toBe("px");
    expect(calibrationAt({ pixelSpacing: [0.5, 0.5] }, 0, [[10, 200]]).lengthUnit).toBe("mm");
  });

  it("measures in pixels, saying why, when the images of a series carry different ultrasound regions", () => {
    const mixed = ultrasoundCine({ ultrasoundRegions: [], ultrasoundRegionsDiffer: true, pixelSpacing: [0.5, 0.5] });
    expect(calibrationAt(mixed, 0, [[10, 10], [20, 20]])).toEqual({
      spacing: null,
      lengthUnit: "px",
      areaUnit: "px²",
      note: "In pixels: the images of this series have different ultrasound regions",
    });
  });
});
