// The measurement being drawn, as presses, drags and releases of the pointer arrive. Pure:
// each step takes the draft so far and answers the next draft and, once the shape is
// complete, the finished measurement for the store. A length is one drag, and so is an
// ellipse (corner to corner); an angle is a drag along its first ray and a click at the end
// of the second; a bidirectional measurement is a drag along the long axis, then a drag
// across it, made into the perpendicular short axis. A click without a drag makes nothing:
// a measurement of zero size is noise, not a finding.
import { perpendicularAxis, type Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

export interface Draft {
  readonly kind: MeasurementKind;
  readonly points: readonly Point[];
  /** The image it is drawn on (series and index). */
  readonly image: string;
}

export interface Step {
  /** What is still being drawn, if anything. */
  draft: Draft | null;
  /** A finished measurement to store. */
  done: Draft | null;
}

const same = (a: Point, b: Point): boolean => a[0] === b[0] && a[1] === b[1];

/** A press of the primary button with a measuring tool at `point` on `image`. */
export function press(draft: Draft | null, kind: MeasurementKind, point: Point, image: string): Step {
  if (kind === "angle" && draft?.kind === "angle" && draft.image === image) {
    const points = [...draft.points, point];
    if (points.length === 3) return { draft: null, done: { ...draft, points } };
    return { draft: { ...draft, points }, done: null };
  }
  if (kind === "bidirectional" && draft?.kind === "bidirectional" && draft.image === image && draft.points.length === 2) {
    return { draft: { ...draft, points: [...draft.points, point, point] }, done: null };
  }
  return { draft: { kind, points: [point, point], image }, done: null };
}

/** The pointer dragged to `point`: the point being placed follows it. */
export function move(draft: Draft | null, point: Point): Draft | null {
  if (!draft) return null;
  return { ...draft, points: [...draft.points.slice(0, -1), point] };
}

/**
 * The button let go: a dragged length or ellipse is finished; an angle waits for its third
 * point and a bidirectional measurement for its short axis, which is made perpendicular to
 * the long axis in mm with `pixelSpacing` (row, column).
 */
export function release(draft: Draft | null, pixelSpacing: [number, number] | null = null): Step {
  if (!draft || draft.kind === "angle") return { draft, done: null };
  const [a, b, from, to] = draft.points;
  if (!a || !b || same(a, b)) return { draft: null, done: null };
  if (draft.kind === "bidirectional") {
    if (!from || !to) return { draft, done: null };
    const short = perpendicularAxis(a, b, from, to, pixelSpacing);
    // A short axis of no length is a click: the long axis waits for a real drag.
    if (same(short[0], short[1])) return { draft: { ...draft, points: [a, b] }, done: null };
    return { draft: null, done: { ...draft, points: [a, b, ...short] } };
  }
  if (draft.kind === "ellipse" && (a[0] === b[0] || a[1] === b[1])) return { draft: null, done: null };
  return { draft: null, done: draft };
}
