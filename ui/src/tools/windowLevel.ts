// Window/level by dragging: horizontal movement changes the width, vertical the centre,
// scaled to the image's value range so one drag across the viewport covers it. A VOI LUT
// table has no centre or width to move, so dragging from one starts a LINEAR window at the
// values the image's full range gives.
import type { ViewState } from "../viewport/state";

export function dragWindow(view: ViewState, dx: number, dy: number, valueRange: number): ViewState {
  const sensitivity = Math.max(valueRange, 1) / 512;
  return {
    ...view,
    windowWidth: Math.max(1, view.windowWidth + dx * sensitivity),
    windowCenter: view.windowCenter + dy * sensitivity,
    voi: view.voi === "LUT" ? "LINEAR" : view.voi,
  };
}
