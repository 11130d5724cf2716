import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend, FramePixels } from "../ipc/backend";
import { FOCUS_REPORT_DELAY_MS, FrameCache } from "./frameCache";

function frameOf(fill: number): FramePixels {
  return {
    rows: 2, columns: 2, format: "u16", slope: 1, intercept: 0, windowCenter: 40, windowWidth: 400,
    invert: false, instanceNumber: 1, sliceLocation: null, position: null, orientation: null,
    data: new Uint16Array(4).fill(fill).buffer,
  };
}

/** A backend whose frame() answers at once, or waits for release() when `hold` is set. */
function fakeBackend(hold = false): { backend: Backend; release: () => void } {
  const waiting: Array<() => void> = [];
  const backend = {
    frame: (_study: string, _series: string, index: number) =>
      hold
        ? new Promise<FramePixels>((resolve) => waiting.push(() => resolve(frameOf(index + 1000))))
        : Promise.resolve(frameOf(index + 1000)),
  } as unknown as Backend;
  return { backend, release: () => waiting.splice(0).forEach((go) => go()) };
}

const allZero = (frame: FramePixels) => new Uint8Array(frame.data).every((b) => b === 0);

describe("FrameCache.clear", () => {
  it("overwrites the pixels of every held frame with zeros before dropping them", async () => {
    const cache = new FrameCache(fakeBackend().backend, "s", "x", 3);
    const frames = await Promise.all([cache.get(0), cache.get(1), cache.get(2)]);
    expect(frames.some(allZero)).toBe(false);
    cache.clear();
    expect(frames.every(allZero)).toBe(true);
    expect(cache.has(0)).toBe(false);
  });

  it("zeroes a frame that arrives after the clear instead of keeping it", async () => {
    const { backend, release } = fakeBackend(true);
    const cache = new FrameCache(backend, "s", "x", 2);
    const late = cache.get(1);
    cache.clear();
    release();
    const frame = await late;
    expect(allZero(frame)).toBe(true);
    expect(cache.has(1)).toBe(false);
  });
});

/** A backend that records the order of its requests and fails the indices in `failing`. */
function recordingBackend(failing: number[] = []): { backend: Backend; asked: number[] } {
  const asked: number[] = [];
  const backend = {
    frame: (_study: string, _series: string, index: number) => {
      asked.push(index);
      return failing.includes(index) ? Promise.reject(new Error("unavailable")) : Promise.resolve(frameOf(index));
    },
  } as unknown as Backend;
  return { backend, asked };
}

describe("FrameCache.prefetch", () => {
  it("goes outward from the current slice", async () => {
    const { backend, asked } = recordingBackend();
    const cache = new FrameCache(backend, "s", "x", 6);
    await cache.prefetch(2, 1);
    expect(asked).toEqual([2, 3, 1, 4, 0, 5]);
  });

  it("follows the slice the clinician scrolls to", async () => {
    const { backend, asked } = recordingBackend();
    const cache = new FrameCache(backend, "s", "x", 10);
    await cache.get(0);
    const prefetch = cache.prefetch(0, 1);
    cache.focus(7);
    await prefetch;
    // Frame 1 was already asked for when the focus moved; then 7 and its neighbours.
    expect(asked.slice(0, 5)).toEqual([0, 1, 7, 8, 6]);
    expect([...asked].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("asks for a frame that fails only once", async () => {
    const { backend, asked } = recordingBackend([1]);
    const cache = new FrameCache(backend, "s", "x", 3);
    await cache.prefetch(0, 2);
    expect(asked.filter((i) => i === 1)).toHaveLength(1);
    expect(cache.has(0) && cache.has(2)).toBe(true);
  });
});

describe("FrameCache.focus", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A backend recording what the retrieval is told is on screen. */
  function focusBackend(): { backend: Backend; told: unknown[][] } {
    const told: unknown[][] = [];
    const backend = {
      frame: (_study: string, _series: string, index: number) => Promise.resolve(frameOf(index)),
      focusStudy: (...args: unknown[]) => {
        told.push(args);
        return Promise.resolve();
      },
    } as unknown as Backend;
    return { backend, told };
  }

  it("tells the retrieval the image on screen and the direction once the scrolling pauses", () => {
    vi.useFakeTimers();
    const { backend, told } = focusBackend();
    const cache = new FrameCache(backend, "study", "2", 50);
    cache.focus(3);
    cache.focus(4);
    cache.focus(5);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(FOCUS_REPORT_DELAY_MS);
    return Promise.resolve().then(async () => {
      await Promise.resolve();
      expect(told).toEqual([["study", "2", 5, "forward"]]);
      cache.focus(1);
      vi.advanceTimersByTime(FOCUS_REPORT_DELAY_MS);
      await Promise.resolve();
      await Promise.resolve();
      expect(told.at(-1)).toEqual(["study", "2", 1, "backward"]);
    });
  });

  it("tells nothing once the series is closed", async () => {
    vi.useFakeTimers();
    const { backend, told } = focusBackend();
    const cache = new FrameCache(backend, "study", "2", 50);
    cache.focus(9);
    cache.clear();
    vi.advanceTimersByTime(FOCUS_REPORT_DELAY_MS * 2);
    await Promise.resolve();
    await Promise.resolve();
    expect(told).toEqual([]);
  });
});
