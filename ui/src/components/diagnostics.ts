// The diagnostics page: per registry, imaging network and imaging service, how many
// requests, errors, retries and bytes, the latency and the time to first image, and how the
// export to the organisation's collector is going. Nothing on it identifies a patient.
import type { DiagnosticsView, Histogram, SeriesSnapshot } from "../ipc/backend";
import { el } from "./dom";

const STAGES: Record<SeriesSnapshot["stage"], string> = {
  discovery: "Registry",
  network: "Imaging network (discovery)",
  retrieval: "Imaging service",
};

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function formatLatency(histogram: Histogram): string {
  if (histogram.count === 0) return "–";
  return `${Math.round(histogram.sumMs / histogram.count)} ms mean, ${Math.round(histogram.maxMs)} ms max`;
}

export function exportLine(view: DiagnosticsView): string {
  const status = view.export;
  if (!status) return "Metrics are not exported: no collector is configured.";
  const last = status.lastError ? ` Last failure: ${status.lastError}.` : "";
  return `Exported to ${status.collector ?? "the collector"}: ${status.sent} sent, ${status.failed} failed.${last}`;
}

export function renderDiagnostics(view: DiagnosticsView, onClose: () => void): HTMLElement {
  const close = el("button", { class: "secondary", id: "close-diagnostics" }, "Close");
  close.addEventListener("click", onClose);
  const heads = ["Kind", "Target", "Requests", "Errors", "Retries", "Received", "Latency", "Time to first image"];
  const table = el("table", { class: "diagnostics-table", id: "diagnostics-table" }, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  for (const series of view.metrics.series) {
    const number = (value: string) => el("td", { class: "number" }, value);
    body.append(
      el(
        "tr",
        { "data-stage": series.stage },
        el("td", {}, STAGES[series.stage]),
        el("td", {}, series.target),
        number(String(series.requests)),
        number(String(series.errors)),
        number(String(series.retries)),
        number(series.stage === "network" ? "–" : formatBytes(series.bytes)),
        el("td", {}, formatLatency(series.latency)),
        el("td", {}, formatLatency(series.firstImage)),
      ),
    );
  }
  table.append(body);
  const empty = view.metrics.series.length === 0 ? el("p", {}, "Nothing measured yet: search for a patient or open a study.") : el("span");
  return el(
    "div",
    { class: "diagnostics", id: "diagnostics", role: "dialog", "aria-label": "Diagnostics" },
    el("h2", {}, `Diagnostics (nir-viewer ${view.version})`),
    el("p", { id: "diagnostics-export" }, exportLine(view)),
    empty,
    table,
    close,
  );
}
