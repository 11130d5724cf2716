// The clinician's walk through the viewer in training mode: sign in as the sandbox's
// smartcard user, look up the rich-history patient, see every network answer and the
// banner's demographics, filter the history, open the CT, scroll, change window/level,
// measure with the mouse and with the keyboard alone, change width/level and zoom from the
// keyboard, measure an elliptical region, long and short axes and a pixel, delete and undo a
// measurement, pick a preset by key, turn and reset the image, read the CT's reports beside
// its images, open the suggested prior side by side and scroll both together, open an outside
// prior as a third viewport, link it by table position and nudge its pairing, keep W/L and
// zoom in step, close the study and find nothing of it left, see reference lines between an
// axial and a coronal MR, read a report and the reports held inside studies (PDF and SR), see
// a portable chest film through its VOI LUT Sequence, a wrist film filed under a local
// hospital number with the identifier that matched, apply a radiologist's presentation state
// to it and take it off, measure a length in an ultrasound cine's calibrated tissue region
// (mm from the US region), work with text at 200 %, jump to the CT's key images, see the
// incomplete-results warning for the network-unavailable patient, and the banner's identity
// warning for an image of another patient. Each step saves a screenshot to target/e2e/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { driverPort, shots, viewerForTests, waitForScript } from "./session.mjs";
import { meanBrightness } from "./webdriver.mjs";

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

/** Opens the study toolbar's More tools panel (layouts, view, cine, compare) unless it is open. */
async function openMoreTools() {
  if ((await app.execute("return document.getElementById('more-tools').getAttribute('aria-expanded')")) !== "true") {
    await app.click(await app.find("#more-tools"));
  }
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

test("filters the history by record type, modality, network, dates and text", async () => {
  const set = (id, value, event = "change") =>
    app.execute(`const f = document.getElementById('${id}'); f.value = ${JSON.stringify(value)}; f.dispatchEvent(new Event('${event}'));`);
  const rows = (field) => app.execute(`return [...document.querySelectorAll('.history-row')].map((r) => r.querySelector('.${field}')?.textContent ?? '')`);
  const total = await app.execute("return document.querySelectorAll('.history-row').length");
  await set("filter-kind", "imagingStudy");
  await set("filter-modality", "CT");
  const modalities = await rows("row-modality");
  assert.ok(modalities.length >= 2 && modalities.length < total, `${modalities.length} CT studies of ${total} records`);
  assert.ok(modalities.every((m) => m === "CT"), JSON.stringify(modalities));
  assert.match(await app.execute(text("#filter-count")), new RegExp(`^Showing ${modalities.length} of ${total} records$`));
  await set("filter-from", "2023-01-01");
  const dates = await rows("row-date");
  assert.ok(dates.length >= 1 && dates.length < modalities.length && dates.every((d) => d >= "2023-01-01"), JSON.stringify(dates));
  await set("filter-from", "");
  await set("filter-text", "outside prior", "input");
  const found = await rows("row-description");
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.match(found[0], /^CT Chest Abdomen Pelvis \(outside prior\)/);
  await app.screenshot(shots, "03b-history-filtered");
  await app.click(await app.find("#filter-clear"));
  assert.equal(await app.execute("return document.querySelectorAll('.history-row').length"), total);
  // A network's records only, then back.
  const network = await app.execute("return document.getElementById('filter-network').options[1].value");
  await set("filter-network", network);
  const shown = await app.execute("return document.querySelectorAll('.history-row').length");
  assert.ok(shown > 0 && shown < total, `${shown} of ${total} from ${network}`);
  await app.click(await app.find("#filter-clear"));
});

test("opens the CT, scrolls, changes window/level and measures", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => row.querySelector('.row-modality')?.textContent === 'CT')?.querySelector('button').click();`);
  await waitFor("the first CT image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  // Really on screen, not only in the page: the middle of the first image (soft tissue at
  // W 400 L 40) is grey, not the black of an undrawn canvas.
  const opened = await app.screenshot(shots, "04-ct-open");
  const [left, top] = await app.execute("const r = document.querySelector('#viewport-grid .viewport-canvas').getBoundingClientRect(); return [r.left + r.width / 2 - 50, r.top + r.height / 2 - 50]");
  const brightness = meanBrightness(opened, left, top, 100, 100);
  assert.ok(brightness > 0.1, `the middle of the first CT image is black on screen (mean ${brightness})`);
  await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
  for (let i = 0; i < 6; i++) {
    await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }))");
  }
  await waitFor("image 7", `return /Image 7 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
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

test("changes width/level and zoom from the keyboard alone", async () => {
  const viewport = "document.querySelector('#viewport-grid .viewport')";
  const key = (name, shift = false) =>
    app.execute(`${viewport}.dispatchEvent(new KeyboardEvent('keydown', { key: '${name}', shiftKey: ${shift}, bubbles: true, cancelable: true }))`);
  const corner = "(document.querySelector('#viewport-grid .corner.bl')?.textContent ?? '')";
  const windowBefore = await app.execute(`return ${corner}.split('\\n')[0]`);
  await app.execute(`${viewport}.focus()`);
  await key("w");
  await key("ArrowRight", true);
  await waitFor("a wider window", `return ${corner}.split('\\n')[0] !== ${JSON.stringify(windowBefore)}`);
  await key("+");
  await waitFor("zoomed in", `return /Zoom 110%/.test(${corner})`);
  await key("-");
  await waitFor("zoomed back", `return /Zoom 100%/.test(${corner})`);
  await key("l");
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

test("measures long and short axes, probes a pixel, deletes and undoes, and turns the image back", async () => {
  const grid = "document.querySelector('#viewport-grid .viewport')";
  const count = `return ${grid}.querySelectorAll('g.measurement').length`;
  const before = await app.execute(count);
  // Bidirectional: a long axis by drag, then the short axis across it.
  await app.execute("document.querySelector('[data-tool=bidirectional]').click()");
  await app.execute(pointer("pointerdown", 420, 300, 0));
  await app.execute(pointer("pointermove", 520, 300, 0));
  await app.execute(pointer("pointerup", 520, 300, 0));
  await app.execute(pointer("pointerdown", 470, 270, 0));
  await app.execute(pointer("pointermove", 470, 330, 0));
  await app.execute(pointer("pointerup", 470, 330, 0));
  await waitFor("long and short axes in mm", `return [...${grid}.querySelectorAll('.measure-label')].some((l) => /L \\d+\\.\\d × S \\d+\\.\\d mm/.test(l.textContent))`).catch(async (error) => {
    const labels = await app.execute(`return [...${grid}.querySelectorAll('.measure-label')].map((l) => l.textContent)`);
    throw new Error(`${error.message}; labels: ${JSON.stringify(labels)}`);
  });
  // The pixel probe reads the value under the pointer in HU.
  await app.execute("document.querySelector('[data-tool=probe]').click()");
  await app.execute(pointer("pointerdown", 470, 300, 0));
  await app.execute(pointer("pointerup", 470, 300, 0));
  await waitFor("the probe's value", `return /-?\\d+(\\.\\d+)? HU/.test(${grid}.querySelector('.probe-readout')?.textContent ?? '')`);
  await app.screenshot(shots, "05d-ct-bidirectional-and-probe");
  // Select the newest measurement in the list, delete it, then Ctrl+Z brings it back.
  const added = await app.execute(count);
  assert.ok(added > before, `${added} measurements after ${before}`);
  await app.execute(`[...${grid}.querySelectorAll('.measure-item')].at(-1).click()`);
  await app.execute(`${grid}.focus(); ${grid}.dispatchEvent(new KeyboardEvent('keydown', { key: 'Delete', bubbles: true, cancelable: true }))`);
  await waitFor("one fewer", `${count} === ${added - 1}`);
  await app.execute(`${grid}.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true }))`);
  await waitFor("it back", `${count} === ${added}`);
  // A preset by number key, an anticlockwise turn, then 0 resets all but the image.
  const screen = "document.querySelector('#study-screen')";
  const press = (key, init = "") => app.execute(`${grid}.dispatchEvent(new KeyboardEvent('keydown', { key: '${key}', bubbles: true, cancelable: true ${init} }))`);
  await press("4");
  await waitFor("the lung preset", `return /W 1500 L -600/.test(document.querySelector('#viewport-grid .corner.bl')?.textContent ?? '')`);
  await press("R", ", shiftKey: true");
  await waitFor("a quarter turn anticlockwise", `return document.querySelector('#viewport-grid .marker.top')?.textContent === 'L'`);
  await press("0");
  await waitFor("the view reset", `return document.querySelector('#viewport-grid .marker.top')?.textContent === 'A' && /W 400 L 40/.test(document.querySelector('#viewport-grid .corner.bl')?.textContent ?? '')`);
  assert.ok(await app.execute(`return !!${screen}`));
  await app.execute("document.querySelector('[data-tool=scroll]').click()");
});

test("reads the CT's reports beside its images", async () => {
  // The rich patient's CT is reported twice (the radiologist's report, then the MDT outcome a
  // week later): both listed, the newest first and shown.
  const control = "document.querySelector('[data-action=report-beside]')";
  assert.match(await app.execute(`return ${control}?.textContent ?? ""`), /Reports \(2\)/);
  await app.execute(`${control}.click()`);
  await waitFor("the report beside the images", `return (document.querySelector('#report-beside #report-body')?.textContent ?? '').length > 10`);
  const listed = await app.execute("return [...document.querySelectorAll('#report-beside-list [data-record-id]')].map((b) => b.textContent)");
  assert.equal(listed.length, 2);
  assert.match(listed[0], /MDT outcome/);
  assert.match(listed[1], / · Report · /);
  assert.match(await app.execute(text("#report-beside #report-body")), /haemangioma/);
  // The viewports stay beside it, on screen.
  assert.equal(await app.execute("return document.getElementById('viewport-grid').hidden"), false);
  assert.ok((await app.execute("return document.getElementById('viewport-grid').getBoundingClientRect().width")) > 100);
  await app.screenshot(shots, "05d-ct-report-beside");
  // Esc inside the panel closes the panel only; the focus goes back to its button.
  await app.execute("document.getElementById('report-beside').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))");
  assert.equal(await app.execute("return document.getElementById('report-beside')"), null);
  assert.equal(await app.execute("return !!document.getElementById('study-screen')"), true);
  assert.equal(await app.execute("return document.activeElement?.dataset.action ?? ''"), "report-beside");
});

test("opens a prior side by side", async () => {
  await app.execute(`const s = document.getElementById('prior-select'); s.value = s.options[1].value; s.dispatchEvent(new Event('change'));`);
  await waitFor("the prior", `return !!document.getElementById('prior-label')`);
  // The one opened is the suggested prior (same modality and body part, most recent), and it
  // brings its own series list.
  assert.match(await app.execute(text("#prior-select option[data-suggested]")), /2023-11-08 CT .*\(suggested\)/);
  assert.equal(await app.execute("return document.getElementById('prior-select').options[1].dataset.suggested ?? ''"), "true");
  assert.ok((await app.execute("return document.getElementById('prior-series-2')?.options.length ?? 0")) >= 1);
  // The prior shares the current CT's frame of reference, so it opens at the slice nearest
  // the current image 7 (z = -8.75 mm of 1.25 mm slices, from the top): its 5 mm image 2
  // (z = -10 mm).
  await waitFor("the prior at the current slice", `return /Image 2 \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[1]?.textContent ?? '')`);
  assert.equal(await app.execute("return document.getElementById('prior-label').dataset.synchronised"), "true");
  // Current at image 17 (z = -21.25 mm) → prior's nearest 5 mm slice is image 4 (-20 mm).
  await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
  await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', bubbles: true }))");
  await waitFor("image 17", `return /Image 17 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the prior scrolled with it", `return /Image 4 \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[1]?.textContent ?? '')`);
  await app.screenshot(shots, "06-prior-side-by-side");
});

test("opens an outside prior as a third viewport, links it by table position, nudges the pairing and keeps W/L and zoom in step", async () => {
  const corner = (slot, place) => `return document.querySelectorAll('#viewport-grid .corner.${place}')[${slot}]?.textContent ?? ''`;
  await app.execute(`const s = document.getElementById('prior-select');
    s.value = [...s.options].find((o) => /outside prior/.test(o.textContent)).value; s.dispatchEvent(new Event('change'));`);
  await waitFor("the outside prior in a third viewport", `return !!document.getElementById('prior-label-3')`);
  await waitFor("its first image", `return /Image \\d+ \\//.test(document.querySelectorAll('#viewport-grid .corner.tr')[2]?.textContent ?? '')`);
  assert.match(await app.execute("return document.getElementById('viewport-grid').className"), /layout-1x3/);
  // Its own frame of reference: it scrolls on its own until linked by table position.
  assert.equal(await app.execute("return document.getElementById('prior-label-3').dataset.link"), "linkable");
  assert.match(await app.execute(text("#prior-label-3")), /\(2022-09-15\)/);
  await app.click(await app.find("#prior-link-3"));
  await waitFor("the link", `return document.getElementById('prior-label-3').dataset.link === 'linked'`);
  assert.match(await app.execute(text("#prior-link-state-3")), /^linked [+−]?\d+(\.\d)? mm$/);
  assert.equal(await app.execute("return document.getElementById('prior-link-3').getAttribute('aria-pressed')"), "true");
  // A manual adjustment of the pairing: one prior image down by its button, back up by Alt+↑.
  const state = text("#prior-link-state-3");
  const linked = await app.execute(state);
  await app.execute("document.querySelector('[data-prior-viewport=\"3\"] [data-action=prior-nudge-down]').click()");
  await waitFor("a new offset", `${state} !== ${JSON.stringify(linked)}`);
  assert.match(await app.execute(state), /^linked [+−]?\d+(\.\d)? mm$/);
  await app.screenshot(shots, "06b-prior-linked-nudged");
  await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', altKey: true, bubbles: true, cancelable: true }))");
  await waitFor("the offset back", `${state} === ${JSON.stringify(linked)}`);
  const linkedAt = await app.execute(corner(2, "tr"));
  await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
  await app.execute("document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown', bubbles: true }))");
  await waitFor("the linked prior scrolled with the current study", `${corner(2, "tr")} !== ${JSON.stringify(linkedAt)}`);
  // Window/level in step: the two priors take the current viewport's window (the option is
  // in the toolbar's More tools panel).
  await openMoreTools();
  await app.click(await app.find("#sync-window"));
  assert.equal(await app.execute("return document.getElementById('sync-window').getAttribute('aria-pressed')"), "true");
  await app.execute(pointer("pointerdown", 200, 200, 2));
  await app.execute(pointer("pointermove", 240, 190, 2));
  await app.execute(pointer("pointerup", 240, 190, 2));
  const windowOf = (slot) => `(document.querySelectorAll('#viewport-grid .corner.bl')[${slot}]?.textContent ?? '').split('\\n')[0]`;
  const current = await app.execute(`return ${windowOf(0)}`);
  await waitFor("both priors at the current window", `return ${windowOf(1)} === ${JSON.stringify(current)} && ${windowOf(2)} === ${JSON.stringify(current)}`).catch(async (error) => {
    const corners = await app.execute("return [...document.querySelectorAll('#viewport-grid .corner.bl')].map((c) => c.textContent)");
    throw new Error(`${error.message}; windows: ${JSON.stringify(corners)}`);
  });
  // Zoom in step: a Ctrl+wheel notch in the current viewport zooms the priors too. (The
  // press on the image closed the More tools panel.)
  await openMoreTools();
  await app.click(await app.find("#sync-zoom"));
  const zoomOf = (slot) => `(document.querySelectorAll('#viewport-grid .corner.bl')[${slot}]?.textContent ?? '').split('\\n')[1]`;
  const priorZoom = await app.execute(`return ${zoomOf(2)}`);
  await app.execute(`const c = document.querySelector('#viewport-grid .viewport-canvas'); const r = c.getBoundingClientRect();
    for (let i = 0; i < 3; i++) c.dispatchEvent(new WheelEvent('wheel', { bubbles: true, cancelable: true, ctrlKey: true, deltaY: -100, clientX: r.left + 200, clientY: r.top + 200 }));`);
  await waitFor("the current viewport zoomed", `return ${zoomOf(0)} !== 'Zoom 100%'`);
  await waitFor("the prior zoomed with it", `return ${zoomOf(2)} !== ${JSON.stringify(priorZoom)}`);
  if ((await app.execute("return document.getElementById('more-tools').getAttribute('aria-expanded')")) === "true") {
    await app.click(await app.find("#more-tools"));
  }
  await app.screenshot(shots, "06c-two-priors-linked-and-synchronised");
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

test("shows a portable chest film through its VOI LUT Sequence", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => /Portable chest AP/.test(row.textContent))?.querySelector('button').click();`);
  await waitFor("the portable chest image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the VOI LUT in use", `return /^VOI LUT/.test(document.querySelector('#viewport-grid .corner.bl')?.textContent ?? '')`).catch(async (error) => {
    throw new Error(`${error.message}; corner: ${await app.execute(text("#viewport-grid .corner.bl"))}`);
  });
  await app.screenshot(shots, "08d-cr-voi-lut");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("opens a wrist film filed under a local hospital number and says which identifier matched", async () => {
  await openStudyRow("DX");
  await waitFor("the DX image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the identity note", `return /Other Patient IDs/i.test(document.getElementById('identity-note')?.textContent ?? '')`).catch(async (error) => {
    throw new Error(`${error.message}; note: ${await app.execute(text("#identity-note"))}; banner mismatch: ${await app.execute(text("#banner-mismatch"))}`);
  });
  assert.equal(await app.execute("return document.getElementById('banner-mismatch')"), null);
  await app.screenshot(shots, "08e-dx-local-patient-id");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("applies a radiologist's presentation state to the DX wrist and takes it off again", async () => {
  await openStudyRow("DX");
  await waitFor("the PA view", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the presentation state offered", `return !!document.querySelector('#viewport-grid [data-action=presentation-state]')`);
  assert.equal(await app.execute(text("#viewport-grid [data-action=presentation-state]")), "Presentation state: FRACTURE");
  const own = await app.execute(text("#viewport-grid .corner.bl"));
  await app.execute("document.querySelector('#viewport-grid [data-action=presentation-state]').click()");
  await waitFor("the presentation state drawn", `return [...document.querySelectorAll('#viewport-grid g.presentation-state text')].some((t) => /Undisplaced fracture of the distal radius/.test(t.textContent))`);
  assert.equal(await app.execute("return document.querySelector('#viewport-grid g.presentation-state')?.dataset.label"), "FRACTURE");
  assert.ok((await app.execute("return document.querySelectorAll('#viewport-grid g.presentation-state polyline').length")) >= 3, "the arrow and the ellipse");
  assert.equal(await app.execute("return document.querySelector('#viewport-grid [data-action=presentation-state]').getAttribute('aria-pressed')"), "true");
  assert.match(await app.execute(text("#viewport-grid .corner.bl")), /W 1200 L 1800[\s\S]*Presentation state: FRACTURE/);
  await app.screenshot(shots, "08d-presentation-state");
  await app.execute("document.querySelector('#viewport-grid [data-action=presentation-state]').click()");
  await waitFor("the image's own window back", `return document.querySelector('#viewport-grid .corner.bl')?.textContent === ${JSON.stringify(own)}`);
  assert.equal(await app.execute("return document.querySelectorAll('#viewport-grid g.presentation-state').length"), 0);
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("measures a length inside the liver cine's 2D tissue region in its ultrasound region's mm", async () => {
  await app.execute(`[...document.querySelectorAll('.history-row.kind-imagingStudy')]
    .find((row) => /US Abdomen/.test(row.textContent))?.querySelector('button').click();`);
  await waitFor("the ultrasound cine", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  // The cine (320 × 240, no Pixel Spacing) is fitted to the canvas and centred: its 2D
  // tissue region is rows 0–179, the Doppler spectrum below. Pick two image points well
  // inside the tissue region and find them on the canvas.
  const [from, to] = await app.execute(`const r = document.querySelector('#viewport-grid .viewport-canvas').getBoundingClientRect();
    const scale = Math.min(r.width / 320, r.height / 240);
    const at = (x, y) => [r.width / 2 + (x - 160) * scale, r.height / 2 + (y - 120) * scale];
    return [at(100, 40), at(220, 140)];`);
  await app.execute("document.querySelector('[data-tool=length]').click()");
  await app.execute(pointer("pointerdown", from[0], from[1], 0));
  await app.execute(pointer("pointermove", to[0], to[1], 0));
  await app.execute(pointer("pointerup", to[0], to[1], 0));
  await waitFor("a length in the US region's mm", `return [...document.querySelectorAll('#viewport-grid .measure-label')].some((l) => /\\d+\\.\\d mm \\(US region\\)/.test(l.textContent))`).catch(async (error) => {
    const labels = await app.execute("return [...document.querySelectorAll('#viewport-grid g.measurement')].map((g) => g.getAttribute('data-label'))");
    throw new Error(`${error.message}; labels: ${JSON.stringify(labels)}`);
  });
  await app.screenshot(shots, "08f-us-region-length");
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
});

test("works with text at 200 % (WCAG 2.2 1.4.4)", async () => {
  await app.execute("document.documentElement.style.fontSize = '200%'");
  await openStudyRow("CT");
  await waitFor("the CT at 200 % text", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  // Nothing is cut off sideways: the page does not scroll horizontally, and every control of
  // the study on show and the banner's NHS number lie inside the window; the toolbar's row
  // (the tools, presets, More tools, reports) is in sight from top to bottom too.
  const overflow = await app.execute(`const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight;
    const out = [...document.querySelectorAll('#study-screen button, #study-screen select, #study-screen input, #banner-nhs-number')]
      .filter((e) => e.offsetParent !== null).filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > w + 1; })
      .map((e) => e.id || e.dataset.action || e.dataset.tool || e.textContent.trim().slice(0, 20));
    const unseen = [...document.querySelectorAll('#study-screen [role=toolbar] > button, #study-screen [role=toolbar] > select')]
      .filter((e) => { const r = e.getBoundingClientRect(); return r.top < 0 || r.bottom > h + 1; })
      .map((e) => e.id || e.dataset.action || e.dataset.tool);
    return { scroll: document.documentElement.scrollWidth - w, out, unseen };`);
  await app.screenshot(shots, "08f-200-percent-text");
  assert.ok(overflow.scroll <= 1, `the page scrolls sideways by ${overflow.scroll} px`);
  assert.deepEqual(overflow.out, [], "controls outside the window");
  assert.deepEqual(overflow.unseen, [], "toolbar controls above or below the window");
  // The image's size, and how much of it is in sight (the page may not push it off the bottom).
  const image = await app.execute(`const c = document.querySelector('#viewport-grid .viewport-canvas').getBoundingClientRect();
    const h = document.documentElement.clientHeight;
    return [Math.round(c.width), Math.round(c.height), Math.round(Math.min(c.bottom, h) - Math.max(c.top, 0))]`);
  assert.ok(image[0] >= 300 && image[1] >= 200, `the image has ${image[0]} × ${image[1]} px left`);
  assert.ok(image[2] >= 200, `only ${image[2]} px of the image's height is in the window`);
  // The rest of the tools are one press away: the More tools panel opens inside the window
  // with the focus in it, none of its controls off the side, and Esc closes it (not the
  // study), the focus back on its button.
  await app.click(await app.find("#more-tools"));
  const more = await app.execute(`const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight;
    const p = document.getElementById('more-tools-panel'); const box = p.getBoundingClientRect();
    const out = [...p.querySelectorAll('button, select, input')].filter((e) => { const r = e.getBoundingClientRect(); return r.width === 0 || r.left < 0 || r.right > w + 1; })
      .map((e) => e.id || e.dataset.action || e.dataset.layout);
    return { expanded: document.getElementById('more-tools').getAttribute('aria-expanded'), inside: box.left >= 0 && box.top >= 0 && box.right <= w + 1 && box.bottom <= h + 1, out, focus: p.contains(document.activeElement) };`);
  await app.screenshot(shots, "08g-200-percent-more-tools");
  assert.deepEqual(more, { expanded: "true", inside: true, out: [], focus: true });
  await app.execute("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))");
  assert.deepEqual(
    await app.execute("return [document.getElementById('more-tools-panel').hidden, document.activeElement?.id ?? '', !!document.getElementById('study-screen')]"),
    [true, "more-tools", true],
  );
  await app.click(await app.find("#close-study"));
  await waitFor("the history again", `return !!document.getElementById('history')`);
  await app.execute("document.documentElement.style.fontSize = ''");
});

test("jumps to a key image of the CT from its key images list, which the viewport marks", async () => {
  // The current CT holds a Key Object Selection flagging three liver slices (instances 212,
  // 214 and 216).
  await openStudyRow("CT");
  await waitFor("the first CT image", `return /Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
  await waitFor("the key images list", `return document.querySelectorAll('#series-list [data-action=key-image]').length === 3`);
  assert.equal(await app.execute("return document.querySelector('#viewport-grid .key-image-marker')?.hidden"), true);
  await app.execute("document.querySelectorAll('#series-list [data-action=key-image]')[1].focus()");
  await app.execute("document.activeElement.click()");
  await waitFor("the key image, instance 214", `return /Instance 214$/.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`).catch(async (error) => {
    const seen = await app.execute("return [document.querySelector('#viewport-grid .corner.tr')?.textContent, document.querySelector('#viewport-grid .viewport-status')?.textContent, document.getElementById('status')?.textContent]");
    throw new Error(`${error.message}; viewport shows ${JSON.stringify(seen)}`);
  });
  await waitFor("the key image marker", `return document.querySelector('#viewport-grid .key-image-marker')?.hidden === false`);
  assert.match(await app.execute(text("#viewport-grid .key-image-marker")), /Key image — Of Interest/);
  const shot = await app.screenshot(shots, "08d-ct-key-image");
  const [left, top] = await app.execute("const r = document.querySelector('#viewport-grid .viewport-canvas').getBoundingClientRect(); return [r.left + r.width / 2 - 50, r.top + r.height / 2 - 50]");
  assert.ok(meanBrightness(shot, left, top, 100, 100) > 0.1, "the key image is black on screen");
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
