import { describe, expect, it } from "vitest";
import type { PresentationGraphicView } from "../ipc/backend";
import { presentationStateOf as stateOf } from "../ipc/fixtures";
import { graphicOutline, stateDetails, stateLabel, statesOn } from "./presentationStates";

const graphic = (kind: PresentationGraphicView["kind"], points: [number, number][]): PresentationGraphicView => ({ kind, points, filled: false, layer: "FINDINGS" });

describe("presentation states on an image", () => {
  it("offers a state only on the image it names, by series and index", () => {
    const states = [stateOf(), stateOf({ key: "1/1", images: [{ seriesKey: "1", index: 0, window: null, texts: [], graphics: [] }] })];
    expect(statesOn(states, "0", 0).map((s) => s.state.key)).toEqual(["1/0"]);
    expect(statesOn(states, "0", 1)).toEqual([]);
    expect(statesOn(states, "1", 0).map((s) => s.state.key)).toEqual(["1/1"]);
  });

  it("names the state by its label and says who made it and when", () => {
    expect(stateLabel(stateOf())).toBe("Presentation state: FRACTURE");
    expect(stateDetails(stateOf())).toBe("Fracture marked · by Radiologist, Training · 2021-09-20");
    expect(stateDetails(stateOf({ description: null, creator: null, date: null }))).toBe("");
  });
});

describe("graphic outlines", () => {
  it("keeps a polyline's points and draws an interpolated curve through its own", () => {
    const points: [number, number][] = [
      [1, 2],
      [3, 4],
      [5, 2],
    ];
    expect(graphicOutline(graphic("polyline", points))).toEqual(points);
    expect(graphicOutline(graphic("interpolated", points))).toEqual(points);
    expect(graphicOutline(graphic("point", [[1, 1]]))).toEqual([]);
  });

  it("draws a circle round its centre through its second point", () => {
    const outline = graphicOutline(graphic("circle", [[10, 10], [13, 14]]));
    expect(outline.length).toBeGreaterThan(16);
    for (const [x, y] of outline) expect(Math.hypot(x - 10, y - 10)).toBeCloseTo(5);
  });

  it("draws an ellipse through the ends of its major and minor axes, at their angle", () => {
    // Major axis from (0,0) to (8,8), minor axis from (2,6) to (6,2): centre (4,4).
    const outline = graphicOutline(
      graphic("ellipse", [
        [0, 0],
        [8, 8],
        [2, 6],
        [6, 2],
      ]),
    );
    const a = Math.hypot(8, 8) / 2;
    const b = Math.hypot(4, 4) / 2;
    for (const [x, y] of outline) {
      // In the ellipse's own axes, every point satisfies (u/a)² + (v/b)² = 1.
      const u = ((x - 4) + (y - 4)) / Math.SQRT2;
      const v = ((y - 4) - (x - 4)) / Math.SQRT2;
      expect((u / a) ** 2 + (v / b) ** 2).toBeCloseTo(1);
    }
    const near = (p: [number, number]): boolean => outline.some(([x, y]) => Math.hypot(x - p[0], y - p[1]) < 1e-9);
    expect(near([0, 0]) && near([8, 8])).toBe(true);
    expect(graphicOutline(graphic("ellipse", [[0, 0]]))).toEqual([]);
  });
});
