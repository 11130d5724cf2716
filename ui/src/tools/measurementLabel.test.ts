import { describe, expect, it } from "vitest";
import { ultrasoundCine } from "../ipc/fixtures";
import { calibrationOf } from "./calibration";
import type { PixelGrid } from "./math/pixelValues";
import { labelLines } from "./measurementLabel";

/** A 4×4 grid whose every value is `value`, in `unit`. */
const flat = (value: number, unit: PixelGrid["unit"]): PixelGrid => ({ rows: 4, columns: 4, unit, valueAt: () => value });

describe("measurement labels", () => {
  it("names the unit of a length by where its spacing came from", () => {
    const at = (source: "pixelSpacing" | "imagerPixelSpacing") => ({ calibration: calibrationOf({ pixelSpacing: [0.5, 0.5], pixelSpacingSource: source }), pixels: null });
    expect(labelLines("length", [[0, 0], [30, 40]], at("pixelSpacing"))).toEqual(["25.0 mm"]);
    expect(labelLines("length", [[0, 0], [30, 40]], at("imagerPixelSpacing"))).toEqual(["25.0 mm at detector"]);
    expect(labelLines("length", [[0, 0], [30, 40]], { calibration: calibrationOf(null), pixels: null })).toEqual(["50.0 px"]);
  });

  it("says nothing of an angle until it has three points", () => {
    const context = { calibration: calibrationOf(null), pixels: null };
    expect(labelLines("angle", [[1, 0], [0, 0]], context)).toEqual([]);
    expect(labelLines("angle", [[1, 0], [0, 0], [0, 1]], context)).toEqual(["90.0°"]);
  });

  it("gives an ellipse's area in the calibration's unit and its values in HU for CT", () => {
    const calibration = calibrationOf({ pixelSpacing: [2, 2] });
    expect(labelLines("ellipse", [[0, 0], [4, 4]], { calibration, pixels: flat(-1000, "HU") })).toEqual([
      `Area ${(Math.PI * 16).toFixed(1)} mm²`,
      "Mean -1000.0, SD 0.0 HU",
      "Min -1000, Max -1000 HU",
    ]);
  });

  it("labels values that are not HU as stored values, and says when there are none", () => {
    const calibration = calibrationOf(null);
    const lines = labelLines("ellipse", [[0, 0], [4, 4]], { calibration, pixels: flat(7, "stored value") });
    expect(lines[0]).toBe(`Area ${(Math.PI * 4).toFixed(1)} px²`);
    expect(lines[1]).toBe("Mean 7.0, SD 0.0 (stored values)");
    expect(labelLines("ellipse", [[0, 0], [4, 4]], { calibration, pixels: null })[1]).toBe("No pixel values (colour image)");
  });

  it("gives a bidirectional measurement's long and short axes in the calibration's unit", () => {
    const context = { calibration: calibrationOf({ pixelSpacing: [0.5, 0.5], pixelSpacingSource: "imagerPixelSpacing" }), pixels: null };
    expect(labelLines("bidirectional", [[0, 0], [20, 0]], context)).toEqual(["L 10.0 mm at detector"]);
    expect(labelLines("bidirectional", [[0, 0], [20, 0], [10, -4], [10, 4]], context)).toEqual(["L 10.0 × S 4.0 mm at detector"]);
  });

  it("labels a measurement in an ultrasound region as the region's mm, and one outside in px with a note", () => {
    const context = { calibration: calibrationOf(null), pixels: null, regions: ultrasoundCine().ultrasoundRegions };
    expect(labelLines("length", [[0, 0], [30, 40]], context)).toEqual(["25.0 mm (US region)"]);
    expect(labelLines("length", [[0, 190], [30, 230]], context)).toEqual(["50.0 px", "In pixels: the PW spectral Doppler region does not measure distance"]);
    expect(labelLines("length", [[0, 100], [0, 200]], context)).toEqual(["100.0 px", "In pixels: crosses ultrasound regions"]);
    expect(labelLines("ellipse", [[0, 0], [20, 20]], context)[0]).toBe("Area 78.5 mm² (US region)");
    expect(labelLines("angle", [[0, 100], [0, 150], [50, 200]], context)).toEqual(["135.0°"]);
    const mixed = { calibration: calibrationOf(ultrasoundCine({ ultrasoundRegions: [], ultrasoundRegionsDiffer: true })), pixels: null };
    expect(labelLines("length", [[0, 0], [30, 40]], mixed)).toEqual(["50.0 px", "In pixels: the images of this series have different ultrasound regions"]);
  });
});
