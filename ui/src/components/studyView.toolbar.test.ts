// The study's toolbar as laid out for any text size: the tools, presets, More tools and the
// reports in the row; layouts, view actions, cine and comparison options in the More tools
// panel, each still found by the selector it always had and working while the panel is
// closed; Esc that closes the open panel, never the study; the prior menu by the study's name.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Backend, SeriesView } from "../ipc/backend";
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

const ct: SeriesView = seriesOf("c", { instanceCount: 3 });
const current = studyOf({ key: "current", recordId: "now", series: [ct] });
const prior = recordOf({ id: "then", date: "2022-01-01", description: "CT head" });
const report = recordOf({ id: "rep", kind: "diagnosticReport", linkedStudyId: "now", description: "CT head report" });
const pixels = frameOf({ format: "i16", orientation: [1, 0, 0, 0, 1, 0], data: new Int16Array([-1000, 0, 40, 1000]).buffer });

async function open(): Promise<{ screen: StudyScreen; onClose: ReturnType<typeof vi.fn> }> {
  const backend = { frame: () => Promise.resolve(pixels) } as unknown as Backend;
  const onClose = vi.fn();
  const screen = new StudyScreen(backend, current, [prior], { onClose, onOpenReport: () => {}, openPrior: () => Promise.reject(new Error("no prior")), closePrior: () => Promise.resolve() }, "then", [report]);
  document.body.replaceChildren(screen.element);
  await screen.start();
  return { screen, onClose };
}

const find = <T extends HTMLElement = HTMLElement>(screen: StudyScreen, selector: string): T => {
  const found = screen.element.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector}`);
  return found;
};

const key = (target: Element, name: string): void => {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true }));
};

/** The controls the end-to-end suite and the keys' help name, each by its selector. */
const ROW = ["[data-tool=scroll]", "[data-tool=window]", "[data-tool=zoom]", "[data-tool=pan]", "[data-tool=length]", "[data-tool=angle]", "[data-tool=ellipse]", "[data-tool=bidirectional]", "[data-tool=probe]", "#wl-presets", "#more-tools", "[data-action=report-beside]"];
const PANEL = ['[data-layout="1x1"]', '[data-layout="1x2"]', '[data-layout="1x3"]', '[data-layout="2x2"]', "[data-action=fit]", "[data-action=invert]", "[data-action=rotate]", "[data-action=rotate-left]", "[data-action=flip-h]", "[data-action=flip-v]", "[data-action=reset]", "[data-action=cine]", "#cine-fps", "[data-action=reference-lines]", "#sync-window", "#sync-zoom"];

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe("the study toolbar", () => {
  it("keeps the tools, presets, More tools and reports in its row, and the rest in the More tools panel", async () => {
    const { screen } = await open();
    const toolbar = find(screen, "[role=toolbar]");
    const more = find(screen, "#more-tools-panel");
    for (const selector of ROW) expect(find(screen, selector).parentElement, selector).toBe(toolbar);
    for (const selector of PANEL) expect(more.contains(find(screen, selector)), selector).toBe(true);
    // The panel follows its button, so Tab goes from the button into it.
    expect(find(screen, "#more-tools").nextElementSibling).toBe(more);
    expect(more.hidden).toBe(true);
    // The study's own controls sit by its name, above the toolbar.
    const header = find(screen, ".study-header");
    for (const selector of ["#prior-select", "#prior-open", "#close-study"]) expect(header.contains(find(screen, selector)), selector).toBe(true);
    expect(find<HTMLSelectElement>(screen, "#prior-select").value).toBe("then");
  });

  it("lets every control in the closed panel work by its selector", async () => {
    const { screen } = await open();
    find(screen, '[data-layout="1x2"]').click();
    expect(find(screen, "#viewport-grid").className).toContain("layout-1x2");
    find(screen, "#sync-window").click();
    expect(find(screen, "#sync-window").getAttribute("aria-pressed")).toBe("true");
    find(screen, "[data-action=reference-lines]").click();
    expect(find(screen, "[data-action=reference-lines]").getAttribute("aria-pressed")).toBe("false");
    // Nothing opened it, and no focus was moved to its button.
    expect(find(screen, "#more-tools-panel").hidden).toBe(true);
    expect(document.activeElement).not.toBe(find(screen, "#more-tools"));
  });

  it("closes the panel after a choice, keeps it open for a toggle, and gives the focus back to its button", async () => {
    const { screen } = await open();
    const button = find(screen, "#more-tools");
    button.click();
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(find(screen, '[data-layout="1x1"]'));
    find(screen, "#sync-zoom").click();
    expect(find(screen, "#more-tools-panel").hidden).toBe(false);
    find(screen, '[data-layout="2x2"]').click();
    expect(find(screen, "#viewport-grid").className).toContain("layout-2x2");
    expect(find(screen, "#more-tools-panel").hidden).toBe(true);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(button);
  });

  it("closes the open panel on Esc, not the study, wherever the focus is in the study", async () => {
    const { screen, onClose } = await open();
    const button = find(screen, "#more-tools");
    // Esc in the panel: the panel closes and the focus is back on its button.
    button.click();
    key(find(screen, "#cine-fps"), "Escape");
    expect(find(screen, "#more-tools-panel").hidden).toBe(true);
    expect(document.activeElement).toBe(button);
    expect(onClose).not.toHaveBeenCalled();
    // Esc on a viewport while the panel is open (opened, then the image clicked by keyboard
    // focus alone): the panel closes first.
    button.click();
    const viewport = find(screen, '#viewport-grid [data-viewport="1"]');
    viewport.focus();
    expect(find(screen, "#more-tools-panel").hidden).toBe(true);
    button.click();
    key(viewport, "Escape");
    expect(find(screen, "#more-tools-panel").hidden).toBe(true);
    expect(onClose).not.toHaveBeenCalled();
    // With nothing open, Esc closes the study.
    key(viewport, "Escape");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("keeps the keys of the images working from the panel's buttons", async () => {
    const { screen } = await open();
    find(screen, "#more-tools").click();
    key(find(screen, "[data-action=fit]"), "l");
    expect(find(screen, "[data-tool=length]").getAttribute("aria-pressed")).toBe("true");
  });

  it("forgets the open panel's page-wide listeners when the study closes", async () => {
    const { screen } = await open();
    find(screen, "#more-tools").click();
    const remove = vi.spyOn(document, "removeEventListener");
    screen.destroy();
    expect(remove).toHaveBeenCalledWith("pointerdown", expect.any(Function), true);
  });
});
