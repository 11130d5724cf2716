// The training-mode audit panel and the diagnostics page: after signing in and looking up
// the rich-history patient, Shift+A shows the session's AuditEvents (sign-in and the query,
// the patient by NHS number) instead of sending them, and Shift+D shows the metrics of the
// discovery that just ran. Each step saves a screenshot to target/e2e/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const application = process.env.NIR_VIEWER_BIN ?? path.join(root, "target/debug/nir-viewer");
const shots = path.join(root, "target/e2e");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 50;

let driver;
let app;

async function waitFor(description, script, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await app.execute(script);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(250);
  }
}

const press = (key) => app.execute(`document.dispatchEvent(new KeyboardEvent('keydown', { key: ${JSON.stringify(key)}, bubbles: true }));`);

before(async () => {
  process.env.BROWSER = path.join(root, "tests/e2e/sign-in-browser.sh");
  driver = await startDriver({ port });
  app = await WebDriver.start({
    port,
    application,
    env: { NIR_VIEWER_CONFIG: path.join(root, "tests/e2e/no-such-config.toml") },
  });
});

after(async () => {
  await app?.quit();
  await stopDriver(driver);
});

test("signs in and looks up the rich-history patient", async () => {
  await app.click(await app.find("#sign-in"));
  await app.find("#nhs-number", { timeoutMs: 60000 });
  await app.execute("const f = document.getElementById('nhs-number'); f.value = '9912003888'; f.dispatchEvent(new Event('input'));");
  await app.click(await app.find("#search"));
  await waitFor("the history", "return !!document.getElementById('network-headline')");
});

test("Shift+A shows the AuditEvents of the session, and hides them again", async () => {
  await press("A");
  await waitFor("the audit panel", "return !!document.getElementById('audit-panel')");
  const rows = await app.execute("return [...document.querySelectorAll('#audit-events tbody tr')].map((r) => r.textContent)");
  assert.ok(rows.length >= 2, JSON.stringify(rows));
  assert.ok(rows.some((r) => r.includes("991 200 3888")), JSON.stringify(rows));
  await app.screenshot(shots, "20-training-audit-panel");
  await press("A");
  await waitFor("the panel to close", "return !document.getElementById('audit-panel')");
});

test("Shift+D shows the metrics of the discovery that ran", async () => {
  await press("D");
  await waitFor("the diagnostics page", "return !!document.getElementById('diagnostics')");
  const stages = await app.execute("return [...document.querySelectorAll('#diagnostics-table tbody tr')].map((r) => r.dataset.stage)");
  assert.ok(stages.includes("discovery") && stages.includes("network"), JSON.stringify(stages));
  const page = await app.execute("return document.getElementById('diagnostics').textContent");
  assert.ok(!page.includes("9912003888") && !page.includes("991 200 3888"), "no NHS number on the diagnostics page");
  await app.screenshot(shots, "21-diagnostics");
  await press("D");
  await waitFor("the page to close", "return !document.getElementById('diagnostics')");
});

test("the help overlay lists both keys", async () => {
  await press("?");
  const help = await app.execute("return document.getElementById('help-overlay')?.textContent ?? ''");
  assert.match(help, /audit panel/);
  assert.match(help, /diagnostics/);
});
