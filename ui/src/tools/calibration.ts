// What a distance on an image means: the spacing between pixel centres and the unit a label
// must carry. Pixel Spacing (0028,0030) is measured in the patient, so lengths are plain mm.
// Imager Pixel Spacing (0018,1164) is measured at the front plane of the detector (DICOM
// PS3.3 C.8.11.4, DX Detector Module): a projection radiograph magnifies the patient by an
// unknown factor, so lengths from it are labelled "at detector", never passed off as the
// patient's size (see also PS3.3 10.7, Basic Pixel Spacing Calibration Macro). A series
// whose images disagree sends each image's spacing (an enhanced image's frame its own Pixel
// Measures, PS3.3 C.7.6.16.2.1), and a measurement takes the spacing of the image it is
// drawn on. On an ultrasound image with a Sequence of Ultrasound Regions (PS3.3 C.8.5.5)
// the region the measurement lies in decides (see ./ultrasoundRegions). Without a usable
// spacing, lengths and areas are in pixels.
import type { SeriesView } from "../ipc/backend";
import type { Point } from "./math/measure";
import { regionCalibration } from "./ultrasoundRegions";

export interface Calibration {
  /** Row spacing, column spacing in mm; null when distances are in pixels. */
  spacing: [number, number] | null;
  lengthUnit: "mm" | "mm at detector" | "mm (US region)" | "px";
  areaUnit: "mm²" | "mm² at detector" | "mm² (US region)" | "px²";
  /** Why a measurement is in pixels although its image is calibrated, for its label. */
  note?: string;
}

export const UNCALIBRATED: Calibration = { spacing: null, lengthUnit: "px", areaUnit: "px²" };

type CalibratedSeries = Pick<SeriesView, "pixelSpacing" | "pixelSpacingSource"> & Partial<Pick<SeriesView, "imageSpacing" | "ultrasoundRegions" | "ultrasoundRegionsDiffer">>;

/** Ultrasound images whose regions differ: none is used, and the label says why. */
const REGIONS_DIFFER: Calibration = { ...UNCALIBRATED, note: "In pixels: the images of this series have different ultrasound regions" };

/**
 * The calibration of image `index` of a series: its own spacing when the series sends one
 * per image, else the series'; a spacing that is not two positive numbers is none, and a
 * series whose images carry different ultrasound regions is in pixels with a note.
 */
export function calibrationOf(series: CalibratedSeries | null, index = 0): Calibration {
  if (series?.ultrasoundRegionsDiffer) return REGIONS_DIFFER;
  const perImage = series?.imageSpacing ?? [];
  const spacing = perImage.length > 0 ? (perImage[index] ?? null) : (series?.pixelSpacing ?? null);
  if (!spacing || !spacing.every((value) => Number.isFinite(value) && value > 0)) return UNCALIBRATED;
  if (series?.pixelSpacingSource === "imagerPixelSpacing") {
    return { spacing, lengthUnit: "mm at detector", areaUnit: "mm² at detector" };
  }
  return { spacing, lengthUnit: "mm", areaUnit: "mm²" };
}

/**
 * The calibration of a measurement with `points` on image `index`: on an image with
 * ultrasound regions, that of the region holding the points (or pixels with a note);
 * otherwise the image's.
 */
export function calibrationAt(series: CalibratedSeries | null, index: number, points: readonly Point[]): Calibration {
  const regions = series?.ultrasoundRegions ?? [];
  if (regions.length === 0) return calibrationOf(series, index);
  return regionCalibration(regions, points);
}
