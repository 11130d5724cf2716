// What a distance on an image means: the spacing between pixel centres and the unit a label
// must carry. Pixel Spacing (0028,0030) is measured in the patient, so lengths are plain mm.
// Imager Pixel Spacing (0018,1164) is measured at the front plane of the detector (DICOM
// PS3.3 C.8.11.4, DX Detector Module): a projection radiograph magnifies the patient by an
// unknown factor, so lengths from it are labelled "at detector", never passed off as the
// patient's size (see also PS3.3 10.7, Basic Pixel Spacing Calibration Macro). Without a
// usable spacing, lengths and areas are in pixels.
import type { SeriesView } from "../ipc/backend";

export interface Calibration {
  /** Row spacing, column spacing in mm; null when distances are in pixels. */
  spacing: [number, number] | null;
  lengthUnit: "mm" | "mm at detector" | "px";
  areaUnit: "mm²" | "mm² at detector" | "px²";
}

export const UNCALIBRATED: Calibration = { spacing: null, lengthUnit: "px", areaUnit: "px²" };

/** The calibration of a series' images; a spacing that is not two positive numbers is none. */
export function calibrationOf(series: Pick<SeriesView, "pixelSpacing" | "pixelSpacingSource"> | null): Calibration {
  const spacing = series?.pixelSpacing ?? null;
  if (!spacing || !spacing.every((value) => Number.isFinite(value) && value > 0)) return UNCALIBRATED;
  if (series?.pixelSpacingSource === "imagerPixelSpacing") {
    return { spacing, lengthUnit: "mm at detector", areaUnit: "mm² at detector" };
  }
  return { spacing, lengthUnit: "mm", areaUnit: "mm²" };
}
