// WCAG 2.2 AA, which NHS software must meet, checked by axe-core in the running viewer on
// each screen a clinician goes through in training mode: sign-in, the look-up, the
// history of the rich-history patient, a study open with its CT, its reports beside the
// images and its More tools panel, and the keyboard help.
// Every violation is listed by rule, meaning and element; colour contrast is measured in
// the real page, as WebKit renders it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { axeViolations } from "./axe.mjs";
import { driverPort, noConfig, shots, viewerForTests, waitForScript } from "./session.mjs";

let app;
viewerForTests({ port: driverPort(40), env: { NIR_VIEWER_CONFIG: noConfig }, started: (viewer) => (app = viewer) });

const waitFor = (description, script, timeoutMs) => waitForScript(app, description, script, timeoutMs);

async function assertAccessible(screen) {
  const violations = await axeViolations(app);
  assert.deepEqual(violations, [], `${screen}:\n${violations.join("\n")}`);
}

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

test("the study's reports beside its images and the More tools panel meet WCAG 2.2 AA", async () => {
  await app.execute("document.querySelector('[data-action=report-beside]').click()");
  await waitFor("the report beside the images", "return (document.querySelector('#report-beside #report-body')?.textContent ?? '').length > 10");
  await assertAccessible("report beside the images");
  await app.execute("document.getElementById('report-beside').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))");
  await app.execute("document.getElementById('more-tools').click()");
  await waitFor("the More tools panel", "return document.getElementById('more-tools-panel')?.hidden === false");
  await assertAccessible("More tools");
  await app.execute("document.getElementById('more-tools').click()");
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
