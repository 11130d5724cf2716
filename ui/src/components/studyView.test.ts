import { describe, expect, it, vi } from "vitest";
import type { Backend, ReportView, SeriesView, StudyProgress, StudyView } from "../ipc/backend";
import { StudyScreen } from "./studyView";

const series = (overrides: Partial<SeriesView>): SeriesView => ({
  key: "s1",
  number: 1,
  description: "Report",
  modality: "SR",
  instanceCount: 1,
  rows: 0,
  columns: 0,
  pixelSpacing: null,
  presets: [],
  frameOfReference: null,
  sliceNormal: null,
  slicePositions: [],
  document: "sr",
  ...overrides,
});

const study: StudyView = {
  key: "study-1",
  recordId: "2.999.1",
  description: "CT head",
  date: "2024-01-02",
  series: [series({})],
  warnings: [],
  demographicsMismatch: null,
  identity: null,
};

const report: ReportView = { recordId: "2.999.1", title: "Findings", date: null, author: null, status: null, text: "No abnormality.", pdfUrl: null };

async function openWithDocument(): Promise<{ screen: StudyScreen; onClose: ReturnType<typeof vi.fn> }> {
  const backend = { openStudyDocument: () => Promise.resolve(report) } as unknown as Backend;
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
    const done: StudyProgress = {
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
