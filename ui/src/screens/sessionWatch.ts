// Watches the sign-in session: reports activity (so the backend's idle timer starts again)
// and looks at the session's state whenever the backend says it changed (a lock or an end:
// idle, sleep, card removed, sign-out) or an answer says it ended — no polling. A session
// no longer signed in is handed to `onEnded` with its reason, once, however many looks
// were under way.
import type { Backend } from "../ipc/backend";
import type { SessionState } from "../state/session";

export const SESSION_ENDED = "Your session ended. Sign in again to continue.";

export class SessionWatch {
  private looking: Promise<void> | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly session: SessionState,
    private readonly onEnded: (reason: string) => Promise<void>,
  ) {}

  /** Starts noting activity and looking at the session whenever the backend says it changed. */
  async start(): Promise<void> {
    for (const kind of ["pointerdown", "keydown", "wheel"]) {
      document.addEventListener(kind, () => this.noteActivity(), { passive: true });
    }
    await this.backend.onSessionChanged(() => void this.check());
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
