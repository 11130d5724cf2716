// The imaging history: a timeline grouped by date, newest first, each row with record
// type, modality, description, provider and care setting, under a filter row. Empty and
// error states say in plain words what happened, and a history the launch narrowed to a
// period says so with a way to see everything.
import { type HistoryFilter, NO_FILTER, choicesOf, filterRecords } from "../domain/historyFilter";
import type { HistoryRecordView, HistoryView } from "../ipc/backend";
import { el } from "./dom";
import { renderFilterRow } from "./historyFilters";
import { renderNetworkStrip } from "./networkStrip";
import { KIND_ICON, KIND_LABEL } from "./recordKind";
import { renderStatus } from "./reportStatus";

export interface HistoryHandlers {
  onOpenStudy(record: HistoryRecordView): void;
  onOpenReport(record: HistoryRecordView): void;
  /** Looks the patient up again over the whole history (offered when `period` is given). */
  onShowAll?(): void;
}

/** The dates a launch asked for (either may be open). */
export interface LaunchPeriod {
  from: string | null;
  to: string | null;
}

// The filter of each history on screen, kept while the clinician opens a study and comes
// back; a new look-up is a new history and starts unfiltered.
const filters = new WeakMap<HistoryView, HistoryFilter>();

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
  const status = renderStatus(record.status);
  if (status) row.append(el("span", { class: "row-status" }, status));
  if (record.unopenableReason) {
    row.append(el("span", { class: "row-unopenable" }, `Cannot be opened: ${record.unopenableReason}`));
  }
  if (record.linkedStudyId && record.kind !== "imagingStudy") {
    row.append(el("span", { class: "row-linked" }, "linked to a study"));
  }
  return row;
}

function describePeriod(period: LaunchPeriod): string {
  if (period.from && period.to) return `from ${period.from} to ${period.to}`;
  if (period.from) return `from ${period.from} onwards`;
  return `up to ${period.to ?? ""}`;
}

/** The notice that the launch asked for a period only, with "Show all". */
function renderPeriodNotice(period: LaunchPeriod, onShowAll: (() => void) | undefined): HTMLElement {
  const notice = el(
    "div",
    { class: "period-notice", id: "period-notice", role: "note" },
    el("strong", {}, "Period limited by the launch: "),
    `only records ${describePeriod(period)} were asked for. Older or newer imaging is not listed.`,
  );
  if (onShowAll) {
    const all = el("button", { type: "button", id: "period-show-all" }, "Show all");
    all.addEventListener("click", onShowAll);
    notice.append(" ", all);
  }
  return notice;
}

function renderRecords(records: HistoryRecordView[], handlers: HistoryHandlers): HTMLElement[] {
  if (records.length === 0) return [el("p", { class: "empty-state", id: "history-none-match" }, "No records match the filters.")];
  return groupByMonth(records).flatMap(([month, group]) => {
    const list = el("ul", { class: "history-group" });
    for (const record of group) list.append(renderRow(record, handlers));
    return [el("h3", { class: "history-month" }, month), list];
  });
}

export function renderHistory(history: HistoryView, handlers: HistoryHandlers, period: LaunchPeriod | null = null): HTMLElement {
  const section = el("section", { class: "history", id: "history" }, renderNetworkStrip(history));
  if (period && (period.from || period.to)) section.append(renderPeriodNotice(period, handlers.onShowAll));
  if (history.records.length === 0) {
    const text = history.complete
      ? "No imaging records were found for this patient in any network."
      : "No imaging records were found in the networks that answered. Some networks did not answer, so records may exist: try again later.";
    section.append(el("p", { class: "empty-state", id: "history-empty" }, text));
    return section;
  }
  const list = el("div", { class: "history-list", id: "history-list" });
  const show = (filter: HistoryFilter): void => {
    filters.set(history, filter);
    const shown = filterRecords(history.records, filter);
    list.replaceChildren(...renderRecords(shown, handlers));
    row.setCount(shown.length, history.records.length);
  };
  const row = renderFilterRow(choicesOf(history.records), filters.get(history) ?? NO_FILTER, show);
  section.append(row.element, list);
  show(filters.get(history) ?? NO_FILTER);
  return section;
}
