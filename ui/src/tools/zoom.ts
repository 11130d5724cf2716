// Zoom: Ctrl and the wheel by a tenth a notch, or a drag with the zoom tool (up magnifies,
// smoothly, doubling over about 140 px), always between a tenth and twenty times the fit.
export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 20;

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** One wheel notch: up (`deltaY` < 0) zooms in by a tenth, down zooms out as much. */
export function wheelZoom(zoom: number, deltaY: number): number {
  return clampZoom(zoom * (deltaY < 0 ? 1.1 : 1 / 1.1));
}

/** A drag of `dy` CSS pixels with the zoom tool: up zooms in. */
export function dragZoom(zoom: number, dy: number): number {
  return clampZoom(zoom * Math.exp(-dy / 200));
}
