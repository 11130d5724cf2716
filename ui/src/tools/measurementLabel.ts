// What a measurement's label says, worked out from its points in image pixels and the
// calibration of the image it was made on (which names the unit: mm, mm at detector, px),
// or on an ultrasound image of the region it lies in (mm (US region), or px with a note
// saying why), and for a region the values of that image's pixels.
import type { UltrasoundRegion } from "../ipc/backend";
import type { Calibration } from "./calibration";
import { ellipseArea, ellipseFrom } from "./math/ellipse";
import { measureAngle, measureLength, perpendicularAxis, type Point } from "./math/measure";
import { formatValue, unitSuffix, type PixelGrid } from "./math/pixelValues";
import { ellipseStats } from "./math/roiStats";
import type { MeasurementKind } from "./measurements";
import { regionCalibration } from "./ultrasoundRegions";

export interface LabelContext {
  calibration: Calibration;
  /** The values of the image's pixels; null for a colour image or none on screen. */
  pixels: PixelGrid | null;
  /** The image's ultrasound regions; when there are any, they calibrate instead. */
  regions?: readonly UltrasoundRegion[];
}

export const KIND_NAMES: Record<MeasurementKind, string> = {
  length: "Length",
  angle: "Angle",
  ellipse: "Ellipse",
  bidirectional: "Bidirectional",
};

/** The label's lines; empty while the shape has too few points to say anything. */
export function labelLines(kind: MeasurementKind, points: readonly Point[], context: LabelContext): string[] {
  const calibration = measuredWith(points, context);
  const lines = linesWith(kind, points, { ...context, calibration });
  // An angle is the same in any unit; other measurements say why they are in pixels.
  return calibration.note && kind !== "angle" && lines.length > 0 ? [...lines, calibration.note] : lines;
}

/** The calibration a measurement with these points takes: its ultrasound region's, else the image's. */
export function measuredWith(points: readonly Point[], context: LabelContext): Calibration {
  return context.regions && context.regions.length > 0 ? regionCalibration(context.regions, points) : context.calibration;
}

function linesWith(kind: MeasurementKind, points: readonly Point[], context: LabelContext): string[] {
  const { spacing } = context.calibration;
  const length = (a: Point, b: Point): string => `${measureLength(a, b, spacing).value.toFixed(1)} ${context.calibration.lengthUnit}`;
  const [p0, p1, p2, p3] = points;
  switch (kind) {
    case "length":
      return p0 && p1 ? [length(p0, p1)] : [];
    case "angle":
      return p0 && p1 && p2 ? [`${measureAngle(p0, p1, p2, spacing).toFixed(1)}°`] : [];
    case "ellipse":
      return p0 && p1 ? ellipseLines(p0, p1, context) : [];
    case "bidirectional": {
      if (!p0 || !p1) return [];
      const long = measureLength(p0, p1, spacing).value.toFixed(1);
      if (!p2 || !p3) return [`L ${long} ${context.calibration.lengthUnit}`];
      const [s0, s1] = perpendicularAxis(p0, p1, p2, p3, spacing);
      return [`L ${long} × S ${measureLength(s0, s1, spacing).value.toFixed(1)} ${context.calibration.lengthUnit}`];
    }
  }
}

/** Area, then mean and SD, then min and max of the pixel values inside. */
function ellipseLines(a: Point, b: Point, context: LabelContext): string[] {
  const ellipse = ellipseFrom(a, b);
  const area = `Area ${ellipseArea(ellipse, context.calibration.spacing).toFixed(1)} ${context.calibration.areaUnit}`;
  if (!context.pixels) return [area, "No pixel values (colour image)"];
  const stats = ellipseStats(context.pixels, ellipse);
  if (!stats) return [area, "No pixel centre inside"];
  const unit = unitSuffix(context.pixels.unit, true);
  return [area, `Mean ${stats.mean.toFixed(1)}, SD ${stats.sd.toFixed(1)}${unit}`, `Min ${formatValue(stats.min)}, Max ${formatValue(stats.max)}${unit}`];
}
