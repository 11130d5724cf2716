// The first image of a study that is still opening: the backend has it (checked against the
// patient, study and series) before the study's metadata has arrived. It is shown as a
// preview — without a place in its series, tools or measurements — under a note saying
// so, and the study replaces it as soon as it opens. Windowed once on the CPU at its
// default window, as a thumbnail is.
import type { FramePixels } from "../ipc/backend";
import { el } from "./dom";
import { drawThumbnail } from "./thumbnail";

/** The note under a preview. */
export const PREVIEW_NOTE = "Preview of the first image received. The study is still opening: this image is not yet placed in its series.";

/** Most canvas pixels a side: the preview is drawn scaled down to fit. */
const PREVIEW_SIDE = 512;

export function renderStudyPreview(frame: FramePixels): HTMLElement {
  const canvas = el("canvas", { class: "study-preview-image", role: "img", "aria-label": "Preview of the study's first image" });
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(frame.rows, frame.columns, 1));
  canvas.width = Math.max(1, Math.round(frame.columns * scale));
  canvas.height = Math.max(1, Math.round(frame.rows * scale));
  drawThumbnail(canvas, frame);
  return el("section", { class: "study-preview", id: "study-preview", "aria-live": "polite" }, canvas, el("p", { class: "study-preview-note" }, PREVIEW_NOTE));
}
