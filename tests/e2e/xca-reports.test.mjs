// Reports found through XCA in their own formats: training mode with the sandbox's XCA
// gateway (NIR_VIEWER_TRAINING_FLAVOUR=xca), the rich-history patient (9912003888), whose
// MR head report the repository holds as an HL7 CDA document and whose hepatobiliary MDT
// outcome it holds as plain text. Each is opened, shown with its format named, and
// screenshot to target/e2e/. (The walk stays on the FHIR flavour; one viewer speaks one.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { driverPort, noConfig, shots, viewerForTests, waitForScript } from "./session.mjs";

let app;
viewerForTests({
  port: driverPort(70),
  env: { NIR_VIEWER_CONFIG: noConfig, NIR_VIEWER_TRAINING_FLAVOUR: "xca" },
  started: (viewer) => (app = viewer),
});

const waitFor = (description, script, timeoutMs) =>
  waitForScript(app, description, script, timeoutMs).catch(async (error) => {
    const seen = await app.execute("return [document.getElementById('status')?.textContent ?? '', document.getElementById('report')?.textContent?.slice(0, 300) ?? 'no report', [...document.querySelectorAll('.history-row .row-description')].map((d) => d.textContent).join(' | ')]");
    throw new Error(`${error.message}; the window shows ${JSON.stringify(seen)}`);
  });

const text = (selector) => `return document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`;

/** Clicks the open button of the history row whose description ends with `title`. */
function openRow(title) {
  return app.execute(`[...document.querySelectorAll('.history-row')]
    .find((row) => (row.querySelector('.row-description')?.textContent ?? '').endsWith(${JSON.stringify(title)}))
    ?.querySelector('.row-open').click();`);
}

test("signs in and looks up the rich-history patient through XCA", async () => {
  await app.click(await app.find("#sign-in"));
  await app.find("#nhs-number", { timeoutMs: 60000 });
  await app.execute(
    `const f = document.getElementById('nhs-number'); f.value = "9912003888"; f.dispatchEvent(new Event('input'));`,
  );
  await app.click(await app.find("#search"));
  await waitFor("the history", `return !!document.getElementById('network-headline')`);
  assert.match(await app.execute(text("#network-headline")), /All 3 networks answered/);
});

test("reads the CDA report as headed sections", async () => {
  await openRow("MR Head report");
  await waitFor("the CDA sections", `return document.querySelectorAll('#report-body .report-section h3').length >= 3`);
  assert.equal(await app.execute(text("#report-format")), "CDA document");
  const headings = await app.execute("return [...document.querySelectorAll('#report-body .report-section h3')].map((h) => h.textContent)");
  assert.deepEqual(headings, ["Clinical information", "Findings", "Impression"]);
  assert.match(await app.execute(text("#report-body")), /Sequence \| Plane/);
  assert.match(await app.execute(text("#report-status")), /Amended/);
  await app.screenshot(shots, "xca-01-cda-report");
  await app.click(await app.find("#close-report"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("reads the plain-text report as preformatted text", async () => {
  await openRow("Hepatobiliary MDT outcome");
  await waitFor("the text", `return /Synthetic MDT outcome/.test(document.querySelector('#report-body pre.report-text')?.textContent ?? '')`);
  assert.equal(await app.execute(text("#report-format")), "Plain text document");
  await app.screenshot(shots, "xca-02-text-report");
  await app.click(await app.find("#close-report"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});
