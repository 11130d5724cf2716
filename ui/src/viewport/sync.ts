// Synchronised scrolling by slice position: two series scroll together only when they share
// a Frame of Reference (their patient coordinates are the same space), and the follower
// shows the slice nearest the leader's position along the slice normal. Pure functions.

export interface SyncableSeries {
  frameOfReference: string | null;
  slicePositions: (number | null)[];
}

/** Whether scrolling `leader` may move `follower`. */
export function canSynchronise(leader: SyncableSeries, follower: SyncableSeries): boolean {
  return leader.frameOfReference !== null && leader.frameOfReference === follower.frameOfReference;
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
  const best = nearestSlice(follower.slicePositions, position);
  return best >= 0 ? best : null;
}
