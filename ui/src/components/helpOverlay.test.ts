// The keyboard help lists every layout the study screen answers to with Alt and a digit, so
// a layout added to the screen cannot go missing from the help.
import { describe, expect, it } from "vitest";
import { renderHelpOverlay } from "./helpOverlay";
import { LAYOUT_KEY } from "./studyView";

describe("keyboard help", () => {
  it("names every Alt + digit layout key", () => {
    const help = renderHelpOverlay(() => undefined);
    const row = [...help.querySelectorAll("tr")].find((tr) => tr.querySelector("th")?.textContent?.startsWith("Alt + 1"));
    expect(row).toBeDefined();
    const keys = row?.querySelector("th")?.textContent?.replace("Alt + ", "").split(" / ") ?? [];
    expect(keys.sort()).toEqual(Object.values(LAYOUT_KEY).sort());
    for (const layout of Object.keys(LAYOUT_KEY)) expect(row?.textContent).toContain(layout.replace("x", "×"));
  });
});
