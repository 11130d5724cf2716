// Small made-up answers of the backend for tests: a history record, a history, a series, a
// study, its key images, a 2×2 frame and a presentation state, each with the fields a test
// does not care about filled in. Every patient here is synthetic (the NHS number is from the
// range set aside for testing).
import type { FramePixels, HistoryRecordView, HistoryView, KeyImagesView, PresentationStateView, ReportView, SeriesView, StudyView } from "./backend";

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
    imageSpacing: [],
    ultrasoundRegions: [],
    ultrasoundRegionsDiffer: false,
    ...overrides,
  };
}

/**
 * An ultrasound cine as the sandbox's liver Doppler study sends it: 240 × 320, 12 frames,
 * no Pixel Spacing, a 2D tissue region in cm over rows 0–179 (0.05 cm a pixel) and a PW
 * spectral Doppler region (seconds × cm/s) over rows 180–239 (DICOM PS3.3 C.8.5.5).
 */
export function ultrasoundCine(overrides: Partial<SeriesView> = {}): SeriesView {
  return seriesOf("0", {
    description: "Liver colour Doppler cine",
    modality: "US",
    instanceCount: 12,
    rows: 240,
    columns: 320,
    pixelSpacing: null,
    ultrasoundRegions: [
      { bounds: [0, 0, 319, 179], spatialFormat: 1, dataType: 1, units: [3, 3], spacing: [0.5, 0.5], kind: "2D tissue" },
      { bounds: [0, 180, 319, 239], spatialFormat: 3, dataType: 3, units: [4, 7], spacing: null, kind: "PW spectral Doppler" },
    ],
    ...overrides,
  });
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

/** A presentation state "FRACTURE" (key "1/0") on image 0 of series "0", with a window and nothing drawn. */
export function presentationStateOf(overrides: Partial<PresentationStateView> = {}): PresentationStateView {
  return {
    key: "1/0",
    label: "FRACTURE",
    description: "Fracture marked",
    creator: "Radiologist, Training",
    date: "2021-09-20",
    images: [{ seriesKey: "0", index: 0, window: { name: "Presentation state FRACTURE", center: 1800, width: 1200 }, texts: [], graphics: [] }],
    notes: [],
    ...overrides,
  };
}

/** One "Of Interest" key image set (in series `documentKey`) flagging `images` of series "0". */
export function keyImagesOf(images: number[], overrides: Partial<KeyImagesView> = {}, documentKey = "1"): KeyImagesView {
  return {
    sets: [{ seriesKey: documentKey, title: "Of Interest", description: "Liver lesion", images: images.map((index) => ({ seriesKey: "0", index })) }],
    warnings: [],
    ...overrides,
  };
}
