// The keyboard help overlay, opened with "?" from anywhere.
import { el } from "./dom";

const KEYS: [string, string][] = [
  ["?", "Show or hide this help"],
  ["↑ ↓ ← → / wheel", "Previous / next image"],
  ["Page Up / Page Down", "Ten images back / forward"],
  ["Home / End", "First / last image"],
  ["Right-drag", "Window / level"],
  ["Ctrl + wheel / + −", "Zoom in / out"],
  ["Middle-drag", "Pan"],
  ["s w z p l a e b x", "Tools: scroll, window, zoom, pan, length, angle, ellipse, bidirectional, probe"],
  ["Delete", "Delete the selected measurement"],
  ["Ctrl + Z", "Undo the last measurement added or deleted on this image"],
  ["Shift + ↑ ↓ ← →", "Move the pixel probe one pixel (probe tool); with the window tool, ← → narrower / wider and ↑ ↓ as a drag up / down; with the zoom tool, ↑ in and ↓ out; with the pan tool, move the image"],
  ["Enter (measuring tool)", "Show a crosshair on the image; then place a point at it (a length: Enter at each end)"],
  ["↑ ↓ ← → / Shift + arrow", "Move the crosshair one / ten image pixels (while it is shown)"],
  ["Esc (measuring tool)", "Cancel the measurement being placed and put the crosshair away"],
  ["f", "Fit to window"],
  ["i", "Invert"],
  ["r / Shift + R", "Rotate 90° clockwise / anticlockwise"],
  ["1 – 9", "Window preset (the preset list shows each key)"],
  ["0", "Reset the view: the image's window, fit, no rotation, flip or inversion"],
  ["h / v", "Flip horizontally / vertically"],
  ["c", "Start or stop cine"],
  ["g", "Show or hide reference lines (where the other viewports' images cross this one)"],
  ["Alt + 1 / 2 / 3 / 4", "Layout 1×1, 1×2, 1×3 (two priors beside the current study), 2×2"],
  ["Alt + ↑ / ↓", "Move a prior linked by table position one of its images up / down against the current image (the link's offset changes)"],
  ["t", "Open or close the study's report beside the images (when the study has one)"],
  ["Esc", "Close the report beside the images (only the panel, when the focus is in it), else the study or report"],
  ["Shift + A", "Show or hide the audit panel (training mode)"],
  ["Shift + D", "Show or hide the diagnostics page"],
];

export function renderHelpOverlay(onClose: () => void): HTMLElement {
  const close = el("button", { class: "secondary", id: "close-help" }, "Close");
  close.addEventListener("click", onClose);
  const table = el("table", { class: "help-keys" });
  for (const [key, action] of KEYS) table.append(el("tr", {}, el("th", { scope: "row" }, key), el("td", {}, action)));
  return el("div", { class: "help-overlay", id: "help-overlay", role: "dialog", "aria-label": "Keyboard shortcuts" }, el("h2", {}, "Keyboard shortcuts"), table, close);
}
