import { describe, expect, it } from "vitest";
import { announcement, KeyboardMeasuring, type KeyContext, type KeyPress } from "./keyboardMeasuring";
import type { MeasurementKind } from "./measurements";
import { MeasurementStore } from "./measurements";
import { MeasuringInput } from "./measuring";

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

function setUp(kind: MeasurementKind = "length", columns = 100, rows = 80) {
  const store = new MeasurementStore();
  const input = new MeasuringInput(store);
  const keyboard = new KeyboardMeasuring(input);
  const context: KeyContext = { kind, image: "s#0", columns, rows, direction: (key) => ARROWS[key] ?? null, spacing: null };
  const press = (key: string, init: Partial<KeyPress> = {}) => keyboard.key({ key, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...init }, context);
  return { store, input, keyboard, press };
}

describe("keyboard measuring", () => {
  it("places a length with Enter, the arrows and Enter again", () => {
    const { store, keyboard, press } = setUp();
    expect(press("Enter")).toEqual({ what: "shown", at: [50.5, 40.5] });
    expect(press("Enter")).toEqual({ what: "placed", at: [50.5, 40.5], count: 1 });
    press("ArrowRight", { shiftKey: true });
    press("ArrowRight");
    press("ArrowDown");
    expect(keyboard.cursor).toEqual([61.5, 41.5]);
    const done = press("Enter");
    expect(done).toEqual({ what: "done", measurement: { kind: "length", image: "s#0", points: [[50.5, 40.5], [61.5, 41.5]] } });
    expect(store.list("s#0").map((m) => m.points)).toEqual([[[50.5, 40.5], [61.5, 41.5]]]);
  });

  it("lets the line follow the crosshair once the first point is down", () => {
    const { input, press } = setUp();
    press("Enter");
    press("Enter");
    const moved = press("ArrowLeft", { shiftKey: true });
    expect(moved).toMatchObject({ what: "moved", at: [40.5, 40.5] });
    expect(input.draft?.points).toEqual([[50.5, 40.5], [40.5, 40.5]]);
  });

  it("keeps the crosshair inside the image", () => {
    const { keyboard, press } = setUp("length", 12, 12);
    press("Enter");
    press("ArrowUp", { shiftKey: true });
    press("ArrowLeft", { shiftKey: true });
    expect(keyboard.cursor).toEqual([0.5, 0.5]);
    for (let i = 0; i < 3; i++) press("ArrowRight", { shiftKey: true });
    expect(keyboard.cursor).toEqual([11.5, 0.5]);
  });

  it("leaves the arrows to the stack until the crosshair is shown, and modified keys always", () => {
    const { press } = setUp();
    expect(press("ArrowDown")).toBeNull();
    press("Enter");
    expect(press("ArrowDown", { ctrlKey: true })).toBeNull();
    expect(press("Enter", { altKey: true })).toBeNull();
    expect(press("PageDown")).toBeNull();
  });

  it("makes nothing of a length whose ends are the same point", () => {
    const { store, press } = setUp();
    press("Enter");
    press("Enter");
    expect(press("Enter")).toEqual({ what: "nothing", at: [50.5, 40.5] });
    expect(store.list("s#0")).toEqual([]);
  });

  it("cancels with Esc, first the draft and crosshair, then lets Esc go on", () => {
    const { store, input, keyboard, press } = setUp();
    press("Enter");
    press("Enter");
    press("ArrowRight");
    expect(press("Escape")).toEqual({ what: "cancelled" });
    expect(input.draft).toBeNull();
    expect(keyboard.cursor).toBeNull();
    expect(store.list("s#0")).toEqual([]);
    // Nothing left to cancel: Esc is the study's (it closes the study).
    expect(press("Escape")).toBeNull();
  });

  it("builds an angle as the pointer does: a ray, then the third point", () => {
    const { store, press } = setUp("angle");
    press("Enter");
    press("Enter");
    press("ArrowRight", { shiftKey: true });
    expect(press("Enter")).toMatchObject({ what: "placed", count: 2 });
    press("ArrowUp", { shiftKey: true });
    expect(press("Enter")).toMatchObject({ what: "done", measurement: { kind: "angle" } });
    expect(store.list("s#0")[0]?.points).toEqual([
      [50.5, 40.5],
      [60.5, 40.5],
      [60.5, 30.5],
    ]);
  });

  it("builds a bidirectional measurement with its short axis made perpendicular", () => {
    const { store, press } = setUp("bidirectional");
    press("Enter");
    press("Enter");
    press("ArrowRight", { shiftKey: true });
    expect(press("Enter")).toMatchObject({ what: "placed", count: 2 });
    press("ArrowLeft");
    press("ArrowLeft");
    press("ArrowLeft");
    press("ArrowLeft");
    press("ArrowLeft");
    press("ArrowUp");
    press("ArrowUp");
    expect(press("Enter")).toMatchObject({ what: "placed", count: 3 });
    press("ArrowDown");
    press("ArrowDown");
    press("ArrowDown");
    press("ArrowDown");
    const done = press("Enter");
    expect(done).toMatchObject({ what: "done", measurement: { kind: "bidirectional" } });
    const points = store.list("s#0")[0]?.points ?? [];
    expect(points).toHaveLength(4);
    expect(points[2]?.[0]).toBeCloseTo(55.5);
    expect(points[3]?.[0]).toBeCloseTo(55.5);
  });

  it("forgets the crosshair when hidden, keeping Esc for the study", () => {
    const { keyboard, press } = setUp();
    press("Enter");
    keyboard.hide();
    expect(keyboard.cursor).toBeNull();
    expect(press("Escape")).toBeNull();
  });
});

describe("keyboard measuring announcements", () => {
  const describe_ = (draft: { kind: string; points: readonly unknown[] }): string => `${draft.kind} of ${draft.points.length} points`;

  it("says where the crosshair is and which keys move it", () => {
    expect(announcement({ what: "shown", at: [50.5, 40.5] }, describe_)).toBe("Crosshair at x 50, y 40. Arrow keys move it, Shift and an arrow by 10 pixels; Enter places a point; Esc cancels.");
    expect(announcement({ what: "moved", at: [3.5, 4.5], draft: null }, describe_)).toBe("x 3, y 4");
    expect(announcement({ what: "placed", at: [3.5, 4.5], count: 1 }, describe_)).toBe("Point 1 placed at x 3, y 4.");
  });

  it("reads out the measurement while it is drawn and when it is done", () => {
    const draft = { kind: "length" as const, image: "s#0", points: [[0, 0], [3, 4]] as [number, number][] };
    expect(announcement({ what: "moved", at: [3.5, 4.5], draft }, describe_)).toBe("x 3, y 4. length of 2 points");
    expect(announcement({ what: "done", measurement: draft }, describe_)).toBe("Measured: length of 2 points.");
    expect(announcement({ what: "cancelled" }, describe_)).toBe("Measurement cancelled.");
  });
});
