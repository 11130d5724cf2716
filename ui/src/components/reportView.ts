// A report opened in the window: its format and status (marked when not final), its text
// (a FHIR report's paragraphs, a plain-text document as preformatted text, a CDA document's
// headed sections, all as text nodes, never markup), and its PDF drawn inside the viewer
// when there is one. Nothing can be saved, printed to file or dragged out; closing forgets it.
import type { ReportFormat, ReportView } from "../ipc/backend";
import { el } from "./dom";
import { renderStatus } from "./reportStatus";

const FORMAT_LABELS: Record<ReportFormat, string> = {
  fhir: "FHIR report",
  pdf: "PDF document",
  text: "Plain text document",
  cda: "CDA document",
  sr: "DICOM structured report",
};

export function formatLabel(format: ReportFormat): string {
  return FORMAT_LABELS[format];
}

function renderBody(report: ReportView): HTMLElement {
  const body = el("div", { class: "report-body", id: "report-body", "data-format": report.format });
  if (report.format === "text") {
    body.append(el("pre", { class: "report-text" }, report.text));
  } else if (report.format === "cda" && report.sections.length > 0) {
    for (const section of report.sections) {
      const part = el("section", { class: "report-section" });
      if (section.heading) part.append(el("h3", {}, section.heading));
      if (section.text) part.append(el("div", { class: "report-section-text" }, section.text));
      body.append(part);
    }
  } else if (report.text) {
    for (const paragraph of report.text.split(/\n{2,}/)) body.append(el("p", {}, paragraph));
  }
  return body;
}

export function renderReport(report: ReportView, onClose: () => void): HTMLElement {
  const close = el("button", { id: "close-report", class: "secondary" }, "Close report");
  close.addEventListener("click", onClose);
  const body = renderBody(report);
  const panel = el(
    "section",
    { class: "report", id: "report", role: "dialog", "aria-label": report.title },
    el("header", { class: "report-header" }, el("h2", {}, report.title), close),
    el("p", { class: "report-meta" }, [report.date, report.author].filter(Boolean).join(" · ")),
    el("p", { class: "report-format", id: "report-format" }, formatLabel(report.format)),
  );
  const status = renderStatus(report.status, true);
  if (status) panel.append(el("p", { class: "report-status-line", id: "report-status" }, status));
  panel.append(body);
  if (report.pdfUrl) {
    const pages = el("div", { class: "pdf-pages", id: "pdf-pages" });
    panel.append(pages);
    void import("./pdfPages").then(({ renderPdfPages }) => renderPdfPages(report.pdfUrl ?? "", pages));
  }
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    // Handled here: the view around the report must not take the same key as its own.
    event.preventDefault();
    event.stopPropagation();
    onClose();
  });
  return panel;
}
