// Draws reference lines into a viewport's SVG layer, beneath the measurements: for each other
// viewport whose image crosses the one on screen, a line in that viewport's colour (by its
// number, see styles.css) labelled with what it shows. Where each line lands on screen is
// worked out by the caller (../viewport/referenceLine gives it on the image).
import type { Point } from "../tools/math/measure";
import type { ImagePlane } from "../viewport/referenceLine";

const SVG = "http://www.w3.org/2000/svg";

/** Another viewport's image, as a source of a reference line. */
export interface ReferenceSource {
  /** The source viewport's name ("1" to "4"), which picks the line's colour. */
  viewport: string;
  /** What the source shows, e.g. "Prior · Series 3". */
  label: string;
  plane: ImagePlane;
}

/** A reference line placed on the canvas. */
export interface DrawnReference {
  viewport: string;
  label: string;
  from: Point;
  to: Point;
}

/** How far along the line, in canvas pixels, its label starts. */
const LABEL_INSET = 12;

/** Puts `lines` at the bottom of the layer, under whatever it already holds. */
export function drawReferenceLines(svg: SVGSVGElement, lines: DrawnReference[], width: number): void {
  const groups = lines.map((line) => {
    const group = document.createElementNS(SVG, "g");
    group.setAttribute("class", `reference-line reference-from-${line.viewport}`);
    group.setAttribute("data-source", line.viewport);
    group.setAttribute("data-label", line.label);
    const stroke = document.createElementNS(SVG, "line");
    stroke.setAttribute("class", "reference-stroke");
    for (const [name, value] of [
      ["x1", line.from[0]],
      ["y1", line.from[1]],
      ["x2", line.to[0]],
      ["y2", line.to[1]],
    ] as const) {
      stroke.setAttribute(name, String(round(value)));
    }
    const [x, y, anchor] = labelPlace(line, width);
    const text = document.createElementNS(SVG, "text");
    text.setAttribute("class", "reference-label");
    text.setAttribute("x", String(round(x)));
    text.setAttribute("y", String(round(y)));
    text.setAttribute("text-anchor", anchor);
    text.textContent = line.label;
    group.append(stroke, text);
    return group;
  });
  svg.prepend(...groups);
}

/** The label sits just inside the line's upper end (its left end when it is level). */
function labelPlace({ from, to }: DrawnReference, width: number): [number, number, "start" | "end"] {
  const level = Math.abs(to[1] - from[1]) < Math.abs(to[0] - from[0]) / 4;
  const [start, end] = (level ? from[0] <= to[0] : from[1] <= to[1]) ? [from, to] : [to, from];
  const length = Math.hypot(end[0] - start[0], end[1] - start[1]) || 1;
  const inset = Math.min(LABEL_INSET, length / 2) / length;
  const x = start[0] + (end[0] - start[0]) * inset;
  const y = start[1] + (end[1] - start[1]) * inset - 4;
  // A label near the right edge runs leftwards from its point, so it stays on screen.
  const anchor = x > width * 0.6 ? "end" : "start";
  return [anchor === "start" ? x + 4 : x - 4, Math.max(y, 12), anchor];
}

const round = (value: number): number => Math.round(value * 10) / 10;
