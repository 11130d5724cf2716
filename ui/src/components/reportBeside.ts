// The reports of the open study, shown in a panel beside its viewports: the diagnostic
// reports and MDT outcomes whose record names the study (`linkedStudyId`), newest first. The
// newest opens at once; with several, a list above it opens any other. The report itself is
// drawn as everywhere else (./reportView), its status marked at the top when not final
// (./reportStatus). Esc pressed anywhere in the panel closes the panel and nothing else; a
// report that arrives after the panel closed, or after another was asked for, is dropped.
import { BackendError, type HistoryRecordView, type ReportView } from "../ipc/backend";
import { el } from "./dom";
import { KIND_LABEL } from "./recordKind";
import { renderReport } from "./reportView";
import { renderStatus } from "./reportStatus";

export interface ReportBesideHandlers {
  /** Fetches a report record (the open-report command). */
  open(recordId: string): Promise<ReportView>;
  /** The panel asks to be closed (its button, or Esc inside it). */
  onClose(): void;
}

/** The records that report `studyRecordId`, newest first (undated last), for the panel. */
export function reportsOfStudy(records: HistoryRecordView[], studyRecordId: string): HistoryRecordView[] {
  return records
    .filter((r) => (r.kind === "diagnosticReport" || r.kind === "mdtOutcome") && r.linkedStudyId === studyRecordId && r.openable)
    .map((record, order) => ({ record, order }))
    .sort((a, b) => (b.record.date ?? "").localeCompare(a.record.date ?? "") || a.order - b.order)
    .map(({ record }) => record);
}

export class ReportBeside {
  readonly element: HTMLElement;
  private readonly content: HTMLElement;
  private readonly list: HTMLElement | null;
  /** Counts the reports asked for: only the answer to the latest is shown. */
  private asked = 0;

  constructor(
    private readonly records: HistoryRecordView[],
    private readonly handlers: ReportBesideHandlers,
  ) {
    const close = el("button", { class: "secondary", id: "report-beside-close", "data-action": "report-beside-close", title: "Close the report panel (Esc)" }, "Close report");
    close.addEventListener("click", () => handlers.onClose());
    this.content = el("div", { class: "report-beside-content", id: "report-beside-content" });
    this.list = records.length > 1 ? el("ol", { class: "report-beside-list", id: "report-beside-list", "aria-label": "Reports of this study, newest first" }) : null;
    records.forEach((record) => {
      const status = renderStatus(record.status);
      const button = el(
        "button",
        { class: "report-beside-choice", "data-record-id": record.id },
        el("span", {}, `${record.date ?? "undated"} · ${KIND_LABEL[record.kind]} · ${record.description}`),
        ...(status ? [" ", status] : []),
      );
      button.addEventListener("click", () => void this.show(record.id));
      this.list?.append(el("li", {}, button));
    });
    const heading = records.length > 1 ? `Reports of this study (${records.length})` : "Report of this study";
    this.element = el(
      "aside",
      { class: "report-beside", id: "report-beside", "aria-labelledby": "report-beside-heading", tabindex: "-1" },
      el("header", { class: "report-beside-header" }, el("h2", { id: "report-beside-heading" }, heading), close),
      ...(this.list ? [this.list] : []),
      this.content,
    );
    this.element.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      // The panel's own: the study around it must not close.
      event.preventDefault();
      event.stopPropagation();
      handlers.onClose();
    });
  }

  /** Shows the report `recordId`, by default the newest. */
  async show(recordId = this.records[0]?.id ?? ""): Promise<void> {
    const asked = ++this.asked;
    for (const choice of this.list?.querySelectorAll<HTMLElement>("[data-record-id]") ?? []) {
      if (choice.dataset["recordId"] === recordId) choice.setAttribute("aria-current", "true");
      else choice.removeAttribute("aria-current");
    }
    this.content.replaceChildren(el("p", { class: "report-beside-loading", role: "status" }, "Opening the report…"));
    let shown: HTMLElement;
    try {
      const report = await this.handlers.open(recordId);
      shown = renderReport(report, () => this.handlers.onClose());
      // The panel has its own close button; the report's would be a second one.
      shown.querySelector("#close-report")?.remove();
      shown.dataset["recordId"] = recordId;
    } catch (error) {
      const message = error instanceof BackendError ? error.message : "The report could not be opened.";
      shown = el("p", { class: "error", role: "alert" }, message);
    }
    if (asked === this.asked) this.content.replaceChildren(shown);
  }

  /** Drops the report shown and any on its way. */
  dispose(): void {
    this.asked++;
    this.content.replaceChildren();
    this.element.remove();
  }
}
