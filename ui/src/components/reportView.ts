// A report opened in the window: its status (marked when not final), its text, and its PDF
// drawn inside the viewer when there is one. Nothing can be saved, printed to file or dragged out; closing forgets it.
import type { ReportView } from "../ipc/backend";
import { el } from "./dom";
import { renderStatus } from "./reportStatus";

export function renderReport(report: ReportView, onClose: () => void): HTMLElement {
  const close = el("button", { id: "close-report", class: "secondary" }, "Close report");
  close.addEventListener("click", onClose);
  const body = el("div", { class: "report-body", id: "report-body" });
  for (const paragraph of report.text.split(/\n{2,}/)) body.append(el("p", {}, paragraph));
  const panel = el(
    "section",
    { class: "report", id: "report", role: "dialog", "aria-label": report.title },
    el("header", { class: "report-header" }, el("h2", {}, report.title), close),
    el("p", { class: "report-meta" }, [report.date, report.author].filter(Boolean).join(" · ")),
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
