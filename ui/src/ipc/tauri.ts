// The Tauri implementation of the backend: the only file that imports @tauri-apps.
// Commands answer JSON; pixels come over the `nirpx` scheme as raw bytes with their
// geometry in response headers, never as JSON arrays or base64.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import {
  type AppInfo,
  type AuditEventResource,
  type DiagnosticsView,
  type Backend,
  BackendError,
  type FramePixels,
  type HistoryView,
  type IdentityView,
  type LaunchView,
  type SessionStateView,
  type UserView,
  type ReportView,
  type StudyProgress,
  type StudyView,
} from "./backend";
import { parseFrameHeaders, splitFrameBody } from "./frameHeaders";

interface CommandErrorPayload {
  code: string;
  message: string;
}

function isCommandError(value: unknown): value is CommandErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)["code"] === "string" &&
    typeof (value as Record<string, unknown>)["message"] === "string"
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error: unknown) {
    if (isCommandError(error)) throw new BackendError(error.code, error.message);
    throw new BackendError("internal", "Something went wrong inside the viewer.");
  }
}

/** The pixel scheme's origin as WebKitGTK and WebView2 spell it. */
function pixelOrigin(): string {
  return navigator.userAgent.includes("Windows") ? "http://nirpx.localhost" : "nirpx://localhost";
}

async function fetchFrame(studyKey: string, seriesKey: string, index: number): Promise<FramePixels> {
  const path = [studyKey, seriesKey, String(index)].map(encodeURIComponent).join("/");
  const response = await fetch(`${pixelOrigin()}/frame/${path}`, { cache: "no-store" });
  if (!response.ok) {
    const message = await response.text();
    throw new BackendError("frame-unavailable", message || "This image could not be loaded.");
  }
  const read = (name: string): string | null => response.headers.get(name);
  const head = parseFrameHeaders(read);
  const { data, voiLut } = splitFrameBody(read, head, await response.arrayBuffer());
  return { ...head, voiLut, data };
}

export const tauriBackend: Backend = {
  appInfo: () => call<AppInfo>("app_info"),
  validateNhsNumber: (input) => call<string>("validate_nhs_number", { input }),
  lookup: (request) => call<HistoryView>("lookup", { nhsNumber: request.nhsNumber, from: request.from ?? null, to: request.to ?? null }),
  openStudy: (recordId) => call<StudyView>("open_study", { recordId }),
  frame: fetchFrame,
  closeStudy: async (studyKey) => {
    await call<null>("close_study", { studyKey });
  },
  openReport: (recordId) => call<ReportView>("open_report", { recordId }),
  openStudyDocument: (studyKey, seriesKey) => call<ReportView>("open_study_document", { studyKey, seriesKey }),
  confirmIdentity: () => call<IdentityView>("confirm_identity"),
  closePatient: async () => {
    await call<null>("close_patient");
  },
  takeLaunch: () => call<LaunchView | null>("take_launch"),
  restartPage: async (thenOpen) => {
    // Only the patient and period: the page that opens it has been told yes already.
    const chosen = thenOpen ? { nhsNumber: thenOpen.nhsNumber, from: thenOpen.from, to: thenOpen.to } : null;
    await call<null>("restart_page", { thenOpen: chosen });
  },
  signIn: () => call<UserView>("sign_in"),
  signOut: async () => {
    await call<null>("sign_out");
  },
  sessionState: () => call<SessionStateView>("session_state"),
  touch: async () => {
    await call<null>("touch");
  },
  auditEvents: () => call<AuditEventResource[]>("audit_events"),
  diagnostics: () => call<DiagnosticsView>("diagnostics"),
  onLaunchPending: async (listener) => {
    const unlisten = await listen("launch-pending", () => listener());
    return unlisten;
  },
  onStudyProgress: async (listener) => {
    const unlisten = await listen<StudyProgress>("study-progress", (event) => listener(event.payload));
    return unlisten;
  },
  onSessionChanged: async (listener) => {
    const unlisten = await listen("session-changed", () => listener());
    return unlisten;
  },
};
