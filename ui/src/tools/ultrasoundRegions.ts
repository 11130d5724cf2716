// Which calibration a measurement on an ultrasound image takes from the image's Sequence of
// Ultrasound Regions (DICOM PS3.3 C.8.5.5, US Region Calibration Module). Each region is a
// rectangle of pixels with its own physical units; only a 2D region in cm along both axes
// (the core sends its spacing in mm) measures distances. A measurement whose points all lie
// in one such region uses that region's spacing and says so; one in a region that measures
// something else (a Doppler spectrum is seconds × cm/s), one that crosses regions and one
// outside every region are in pixels, with a note saying why.
import type { UltrasoundRegion } from "../ipc/backend";
import type { Point } from "./math/measure";

export interface RegionCalibration {
  spacing: [number, number] | null;
  lengthUnit: "mm (US region)" | "px";
  areaUnit: "mm² (US region)" | "px²";
  note?: string;
}

/** Whether image point `p` (pixel units, a pixel's square from its index to index + 1) lies in the region. */
function contains(region: UltrasoundRegion, [x, y]: Point): boolean {
  const [x0, y0, x1, y1] = region.bounds;
  return x >= x0 && x <= x1 + 1 && y >= y0 && y <= y1 + 1;
}

function usable(spacing: [number, number] | null): spacing is [number, number] {
  return spacing !== null && spacing.every((value) => Number.isFinite(value) && value > 0);
}

/**
 * The calibration of a measurement with these points on an image with these regions. A
 * point on the edge two regions share counts in both, so the region that holds every point
 * (a calibrated one first) is chosen.
 */
export function regionCalibration(regions: readonly UltrasoundRegion[], points: readonly Point[]): RegionCalibration {
  const holding = regions.filter((region) => points.length > 0 && points.every((p) => contains(region, p)));
  const calibrated = holding.find((region) => usable(region.spacing));
  if (calibrated && usable(calibrated.spacing)) {
    return { spacing: calibrated.spacing, lengthUnit: "mm (US region)", areaUnit: "mm² (US region)" };
  }
  const pixels = { spacing: null, lengthUnit: "px", areaUnit: "px²" } as const;
  const [inside] = holding;
  if (inside) return { ...pixels, note: `In pixels: the ${inside.kind} region does not measure distance` };
  const touched = regions.filter((region) => points.some((p) => contains(region, p)));
  if (touched.length > 1) return { ...pixels, note: "In pixels: crosses ultrasound regions" };
  return { ...pixels, note: "In pixels: outside every calibrated ultrasound region" };
}
