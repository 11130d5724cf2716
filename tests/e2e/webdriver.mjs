// A minimal W3C WebDriver client for tauri-driver: just the calls the end-to-end tests
// use, over Node's built-in fetch, so the harness needs no browser-automation packages.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";

const ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf";

/** Pids of running viewer processes (Linux: by the executable behind /proc/PID/exe). */
/**
 * The mean brightness (0 black to 1 white) of a `width` × `height` box at (`left`, `top`) of
 * a screenshot, read with ImageMagick: whether an image is really on screen, which the page's
 * own state cannot tell (a WebGL canvas may be drawn and never presented).
 */
export function meanBrightness(file, left, top, width, height) {
  const crop = `${Math.round(width)}x${Math.round(height)}+${Math.round(left)}+${Math.round(top)}`;
  const out = execFileSync("convert", [file, "-crop", crop, "+repage", "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"], { encoding: "utf8", timeout: 30000 });
  return Number(out.trim());
}

export function viewerPids() {
  const pids = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (path.basename(readlinkSync(`/proc/${entry}/exe`)) === "nir-viewer") pids.add(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits (bounded) for `pids` to exit; true when none is left. */
async function exited(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while ([...pids].some(alive)) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

export class WebDriver {
  constructor(base, sessionId, pids = new Set()) {
    this.base = base;
    this.sessionId = sessionId;
    this.pids = pids;
  }

  /**
   * Starts a session with a fresh viewer. A start that fails (WebKitWebDriver could not
   * reach the viewer, e.g. its inspector port was still held by the previous one) ends the
   * viewer it launched, which would otherwise stay running with no session to quit it and
   * take every later launch as a hand-off, and tries again, three times in all.
   */
  static async start({ port, application, args = [], env = {} }) {
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 1; ; attempt++) {
      const before = viewerPids();
      try {
        const response = await request(base, "POST", "/session", {
          capabilities: {
            alwaysMatch: {
              browserName: "wry",
              "tauri:options": { application, args, env },
            },
          },
        });
        const started = new Set([...viewerPids()].filter((pid) => !before.has(pid)));
        return new WebDriver(base, response.sessionId, started);
      } catch (error) {
        await endViewers(new Set([...viewerPids()].filter((pid) => !before.has(pid))));
        if (attempt >= 3) throw error;
        await sleep(2000);
      }
    }
  }

  async command(method, suffix, body) {
    try {
      return await request(this.base, method, `/session/${this.sessionId}${suffix}`, body);
    } catch (error) {
      if (!/no such window/.test(error.message)) throw error;
      await this.followWindow();
      return request(this.base, method, `/session/${this.sessionId}${suffix}`, body);
    }
  }

  /**
   * The viewer replaces its window after a patient is closed, on lock and on sign-out (a
   * new page in a new web content process, see src-tauri/src/shell/web_content.rs); the session
   * follows it to the newest window.
   */
  async followWindow() {
    const handles = await request(this.base, "GET", `/session/${this.sessionId}/window/handles`);
    if (handles.length === 0) throw new Error("the viewer has no window open");
    await request(this.base, "POST", `/session/${this.sessionId}/window`, { handle: handles[handles.length - 1] });
  }

  async find(css, { timeoutMs = 15000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const value = await this.command("POST", "/element", { using: "css selector", value: css });
        const id = value[ELEMENT_KEY];
        if (id === undefined) throw new Error(`unexpected element reference ${JSON.stringify(value)}`);
        return id;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`element ${css} not found: ${error.message}`);
        await sleep(200);
      }
    }
  }

  async text(elementId) {
    return this.command("GET", `/element/${elementId}/text`);
  }

  async type(elementId, text) {
    return this.command("POST", `/element/${elementId}/value`, { text });
  }

  async click(elementId) {
    return this.command("POST", `/element/${elementId}/click`, {});
  }

  async attribute(elementId, name) {
    return this.command("GET", `/element/${elementId}/attribute/${name}`);
  }

  async execute(script, args = []) {
    return this.command("POST", "/execute/sync", { script, args });
  }

  /** Runs `script` with a completion callback as its last argument (W3C "Execute Async Script"). */
  async executeAsync(script, args = []) {
    return this.command("POST", "/execute/async", { script, args });
  }

  /**
   * Saves a PNG of the virtual display; waits first so the DOM has settled. The picture is
   * taken from the X display (ImageMagick's `import -window root`), not through WebDriver:
   * with WebKit's DMA-BUF renderer off, as the viewer sets it on a machine without a GPU
   * render node, WebKit does not answer WebDriver's screenshot command, and the tests must
   * run the renderer the clinician gets. Without a display it falls back to WebDriver.
   */
  async screenshot(directory, name) {
    await sleep(1000);
    mkdirSync(directory, { recursive: true });
    const file = path.join(directory, `${name}.png`);
    if (process.env.DISPLAY) {
      execFileSync("import", ["-window", "root", file], { timeout: 30000, stdio: "ignore" });
      return file;
    }
    const base64 = await this.command("GET", "/screenshot");
    writeFileSync(file, Buffer.from(base64, "base64"));
    return file;
  }

  /**
   * Ends the session and makes sure the viewer it started has exited: WebKitWebDriver
   * closes the page when the session ends but does not always end the application, and a
   * viewer left running would take the next test's launch as a hand-off. A viewer still
   * running after a grace period gets SIGTERM (it wipes and exits), then SIGKILL.
   */
  async quit() {
    await request(this.base, "DELETE", `/session/${this.sessionId}`).catch(() => {});
    if (await exited(this.pids, 10000)) return;
    await endViewers(this.pids);
  }
}

/** Ends `pids` (viewers): SIGTERM, which wipes and exits, then SIGKILL; bounded waits. */
async function endViewers(pids) {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  if (await exited(pids, 10000)) return;
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  await exited(pids, 5000);
}

async function request(base, method, suffix, body) {
  const response = await fetch(base + suffix, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60000),
  });
  const payload = await response.json();
  if (!response.ok || (payload.value && payload.value.error)) {
    const detail = payload.value ? `${payload.value.error}: ${payload.value.message}` : response.status;
    throw new Error(`${method} ${suffix} failed: ${detail}`);
  }
  return payload.value;
}

/**
 * Starts tauri-driver on `port` and waits until it answers. Its native WebKitWebDriver gets
 * its own port too (tauri-driver's default, 4445, would collide with a second driver).
 */
export async function startDriver({ port, nativeDriver = "/usr/bin/WebKitWebDriver", env = {} }) {
  const args = ["--port", String(port), "--native-port", String(port + 100), "--native-driver", nativeDriver];
  // tauri-driver 2 forwards only `tauri:options.args` to the application, not an environment:
  // what the viewer must see in its environment is given to the driver, whose WebKitWebDriver
  // starts the viewer with it.
  const child = spawn("tauri-driver", args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...env },
  });
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`tauri-driver did not start on port ${port} within 20 s`);
    }
    await sleep(200);
  }
}

/** Stops tauri-driver and waits (bounded) until it has exited. */
export async function stopDriver(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill();
  await Promise.race([exited, sleep(5000)]);
}
