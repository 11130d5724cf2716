import { describe, expect, it } from "vitest";
import { MeasuringInput } from "./measuring";
import { MeasurementStore } from "./measurements";

describe("measuring input", () => {
  it("stores a length once dragged and let go, on the image it was drawn on", () => {
    const store = new MeasurementStore();
    const input = new MeasuringInput(store);
    input.press("length", [0, 0], "s#0");
    expect(input.drag("length", [3, 4])).toBe(true);
    input.release(null);
    expect(input.draft).toBeNull();
    expect(store.list("s#0").map((m) => m.points)).toEqual([
      [
        [0, 0],
        [3, 4],
      ],
    ]);
  });

  it("keeps an angle open after its first ray and stores it at the third point", () => {
    const store = new MeasurementStore();
    const input = new MeasuringInput(store);
    input.press("angle", [0, 0], "s#0");
    input.drag("angle", [10, 0]);
    input.release(null);
    expect(input.draft?.points).toHaveLength(2);
    input.press("angle", [10, 10], "s#0");
    expect(input.draft).toBeNull();
    expect(store.list("s#0")[0]?.kind).toBe("angle");
  });

  it("ignores a drag with another tool, and drops what is half drawn", () => {
    const input = new MeasuringInput(new MeasurementStore());
    expect(input.drag("length", [1, 1])).toBe(false);
    input.press("angle", [0, 0], "s#0");
    expect(input.drag("length", [1, 1])).toBe(false);
    expect(input.drop()).toBe(true);
    expect(input.drop()).toBe(false);
  });
});
