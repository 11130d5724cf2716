// Draws the measurements of the image on screen into the viewport's SVG layer: each one a
// group of polylines and a label, in canvas coordinates. The selected one is marked, and a
// click on a label selects its measurement. The layer only draws; where each point lands on
// screen and what each label says are worked out by the caller.
import type { Point } from "./math/measure";
import type { MeasurementKind } from "./measurements";

const SVG = "http://www.w3.org/2000/svg";

export interface DrawnMeasurement {
  /** The stored measurement's id; null for the one still being drawn. */
  id: number | null;
  kind: MeasurementKind;
  /** Polylines in canvas coordinates (a closed shape repeats its first point). */
  lines: Point[][];
  /** Where the label's first line starts, in canvas coordinates. */
  anchor: Point;
  /** The label, one entry a line. */
  label: string[];
  selected: boolean;
}

/** Replaces the layer's content with `items`; `onSelect` is called with a clicked label's id. */
export function drawLayer(svg: SVGSVGElement, items: DrawnMeasurement[], onSelect: (id: number) => void): void {
  svg.replaceChildren();
  for (const item of items) {
    const group = document.createElementNS(SVG, "g");
    group.setAttribute("class", `measurement measurement-${item.kind}${item.selected ? " measure-selected" : ""}`);
    group.setAttribute("data-label", item.label.join(" · "));
    if (item.id !== null) group.setAttribute("data-id", String(item.id));
    for (const points of item.lines) {
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", points.map((p) => `${round(p[0])},${round(p[1])}`).join(" "));
      line.setAttribute("class", "measure-line");
      group.append(line);
    }
    if (item.label.length > 0) {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", String(round(item.anchor[0] + 6)));
      text.setAttribute("y", String(round(item.anchor[1] - 6)));
      text.setAttribute("class", "measure-label");
      item.label.forEach((line, i) => {
        const span = document.createElementNS(SVG, "tspan");
        span.setAttribute("x", String(round(item.anchor[0] + 6)));
        if (i > 0) span.setAttribute("dy", "1.2em");
        span.textContent = line;
        text.append(span);
      });
      const id = item.id;
      if (id !== null) text.addEventListener("click", () => onSelect(id));
      group.append(text);
    }
    svg.append(group);
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;
