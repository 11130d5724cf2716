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
