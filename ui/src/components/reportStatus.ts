// A report's status in plain words, for the history row and the report view. "Final" is
// shown quietly; anything else — preliminary, amended, corrected, entered in error — is
// marked so it cannot be missed, since the text may not be the one a decision should rest
// on. Codes are FHIR R4's DiagnosticReport.status (DocumentReference.docStatus uses a
// subset).
import type { DocumentStatus } from "../ipc/backend";
import { el } from "./dom";

const LABEL: Record<DocumentStatus, string> = {
  registered: "Registered: no result yet",
  partial: "Partial report",
  preliminary: "Preliminary",
  final: "Final",
  amended: "Amended",
  corrected: "Corrected",
  appended: "Appended",
  cancelled: "Cancelled",
  enteredInError: "Entered in error: do not rely on it",
  unknown: "Status unknown",
};

const EXPLANATION: Partial<Record<DocumentStatus, string>> = {
  preliminary: "Not yet verified: the final report may differ.",
  partial: "Some results are not yet available.",
  amended: "Changed after it was made final.",
  corrected: "Changed after it was made final, to correct an error.",
  appended: "Added to after it was made final.",
  cancelled: "The report was cancelled.",
  enteredInError: "The source withdrew it: it should never have been issued.",
};

/**
 * The status marker, or null when the record gives none; `explain` adds what the status
 * means (the report view has room for it, a history row does not).
 */
export function renderStatus(status: DocumentStatus | null, explain = false): HTMLElement | null {
  if (status === null) return null;
  const marker = el("span", { class: `report-status${status === "final" ? "" : " notable"}`, "data-status": status }, `Status: ${LABEL[status]}`);
  const explanation = EXPLANATION[status];
  if (explain && explanation) marker.append(el("span", { class: "report-status-why" }, ` — ${explanation}`));
  return marker;
}
