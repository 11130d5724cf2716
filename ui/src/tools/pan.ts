// Pan: the image follows the pointer, in CSS pixels of the canvas.
import type { ViewState } from "../viewport/state";

export function dragPan(view: ViewState, dx: number, dy: number): Pick<ViewState, "panX" | "panY"> {
  return { panX: view.panX + dx, panY: view.panY + dy };
}
