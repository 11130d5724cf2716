// The training-mode audit panel and the diagnostics page: after signing in and looking up
// the rich-history patient, Shift+A shows the session's AuditEvents (sign-in and the query,
// the patient by NHS number) instead of sending them, and Shift+D shows the metrics of the
// discovery that just ran. Each step saves a screenshot to target/e2e/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { driverPort, noConfig, shots, viewerForTests, waitForScript } from "./session.mjs";

let app;
viewerForTests({ port: driverPort(50), env: { NIR_VIEWER_CONFIG: noConfig }, started: (viewer) => (app = viewer) });

const waitFor = (description, script, timeoutMs) => waitForScript(app, description, script, timeoutMs);

const press = (key) => app.execute(`document.dispatchEvent(new KeyboardEvent('keydown', { key: ${JSON.stringify(key)}, bubbles: true }));`);

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
