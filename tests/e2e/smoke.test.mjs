// Smoke test: the built viewer starts in training mode (no NIR configuration), shows the
// TRAINING marker, signs in as the sandbox's smartcard user through the system-browser
// flow, shows the NHS-number lookup field, and validates as the clinician types.
import { test } from "node:test";
import assert from "node:assert/strict";
import { driverPort, noConfig, shots as screenshots, viewerForTests } from "./session.mjs";

let browser;
viewerForTests({ port: driverPort(0), env: { NIR_VIEWER_CONFIG: noConfig }, started: (viewer) => (browser = viewer) });

test("opens in training mode, signs in, and shows the lookup field", async () => {
  const marker = await browser.find("#training-marker");
  assert.match(await browser.text(marker), /TRAINING/);
  await browser.screenshot(screenshots, "00-training-sign-in");
  await browser.click(await browser.find("#sign-in"));
  const field = await browser.find("#nhs-number", { timeoutMs: 60000 });
  assert.match(await browser.text(await browser.find("#user-label")), /\S/);
  assert.ok(field);
  await browser.screenshot(screenshots, "01-training-lookup");
});

test("validates the NHS number as it is typed", async () => {
  const field = await browser.find("#nhs-number");
  const search = await browser.find("#search");
  await browser.type(field, "9912003887");
  const hint = await browser.find("#nhs-number-hint");
  assert.match(await browser.text(hint), /check digit/i);
  assert.equal(await browser.execute("return document.getElementById('search').disabled;"), true);
  await browser.execute("const f = document.getElementById('nhs-number'); f.value = ''; f.dispatchEvent(new Event('input'));");
  await browser.type(field, "991 200 3888");
  assert.match(await browser.text(hint), /991 200 3888/);
  assert.equal(await browser.execute("return document.getElementById('search').disabled;"), false);
  assert.ok(search);
  await browser.screenshot(screenshots, "02-valid-nhs-number");
});
