// Launch from the patient record, in training mode: a link on the command line, the
// --nhs/--from/--to form, and later links handed to the running window by a second launch.
// Training mode has no EPR key, so every link is unsigned: its patient is opened only after
// the clinician confirms, even with nothing open, and another patient replaces the current
// one only after confirming (the current one is wiped first). Malformed, unknown and
// untrusted links are refused with a message, and no link shows anything clinical before
// sign-in. Each step saves a screenshot to target/e2e/.
import { after, afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { application, driverPort, noConfig, shots, signInBrowser, waitForScript, waitUntil } from "./session.mjs";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

const port = driverPort(30);

const RICH = "9912003888"; // the sandbox's rich-history patient
const OTHER = "9000000017"; // the sandbox's network-unavailable patient

let driver;
let app;

function instanceSocket() {
  const runtime = process.env.XDG_RUNTIME_DIR && existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : os.tmpdir();
  return path.join(runtime, `nir-viewer-${process.getuid()}`, "instance.sock");
}

/** Whether a viewer is listening for hand-offs (so the next one would hand off, not start). */
function viewerListening() {
  return new Promise((resolve) => {
    const socket = net.connect(instanceSocket());
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const waitFor = (description, script, timeoutMs) => waitForScript(app, description, script, timeoutMs);
const text = (selector) => `return document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`;

/** Starts the viewer with `args`, once no other viewer of this user is listening. */
async function launch(args) {
  await waitUntil("the previous viewer to exit", async () => !(await viewerListening()), 30000);
  driver ??= await startDriver({ port });
  app = await WebDriver.start({ port, application, args, env: { NIR_VIEWER_CONFIG: noConfig } });
  await app.find("#sign-in", { timeoutMs: 60000 });
  await waitUntil("the viewer to listen for later launches", viewerListening, 30000);
}

async function signIn() {
  await app.click(await app.find("#sign-in"));
  await waitFor("the signed-in user", `return /\\S/.test(document.getElementById('user-label')?.textContent ?? '')`, 60000);
}

/** A second launch of the viewer, as the desktop runs it for a clicked link. */
function secondLaunch(args) {
  const result = spawnSync(application, args, { encoding: "utf8", timeout: 30000, env: process.env });
  assert.equal(result.status, 0, `second launch failed: ${result.stderr}`);
  assert.match(result.stdout, /already running; the link was passed to it/);
}

/** Inodes of the sockets process `pid` holds open. */
function socketInodes(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The running viewer's process: the one that holds this user's instance socket. */
function viewerPid() {
  const socketPath = instanceSocket();
  const unixLine = readFileSync("/proc/net/unix", "utf8").split("\n").find((l) => l.endsWith(` ${socketPath}`));
  assert.ok(unixLine, "the viewer's instance socket is listed");
  const inode = unixLine.trim().split(/\s+/)[6];
  const pid = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
    try {
      return socketInodes(p).has(inode);
    } catch {
      return false;
    }
  });
  assert.ok(pid, "the viewer process is found");
  return pid;
}

/**
 * The loopback port of the running viewer's embedded training sandbox: the process that
 * holds this user's instance socket, and the one of its loopback listeners that answers as
 * the sandbox. Read from /proc, so the viewer exposes nothing for the test.
 */
async function trainingSandboxPort() {
  const held = socketInodes(viewerPid());
  const listening = readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1).map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === "0A" && f[1].startsWith("0100007F:") && held.has(f[9]))
    .map((f) => parseInt(f[1].split(":")[1], 16));
  for (const port of listening) {
    const answer = await fetch(`http://127.0.0.1:${port}/.well-known/nir-sandbox.json`, { signal: AbortSignal.timeout(5000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (answer) return port;
  }
  throw new Error(`no sandbox among the viewer's loopback listeners ${listening}`);
}

/** Answers the launch question: open (yes) or not; checks it names `nhsFormatted` first. */
async function answerLaunchQuestion(nhsFormatted, open = true) {
  await waitFor("the launch question", `return !!document.getElementById('launch-confirm')`);
  assert.ok((await app.execute(text("#launch-confirm"))).includes(nhsFormatted), "the question names the patient");
  await app.click(await app.find(open ? "#launch-confirm-open" : "#launch-confirm-keep"));
  await waitFor("the question to close", `return document.getElementById('launch-confirm') === null`);
}

async function rowDates() {
  return app.execute("return [...document.querySelectorAll('.history-row .row-date')].map((d) => d.textContent)");
}

process.env.BROWSER = signInBrowser;
let fullHistoryDates = [];

afterEach(async () => {
  await app?.quit();
  app = undefined;
});

after(async () => {
  await stopDriver(driver);
});

test("a command-line link opens its patient only after sign-in", async () => {
  await launch([`nir-viewer://open?nhs=${RICH}`]);
  await sleep(2000);
  const before = await app.execute("return document.querySelectorAll('#banner-nhs-number, #history, #network-headline').length");
  assert.equal(before, 0, "nothing clinical is shown before sign-in");
  assert.ok(await app.execute("return !!document.getElementById('sign-in-screen')"));
  await app.screenshot(shots, "launch-01-link-waits-for-sign-in");
  await signIn();
  // An unsigned link asks first, even with nothing open; nothing clinical until the answer.
  await waitFor("the launch question", `return !!document.getElementById('launch-confirm')`);
  assert.match(await app.execute(text("#launch-confirm-title")), /Open this patient\?/);
  assert.equal(await app.execute("return document.querySelectorAll('#banner-nhs-number, #history').length"), 0);
  await app.screenshot(shots, "launch-01b-unsigned-link-asks-first");
  await answerLaunchQuestion("991 200 3888");
  await waitFor("the launched patient's history", `return !!document.getElementById('network-headline')`);
  assert.match(await app.execute(text("#banner-nhs-number")), /991 200 3888/);
  fullHistoryDates = (await rowDates()).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
  assert.ok(fullHistoryDates.length >= 2, `too few dated records: ${fullHistoryDates}`);
  await app.screenshot(shots, "launch-02-link-opened-after-sign-in");
  // Every local user can read a process's arguments: the link must not stay there.
  const pid = viewerPid();
  for (const file of ["cmdline", "environ"]) {
    assert.ok(!readFileSync(`/proc/${pid}/${file}`).includes(RICH), `the NHS number is in /proc/PID/${file}`);
  }
});

test("--nhs, --from and --to open the patient for that period", async () => {
  const sorted = [...fullHistoryDates].sort();
  const from = sorted[Math.floor(sorted.length / 2)];
  const to = sorted[sorted.length - 1];
  await launch(["--nhs", RICH, "--from", from, "--to", to]);
  await signIn();
  await answerLaunchQuestion("991 200 3888");
  await waitFor("the launched patient's history", `return !!document.getElementById('network-headline')`);
  assert.match(await app.execute(text("#banner-nhs-number")), /991 200 3888/);
  const dates = (await rowDates()).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
  assert.ok(dates.length > 0, "records in the period are shown");
  assert.ok(dates.length < fullHistoryDates.length, `the period narrows the history (${dates.length} of ${fullHistoryDates.length})`);
  for (const date of dates) assert.ok(date >= from && date <= to, `${date} is outside ${from}..${to}`);
  await app.screenshot(shots, "launch-03-nhs-from-to");
});

test("a second launch hands its link to the running window, which asks before switching", async () => {
  await launch([]);
  // A link handed over before sign-in waits for it.
  secondLaunch([`nir-viewer://open?nhs=${RICH}`]);
  await sleep(1500);
  assert.equal(await app.execute("return document.querySelectorAll('#banner-nhs-number, #history').length"), 0);
  await signIn();
  // Declining an unsigned link opens nothing.
  await answerLaunchQuestion("991 200 3888", false);
  await sleep(1000);
  assert.equal(await app.execute("return document.querySelectorAll('#banner-nhs-number, #history').length"), 0);
  assert.ok(await app.execute("return !!document.getElementById('nhs-number')"), "the lookup is shown");
  secondLaunch([`nir-viewer://open?nhs=${RICH}`]);
  await answerLaunchQuestion("991 200 3888");
  await waitFor("the handed-over patient's history", `return /991 200 3888/.test(document.getElementById('banner-nhs-number')?.textContent ?? '')`);

  // The same patient again: nothing to confirm, nothing reloaded.
  await app.execute("document.getElementById('history').dataset.marker = 'kept'");
  secondLaunch([`nir-viewer://open?nhs=${RICH}`]);
  await sleep(1500);
  assert.equal(await app.execute("return document.getElementById('launch-confirm') === null"), true);
  assert.equal(await app.execute("return document.getElementById('history')?.dataset.marker ?? ''"), "kept");

  // Another patient: asked first; keeping the current one changes nothing.
  secondLaunch(["--nhs", OTHER]);
  await waitFor("the switch question", `return !!document.getElementById('launch-confirm')`);
  assert.match(await app.execute(text("#launch-confirm")), /900 000 0017/);
  await app.screenshot(shots, "launch-04-switch-patient-question");
  await app.click(await app.find("#launch-confirm-keep"));
  await waitFor("the question to close", `return document.getElementById('launch-confirm') === null`);
  assert.match(await app.execute(text("#banner-nhs-number")), /991 200 3888/);
  assert.equal(await app.execute("return document.getElementById('history')?.dataset.marker ?? ''"), "kept");

  // Asked again and confirmed: the previous patient is wiped, the new one opens.
  secondLaunch([`nir-viewer://open?nhs=${OTHER}`]);
  await waitFor("the switch question", `return !!document.getElementById('launch-confirm')`);
  await app.click(await app.find("#launch-confirm-open"));
  await waitFor("the new patient's history", `return /900 000 0017/.test(document.getElementById('banner-nhs-number')?.textContent ?? '')`);
  assert.equal(await app.execute("return document.body.textContent.includes('991 200 3888')"), false, "the previous patient is gone");
  assert.equal(await app.execute("return document.querySelector('[data-marker]') === null"), true);
  await app.screenshot(shots, "launch-05-switched-patient");
});

test("malformed, unknown and untrusted links are refused with a message", async () => {
  await launch(["nir-viewer://open?nhs=9912003887"]);
  await signIn();
  await waitFor("the refusal", `return !!document.getElementById('launch-error')`);
  assert.match(await app.execute(text("#launch-error")), /NHS number is not valid/);
  assert.equal(await app.execute("return document.getElementById('banner-nhs-number') === null"), true);
  await app.screenshot(shots, "launch-06-invalid-nhs-number-refused");

  const refusals = [
    [`nir-viewer://open?nhs=${RICH}&exec=rm`, /unknown parameter 'exec'/],
    [`nir-viewer://open?nhs=${RICH}&nhs=${OTHER}`, /repeats the parameter 'nhs'/],
    [`nir-viewer://delete?nhs=${RICH}`, /unknown action 'delete'/],
    [`nir-viewer://open?nhs=${RICH}&from=2024-02-30`, /dates are not valid/],
    // Training mode has no EPR key, so no signed context can be trusted.
    [`nir-viewer://open?nhs=${RICH}&ctx=eyJhbGciOiJFUzI1NiJ9.e30.c2ln`, /signed launch context was refused/],
  ];
  for (const [link, message] of refusals) {
    await app.execute("document.getElementById('launch-error')?.remove()");
    secondLaunch([link]);
    await waitFor(`the refusal of ${link}`, `return !!document.getElementById('launch-error')`);
    assert.match(await app.execute(text("#launch-error")), message, link);
    assert.equal(await app.execute("return document.getElementById('banner-nhs-number') === null"), true, link);
  }
  await app.screenshot(shots, "launch-07-untrusted-link-refused");
});

test("a SMART launch from the training patient record opens its patient after sign-in", async () => {
  await launch([]);
  await signIn();
  await app.find("#nhs-number");
  const iss = `http://127.0.0.1:${await trainingSandboxPort()}/smart-ehr/fhir`;
  secondLaunch([`nir-viewer://smart-launch?iss=${encodeURIComponent(iss)}&launch=launch-rich`]);
  // A SMART launch is started by an unsigned link too: the clinician confirms its patient.
  await answerLaunchQuestion("991 200 3888");
  await waitFor("the SMART patient's history", `return /991 200 3888/.test(document.getElementById('banner-nhs-number')?.textContent ?? '')`);
  await app.screenshot(shots, "launch-08-smart-launch-opened");

  // A Patient without an NHS number, and a record that is not on the allow-list, are refused.
  await app.click(await app.find("#new-patient"));
  await app.find("#nhs-number");
  secondLaunch([`nir-viewer://smart-launch?iss=${encodeURIComponent(iss)}&launch=launch-no-nhs`]);
  await waitFor("the refusal", `return !!document.getElementById('launch-error')`);
  assert.match(await app.execute(text("#launch-error")), /no valid NHS number/);
  await app.execute("document.getElementById('launch-error')?.remove()");
  secondLaunch([`nir-viewer://smart-launch?iss=${encodeURIComponent("https://epr.example.invalid/fhir")}&launch=launch-rich`]);
  await waitFor("the refusal", `return !!document.getElementById('launch-error')`);
  assert.match(await app.execute(text("#launch-error")), /not one this organisation allows/);
  assert.equal(await app.execute("return document.getElementById('banner-nhs-number') === null"), true);
  await app.screenshot(shots, "launch-09-smart-launch-refused");
});

test("something that is not a nir-viewer link is refused before any window opens", () => {
  const result = spawnSync(application, ["https://example.invalid/open?nhs=9912003888"], { encoding: "utf8", timeout: 30000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /neither a subcommand nor a nir-viewer link/);
});
