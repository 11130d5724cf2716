import { describe, expect, it } from "vitest";
import { calibrationOf } from "./calibration";
import { labelLines } from "./measurementLabel";

describe("measurement labels", () => {
  it("names the unit of a length by where its spacing came from", () => {
    const at = (source: "pixelSpacing" | "imagerPixelSpacing") => ({ calibration: calibrationOf({ pixelSpacing: [0.5, 0.5], pixelSpacingSource: source }) });
    expect(labelLines("length", [[0, 0], [30, 40]], at("pixelSpacing"))).toEqual(["25.0 mm"]);
    expect(labelLines("length", [[0, 0], [30, 40]], at("imagerPixelSpacing"))).toEqual(["25.0 mm at detector"]);
    expect(labelLines("length", [[0, 0], [30, 40]], { calibration: calibrationOf(null) })).toEqual(["50.0 px"]);
  });

  it("says nothing of an angle until it has three points", () => {
    const context = { calibration: calibrationOf(null) };
    expect(labelLines("angle", [[1, 0], [0, 0]], context)).toEqual([]);
    expect(labelLines("angle", [[1, 0], [0, 0], [0, 1]], context)).toEqual(["90.0°"]);
  });
});
