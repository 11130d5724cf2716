// The measuring tools' pointer input (length, angle, ellipse, bidirectional): presses,
// drags and releases move the draft on (see ./measurementDraft), and what they finish goes
// to the viewport's store. Each call answers whether anything changed, so the viewport
// redraws only then.
import type { Point } from "./math/measure";
import { move, press, release, type Draft, type Step } from "./measurementDraft";
import type { MeasurementKind, MeasurementStore } from "./measurements";

export class MeasuringInput {
  /** The measurement half drawn, if any. */
  draft: Draft | null = null;
  /** The measurement the last press or release finished and stored, if it finished one. */
  finished: Draft | null = null;

  constructor(private readonly store: MeasurementStore) {}

  press(kind: MeasurementKind, point: Point, image: string): true {
    return this.take(press(this.draft, kind, point, image));
  }

  /** The pointer dragged with `kind`: the point being placed follows it. */
  drag(kind: MeasurementKind, point: Point): boolean {
    if (this.draft?.kind !== kind) return false;
    this.draft = move(this.draft, point);
    return true;
  }

  /** The button let go; `pixelSpacing` makes a short axis perpendicular in mm. */
  release(pixelSpacing: [number, number] | null): true {
    return this.take(release(this.draft, pixelSpacing));
  }

  /** Drops the measurement half drawn (Esc); false when there was none. */
  drop(): boolean {
    const had = this.draft !== null;
    this.draft = null;
    return had;
  }

  private take(step: Step): true {
    this.draft = step.draft;
    this.finished = step.done;
    if (step.done) this.store.add(step.done.image, step.done.kind, step.done.points);
    return true;
  }
}
