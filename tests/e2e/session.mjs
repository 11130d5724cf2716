// What the end-to-end test files share: where the viewer binary, the screenshots and the
// sign-in browser are, each file's tauri-driver port (its own offset from TAURI_DRIVER_PORT,
// so that one file's driver never meets another's), polling until a condition holds, and
// the hooks that start tauri-driver and one viewer before a file's tests and end both after.
import { after, before } from "node:test";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

export const root = path.resolve(import.meta.dirname, "../..");
export const application = process.env.NIR_VIEWER_BIN ?? path.join(root, "target/debug/nir-viewer");
export const shots = path.join(root, "target/e2e");
/** A managed configuration that does not exist: the viewer starts in training mode. */
export const noConfig = path.join(root, "tests/e2e/no-such-config.toml");
/** Plays the clinician's system browser for the sandbox's sign-in. */
export const signInBrowser = path.join(root, "tests/e2e/sign-in-browser.sh");

/** The tauri-driver port of a test file: `offset` above TAURI_DRIVER_PORT (default 4444). */
export function driverPort(offset) {
  return Number(process.env.TAURI_DRIVER_PORT ?? 4444) + offset;
}

/**
 * Calls `check` every `intervalMs` until it returns something truthy, and returns that;
 * throws, naming `description`, once `timeoutMs` has passed.
 */
export async function waitUntil(description, check, timeoutMs = 90000, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(intervalMs);
  }
}

/**
 * WebKitWebDriver's answers while the page is being replaced by a fresh one (after a patient
 * switch, a lock or a sign-out the window's web content process is restarted): the script
 * ran against a page that went away. Polling goes on; any other error is the test's.
 */
const PAGE_GOING_AWAY = /Could not parse script result|no such window|no such frame|document unloaded/;

/**
 * Waits (as `waitUntil`) until `script`, run in the viewer's page, returns something truthy.
 * A look that lands while the page is being replaced counts as "not yet".
 */
export function waitForScript(app, description, script, timeoutMs) {
  let lastError = null;
  return waitUntil(
    description,
    async () => {
      try {
        return await app.execute(script);
      } catch (error) {
        if (!PAGE_GOING_AWAY.test(String(error?.message ?? error))) throw error;
        lastError = error;
        return false;
      }
    },
    timeoutMs,
  ).catch((error) => {
    throw lastError ? new Error(`${error.message} (last look: ${lastError.message})`) : error;
  });
}

/**
 * Registers the hooks of a file that runs its tests in one viewer: before them, tauri-driver
 * on `port` and a viewer started through it with `env` (sign-in going through the test's
 * browser), handed to `started`; after them, the viewer quit and the driver stopped.
 */
export function viewerForTests({ port, env, started }) {
  let driver;
  let app;
  before(async () => {
    process.env.BROWSER = signInBrowser;
    driver = await startDriver({ port, env });
    app = await WebDriver.start({ port, application, env });
    started(app);
  });
  after(async () => {
    await app?.quit();
    await stopDriver(driver);
  });
}
