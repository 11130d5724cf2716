// Measurement geometry in image pixel coordinates. Pixel Spacing (0028,0030) is
// [row spacing, column spacing] in mm; without it, lengths are reported in pixels.

export type Point = [number, number];

export interface Length {
  value: number;
  unit: "mm" | "px";
}

export function measureLength(a: Point, b: Point, pixelSpacing: [number, number] | null): Length {
  const dCol = b[0] - a[0];
  const dRow = b[1] - a[1];
  if (pixelSpacing) {
    const [rowSpacing, colSpacing] = pixelSpacing;
    return { value: Math.hypot(dCol * colSpacing, dRow * rowSpacing), unit: "mm" };
  }
  return { value: Math.hypot(dCol, dRow), unit: "px" };
}

/** The angle at `vertex` between the rays to `a` and `b`, in degrees (0–180), in patient mm. */
export function measureAngle(a: Point, vertex: Point, b: Point, pixelSpacing: [number, number] | null): number {
  const [rowSpacing, colSpacing] = pixelSpacing ?? [1, 1];
  const ax = (a[0] - vertex[0]) * colSpacing;
  const ay = (a[1] - vertex[1]) * rowSpacing;
  const bx = (b[0] - vertex[0]) * colSpacing;
  const by = (b[1] - vertex[1]) * rowSpacing;
  const norm = Math.hypot(ax, ay) * Math.hypot(bx, by);
  if (norm === 0) return 0;
  const cos = Math.min(1, Math.max(-1, (ax * bx + ay * by) / norm));
  return (Math.acos(cos) * 180) / Math.PI;
}

export function formatLength(length: Length): string {
  return `${length.value.toFixed(1)} ${length.unit}`;
}

/**
 * The short axis of a bidirectional measurement: perpendicular to the long axis `a`–`b` in
 * patient mm (so anisotropic pixels do not skew it), crossing it where the drag `from`–`to`
 * does (the foot of the drag's midpoint, kept on the long axis), and reaching as far to each
 * side as the drag's two ends.
 */
export function perpendicularAxis(a: Point, b: Point, from: Point, to: Point, pixelSpacing: [number, number] | null): [Point, Point] {
  const [rowSpacing, colSpacing] = pixelSpacing ?? [1, 1];
  const toMm = (p: Point): Point => [p[0] * colSpacing, p[1] * rowSpacing];
  const toPixels = (p: Point): Point => [p[0] / colSpacing, p[1] / rowSpacing];
  const [ax, ay] = toMm(a);
  const [bx, by] = toMm(b);
  const length = Math.hypot(bx - ax, by - ay);
  if (length === 0) return [a, a];
  const ux = (bx - ax) / length;
  const uy = (by - ay) / length;
  const [fx, fy] = toMm(from);
  const [tx, ty] = toMm(to);
  const along = Math.min(length, Math.max(0, ((fx + tx) / 2 - ax) * ux + ((fy + ty) / 2 - ay) * uy));
  const cx = ax + ux * along;
  const cy = ay + uy * along;
  // The normal, and how far along it each end of the drag lies.
  const nx = -uy;
  const ny = ux;
  const side = (x: number, y: number): Point => {
    const d = (x - cx) * nx + (y - cy) * ny;
    return toPixels([cx + nx * d, cy + ny * d]);
  };
  return [side(fx, fy), side(tx, ty)];
}
