// The patient banner: always visible once a patient is chosen, so identity is never in
// doubt. Shows a warning when the images' demographics disagree with the pointer's.
import type { PatientView } from "../ipc/backend";
import { el } from "./dom";

export function renderBanner(patient: PatientView, training: boolean, mismatch: string | null): HTMLElement {
  const fields = el(
    "dl",
    { class: "banner-fields" },
    el("dt", {}, "Name"),
    el("dd", { id: "banner-name" }, patient.name ?? "Name not supplied"),
    el("dt", {}, "NHS number"),
    el("dd", { id: "banner-nhs-number" }, patient.nhsNumber),
    el("dt", {}, "Born"),
    el("dd", {}, patient.birthDate ?? "not supplied"),
    el("dt", {}, "Sex"),
    el("dd", {}, patient.sex ?? "not supplied"),
  );
  const banner = el("section", { class: "patient-banner", id: "patient-banner", "aria-label": "Patient" }, fields);
  if (training) banner.append(el("span", { class: "training-marker" }, "TRAINING"));
  if (mismatch) {
    banner.append(el("p", { class: "banner-mismatch", role: "alert", id: "banner-mismatch" }, mismatch));
  }
  return banner;
}
