// What a measurement's label says, worked out from its points in image pixels and the
// calibration of the image it was made on.
import { formatLength, measureAngle, measureLength, type Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

export interface LabelContext {
  /** Pixel Spacing (row, column) in mm, or null when lengths are in pixels. */
  spacing: [number, number] | null;
}

export const KIND_NAMES: Record<MeasurementKind, string> = {
  length: "Length",
  angle: "Angle",
  ellipse: "Ellipse",
  bidirectional: "Bidirectional",
};

/** The label's lines; empty while the shape has too few points to say anything. */
export function labelLines(kind: MeasurementKind, points: readonly Point[], context: LabelContext): string[] {
  const [p0, p1, p2] = points;
  switch (kind) {
    case "length":
      return p0 && p1 ? [formatLength(measureLength(p0, p1, context.spacing))] : [];
    case "angle":
      return p0 && p1 && p2 ? [`${measureAngle(p0, p1, p2, context.spacing).toFixed(1)}°`] : [];
    default:
      return [];
  }
}
