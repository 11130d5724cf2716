// The sign-in session as the page knows it: whether this is a training build, who is signed
// in, and when activity was last reported. Holds no patient data; `reset()` forgets the user
// when the session ends (sign-out or lock).
import type { UserView } from "../ipc/backend";

/** Activity is reported at most this often (ms); the backend's idle timer is far longer. */
export const TOUCH_INTERVAL_MS = 10000;

export class SessionState {
  training = false;
  user: UserView | null = null;
  private lastTouch = 0;

  /** True when activity at `now` should be reported: signed in and not reported lately. */
  shouldTouch(now: number): boolean {
    if (!this.user || now - this.lastTouch <= TOUCH_INTERVAL_MS) return false;
    this.lastTouch = now;
    return true;
  }

  reset(): void {
    this.user = null;
    this.lastTouch = 0;
  }
}
