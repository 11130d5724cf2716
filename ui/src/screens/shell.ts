// What every screen is given by the app: the page's main area and status line, the backend,
// and one way to report a failed action, which acts on the error's code (an answer the page
// has moved past is dropped; a session no longer signed in is checked at once).
import type { Backend } from "../ipc/backend";

export interface Shell {
  /** The page's root, where dialogs and overlays go. */
  readonly root: HTMLElement;
  /** The screen area: one screen at a time. */
  readonly main: HTMLElement;
  readonly backend: Backend;
  setStatus(text: string): void;
  /** A failed action: `show` says so, unless the code says there is nothing to say. */
  failed(error: unknown, show: (message: string) => void): void;
}
