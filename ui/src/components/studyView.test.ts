import { describe, expect, it, vi } from "vitest";
import type { Backend, FramePixels, HistoryRecordView, ReportView, SeriesView, StudyProgressView, StudyView } from "../ipc/backend";
import { FakeBackend } from "../ipc/fakeBackend";
import { frameOf, recordOf, seriesOf, studyOf } from "../ipc/fixtures";
import { StudyScreen, type StudyViewHandlers } from "./studyView";

// jsdom has no WebGL: the viewports draw nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

/** A structured report series unless `overrides` say otherwise. */
const series = (overrides: Partial<SeriesView>): SeriesView =>
  seriesOf("s1", { description: "Report", modality: "SR", rows: 0, columns: 0, pixelSpacing: null, document: "sr", ...overrides });

const study: StudyView = studyOf({ series: [series({})] });

const report: ReportView = { recordId: "2.999.1", title: "Findings", date: null, author: null, status: null, text: "No abnormality.", pdfUrl: null, format: "sr", sections: [] };

async function openWithDocument(): Promise<{ screen: StudyScreen; onClose: ReturnType<typeof vi.fn> }> {
  const backend = new FakeBackend();
  backend.reports.set(`${study.key}/s1`, report);
  const onClose = vi.fn();
  const screen = new StudyScreen(backend, study, [], {
    onClose,
    onOpenReport: () => {},
    openPrior: () => Promise.reject(new Error("no prior")),
    closePrior: () => Promise.resolve(),
  });
  document.body.replaceChildren(screen.element);
  await screen.start();
  return { screen, onClose };
}

const escape = (target: Element): void => {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
};

describe("study view", () => {
  it("closes only an in-study report on Esc pressed inside it, and returns to the study", async () => {
    const { screen, onClose } = await openWithDocument();
    const panel = screen.element.querySelector("#report");
    expect(panel).not.toBeNull();
    if (panel) escape(panel);
    expect(screen.element.querySelector(".study-document")).toBeNull();
    expect(screen.element.querySelector<HTMLElement>("#viewport-grid")?.hidden).toBe(false);
    expect(onClose).not.toHaveBeenCalled();
  });

  it("closes an open in-study report, not the study, on Esc pressed elsewhere in the study", async () => {
    const { screen, onClose } = await openWithDocument();
    const button = screen.element.querySelector(".series-button");
    if (button) escape(button);
    expect(screen.element.querySelector(".study-document")).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    // With no report left open, Esc closes the study.
    if (button) escape(button);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("says which identifier matched the NHS number once retrieval is done, as a status and not a warning", async () => {
    const { screen } = await openWithDocument();
    const done: StudyProgressView = {
      studyKey: study.key,
      seriesKey: "",
      loaded: 1,
      total: 1,
      done: true,
      error: null,
      warnings: [],
      identityNote: "The images carry the provider's local number as Patient ID; the NHS number was matched in Other Patient IDs.",
    };
    screen.onProgress(done);
    const note = screen.element.querySelector("#identity-note");
    expect(note?.getAttribute("role")).toBe("status");
    expect(note?.textContent).toContain("Other Patient IDs");
    expect(screen.element.querySelector("#study-warnings")).toBeNull();
    screen.onProgress({ ...done, identityNote: null });
    expect(screen.element.querySelectorAll("#identity-note")).toHaveLength(1);
  });

  it("offers the ellipse, bidirectional and probe tools by button and by key", async () => {
    const { screen } = await openWithDocument();
    for (const [tool, key] of [["ellipse", "e"], ["bidirectional", "b"], ["probe", "x"]] as const) {
      const button = screen.element.querySelector<HTMLButtonElement>(`[data-tool="${tool}"]`);
      expect(button, tool).not.toBeNull();
      screen.element.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
      expect(button?.getAttribute("aria-pressed"), `${tool} by key`).toBe("true");
    }
    screen.element.querySelector<HTMLButtonElement>('[data-tool="ellipse"]')?.click();
    expect(screen.element.querySelector('[data-tool="ellipse"]')?.getAttribute("aria-pressed")).toBe("true");
  });
});

/** A 2 × 2 axial CT series of `instanceCount` images. */
const ctSeries = (key: string, instanceCount: number): SeriesView =>
  series({ key, description: "Axial", modality: "CT", instanceCount, rows: 2, columns: 2, document: null });

/** One 2 × 2 CT frame (-1000, 0, 40, 1000 HU) with the given orientation. */
const ctPixels = (orientation: FramePixels["orientation"]): FramePixels => frameOf({ format: "i16", orientation, data: new Int16Array([-1000, 0, 40, 1000]).buffer });

describe("study view greyscale keys and the active viewport", () => {
  const ct = ctSeries("0", 1);
  const pixels = ctPixels([1, 0, 0, 0, 1, 0]);

  async function openCt(handlers: Partial<StudyViewHandlers> = {}): Promise<StudyScreen> {
    const backend = { frame: () => Promise.resolve(pixels) } as unknown as Backend;
    const screen = new StudyScreen(backend, { ...study, series: [ct] }, [], {
      onClose: () => {},
      onOpenReport: () => {},
      openPrior: () => Promise.reject(new Error("no prior")),
      closePrior: () => Promise.resolve(),
      ...handlers,
    });
    document.body.replaceChildren(screen.element);
    await screen.start();
    return screen;
  }

  const press = (target: Element, key: string, init: KeyboardEventInit = {}): void => {
    target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  };
  const overlay = (screen: StudyScreen, corner: string): string => screen.element.querySelector(`[data-viewport="1"] .corner.${corner}`)?.textContent ?? "";
  const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  it("picks the n-th window preset of the viewport's modality with keys 1 to 9, and the menu shows each key", async () => {
    const screen = await openCt();
    const viewport = screen.element.querySelector('[data-viewport="1"]');
    if (!viewport) throw new Error("no viewport");
    press(viewport, "3");
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 40 L 40");
    press(viewport, "4");
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 1500 L -600");
    const menu = screen.element.querySelector<HTMLSelectElement>("#wl-presets");
    menu?.dispatchEvent(new FocusEvent("focus"));
    const options = [...(menu?.options ?? [])].map((o) => o.textContent);
    expect(options[1]).toBe("1 · Brain (W 80 / L 40)");
    expect(options[8]).toBe("8 · Liver (W 150 / L 30)");
    // The layout moved to Alt: a number alone no longer changes it.
    expect(screen.element.querySelector("#viewport-grid")?.className).toContain("layout-1x1");
    press(viewport, "2", { altKey: true, code: "Digit2" });
    expect(screen.element.querySelector("#viewport-grid")?.className).toContain("layout-1x2");
  });

  it("changes width/level, zoom and pan from the keyboard alone (WCAG 2.2 2.1.1)", async () => {
    const screen = await openCt();
    const viewport = screen.element.querySelector('[data-viewport="1"]');
    if (!viewport) throw new Error("no viewport");
    press(viewport, "4");
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 1500 L -600");
    // The window tool: Shift+→ widens, Shift+↓ moves the level as a drag down does; the image
    // on screen stays the same.
    press(viewport, "w");
    press(viewport, "ArrowRight", { shiftKey: true });
    press(viewport, "ArrowDown", { shiftKey: true });
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 1628 L -472");
    expect(overlay(screen, "tr")).toContain("Image 1 /");
    // + and − zoom with any tool; the zoom tool's Shift+↑ zooms in too.
    press(viewport, "+");
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("Zoom 110%");
    press(viewport, "-");
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("Zoom 100%");
    press(viewport, "z");
    press(viewport, "ArrowUp", { shiftKey: true });
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("Zoom 108%");
    // Without Shift an arrow still scrolls; with the length tool Shift+arrow changes nothing.
    press(viewport, "l");
    press(viewport, "ArrowRight", { shiftKey: true });
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 1628 L -472");
  });

  it("turns anticlockwise with Shift+R and resets everything but the image with 0 or the Reset button", async () => {
    const screen = await openCt();
    const viewport = screen.element.querySelector('[data-viewport="1"]');
    if (!viewport) throw new Error("no viewport");
    press(viewport, "R", { shiftKey: true });
    await nextFrame();
    // Axial turned a quarter anticlockwise: the patient's left at the top, anterior at the left.
    expect(screen.element.querySelector('[data-viewport="1"] .marker.top')?.textContent).toBe("L");
    expect(screen.element.querySelector('[data-viewport="1"] .marker.left')?.textContent).toBe("A");
    press(viewport, "4");
    press(viewport, "i");
    press(viewport, "0");
    await nextFrame();
    expect(screen.element.querySelector('[data-viewport="1"] .marker.top')?.textContent).toBe("A");
    expect(overlay(screen, "bl")).toContain("W 400 L 40");
    press(viewport, "4");
    screen.element.querySelector<HTMLButtonElement>('[data-action="rotate-left"]')?.click();
    screen.element.querySelector<HTMLButtonElement>('[data-action="reset"]')?.click();
    await nextFrame();
    expect(overlay(screen, "bl")).toContain("W 400 L 40");
    expect(screen.element.querySelector('[data-viewport="1"] .marker.left')?.textContent).toBe("R");
  });

  it("places a length from the keyboard, announcing each step, and Esc cancels it before it closes the study", async () => {
    const said: string[] = [];
    const onClose = vi.fn();
    const screen = await openCt({ announce: (text) => said.push(text), onClose });
    const viewport = screen.element.querySelector('[data-viewport="1"]');
    if (!viewport) throw new Error("no viewport");
    press(viewport, "l");
    press(viewport, "Enter");
    expect(said.at(-1)).toMatch(/^Crosshair at x 1, y 1\./);
    await nextFrame();
    expect(viewport.querySelector(".keyboard-crosshair")).not.toBeNull();
    press(viewport, "Enter");
    expect(said.at(-1)).toBe("Point 1 placed at x 1, y 1.");
    press(viewport, "ArrowLeft");
    expect(said.at(-1)).toMatch(/^x 0, y 1\. Length /);
    press(viewport, "Enter");
    expect(said.at(-1)).toMatch(/^Measured: Length \d/);
    await nextFrame();
    expect(viewport.querySelectorAll(".measure-list .measure-item")).toHaveLength(1);
    // A second length half placed: the first Esc drops it and the crosshair, the next closes.
    press(viewport, "Enter");
    press(viewport, "Escape");
    expect(said.at(-1)).toBe("Measurement cancelled.");
    expect(onClose).not.toHaveBeenCalled();
    await nextFrame();
    expect(viewport.querySelector(".keyboard-crosshair")).toBeNull();
    expect(viewport.querySelectorAll(".measure-list .measure-item")).toHaveLength(1);
    press(viewport, "Escape");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("marks the active viewport for assistive technology and moves the mark with focus", async () => {
    const screen = await openCt();
    const current = (): string[] => [...screen.element.querySelectorAll('.viewport[aria-current="true"]')].map((v) => v.getAttribute("data-viewport") ?? "");
    expect(current()).toEqual(["1"]);
    screen.element.querySelector<HTMLButtonElement>('[data-layout="1x2"]')?.click();
    screen.element.querySelector<HTMLElement>('[data-viewport="2"]')?.focus();
    expect(current()).toEqual(["2"]);
    screen.element.querySelector<HTMLButtonElement>('[data-layout="1x1"]')?.click();
    expect(current()).toEqual(["1"]);
  });
});

describe("study view with a prior side by side", () => {
  const ct = ctSeries;
  const pixels = ctPixels(null);
  const current: StudyView = { ...study, series: [ct("0", 2)] };
  const prior: StudyView = { ...study, key: "prior-1", recordId: "2.999.0", date: "2023-05-01", series: [ct("0", 3), ct("1", 5)] };
  const record: HistoryRecordView = recordOf({ id: prior.recordId, date: prior.date, providerName: "Provider" });
  const progress = (overrides: Partial<StudyProgressView>): StudyProgressView => ({
    studyKey: prior.key,
    seriesKey: "0",
    loaded: 0,
    total: 0,
    done: false,
    error: null,
    warnings: [],
    identityNote: null,
    ...overrides,
  });
  const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  /** The current study open; `choose` picks the prior, whose opening the test finishes with `arrive`. */
  async function withPrior(frame: Backend["frame"] = () => Promise.resolve(pixels)): Promise<{ screen: StudyScreen; choose: () => void; answer: () => void; arrive: () => Promise<void> }> {
    let answer: (view: StudyView) => void = () => {};
    const opened = new Promise<StudyView>((resolve) => (answer = resolve));
    const screen = new StudyScreen({ frame } as unknown as Backend, current, [record], {
      onClose: () => {},
      onOpenReport: () => {},
      openPrior: () => opened,
      closePrior: () => Promise.resolve(),
    });
    document.body.replaceChildren(screen.element);
    await screen.start();
    const choose = (): void => {
      const select = screen.element.querySelector<HTMLSelectElement>("#prior-select");
      if (!select) throw new Error("no prior menu");
      select.value = record.id;
      select.dispatchEvent(new Event("change"));
    };
    const arrive = async (): Promise<void> => {
      answer(prior);
      await vi.waitFor(() => expect(screen.element.querySelector("#prior-label")).not.toBeNull());
    };
    return { screen, choose, answer: () => answer(prior), arrive };
  }

  const corner = (screen: StudyScreen, viewport: string): string => screen.element.querySelector(`[data-viewport="${viewport}"] .corner.tl`)?.textContent ?? "";

  it("names each viewport's study and its date, the prior as the prior", async () => {
    const { screen, choose, arrive } = await withPrior();
    choose();
    await arrive();
    await nextFrame();
    expect(corner(screen, "1").split("\n")[0]).toBe("Current · 2024-01-02");
    expect(corner(screen, "2").split("\n")[0]).toBe("Prior · 2023-05-01");
  });

  it("shows the prior's retrieval progress, including what it reported before it was open, and leaves the current study's bars alone", async () => {
    const { screen, choose, arrive } = await withPrior();
    choose();
    // The prior's retrieval can speak before its key comes back.
    screen.onProgress(progress({ seriesKey: "1", loaded: 2, total: 5 }));
    await arrive();
    const bar = (): HTMLProgressElement | null => screen.element.querySelector("#prior-progress progress");
    const text = (): string => screen.element.querySelector("#prior-progress")?.textContent ?? "";
    expect(bar()?.max).toBe(8);
    expect(bar()?.value).toBe(2);
    expect(bar()?.getAttribute("aria-label")).toContain("Prior 2023-05-01");
    expect(text()).toContain("2 of 8 images");

    screen.onProgress(progress({ seriesKey: "0", loaded: 3, total: 3 }));
    expect(bar()?.value).toBe(5);
    expect(text()).toContain("5 of 8 images");

    const currentBar = screen.element.querySelector<HTMLProgressElement>("#series-list .series-progress");
    expect(currentBar?.value).toBe(0);
    screen.onProgress(progress({ seriesKey: "", done: true, warnings: ["One image was set aside."] }));
    expect(bar()?.value).toBe(8);
    expect(text()).toContain("all 8 images retrieved");
    // The prior finishing says nothing of the current study's retrieval.
    expect(currentBar?.value).toBe(0);
    expect(screen.element.querySelector("#study-warnings")?.textContent).toContain("Prior: One image was set aside.");
  });

  it("says why the prior's retrieval stopped", async () => {
    const { screen, choose, arrive } = await withPrior();
    choose();
    await arrive();
    screen.onProgress(progress({ seriesKey: "0", loaded: 1, total: 3 }));
    screen.onProgress(progress({ seriesKey: "", done: true, error: { code: "dicomweb-unreachable", message: "The network stopped answering." } }));
    expect(screen.element.querySelector("#prior-progress")?.getAttribute("data-state")).toBe("failed");
    expect(screen.element.querySelector("#prior-progress")?.textContent).toContain("stopped after 1 of 8 images: The network stopped answering.");
  });

  it("is busy in the prior's viewport only while its image is on its way", async () => {
    let release: (frame: FramePixels) => void = () => {};
    const late = new Promise<FramePixels>((resolve) => (release = resolve));
    const { screen, choose, answer } = await withPrior((studyKey) => (studyKey === prior.key ? late : Promise.resolve(pixels)));
    choose();
    answer();
    const viewport = (name: string): Element | null => screen.element.querySelector(`[data-viewport="${name}"]`);
    await vi.waitFor(() => expect(viewport("2")?.getAttribute("aria-busy")).toBe("true"));
    expect(viewport("1")?.hasAttribute("aria-busy")).toBe(false);
    release(pixels);
    await vi.waitFor(() => expect(viewport("2")?.hasAttribute("aria-busy")).toBe(false));
  });
});

describe("study view reference lines", () => {
  // Images of 2 × 2 pixels 100 mm apart, covering -100 to 100 mm each way, on 100 × 100
  // canvases: one image pixel is 50 canvas pixels.
  const AXIAL: FramePixels["orientation"] = [1, 0, 0, 0, 1, 0];
  const CORONAL: FramePixels["orientation"] = [1, 0, 0, 0, 0, -1];
  const placed = (key: string, number: number): SeriesView =>
    series({ key, number, description: key, modality: "CT", instanceCount: 3, rows: 2, columns: 2, pixelSpacing: [100, 100], frameOfReference: "1.2.3", document: null });
  const axial = placed("axial", 1);
  const coronal = placed("coronal", 2);
  const otherAxial = placed("other-axial", 3);
  const opened: StudyView = { ...study, series: [axial, coronal, otherAxial] };
  const slices = [-50, 0, 50];
  const frames: Record<string, FramePixels[]> = {
    axial: slices.map((z) => frameOf({ position: [-50, -50, z], orientation: AXIAL })),
    coronal: slices.map((y) => frameOf({ position: [-50, y, 50], orientation: CORONAL })),
    "other-axial": slices.map((z) => frameOf({ position: [-50, -50, z], orientation: AXIAL })),
  };
  const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  /** The axial series in viewport 1 and the coronal in viewport 2, side by side. */
  async function sideBySide(): Promise<StudyScreen> {
    const backend = { frame: (_study: string, key: string, index: number) => Promise.resolve(frames[key]?.[index]) } as unknown as Backend;
    const screen = new StudyScreen(backend, opened, [], {
      onClose: () => {},
      onOpenReport: () => {},
      openPrior: () => Promise.reject(new Error("no prior")),
      closePrior: () => Promise.resolve(),
    });
    document.body.replaceChildren(screen.element);
    await screen.start();
    screen.element.querySelector<HTMLButtonElement>('[data-layout="1x2"]')?.click();
    for (const canvas of screen.element.querySelectorAll("canvas.viewport-canvas")) canvas.getBoundingClientRect = () => new DOMRect(0, 0, 100, 100);
    await screen.showSeries(1, opened, coronal);
    await nextFrame();
    return screen;
  }

  /** The reference lines drawn in a viewport: source, label and ends on the canvas (left end first). */
  const lines = (screen: StudyScreen, viewport: string): string[] =>
    [...screen.element.querySelectorAll(`[data-viewport="${viewport}"] .measure-layer g.reference-line`)].map((g) => {
      const line = g.querySelector("line");
      const at = (x: string, y: string): number[] => [Number(line?.getAttribute(x)), Number(line?.getAttribute(y))];
      // Either end may come first: left to right, then top to bottom.
      const ends = [at("x1", "y1"), at("x2", "y2")].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0)).join(",");
      return `${g.getAttribute("data-source")} ${g.querySelector("text")?.textContent ?? ""} ${ends}`;
    });
  const press = (screen: StudyScreen, key: string): void => {
    screen.element.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  };
  const toggle = (screen: StudyScreen): HTMLButtonElement | null => screen.element.querySelector('[data-action="reference-lines"]');

  it("draws on each image where the other viewport's image crosses it, following either one's scrolling", async () => {
    const screen = await sideBySide();
    // The coronal at y = -50 crosses the axial image a quarter of the way down; the axial at
    // z = -50 crosses the coronal three quarters of the way down.
    expect(lines(screen, "1")).toEqual(["2 Current · Series 2 0,25,100,25"]);
    expect(lines(screen, "2")).toEqual(["1 Current · Series 1 0,75,100,75"]);
    press(screen, "ArrowDown");
    await nextFrame();
    await nextFrame();
    // The active viewport (1) moved to z = 0: the line on the coronal rises to the middle.
    expect(lines(screen, "2")).toEqual(["1 Current · Series 1 0,50,100,50"]);
    expect(lines(screen, "1")).toEqual(["2 Current · Series 2 0,25,100,25"]);
    screen.element.querySelector<HTMLElement>('[data-viewport="2"]')?.focus();
    press(screen, "End");
    await nextFrame();
    await nextFrame();
    expect(lines(screen, "1")).toEqual(["2 Current · Series 2 0,75,100,75"]);
  });

  it("hides and shows them with the button or the g key, which says whether they are shown", async () => {
    const screen = await sideBySide();
    expect(toggle(screen)?.getAttribute("aria-pressed")).toBe("true");
    toggle(screen)?.click();
    await nextFrame();
    expect(toggle(screen)?.getAttribute("aria-pressed")).toBe("false");
    expect(lines(screen, "1")).toEqual([]);
    expect(lines(screen, "2")).toEqual([]);
    press(screen, "g");
    await nextFrame();
    expect(toggle(screen)?.getAttribute("aria-pressed")).toBe("true");
    expect(lines(screen, "1")).toHaveLength(1);
    expect(lines(screen, "2")).toHaveLength(1);
  });

  it("draws nothing between parallel images, nor from a viewport taken off the layout", async () => {
    const screen = await sideBySide();
    await screen.showSeries(1, opened, otherAxial);
    await nextFrame();
    expect(lines(screen, "1")).toEqual([]);
    expect(lines(screen, "2")).toEqual([]);
    await screen.showSeries(1, opened, coronal);
    await nextFrame();
    expect(lines(screen, "1")).toHaveLength(1);
    screen.element.querySelector<HTMLButtonElement>('[data-layout="1x1"]')?.click();
    await nextFrame();
    expect(lines(screen, "1")).toEqual([]);
  });
});
