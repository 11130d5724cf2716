import { describe, expect, it } from "vitest";
import type { UltrasoundRegion } from "../ipc/backend";
import { ultrasoundCine } from "../ipc/fixtures";
import { regionCalibration } from "./ultrasoundRegions";

const [tissue, doppler] = ultrasoundCine().ultrasoundRegions as [UltrasoundRegion, UltrasoundRegion];

describe("ultrasound regions", () => {
  it("measures inside the 2D tissue region with its spacing, labelled as the region's", () => {
    const calibration = regionCalibration([tissue, doppler], [
      [10, 10],
      [40, 50],
    ]);
    expect(calibration).toEqual({ spacing: [0.5, 0.5], lengthUnit: "mm (US region)", areaUnit: "mm² (US region)" });
  });

  it("never takes a length from a Doppler spectrum, and says so", () => {
    const calibration = regionCalibration([tissue, doppler], [
      [10, 200],
      [40, 220],
    ]);
    expect(calibration.spacing).toBeNull();
    expect(calibration.lengthUnit).toBe("px");
    expect(calibration.note).toBe("In pixels: the PW spectral Doppler region does not measure distance");
  });

  it("gives pixels with a note across regions and outside them", () => {
    expect(regionCalibration([tissue, doppler], [[10, 100], [10, 200]])).toMatchObject({ spacing: null, note: "In pixels: crosses ultrasound regions" });
    expect(regionCalibration([tissue], [[10, 100], [10, 200]])).toMatchObject({ spacing: null, note: "In pixels: outside every calibrated ultrasound region" });
    expect(regionCalibration([tissue, doppler], [[400, 10], [500, 10]])).toMatchObject({ spacing: null, lengthUnit: "px" });
  });

  it("takes the calibrated region on an edge two regions share, and refuses a broken spacing", () => {
    expect(regionCalibration([doppler, tissue], [[10, 180], [20, 180]]).spacing).toEqual([0.5, 0.5]);
    const broken: UltrasoundRegion = { ...tissue, spacing: [0, Number.NaN] };
    expect(regionCalibration([broken], [[10, 10], [20, 20]]).spacing).toBeNull();
  });
});
