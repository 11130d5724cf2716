import { describe, expect, it } from "vitest";
import type { AuditEventResource } from "../ipc/backend";
import { auditRow, renderAuditPanel } from "./auditPanel";

function event(id: string, extra: Partial<AuditEventResource> = {}): AuditEventResource {
  return {
    resourceType: "AuditEvent",
    id,
    recorded: "2026-01-02T03:04:05+00:00",
    outcome: "0",
    subtype: [{ code: "view", display: "Viewed" }],
    entity: [
      {
        what: { identifier: { system: "https://fhir.nhs.uk/Id/nhs-number", value: "9912003888" } },
        role: { code: "1", display: "Patient" },
      },
      { what: { identifier: { value: "1.2.826.0.1.3" }, display: "study" }, role: { code: "4" } },
      { what: { identifier: { value: "corr-1" } }, type: { code: "XcorrelationId" } },
    ],
    ...extra,
  };
}

describe("audit panel", () => {
  it("shows what the event holds: action, outcome, NHS number, record ids", () => {
    const row = auditRow(event("e1"));
    expect(row).toEqual({
      id: "e1",
      time: "2026-01-02T03:04:05+00:00",
      what: "Viewed",
      outcome: "Success",
      patient: "991 200 3888",
      records: "study 1.2.826.0.1.3",
    });
  });

  it("lists network statuses of a query and failures", () => {
    const query = event("q", {
      outcome: "4",
      subtype: [{ code: "query", display: "Query" }],
      entity: [{ role: { code: "24" }, detail: [{ type: "network:North Imaging Network", valueString: "answered" }] }],
    });
    const row = auditRow(query);
    expect(row.outcome).toBe("Minor failure");
    expect(row.patient).toBe("");
    expect(row.records).toBe("North Imaging Network: answered");
  });

  it("renders newest first with a close button", () => {
    let closed = false;
    const panel = renderAuditPanel([event("old"), event("new")], () => {
      closed = true;
    });
    const rows = [...panel.querySelectorAll("tbody tr")].map((r) => r.getAttribute("data-event-id"));
    expect(rows).toEqual(["new", "old"]);
    expect(panel.textContent).toContain("2 events");
    panel.querySelector<HTMLButtonElement>("#close-audit")?.click();
    expect(closed).toBe(true);
  });

  it("says when there is nothing yet", () => {
    expect(renderAuditPanel([], () => undefined).textContent).toContain("No audit events yet.");
  });
});
