import { describe, expect, it, vi } from "vitest";
import { DrawQuality, SETTLE_MS, type Timer } from "./drawQuality";

/** A clock moved by hand: timers fire when `advance` passes their time. */
class ManualTimer implements Timer {
  private now = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  start(callback: () => void, ms: number): number {
    const handle = this.next++;
    this.timers.set(handle, { at: this.now + ms, callback });
    return handle;
  }

  cancel(handle: number): void {
    this.timers.delete(handle);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [handle, { at, callback }] of [...this.timers]) {
      if (at > this.now) continue;
      this.timers.delete(handle);
      callback();
    }
  }

  get waiting(): number {
    return this.timers.size;
  }
}

function setup(): { quality: DrawQuality; timer: ManualTimer; redraw: ReturnType<typeof vi.fn> } {
  const timer = new ManualTimer();
  const redraw = vi.fn();
  return { quality: new DrawQuality(redraw, timer), timer, redraw };
}

describe("draw quality", () => {
  it("draws filtered while nothing moves", () => {
    const { quality } = setup();
    expect(quality.interactive).toBe(false);
  });

  it("draws nearest during an interaction and once filtered when it has settled", () => {
    const { quality, timer, redraw } = setup();
    quality.interact();
    expect(quality.interactive).toBe(true);
    quality.drawn(true);
    timer.advance(SETTLE_MS - 1);
    expect(quality.interactive).toBe(true);
    expect(redraw).not.toHaveBeenCalled();
    timer.advance(1);
    expect(quality.interactive).toBe(false);
    expect(redraw).toHaveBeenCalledTimes(1);
    quality.drawn(false);
    timer.advance(10 * SETTLE_MS);
    expect(redraw).toHaveBeenCalledTimes(1);
  });

  it("waits for the last of a run of changes, with one timer at a time", () => {
    const { quality, timer, redraw } = setup();
    for (let i = 0; i < 10; i++) {
      quality.interact();
      quality.drawn(true);
      timer.advance(SETTLE_MS / 2);
    }
    expect(timer.waiting).toBe(1);
    expect(redraw).not.toHaveBeenCalled();
    expect(quality.interactive).toBe(true);
    timer.advance(SETTLE_MS / 2);
    expect(redraw).toHaveBeenCalledTimes(1);
  });

  it("asks for no redraw when the image on screen is no coarser than a settled one", () => {
    const { quality, timer, redraw } = setup();
    quality.interact();
    quality.drawn(false);
    timer.advance(SETTLE_MS);
    expect(quality.interactive).toBe(false);
    expect(redraw).not.toHaveBeenCalled();
  });

  it("asks for nothing after it is destroyed", () => {
    const { quality, timer, redraw } = setup();
    quality.interact();
    quality.drawn(true);
    quality.destroy();
    expect(quality.interactive).toBe(false);
    expect(timer.waiting).toBe(0);
    timer.advance(SETTLE_MS);
    expect(redraw).not.toHaveBeenCalled();
  });
});
