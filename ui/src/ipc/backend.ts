// The one interface between the UI and the Rust side. Components depend on this, never on
// Tauri directly, so tests can hand them a fake backend. Every command is declared once, in
// `commandsOver`, over an injected `call`: Tauri's invoke in the window (tauri.ts), a table
// of handlers in tests (fakeBackend.ts), so adding a command touches only this file on the
// UI side. The JSON types come from the Rust ones (generated.ts, `make ipc-types`).
import type {
  AppInfo,
  ChosenPatientRequest,
  CommandError,
  DiagnosticsView,
  ErrorCode,
  HistoryView,
  IdentityView,
  KeyImagesView,
  LaunchView,
  PresentationStatesView,
  ReportView,
  ScrollDirectionView,
  SessionStateView,
  StudyProgressView,
  StudyView,
  UserView,
} from "./generated";

export type * from "./generated";

/** Codes the UI gives failures that never reached a command's answer. */
export type UiErrorCode =
  /** Something other than a command's error came back (a bug, or the bridge failed). */
  | "internal"
  /** The pixel scheme did not answer an image. */
  | "frame-unavailable"
  /** A test called a command its fake backend was not given. */
  | "not-faked";

export type BackendErrorCode = ErrorCode | UiErrorCode;

/** A failed command, as the Rust side reports it: a stable code and a safe message. */
export class BackendError extends Error {
  constructor(
    readonly code: BackendErrorCode,
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

function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)["code"] === "string" &&
    typeof (value as Record<string, unknown>)["message"] === "string"
  );
}

/**
 * A command's failure as the UI handles it: the backend's code and message when it sent a
 * `CommandError`, else "internal" (nothing of what was thrown is shown).
 */
export function backendErrorOf(error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  if (isCommandError(error)) return new BackendError(error.code, error.message);
  return new BackendError("internal", "Something went wrong inside the viewer.");
}

/** The message a failure shows: the backend's own, or `fallback` for anything else. */
export function messageOf(error: unknown, fallback = "Something went wrong inside the viewer. Try again."): string {
  return error instanceof BackendError ? error.message : fallback;
}

function hasCode(error: unknown, ...codes: BackendErrorCode[]): boolean {
  return error instanceof BackendError && codes.includes(error.code);
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

/**
 * The parts of a FHIR AuditEvent the training panel shows. The backend sends the resources
 * as it would send them to the audit service (untyped JSON on the Rust side), so this
 * shape is the FHIR one, not generated.
 */
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

/** The period of a look-up; absent dates leave it open. */
export interface LookupRequest {
  nhsNumber: string;
  from?: string;
  to?: string;
}

/**
 * How a command reaches the Rust side: its name (the Rust function's) and its arguments
 * (camelCase, as Tauri passes them), answering the command's JSON or throwing its
 * `CommandError`.
 */
export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/**
 * Every command, once: the method is the command's name in camelCase (`open_study` is
 * `openStudy`), which the fake backend relies on (backend.test.ts checks it). A new
 * command is its function in src-tauri/src/commands/<area>.rs, its line in the list in
 * src-tauri/src/commands/mod.rs, and its line here.
 */
export function commandsOver(call: Call) {
  const done = async (answer: Promise<null>): Promise<void> => {
    await answer;
  };
  return {
    appInfo: () => call<AppInfo>("app_info"),
    validateNhsNumber: (input: string) => call<string>("validate_nhs_number", { input }),
    lookup: (request: LookupRequest) => call<HistoryView>("lookup", { nhsNumber: request.nhsNumber, from: request.from ?? null, to: request.to ?? null }),
    openStudy: (recordId: string) => call<StudyView>("open_study", { recordId }),
    closeStudy: (studyKey: string) => done(call("close_study", { studyKey })),
    /** Tells the study's retrieval what is on screen, so a window around it is fetched next. */
    focusStudy: (studyKey: string, seriesKey: string, index: number, direction: ScrollDirectionView) =>
      done(call("focus_study", { studyKey, seriesKey, index, direction })),
    openReport: (recordId: string) => call<ReportView>("open_report", { recordId }),
    openStudyDocument: (studyKey: string, seriesKey: string) => call<ReportView>("open_study_document", { studyKey, seriesKey }),
    presentationStates: (studyKey: string) => call<PresentationStatesView>("presentation_states", { studyKey }),
    studyKeyImages: (studyKey: string) => call<KeyImagesView>("study_key_images", { studyKey }),
    confirmIdentity: () => call<IdentityView>("confirm_identity"),
    closePatient: () => done(call("close_patient")),
    takeLaunch: () => call<LaunchView | null>("take_launch"),
    /**
     * Ends this page's web content process and starts the page afresh in a new one, so that
     * nothing the page held survives in memory; the new page opens `thenOpen` if given
     * (only the patient and period: the page that opens it has been told yes already).
     */
    restartPage: (thenOpen?: LaunchView) => {
      const chosen: ChosenPatientRequest | null = thenOpen ? { nhsNumber: thenOpen.nhsNumber, from: thenOpen.from, to: thenOpen.to } : null;
      return done(call("restart_page", { thenOpen: chosen }));
    },
    signIn: () => call<UserView>("sign_in"),
    signOut: () => done(call("sign_out")),
    sessionState: () => call<SessionStateView>("session_state"),
    touch: () => done(call("touch")),
    /** Training mode only: the session's AuditEvents, oldest first, instead of sending them. */
    auditEvents: () => call<AuditEventResource[]>("audit_events"),
    /** Metrics of this run (no patient data) and how their export is going. */
    diagnostics: () => call<DiagnosticsView>("diagnostics"),
  };
}

/** The commands, as components call them. */
export type Commands = ReturnType<typeof commandsOver>;

/** A command's method name: its Rust name in camelCase (`open_study` is `openStudy`). */
export function methodOf(command: string): string {
  return command.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The commands, and what is not a command: images over the pixel scheme, and events. */
export interface Backend extends Commands {
  frame(studyKey: string, seriesKey: string, index: number): Promise<FramePixels>;
  /** The first image of a study still opening, before its metadata: handed out once. */
  preview(recordId: string): Promise<FramePixels>;
  /** A study still opening (its record id) has a preview to fetch. */
  onStudyPreview(listener: (recordId: string) => void): Promise<() => void>;
  onLaunchPending(listener: () => void): Promise<() => void>;
  onStudyProgress(listener: (progress: StudyProgressView) => void): Promise<() => void>;
  /** The session locked or ended (idle, sleep, card removed, sign-out): read its state. */
  onSessionChanged(listener: () => void): Promise<() => void>;
}
