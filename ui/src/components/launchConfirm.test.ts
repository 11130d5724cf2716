import { describe, expect, it } from "vitest";
import { renderLaunchConfirm } from "./launchConfirm";

function click(dialog: HTMLElement, id: string): void {
  dialog.querySelector<HTMLButtonElement>(`#${id}`)?.click();
}

describe("launch confirmation", () => {
  it("asks to open a patient when nothing is open, and answers as clicked", () => {
    const answers: boolean[] = [];
    const dialog = renderLaunchConfirm("9912003888", false, (open) => answers.push(open));
    expect(dialog.getAttribute("role")).toBe("alertdialog");
    expect(dialog.textContent).toContain("Open this patient?");
    expect(dialog.textContent).toContain("991 200 3888");
    expect(dialog.textContent).not.toContain("wiped");
    click(dialog, "launch-confirm-keep");
    click(dialog, "launch-confirm-open");
    expect(answers).toEqual([false, true]);
  });

  it("warns that switching closes and wipes the current patient", () => {
    const dialog = renderLaunchConfirm("9000000017", true, () => undefined);
    expect(dialog.textContent).toContain("Open a different patient?");
    expect(dialog.textContent).toContain("900 000 0017");
    expect(dialog.textContent).toContain("closed and wiped first");
    expect(dialog.querySelector("#launch-confirm-keep")?.textContent).toBe("Keep the current patient");
  });
});
