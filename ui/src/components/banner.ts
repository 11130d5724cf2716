// The patient banner: always visible once a patient is chosen, so identity is never in
// doubt. The NHS number comes from the search; name, date of birth and sex from the images
// (the registry's pointers carry only the NHS number). When the images disagree with the
// NHS number or with each other, the banner says so in an alert.
import type { PatientView } from "../ipc/backend";
import { el } from "./dom";

export interface BannerOptions {
  training: boolean;
  mismatch: string | null;
  /** True while the images' demographics are still being read. */
  checking: boolean;
}

export function renderBanner(patient: PatientView, options: BannerOptions): HTMLElement {
  const missing = options.checking ? "checking the images…" : "not in the images";
  const fields = el(
    "dl",
    { class: "banner-fields" },
    el("dt", {}, "Name"),
    el("dd", { id: "banner-name" }, patient.name ?? (options.checking ? "checking the images…" : "Name not in the images")),
    el("dt", {}, "NHS number"),
    el("dd", { id: "banner-nhs-number" }, patient.nhsNumber),
    el("dt", {}, "Born"),
    el("dd", { id: "banner-birth-date" }, patient.birthDate ?? missing),
    el("dt", {}, "Sex"),
    el("dd", { id: "banner-sex" }, patient.sex ?? missing),
  );
  const banner = el(
    "section",
    { class: "patient-banner", id: "patient-banner", "aria-label": "Patient", "data-identity": options.checking ? "checking" : "checked" },
    fields,
  );
  if (options.training) banner.append(el("span", { class: "training-marker", id: "banner-training" }, "TRAINING"));
  if (options.mismatch) {
    banner.append(el("p", { class: "banner-mismatch", role: "alert", id: "banner-mismatch" }, options.mismatch));
  }
  return banner;
}
