// Runs axe-core (the UI's dev dependency) in the viewer's page through WebDriver and returns
// the WCAG 2.2 A/AA violations, each as "rule: what it means (where)". The page gets the
// library once; nothing is loaded from outside the machine.
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const source = readFileSync(path.join(root, "ui/node_modules/axe-core/axe.min.js"), "utf8");

/** The WCAG levels the viewer must meet (NHS software: WCAG 2.2 AA). */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Colour contrast axe cannot measure, accepted only where the viewer guarantees it another
 * way: text drawn over the image (the viewport's corner overlay and orientation markers)
 * carries a dark halo whose contrast ui/src/styles.test.ts checks, and the record-type
 * icons are emoji beside a text label, hidden from assistive technology.
 */
const MEASURED_ELSEWHERE = [
  { selector: /(^|\s)\.(tl|tr|bl|br|top|left|bottom|right)(\s|$)/, why: /^(imgNode|shortTextContent)$/ },
  { selector: /\.kind-icon\[aria-hidden="true"\]/, why: /^nonBmp$/ },
];

/**
 * Violations on the page as it is now, as readable lines. Colour contrast that axe could
 * not decide (text over an image or under another element) is listed too, prefixed
 * "undecided", unless it is a case in MEASURED_ELSEWHERE: nothing passes only because it
 * could not be measured.
 */
export async function axeViolations(app) {
  const loaded = await app.execute("return typeof window.axe !== 'undefined'");
  if (!loaded) await app.execute(`${source}; return true;`);
  const result = await app.executeAsync(
    `const done = arguments[arguments.length - 1];
     const why = (n) => [...n.any, ...n.all, ...n.none].map((c) => c.data && c.data.messageKey).filter(Boolean)[0];
     const where = (n) => n.target.join(" ") + (why(n) ? " [" + why(n) + "]" : "");
     const elsewhere = ${JSON.stringify(MEASURED_ELSEWHERE.map((m) => [m.selector.source, m.why.source]))}
       .map(([selector, reason]) => [new RegExp(selector), new RegExp(reason)]);
     const accepted = (n) => elsewhere.some(([selector, reason]) => selector.test(n.target.join(" ")) && reason.test(why(n) || ""));
     const undecided = (v) => ({ ...v, nodes: v.nodes.filter((n) => !accepted(n)) });
     const brief = (prefix) => (v) => ({ id: prefix + v.id, help: v.help, targets: v.nodes.slice(0, 12).map(where), count: v.nodes.length });
     window.axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(WCAG_TAGS)} }, resultTypes: ["violations", "incomplete"] })
       .then((r) => done([
         ...r.violations.map(brief("")),
         ...r.incomplete.filter((v) => v.id === "color-contrast").map(undecided)
           .filter((v) => v.nodes.length > 0).map(brief("undecided ")),
       ]))
       .catch((e) => done([{ id: "axe-error", help: String(e), targets: [], count: 0 }]));`,
  );
  return result.map((v) => `${v.id}: ${v.help} (${v.count} element(s): ${v.targets.join(", ")})`);
}
