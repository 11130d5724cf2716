// The lookup screen: an NHS number field validated as the clinician types, and a search
// button that is enabled only for a valid number.
import { checkNhsNumber } from "../domain/nhsNumber";
import { el } from "./dom";

export interface LookupHandlers {
  onSearch(nhsDigits: string): void;
}

export function renderLookup(handlers: LookupHandlers): HTMLElement {
  const input = el("input", {
    id: "nhs-number",
    name: "nhs-number",
    inputmode: "numeric",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "nhs-number-hint",
    placeholder: "e.g. 999 123 4567",
  });
  const hint = el("p", { id: "nhs-number-hint", class: "hint", "aria-live": "polite" });
  const button = el("button", { type: "submit", id: "search", disabled: "" }, "Find imaging");
  const form = el(
    "form",
    { class: "lookup", id: "lookup-form", autocomplete: "off" },
    el("label", { for: "nhs-number" }, "NHS number"),
    input,
    hint,
    button,
  );

  const update = (): void => {
    const check = checkNhsNumber(input.value);
    button.disabled = check.kind !== "valid";
    input.setAttribute("aria-invalid", String(check.kind === "invalid"));
    switch (check.kind) {
      case "empty":
        hint.textContent = "Type the patient's 10-digit NHS number.";
        break;
      case "incomplete":
        hint.textContent = `${check.digits} of 10 digits.`;
        break;
      case "invalid":
        hint.textContent = check.reason;
        break;
      case "valid":
        hint.textContent = `NHS number ${check.formatted}`;
        break;
    }
  };
  input.addEventListener("input", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const check = checkNhsNumber(input.value);
    if (check.kind === "valid") handlers.onSearch(check.digits);
  });
  update();
  return el("main", { class: "screen lookup-screen" }, el("h2", {}, "Find a patient's imaging"), form);
}
