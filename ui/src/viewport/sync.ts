// Synchronised scrolling by slice position: two series scroll together only when they share
// a Frame of Reference (their patient coordinates are the same space) and lie in the same
// plane — their slice normals (row × column cosines of Image Orientation (Patient), DICOM
// PS3.3 C.7.6.2.1.1) parallel within a tolerance, either way round. The follower then shows
// the slice nearest the leader's position, both measured along the leader's normal (a
// follower whose normal points the other way has its positions negated). Pure functions.

export type Normal = [number, number, number];

export interface SyncableSeries {
  frameOfReference: string | null;
  /** Unit slice normal, or null when the series has no usable orientation. */
  sliceNormal: Normal | null;
  /** Each image's position along `sliceNormal`, in mm. */
  slicePositions: (number | null)[];
}

/** Largest angle between slice normals that still counts as one plane (as in the Rust side). */
export const PARALLEL_TOLERANCE_DEGREES = 10;

/** Why two series do not scroll together. */
export type SyncRefusal = "frameOfReference" | "orientation";

/** +1 when the normals point the same way, -1 when opposite, 0 when not parallel or unknown. */
export function alignment(a: Normal | null, b: Normal | null): -1 | 0 | 1 {
  if (!a || !b) return 0;
  const length = Math.hypot(...a) * Math.hypot(...b);
  if (!(length > 0)) return 0;
  const cosine = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / length;
  if (Math.abs(cosine) < Math.cos((PARALLEL_TOLERANCE_DEGREES * Math.PI) / 180)) return 0;
  return cosine > 0 ? 1 : -1;
}

/** Why scrolling `leader` may not move `follower`, or null when it may. */
export function syncRefusal(leader: SyncableSeries, follower: SyncableSeries): SyncRefusal | null {
  if (leader.frameOfReference === null || leader.frameOfReference !== follower.frameOfReference) return "frameOfReference";
  return alignment(leader.sliceNormal, follower.sliceNormal) === 0 ? "orientation" : null;
}

/** Whether scrolling `leader` may move `follower`. */
export function canSynchronise(leader: SyncableSeries, follower: SyncableSeries): boolean {
  return syncRefusal(leader, follower) === null;
}

/** The index of the slice nearest `position` (mm), or -1 when no slice has a position. */
export function nearestSlice(positions: (number | null)[], position: number): number {
  let best = -1;
  let bestDistance = Infinity;
  positions.forEach((p, index) => {
    if (p === null) return;
    const distance = Math.abs(p - position);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = index;
    }
  });
  return best;
}

/** The follower's index for the leader at `index`, or null when they do not synchronise. */
export function followerIndex(leader: SyncableSeries, index: number, follower: SyncableSeries): number | null {
  if (!canSynchronise(leader, follower)) return null;
  const position = leader.slicePositions[index];
  if (position === undefined || position === null) return null;
  const sign = alignment(leader.sliceNormal, follower.sliceNormal);
  const alongLeader = follower.slicePositions.map((p) => (p === null ? null : sign * p));
  const best = nearestSlice(alongLeader, position);
  return best >= 0 ? best : null;
}
