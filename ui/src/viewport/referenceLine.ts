// Reference lines: where another viewport's image plane crosses the image on screen. Each
// image's plane follows DICOM PS3.3 C.7.6.2.1.1 (Image Plane Module): Image Position
// (Patient) is the centre of the first pixel, the first three Image Orientation (Patient)
// cosines run along a row (columns increasing), the last three down a column (rows
// increasing), Pixel Spacing is [between rows, between columns] in mm (PS3.3 10.7.1.3) and
// the plane's normal is row × column. Two planes of one Frame of Reference that are not
// parallel (within the tolerance synchronised scrolling uses, ./sync) meet in a line; the
// part of it that lies on both images is returned in this image's pixel coordinates
// (x right, y down, the first pixel's centre at 0.5, 0.5). Pure functions.
import type { FramePixels, SeriesView } from "../ipc/backend";
import { calibrationOf } from "../tools/calibration";
import type { Point } from "../tools/math/measure";
import { alignment } from "./sync";

type Vector = [number, number, number];

/** One image's place in the patient. */
export interface ImagePlane {
  frameOfReference: string;
  /** Centre of the first (top left) pixel, in mm. */
  position: Vector;
  /** Unit direction along a row (x increasing). */
  row: Vector;
  /** Unit direction down a column (y increasing). */
  column: Vector;
  /** Unit normal, row × column. */
  normal: Vector;
  rows: number;
  columns: number;
  /** Pixel Spacing: [between rows, between columns] in mm. */
  spacing: [number, number];
}

/** How far from perpendicular the row and column cosines may be and still count as an image. */
const ORTHOGONAL_TOLERANCE = 0.01;

const dot = (a: Vector, b: Vector): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vector, b: Vector): Vector => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const minus = (a: Vector, b: Vector): Vector => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];

function unit(v: Vector): Vector | null {
  const length = Math.hypot(...v);
  return Number.isFinite(length) && length > 1e-6 ? [v[0] / length, v[1] / length, v[2] / length] : null;
}

/**
 * The plane of an image, or null when it cannot be placed: no Frame of Reference, no
 * position or orientation, cosines that are not two perpendicular directions, or no
 * spacing measured in the patient (Imager Pixel Spacing is at the detector, PS3.3 C.8.11.4).
 */
export function imagePlane(
  frame: Pick<FramePixels, "position" | "orientation" | "rows" | "columns">,
  series: Pick<SeriesView, "frameOfReference" | "pixelSpacing" | "pixelSpacingSource">,
): ImagePlane | null {
  const { position, orientation, rows, columns } = frame;
  if (!series.frameOfReference || !position || !orientation || !(rows > 0) || !(columns > 0)) return null;
  if (!position.every(Number.isFinite)) return null;
  const calibration = calibrationOf(series);
  if (calibration.lengthUnit !== "mm" || !calibration.spacing) return null;
  const row = unit([orientation[0], orientation[1], orientation[2]]);
  const column = unit([orientation[3], orientation[4], orientation[5]]);
  if (!row || !column || Math.abs(dot(row, column)) > ORTHOGONAL_TOLERANCE) return null;
  const normal = unit(cross(row, column));
  if (!normal) return null;
  return { frameOfReference: series.frameOfReference, position: [...position], row, column, normal, rows, columns, spacing: calibration.spacing };
}

/** The interval of `t` kept so far; narrowed by each bound. */
type Interval = [number, number];

/** Narrows `interval` to where `start + t * step` lies within [0, limit]; null when empty. */
function clip(interval: Interval, start: number, step: number, limit: number): Interval | null {
  let [low, high] = interval;
  if (Math.abs(step) < 1e-12) return start >= 0 && start <= limit ? interval : null;
  const a = (0 - start) / step;
  const b = (limit - start) / step;
  low = Math.max(low, Math.min(a, b));
  high = Math.min(high, Math.max(a, b));
  return low <= high ? [low, high] : null;
}

/** Pixel coordinates on `plane` of the patient point `p + t·u`, as start and step per unit t. */
function along(plane: ImagePlane, p: Vector, u: Vector): { x: [number, number]; y: [number, number] } {
  const [rowSpacing, columnSpacing] = plane.spacing;
  const offset = minus(p, plane.position);
  return {
    x: [dot(offset, plane.row) / columnSpacing + 0.5, dot(u, plane.row) / columnSpacing],
    y: [dot(offset, plane.column) / rowSpacing + 0.5, dot(u, plane.column) / rowSpacing],
  };
}

/**
 * Where `source`'s image crosses `target`'s, as two points in `target`'s pixel coordinates;
 * null when they are in different Frames of Reference, parallel, or do not meet within
 * both images.
 */
export function referenceLine(target: ImagePlane, source: ImagePlane): [Point, Point] | null {
  if (target.frameOfReference !== source.frameOfReference) return null;
  if (alignment(target.normal, source.normal) !== 0) return null;
  const n1 = target.normal;
  const n2 = source.normal;
  const d1 = dot(n1, target.position);
  const d2 = dot(n2, source.position);
  const c = dot(n1, n2);
  const det = 1 - c * c;
  // The point of the line nearest the origin: a mix of the two normals on both planes.
  const a = (d1 - d2 * c) / det;
  const b = (d2 - d1 * c) / det;
  const p: Vector = [a * n1[0] + b * n2[0], a * n1[1] + b * n2[1], a * n1[2] + b * n2[2]];
  const u = unit(cross(n1, n2));
  if (!u) return null;
  const onTarget = along(target, p, u);
  const onSource = along(source, p, u);
  let interval: Interval | null = [-Infinity, Infinity];
  for (const [plane, coords] of [
    [target, onTarget],
    [source, onSource],
  ] as const) {
    interval = interval && clip(interval, coords.x[0], coords.x[1], plane.columns);
    interval = interval && clip(interval, coords.y[0], coords.y[1], plane.rows);
  }
  if (!interval || interval[1] - interval[0] < 1e-9) return null;
  const at = (t: number): Point => [onTarget.x[0] + t * onTarget.x[1], onTarget.y[0] + t * onTarget.y[1]];
  return [at(interval[0]), at(interval[1])];
}
