// The clinician's walk through the viewer in training mode: sign in as the sandbox's
// smartcard user, look up the rich-history patient, see every network answer and the
// banner's demographics, open the CT, scroll, change window/level, measure with the mouse and
// with the keyboard alone, measure an elliptical region, open a prior side by side and
// scroll both together, close the study and find nothing of it left, see reference lines
// between an axial and a coronal MR, read a report and the reports held inside studies (PDF
// and SR), see the incomplete-results warning for the network-unavailable patient, and the
// banner's identity warning for an image of another patient. Each step saves a screenshot to
// target/e2e/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { driverPort, shots, viewerForTests, waitForScript } from "./session.mjs";

let app;
viewerForTests({ port: driverPort(10), started: (viewer) => (app = viewer) });

const waitFor = (description, script, timeoutMs) => waitForScript(app, description, script, timeoutMs);

const text = (selector) => `return document.querySelector(${JSON.stringify(selector)})?.textContent ?? ""`;

async function lookUp(nhs) {
  await app.execute(
    `const f = document.getElementById('nhs-number'); f.value = ${JSON.stringify(nhs)}; f.dispatchEvent(new Event('input'));`,
  );
  await app.click(await app.find("#search"));
  await waitFor("the history", `return !!document.getElementById('network-headline')`);
}

function pointer(type, x, y, button) {
  return `const c = document.querySelector('#viewport-grid .viewport-canvas'); const r = c.getBoundingClientRect();
    c.dispatchEvent(new PointerEvent('${type}', { bubbles: true, pointerId: 7, button: ${button}, buttons: ${button === 2 ? 2 : 1},
      clientX: r.left + ${x}, clientY: r.top + ${y} }));`;
}

test("signs in as the sandbox smartcard user", async () => {
  await app.click(await app.find("#sign-in"));
  await app.find("#nhs-number", { timeoutMs: 60000 });
});

test("looks up the rich-history patient and every network answers", async () => {
  await lookUp("9912003888");
  assert.match(await app.execute(text("#network-headline")), /All 3 networks answered/);
  assert.match(await app.execute(text("#banner-nhs-number")), /991 200 3888/);
  await waitFor("the images' demographics", `return document.getElementById('patient-banner')?.dataset.identity === 'checked'`);
  assert.equal(await app.execute(text("#banner-name")), "TRAINING, Alex");
  assert.equal(await app.execute(text("#banner-birth-date")), "14-Feb-1958");
  assert.equal(await app.execute(text("#banner-sex")), "Female");
  assert.equal(await app.execute(text("#banner-training")), "TRAINING");
  assert.equal(await app.execute("return document.getElementById('banner-mismatch')"), null);
  const rows = await app.execute("return document.querySelectorAll('.history-row').length");
  assert.ok(rows >= 6, `only ${rows} records`);
  await app.screenshot(shots, "03-history");
});

test("opens the CT, scrolls, changes window/level and measures", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => row.querySelector('.row-modality')?.textContent === 'CT')?.querySelector('button').click();`);
  await waitFor("the first CT image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await app.screenshot(shots, "04-ct-open");
  await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
  for (let i = 0; i < 5; i++) {
    await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }))");
  }
  await waitFor("image 6", `return /Image 6 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  const before = await app.execute(text("#viewport-grid .corner.bl"));
  await app.execute(pointer("pointerdown", 200, 200, 2));
  await app.execute(pointer("pointermove", 300, 260, 2));
  await app.execute(pointer("pointerup", 300, 260, 2));
  await waitFor("a new window/level", `return document.querySelector('#viewport-grid .corner.bl')?.textContent !== ${JSON.stringify(before)}`);
  await app.execute("document.querySelector('[data-tool=length]').click()");
  await app.execute(pointer("pointerdown", 150, 150, 0));
  await app.execute(pointer("pointermove", 250, 150, 0));
  await app.execute(pointer("pointerup", 250, 150, 0));
  await waitFor("a length in mm", `return /\\d+\\.\\d mm/.test(document.querySelector('#viewport-grid .measure-label')?.textContent ?? '')`).catch(async (error) => {
    const svg = await app.execute("return document.querySelector('#viewport-grid .measure-layer')?.outerHTML ?? 'none'");
    throw new Error(`${error.message}; measurement layer: ${svg}`);
  });
  await app.screenshot(shots, "05-ct-scrolled-windowed-measured");
});

test("measures with the keyboard alone", async () => {
  // The length tool is still picked: Enter shows the crosshair, Enter presses at its place,
  // Shift+arrows move it 10 image pixels at a time, and Enter releases (WCAG 2.1.1).
  const viewport = "document.querySelector('#viewport-grid .viewport')";
  const count = `return ${viewport}.querySelectorAll('g.measurement').length`;
  const before = await app.execute(count);
  const key = (name, shift = false) =>
    app.execute(`${viewport}.dispatchEvent(new KeyboardEvent('keydown', { key: '${name}', shiftKey: ${shift}, bubbles: true, cancelable: true }))`);
  await app.execute(`${viewport}.focus()`);
  await key("Enter");
  await waitFor("the keyboard crosshair", `return !!${viewport}.querySelector('.keyboard-crosshair')`);
  await key("Enter");
  for (let i = 0; i < 6; i++) await key("ArrowRight", true);
  await key("Enter");
  await waitFor("a length placed by keyboard", `${count} > ${before}`);
  assert.match(await app.execute(text("#status")), /mm/);
  await app.screenshot(shots, "05b-ct-measured-by-keyboard");
});

test("measures an elliptical region in Hounsfield units", async () => {
  await app.execute("document.querySelector('[data-tool=ellipse]').click()");
  // Inside the body, above the left-hand vessel, clear of the two lengths.
  await app.execute(pointer("pointerdown", 600, 170, 0));
  await app.execute(pointer("pointermove", 680, 230, 0));
  await app.execute(pointer("pointerup", 680, 230, 0));
  await waitFor("the region's statistics", `return [...document.querySelectorAll('#viewport-grid .measure-label')].some((l) => /Mean -?\\d+\\.\\d, SD \\d+\\.\\d HU/.test(l.textContent))`).catch(async (error) => {
    const labels = await app.execute("return [...document.querySelectorAll('#viewport-grid .measure-label')].map((l) => l.textContent)");
    throw new Error(`${error.message}; labels: ${JSON.stringify(labels)}`);
  });
  await app.screenshot(shots, "05c-ct-ellipse-roi");
});

test("opens a prior side by side", async () => {
  await app.execute(`const s = document.getElementById('prior-select'); s.value = s.options[1].value; s.dispatchEvent(new Event('change'));`);
  await waitFor("the prior", `return !!document.getElementById('prior-label')`);
  // The prior shares the current CT's frame of reference, so it opens at the slice nearest
  // the current image 6 (z = -493.75 mm of 1.25 mm slices): its 5 mm image 2.
  await waitFor("the prior at the current slice", `return /Image 2 \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[1]?.textContent ?? '')`);
  assert.equal(await app.execute("return document.getElementById('prior-label').dataset.synchronised"), "true");
  // Current at image 16 (z = -481.25 mm) → prior's nearest 5 mm slice is image 5.
  await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
  await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', bubbles: true }))");
  await waitFor("image 16", `return /Image 16 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the prior scrolled with it", `return /Image 5 \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[1]?.textContent ?? '')`);
  await app.screenshot(shots, "06-prior-side-by-side");
});

test("closing the study leaves nothing of it in the UI", async () => {
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
  const left = await app.execute("return document.querySelectorAll('#study-screen, .viewport-canvas, .thumbnail').length");
  assert.equal(left, 0);
  await app.screenshot(shots, "07-study-closed");
});

test("draws where a coronal image crosses the axial beside it (reference lines)", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => /MR Head/.test(row.textContent))?.querySelector('button').click();`);
  await waitFor("the first MR image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await app.execute("document.querySelector('[data-layout=\"1x2\"]').click()");
  await app.execute("document.querySelectorAll('#viewport-grid .viewport')[1].focus()");
  await app.execute(`[...document.querySelectorAll('.series-item')]
    .find((item) => item.textContent.includes('FLAIR coronal'))?.querySelector('button').click();`);
  await waitFor("the coronal image", `return /Image 1 \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[1]?.textContent ?? '')`);
  // Twelve slices into the coronal series, so its plane crosses the middle of the head.
  for (let i = 0; i < 12; i++) {
    await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }))");
  }
  await waitFor("a reference line on the axial image", `return document.querySelectorAll('#viewport-grid .viewport')[0].querySelectorAll('g.reference-line').length > 0`).catch(async (error) => {
    const corners = await app.execute("return [...document.querySelectorAll('#viewport-grid .corner.tr')].map((c) => c.textContent)");
    throw new Error(`${error.message}; viewports show ${JSON.stringify(corners)}`);
  });
  assert.match(await app.execute("return document.querySelector('#viewport-grid g.reference-line')?.dataset.label ?? ''"), /Current · Series/);
  await app.screenshot(shots, "07b-reference-lines");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("reads a report", async () => {
  await app.execute(`document.querySelector('.row-open[data-kind=diagnosticReport]').click()`);
  await waitFor("the report text", `return (document.getElementById('report-body')?.textContent ?? '').length > 10`);
  await app.screenshot(shots, "08-report");
  await app.click(await app.find("#close-report"));
});

function openStudyRow(modality) {
  return app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => row.querySelector('.row-modality')?.textContent === ${JSON.stringify(modality)})?.querySelector('button').click();`);
}

test("reads reports held inside studies: an encapsulated PDF and a structured report", async () => {
  await openStudyRow("DOC");
  await waitFor("the PDF drawn in the window", `return document.querySelectorAll('#study-screen #pdf-pages canvas.pdf-page').length > 0`);
  await app.screenshot(shots, "08b-study-pdf");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
  await openStudyRow("CR");
  await waitFor("the CR image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await app.execute(`document.querySelector('.series-item[data-document=sr] button').click()`);
  await waitFor("the structured report's text", `return /Impression: Normal chest radiograph/.test(document.querySelector('#study-screen #report-body')?.textContent ?? '')`);
  assert.match(await app.execute(text("#study-screen #report")), /Diagnostic imaging report/);
  await app.screenshot(shots, "08c-study-sr");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("jumps to a key image of the CT from its key images list, which the viewport marks", async () => {
  // The current CT holds a Key Object Selection flagging three liver slices (212, 214, 216).
  await openStudyRow("CT");
  await waitFor("the first CT image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the key images list", `return document.querySelectorAll('#series-list [data-action=key-image]').length === 3`);
  assert.equal(await app.execute("return document.querySelector('#viewport-grid .key-image-marker')?.hidden"), true);
  await app.execute("document.querySelectorAll('#series-list [data-action=key-image]')[1].focus()");
  await app.execute("document.activeElement.click()");
  await waitFor("key image 214", `return /Image 214 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the key image marker", `return document.querySelector('#viewport-grid .key-image-marker')?.hidden === false`);
  assert.match(await app.execute(text("#viewport-grid .key-image-marker")), /Key image — Of Interest/);
  await app.screenshot(shots, "08d-ct-key-image");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("warns that results may be incomplete when a network does not answer", async () => {
  await app.click(await app.find("#new-patient"));
  await app.find("#nhs-number");
  await lookUp("9000000017");
  assert.match(await app.execute(text("#network-headline")), /2 of 3 networks answered — results may be incomplete/);
  await app.screenshot(shots, "09-network-unavailable");
});

test("warns in the banner when an image is labelled with another patient", async () => {
  await app.click(await app.find("#new-patient"));
  await app.find("#nhs-number");
  await lookUp("9912003918");
  await waitFor("the identity warning", `return !!document.getElementById('banner-mismatch')`);
  assert.match(await app.execute(text("#banner-mismatch")), /CT Head.*different patient ID/);
  assert.equal(await app.execute(text("#banner-name")), "TRAINING, Gray");
  await app.screenshot(shots, "10-identity-warning");
});
