import { describe, expect, it } from "vitest";
import type { DocumentStatus, ReportView } from "../ipc/backend";
import { renderReport } from "./reportView";

const report = (status: DocumentStatus | null): ReportView => ({
  recordId: "2.999.4.1.4",
  title: "MR Head report",
  date: "2022-06-08",
  author: "South Imaging Network",
  status,
  text: "Normal appearances of the brain for age.",
  pdfUrl: null,
  format: "fhir",
  sections: [],
});

describe("report view status", () => {
  it("marks an amended report visibly and says what amended means", () => {
    const view = renderReport(report("amended"), () => {});
    const status = view.querySelector("#report-status .report-status");
    expect(status?.textContent).toBe("Status: Amended — Changed after it was made final.");
    expect(status?.classList.contains("notable")).toBe(true);
    expect(status?.getAttribute("data-status")).toBe("amended");
    // Above the text, so it is read first.
    const body = view.querySelector("#report-body");
    expect(status && body && status.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("labels preliminary and withdrawn reports plainly", () => {
    expect(renderReport(report("preliminary"), () => {}).querySelector("#report-status")?.textContent).toBe(
      "Status: Preliminary — Not yet verified: the final report may differ.",
    );
    expect(renderReport(report("enteredInError"), () => {}).querySelector("#report-status")?.textContent).toContain(
      "Entered in error: do not rely on it",
    );
  });

  it("shows a final report's status quietly and no status when there is none", () => {
    const final = renderReport(report("final"), () => {}).querySelector("#report-status .report-status");
    expect(final?.textContent).toBe("Status: Final");
    expect(final?.classList.contains("notable")).toBe(false);
    expect(renderReport(report(null), () => {}).querySelector("#report-status")).toBeNull();
  });
});

describe("report view formats", () => {
  it("shows a CDA document as headed sections and says it is one", () => {
    const view = renderReport(
      {
        ...report("amended"),
        format: "cda",
        text: "Findings\nNormal.\n\nImpression\n1. Normal",
        sections: [
          { heading: "Findings", text: "<b>Normal</b>.\n• No effusion" },
          { heading: "Impression", text: "1. Normal" },
        ],
      },
      () => {},
    );
    expect(view.querySelector("#report-format")?.textContent).toBe("CDA document");
    const headings = [...view.querySelectorAll("#report-body .report-section h3")].map((h) => h.textContent);
    expect(headings).toEqual(["Findings", "Impression"]);
    const first = view.querySelector("#report-body .report-section-text");
    // Narrative stays text: markup in it is never parsed.
    expect(first?.textContent).toBe("<b>Normal</b>.\n• No effusion");
    expect(view.querySelector("#report-body b")).toBeNull();
  });

  it("shows a plain-text document preformatted, whole", () => {
    const text = "MDT outcome\nDate: 2024-03-20\n\n  Indented line";
    const view = renderReport({ ...report(null), format: "text", text }, () => {});
    expect(view.querySelector("#report-format")?.textContent).toBe("Plain text document");
    expect(view.querySelector("#report-body pre.report-text")?.textContent).toBe(text);
    expect(view.querySelectorAll("#report-body p")).toHaveLength(0);
  });

  it("shows a PDF-only document through the PDF pages and says it is a PDF", () => {
    const view = renderReport({ ...report("final"), format: "pdf", text: "", pdfUrl: "/report/2.999.4.1.1" }, () => {});
    expect(view.querySelector("#report-format")?.textContent).toBe("PDF document");
    expect(view.querySelector("#pdf-pages")).not.toBeNull();
    expect(view.querySelector("#report-body")?.childElementCount).toBe(0);
  });
});
