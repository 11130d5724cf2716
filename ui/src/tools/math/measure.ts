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
