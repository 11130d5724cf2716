import { describe, expect, it } from "vitest";
import { MeasurementStore } from "./measurements";

describe("measurement store", () => {
  it("keeps measurements per image", () => {
    const store = new MeasurementStore();
    store.add("s#0", "length", [[0, 0], [1, 1]]);
    store.add("s#1", "angle", [[0, 0], [1, 1], [2, 0]]);
    expect(store.list("s#0").map((m) => m.kind)).toEqual(["length"]);
    expect(store.list("s#1").map((m) => m.kind)).toEqual(["angle"]);
    expect(store.list("s#2")).toEqual([]);
  });

  it("copies the points it is given", () => {
    const store = new MeasurementStore();
    const points: [number, number][] = [[0, 0], [1, 1]];
    store.add("s#0", "length", points);
    points[1] = [9, 9];
    expect(store.list("s#0")[0]?.points[1]).toEqual([1, 1]);
  });

  it("deletes the selected measurement and forgets the selection", () => {
    const store = new MeasurementStore();
    const a = store.add("s#0", "length", [[0, 0], [1, 1]]);
    const b = store.add("s#0", "length", [[0, 0], [2, 2]]);
    expect(store.removeSelected("s#0")).toBe(false);
    store.select(a.id);
    expect(store.selected).toBe(a.id);
    expect(store.removeSelected("s#0")).toBe(true);
    expect(store.selected).toBeNull();
    expect(store.list("s#0").map((m) => m.id)).toEqual([b.id]);
  });

  it("does not delete a selected measurement on another image than the one asked about", () => {
    const store = new MeasurementStore();
    const a = store.add("s#0", "length", [[0, 0], [1, 1]]);
    store.select(a.id);
    expect(store.removeSelected("s#1")).toBe(false);
    expect(store.list("s#0")).toHaveLength(1);
  });

  it("selects nothing for an unknown id", () => {
    const store = new MeasurementStore();
    store.select(42);
    expect(store.selected).toBeNull();
  });

  it("undoes the last add, then a delete back into its place", () => {
    const store = new MeasurementStore();
    const a = store.add("s#0", "length", [[0, 0], [1, 1]]);
    const b = store.add("s#0", "length", [[0, 0], [2, 2]]);
    const c = store.add("s#0", "length", [[0, 0], [3, 3]]);
    store.remove(b.id);
    expect(store.list("s#0").map((m) => m.id)).toEqual([a.id, c.id]);
    expect(store.undo("s#0")).toBe(true);
    expect(store.list("s#0").map((m) => m.id)).toEqual([a.id, b.id, c.id]);
    expect(store.undo("s#0")).toBe(true);
    expect(store.list("s#0").map((m) => m.id)).toEqual([a.id, b.id]);
  });

  it("undoes only changes made on the image asked about", () => {
    const store = new MeasurementStore();
    const a = store.add("s#0", "length", [[0, 0], [1, 1]]);
    store.add("s#1", "length", [[0, 0], [1, 1]]);
    expect(store.undo("s#0")).toBe(true);
    expect(store.list("s#0")).toEqual([]);
    expect(store.list("s#1")).toHaveLength(1);
    expect(store.undo("s#0")).toBe(false);
    expect(a.id).toBeGreaterThan(0);
  });

  it("bumps its revision on every change and forgets everything on clear", () => {
    const store = new MeasurementStore();
    const before = store.revision;
    const a = store.add("s#0", "length", [[0, 0], [1, 1]]);
    store.select(a.id);
    expect(store.revision).toBe(before + 2);
    store.clear();
    expect(store.list("s#0")).toEqual([]);
    expect(store.selected).toBeNull();
    expect(store.undo("s#0")).toBe(false);
  });
});
