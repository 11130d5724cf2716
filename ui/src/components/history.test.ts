import { describe, expect, it, vi } from "vitest";
import type { HistoryRecordView, HistoryView } from "../ipc/backend";
import { historyOf, recordOf } from "../ipc/fixtures";
import { renderHistory } from "./history";

/** A report record unless `overrides` say otherwise. */
const record = (overrides: Partial<HistoryRecordView>): HistoryRecordView =>
  recordOf({ kind: "diagnosticReport", modality: null, description: "CT head report", providerOds: "", ...overrides });

const history = (records: HistoryRecordView[]): HistoryView => historyOf(records);

const handlers = { onOpenStudy: () => {}, onOpenReport: () => {} };

describe("imaging history", () => {
  it("shows a record that cannot be opened, with the reason, and disables its button", () => {
    const reason = "the registry's entry gives no repository (repositoryUniqueId)";
    const section = renderHistory(
      history([record({ id: "a", openable: false, unopenableReason: reason }), record({ id: "b" })]),
      handlers,
    );
    const broken = section.querySelector('li[data-record-id="a"]');
    expect(broken?.querySelector(".row-unopenable")?.textContent).toBe(`Cannot be opened: ${reason}`);
    expect(broken?.querySelector("button")?.hasAttribute("disabled")).toBe(true);
    const fine = section.querySelector('li[data-record-id="b"]');
    expect(fine?.querySelector(".row-unopenable")).toBeNull();
    expect(fine?.querySelector("button")?.hasAttribute("disabled")).toBe(false);
  });
});

describe("report status in the history", () => {
  it("marks an amended report in its row and shows a final one quietly", () => {
    const section = renderHistory(
      history([record({ id: "a", status: "amended" }), record({ id: "f", status: "final" }), record({ id: "n" })]),
      handlers,
    );
    const amended = section.querySelector('li[data-record-id="a"] .report-status');
    expect(amended?.textContent).toBe("Status: Amended");
    expect(amended?.classList.contains("notable")).toBe(true);
    const final = section.querySelector('li[data-record-id="f"] .report-status');
    expect(final?.textContent).toBe("Status: Final");
    expect(final?.classList.contains("notable")).toBe(false);
    expect(section.querySelector('li[data-record-id="n"] .report-status')).toBeNull();
  });
});

const mixed = (): HistoryView =>
  history([
    record({ id: "ct", kind: "imagingStudy", modality: "CT", description: "CT chest", date: "2024-03-01", network: "North Imaging Network" }),
    record({ id: "mr", kind: "imagingStudy", modality: "MR", description: "MR head", date: "2020-05-01", network: "South Imaging Network" }),
    record({ id: "rep", description: "CT chest report", date: "2024-03-02", network: "North Imaging Network" }),
  ]);

const shownIds = (section: HTMLElement): string[] =>
  [...section.querySelectorAll<HTMLElement>("#history-list .history-row")].map((row) => row.dataset.recordId ?? "");

function find<T extends HTMLElement>(root: HTMLElement, id: string): T {
  const found = root.querySelector<T>(`#${id}`);
  if (!found) throw new Error(`no #${id}`);
  return found;
}

function change(control: HTMLInputElement | HTMLSelectElement, value: string, event = "change"): void {
  control.value = value;
  control.dispatchEvent(new Event(event, { bubbles: true }));
}

describe("history filters", () => {
  it("labels every control and offers the records' own values", () => {
    const section = renderHistory(mixed(), handlers);
    document.body.replaceChildren(section);
    const form = section.querySelector("#history-filters");
    expect(form?.getAttribute("role")).toBe("search");
    for (const id of ["filter-kind", "filter-modality", "filter-network", "filter-from", "filter-to", "filter-text"]) {
      const label = section.querySelector(`label[for="${id}"]`);
      expect(label?.textContent, id).toBeTruthy();
      expect(section.querySelector(`#${id}`)?.matches("select, input")).toBe(true);
    }
    const options = (id: string): string[] => [...section.querySelectorAll(`#${id} option`)].map((o) => o.textContent ?? "");
    expect(options("filter-kind")).toEqual(["All", "Imaging study", "Report"]);
    expect(options("filter-modality")).toEqual(["All", "CT", "MR"]);
    expect(options("filter-network")).toEqual(["All", "North Imaging Network", "South Imaging Network"]);
    expect(section.querySelector("#filter-count")?.textContent).toBe("Showing all 3 records");
    expect(section.querySelector<HTMLButtonElement>("#filter-clear")?.disabled).toBe(true);
  });

  it("narrows the list as controls change, counts what is shown and clears", () => {
    const section = renderHistory(mixed(), handlers);
    document.body.replaceChildren(section);
    change(find<HTMLSelectElement>(section, "filter-network"), "North Imaging Network");
    expect(shownIds(section)).toEqual(["rep", "ct"]);
    change(find<HTMLSelectElement>(section, "filter-kind"), "imagingStudy");
    expect(shownIds(section)).toEqual(["ct"]);
    expect(section.querySelector("#filter-count")?.textContent).toBe("Showing 1 of 3 records");
    change(find<HTMLInputElement>(section, "filter-text"), "head", "input");
    expect(shownIds(section)).toEqual([]);
    expect(section.querySelector("#history-none-match")?.textContent).toBe("No records match the filters.");
    const clear = find<HTMLButtonElement>(section, "filter-clear");
    expect(clear.disabled).toBe(false);
    clear.click();
    expect(shownIds(section)).toEqual(["rep", "ct", "mr"]);
    expect(section.querySelector<HTMLSelectElement>("#filter-network")?.value).toBe("");
    expect(document.activeElement?.id).toBe("filter-kind");
  });

  it("filters by a date range", () => {
    const section = renderHistory(mixed(), handlers);
    change(find<HTMLInputElement>(section, "filter-from"), "2021-01-01");
    expect(shownIds(section)).toEqual(["rep", "ct"]);
    change(find<HTMLInputElement>(section, "filter-to"), "2024-03-01");
    expect(shownIds(section)).toEqual(["ct"]);
  });

  it("keeps the filter when the same history is shown again, not for a new look-up", () => {
    const view = mixed();
    const first = renderHistory(view, handlers);
    change(find<HTMLSelectElement>(first, "filter-modality"), "MR");
    const again = renderHistory(view, handlers);
    expect(shownIds(again)).toEqual(["mr"]);
    expect(again.querySelector<HTMLSelectElement>("#filter-modality")?.value).toBe("MR");
    expect(shownIds(renderHistory(mixed(), handlers))).toEqual(["rep", "ct", "mr"]);
  });
});

describe("a period limited by the launch", () => {
  it("says so, names the dates and offers to show all", () => {
    const onShowAll = vi.fn();
    const section = renderHistory(mixed(), { ...handlers, onShowAll }, { from: "2023-01-01", to: "2024-12-31" });
    const notice = section.querySelector("#period-notice");
    expect(notice?.textContent).toContain("Period limited by the launch");
    expect(notice?.textContent).toContain("from 2023-01-01 to 2024-12-31");
    section.querySelector<HTMLButtonElement>("#period-show-all")?.click();
    expect(onShowAll).toHaveBeenCalledTimes(1);
  });

  it("says so even when the period holds no records, and with one end open", () => {
    const section = renderHistory(history([]), handlers, { from: "2024-01-01", to: null });
    expect(section.querySelector("#period-notice")?.textContent).toContain("from 2024-01-01 onwards");
    expect(section.querySelector("#history-empty")).not.toBeNull();
  });

  it("is absent when the whole history was asked for", () => {
    expect(renderHistory(mixed(), handlers).querySelector("#period-notice")).toBeNull();
    expect(renderHistory(mixed(), handlers, { from: null, to: null }).querySelector("#period-notice")).toBeNull();
  });
});
