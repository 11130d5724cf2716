// The toolbar's drop-down lists must be readable: the stylesheet is loaded into the test
// document and the colours each option is drawn with are checked for contrast.
import { describe, expect, it } from "vitest";
import css from "./styles.css?raw";

/** Relative luminance of an `rgb(r, g, b)` or `#rrggbb` / `#rgb` colour (WCAG 2 definition). */
function luminance(colour: string): number {
  let channels: number[];
  const rgb = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(colour);
  if (rgb) channels = [rgb[1], rgb[2], rgb[3]].map(Number);
  else {
    let hex = colour.replace("#", "");
    if (hex.length === 3) hex = [...hex].map((c) => c + c).join("");
    if (!/^[0-9a-f]{6}$/i.test(hex)) throw new Error(`not a colour: "${colour}"`);
    channels = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }
  const [r, g, b] = channels.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

describe("stylesheet", () => {
  it("draws the toolbar's drop-down options with their own readable colours", () => {
    document.head.innerHTML = `<style>${css}</style>`;
    document.body.innerHTML = `<div class="toolbar"><select id="wl-presets"><option>Window presets</option></select>
      <select id="prior-select"><option>Compare with prior…</option></select></div>`;
    for (const option of document.querySelectorAll(".toolbar option")) {
      const style = getComputedStyle(option);
      // An option without its own background is drawn on the platform's list, often white.
      const transparent = style.backgroundColor === "" || /^rgba\(.*,\s*0\)$/.test(style.backgroundColor);
      const background = transparent ? "#ffffff" : style.backgroundColor;
      expect(contrast(style.color, background)).toBeGreaterThanOrEqual(4.5);
    }
    const select = document.querySelector(".toolbar select");
    expect(select && getComputedStyle(select).getPropertyValue("color-scheme")).toBe("dark");
  });

  it("outlines the active viewport with at least 3:1 contrast against the viewport and the grid", () => {
    document.head.innerHTML = `<style>${css}</style>`;
    document.body.innerHTML = `<div class="viewport-grid"><div class="viewport" aria-current="true"></div><div class="viewport"></div></div>`;
    const [active, other] = [...document.querySelectorAll(".viewport")].map((v) => getComputedStyle(v));
    expect(active?.outlineStyle).toBe("solid");
    expect(parseFloat(active?.outlineWidth ?? "0")).toBeGreaterThanOrEqual(2);
    const colour = active?.outlineColor ?? "";
    const grid = document.querySelector(".viewport-grid");
    for (const around of [active?.backgroundColor ?? "", grid ? getComputedStyle(grid).backgroundColor : ""]) {
      expect(contrast(colour, around), around).toBeGreaterThanOrEqual(3);
    }
    expect(other?.outlineStyle).not.toBe("solid");
  });

  it("gives text drawn over the image a dark halo, so it stays readable on any pixel", () => {
    // axe-core cannot measure text over a canvas (tests/e2e/axe.mjs accepts these elements
    // as measured here): white corner text and yellow markers each need a black halo, which
    // gives at least 4.5:1 against the halo whatever the image beneath.
    document.head.innerHTML = `<style>${css}</style>`;
    document.body.innerHTML = `<div class="viewport"><div class="corner tl">W 400 L 40</div><div class="marker top">A</div></div>`;
    for (const element of document.querySelectorAll(".corner, .marker")) {
      const style = getComputedStyle(element);
      const halo = /(rgb\([^)]*\)|#[0-9a-f]{3,6})\s*$|^(rgb\([^)]*\)|#[0-9a-f]{3,6})/i.exec(style.textShadow.trim());
      expect(halo, `${element.className}: ${style.textShadow}`).not.toBeNull();
      const haloColour = (halo?.[1] ?? halo?.[2]) as string;
      expect(contrast(style.color, haloColour), element.className).toBeGreaterThanOrEqual(4.5);
    }
  });
});
