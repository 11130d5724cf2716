// The question a launch from the patient record asks before a patient is opened: "open this
// patient?" when nothing is open (an unsigned link names the patient), "open a different
// patient?" when it would replace the one on screen (which is then closed and wiped first).
import { el } from "./dom";
import { formatNhsNumber } from "../domain/nhsNumber";

export function renderLaunchConfirm(nhsNumber: string, switching: boolean, answer: (open: boolean) => void): HTMLElement {
  const open = el("button", { id: "launch-confirm-open", type: "button" }, switching ? "Open the new patient" : "Open this patient");
  const keep = el(
    "button",
    { id: "launch-confirm-keep", type: "button", class: "secondary" },
    switching ? "Keep the current patient" : "Do not open",
  );
  const asked = `The patient record asks to open NHS number ${formatNhsNumber(nhsNumber)}. `;
  const dialog = el(
    "div",
    { class: "launch-confirm", id: "launch-confirm", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "launch-confirm-title" },
    el("h2", { id: "launch-confirm-title" }, switching ? "Open a different patient?" : "Open this patient?"),
    el(
      "p",
      {},
      asked +
        (switching
          ? "Everything open now will be closed and wiped first."
          : "Check that this is the patient in front of you before opening their images."),
    ),
    el("div", { class: "launch-confirm-actions" }, keep, open),
  );
  open.addEventListener("click", () => answer(true));
  keep.addEventListener("click", () => answer(false));
  return dialog;
}
