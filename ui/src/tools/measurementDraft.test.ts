import { describe, expect, it } from "vitest";
import { move, press, release } from "./measurementDraft";

describe("measurement draft", () => {
  it("finishes a length when a drag is released", () => {
    let step = press(null, "length", [1, 1], "s#0");
    const draft = move(step.draft, [5, 4]);
    expect(draft?.points).toEqual([[1, 1], [5, 4]]);
    step = release(draft);
    expect(step.draft).toBeNull();
    expect(step.done).toEqual({ kind: "length", points: [[1, 1], [5, 4]], image: "s#0" });
  });

  it("makes nothing of a click without a drag", () => {
    const step = release(press(null, "length", [1, 1], "s#0").draft);
    expect(step).toEqual({ draft: null, done: null });
  });

  it("finishes an angle at its third point", () => {
    let step = press(null, "angle", [0, 0], "s#0");
    step = release(move(step.draft, [5, 0]));
    expect(step.done).toBeNull();
    expect(step.draft?.points).toEqual([[0, 0], [5, 0]]);
    step = press(step.draft, "angle", [5, 5], "s#0");
    expect(step.draft).toBeNull();
    expect(step.done?.points).toEqual([[0, 0], [5, 0], [5, 5]]);
  });

  it("starts an angle afresh on another image", () => {
    const first = press(null, "angle", [0, 0], "s#0");
    const step = press(first.draft, "angle", [3, 3], "s#1");
    expect(step.draft).toEqual({ kind: "angle", points: [[3, 3], [3, 3]], image: "s#1" });
  });

  it("finishes an ellipse dragged corner to corner, but not a flat one", () => {
    const step = release(move(press(null, "ellipse", [1, 1], "s#0").draft, [5, 3]));
    expect(step.done).toEqual({ kind: "ellipse", points: [[1, 1], [5, 3]], image: "s#0" });
    expect(release(move(press(null, "ellipse", [1, 1], "s#0").draft, [5, 1])).done).toBeNull();
  });

  it("finishes a bidirectional measurement with its short axis made perpendicular", () => {
    let step = release(move(press(null, "bidirectional", [0, 0], "s#0").draft, [10, 0]));
    expect(step.done).toBeNull();
    expect(step.draft?.points).toEqual([[0, 0], [10, 0]]);
    step = press(step.draft, "bidirectional", [4, -3], "s#0");
    step = release(move(step.draft, [6, 2]));
    expect(step.draft).toBeNull();
    const points = step.done?.points ?? [];
    expect(points.slice(0, 2)).toEqual([[0, 0], [10, 0]]);
    expect(points[2]?.[0]).toBeCloseTo(5);
    expect(points[3]?.[0]).toBeCloseTo(5);
    expect(points[2]?.[1]).toBeCloseTo(-3);
    expect(points[3]?.[1]).toBeCloseTo(2);
  });

  it("lets the long axis wait when the short axis is only a click", () => {
    const long = release(move(press(null, "bidirectional", [0, 0], "s#0").draft, [10, 0])).draft;
    const step = release(press(long, "bidirectional", [5, 1], "s#0").draft);
    expect(step.done).toBeNull();
    expect(step.draft?.points).toEqual([[0, 0], [10, 0]]);
  });
});
