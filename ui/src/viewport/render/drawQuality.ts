// When a viewport draws fast and when it draws well. Box-filtering an image shown smaller
// than its pixels (./minify) costs several taps per screen pixel, which software rendering
// cannot afford at every frame of a window/level drag or a stack scroll. So while the image
// is changing under the clinician's hand the viewport draws nearest, and once the changes
// have stopped for SETTLE_MS it draws once more, filtered: a still image is always shown
// smoothed. The redraw is asked for only when the last draw was coarser than a settled one
// would be (an image at 1:1 or larger looks the same either way). This module is the state
// machine and its timer, given the clock from outside so tests need no real time.

/** How long the image must be still before it is drawn filtered again, in milliseconds. */
export const SETTLE_MS = 150;

/** Starts and cancels one-shot timers (the window's setTimeout, or a test's). */
export interface Timer {
  start(callback: () => void, ms: number): number;
  cancel(handle: number): void;
}

const windowTimer: Timer = {
  start: (callback, ms) => window.setTimeout(callback, ms),
  cancel: (handle) => window.clearTimeout(handle),
};

export class DrawQuality {
  /** The timer that ends the current interaction; null when the image is still. */
  private pending: number | null = null;
  /** Whether the image on screen was drawn nearest where a settled draw would filter it. */
  private coarse = false;

  /** `redraw` is asked for when the image has settled and the one on screen is coarse. */
  constructor(
    private readonly redraw: () => void,
    private readonly timer: Timer = windowTimer,
  ) {}

  /** The image is changing interactively: draw nearest until it has been still for SETTLE_MS. */
  interact(): void {
    if (this.pending !== null) this.timer.cancel(this.pending);
    this.pending = this.timer.start(() => this.settle(), SETTLE_MS);
  }

  /** Whether the next draw should be nearest: an interaction is under way. */
  get interactive(): boolean {
    return this.pending !== null;
  }

  /** Notes a draw: `coarse` when it was nearest on an image a settled draw would filter. */
  drawn(coarse: boolean): void {
    this.coarse = coarse;
  }

  /** Stops waiting for the image to settle (on close): no redraw comes after. */
  destroy(): void {
    if (this.pending !== null) this.timer.cancel(this.pending);
    this.pending = null;
    this.coarse = false;
  }

  private settle(): void {
    this.pending = null;
    if (this.coarse) this.redraw();
  }
}
