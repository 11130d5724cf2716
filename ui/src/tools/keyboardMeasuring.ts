// Placing a measurement without a mouse (WCAG 2.2 SC 2.1.1 Keyboard). With a measuring tool
// picked and the viewport focused, Enter shows a crosshair at the image's centre; the arrows
// move it one image pixel in their direction on screen (Shift: ten), whatever the rotation
// and flips; Enter stands for the pointer's press and release in turn, so each shape is
// built just as with the pointer (see ./measuring): a length is Enter at its start and Enter
// at its end. Esc drops the measurement half placed and puts the crosshair away. Points sit
// at pixel centres. This module decides what a key does and words what a screen reader
// hears; the viewport draws the crosshair and passes the announcement to the status line.
import type { Point } from "./math/measure";
import type { Draft } from "./measurementDraft";
import type { MeasurementKind } from "./measurements";
import type { MeasuringInput } from "./measuring";

/** Image pixels an arrow moves the crosshair, and with Shift. */
export const STEP = 1;
export const SHIFT_STEP = 10;

export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/** What the viewport knows of the image on screen when a key comes. */
export interface KeyContext {
  kind: MeasurementKind;
  /** The image on screen (series and index), as the measurement store keys it. */
  image: string;
  columns: number;
  rows: number;
  /** The direction on the image (a unit step in x or y) of an arrow key on screen. */
  direction: (key: string) => Point | null;
  /** Pixel spacing (row, column) for a bidirectional measurement's short axis. */
  spacing: [number, number] | null;
}

export type Outcome =
  | { what: "shown"; at: Point }
  | { what: "moved"; at: Point; draft: Draft | null }
  | { what: "placed"; at: Point; count: number }
  | { what: "done"; measurement: Draft }
  | { what: "nothing"; at: Point }
  | { what: "cancelled" };

export class KeyboardMeasuring {
  /** Where the crosshair is, in image coordinates; null when it is not shown. */
  cursor: Point | null = null;
  /** Whether Enter last stood for a press (the point being placed follows the crosshair). */
  private down = false;

  constructor(private readonly input: MeasuringInput) {}

  /** Handles `press`; null when the key is not the crosshair's (it goes on to the study). */
  key(press: KeyPress, context: KeyContext): Outcome | null {
    if (press.ctrlKey || press.altKey || press.metaKey) return null;
    if (press.key === "Escape") return this.cancel() ? { what: "cancelled" } : null;
    if (press.key === "Enter") return this.enter(context);
    if (!this.cursor || !press.key.startsWith("Arrow")) return null;
    const direction = context.direction(press.key);
    if (!direction) return null;
    const step = press.shiftKey ? SHIFT_STEP : STEP;
    const at = clampToImage([this.cursor[0] + direction[0] * step, this.cursor[1] + direction[1] * step], context);
    this.cursor = at;
    if (this.down) this.input.drag(context.kind, at);
    return { what: "moved", at, draft: this.input.draft };
  }

  /** Puts the crosshair away and drops what it half placed; false when there was neither. */
  cancel(): boolean {
    const had = this.cursor !== null;
    this.cursor = null;
    this.down = false;
    return this.input.drop() || had;
  }

  /** Forgets the crosshair (another tool, another series) but not the pointer's draft. */
  hide(): void {
    this.cursor = null;
    this.down = false;
  }

  private enter(context: KeyContext): Outcome {
    if (!this.cursor) {
      this.cursor = clampToImage([context.columns / 2, context.rows / 2], context);
      return { what: "shown", at: this.cursor };
    }
    const at = this.cursor;
    if (this.down) {
      this.down = false;
      this.input.release(context.spacing);
    } else {
      this.input.press(context.kind, at, context.image);
      // An angle's third point finishes it on the press, as a click does.
      this.down = this.input.draft !== null;
    }
    const after = this.input.draft;
    if (after) return { what: "placed", at, count: placedCount(after, this.down) };
    const finished = this.input.finished;
    return finished ? { what: "done", measurement: finished } : { what: "nothing", at };
  }
}

/** Points fixed so far: while pressed, the last point still follows the crosshair. */
function placedCount(draft: Draft, down: boolean): number {
  return down ? draft.points.length - 1 : draft.points.length;
}

/** The centre of the pixel `point` falls in, kept inside the image. */
function clampToImage([x, y]: Point, { columns, rows }: Pick<KeyContext, "columns" | "rows">): Point {
  const column = Math.min(columns - 1, Math.max(0, Math.floor(x)));
  const row = Math.min(rows - 1, Math.max(0, Math.floor(y)));
  return [column + 0.5, row + 0.5];
}

/** The pixel (0-based column and row) the crosshair is on, as the probe names it. */
export function pixelName([x, y]: Point): string {
  return `x ${Math.floor(x)}, y ${Math.floor(y)}`;
}

/**
 * What a screen reader hears after a key: where the crosshair is, how many points are
 * placed, or the finished measurement as `describe` words it (kind and label).
 */
export function announcement(outcome: Outcome, describe: (draft: Draft) => string): string {
  switch (outcome.what) {
    case "shown":
      return `Crosshair at ${pixelName(outcome.at)}. Arrow keys move it, Shift and an arrow by ${SHIFT_STEP} pixels; Enter places a point; Esc cancels.`;
    case "moved":
      return outcome.draft ? `${pixelName(outcome.at)}. ${describe(outcome.draft)}` : pixelName(outcome.at);
    case "placed":
      return `Point ${outcome.count} placed at ${pixelName(outcome.at)}.`;
    case "done":
      return `Measured: ${describe(outcome.measurement)}.`;
    case "nothing":
      return `No measurement: its points are the same. Crosshair at ${pixelName(outcome.at)}.`;
    case "cancelled":
      return "Measurement cancelled.";
  }
}
