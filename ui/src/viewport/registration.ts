// Registration by table position: two series that do not share a Frame of Reference (their
// patient coordinates are not one space, DICOM PS3.3 C.7.4.1.1.1) can still scroll together
// when the clinician links them. On linking, the difference between the two images on screen,
// each measured along its own slice normal (row × column cosines of Image Orientation
// (Patient), PS3.3 C.7.6.2.1.1), is kept as an offset, so those two images stay paired;
// scrolling one then moves the other by the same distance. Only series lying in the same
// plane and facing the same way are linked: an opposite normal (one stack described from the
// other side) or an oblique one would pair unrelated places. While linked, the clinician may
// correct the pairing by hand: each nudge moves the offset by the follower's slice spacing, so
// the follower pairs the image before or after the one it paired. Pure functions.
import { alignment, nearestSlice, type SyncableSeries } from "./sync";

/** Why two series cannot be linked by table position. */
export type LinkRefusal = "orientation" | "opposite" | "position";

/** The clinician's words for a refusal. */
export const LINK_REFUSALS: Record<LinkRefusal, string> = {
  orientation: "different or oblique orientation",
  opposite: "opposite orientation",
  position: "no slice positions",
};

/** Why `a` and `b` cannot be linked, or null when they can. */
export function linkRefusal(a: SyncableSeries, b: SyncableSeries): LinkRefusal | null {
  const way = alignment(a.sliceNormal, b.sliceNormal);
  if (way === 0) return "orientation";
  if (way === -1) return "opposite";
  return a.slicePositions.some((p) => p !== null) && b.slicePositions.some((p) => p !== null) ? null : "position";
}

/**
 * The offset (mm) that pairs image `aIndex` of `a` with image `bIndex` of `b`: a position in
 * `b` is the position in `a` plus the offset. Null when they cannot be linked or either image
 * has no position.
 */
export function captureOffset(a: SyncableSeries, aIndex: number, b: SyncableSeries, bIndex: number): number | null {
  if (linkRefusal(a, b) !== null) return null;
  const from = a.slicePositions[aIndex];
  const to = b.slicePositions[bIndex];
  if (from === undefined || from === null || to === undefined || to === null) return null;
  return to - from;
}

/**
 * The follower's index for the leader at `index`, each series with its offset from a common
 * reference (the current study's viewport, whose offset is 0): the follower shows the slice
 * nearest the leader's position moved by the difference. Null when they cannot be linked or
 * the leader's image has no position.
 */
export function registeredIndex(leader: SyncableSeries, leaderOffset: number, index: number, follower: SyncableSeries, followerOffset: number): number | null {
  if (linkRefusal(leader, follower) !== null) return null;
  const position = leader.slicePositions[index];
  if (position === undefined || position === null) return null;
  const best = nearestSlice(follower.slicePositions, position - leaderOffset + followerOffset);
  return best >= 0 ? best : null;
}

/**
 * The series' slice spacing (mm) in the order of its images: the median gap between
 * neighbouring placed images, negative when positions fall as the index rises. Null with
 * fewer than two placed images or when they all lie at one position.
 */
export function sliceStep(series: SyncableSeries): number | null {
  const gaps: number[] = [];
  let last: { index: number; position: number } | null = null;
  series.slicePositions.forEach((position, index) => {
    if (position === null) return;
    if (last) gaps.push((position - last.position) / (index - last.index));
    last = { index, position };
  });
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  const middle = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 === 1 ? (gaps[middle] ?? 0) : ((gaps[middle - 1] ?? 0) + (gaps[middle] ?? 0)) / 2;
  return median === 0 ? null : median;
}

/**
 * The offset that pairs the follower's image `step` (+1 the next, −1 the one before) from
 * the one `offset` pairs with the same image of the reference: the offset moved by one of the
 * follower's slice spacings, the way its positions run. Null when the follower has no spacing.
 */
export function nudgedOffset(offset: number, follower: SyncableSeries, step: 1 | -1): number | null {
  const spacing = sliceStep(follower);
  return spacing === null ? null : offset + step * spacing;
}

/** The offset as the link's label says it: "linked +12.5 mm", "linked −3 mm", "linked 0 mm". */
export function offsetLabel(offset: number): string {
  const rounded = Math.round(offset * 10) / 10;
  if (rounded === 0) return "linked 0 mm";
  return `linked ${rounded > 0 ? "+" : "−"}${Math.abs(rounded)} mm`;
}
