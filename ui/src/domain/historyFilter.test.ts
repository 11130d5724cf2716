import { describe, expect, it } from "vitest";
import type { HistoryRecordView } from "../ipc/backend";
import { NO_FILTER, choicesOf, filterRecords, isFiltering, matches } from "./historyFilter";

const record = (overrides: Partial<HistoryRecordView>): HistoryRecordView => ({
  id: "r",
  kind: "imagingStudy",
  date: "2024-03-01",
  modality: "CT",
  description: "CT chest abdomen pelvis",
  status: null,
  providerName: "Royal Example Hospital",
  providerOds: "RX1",
  network: "North Imaging Network",
  careSetting: null,
  openable: true,
  unopenableReason: null,
  linkedStudyId: null,
  ...overrides,
});

const records = [
  record({ id: "ct", date: "2024-03-01" }),
  record({ id: "mr", modality: "MR", description: "MR head", date: "2021-06-10", network: "South Imaging Network", providerName: "Southtown General", providerOds: "RS2" }),
  record({ id: "report", kind: "diagnosticReport", modality: null, description: "CT chest report", date: "2024-03-02" }),
  record({ id: "plan", kind: "carePlan", modality: null, description: "Surveillance plan", date: null, network: null }),
];
const ids = (filter: Partial<typeof NO_FILTER>): string[] => filterRecords(records, { ...NO_FILTER, ...filter }).map((r) => r.id);

describe("history filter", () => {
  it("passes everything when nothing is chosen", () => {
    expect(ids({})).toEqual(["ct", "mr", "report", "plan"]);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, text: "   " })).toBe(false);
    expect(isFiltering({ ...NO_FILTER, modality: "CT" })).toBe(true);
  });

  it("filters by record type, modality and network", () => {
    expect(ids({ kind: "diagnosticReport" })).toEqual(["report"]);
    expect(ids({ modality: "MR" })).toEqual(["mr"]);
    expect(ids({ network: "North Imaging Network" })).toEqual(["ct", "report"]);
    expect(ids({ kind: "imagingStudy", network: "North Imaging Network" })).toEqual(["ct"]);
  });

  it("filters by an inclusive date range and keeps undated records", () => {
    expect(ids({ from: "2024-03-02" })).toEqual(["report", "plan"]);
    expect(ids({ to: "2024-03-01" })).toEqual(["ct", "mr", "plan"]);
    expect(ids({ from: "2022-01-01", to: "2024-03-01" })).toEqual(["ct", "plan"]);
  });

  it("searches every word in the description and provider, in any case", () => {
    expect(ids({ text: "chest" })).toEqual(["ct", "report"]);
    expect(ids({ text: "CHEST report" })).toEqual(["report"]);
    expect(ids({ text: "southtown" })).toEqual(["mr"]);
    expect(ids({ text: "rs2" })).toEqual(["mr"]);
    expect(ids({ text: "  head   southtown " })).toEqual(["mr"]);
    expect(ids({ text: "knee" })).toEqual([]);
    expect(matches(record({}), { ...NO_FILTER, text: "" })).toBe(true);
  });

  it("offers only the values the records have, sorted", () => {
    expect(choicesOf(records)).toEqual({
      kinds: ["imagingStudy", "diagnosticReport", "carePlan"],
      modalities: ["CT", "MR"],
      networks: ["North Imaging Network", "South Imaging Network"],
    });
  });
});
