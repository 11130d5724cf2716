import { describe, expect, it, vi } from "vitest";
import type { Backend, FramePixels } from "../ipc/backend";
import { frameOf, presentationStateOf, seriesOf } from "../ipc/fixtures";
import { FrameCache } from "../loading/frameCache";
import { Viewport } from "./viewport";

// jsdom has no WebGL: the renderer is replaced by one that draws nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): boolean {
      return false;
    }
    clear(): void {}
  },
}));

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Series "0" of three 2×2 images with the window 40/400, its canvas 100×100 on screen. */
async function viewportOnSeries(): Promise<Viewport> {
  const frames: FramePixels[] = [1, 2, 3].map((n) => frameOf({ windowCenter: 40, windowWidth: 400, instanceNumber: n }));
  const backend = { frame: (_s: string, _k: string, index: number) => Promise.resolve(frames[index]) } as unknown as Backend;
  const viewport = new Viewport("1");
  document.body.append(viewport.element);
  const canvas = viewport.element.querySelector("canvas");
  if (!canvas) throw new Error("no canvas");
  canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
  await viewport.load(seriesOf("0", { instanceCount: 3 }), new FrameCache(backend, "st", "0", 3));
  return viewport;
}

/** The state on image 0: a note at (0.5, 0.5) anchored at (1, 1), and an arrow from (0, 0) to (1, 1). */
const fracture = presentationStateOf({
  images: [
    {
      seriesKey: "0",
      index: 0,
      window: { name: "Presentation state FRACTURE", center: 1800, width: 1200 },
      texts: [{ text: "Undisplaced fracture", boundingBox: [[0.5, 0.5], [2, 1]], anchor: [1, 1], anchorVisible: true, layer: "FINDINGS" }],
      graphics: [{ kind: "polyline", points: [[0, 0], [1, 1]], filled: false, layer: "FINDINGS" }],
    },
  ],
  notes: ["Its display shutter is not applied; the whole image is shown."],
});

const control = (viewport: Viewport): HTMLButtonElement | null => viewport.element.querySelector<HTMLButtonElement>("[data-action=presentation-state]");
const arrow = (viewport: Viewport): string => viewport.element.querySelector("g.presentation-state polyline")?.getAttribute("points") ?? "";
const corner = (viewport: Viewport): string => viewport.element.querySelector(".corner.bl")?.textContent ?? "";

describe("viewport presentation states", () => {
  it("offers a state on the image it names only, as a button naming its label", async () => {
    const viewport = await viewportOnSeries();
    viewport.setPresentationStates([fracture]);
    expect(control(viewport)?.textContent).toBe("Presentation state: FRACTURE");
    expect(control(viewport)?.tagName).toBe("BUTTON");
    expect(control(viewport)?.getAttribute("aria-pressed")).toBe("false");
    await viewport.show(1);
    expect(control(viewport)).toBeNull();
  });

  it("applies its window and draws its annotations; off again, the window it replaced comes back", async () => {
    const viewport = await viewportOnSeries();
    viewport.setPresentationStates([fracture]);
    viewport.update({ windowCenter: 60, windowWidth: 300 });
    control(viewport)?.click();
    await nextFrame();
    expect(viewport.state.windowCenter).toBe(1800);
    expect(viewport.state.windowWidth).toBe(1200);
    expect(corner(viewport)).toMatch(/^W 1200 L 1800\n.*\nPresentation state: FRACTURE$/);
    expect(viewport.presentationTexts()).toEqual(["Undisplaced fracture"]);
    expect(control(viewport)?.getAttribute("aria-pressed")).toBe("true");
    expect(viewport.element.querySelector(".presentation-notes")?.textContent).toContain("display shutter is not applied");
    control(viewport)?.click();
    await nextFrame();
    expect([viewport.state.windowCenter, viewport.state.windowWidth]).toEqual([60, 300]);
    expect(viewport.presentationTexts()).toEqual([]);
    expect(corner(viewport)).not.toContain("Presentation state");
    expect(viewport.element.querySelector<HTMLElement>(".presentation-notes")?.hidden).toBe(true);
  });

  it("is taken off, its window given back, when another image is shown", async () => {
    const viewport = await viewportOnSeries();
    viewport.setPresentationStates([fracture]);
    control(viewport)?.click();
    await viewport.show(1);
    await nextFrame();
    expect([viewport.state.windowCenter, viewport.state.windowWidth]).toEqual([40, 400]);
    expect(viewport.presentationTexts()).toEqual([]);
    await viewport.show(0);
    await nextFrame();
    expect(viewport.appliedPresentation).toBeNull();
    expect(viewport.presentationTexts()).toEqual([]);
  });

  it("places its annotations through the view's zoom, pan and rotation, as measurements are", async () => {
    const viewport = await viewportOnSeries();
    viewport.setPresentationStates([fracture]);
    control(viewport)?.click();
    await nextFrame();
    // A 2×2 image fitted to 100×100: 50 screen pixels an image pixel.
    expect(arrow(viewport)).toBe("0,0 50,50");
    viewport.rotate(1);
    await nextFrame();
    expect(arrow(viewport)).toBe("100,0 50,50");
    viewport.update({ zoom: 0.5, panX: 10, panY: 0 });
    await nextFrame();
    expect(arrow(viewport)).toBe("85,25 60,50");
  });

  it("is given to no image when the states are taken away", async () => {
    const viewport = await viewportOnSeries();
    viewport.setPresentationStates([fracture]);
    control(viewport)?.click();
    viewport.setPresentationStates([]);
    await nextFrame();
    expect(control(viewport)).toBeNull();
    expect(viewport.presentationTexts()).toEqual([]);
    expect(viewport.state.windowCenter).toBe(40);
  });
});
