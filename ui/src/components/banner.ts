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
  // Each label with its value in a group of its own (HTML allows a div in a dl), so a banner
  // wrapped onto two lines at large text never parts a value from its label.
  const field = (label: string, id: string, value: string): HTMLElement => el("div", { class: "banner-field" }, el("dt", {}, label), el("dd", { id }, value));
  const fields = el(
    "dl",
    { class: "banner-fields" },
    field("Name", "banner-name", patient.name ?? (options.checking ? "checking the images…" : "Name not in the images")),
    field("NHS number", "banner-nhs-number", patient.nhsNumber),
    field("Born", "banner-birth-date", patient.birthDate ?? missing),
    field("Sex", "banner-sex", patient.sex ?? missing),
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
