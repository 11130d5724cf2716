// UI benchmark (not a test): drives the viewer in training mode through tauri-driver and
// measures, inside the page, what the clinician feels:
//   - first image: from the click that opens the rich-history CT (400 × 512×512) to its
//     first image drawn (the overlay's "Image 1 /" appearing), median of BENCH_RUNS opens
//     after one unmeasured open that lets the sandbox make its synthetic instances; and
//     whether a preview of the first image was drawn before it (only when the open waited
//     for the study's metadata);
//   - window/level drag: a right-button drag moved one step every animation frame for
//     BENCH_SECONDS; updates drawn per second (the overlay's W/L text changes, which happen only
//     inside a draw), next to the page's own animation-frame rate;
//   - idle: the page's animation-frame rate with nothing to draw, the ceiling every rate
//     above is bounded by (a virtual display with software GL is far below a monitor's 60);
//   - stack scroll: with the whole study retrieved into memory, one image forward every
//     animation frame for BENCH_SECONDS; distinct images drawn per second;
//   - the viewer's own cost of one window/level step and one scroll step, apart from the
//     display's frame rate: the input handler, the viewport's draw until the GL work has
//     finished (gl.finish and a one-pixel read), and the style and layout it leaves behind
//     (forced at once). The draw is bracketed by two animation-frame callbacks registered
//     just before and just after the input, which run either side of the viewport's own
//     callback. The sustainable rate is 1000 ms over the mean cost of a step. The probes
//     belong to this script; the viewer has no benchmark mode.
// Counters run in the page (requestAnimationFrame and a MutationObserver on the overlay);
// the script only starts them and reads the results. Prints a Markdown table.
//
// Usage: node bench/ui.mjs   (under xvfb-run and dbus-run-session, like the e2e tests)
// Env:   NIR_VIEWER_BIN (default target/ui-bench/nir-viewer: the release build with debug
//        assertions, which tauri-driver can attach to; see Cargo.toml), BENCH_PORT (default 4484),
//        BENCH_RUNS (default 3), BENCH_SECONDS (default 3)
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { WebDriver, startDriver, stopDriver } from "../tests/e2e/webdriver.mjs";

const root = path.resolve(import.meta.dirname, "..");
const application = process.env.NIR_VIEWER_BIN ?? path.join(root, "target/ui-bench/nir-viewer");
const port = Number(process.env.BENCH_PORT ?? 4484);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

let app;

async function waitFor(description, script, timeoutMs = 180000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await app.execute(script);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(100);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Opens the newest CT and answers ms from the click to its first image drawn. */
async function firstImageMs() {
  await app.execute(`
    window.__firstImage = null;
    window.__firstPreview = null;
    const start = performance.now();
    const poll = () => {
      if (window.__firstPreview === null && document.getElementById('study-preview')) window.__firstPreview = performance.now() - start;
      const corner = document.querySelector('#viewport-grid .corner.tr');
      if (corner && /^Image 1 \\//.test(corner.textContent ?? '')) window.__firstImage = performance.now() - start;
      else requestAnimationFrame(poll);
    };
    [...document.querySelectorAll('.history-row.kind-imagingStudy')]
      .find((row) => row.querySelector('.row-modality')?.textContent === 'CT').querySelector('button').click();
    requestAnimationFrame(poll);`);
  const image = await waitFor("the first CT image", "return window.__firstImage");
  previews.push(await app.execute("return window.__firstPreview"));
  return image;
}

/** When each open's preview was drawn (ms from the click), or null when it had none. */
const previews = [];

/** Runs `step` every animation frame for `seconds`, counting changes of `selector`'s text. */
async function perFrame(selector, step) {
  await app.execute(`
    const target = document.querySelector(${JSON.stringify(selector)});
    const result = { changes: 0, frames: 0, elapsed: 0, done: false };
    window.__perFrame = result;
    const observer = new MutationObserver(() => { result.changes += 1; });
    observer.observe(target, { childList: true, characterData: true, subtree: true });
    const step = ${step};
    let start = null;
    const tick = (now) => {
      if (start === null) start = now;
      result.frames += 1;
      if (now - start >= ${seconds * 1000}) {
        result.elapsed = now - start;
        result.done = true;
        observer.disconnect();
        return;
      }
      step(result.frames);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);`);
  const result = await waitFor("the measurement", "return window.__perFrame.done && window.__perFrame", (seconds + 60) * 1000);
  return { perSecond: (result.changes * 1000) / result.elapsed, fps: (result.frames * 1000) / result.elapsed };
}

/**
 * The viewer's own cost of `step`, once per animation frame for `seconds`: the input handler,
 * the viewport's draw until the GL work has finished, and the style and layout left behind.
 * `drawn(n)` tells whether step n was drawn in the frame after it (a scroll step whose image
 * had to be fetched is not, and is counted apart). The sustainable rate is 1000 ms over the
 * mean cost of a step.
 */
async function costPerStep(step, drawn) {
  await app.execute(`
    const gl = document.querySelector('#viewport-grid .viewport-canvas').getContext('webgl2');
    const pixel = new Uint8Array(4);
    const result = { samples: [], missed: 0, done: false };
    window.__cost = result;
    const step = ${step};
    const drawn = ${drawn};
    let n = 0;
    let input = 0;
    let drawStart = 0;
    const started = performance.now();
    const before = () => { drawStart = performance.now(); };
    const after = () => {
      gl.finish();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      const drawEnd = performance.now();
      document.body.getBoundingClientRect();
      const layoutEnd = performance.now();
      if (drawn(n)) result.samples.push([input, drawEnd - drawStart, layoutEnd - drawEnd]);
      else result.missed += 1;
      if (layoutEnd - started < ${seconds * 1000}) next();
      else result.done = true;
    };
    const next = () => {
      n += 1;
      requestAnimationFrame(before);
      const t0 = performance.now();
      step(n);
      input = performance.now() - t0;
      requestAnimationFrame(after);
    };
    requestAnimationFrame(next);`);
  const result = await waitFor("the cost measurement", "return window.__cost.done && window.__cost", (seconds + 60) * 1000);
  // WebKit's performance.now() ticks in whole milliseconds, so single samples are 0, 1, 2…
  // ms; the mean over every step is what has the resolution, the 90th percentile the spread.
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const column = (i) => result.samples.map((s) => s[i]);
  const total = result.samples.map((s) => s[0] + s[1] + s[2]);
  const p90 = [...total].sort((a, b) => a - b)[Math.floor(total.length * 0.9)] ?? NaN;
  return {
    steps: result.samples.length,
    missed: result.missed,
    input: mean(column(0)),
    draw: mean(column(1)),
    layout: mean(column(2)),
    total: mean(total),
    p90,
    sustainable: 1000 / mean(total),
  };
}

const dragDrawn = `(() => {
  let last = document.querySelector('#viewport-grid .corner.bl').textContent;
  return () => {
    const text = document.querySelector('#viewport-grid .corner.bl').textContent;
    const changed = text !== last;
    last = text;
    return changed;
  };
})()`;

const scrollDrawn = `(() => {
  const first = Number(/^Image (\\d+)/.exec(document.querySelector('#viewport-grid .corner.tr').textContent)[1]);
  return (n) => document.querySelector('#viewport-grid .corner.tr').textContent.startsWith(\`Image \${first + n} /\`);
})()`;

const dragStep = `(n) => {
  const c = document.querySelector('#viewport-grid .viewport-canvas');
  const r = c.getBoundingClientRect();
  const type = n === 1 ? 'pointerdown' : 'pointermove';
  c.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 9, button: 2, buttons: 2,
    clientX: r.left + 200 + (n % 100), clientY: r.top + 200 + (n % 50) }));
}`;

const dragMoveStep = `(n) => {
  const c = document.querySelector('#viewport-grid .viewport-canvas');
  const r = c.getBoundingClientRect();
  c.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, pointerId: 9, button: 2, buttons: 2,
    clientX: r.left + 200 + (n % 100), clientY: r.top + 200 + (n % 50) }));
}`;

const pointer = (type) => `const c = document.querySelector('#viewport-grid .viewport-canvas');
  const r = c.getBoundingClientRect();
  c.dispatchEvent(new PointerEvent('${type}', { bubbles: true, pointerId: 9, button: 2, buttons: 2, clientX: r.left + 200, clientY: r.top + 200 }));`;

const key = (name) => `document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: '${name}', bubbles: true }))`;

const scrollStep = `() => {
  document.querySelector('#study-screen').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
}`;

async function main() {
  process.env.BROWSER = path.join(root, "tests/e2e/sign-in-browser.sh");
  const driver = await startDriver({ port });
  try {
    app = await WebDriver.start({ port, application });
    await app.click(await app.find("#sign-in"));
    await app.find("#nhs-number", { timeoutMs: 60000 });
    await app.execute(`const f = document.getElementById('nhs-number'); f.value = '9912003888'; f.dispatchEvent(new Event('input'));`);
    await app.click(await app.find("#search"));
    await waitFor("the history and the identity check", `return document.getElementById('patient-banner')?.dataset.identity === 'checked'`);

    // The sandbox makes each synthetic instance (JPEG-LS encoding included) on its first
    // request; one unmeasured open lets it do so, so that the runs time the viewer.
    const warmUp = await firstImageMs();
    const opens = [];
    for (let run = 0; run < runs; run++) {
      await app.click(await app.find("#close-study"));
      await waitFor("the history", `return !!document.getElementById('history')`);
      opens.push(await firstImageMs());
    }
    await waitFor("the whole CT in memory", `const bar = document.querySelector('.series-progress');
      return !!bar && Number(bar.getAttribute('value')) >= Number(bar.getAttribute('max'))`);
    await app.execute("document.querySelector('#viewport-grid .viewport').focus()");
    const idle = await perFrame("#viewport-grid .corner.bl", "() => {}");
    const renderer = await app.execute(`const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : (gl ? gl.getParameter(gl.RENDERER) : 'no WebGL2');`);
    const windowLevel = await perFrame("#viewport-grid .corner.bl", dragStep);
    await app.execute(pointer("pointerup"));
    await app.execute(key("Home"));
    await waitFor("image 1", `return /^Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
    const scroll = await perFrame("#viewport-grid .corner.tr", scrollStep);

    await app.execute(pointer("pointerdown"));
    const windowLevelCost = await costPerStep(dragMoveStep, dragDrawn);
    await app.execute(pointer("pointerup"));
    await app.execute(key("Home"));
    await waitFor("image 1", `return /^Image 1 \\//.test(document.querySelector('#viewport-grid .corner.tr')?.textContent ?? '')`);
    const scrollCost = await costPerStep(scrollStep, scrollDrawn);

    const build = application.includes("/ui-bench/") ? "release with debug assertions (ui-bench profile)" : application.includes("/release/") ? "release" : "debug";
    const ms = (v) => `${v.toFixed(1)} ms`;
    const costRow = (name, target, cost, unit) =>
      `| ${name}: the viewer's own cost per step | — | ${ms(cost.total)} mean, ${ms(cost.p90)} p90 ` +
      `(input ${ms(cost.input)}, draw to GL finished ${ms(cost.draw)}, style and layout ${ms(cost.layout)}; ` +
      `${cost.steps} steps${cost.missed ? `, ${cost.missed} not drawn in the next frame` : ""}) → ` +
      `sustainable ${cost.sustainable.toFixed(0)} ${unit}/s ${cost.sustainable >= target ? "≥" : "<"} ${target} |`;
    // Three ceilings: the viewer's own cost, the page's frame rate while the image changes
    // every frame (compositing the canvas included), and the idle frame rate.
    const binds = (name, target, measured, cost) => {
      const limits = [
        ["the viewer's own cost", cost.sustainable],
        ["the page's frame rate while the image changes", measured.fps],
      ].sort((a, b) => a[1] - b[1]);
      const [which, limit] = limits[0];
      return `- ${name}: ${which} binds (viewer ${cost.sustainable.toFixed(0)}/s, frames while drawing ` +
        `${measured.fps.toFixed(1)}/s, idle frames ${idle.fps.toFixed(1)}/s); ` +
        `${limit >= target ? "it allows" : "it is below"} the target of ${target}/s.`;
    };
    console.log(`UI benchmark, ${new Date().toISOString().slice(0, 10)}, ${build} build, rich-history CT (400 × 512×512)`);
    console.log(`Load average at the end: ${os.loadavg().map((v) => v.toFixed(1)).join(", ")} on ${os.cpus().length} cores.`);
    const webkitEnv = Object.entries(process.env).filter(([name]) => name.startsWith("WEBKIT_"));
    if (webkitEnv.length > 0) console.log(`WebKit settings from the environment: ${webkitEnv.map(([k, v]) => `${k}=${v}`).join(", ")}.`);
    console.log("");
    console.log("| measure | target | measured |");
    console.log("|---|---|---|");
    console.log(`| first image after opening the CT (median of ${runs}) | ≤ 1 s | ${Math.round(median(opens))} ms (runs: ${opens.map((v) => Math.round(v)).join(", ")} ms) |`);
    console.log(`| first image, first open (the sandbox still making the instances) | — | ${Math.round(warmUp)} ms |`);
    const drawn = previews.filter((v) => v !== null);
    console.log(`| preview of the first image before the study opened (opens with one) | — | ${drawn.length} of ${previews.length}${drawn.length ? `: ${drawn.map((v) => Math.round(v)).join(", ")} ms` : " (the identity check had read the metadata already, so no open waited for it)"} |`);
    console.log(`| window/level drag updates drawn | ≥ 60/s | ${windowLevel.perSecond.toFixed(1)}/s (page animation frames: ${windowLevel.fps.toFixed(1)}/s) |`);
    console.log(costRow("window/level", 60, windowLevelCost, "updates"));
    console.log(`| page animation frames with nothing to draw (the display's ceiling) | — | ${idle.fps.toFixed(1)}/s (WebGL renderer as WebKit names it to the page: ${renderer}) |`);
    console.log(`| stack scroll, images in memory | ≥ 30/s | ${scroll.perSecond.toFixed(1)} images/s (page animation frames: ${scroll.fps.toFixed(1)}/s) |`);
    console.log(costRow("stack scroll", 30, scrollCost, "images"));
    console.log("");
    console.log(binds("window/level", 60, windowLevel, windowLevelCost));
    console.log(binds("stack scroll", 30, scroll, scrollCost));
  } finally {
    await app?.quit().catch(() => undefined);
    await stopDriver(driver);
  }
}

await main();
