// The one interface between the UI and the Rust side. Components depend on this, never on
// Tauri directly, so tests can hand them a fake backend. The types mirror the JSON the
// Rust commands return (camelCase).

export interface AppInfo {
  training: boolean;
  version: string;
  /** Why the managed configuration is refused; when any, nothing else is available. */
  configurationProblems: string[];
}

/** A failed command, as the Rust side reports it: a stable code and a safe message. */
export class BackendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

/**
 * Answers the backend gives when the page has moved on (a newer look-up, another patient, a
 * lock): the page already shows what is current, so they are not shown as errors.
 */
export function isOvertaken(error: unknown): boolean {
  return hasCode(error, "lookup-superseded", "patient-changed");
}

/**
 * Answers that mean the clinician is no longer signed in (the session locked or ended, or
 * the registry no longer accepts its token): the UI checks the session at once rather than
 * at its next look.
 */
export function isSessionEnded(error: unknown): boolean {
  return hasCode(error, "not-signed-in", "auth-not-signed-in", "token-expired");
}

/** Answers to a close that mean there was nothing left to close: the wipe has happened. */
export function isAlreadyClosed(error: unknown): boolean {
  return hasCode(error, "study-closed", "no-patient", "patient-closed", "patient-changed");
}

/** The message a failure shows: the backend's own, or `fallback` for anything else. */
export function messageOf(error: unknown, fallback = "Something went wrong inside the viewer. Try again."): string {
  return error instanceof BackendError ? error.message : fallback;
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof BackendError && codes.includes(error.code);
}

export type RecordKind = "imagingStudy" | "diagnosticReport" | "mdtOutcome" | "carePlan";

/** A report's status: FHIR DiagnosticReport.status or DocumentReference.docStatus, camelCase. */
export type DocumentStatus =
  | "registered"
  | "partial"
  | "preliminary"
  | "final"
  | "amended"
  | "corrected"
  | "appended"
  | "cancelled"
  | "enteredInError"
  | "unknown";

export interface HistoryRecordView {
  id: string;
  kind: RecordKind;
  date: string | null;
  modality: string | null;
  description: string;
  /** Where a report stands, when the pointer says. */
  status: DocumentStatus | null;
  providerName: string;
  providerOds: string;
  /** The network that listed the record, when the answer names a known one. */
  network: string | null;
  careSetting: string | null;
  openable: boolean;
  /** Why the record cannot be opened, when the registry's entry is incomplete. */
  unopenableReason: string | null;
  linkedStudyId: string | null;
}

export type NetworkState =
  | "answered"
  | "noRecords"
  | "unavailable"
  | "timedOut"
  | "accessDenied"
  | "rateLimited"
  | "error";

export interface NetworkView {
  name: string;
  state: NetworkState;
  reason: string;
}

export interface PatientView {
  nhsNumber: string;
  name: string | null;
  birthDate: string | null;
  sex: string | null;
}

/** What the images say about who they show: the banner's contents and any disagreement. */
export interface IdentityView {
  patient: PatientView;
  mismatch: string | null;
  studiesChecked: number;
}

export interface HistoryView {
  patient: PatientView;
  records: HistoryRecordView[];
  networks: NetworkView[];
  complete: boolean;
  summary: string;
}

export interface WindowPreset {
  name: string;
  center: number;
  width: number;
}

export interface SeriesView {
  key: string;
  number: number | null;
  description: string;
  modality: string;
  instanceCount: number;
  rows: number;
  columns: number;
  pixelSpacing: [number, number] | null;
  /**
   * Which attribute `pixelSpacing` came from: Pixel Spacing (0028,0030), in the patient, or
   * Imager Pixel Spacing (0018,1164), at the detector of a projection radiograph. Absent
   * when the backend does not say, which is read as Pixel Spacing.
   */
  pixelSpacingSource?: "pixelSpacing" | "imagerPixelSpacing";
  presets: WindowPreset[];
  frameOfReference: string | null;
  /** Unit slice normal (row × column cosines), so only series in the same plane scroll together. */
  sliceNormal: [number, number, number] | null;
  /** Each image's position along `sliceNormal` (mm), for synchronised scrolling. */
  slicePositions: (number | null)[];
  /** "pdf" or "sr" when the series holds a report rather than images. */
  document: "pdf" | "sr" | null;
}

export interface StudyView {
  key: string;
  recordId: string;
  description: string;
  date: string | null;
  series: SeriesView[];
  warnings: string[];
  demographicsMismatch: string | null;
  /** The banner after this study's images were read. */
  identity: IdentityView | null;
}

export interface StudyProgress {
  studyKey: string;
  seriesKey: string;
  loaded: number;
  total: number;
  done: boolean;
  error: string | null;
  /** Verification warnings, on the final event. */
  warnings: string[];
  /** Which identifier tied the images to the NHS number, when not (only) Patient ID; final event. */
  identityNote: string | null;
}

export interface UserView {
  name: string | null;
  role: string;
  ods: string | null;
}

export interface SessionStateView {
  state: "signedOut" | "signingIn" | "signedIn" | "locked";
  reason: string | null;
  /** Who is signed in, when signed in. */
  user: UserView | null;
}

export interface LaunchView {
  nhsNumber: string;
  from: string | null;
  to: string | null;
  /** Ask before opening: no signed context bound to this clinician names the patient. */
  needsConfirmation: boolean;
}

export interface ReportView {
  recordId: string;
  title: string;
  date: string | null;
  author: string | null;
  /** The report's status, from the report itself or else its pointer. */
  status: DocumentStatus | null;
  text: string;
  pdfUrl: string | null;
}

/** Pixels of one image, as the pixel endpoint sends them. */
export interface FramePixels {
  rows: number;
  columns: number;
  format: "u16" | "i16" | "u8" | "rgb8";
  slope: number;
  intercept: number;
  windowCenter: number;
  windowWidth: number;
  invert: boolean;
  instanceNumber: number | null;
  sliceLocation: number | null;
  position: [number, number, number] | null;
  orientation: [number, number, number, number, number, number] | null;
  /**
   * VOI LUT Function (0028,1056) of the image's windows (DICOM PS3.3 C.11.2.1.2/3); absent
   * means LINEAR.
   */
  voiFunction?: VoiFunction;
  /** The image's VOI LUT Sequence table (PS3.3 C.11.2.1.1), when it has one. */
  voiLut?: VoiLut | null;
  data: ArrayBuffer;
}

export type VoiFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

/** A VOI LUT Sequence table: modality values from `firstMapped` on, outputs `bits` wide. */
export interface VoiLut {
  firstMapped: number;
  bits: number;
  entries: Uint16Array;
}

/** A FHIR coding, as AuditEvent resources carry them. */
export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

/** The parts of a FHIR AuditEvent the training panel shows. */
export interface AuditEventResource {
  resourceType: "AuditEvent";
  id: string;
  recorded: string;
  action?: string;
  outcome?: string;
  type?: Coding;
  subtype?: Coding[];
  entity?: {
    what?: { identifier?: { system?: string; value?: string }; display?: string };
    type?: Coding;
    role?: Coding;
    detail?: { type: string; valueString?: string }[];
  }[];
}

export interface Histogram {
  count: number;
  sumMs: number;
  maxMs: number;
  buckets: number[];
}

/** One metrics series: a registry, an imaging network or an imaging service. */
export interface SeriesSnapshot {
  stage: "discovery" | "network" | "retrieval";
  target: string;
  requests: number;
  errors: number;
  retries: number;
  bytes: number;
  latency: Histogram;
  firstImage: Histogram;
}

export interface ExportStatus {
  collector: string | null;
  sent: number;
  failed: number;
  lastError: string | null;
}

export interface DiagnosticsView {
  version: string;
  metrics: { startUnixNanos: number; nowUnixNanos: number; series: SeriesSnapshot[] };
  export: ExportStatus | null;
}

export interface LookupRequest {
  nhsNumber: string;
  from?: string;
  to?: string;
}

export interface Backend {
  appInfo(): Promise<AppInfo>;
  validateNhsNumber(input: string): Promise<string>;
  lookup(request: LookupRequest): Promise<HistoryView>;
  openStudy(recordId: string): Promise<StudyView>;
  frame(studyKey: string, seriesKey: string, index: number): Promise<FramePixels>;
  closeStudy(studyKey: string): Promise<void>;
  openReport(recordId: string): Promise<ReportView>;
  openStudyDocument(studyKey: string, seriesKey: string): Promise<ReportView>;
  confirmIdentity(): Promise<IdentityView>;
  closePatient(): Promise<void>;
  takeLaunch(): Promise<LaunchView | null>;
  /**
   * Ends this page's web content process and starts the page afresh in a new one, so that
   * nothing the page held survives in memory; the new page opens `thenOpen` if given.
   */
  restartPage(thenOpen?: LaunchView): Promise<void>;
  signIn(): Promise<UserView>;
  signOut(): Promise<void>;
  sessionState(): Promise<SessionStateView>;
  touch(): Promise<void>;
  /** Training mode only: the session's AuditEvents, oldest first, instead of sending them. */
  auditEvents(): Promise<AuditEventResource[]>;
  /** Metrics of this run (no patient data) and how their export is going. */
  diagnostics(): Promise<DiagnosticsView>;
  onLaunchPending(listener: () => void): Promise<() => void>;
  onStudyProgress(listener: (progress: StudyProgress) => void): Promise<() => void>;
  /** The session locked or ended (idle, sleep, card removed, sign-out): read its state. */
  onSessionChanged(listener: () => void): Promise<() => void>;
}
