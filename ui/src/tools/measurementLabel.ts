// What a measurement's label says, worked out from its points in image pixels and the
// calibration of the image it was made on (which names the unit: mm, mm at detector, px).
import type { Calibration } from "./calibration";
import { measureAngle, measureLength, type Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

export interface LabelContext {
  calibration: Calibration;
}

export const KIND_NAMES: Record<MeasurementKind, string> = {
  length: "Length",
  angle: "Angle",
  ellipse: "Ellipse",
  bidirectional: "Bidirectional",
};

/** The label's lines; empty while the shape has too few points to say anything. */
export function labelLines(kind: MeasurementKind, points: readonly Point[], context: LabelContext): string[] {
  const { spacing } = context.calibration;
  const length = (a: Point, b: Point): string => `${measureLength(a, b, spacing).value.toFixed(1)} ${context.calibration.lengthUnit}`;
  const [p0, p1, p2] = points;
  switch (kind) {
    case "length":
      return p0 && p1 ? [length(p0, p1)] : [];
    case "angle":
      return p0 && p1 && p2 ? [`${measureAngle(p0, p1, p2, spacing).toFixed(1)}°`] : [];
    default:
      return [];
  }
}
