// A live start with a managed configuration that `config check` would fail: the window
// names each problem and offers no sign-in, and nothing is sent anywhere — the NIR base,
// the identity provider and the audit endpoint of that configuration all point at one
// loopback listener here, which must see no connection at all.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { application, driverPort, shots as screenshots } from "./session.mjs";
import { WebDriver, startDriver, stopDriver } from "./webdriver.mjs";

const port = driverPort(60);

let driver;
let browser;
let listener;
let connections = 0;
let dir;

before(async () => {
  listener = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${listener.address().port}`;
  dir = mkdtempSync(path.join(tmpdir(), "nir-refused-"));
  const config = path.join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "[nir]",
      'flavour = "fhir"',
      `base_url = "http://${address}/FHIR/R4/"`,
      "[auth]",
      `issuer = "http://${address}/oidc"`,
      'client_id = "nir-viewer"',
      "[audit]",
      `fhir_endpoint = "http://${address}/audit/"`,
      "",
    ].join("\n"),
  );
  // The driver's environment reaches the viewer it starts.
  process.env.NIR_VIEWER_CONFIG = config;
  driver = await startDriver({ port });
  delete process.env.NIR_VIEWER_CONFIG;
  browser = await WebDriver.start({ port, application });
});

after(async () => {
  await browser?.quit();
  await stopDriver(driver);
  listener?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("an invalid live configuration is refused on screen and reaches no network", async () => {
  const screen = await browser.find("#configuration-refused", { timeoutMs: 30000 });
  const text = await browser.text(screen);
  for (const expected of ["nir.base_url must use https", "ods_code", "allowed_roles", "auth.issuer must use https"]) {
    assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
  }
  assert.equal(await browser.execute("return document.getElementById('sign-in');"), null);
  assert.equal(await browser.execute("return document.getElementById('training-marker');"), null);
  await browser.screenshot(screenshots, "refused-configuration");
  await sleep(3000);
  assert.equal(connections, 0, "the refused configuration's addresses were contacted");
});
