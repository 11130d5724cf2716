// The top bar: product name, and in training mode an unmissable TRAINING marker so nobody
// mistakes synthetic patients for real ones. At large text the marker shows "TRAINING" alone
// (its detail kept for screen readers; see .training-detail in the stylesheet), so the bar
// stays one line.
import { el } from "./dom";

export function renderHeader(training: boolean): HTMLElement {
  const header = el("header", { class: "app-header" }, el("h1", {}, "NIR Viewer"));
  if (training) {
    header.append(
      el(
        "span",
        { class: "training-marker", id: "training-marker", role: "status" },
        "TRAINING",
        el("span", { class: "training-detail" }, " — synthetic patients only"),
      ),
    );
  }
  return header;
}
