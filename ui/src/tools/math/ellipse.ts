// An axis-aligned ellipse in image pixel coordinates, given by two opposite corners of its
// bounding box (as it is dragged out): its outline for drawing, its area, and which pixel
// centres lie inside it. Pixel (c, r) covers [c, c+1) × [r, r+1), so its centre is at
// (c + 0.5, r + 0.5).
import type { Point } from "./measure";

export interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export function ellipseFrom(a: Point, b: Point): Ellipse {
  return { cx: (a[0] + b[0]) / 2, cy: (a[1] + b[1]) / 2, rx: Math.abs(b[0] - a[0]) / 2, ry: Math.abs(b[1] - a[1]) / 2 };
}

/** Points around the ellipse, the first repeated at the end to close it. */
export function ellipseOutline(e: Ellipse, segments = 48): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < segments; i++) {
    const t = (2 * Math.PI * i) / segments;
    points.push([e.cx + e.rx * Math.cos(t), e.cy + e.ry * Math.sin(t)]);
  }
  const first = points[0];
  if (first) points.push([first[0], first[1]]);
  return points;
}

/** The area in mm² with a spacing (row, column), else in pixels². */
export function ellipseArea(e: Ellipse, pixelSpacing: [number, number] | null): number {
  const [rowSpacing, colSpacing] = pixelSpacing ?? [1, 1];
  return Math.PI * e.rx * colSpacing * e.ry * rowSpacing;
}

/** Calls `visit` with each pixel of a `columns`×`rows` grid whose centre is inside the ellipse. */
export function forEachPixelInside(e: Ellipse, columns: number, rows: number, visit: (column: number, row: number) => void): void {
  if (e.rx <= 0 || e.ry <= 0) return;
  const firstRow = Math.max(0, Math.floor(e.cy - e.ry));
  const lastRow = Math.min(rows - 1, Math.ceil(e.cy + e.ry));
  const firstColumn = Math.max(0, Math.floor(e.cx - e.rx));
  const lastColumn = Math.min(columns - 1, Math.ceil(e.cx + e.rx));
  for (let row = firstRow; row <= lastRow; row++) {
    const dy = (row + 0.5 - e.cy) / e.ry;
    for (let column = firstColumn; column <= lastColumn; column++) {
      const dx = (column + 0.5 - e.cx) / e.rx;
      if (dx * dx + dy * dy <= 1) visit(column, row);
    }
  }
}
