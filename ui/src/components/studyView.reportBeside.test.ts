import { afterEach, describe, expect, it, vi } from "vitest";
import css from "../styles.css?raw";
import { BackendError, type Backend, type HistoryRecordView, type ReportView, type SeriesView } from "../ipc/backend";
import { frameOf, recordOf, reportOf, seriesOf, studyOf } from "../ipc/fixtures";
import { StudyState } from "../state/study";
import { reportsOfStudy } from "./reportBeside";
import { StudyScreen } from "./studyView";

// jsdom has no WebGL: the viewports draw nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

// The current CT (record "now"): 10 axial slices, and a structured report held in the study.
const ct: SeriesView = seriesOf("c", { instanceCount: 10, frameOfReference: "2.999.A", sliceNormal: [0, 0, 1], slicePositions: Array.from({ length: 10 }, (_, i) => i * 2) });
const sr: SeriesView = seriesOf("sr", { description: "Report", modality: "SR", rows: 0, columns: 0, pixelSpacing: null, document: "sr" });
const current = studyOf({ key: "current", recordId: "now", date: "2024-03-12", series: [ct, sr] });

// Its reports: the radiologist's (final) and the MDT's a week later (preliminary).
const radiology = recordOf({ id: "rep-1", kind: "diagnosticReport", date: "2024-03-13", description: "CT CAP report", status: "final", linkedStudyId: "now" });
const mdt = recordOf({ id: "rep-2", kind: "mdtOutcome", date: "2024-03-20", description: "Hepatobiliary MDT outcome", status: "preliminary", linkedStudyId: "now" });
const texts: Record<string, ReportView> = {
  "rep-1": reportOf({ recordId: "rep-1", title: "CT CAP report", status: "final", text: "Liver lesion in segment VI." }),
  "rep-2": reportOf({ recordId: "rep-2", title: "Hepatobiliary MDT outcome", status: "preliminary", text: "Likely haemangioma." }),
  "study-sr": reportOf({ recordId: "now", title: "Structured report", text: "Held in the study." }),
};

const pixels = frameOf({ format: "i16", orientation: [1, 0, 0, 0, 1, 0], data: new Int16Array([-1000, 0, 40, 1000]).buffer });

interface Opened {
  screen: StudyScreen;
  onClose: ReturnType<typeof vi.fn>;
  openReport: ReturnType<typeof vi.fn>;
  frame: ReturnType<typeof vi.fn>;
}

async function open(reports: HistoryRecordView[], openReport = vi.fn((id: string) => (texts[id] ? Promise.resolve(texts[id]) : Promise.reject(new BackendError("report-unavailable", "The report could not be fetched."))))): Promise<Opened> {
  const frame = vi.fn(() => Promise.resolve(pixels));
  const backend = { frame, openReport, openStudyDocument: () => Promise.resolve(texts["study-sr"]) } as unknown as Backend;
  const onClose = vi.fn();
  const screen = new StudyScreen(backend, current, [], { onClose, onOpenReport: () => {}, openPrior: () => Promise.reject(new Error("no prior")), closePrior: () => Promise.resolve() }, null, reports);
  document.body.replaceChildren(screen.element);
  await screen.start();
  return { screen, onClose, openReport, frame };
}

const find = <T extends Element = HTMLElement>(screen: StudyScreen, selector: string): T => {
  const found = screen.element.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector}`);
  return found;
};
const key = (target: Element, name: string): void => {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true }));
};
const imageOf = (screen: StudyScreen): number => Number(/Image (\d+) \//.exec(screen.element.querySelector('#viewport-grid [data-viewport="1"] .corner.tr')?.textContent ?? "")?.[1] ?? 0);
const panel = (screen: StudyScreen): HTMLElement | null => screen.element.querySelector("#report-beside");
const shownText = (screen: StudyScreen): string => screen.element.querySelector("#report-beside #report-body")?.textContent ?? "";

/** Opens the panel with its button and waits for the report. */
async function openPanel(screen: StudyScreen, text: string): Promise<HTMLElement> {
  find(screen, "[data-action=report-beside]").click();
  await vi.waitFor(() => expect(shownText(screen)).toContain(text));
  const opened = panel(screen);
  if (!opened) throw new Error("no panel");
  return opened;
}

afterEach(() => vi.restoreAllMocks());

describe("the reports of a study", () => {
  it("are the diagnostic reports and MDT outcomes linked to it, newest first", () => {
    const other = recordOf({ id: "rep-3", kind: "diagnosticReport", date: "2025-01-01", linkedStudyId: "elsewhere" });
    const plan = recordOf({ id: "plan", kind: "carePlan", date: "2024-04-02", linkedStudyId: "now" });
    const undated = recordOf({ id: "rep-4", kind: "diagnosticReport", date: null, linkedStudyId: "now" });
    const unopenable = recordOf({ id: "rep-5", kind: "diagnosticReport", date: "2024-05-01", linkedStudyId: "now", openable: false });
    const study = recordOf({ id: "now" });
    expect(reportsOfStudy([study, undated, radiology, other, plan, mdt, unopenable], "now").map((r) => r.id)).toEqual(["rep-2", "rep-1", "rep-4"]);
  });
});

describe("a study's report beside its images", () => {
  it("is offered only when the study has a report", async () => {
    const { screen } = await open([]);
    expect(screen.element.querySelector("[data-action=report-beside]")).toBeNull();
    key(find(screen, '#viewport-grid [data-viewport="1"]'), "t");
    expect(panel(screen)).toBeNull();
  });

  it("opens beside the viewports with its status, moves the focus into it, and leaves the viewports working without fetching again", async () => {
    const { screen, openReport, frame } = await open([mdt]);
    const control = find<HTMLButtonElement>(screen, "[data-action=report-beside]");
    // A button in the toolbar: reached with Tab, pressed with Enter or Space.
    expect(control.tagName).toBe("BUTTON");
    expect(control.closest("[role=toolbar]")).not.toBeNull();
    expect(control.tabIndex).toBe(0);
    expect(control.getAttribute("aria-expanded")).toBe("false");
    expect(control.title).toContain("(t)");
    // Not final: the button says so before anything is opened.
    expect(control.textContent).toContain("Status: Preliminary");
    const canvas = find(screen, '#viewport-grid [data-viewport="1"] canvas');
    // The series' images are all fetched (the cache reads ahead) before the panel opens.
    await vi.waitFor(() => expect(new Set(frame.mock.calls.map((call: unknown[]) => call[2])).size).toBe(10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fetched = frame.mock.calls.length;

    const opened = await openPanel(screen, "Likely haemangioma.");
    expect(openReport).toHaveBeenCalledWith("rep-2");
    // Beside the viewports, in the same row, not in their place.
    expect(opened.parentElement?.classList.contains("study-body")).toBe(true);
    expect(opened.previousElementSibling?.id).toBe("viewport-grid");
    expect(find<HTMLElement>(screen, "#viewport-grid").hidden).toBe(false);
    expect(control.getAttribute("aria-expanded")).toBe("true");
    expect(opened.contains(document.activeElement)).toBe(true);
    const status = find(screen, "#report-beside #report-status .report-status");
    expect(status.textContent).toContain("Status: Preliminary");
    expect(status.classList.contains("notable")).toBe(true);
    // One close button in the panel, not the report's own as well.
    expect(opened.querySelectorAll("button").length).toBe(1);

    // The same viewport, nothing fetched again, and it still scrolls.
    expect(find(screen, '#viewport-grid [data-viewport="1"] canvas')).toBe(canvas);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(frame.mock.calls.length).toBe(fetched);
    const viewport = find(screen, '#viewport-grid [data-viewport="1"]');
    viewport.focus();
    key(viewport, "ArrowDown");
    await vi.waitFor(() => expect(imageOf(screen)).toBe(2));
    expect(panel(screen)).not.toBeNull();
  });

  it("closes on Esc inside it, and the study stays open with the focus back on the button", async () => {
    const { screen, onClose } = await open([mdt]);
    const opened = await openPanel(screen, "Likely haemangioma.");
    key(find(screen, "#report-beside #report-body"), "Escape");
    expect(onClose).not.toHaveBeenCalled();
    expect(panel(screen)).toBeNull();
    expect(document.activeElement).toBe(find(screen, "[data-action=report-beside]"));
    expect(find(screen, "[data-action=report-beside]").getAttribute("aria-expanded")).toBe("false");
    expect(opened.isConnected).toBe(false);

    // Again, with the focus on the panel itself, as it is when it opens.
    const again = await openPanel(screen, "Likely haemangioma.");
    expect(document.activeElement).toBe(again);
    key(again, "Escape");
    expect(onClose).not.toHaveBeenCalled();
    expect(panel(screen)).toBeNull();
    // With the panel gone, Esc closes the study as before.
    key(find(screen, "[data-action=report-beside]"), "Escape");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("closes with its close button, the focus back on the button that opened it", async () => {
    const { screen, onClose } = await open([mdt]);
    await openPanel(screen, "Likely haemangioma.");
    find(screen, "[data-action=report-beside-close]").click();
    expect(panel(screen)).toBeNull();
    expect(document.activeElement).toBe(find(screen, "[data-action=report-beside]"));
    expect(onClose).not.toHaveBeenCalled();
  });

  it("keeps the keys pressed in it from the images", async () => {
    const { screen } = await open([mdt]);
    const opened = await openPanel(screen, "Likely haemangioma.");
    key(opened, "ArrowDown");
    key(opened, "i");
    key(opened, "t");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(imageOf(screen)).toBe(1);
    expect(find(screen, '#viewport-grid [data-viewport="1"] .corner.bl').textContent).not.toContain("Inverted");
    expect(panel(screen)).not.toBeNull();
  });

  it("opens and closes with t from the images, and Esc there closes it before the study", async () => {
    const { screen, onClose } = await open([mdt]);
    const viewport = find(screen, '#viewport-grid [data-viewport="1"]');
    key(viewport, "t");
    await vi.waitFor(() => expect(shownText(screen)).toContain("Likely haemangioma."));
    viewport.focus();
    key(viewport, "t");
    expect(panel(screen)).toBeNull();
    key(viewport, "t");
    expect(panel(screen)).not.toBeNull();
    viewport.focus();
    key(viewport, "Escape");
    expect(panel(screen)).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
  });

  it("lists several reports newest first, shows the newest, and any other on request", async () => {
    const { screen, openReport } = await open(reportsOfStudy([radiology, mdt], "now"));
    expect(find(screen, "[data-action=report-beside]").textContent).toContain("Reports (2)");
    await openPanel(screen, "Likely haemangioma.");
    const choices = [...screen.element.querySelectorAll<HTMLElement>("#report-beside-list [data-record-id]")];
    expect(choices.map((c) => c.dataset["recordId"])).toEqual(["rep-2", "rep-1"]);
    expect(choices[0]?.textContent).toContain("2024-03-20 · MDT outcome · Hepatobiliary MDT outcome");
    expect(choices[0]?.textContent).toContain("Status: Preliminary");
    expect(choices[1]?.textContent).toContain("Status: Final");
    expect(choices[0]?.getAttribute("aria-current")).toBe("true");
    choices[1]?.click();
    await vi.waitFor(() => expect(shownText(screen)).toContain("Liver lesion in segment VI."));
    expect(openReport).toHaveBeenLastCalledWith("rep-1");
    expect(choices[1]?.getAttribute("aria-current")).toBe("true");
    expect(choices[0]?.hasAttribute("aria-current")).toBe(false);
    expect(find(screen, "#report-beside #report-status").textContent).toContain("Status: Final");
  });

  it("says when the report could not be opened", async () => {
    const { screen } = await open([recordOf({ id: "missing", kind: "diagnosticReport", linkedStudyId: "now" })]);
    find(screen, "[data-action=report-beside]").click();
    await vi.waitFor(() => expect(find(screen, "#report-beside [role=alert]").textContent).toBe("The report could not be fetched."));
  });

  it("drops a report that arrives after the panel closed", async () => {
    let answer: (report: ReportView) => void = () => {};
    const { screen } = await open([mdt], vi.fn(() => new Promise<ReportView>((resolve) => (answer = resolve))));
    find(screen, "[data-action=report-beside]").click();
    const opened = panel(screen);
    find(screen, "[data-action=report-beside-close]").click();
    answer(texts["rep-2"] ?? reportOf());
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(panel(screen)).toBeNull();
    expect(opened?.textContent).not.toContain("Likely haemangioma.");
  });

  it("gives way to a report held in the study, and takes its place again", async () => {
    const { screen } = await open([mdt]);
    await openPanel(screen, "Likely haemangioma.");
    find(screen, ".series-item[data-document=sr] button").click();
    await vi.waitFor(() => expect(screen.element.querySelector(".study-document")).not.toBeNull());
    expect(panel(screen)).toBeNull();
    expect(screen.element.querySelectorAll("#report")).toHaveLength(1);
    await openPanel(screen, "Likely haemangioma.");
    expect(screen.element.querySelector(".study-document")).toBeNull();
    expect(find<HTMLElement>(screen, "#viewport-grid").hidden).toBe(false);
  });

  it("goes with the study, and with the patient, closed", async () => {
    let answer: (report: ReportView) => void = () => {};
    const { screen } = await open([mdt], vi.fn(() => new Promise<ReportView>((resolve) => (answer = resolve))));
    const state = new StudyState();
    state.hold(screen);
    find(screen, "[data-action=report-beside]").click();
    const opened = panel(screen);
    // Closing the patient resets the study held, as closing the study destroys it.
    state.reset();
    answer(texts["rep-2"] ?? reportOf());
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.querySelector("#report-beside")).toBeNull();
    expect(opened?.isConnected).toBe(false);
    expect(opened?.textContent).not.toContain("Likely haemangioma.");
  });
});

describe("the report panel's layout", () => {
  it("takes at most 40% of the width at any text size, wrapping its text and scrolling only down", () => {
    document.head.innerHTML = `<style>${css}</style>`;
    document.documentElement.style.fontSize = "200%";
    document.body.innerHTML = `<div class="study-body"><div class="viewport-grid"></div><aside class="report-beside"><header class="report-beside-header"></header></aside></div>`;
    const aside = document.querySelector(".report-beside");
    const header = document.querySelector(".report-beside-header");
    if (!aside || !header) throw new Error("no panel");
    const style = getComputedStyle(aside);
    expect(style.flexBasis.replace(/\s/g, "")).toBe("min(32rem,40%)");
    expect(style.flexShrink).toBe("0");
    expect(parseFloat(style.minWidth)).toBe(0);
    expect(style.overflowY).toBe("auto");
    expect(style.overflowX).toBe("hidden");
    expect(style.overflowWrap).toBe("anywhere");
    expect(getComputedStyle(header).flexWrap).toBe("wrap");
    document.documentElement.style.fontSize = "";
  });
});
