// Draws a presentation state applied to the image on screen into the viewport's SVG layer:
// one group (class `presentation-state`, labelled with the state's label) holding its
// graphics as polylines, its points as small crosses, and its texts, each joined to its
// anchor by a line when the state asks for one. Everything arrives in canvas coordinates;
// the layer only draws (the caller places each point through the viewport's transform).
import type { Point } from "./math/measure";

const SVG = "http://www.w3.org/2000/svg";

/** A text placed on the canvas. */
export interface PlacedText {
  text: string;
  /** Where the text's first line starts. */
  at: Point;
  /** The point it is about, when a line joins them. */
  anchor: Point | null;
}

/** A state's shapes placed on the canvas. */
export interface PlacedState {
  label: string;
  lines: { points: Point[]; filled: boolean }[];
  points: Point[];
  texts: PlacedText[];
}

const round = (value: number): number => Math.round(value * 10) / 10;

function node<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

/** Appends the state's group to `svg` (the layer's other content is left as it is). */
export function drawPresentationState(svg: SVGSVGElement, state: PlacedState): void {
  const group = node("g", { class: "presentation-state", "data-label": state.label });
  for (const line of state.lines) {
    if (line.points.length < 2) continue;
    const points = line.points.map((p) => `${round(p[0])},${round(p[1])}`).join(" ");
    group.append(node(line.filled ? "polygon" : "polyline", { points, class: line.filled ? "presentation-shape presentation-filled" : "presentation-shape" }));
  }
  for (const [x, y] of state.points) {
    group.append(node("path", { d: `M${round(x - 4)},${round(y)}H${round(x + 4)}M${round(x)},${round(y - 4)}V${round(y + 4)}`, class: "presentation-shape" }));
  }
  for (const text of state.texts) {
    if (text.anchor) {
      group.append(node("line", { x1: String(round(text.anchor[0])), y1: String(round(text.anchor[1])), x2: String(round(text.at[0])), y2: String(round(text.at[1])), class: "presentation-shape" }));
    }
    const label = node("text", { x: String(round(text.at[0])), y: String(round(text.at[1])), class: "presentation-text" });
    label.textContent = text.text;
    group.append(label);
  }
  svg.append(group);
}
