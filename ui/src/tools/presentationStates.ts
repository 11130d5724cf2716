// Presentation states (DICOM GSPS, PS3.3 A.33.1) as the viewport offers them: which states
// apply to the image on screen (by series key and index, as the backend mapped them), and
// each graphic's outline as polylines in image coordinates, so the viewport can place them on
// the canvas exactly as it places measurements (through its own image-to-canvas transform,
// whatever the zoom, pan, rotation and flips). Points are (column, row) from the top left
// corner of the top left pixel (PS3.3 C.10.5.1.2).
import type { PresentationGraphicView, PresentationImageView, PresentationStateView } from "../ipc/backend";
import type { Point } from "./math/measure";

/** A state that applies to the image on screen, with what it does to that image. */
export interface StateOnImage {
  state: PresentationStateView;
  image: PresentationImageView;
}

/** The states that name image `index` of series `seriesKey`, in the order given. */
export function statesOn(states: readonly PresentationStateView[], seriesKey: string, index: number): StateOnImage[] {
  return states.flatMap((state) => {
    const image = state.images.find((i) => i.seriesKey === seriesKey && i.index === index);
    return image ? [{ state, image }] : [];
  });
}

/** The label a control shows for a state. */
export function stateLabel(state: PresentationStateView): string {
  return `Presentation state: ${state.label}`;
}

/** Who made a state and when, for a control's title. */
export function stateDetails(state: PresentationStateView): string {
  return [state.description, state.creator ? `by ${state.creator}` : null, state.date].filter((part): part is string => !!part).join(" · ");
}

/** Points sampled around an ellipse or circle. */
const ROUND_STEPS = 64;

/** An ellipse from its centre, its semi-axes along `u` (unit) and the normal to it. */
function ellipse(centre: Point, u: Point, a: number, b: number): Point[] {
  const v: Point = [-u[1], u[0]];
  const points: Point[] = [];
  for (let i = 0; i <= ROUND_STEPS; i++) {
    const t = (2 * Math.PI * i) / ROUND_STEPS;
    const x = a * Math.cos(t);
    const y = b * Math.sin(t);
    points.push([centre[0] + x * u[0] + y * v[0], centre[1] + x * u[1] + y * v[1]]);
  }
  return points;
}

/**
 * A graphic's outline in image coordinates: the polyline itself (an interpolated curve drawn
 * through its points with straight lines), a closed sampled circle or ellipse (PS3.3
 * C.10.5.2: a circle is its centre and a point on it; an ellipse its major axis end points,
 * then its minor axis end points). A point has no outline: the viewport marks it on the canvas.
 */
export function graphicOutline(graphic: PresentationGraphicView): Point[] {
  const points = graphic.points.map(([x, y]): Point => [x, y]);
  switch (graphic.kind) {
    case "polyline":
    case "interpolated":
      return points;
    case "circle": {
      const [centre, edge] = points;
      if (!centre || !edge) return [];
      const radius = Math.hypot(edge[0] - centre[0], edge[1] - centre[1]);
      return ellipse(centre, [1, 0], radius, radius);
    }
    case "ellipse": {
      const [p1, p2, p3, p4] = points;
      if (!p1 || !p2 || !p3 || !p4) return [];
      const length = Math.hypot(p2[0] - p1[0], p2[1] - p1[1]);
      if (length === 0) return [];
      const centre: Point = [(p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2];
      const u: Point = [(p2[0] - p1[0]) / length, (p2[1] - p1[1]) / length];
      return ellipse(centre, u, length / 2, Math.hypot(p4[0] - p3[0], p4[1] - p3[1]) / 2);
    }
    case "point":
      return [];
  }
}
