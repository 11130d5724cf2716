import { describe, expect, it } from "vitest";
import type { HistoryRecordView, HistoryView } from "../ipc/backend";
import { renderHistory } from "./history";

const record = (overrides: Partial<HistoryRecordView>): HistoryRecordView => ({
  id: "2.999.1",
  kind: "diagnosticReport",
  date: "2024-01-02",
  modality: null,
  description: "CT head report",
  providerName: "North Imaging Network",
  providerOds: "",
  careSetting: null,
  openable: true,
  unopenableReason: null,
  linkedStudyId: null,
  ...overrides,
});

const history = (records: HistoryRecordView[]): HistoryView => ({
  patient: { nhsNumber: "991 200 3888", name: null, birthDate: null, sex: null },
  records,
  networks: [],
  complete: true,
  summary: "",
});

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
