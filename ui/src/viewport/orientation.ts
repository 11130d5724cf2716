// Orientation markers from Image Orientation (Patient) (0020,0037): the patient direction
// at the top and left edges of the viewport, following the view's rotation and flips.
// DICOM patient axes: +x towards the patient's left, +y posterior, +z head.
import type { ViewState } from "./state";

type Vector = [number, number, number];

const AXIS_LETTERS: [string, string][] = [
  ["L", "R"],
  ["P", "A"],
  ["H", "F"],
];

/** Letters for a direction, most significant axis first (e.g. "LP"). */
export function directionLabel(v: Vector): string {
  return v
    .map((value, axis) => ({ value, axis }))
    .filter(({ value }) => Math.abs(value) > 0.25)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .map(({ value, axis }) => {
      const letters = AXIS_LETTERS[axis];
      return letters ? (value > 0 ? letters[0] : letters[1]) : "";
    })
    .join("");
}

const negate = (v: Vector): Vector => [-v[0], -v[1], -v[2]];

export function orientationLabels(
  orientation: [number, number, number, number, number, number] | null,
  view: Pick<ViewState, "rotation" | "flipH" | "flipV">,
): { top: string; left: string } | null {
  if (!orientation) return null;
  let right: Vector = [orientation[0], orientation[1], orientation[2]];
  let down: Vector = [orientation[3], orientation[4], orientation[5]];
  if (view.flipH) right = negate(right);
  if (view.flipV) down = negate(down);
  let screenRight = right;
  let screenDown = down;
  switch (view.rotation) {
    case 90:
      screenRight = negate(down);
      screenDown = right;
      break;
    case 180:
      screenRight = negate(right);
      screenDown = negate(down);
      break;
    case 270:
      screenRight = down;
      screenDown = negate(right);
      break;
    default:
      break;
  }
  return { top: directionLabel(negate(screenDown)), left: directionLabel(negate(screenRight)) };
}
