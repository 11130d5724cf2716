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
    document.body.innerHTML = `<div class="toolbar"><select id="wl-presets"><option>Window presets</option></select></div>
      <header class="study-header"><div class="prior-menu"><select id="prior-select"><option>Compare with prior…</option></select></div></header>`;
    const options = document.querySelectorAll(".toolbar option, .prior-menu option");
    expect(options).toHaveLength(2);
    for (const option of options) {
      const style = getComputedStyle(option);
      // An option without its own background is drawn on the platform's list, often white.
      const transparent = style.backgroundColor === "" || /^rgba\(.*,\s*0\)$/.test(style.backgroundColor);
      const background = transparent ? "#ffffff" : style.backgroundColor;
      expect(contrast(style.color, background)).toBeGreaterThanOrEqual(4.5);
    }
    for (const select of document.querySelectorAll("select")) expect(getComputedStyle(select).getPropertyValue("color-scheme"), select.id).toBe("dark");
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

/** The stylesheet's rules as parsed by the document: top-level ones and those in @media or @container (`media` holds the condition). */
function rules(): { selector: string; style: CSSStyleDeclaration; media: string | null }[] {
  document.head.innerHTML = `<style>${css}</style>`;
  const sheet = document.styleSheets[0];
  if (!sheet) throw new Error("no stylesheet");
  const found: { selector: string; style: CSSStyleDeclaration; media: string | null }[] = [];
  for (const rule of sheet.cssRules) {
    if (rule instanceof CSSStyleRule) found.push({ selector: rule.selectorText, style: rule.style, media: null });
    else if (rule instanceof CSSMediaRule) {
      for (const inner of rule.cssRules) if (inner instanceof CSSStyleRule) found.push({ selector: inner.selectorText, style: inner.style, media: rule.media.mediaText });
    } else if (rule.cssText.startsWith("@container")) {
      // jsdom has no CSSContainerRule global to test against: its condition and rules by shape.
      const container = rule as CSSRule & { conditionText: string; cssRules: CSSRuleList };
      for (const inner of container.cssRules) if (inner instanceof CSSStyleRule) found.push({ selector: inner.selectorText, style: inner.style, media: `container ${container.conditionText}` });
    }
  }
  return found;
}

describe("stylesheet at 200 % text (WCAG 2.2 1.4.4)", () => {
  it("follows the reader's text size and sizes every font in rem or em", () => {
    const all = rules();
    const root = all.find((r) => r.selector === ":root");
    expect(root?.style.getPropertyValue("font-size")).toBe("100%");
    const fonts = all.filter((r) => r.style.getPropertyValue("font-size") !== "" && r.selector !== ":root");
    expect(fonts.length).toBeGreaterThan(20);
    for (const { selector, style } of fonts) expect(style.getPropertyValue("font-size"), selector).toMatch(/^[\d.]+r?em$/);
    // Form controls do not inherit the page's text size: each list and field says its own.
    for (const controls of [".toolbar select, .toolbar input", ".filter-field select, .filter-field input", ".lookup input", "button"]) {
      expect(all.find((r) => r.selector === controls)?.style.getPropertyValue("font-size"), controls).toMatch(/rem$/);
    }
  });

  it("fixes no width or height in pixels except an image's, so text boxes grow with their text", () => {
    // The series thumbnail is a 96-pixel image, and the visually hidden texts 1-pixel clips.
    const images = new Set([".thumbnail", ".visually-hidden", ".training-detail"]);
    for (const { selector, style } of rules()) {
      if (images.has(selector)) continue;
      for (const property of ["width", "height", "min-width", "min-height", "max-width", "max-height", "line-height"]) {
        expect(style.getPropertyValue(property), `${selector} ${property}`).not.toMatch(/\dpx/);
      }
    }
  });

  it("lets text wrap: no line is kept from breaking but the visually hidden one", () => {
    for (const { selector, style } of rules()) {
      if (selector === ".visually-hidden") continue;
      expect(style.getPropertyValue("white-space"), selector).not.toMatch(/^(pre|nowrap)$/);
    }
  });

  it("wraps every row of boxes, so scaled text moves down and never off the side", () => {
    // The study's body is the series list beside the images: it shares, it does not wrap.
    const sideBySide = new Set([".study-body"]);
    const rows = rules().filter(({ selector, style }) => style.getPropertyValue("display") === "flex" && style.getPropertyValue("flex-direction") !== "column" && !sideBySide.has(selector));
    expect(rows.map((r) => r.selector)).toEqual(expect.arrayContaining([".app-header", ".toolbar", ".study-header", ".patient-banner", ".report-header", ".launch-confirm-actions", ".prior-progress"]));
    for (const { selector, style } of rows) expect(style.getPropertyValue("flex-wrap"), selector).toBe("wrap");
  });

  it("lays a history row out in columns that wrap onto further lines when the text does not fit", () => {
    const all = rules();
    const row = all.find((r) => r.selector === ".history-row")?.style;
    expect(row?.getPropertyValue("display")).toBe("flex");
    expect(row?.getPropertyValue("flex-wrap")).toBe("wrap");
    // No grid of fixed columns anywhere: a sum of rem widths would outgrow the window at 200 %.
    for (const { selector, style } of all) expect(style.getPropertyValue("grid-template-columns"), selector).toBe("");
    // The description takes up the room left, from a base in rem.
    const description = all.find((r) => r.selector === ".history-row > .row-description")?.style;
    expect(description?.getPropertyValue("flex")).toMatch(/^1 1 [\d.]+rem$/);
  });

  it("keeps the viewport's corner text in its own half, and the help within the window", () => {
    const all = rules();
    const corner = all.find((r) => r.selector === ".corner");
    expect(corner?.style.getPropertyValue("max-width")).toMatch(/^calc\(50%/);
    expect(corner?.style.getPropertyValue("white-space")).toBe("pre-wrap");
    const help = all.find((r) => r.selector === ".help-overlay");
    expect(help?.style.getPropertyValue("width")).toMatch(/^min\(.*100%/);
  });
});

describe("the study screen's room for the images at any text size (WCAG 2.2 1.4.4)", () => {
  const style = (selector: string, media: string | null = null): CSSStyleDeclaration => {
    const found = rules().find((r) => r.selector === selector && r.media === media)?.style;
    if (!found) throw new Error(`no rule for ${selector}`);
    return found;
  };

  it("caps what is above the images to a share of the study screen, scrolling inside it", () => {
    // The header and toolbar at most 45 %, the priors' bars at most 20 %: the images keep 35 % at the least.
    for (const [selector, most] of [[".study-chrome", 45], [".prior-bars", 20]] as const) {
      const cap = /^(\d+)%$/.exec(style(selector).getPropertyValue("max-height"));
      expect(cap, selector).not.toBeNull();
      expect(Number(cap?.[1]), selector).toBeLessThanOrEqual(most);
      expect(style(selector).getPropertyValue("overflow-y"), selector).toBe("auto");
    }
    expect(style(".study-body").getPropertyValue("flex")).toMatch(/^1 1 0/);
    expect(style(".study-body").getPropertyValue("min-height")).toBe("0");
    // The toolbar stays in view when the header above it scrolls away.
    expect(style(".study-chrome > .toolbar").getPropertyValue("position")).toBe("sticky");
    expect(style(".study-chrome > .toolbar").getPropertyValue("bottom")).toMatch(/^0(px)?$/);
  });

  it("fits the page to the window while a study is open, the study screen never under 60 % of it", () => {
    const page = style("#app:has(> .app-main > .study-screen)");
    expect(page.getPropertyValue("display")).toBe("flex");
    expect(page.getPropertyValue("height")).toBe("100vh");
    expect(style(".study-screen").getPropertyValue("min-height")).toBe("60vh");
    // An empty status line takes no room above a study.
    expect(style("#app:has(> .app-main > .study-screen) > .status:empty").getPropertyValue("min-height")).toBe("0");
  });

  it("shows the More tools panel over the images, fixed to the window so nothing clips it, scrolling when tall", () => {
    const panel = style(".more-tools-panel");
    expect(panel.getPropertyValue("position")).toBe("fixed");
    expect(panel.getPropertyValue("overflow-y")).toBe("auto");
    expect(panel.getPropertyValue("max-width")).toBe("100%");
    expect(style(".more-tools-panel[hidden]").getPropertyValue("display")).toBe("none");
    // Its rows wrap, never run off the side.
    expect(style(".more-tools-group").getPropertyValue("flex-wrap")).toBe("wrap");
  });

  it("says the bars above the study in less height at large text, measured in rem so text scaling triggers it", () => {
    // jsdom drops container-type from the parsed rules: it is read from the text.
    for (const container of [".app-header, .patient-banner", ".study-header"]) {
      const rule = css.split("\n").find((line) => line.startsWith(`${container} {`)) ?? "";
      expect(rule, container).toMatch(/container-type: inline-size;/);
    }
    const compact = rules().filter((r) => r.media?.startsWith("container"));
    expect(compact.length).toBeGreaterThan(5);
    // 1280 pixels are 80rem at 100 % text and 40rem at 200 %: the threshold lies between.
    for (const { media } of compact) {
      const threshold = /max-width:\s*([\d.]+)rem/.exec(media ?? "");
      expect(threshold, media ?? "").not.toBeNull();
      expect(Number(threshold?.[1])).toBeGreaterThan(40);
      expect(Number(threshold?.[1])).toBeLessThan(80);
    }
    const selectors = compact.map((r) => r.selector);
    expect(selectors).toEqual(expect.arrayContaining([".app-header h1", ".training-detail", ".banner-fields dd"]));
    // The training marker's detail is hidden from sight only, not from screen readers.
    const detail = compact.find((r) => r.selector === ".training-detail")?.style;
    expect(detail?.getPropertyValue("display")).toBe("");
    expect(detail?.getPropertyValue("clip-path")).toBe("inset(50%)");
  });
});
