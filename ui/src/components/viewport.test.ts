import { describe, expect, it, vi } from "vitest";
import type { Backend, FramePixels, SeriesView } from "../ipc/backend";
import { FrameCache } from "../loading/frameCache";
import { Viewport } from "./viewport";

// jsdom has no WebGL: the renderer is replaced by one that only notes what it holds.
const gpu = vi.hoisted(() => ({ holds: null as unknown }));
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(frame: unknown): void {
      gpu.holds = frame;
    }
    draw(): void {}
    clear(): void {
      gpu.holds = null;
    }
  },
}));

const series = (key: string, overrides: Partial<SeriesView> = {}): SeriesView => ({
  key,
  number: 1,
  description: `Series ${key}`,
  modality: "CT",
  instanceCount: 3,
  rows: 2,
  columns: 2,
  pixelSpacing: [1, 1],
  presets: [],
  frameOfReference: null,
  sliceNormal: null,
  slicePositions: [],
  document: null,
  ...overrides,
});

const frame = (window: [number, number], instanceNumber = 1): FramePixels => ({
  rows: 2,
  columns: 2,
  format: "u16",
  slope: 1,
  intercept: 0,
  windowCenter: window[0],
  windowWidth: window[1],
  invert: false,
  instanceNumber,
  sliceLocation: null,
  position: null,
  orientation: null,
  data: new Uint16Array([0, 1000, 2000, 4095]).buffer,
});

/** A backend answering each series' frames from `frames`; a missing one fails. */
function backendOf(frames: Record<string, (FramePixels | null)[]>): Backend {
  return {
    frame: (_study: string, seriesKey: string, index: number) => {
      const found = frames[seriesKey]?.[index];
      return found ? Promise.resolve(found) : Promise.reject(new Error("The image could not be read."));
    },
  } as unknown as Backend;
}

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

describe("viewport window", () => {
  it("gives a series without window values the window its first image carries, even after another image", async () => {
    const backend = backendOf({ a: [frame([40, 400])], b: [frame([2048, 4096])] });
    const viewport = new Viewport("1");
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1));
    expect(viewport.state.windowWidth).toBe(400);
    await viewport.load(series("b", { instanceCount: 1, modality: "MR" }), new FrameCache(backend, "st", "b", 1));
    expect(viewport.state.windowCenter).toBe(2048);
    expect(viewport.state.windowWidth).toBe(4096);
    await nextFrame();
  });

  it("keeps a series' own first preset", async () => {
    const backend = backendOf({ a: [frame([40, 400])], b: [frame([2048, 4096])] });
    const viewport = new Viewport("1");
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1));
    const preset = { name: "Soft tissue", center: 50, width: 350 };
    await viewport.load(series("b", { instanceCount: 1, presets: [preset] }), new FrameCache(backend, "st", "b", 1));
    expect(viewport.state.windowWidth).toBe(350);
    expect(viewport.state.windowCenter).toBe(50);
    await nextFrame();
  });
});

describe("viewport frame failure", () => {
  it("says an image could not be loaded and does not label the previous pixels with its index", async () => {
    const first = frame([40, 400], 1);
    const third = frame([40, 400], 3);
    const backend = backendOf({ a: [first, null, third] });
    const viewport = new Viewport("1");
    const error = (): HTMLElement | null => viewport.element.querySelector(".viewport-error");
    await viewport.load(series("a"), new FrameCache(backend, "st", "a", 3));
    await nextFrame();
    expect(gpu.holds).toBe(first);
    expect(error()?.hidden).toBe(true);

    await viewport.show(1);
    await nextFrame();
    expect(error()?.hidden).toBe(false);
    expect(error()?.textContent).toContain("Image 2 could not be shown.");
    expect(gpu.holds).toBeNull();
    const corner = viewport.element.querySelector(".corner.tr")?.textContent ?? "";
    expect(corner).toBe("Image 2 / 3");
    expect(corner).not.toContain("Instance 1");

    await viewport.show(2);
    await nextFrame();
    expect(error()?.hidden).toBe(true);
    expect(gpu.holds).toBe(third);
    expect(viewport.element.querySelector(".corner.tr")?.textContent).toBe("Image 3 / 3\nInstance 3");
  });
});

describe("viewport measurements", () => {
  it("draws a length only on the image it was made on", async () => {
    const backend = backendOf({ a: [frame([40, 400], 1), frame([40, 400], 2), frame([40, 400], 3)] });
    const viewport = new Viewport("1");
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a"), new FrameCache(backend, "st", "a", 3));
    viewport.tool = "length";
    const pointer = (type: string, x: number): void => {
      canvas.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: 50, button: 0, bubbles: true }));
    };
    pointer("pointerdown", 10);
    pointer("pointermove", 60);
    pointer("pointerup", 60);
    await nextFrame();
    expect(viewport.measurementLabels()).toHaveLength(1);
    expect(viewport.measurementLabels()[0]).toMatch(/mm$/);

    await viewport.show(1);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual([]);

    await viewport.show(0);
    await nextFrame();
    expect(viewport.measurementLabels()).toHaveLength(1);
  });
});
