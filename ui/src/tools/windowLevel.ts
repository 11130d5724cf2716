// Window/level by dragging: horizontal movement changes the width, vertical the centre,
// scaled to the image's value range so one drag across the viewport covers it.
import type { ViewState } from "../viewport/state";

export function dragWindow(view: ViewState, dx: number, dy: number, valueRange: number): ViewState {
  const sensitivity = Math.max(valueRange, 1) / 512;
  return {
    ...view,
    windowWidth: Math.max(1, view.windowWidth + dx * sensitivity),
    windowCenter: view.windowCenter + dy * sensitivity,
  };
}

/** Modality presets clinicians expect, in Hounsfield units for CT. */
export const CT_PRESETS = [
  { name: "Brain", center: 40, width: 80 },
  { name: "Abdomen", center: 40, width: 400 },
  { name: "Lung", center: -600, width: 1500 },
  { name: "Bone", center: 400, width: 1800 },
] as const;
