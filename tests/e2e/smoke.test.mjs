// Smoke test: the built viewer starts in training mode (no NIR configuration), shows the
// TRAINING marker, signs in as the sandbox's smartcard user through the system-browser
// flow, shows the NHS-number lookup field, and validates as the clinician types.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const application = process.env.NIR_VIEWER_BIN ?? path.join(root, "target/debug/nir-viewer");
const screenshots = path.join(root, "target/e2e");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);

let driver;
let browser;

before(async () => {
  process.env.BROWSER = path.join(root, "tests/e2e/sign-in-browser.sh");
  driver = await startDriver({ port });
  browser = await WebDriver.start({
    port,
    application,
    env: { NIR_VIEWER_CONFIG: path.join(root, "tests/e2e/no-such-config.toml") },
  });
});

after(async () => {
  await browser?.quit();
  await stopDriver(driver);
});

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
