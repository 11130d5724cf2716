// The lines that draw a measurement, in image pixel coordinates: a length is one segment, an
// angle two joined rays, an ellipse a closed outline, a bidirectional measurement its long
// axis and, once dragged, its short axis made perpendicular. The viewport maps them onto the
// canvas.
import { ellipseFrom, ellipseOutline } from "./math/ellipse";
import { perpendicularAxis, type Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

export function shapeLines(kind: MeasurementKind, points: readonly Point[], pixelSpacing: [number, number] | null = null): Point[][] {
  const [p0, p1, p2, p3] = points;
  if (kind === "ellipse" && p0 && p1) return [ellipseOutline(ellipseFrom(p0, p1))];
  if (kind === "bidirectional" && p0 && p1) {
    return p2 && p3 ? [[p0, p1], perpendicularAxis(p0, p1, p2, p3, pixelSpacing)] : [[p0, p1]];
  }
  return [[...points]];
}
