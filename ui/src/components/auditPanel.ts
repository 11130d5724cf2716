// The training-mode audit panel: the AuditEvents the session recorded, shown instead of
// being sent. One row per event (time, what, outcome, patient, records); nothing beyond
// what the events hold.
import type { AuditEventResource } from "../ipc/backend";
import { el } from "./dom";

const NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";

const OUTCOMES: Record<string, string> = {
  "0": "Success",
  "4": "Minor failure",
  "8": "Serious failure",
};

/** One event as the panel lists it. */
export interface AuditRow {
  id: string;
  time: string;
  what: string;
  outcome: string;
  patient: string;
  records: string;
}

/** Formats a ten-digit NHS number 3-3-4, as the rest of the viewer shows it. */
function spaced(nhsNumber: string): string {
  return /^\d{10}$/.test(nhsNumber) ? `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}` : nhsNumber;
}

export function auditRow(event: AuditEventResource): AuditRow {
  const entities = event.entity ?? [];
  const patient = entities.find((e) => e.what?.identifier?.system === NHS_NUMBER_SYSTEM)?.what?.identifier?.value ?? "";
  const records = entities
    .filter((e) => e.role?.code === "4" && e.what?.identifier?.value)
    .map((e) => `${e.what?.display ?? "record"} ${e.what?.identifier?.value ?? ""}`);
  const details = entities.flatMap((e) => e.detail ?? []).map((d) => `${d.type.replace(/^network:/, "")}: ${d.valueString ?? ""}`);
  const subtype = event.subtype?.[0]?.display ?? event.subtype?.[0]?.code ?? "";
  const what = subtype || (event.type?.display ?? "Event");
  return {
    id: event.id,
    time: event.recorded,
    what,
    outcome: OUTCOMES[event.outcome ?? ""] ?? event.outcome ?? "",
    patient: patient ? spaced(patient) : "",
    records: [...records, ...details].join("; "),
  };
}

export function renderAuditPanel(events: AuditEventResource[], onClose: () => void): HTMLElement {
  const close = el("button", { class: "secondary", id: "close-audit" }, "Close");
  close.addEventListener("click", onClose);
  const head = el("tr", {}, ...["Time", "Event", "Outcome", "Patient (NHS number)", "Records"].map((h) => el("th", { scope: "col" }, h)));
  const table = el("table", { class: "audit-events", id: "audit-events" }, el("thead", {}, head));
  const body = el("tbody");
  for (const row of events.map(auditRow).reverse()) {
    body.append(
      el(
        "tr",
        { "data-event-id": row.id },
        el("td", {}, row.time),
        el("td", {}, row.what),
        el("td", {}, row.outcome),
        el("td", {}, row.patient),
        el("td", {}, row.records),
      ),
    );
  }
  table.append(body);
  const note = el(
    "p",
    {},
    events.length === 0
      ? "No audit events yet."
      : `${events.length} events, newest first. Training mode keeps them here instead of sending them to an audit service.`,
  );
  return el(
    "div",
    { class: "audit-panel", id: "audit-panel", role: "dialog", "aria-label": "Audit events" },
    el("h2", {}, "Audit events (training)"),
    note,
    table,
    close,
  );
}
