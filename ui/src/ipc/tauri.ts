// The Tauri implementation of the backend: the only file that imports @tauri-apps. The
// commands are backend.ts's, over Tauri's invoke; this file adds what is not a command.
// Commands answer JSON; pixels come over the `nirpx` scheme as raw bytes with their
// geometry in response headers, never as JSON arrays or base64.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { type Backend, BackendError, backendErrorOf, type Call, commandsOver, type FramePixels, type StudyProgressView } from "./backend";
import { parseFrameHeaders, splitFrameBody } from "./frameHeaders";

const call: Call = async <T>(command: string, args?: Record<string, unknown>): Promise<T> => {
  try {
    return await invoke<T>(command, args);
  } catch (error: unknown) {
    throw backendErrorOf(error);
  }
};

/** The pixel scheme's origin as WebKitGTK and WebView2 spell it. */
function pixelOrigin(): string {
  return navigator.userAgent.includes("Windows") ? "http://nirpx.localhost" : "nirpx://localhost";
}

function fetchFrame(studyKey: string, seriesKey: string, index: number): Promise<FramePixels> {
  return fetchPixels("frame", [studyKey, seriesKey, String(index)]);
}

function fetchPreview(recordId: string): Promise<FramePixels> {
  return fetchPixels("preview", [recordId]);
}

async function fetchPixels(kind: "frame" | "preview", segments: string[]): Promise<FramePixels> {
  const path = segments.map(encodeURIComponent).join("/");
  const response = await fetch(`${pixelOrigin()}/${kind}/${path}`, { cache: "no-store" });
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
  ...commandsOver(call),
  frame: fetchFrame,
  preview: fetchPreview,
  onLaunchPending: async (listener) => {
    const unlisten = await listen("launch-pending", () => listener());
    return unlisten;
  },
  onStudyProgress: async (listener) => {
    const unlisten = await listen<StudyProgressView>("study-progress", (event) => listener(event.payload));
    return unlisten;
  },
  onStudyPreview: async (listener) => {
    const unlisten = await listen<{ recordId: string }>("study-preview", (event) => listener(event.payload.recordId));
    return unlisten;
  },
  onSessionChanged: async (listener) => {
    const unlisten = await listen("session-changed", () => listener());
    return unlisten;
  },
};
