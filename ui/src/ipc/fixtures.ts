// Small made-up answers of the backend for tests: a history record, a history, a series, a
// study and a 2×2 frame, each with the fields a test does not care about filled in. Every
// patient here is synthetic (the NHS number is from the range set aside for testing).
import type { FramePixels, HistoryRecordView, HistoryView, ReportView, SeriesView, StudyView } from "./backend";

export const TEST_NHS_NUMBER = "9912003888";

export function recordOf(overrides: Partial<HistoryRecordView> = {}): HistoryRecordView {
  return {
    id: "2.999.1",
    kind: "imagingStudy",
    date: "2024-01-02",
    modality: "CT",
    description: "CT head",
    status: null,
    providerName: "North Imaging Network",
    providerOds: "X1",
    network: null,
    careSetting: null,
    openable: true,
    unopenableReason: null,
    linkedStudyId: null,
    ...overrides,
  };
}

export function historyOf(records: HistoryRecordView[], nhsNumber = "991 200 3888"): HistoryView {
  return { patient: { nhsNumber, name: null, birthDate: null, sex: null }, records, networks: [], complete: true, summary: "" };
}

export function seriesOf(key: string, overrides: Partial<SeriesView> = {}): SeriesView {
  return {
    key,
    number: 1,
    description: `Series ${key}`,
    modality: "CT",
    instanceCount: 1,
    rows: 2,
    columns: 2,
    pixelSpacing: [1, 1],
    presets: [],
    frameOfReference: null,
    sliceNormal: null,
    slicePositions: [],
    document: null,
    ...overrides,
  };
}

export function studyOf(overrides: Partial<StudyView> = {}): StudyView {
  return {
    key: "study-1",
    recordId: "2.999.1",
    description: "CT head",
    date: "2024-01-02",
    series: [seriesOf("0")],
    warnings: [],
    demographicsMismatch: null,
    identity: null,
    ...overrides,
  };
}

export function reportOf(overrides: Partial<ReportView> = {}): ReportView {
  return { recordId: "2.999.2", title: "CT head report", date: null, author: null, status: null, text: "No abnormality.", pdfUrl: null, format: "fhir", sections: [], ...overrides };
}

export function frameOf(overrides: Partial<FramePixels> = {}): FramePixels {
  return {
    rows: 2,
    columns: 2,
    format: "u16",
    slope: 1,
    intercept: 0,
    windowCenter: 40,
    windowWidth: 400,
    invert: false,
    instanceNumber: 1,
    sliceLocation: null,
    position: null,
    orientation: null,
    data: new Uint16Array([0, 1000, 2000, 4095]).buffer,
    ...overrides,
  };
}
