import { describe, expect, it } from "vitest";
import type { Backend, FramePixels } from "../ipc/backend";
import { FrameCache } from "./frameCache";

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

describe("FrameCache.outwardOrder", () => {
  it("goes outward from the current slice", () => {
    expect(FrameCache.outwardOrder(2, 6)).toEqual([3, 1, 4, 0, 5]);
    expect(FrameCache.outwardOrder(0, 3)).toEqual([1, 2]);
    expect(FrameCache.outwardOrder(0, 1)).toEqual([]);
  });
});
