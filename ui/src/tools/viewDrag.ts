// The drags that change only how the image is shown: window/level, zoom and pan. Each takes
// the view and the movement and answers the change; the viewport applies it and redraws.
// The keyboard does the same (WCAG 2.2 2.1.1): with one of these tools picked, Shift and an
// arrow act as a short drag in that direction (`KEY_STEP` CSS pixels), so a key press and
// a drag the same way always agree.
import type { FramePixels } from "../ipc/backend";
import type { ViewState } from "../viewport/state";
import { dragPan } from "./pan";
import type { Tool } from "./tool";
import { dragWindow } from "./windowLevel";
import { dragZoom } from "./zoom";

export type ViewDrag = (view: ViewState, dx: number, dy: number, frame: FramePixels | null) => Partial<ViewState>;

/** The stored value range a window drag spans: 8-bit images 256, others 4096. */
export function valueRange(frame: FramePixels | null): number {
  return frame?.format === "rgb8" || frame?.format === "u8" ? 256 : 4096;
}

export const VIEW_DRAGS: Partial<Record<Tool, ViewDrag>> = {
  window: (view, dx, dy, frame) => dragWindow(view, dx, dy, valueRange(frame)),
  zoom: (view, _dx, dy) => ({ zoom: dragZoom(view.zoom, dy) }),
  pan: (view, dx, dy) => dragPan(view, dx, dy),
};

/** How far one Shift+arrow press drags, in CSS pixels. */
export const KEY_STEP = 16;

/** The drag movement (dx, dy) of an arrow key, or null for another key. */
export function arrowDrag(key: string): [number, number] | null {
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [-KEY_STEP, 0],
    ArrowRight: [KEY_STEP, 0],
    ArrowUp: [0, -KEY_STEP],
    ArrowDown: [0, KEY_STEP],
  };
  return moves[key] ?? null;
}
