// The imaging history: a timeline grouped by date, newest first, each row with record
// type, modality, description, provider and care setting. Empty and error states say in
// plain words what happened.
import type { HistoryRecordView, HistoryView, RecordKind } from "../ipc/backend";
import { el } from "./dom";
import { renderNetworkStrip } from "./networkStrip";

export interface HistoryHandlers {
  onOpenStudy(record: HistoryRecordView): void;
  onOpenReport(record: HistoryRecordView): void;
}

const KIND_LABEL: Record<RecordKind, string> = {
  imagingStudy: "Imaging study",
  diagnosticReport: "Report",
  mdtOutcome: "MDT outcome",
  carePlan: "Care plan",
};

const KIND_ICON: Record<RecordKind, string> = {
  imagingStudy: "▣",
  diagnosticReport: "≣",
  mdtOutcome: "◎",
  carePlan: "✚",
};

/** Groups records by year-month for the timeline, newest first; undated last. */
export function groupByMonth(records: HistoryRecordView[]): [string, HistoryRecordView[]][] {
  const groups = new Map<string, HistoryRecordView[]>();
  const sorted = [...records].sort((a, b) => (b.date ?? "").localeCompare(a.date ?? ""));
  for (const record of sorted) {
    const key = record.date ? formatMonth(record.date) : "Date not recorded";
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  return [...groups.entries()];
}

function formatMonth(date: string): string {
  const [year, month] = date.split("-");
  const names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const name = names[Number(month) - 1];
  return name && year ? `${name} ${year}` : date;
}

function renderRow(record: HistoryRecordView, handlers: HistoryHandlers): HTMLElement {
  const open = el(
    "button",
    { class: "row-open", "data-record-id": record.id, "data-kind": record.kind },
    record.kind === "imagingStudy" ? "Open images" : "Read",
  );
  if (!record.openable) open.setAttribute("disabled", "");
  if (record.unopenableReason) open.setAttribute("title", `Cannot be opened: ${record.unopenableReason}`);
  open.addEventListener("click", () =>
    record.kind === "imagingStudy" ? handlers.onOpenStudy(record) : handlers.onOpenReport(record),
  );
  const row = el(
    "li",
    { class: `history-row kind-${record.kind}`, "data-record-id": record.id },
    el("span", { class: "kind-icon", "aria-hidden": "true" }, KIND_ICON[record.kind]),
    el("span", { class: "row-date" }, record.date ?? "—"),
    el("span", { class: "row-kind" }, KIND_LABEL[record.kind]),
    el("span", { class: "row-modality" }, record.modality ?? ""),
    el("span", { class: "row-description" }, record.description),
    el("span", { class: "row-provider" }, `${record.providerName} (${record.providerOds})${record.careSetting ? ` · ${record.careSetting}` : ""}`),
    open,
  );
  if (record.unopenableReason) {
    row.append(el("span", { class: "row-unopenable" }, `Cannot be opened: ${record.unopenableReason}`));
  }
  if (record.linkedStudyId && record.kind !== "imagingStudy") {
    row.append(el("span", { class: "row-linked" }, "linked to a study"));
  }
  return row;
}

export function renderHistory(history: HistoryView, handlers: HistoryHandlers): HTMLElement {
  const section = el("section", { class: "history", id: "history" }, renderNetworkStrip(history));
  if (history.records.length === 0) {
    const text = history.complete
      ? "No imaging records were found for this patient in any network."
      : "No imaging records were found in the networks that answered. Some networks did not answer, so records may exist: try again later.";
    section.append(el("p", { class: "empty-state", id: "history-empty" }, text));
    return section;
  }
  for (const [month, records] of groupByMonth(history.records)) {
    const list = el("ul", { class: "history-group" });
    for (const record of records) list.append(renderRow(record, handlers));
    section.append(el("h3", { class: "history-month" }, month), list);
  }
  return section;
}
