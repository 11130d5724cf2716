// The one interface between the UI and the Rust side. Components depend on this, never on
// Tauri directly, so tests can hand them a fake backend.

export interface AppInfo {
  training: boolean;
  version: string;
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

export interface Backend {
  appInfo(): Promise<AppInfo>;
  validateNhsNumber(input: string): Promise<string>;
}
