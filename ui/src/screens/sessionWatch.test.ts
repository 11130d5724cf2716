import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../ipc/fakeBackend";
import { SessionState, TOUCH_INTERVAL_MS } from "../state/session";
import { SESSION_ENDED, SessionWatch } from "./sessionWatch";

function watching(fake: FakeBackend): { session: SessionState; watch: SessionWatch; ended: ReturnType<typeof vi.fn> } {
  const session = new SessionState();
  session.user = fake.user;
  const ended = vi.fn(() => Promise.resolve());
  return { session, watch: new SessionWatch(fake, session, ended), ended };
}

describe("session watch", () => {
  it("hands a session that ended to its owner once, however many looks were under way", async () => {
    const fake = new FakeBackend();
    fake.session = { state: "locked", reason: null, user: null };
    const { session, watch, ended } = watching(fake);
    await Promise.all([watch.check(), watch.check(), watch.check()]);
    await watch.check();
    expect(ended).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledWith(SESSION_ENDED);
    expect(session.user).toBeNull();
  });

  it("leaves a session still signed in alone", async () => {
    const fake = new FakeBackend().signedIn();
    const { session, watch, ended } = watching(fake);
    await watch.check();
    expect(ended).not.toHaveBeenCalled();
    expect(session.user).not.toBeNull();
  });
});

describe("session state", () => {
  it("reports activity at most once in the touch interval, and only while signed in", () => {
    const session = new SessionState();
    expect(session.shouldTouch(TOUCH_INTERVAL_MS + 1)).toBe(false);
    session.user = { name: null, role: "Clinician", ods: null };
    expect(session.shouldTouch(TOUCH_INTERVAL_MS + 1)).toBe(true);
    expect(session.shouldTouch(2 * TOUCH_INTERVAL_MS)).toBe(false);
    expect(session.shouldTouch(2 * TOUCH_INTERVAL_MS + 2)).toBe(true);
    session.reset();
    expect(session.user).toBeNull();
    expect(session.shouldTouch(10 * TOUCH_INTERVAL_MS)).toBe(false);
  });
});
