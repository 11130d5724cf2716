// Watches the sign-in session: reports activity (so the backend's idle timer starts again)
// and looks at the session's state, every two seconds and at once whenever an answer says
// the session ended. A session no longer signed in is handed to `onEnded` with its reason,
// once, however many looks were under way.
import type { Backend } from "../ipc/backend";
import type { SessionState } from "../state/session";

export const SESSION_ENDED = "Your session ended. Sign in again to continue.";
export const WATCH_INTERVAL_MS = 2000;

export class SessionWatch {
  private looking: Promise<void> | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly session: SessionState,
    private readonly onEnded: (reason: string) => Promise<void>,
  ) {}

  /** Starts noting activity and looking at the session every two seconds. */
  start(): void {
    for (const kind of ["pointerdown", "keydown", "wheel"]) {
      document.addEventListener(kind, () => this.noteActivity(), { passive: true });
    }
    window.setInterval(() => void this.check(), WATCH_INTERVAL_MS);
  }

  /** Looks at the session now; a look already under way is the answer. */
  check(): Promise<void> {
    this.looking ??= this.look().finally(() => (this.looking = null));
    return this.looking;
  }

  private async look(): Promise<void> {
    if (!this.session.user) return;
    const state = await this.backend.sessionState().catch(() => null);
    if (state && state.state !== "signedIn" && this.session.user) {
      this.session.reset();
      await this.onEnded(state.reason ?? SESSION_ENDED);
    }
  }

  private noteActivity(): void {
    if (this.session.shouldTouch(Date.now())) void this.backend.touch().catch(() => undefined);
  }
}
