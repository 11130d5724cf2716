// The lines that draw a measurement, in image pixel coordinates: a length is one segment, an
// angle two joined rays, an ellipse a closed outline. The viewport maps them onto the canvas.
import { ellipseFrom, ellipseOutline } from "./math/ellipse";
import type { Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

export function shapeLines(kind: MeasurementKind, points: readonly Point[]): Point[][] {
  const [p0, p1] = points;
  if (kind === "ellipse" && p0 && p1) return [ellipseOutline(ellipseFrom(p0, p1))];
  return [[...points]];
}
