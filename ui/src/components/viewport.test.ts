import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend, FramePixels, SeriesView } from "../ipc/backend";
import { FakeBackend } from "../ipc/fakeBackend";
import { frameOf, seriesOf, ultrasoundCine } from "../ipc/fixtures";
import { FrameCache } from "../loading/frameCache";
import { SETTLE_MS } from "../viewport/render/drawQuality";
import { imagePlane } from "../viewport/referenceLine";
import { Viewport } from "./viewport";

// jsdom has no WebGL: the renderer is replaced by one that only notes what it holds and,
// by canvas, whether each draw was interactive (nearest); `minified` says whether a nearest
// draw is coarser than a settled one.
const gpu = vi.hoisted(() => ({ holds: null as unknown, draws: new Map<unknown, boolean[]>(), minified: false }));
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    constructor(readonly canvas: unknown) {}
    upload(frame: unknown): void {
      gpu.holds = frame;
    }
    draw(_view: unknown, interactive = false): boolean {
      gpu.draws.set(this.canvas, [...(gpu.draws.get(this.canvas) ?? []), interactive]);
      return interactive && gpu.minified;
    }
    clear(): void {
      gpu.holds = null;
    }
  },
}));

/** A CT series of three 2×2 images. */
const series = (key: string, overrides: Partial<SeriesView> = {}): SeriesView => seriesOf(key, { instanceCount: 3, ...overrides });

/** A 2×2 image (0, 1000, 2000, 4095) with the window `[centre, width]`. */
const frame = ([windowCenter, windowWidth]: [number, number], instanceNumber = 1): FramePixels => frameOf({ windowCenter, windowWidth, instanceNumber });

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

/** A frame the test answers when it chooses. */
function deferred(): { promise: Promise<FramePixels>; resolve: (frame: FramePixels) => void; reject: (error: Error) => void } {
  let resolve: (frame: FramePixels) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<FramePixels>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("viewport loading states", () => {
  const busy = (viewport: Viewport): HTMLElement | null => viewport.element.querySelector(".viewport-busy");
  const corner = (viewport: Viewport, which: string): string => viewport.element.querySelector(`.corner.${which}`)?.textContent ?? "";

  it("is busy while the image asked for is on its way, and keeps the old pixels' own index meanwhile", async () => {
    const first = frame([40, 400], 1);
    const second = deferred();
    const backend = { frame: (_s: string, _k: string, index: number) => (index === 0 ? Promise.resolve(first) : second.promise) } as unknown as Backend;
    const viewport = new Viewport("1");
    await viewport.load(series("a"), new FrameCache(backend, "st", "a", 3));
    await nextFrame();
    expect(viewport.element.hasAttribute("aria-busy")).toBe(false);
    expect(busy(viewport)?.hidden).toBe(true);

    const showing = viewport.show(1);
    expect(viewport.element.getAttribute("aria-busy")).toBe("true");
    expect(busy(viewport)?.hidden).toBe(false);
    expect(busy(viewport)?.querySelector(".visually-hidden")?.textContent).toBe("Loading image 2 of 3…");
    // A redraw while waiting (here a zoom) must not label image 1's pixels as image 2.
    viewport.update({ zoom: 2 });
    await nextFrame();
    expect(gpu.holds).toBe(first);
    expect(corner(viewport, "tr")).toBe("Image 1 / 3\nInstance 1");

    const arrived = frame([40, 400], 2);
    second.resolve(arrived);
    await showing;
    await nextFrame();
    expect(viewport.element.hasAttribute("aria-busy")).toBe(false);
    expect(busy(viewport)?.hidden).toBe(true);
    expect(gpu.holds).toBe(arrived);
    expect(corner(viewport, "tr")).toBe("Image 2 / 3\nInstance 2");
  });

  it("is busy only in the viewport whose image is on its way", async () => {
    const pending = deferred();
    const backend = { frame: (_s: string, key: string) => (key === "a" ? Promise.resolve(frame([40, 400])) : pending.promise) } as unknown as Backend;
    const left = new Viewport("1");
    const right = new Viewport("2");
    await left.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1));
    const loading = right.load(series("b", { instanceCount: 1 }), new FrameCache(backend, "st", "b", 1));
    expect(right.element.getAttribute("aria-busy")).toBe("true");
    expect(left.element.hasAttribute("aria-busy")).toBe(false);
    expect(busy(left)?.hidden).toBe(true);
    pending.resolve(frame([40, 400]));
    await loading;
    expect(right.element.hasAttribute("aria-busy")).toBe(false);
    await nextFrame();
  });

  it("offers a Retry that asks for the same image again and shows it", async () => {
    const second = frame([40, 400], 2);
    let failures = 1;
    const asked: number[] = [];
    const backend = {
      frame: (_s: string, _k: string, index: number) => {
        asked.push(index);
        if (index === 1 && failures-- > 0) return Promise.reject(new Error("network"));
        return Promise.resolve(index === 1 ? second : frame([40, 400], index + 1));
      },
    } as unknown as Backend;
    const viewport = new Viewport("1");
    document.body.replaceChildren(viewport.element);
    await viewport.load(series("a"), new FrameCache(backend, "st", "a", 3));
    await viewport.show(1);
    await nextFrame();
    const error = viewport.element.querySelector<HTMLElement>(".viewport-error");
    expect(error?.hidden).toBe(false);
    expect(error?.querySelector('[role="alert"]')?.textContent).toContain("Image 2 could not be shown.");
    expect(viewport.element.hasAttribute("aria-busy")).toBe(false);
    const retry = [...(error?.querySelectorAll("button") ?? [])].find((b) => b.textContent === "Retry");
    expect(retry).toBeDefined();
    asked.length = 0;
    retry?.focus();
    retry?.click();
    expect(asked).toContain(1);
    await vi.waitFor(() => expect(gpu.holds).toBe(second));
    await nextFrame();
    expect(error?.hidden).toBe(true);
    expect(corner(viewport, "tr")).toBe("Image 2 / 3\nInstance 2");
    // The Retry button went away: the keyboard is left in the viewport, not on the page.
    expect(document.activeElement).toBe(viewport.element);
  });

  it("takes the previous series' image away while the next series' first image is on its way", async () => {
    const shown = frame([40, 400], 1);
    const late = deferred();
    const backend = { frame: (_s: string, key: string) => (key === "a" ? Promise.resolve(shown) : late.promise) } as unknown as Backend;
    const viewport = new Viewport("1");
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1));
    await nextFrame();
    expect(gpu.holds).toBe(shown);
    const loading = viewport.load(series("b", { instanceCount: 1, description: "Other" }), new FrameCache(backend, "st", "b", 1));
    viewport.update({ zoom: 2 });
    await nextFrame();
    expect(gpu.holds).toBeNull();
    expect(corner(viewport, "tl")).toBe("");
    expect(corner(viewport, "tr")).toBe("");
    expect(viewport.element.getAttribute("aria-busy")).toBe("true");
    late.resolve(frame([40, 400], 1));
    await loading;
  });

  it("never shows a frame of the series it was showing before once another series is loaded", async () => {
    const late = deferred();
    const other = frame([2048, 4096], 7);
    const backend = { frame: (_s: string, key: string) => (key === "a" ? late.promise : Promise.resolve(other)) } as unknown as Backend;
    const viewport = new Viewport("1");
    const first = viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1));
    await viewport.load(series("b", { instanceCount: 1, description: "Other" }), new FrameCache(backend, "st", "b", 1));
    late.resolve(frame([40, 400], 1));
    await first;
    await nextFrame();
    expect(gpu.holds).toBe(other);
    expect(corner(viewport, "tr")).toBe("Image 1 / 1\nInstance 7");
  });
});

describe("viewport study date", () => {
  it("names the study its series belongs to, and a prior as the prior, with its date", async () => {
    const backend = backendOf({ a: [frame([40, 400])] });
    const viewport = new Viewport("1");
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st", "a", 1), { study: { date: "2023-05-01", prior: true } });
    await nextFrame();
    expect(viewport.element.querySelector(".corner.tl")?.textContent?.split("\n")[0]).toBe("Prior · 2023-05-01");
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backend, "st2", "a", 1), { study: { date: null, prior: false } });
    await nextFrame();
    expect(viewport.element.querySelector(".corner.tl")?.textContent?.split("\n")[0]).toBe("Current · date not recorded");
  });

  it("keeps the study's date on screen when an image fails", async () => {
    const backend = backendOf({ a: [frame([40, 400]), null] });
    const viewport = new Viewport("1");
    await viewport.load(series("a", { instanceCount: 2 }), new FrameCache(backend, "st", "a", 2), { study: { date: "2023-05-01", prior: true } });
    await viewport.show(1);
    await nextFrame();
    expect(viewport.element.querySelector(".corner.tl")?.textContent).toBe("Prior · 2023-05-01");
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

  /** A viewport on series `a` (three 2×2 images) whose canvas is 100×100 on screen. */
  async function measuring(overrides: Partial<SeriesView> = {}, pixels: Partial<FramePixels> = {}): Promise<{ viewport: Viewport; drag: (from: [number, number], to: [number, number]) => void; key: (key: string, init?: KeyboardEventInit) => KeyboardEvent }> {
    const backend = backendOf({ a: [1, 2, 3].map((n) => ({ ...frame([40, 400], n), ...pixels })) });
    const viewport = new Viewport("1");
    document.body.append(viewport.element);
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a", overrides), new FrameCache(backend, "st", "a", 3));
    const pointer = (type: string, [x, y]: [number, number]): void => {
      canvas.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true }));
    };
    const drag = (from: [number, number], to: [number, number]): void => {
      pointer("pointerdown", from);
      pointer("pointermove", to);
      pointer("pointerup", to);
    };
    const key = (key: string, init: KeyboardEventInit = {}): KeyboardEvent => {
      const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
      viewport.element.dispatchEvent(event);
      return event;
    };
    return { viewport, drag, key };
  }

  it("measures on an ultrasound image with the spacing of the region the length lies in", async () => {
    // A 2×2 image on a 100×100 canvas: its top row a 2D tissue region (0.5 mm a pixel), its
    // bottom row a Doppler spectrum that never gives a length.
    const regions = ultrasoundCine().ultrasoundRegions.map((region, row) => ({ ...region, bounds: [0, row, 1, row] as [number, number, number, number] }));
    const { viewport, drag } = await measuring({ pixelSpacing: null, ultrasoundRegions: regions }, { rows: 2, columns: 2 });
    viewport.tool = "length";
    drag([10, 20], [90, 20]);
    await nextFrame();
    expect(viewport.measurementLabels()[0]).toMatch(/^0\.8 mm \(US region\)$/);
    drag([10, 70], [90, 70]);
    await nextFrame();
    expect(viewport.measurementLabels()[1]).toMatch(/^1\.6 px.*PW spectral Doppler region does not measure distance/s);
    viewport.element.remove();
  });

  it("measures each image with its own spacing when the images of a series disagree", async () => {
    const { viewport, drag } = await measuring({ pixelSpacing: [1, 1], imageSpacing: [[1, 1], [3, 3], null] });
    viewport.tool = "length";
    await viewport.show(1);
    drag([10, 50], [60, 50]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["3.0 mm"]);
    await viewport.show(2);
    drag([10, 50], [60, 50]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["1.0 px"]);
    viewport.element.remove();
  });

  const items = (viewport: Viewport): HTMLButtonElement[] => [...viewport.element.querySelectorAll<HTMLButtonElement>(".measure-list .measure-item")];

  it("keeps the arrows for the stack until Enter shows the keyboard crosshair, then moves it on screen", async () => {
    const { viewport, key } = await measuring();
    viewport.tool = "length";
    const heard: string[] = [];
    const listen = (e: KeyboardEvent): number => heard.push(e.key);
    document.body.addEventListener("keydown", listen);
    key("ArrowDown");
    expect(heard).toEqual(["ArrowDown"]);
    const said: string[] = [];
    viewport.onAnnounce = (text) => said.push(text);
    expect(key("Enter").defaultPrevented).toBe(true);
    viewport.update({ rotation: 90 });
    // Turned a quarter clockwise, right on screen is up the image.
    key("ArrowRight");
    expect(said.at(-1)).toBe("x 1, y 0");
    expect(heard).toEqual(["ArrowDown"]);
    // Another tool puts the crosshair away: the arrows scroll again.
    viewport.tool = "scroll";
    key("ArrowRight");
    expect(heard).toEqual(["ArrowDown", "ArrowRight"]);
    document.body.removeEventListener("keydown", listen);
    viewport.element.remove();
  });

  it("lists the image's measurements as buttons, and a click selects one", async () => {
    const { viewport, drag } = await measuring();
    viewport.tool = "length";
    drag([10, 50], [60, 50]);
    drag([10, 20], [30, 20]);
    await nextFrame();
    expect(items(viewport).map((b) => b.textContent)).toEqual(["Length 1.0 mm", "Length 0.4 mm"]);
    expect(viewport.element.querySelector(".measure-list")?.hasAttribute("hidden")).toBe(false);
    items(viewport)[1]?.click();
    await nextFrame();
    expect(items(viewport).map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true"]);
    expect(viewport.element.querySelectorAll(".measure-selected")).toHaveLength(1);
    viewport.element.remove();
  });

  it("selects a measurement by a click on its label", async () => {
    const { viewport, drag } = await measuring();
    viewport.tool = "length";
    drag([10, 50], [60, 50]);
    await nextFrame();
    viewport.element.querySelector<SVGTextElement>(".measure-label")?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await nextFrame();
    expect(items(viewport)[0]?.getAttribute("aria-pressed")).toBe("true");
    viewport.element.remove();
  });

  it("deletes the selected measurement with the Delete key and brings it back with Ctrl+Z", async () => {
    const { viewport, drag, key } = await measuring();
    viewport.tool = "length";
    drag([10, 50], [60, 50]);
    drag([10, 20], [30, 20]);
    await nextFrame();
    items(viewport)[0]?.click();
    const deleted = key("Delete");
    expect(deleted.defaultPrevented).toBe(true);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["0.4 mm"]);

    key("z", { ctrlKey: true });
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["1.0 mm", "0.4 mm"]);
    key("z", { ctrlKey: true });
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["1.0 mm"]);
    viewport.element.remove();
  });

  it("keeps Ctrl+Z from reaching the study's tool keys", async () => {
    const { viewport, key } = await measuring();
    const heard: string[] = [];
    document.body.addEventListener("keydown", (event) => heard.push(event.key));
    key("z", { ctrlKey: true });
    key("z");
    expect(heard).toEqual(["z"]);
    viewport.element.remove();
  });

  it("undoes on the image on screen only", async () => {
    const { viewport, drag, key } = await measuring();
    viewport.tool = "length";
    drag([10, 50], [60, 50]);
    await viewport.show(1);
    key("z", { ctrlKey: true });
    await viewport.show(0);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["1.0 mm"]);
    key("z", { ctrlKey: true });
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual([]);
    viewport.element.remove();
  });

  it("makes no measurement of a click without a drag", async () => {
    const { viewport, drag } = await measuring();
    viewport.tool = "length";
    drag([10, 50], [10, 50]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual([]);
    viewport.element.remove();
  });

  it("labels a length from Imager Pixel Spacing as at the detector, and one without spacing in pixels", async () => {
    const detector = await measuring({ modality: "DX", pixelSpacingSource: "imagerPixelSpacing" });
    detector.viewport.tool = "length";
    detector.drag([10, 50], [60, 50]);
    await nextFrame();
    expect(detector.viewport.measurementLabels()).toEqual(["1.0 mm at detector"]);
    detector.viewport.element.remove();

    const plain = await measuring({ modality: "OT", pixelSpacing: null });
    plain.viewport.tool = "length";
    plain.drag([10, 50], [60, 50]);
    await nextFrame();
    expect(plain.viewport.measurementLabels()).toEqual(["1.0 px"]);
    plain.viewport.element.remove();
  });

  it("gives an ellipse's area and the HU inside it on a CT", async () => {
    // The frame's stored values are 0, 1000, 2000, 4095; the intercept makes them HU.
    const { viewport, drag } = await measuring({}, { intercept: -1024 });
    viewport.tool = "ellipse";
    drag([0, 0], [100, 100]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual([
      `Area ${Math.PI.toFixed(1)} mm² · Mean ${(1773.75 - 1024).toFixed(1)}, SD 1515.3 HU · Min -1024, Max 3071 HU`,
    ]);
    expect(items(viewport)[0]?.textContent).toMatch(/^Ellipse Area 3\.1 mm²/);
  });

  it("labels the values inside an ellipse on another modality as stored values", async () => {
    const { viewport, drag } = await measuring({ modality: "MR" });
    viewport.tool = "ellipse";
    drag([0, 0], [100, 50]);
    await nextFrame();
    // The top row only: stored values 0 and 1000.
    expect(viewport.measurementLabels()[0]).toContain("Min 0, Max 1000 (stored values)");
  });
});

describe("viewport bidirectional measurement", () => {
  it("takes a long axis, then a drag across it as the perpendicular short axis", async () => {
    const backend = backendOf({ a: [frame([40, 400])] });
    const viewport = new Viewport("1");
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a", { instanceCount: 1, pixelSpacing: [2, 2] }), new FrameCache(backend, "st", "a", 1));
    viewport.tool = "bidirectional";
    const drag = (from: [number, number], to: [number, number]): void => {
      canvas.dispatchEvent(new MouseEvent("pointerdown", { clientX: from[0], clientY: from[1], button: 0, bubbles: true }));
      canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: to[0], clientY: to[1], button: 0, bubbles: true }));
      canvas.dispatchEvent(new MouseEvent("pointerup", { clientX: to[0], clientY: to[1], button: 0, bubbles: true }));
    };
    // 50 canvas pixels are one image pixel, 2 mm.
    drag([0, 50], [100, 50]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["L 4.0 mm"]);
    expect(viewport.element.querySelectorAll(".measure-list .measure-item")).toHaveLength(0);
    // A slanted drag across: only its spread across the long axis counts.
    drag([40, 25], [60, 75]);
    await nextFrame();
    expect(viewport.measurementLabels()).toEqual(["L 4.0 × S 2.0 mm"]);
    expect(viewport.element.querySelectorAll(".measurement-bidirectional polyline")).toHaveLength(2);
    expect(viewport.element.querySelector(".measure-list .measure-item")?.textContent).toBe("Bidirectional L 4.0 × S 2.0 mm");
  });
});

describe("viewport pixel probe", () => {
  async function probing(): Promise<{ viewport: Viewport; hover: (x: number, y: number) => void; readout: () => HTMLElement | null }> {
    const pixels = { ...frame([40, 400]), intercept: -1024 };
    const viewport = new Viewport("1");
    document.body.append(viewport.element);
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a", { instanceCount: 1 }), new FrameCache(backendOf({ a: [pixels] }), "st", "a", 1));
    const hover = (x: number, y: number): void => {
      canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: x, clientY: y, bubbles: true }));
    };
    return { viewport, hover, readout: () => viewport.element.querySelector(".probe-readout") };
  }

  it("shows the position and HU of the pixel under the pointer, and only with the probe", async () => {
    const { viewport, hover, readout } = await probing();
    hover(25, 25);
    await nextFrame();
    expect(readout()?.hidden).toBe(true);
    viewport.tool = "probe";
    hover(75, 25);
    await nextFrame();
    expect(readout()?.hidden).toBe(false);
    expect(readout()?.textContent).toBe("x 1, y 0: -24 HU");
    expect(viewport.element.querySelector(".probe-mark")).not.toBeNull();
    viewport.tool = "length";
    await nextFrame();
    expect(readout()?.hidden).toBe(true);
    viewport.element.remove();
  });

  it("moves one pixel on screen with Shift and an arrow, whatever the flip", async () => {
    const { viewport, hover, readout } = await probing();
    viewport.tool = "probe";
    hover(75, 25);
    viewport.update({ flipH: true });
    const event = new KeyboardEvent("keydown", { key: "ArrowRight", shiftKey: true, bubbles: true, cancelable: true });
    const heard: string[] = [];
    document.body.addEventListener("keydown", (e) => heard.push(e.key));
    viewport.element.dispatchEvent(event);
    await nextFrame();
    // Flipped, the right of the screen is the image's left: column 1 to column 0.
    expect(readout()?.textContent).toBe("x 0, y 0: -1024 HU");
    expect(heard).toEqual([]);
    viewport.element.remove();
  });
});


describe("viewport greyscale: presets, reset and the image's VOI", () => {
  async function loaded(overrides: Partial<SeriesView> = {}, pixels: Partial<FramePixels> = {}): Promise<Viewport> {
    const backend = backendOf({ a: [1, 2, 3].map((n) => ({ ...frame([40, 400], n), ...pixels })) });
    const viewport = new Viewport("1");
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a", overrides), new FrameCache(backend, "st", "a", 3));
    return viewport;
  }

  it("picks the n-th preset of the image's modality by number key", async () => {
    const ct = await loaded();
    expect(ct.applyWindowKey("4")).toBe(true);
    expect(ct.state).toMatchObject({ windowCenter: -600, windowWidth: 1500, voi: "LINEAR" });
    const mr = await loaded({ modality: "MR" });
    // An MR with no window of its own: key 1 is the full range of its values (0 to 4095).
    expect(mr.applyWindowKey("1")).toBe(true);
    expect(mr.state).toMatchObject({ windowCenter: 2047.5, windowWidth: 4095 });
    expect(mr.applyWindowKey("2")).toBe(false);
    await nextFrame();
  });

  it("resets window, zoom, pan, rotation, flips and inversion, keeping the image and its measurements", async () => {
    const viewport = await loaded({ presets: [{ name: "Soft tissue", center: 50, width: 350 }] });
    const canvas = viewport.element.querySelector("canvas");
    viewport.tool = "length";
    for (const [type, x] of [["pointerdown", 10], ["pointermove", 60], ["pointerup", 60]] as const) {
      canvas?.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: 50, button: 0, bubbles: true }));
    }
    await viewport.show(1);
    viewport.update({ zoom: 3, panX: 12, panY: -4, rotation: 90, flipH: true, flipV: true, invert: true, windowCenter: 900, windowWidth: 20 });
    viewport.applyWindowKey("2");
    viewport.reset();
    expect(viewport.state).toEqual({ index: 1, zoom: 1, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, invert: false, windowCenter: 50, windowWidth: 350, voi: "LINEAR" });
    await viewport.show(0);
    await nextFrame();
    expect(viewport.measurementLabels()).toHaveLength(1);
  });

  it("takes the VOI LUT Function of the image's windows", async () => {
    const viewport = await loaded({ modality: "MR" }, { voiFunction: "SIGMOID" });
    expect(viewport.state.voi).toBe("SIGMOID");
    viewport.update({ voi: "LINEAR" });
    viewport.reset();
    expect(viewport.state.voi).toBe("SIGMOID");
    await nextFrame();
    expect(viewport.element.querySelector(".corner.bl")?.textContent).toContain("W 400 L 40 sigmoid");
  });

  it("shows an image with a VOI LUT Sequence through its table, with or without windows of its own", async () => {
    const voiLut = { firstMapped: 0, bits: 12, entries: new Uint16Array([0, 4095]) };
    const viewport = await loaded({ modality: "CR" }, { voiLut });
    expect(viewport.state.voi).toBe("LUT");
    expect(viewport.windowChoices()[0]).toMatchObject({ key: "1", voi: "LUT" });
    await nextFrame();
    expect(viewport.element.querySelector(".corner.bl")?.textContent).toContain("VOI LUT");
    // A series with a window of its own opens through the table too (as `render` draws it);
    // its window stays on offer, and a reset goes back to the table.
    const windowed = await loaded({ modality: "CR", presets: [{ name: "Chest", center: 2000, width: 3000 }] }, { voiLut });
    expect(windowed.state.voi).toBe("LUT");
    expect(windowed.windowChoices().map((c) => c.voi)).toEqual(["LINEAR", "LUT", "LINEAR"]);
    windowed.applyWindowKey("1");
    expect(windowed.state).toMatchObject({ voi: "LINEAR", windowCenter: 2000, windowWidth: 3000 });
    windowed.reset();
    expect(windowed.state.voi).toBe("LUT");
    await nextFrame();
  });
});

/** A viewport on three images of the fake backend's series, and a pointer on its canvas. */
async function onCanvas(): Promise<{ viewport: Viewport; canvas: HTMLCanvasElement; wheel: (init: WheelEventInit) => void; drag: (button: number, dx: number, dy: number) => void }> {
  const fake = new FakeBackend();
  fake.frames.set("st/a", [1, 2, 3].map((n) => frameOf({ instanceNumber: n })));
  const viewport = new Viewport("1");
  const canvas = viewport.element.querySelector("canvas");
  if (!canvas) throw new Error("no canvas");
  canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
  await viewport.load(series("a"), new FrameCache(fake, "st", "a", 3));
  const wheel = (init: WheelEventInit): void => void canvas.dispatchEvent(new WheelEvent("wheel", { cancelable: true, ...init }));
  const drag = (button: number, dx: number, dy: number): void => {
    canvas.dispatchEvent(new MouseEvent("pointerdown", { clientX: 50, clientY: 50, button }));
    canvas.dispatchEvent(new MouseEvent("pointermove", { clientX: 50 + dx, clientY: 50 + dy, button }));
    canvas.dispatchEvent(new MouseEvent("pointerup", { clientX: 50 + dx, clientY: 50 + dy, button }));
  };
  return { viewport, canvas, wheel, drag };
}

describe("viewport zoom, pan and drags by button", () => {

  it("zooms by a tenth with Ctrl and the wheel, and scrolls the stack with the wheel alone", async () => {
    const { viewport, wheel } = await onCanvas();
    wheel({ deltaY: -100, ctrlKey: true });
    expect(viewport.state.zoom).toBeCloseTo(1.1);
    expect(viewport.index).toBe(0);
    wheel({ deltaY: 100 });
    await vi.waitFor(() => expect(viewport.index).toBe(1));
    expect(viewport.state.zoom).toBeCloseTo(1.1);
    await nextFrame();
    expect(viewport.element.querySelector(".corner.bl")?.textContent).toContain("Zoom 110%");
  });

  it("zooms with the zoom tool's drag and pans with the pan tool's or the middle button's", async () => {
    const { viewport, drag } = await onCanvas();
    viewport.tool = "zoom";
    drag(0, 0, -200);
    expect(viewport.state.zoom).toBeCloseTo(Math.E);
    drag(1, 10, -4);
    expect(viewport.state).toMatchObject({ panX: 10, panY: -4 });
    viewport.tool = "pan";
    drag(0, 5, 5);
    expect(viewport.state).toMatchObject({ panX: 15, panY: 1 });
  });

  it("windows with the right button whatever the tool, and scrolls by dragging with the scroll tool", async () => {
    const { viewport, drag } = await onCanvas();
    viewport.tool = "length";
    drag(2, 512, 0);
    expect(viewport.state.windowWidth).toBe(400 + 4096);
    expect(viewport.measurementLabels()).toEqual([]);
    viewport.tool = "scroll";
    drag(0, 0, 16);
    await vi.waitFor(() => expect(viewport.index).toBe(2));
  });
});

describe("viewport draw quality", () => {
  /** A viewport on three images, drawn once; from then on time is moved by hand. */
  async function settledViewport(minified: boolean): Promise<Awaited<ReturnType<typeof onCanvas>> & { drawn: () => boolean[] }> {
    gpu.minified = minified;
    const shown = await onCanvas();
    const { canvas } = shown;
    await nextFrame();
    // The first image of a series is no interaction: it is drawn filtered at once.
    const drawn = (): boolean[] => gpu.draws.get(canvas) ?? [];
    expect(drawn()).toEqual([false]);
    gpu.draws.delete(canvas);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    return { ...shown, drawn };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws nearest while the window is dragged and once filtered when it has been still", async () => {
    const { drag, drawn } = await settledViewport(true);
    drag(2, 100, 0);
    await vi.advanceTimersByTimeAsync(16);
    expect(drawn()).toEqual([true]);
    drag(2, 100, 0);
    await vi.advanceTimersByTimeAsync(SETTLE_MS - 20);
    expect(drawn()).toEqual([true, true]);
    await vi.advanceTimersByTimeAsync(40);
    await vi.advanceTimersByTimeAsync(16);
    expect(drawn()).toEqual([true, true, false]);
    await vi.advanceTimersByTimeAsync(10 * SETTLE_MS);
    expect(drawn()).toEqual([true, true, false]);
  });

  it("draws nearest while the wheel zooms or scrolls the stack, and filtered after", async () => {
    const { viewport, wheel, drawn } = await settledViewport(true);
    wheel({ deltaY: -100, ctrlKey: true });
    await vi.advanceTimersByTimeAsync(16);
    wheel({ deltaY: 100 });
    await vi.waitFor(() => expect(viewport.index).toBe(1));
    await vi.advanceTimersByTimeAsync(16);
    expect(drawn()).toEqual([true, true]);
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    await vi.advanceTimersByTimeAsync(16);
    expect(drawn()).toEqual([true, true, false]);
  });

  it("draws a one-off change (a preset, invert) filtered at once", async () => {
    const { viewport, drawn } = await settledViewport(true);
    viewport.update({ invert: true });
    await vi.advanceTimersByTimeAsync(16);
    await vi.advanceTimersByTimeAsync(2 * SETTLE_MS);
    expect(drawn()).toEqual([false]);
  });

  it("asks for no second draw when the nearest one was as good as a filtered one", async () => {
    const { drag, drawn } = await settledViewport(false);
    drag(2, 100, 0);
    await vi.advanceTimersByTimeAsync(16);
    await vi.advanceTimersByTimeAsync(2 * SETTLE_MS);
    expect(drawn()).toEqual([true]);
  });

  it("draws nothing more once cleared in the middle of a drag", async () => {
    const { viewport, drag, drawn } = await settledViewport(true);
    drag(2, 100, 0);
    await vi.advanceTimersByTimeAsync(16);
    viewport.clear();
    await vi.advanceTimersByTimeAsync(2 * SETTLE_MS);
    expect(drawn()).toEqual([true]);
  });
});

describe("viewport reference lines", () => {
  it("draws another image's line through the view's zoom and rotation, and none once it is taken away", async () => {
    const placed = { pixelSpacing: [100, 100] as [number, number], frameOfReference: "1.2.3" };
    const axial = { ...frame([40, 400]), position: [-50, -50, 0] as [number, number, number], orientation: [1, 0, 0, 0, 1, 0] as FramePixels["orientation"] };
    const backend = backendOf({ a: [axial] });
    const viewport = new Viewport("1");
    const canvas = viewport.element.querySelector("canvas");
    if (!canvas) throw new Error("no canvas");
    canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await viewport.load(series("a", { instanceCount: 1, ...placed }), new FrameCache(backend, "st", "a", 1));
    // A coronal image at y = -50: a quarter of the way down the axial image.
    const coronal = imagePlane({ position: [-50, -50, 50], orientation: [1, 0, 0, 0, 0, -1], rows: 2, columns: 2 }, placed);
    if (!coronal) throw new Error("no plane");
    viewport.setReferences([{ viewport: "2", label: "Prior · Series 4", plane: coronal }]);
    await nextFrame();
    const line = (): string[] => {
      const drawn = viewport.element.querySelector(".measure-layer g.reference-from-2 line");
      return ["x1", "y1", "x2", "y2"].map((name) => drawn?.getAttribute(name) ?? "");
    };
    expect(viewport.referenceLabels()).toEqual(["Prior · Series 4"]);
    expect([...line()].sort()).toEqual(["0", "100", "25", "25"]);
    // A quarter turn clockwise takes the top edge to the right: the line stands at x = 75.
    viewport.rotate(1);
    await nextFrame();
    expect(line()[0]).toBe("75");
    expect(line()[2]).toBe("75");
    viewport.setReferences([]);
    await nextFrame();
    expect(viewport.referenceLabels()).toEqual([]);
  });
});
