// Window/level and zoom synchronised between viewports, each an option the clinician turns
// on. A window is passed on as the same centre and width in modality units (after Rescale
// Slope and Intercept, DICOM PS3.3 C.11.1.1.2), so only between series of the same modality;
// an image's own VOI LUT table is not passed on. Zoom is passed on as the same millimetres
// per screen pixel (by Pixel Spacing, PS3.3 10.7.1.3), so the same anatomy is the same size
// on screen; pan is passed on in screen pixels, which at that scale are the same distance.
// Pure functions.
import { clampZoom } from "../tools/zoom";
import { fitScale, type ViewState } from "./state";

/** What the window of a view is, for passing on. */
export type WindowView = Pick<ViewState, "windowCenter" | "windowWidth" | "voi">;

/** The window `to` takes from `from`, or null when it does not take one (another modality, a VOI table). */
export function sharedWindow(fromModality: string, from: WindowView, toModality: string): WindowView | null {
  if (!fromModality || fromModality.toUpperCase() !== toModality.toUpperCase()) return null;
  if (from.voi === "LUT") return null;
  return { windowCenter: from.windowCenter, windowWidth: from.windowWidth, voi: from.voi };
}

/** An image on a canvas: its size in pixels, its column spacing (mm) and the canvas's CSS size. */
export interface Placed {
  columns: number;
  rows: number;
  /** Millimetres between columns (Pixel Spacing's second value), or null when unknown. */
  spacing: number | null;
  canvasWidth: number;
  canvasHeight: number;
}

/** Millimetres per screen pixel of a view, or null when the image has no spacing or no size. */
export function mmPerScreenPixel(view: Pick<ViewState, "zoom" | "rotation">, placed: Placed): number | null {
  if (placed.spacing === null || !(placed.spacing > 0)) return null;
  const scale = fitScale(placed.columns, placed.rows, placed.canvasWidth, placed.canvasHeight, view.rotation) * view.zoom;
  const mm = placed.spacing / scale;
  return Number.isFinite(mm) && mm > 0 ? mm : null;
}

/** The zoom that shows `placed` at `mm` per screen pixel (within the zoom's limits), or null. */
export function zoomForScale(mm: number, rotation: ViewState["rotation"], placed: Placed): number | null {
  if (placed.spacing === null || !(placed.spacing > 0) || !(mm > 0)) return null;
  const fit = fitScale(placed.columns, placed.rows, placed.canvasWidth, placed.canvasHeight, rotation);
  const zoom = placed.spacing / (fit * mm);
  return Number.isFinite(zoom) && zoom > 0 ? clampZoom(zoom) : null;
}
