// WCAG 2.2 AA, which NHS software must meet, checked by axe-core in the running viewer on
// each screen a clinician goes through in training mode: sign-in, the look-up, the
// history of the rich-history patient, a study open with its CT, and the keyboard help.
// Every violation is listed by rule, meaning and element; colour contrast is measured in
// the real page, as WebKit renders it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { axeViolations } from "./axe.mjs";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const application = process.env.NIR_VIEWER_BIN ?? path.join(root, "target/debug/nir-viewer");
const shots = path.join(root, "target/e2e");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 40;

let driver;
let app;

async function waitFor(description, script, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await app.execute(script)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(250);
  }
}

async function assertAccessible(screen) {
  const violations = await axeViolations(app);
  assert.deepEqual(violations, [], `${screen}:\n${violations.join("\n")}`);
}

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

test("the sign-in screen meets WCAG 2.2 AA", async () => {
  await app.find("#sign-in", { timeoutMs: 60000 });
  await assertAccessible("sign-in");
});

test("the look-up screen meets WCAG 2.2 AA", async () => {
  await app.click(await app.find("#sign-in"));
  await app.find("#nhs-number", { timeoutMs: 60000 });
  await assertAccessible("look-up");
});

test("the history of the rich-history patient meets WCAG 2.2 AA", async () => {
  await app.execute("const f = document.getElementById('nhs-number'); f.value = '9912003888'; f.dispatchEvent(new Event('input'));");
  await app.click(await app.find("#search"));
  await waitFor("the history", "return !!document.getElementById('network-headline')");
  await assertAccessible("history");
});

test("a study open with its CT meets WCAG 2.2 AA", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => row.querySelector('.row-modality')?.textContent === 'CT')?.querySelector('button').click();`);
  await waitFor("the first CT image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await app.screenshot(shots, "30-accessibility-study");
  await assertAccessible("study");
});

test("the keyboard help meets WCAG 2.2 AA", async () => {
  await app.execute("document.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true }))");
  await waitFor("the help", "return !!document.getElementById('help-overlay')");
  await assertAccessible("help");
});

test("the check itself finds a planted unnamed button and pale text", async () => {
  // Styles through the CSSOM: the page's Content Security Policy refuses style attributes.
  await app.execute(`const p = document.createElement('div'); p.id = 'planted';
    p.style.cssText = 'position:fixed;top:0;left:0;z-index:99999;background:#fff;padding:8px';
    const text = document.createElement('p'); text.textContent = 'pale text';
    text.style.cssText = 'color:#bbb;background:#fff;margin:0';
    p.append(document.createElement('button'), text);
    document.body.append(p);`);
  const violations = await axeViolations(app);
  await app.execute("document.getElementById('planted').remove()");
  assert.ok(violations.some((v) => v.startsWith("button-name:")), violations.join("\n"));
  assert.ok(violations.some((v) => v.startsWith("color-contrast:")), violations.join("\n"));
});
