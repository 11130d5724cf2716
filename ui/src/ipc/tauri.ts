// The Tauri implementation of the backend: the only file that imports @tauri-apps.
import { invoke } from "@tauri-apps/api/core";
import { type AppInfo, type Backend, BackendError } from "./backend";

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

export const tauriBackend: Backend = {
  appInfo: () => call<AppInfo>("app_info"),
  validateNhsNumber: (input) => call<string>("validate_nhs_number", { input }),
};
