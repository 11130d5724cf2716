// The display state of one viewport: which image, and how it is shown. Pure data plus pure
// functions; rendering reads it and never changes it.
import type { VoiMode } from "./render/voi";

export interface ViewState {
  index: number;
  zoom: number;
  panX: number;
  panY: number;
  rotation: 0 | 90 | 180 | 270;
  flipH: boolean;
  flipV: boolean;
  invert: boolean;
  windowCenter: number;
  windowWidth: number;
  /** The window's VOI LUT Function, or the image's VOI LUT table. */
  voi: VoiMode;
}

export function initialViewState(center: number, width: number, voi: VoiMode = "LINEAR"): ViewState {
  return {
    index: 0,
    zoom: 1,
    panX: 0,
    panY: 0,
    rotation: 0,
    flipH: false,
    flipV: false,
    invert: false,
    windowCenter: center,
    windowWidth: Math.max(1, width),
    voi,
  };
}

/** A quarter turn clockwise (1) or anticlockwise (-1) from the view's rotation. */
export function rotated(rotation: ViewState["rotation"], direction: 1 | -1): ViewState["rotation"] {
  return ((rotation + (direction === 1 ? 90 : 270)) % 360) as ViewState["rotation"];
}

/** The scale that fits an image of `cols`×`rows` into a canvas, keeping the aspect ratio. */
export function fitScale(cols: number, rows: number, canvasWidth: number, canvasHeight: number, rotation: number): number {
  const [w, h] = rotation % 180 === 0 ? [cols, rows] : [rows, cols];
  if (w <= 0 || h <= 0) return 1;
  return Math.min(canvasWidth / w, canvasHeight / h);
}

interface Placement {
  hx: number;
  hy: number;
  cos: number;
  sin: number;
}

/** Half-extents of the image on screen (signed by the flips) and the rotation. */
function placement(view: ViewState, cols: number, rows: number, canvasWidth: number, canvasHeight: number): Placement {
  const scale = fitScale(cols, rows, canvasWidth, canvasHeight, view.rotation) * view.zoom;
  const angle = (view.rotation * Math.PI) / 180;
  return {
    hx: ((cols * scale) / 2) * (view.flipH ? -1 : 1),
    hy: ((rows * scale) / 2) * (view.flipV ? -1 : 1),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
  };
}

/**
 * Column-major 3×3 matrix taking the unit quad (-1..1, y up) to clip space: fit, zoom,
 * flip (in image space), clockwise rotation, then pan (canvas pixels, y down).
 */
export function quadMatrix(
  view: ViewState,
  cols: number,
  rows: number,
  canvasWidth: number,
  canvasHeight: number,
): Float32Array {
  const { hx, hy, cos, sin } = placement(view, cols, rows, canvasWidth, canvasHeight);
  const halfW = canvasWidth / 2;
  const halfH = canvasHeight / 2;
  return new Float32Array([
    (cos * hx) / halfW,
    (-sin * hx) / halfH,
    0,
    (sin * hy) / halfW,
    (cos * hy) / halfH,
    0,
    view.panX / halfW,
    -view.panY / halfH,
    1,
  ]);
}

/** Maps a canvas point (CSS pixels from the top-left) to image pixel coordinates. */
export function canvasToImage(
  view: ViewState,
  cols: number,
  rows: number,
  canvasWidth: number,
  canvasHeight: number,
  x: number,
  y: number,
): [number, number] {
  const { hx, hy, cos, sin } = placement(view, cols, rows, canvasWidth, canvasHeight);
  const px = x - canvasWidth / 2 - view.panX;
  const py = -(y - canvasHeight / 2 - view.panY);
  const u = (cos * px - sin * py) / hx;
  const v = (sin * px + cos * py) / hy;
  return [((u + 1) * cols) / 2, ((1 - v) * rows) / 2];
}

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The unit step on the image (x right, y down) that moves a point one way on screen for an
 * arrow key, whatever the view's rotation and flips; null for any other key.
 */
export function arrowDirection(view: ViewState, key: string): [number, number] | null {
  const step = ARROWS[key];
  if (!step) return null;
  // Direction only: any image and canvas size gives it, so a 2×2 image on a 2×2 canvas.
  const from = canvasToImage(view, 2, 2, 2, 2, 1, 1);
  const to = canvasToImage(view, 2, 2, 2, 2, 1 + step[0], 1 + step[1]);
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  return Math.abs(dx) >= Math.abs(dy) ? [Math.sign(dx), 0] : [0, Math.sign(dy)];
}
