import { afterEach, describe, expect, it, vi } from "vitest";
import { BackendError, type Backend, type HistoryRecordView, type SeriesView, type StudyView } from "../ipc/backend";
import { frameOf, recordOf, seriesOf, studyOf } from "../ipc/fixtures";
import { StudyScreen } from "./studyView";

// jsdom has no WebGL: the viewports draw nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

const axial = (key: string, frameOfReference: string | null, first: number, step: number, overrides: Partial<SeriesView> = {}): SeriesView =>
  seriesOf(key, { instanceCount: 10, frameOfReference, sliceNormal: [0, 0, 1], slicePositions: Array.from({ length: 10 }, (_, i) => first + i * step), ...overrides });

// The current CT: 10 axial slices 2 mm apart from z = 0. Prior 1, from another scanner (its own
// frame of reference): 10 slices 4 mm apart from z = 500, a coronal series and one described
// from the other side. Prior 2 has no frame of reference: slices 2 mm apart from z = -100.
const current = studyOf({ key: "current", recordId: "now", date: "2025-03-01", series: [axial("c", "2.999.A", 0, 2)] });
const prior1: StudyView = studyOf({
  key: "prior-1",
  recordId: "r1",
  description: "CT chest",
  date: "2024-01-01",
  series: [
    axial("p", "2.999.B", 500, 4, { description: "Axial 4 mm", pixelSpacing: [2, 2] }),
    axial("q", "2.999.B", 0, 1, { description: "Coronal", sliceNormal: [0, 1, 0] }),
    axial("r", "2.999.B", -500, 4, { description: "Reversed", sliceNormal: [0, 0, -1] }),
  ],
});
const prior2: StudyView = studyOf({ key: "prior-2", recordId: "r2", description: "CT chest", date: "2022-01-01", series: [axial("s", null, -100, 2)] });
const prior3: StudyView = studyOf({ key: "prior-3", recordId: "r3", description: "CT abdomen", date: "2020-01-01", series: [axial("t", null, 0, 2)] });
const records: HistoryRecordView[] = [recordOf({ id: "r2", date: prior2.date, modality: "CT" }), recordOf({ id: "r1", date: prior1.date, modality: "CT" }), recordOf({ id: "r3", date: prior3.date, modality: "CT" })];
const priors: Record<string, StudyView> = { r1: prior1, r2: prior2, r3: prior3 };

const pixels = frameOf({ format: "i16", orientation: [1, 0, 0, 0, 1, 0], data: new Int16Array([-1000, 0, 40, 1000]).buffer });

interface Opened {
  screen: StudyScreen;
  openPrior: ReturnType<typeof vi.fn>;
  closePrior: ReturnType<typeof vi.fn>;
  said: string[];
}

async function open(suggested: string | null = null): Promise<Opened> {
  const backend = { frame: () => Promise.resolve(pixels) } as unknown as Backend;
  const openPrior = vi.fn((id: string) => (priors[id] ? Promise.resolve(priors[id]) : Promise.reject(new Error("no such prior"))));
  const closePrior = vi.fn(() => Promise.resolve());
  const said: string[] = [];
  const screen = new StudyScreen(backend, current, records, { onClose: () => {}, onOpenReport: () => {}, openPrior, closePrior, announce: (text) => said.push(text) }, suggested);
  document.body.replaceChildren(screen.element);
  await screen.start();
  return { screen, openPrior, closePrior, said };
}

const find = <T extends Element = HTMLElement>(screen: StudyScreen, selector: string): T => {
  const found = screen.element.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector}`);
  return found;
};
const corner = (screen: StudyScreen, viewport: string, which: string): string => screen.element.querySelector(`#viewport-grid [data-viewport="${viewport}"] .corner.${which}`)?.textContent ?? "";
const imageOf = (screen: StudyScreen, viewport: string): number => Number(/Image (\d+) \//.exec(corner(screen, viewport, "tr"))?.[1] ?? 0);
const press = (screen: StudyScreen, viewport: string, key: string, times = 1): void => {
  const target = find(screen, `#viewport-grid [data-viewport="${viewport}"]`);
  target.focus();
  for (let i = 0; i < times; i++) target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
};
const altArrow = (screen: StudyScreen, viewport: string, key: "ArrowUp" | "ArrowDown"): void => {
  const target = find(screen, `#viewport-grid [data-viewport="${viewport}"]`);
  target.focus();
  target.dispatchEvent(new KeyboardEvent("keydown", { key, altKey: true, bubbles: true, cancelable: true }));
};
const choosePrior = (screen: StudyScreen, id: string): void => {
  const select = find<HTMLSelectElement>(screen, "#prior-select");
  select.value = id;
  select.dispatchEvent(new Event("change"));
};

afterEach(() => vi.restoreAllMocks());

describe("the suggested prior", () => {
  it("is listed first, marked and chosen, and opens only when asked", async () => {
    const { screen, openPrior } = await open("r1");
    const select = find<HTMLSelectElement>(screen, "#prior-select");
    expect([...select.options].map((o) => o.value)).toEqual(["", "r1", "r2", "r3"]);
    expect(select.options[1]?.textContent).toMatch(/\(suggested\)$/);
    expect(select.options[2]?.textContent).not.toContain("suggested");
    expect(select.value).toBe("r1");
    expect(openPrior).not.toHaveBeenCalled();
    find(screen, "#prior-open").click();
    await vi.waitFor(() => expect(screen.element.querySelector("#prior-label")).not.toBeNull());
    expect(openPrior).toHaveBeenCalledWith("r1");
  });

  it("leaves the menu as it was without a suggestion", async () => {
    const { screen } = await open();
    const select = find<HTMLSelectElement>(screen, "#prior-select");
    expect([...select.options].map((o) => o.value)).toEqual(["", "r2", "r1", "r3"]);
    expect(select.value).toBe("");
  });
});

describe("a prior without a shared frame of reference", () => {
  async function withPrior1(): Promise<Opened> {
    const opened = await open();
    choosePrior(opened.screen, "r1");
    await vi.waitFor(() => expect(imageOf(opened.screen, "2")).toBe(1));
    return opened;
  }

  it("scrolls on its own until linked, then keeps the images on screen paired and moves by the same distance", async () => {
    const { screen } = await withPrior1();
    const label = find(screen, "#prior-label");
    const link = find<HTMLButtonElement>(screen, "#prior-link-2");
    expect(label.dataset["synchronised"]).toBe("false");
    expect(label.textContent).toContain("Right: prior CT chest (2024-01-01) · scrolls on its own (different frame of reference)");
    expect(link.disabled).toBe(false);
    expect(link.getAttribute("aria-pressed")).toBe("false");
    expect(find(screen, "#prior-link-state-2").textContent).toBe("not linked");

    // Unlinked: the current study at image 4 (z = 6) leaves the prior where it is.
    press(screen, "1", "ArrowDown", 3);
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(4));
    expect(imageOf(screen, "2")).toBe(1);
    // The clinician brings the prior to the same anatomy: image 3 (z = 508).
    press(screen, "2", "ArrowDown", 2);
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(3));
    expect(imageOf(screen, "1")).toBe(4);

    link.click();
    expect(link.getAttribute("aria-pressed")).toBe("true");
    expect(find(screen, "#prior-link-state-2").textContent).toBe("linked +502 mm");
    expect(label.dataset["synchronised"]).toBe("true");
    // 8 mm on in the current study (image 8, z = 14) is 8 mm on in the prior (image 5, z = 516).
    press(screen, "1", "ArrowDown", 4);
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(8));
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(5));
    // And the other way: the prior back to z = 504 takes the current study to z = 2 (image 2).
    press(screen, "2", "ArrowUp", 3);
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(2));
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(2));

    link.click();
    expect(link.getAttribute("aria-pressed")).toBe("false");
    press(screen, "1", "ArrowDown", 3);
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(5));
    expect(imageOf(screen, "2")).toBe(2);
  });

  it("moves the pairing by one prior image per nudge, by button or Alt+arrow, and the label gives the new offset", async () => {
    const { screen, said } = await withPrior1();
    const up = find<HTMLButtonElement>(screen, "[data-action=prior-nudge-up]");
    const down = find<HTMLButtonElement>(screen, "[data-action=prior-nudge-down]");
    // Not linked: no nudging, and Alt+↑ neither nudges nor scrolls.
    expect(up.hidden).toBe(true);
    expect(down.hidden).toBe(true);
    press(screen, "1", "ArrowDown", 3);
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(4));
    altArrow(screen, "1", "ArrowUp");
    expect(said.at(-1)).toBe("No prior is linked by table position.");
    expect(imageOf(screen, "1")).toBe(4);
    press(screen, "2", "ArrowDown", 2);
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(3));

    // Linked with current image 4 (z = 6) paired with prior image 3 (z = 508).
    find(screen, "#prior-link-2").click();
    expect(find(screen, "#prior-link-state-2").textContent).toBe("linked +502 mm");
    expect(up.hidden).toBe(false);
    expect(down.hidden).toBe(false);

    // One prior image (4 mm) down: the prior shows image 4, the current study stays at 4.
    down.click();
    expect(find(screen, "#prior-link-state-2").textContent).toBe("linked +506 mm");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(4));
    expect(imageOf(screen, "1")).toBe(4);
    expect(said.at(-1)).toBe("The prior moved one image down: linked +506 mm.");

    // Alt+↑ twice, from the current study's viewport: two prior images up.
    altArrow(screen, "1", "ArrowUp");
    altArrow(screen, "1", "ArrowUp");
    expect(find(screen, "#prior-link-state-2").textContent).toBe("linked +498 mm");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(imageOf(screen, "1")).toBe(4);

    // The new pairing holds as the current study scrolls: 8 mm on (z = 14) is prior z = 512, image 4.
    press(screen, "1", "ArrowDown", 4);
    await vi.waitFor(() => expect(imageOf(screen, "1")).toBe(8));
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(4));

    // Alt+↓ from the prior's own viewport moves it the other way.
    altArrow(screen, "2", "ArrowDown");
    expect(find(screen, "#prior-link-state-2").textContent).toBe("linked +502 mm");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(5));
    expect(imageOf(screen, "1")).toBe(8);

    // Unlinked, the nudges go.
    find(screen, "#prior-link-2").click();
    expect(up.hidden).toBe(true);
  });

  it("has its own series picker, and does not link opposite or oblique series, saying why", async () => {
    const { screen } = await withPrior1();
    const picker = find<HTMLSelectElement>(screen, "#prior-series-2");
    expect([...picker.options].map((o) => o.value)).toEqual(["p", "q", "r"]);
    find(screen, "#prior-link-2").click();
    expect(find(screen, "#prior-link-2").getAttribute("aria-pressed")).toBe("true");

    picker.value = "r";
    picker.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(corner(screen, "2", "tl")).toContain("Reversed"));
    const link = find<HTMLButtonElement>(screen, "#prior-link-2");
    expect(find(screen, "#prior-link-state-2").textContent).toBe("cannot link: opposite orientation");
    expect(link.disabled).toBe(true);
    expect(link.getAttribute("aria-pressed")).toBe("false");
    expect(find(screen, "#prior-label").dataset["synchronised"]).toBe("false");

    picker.value = "q";
    picker.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(corner(screen, "2", "tl")).toContain("Coronal"));
    expect(find(screen, "#prior-link-state-2").textContent).toBe("cannot link: different or oblique orientation");

    // Back to the axial series: linkable again, but not linked of itself.
    picker.value = "p";
    picker.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(corner(screen, "2", "tl")).toContain("Axial 4 mm"));
    expect(link.disabled).toBe(false);
    expect(link.getAttribute("aria-pressed")).toBe("false");
  });
});

describe("more than one prior", () => {
  it("opens a second prior in a third viewport, scrolls both with the current study when linked, and closes one", async () => {
    const { screen, closePrior } = await open();
    choosePrior(screen, "r1");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(1));
    choosePrior(screen, "r2");
    await vi.waitFor(() => expect(imageOf(screen, "3")).toBe(1));
    expect(find(screen, "#viewport-grid").className).toContain("layout-1x3");
    // Alt+2 and Alt+3 pick the layouts by key as well.
    const layoutKey = (code: string): void => {
      screen.element.dispatchEvent(new KeyboardEvent("keydown", { key: code.slice(-1), code, altKey: true, bubbles: true, cancelable: true }));
    };
    layoutKey("Digit2");
    expect(find(screen, "#viewport-grid").className).toContain("layout-1x2");
    expect(find(screen, "#prior-label-3").textContent).toMatch(/^Viewport 3 \(not in this layout\): prior/);
    layoutKey("Digit3");
    expect(find(screen, "#viewport-grid").className).toContain("layout-1x3");
    expect(corner(screen, "3", "tl").split("\n")[0]).toBe("Prior · 2022-01-01");
    expect(find(screen, "#prior-label").textContent).toMatch(/^Middle: prior/);
    expect(find(screen, "#prior-label-3").textContent).toMatch(/^Right: prior/);
    expect(screen.element.querySelectorAll("#prior-bars .prior-bar")).toHaveLength(2);

    find(screen, "#prior-link-2").click();
    find(screen, "#prior-link-3").click();
    expect(find(screen, "#prior-link-state-3").textContent).toBe("linked −100 mm");
    press(screen, "1", "ArrowDown", 4);
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(3));
    await vi.waitFor(() => expect(imageOf(screen, "3")).toBe(5));
    // Scrolling one prior moves the other through their offsets from the current study.
    press(screen, "3", "ArrowDown", 2);
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(4));

    find(screen, "#prior-close-3").click();
    await vi.waitFor(() => expect(closePrior).toHaveBeenCalledWith("prior-2"));
    expect(screen.element.querySelector("#prior-label-3")).toBeNull();
    expect(corner(screen, "3", "tl")).toBe("");
  });

  it("replaces the prior in the active viewport when both are taken", async () => {
    const { screen, closePrior, openPrior } = await open();
    choosePrior(screen, "r1");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(1));
    choosePrior(screen, "r2");
    await vi.waitFor(() => expect(imageOf(screen, "3")).toBe(1));
    // The same prior again only makes its viewport the active one.
    choosePrior(screen, "r1");
    expect(openPrior).toHaveBeenCalledTimes(2);
    expect(find(screen, '#viewport-grid [data-viewport="2"]').getAttribute("aria-current")).toBe("true");
    find(screen, '#viewport-grid [data-viewport="3"]').focus();
    choosePrior(screen, "r3");
    await vi.waitFor(() => expect(corner(screen, "3", "tl").split("\n")[0]).toBe("Prior · 2020-01-01"));
    expect(closePrior).toHaveBeenCalledWith("prior-2");
    expect(closePrior).toHaveBeenCalledTimes(1);
    expect(find(screen, "#prior-label-3").textContent).toContain("CT abdomen");
    expect(screen.element.querySelectorAll("#prior-bars .prior-bar")).toHaveLength(2);
  });
});

describe("window/level and zoom passed on", () => {
  async function twoUp(): Promise<StudyScreen> {
    const { screen } = await open();
    choosePrior(screen, "r1");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(1));
    return screen;
  }

  it("passes no window on by default, and the same window within a modality when on", async () => {
    const screen = await twoUp();
    const before = corner(screen, "2", "bl");
    press(screen, "1", "1");
    await vi.waitFor(() => expect(corner(screen, "1", "bl")).toContain("W 80 L 40"));
    expect(corner(screen, "2", "bl")).toBe(before);
    const toggle = find(screen, "#sync-window");
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    toggle.click();
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    // Turned on, the other viewport takes the active one's window at once.
    await vi.waitFor(() => expect(corner(screen, "2", "bl")).toContain("W 80 L 40"));
    press(screen, "1", "4");
    await vi.waitFor(() => expect(corner(screen, "2", "bl")).toContain("W 1500 L -600"));
  });

  it("passes the zoom on as millimetres per screen pixel when on", async () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getBoundingClientRect").mockReturnValue(new DOMRect(0, 0, 400, 400));
    const screen = await twoUp();
    const wheel = (): void => {
      find(screen, '#viewport-grid [data-viewport="1"] canvas').dispatchEvent(new WheelEvent("wheel", { deltaY: -1, ctrlKey: true, cancelable: true }));
    };
    wheel();
    await vi.waitFor(() => expect(corner(screen, "1", "bl")).toContain("Zoom 110%"));
    expect(corner(screen, "2", "bl")).toContain("Zoom 100%");
    find(screen, "#sync-zoom").click();
    // The prior's pixels are twice as large, so at fit its image covers twice the field: the
    // same millimetres per screen pixel is twice its zoom.
    await vi.waitFor(() => expect(corner(screen, "2", "bl")).toContain("Zoom 220%"));
    wheel();
    await vi.waitFor(() => expect(corner(screen, "2", "bl")).toContain("Zoom 242%"));
  });
});

describe("a prior's viewport given a series of the current study", () => {
  it("closes the prior it showed", async () => {
    const { screen, closePrior } = await open();
    choosePrior(screen, "r1");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(1));
    find(screen, '#viewport-grid [data-viewport="2"]').focus();
    find(screen, "#series-list .series-button").click();
    await vi.waitFor(() => expect(closePrior).toHaveBeenCalledWith("prior-1"));
    await vi.waitFor(() => expect(corner(screen, "2", "tl").split("\n")[0]).toBe("Current · 2025-03-01"));
    expect(screen.element.querySelector("#prior-label")).toBeNull();
  });

  it("says when a prior could not be closed", async () => {
    const { screen, closePrior } = await open();
    closePrior.mockImplementation(() => Promise.reject(new BackendError("internal", "The viewer could not let the study go.")));
    choosePrior(screen, "r1");
    await vi.waitFor(() => expect(imageOf(screen, "2")).toBe(1));
    find(screen, "#prior-close-2").click();
    await vi.waitFor(() => expect(screen.element.querySelector("#study-warnings")?.textContent).toContain("The prior could not be closed. The viewer could not let the study go."));
  });
});
