import { describe, expect, it } from "vitest";
import { frameOf } from "../ipc/fixtures";
import { initialViewState } from "../viewport/state";
import { DragScroll } from "./stackScroll";
import { KEY_STEP, VIEW_DRAGS, arrowDrag, valueRange } from "./viewDrag";

describe("view drags", () => {
  const view = { ...initialViewState(40, 400), panX: 5, panY: -5, zoom: 2 };

  it("pans by the pointer's movement", () => {
    expect(VIEW_DRAGS.pan?.(view, 10, 20, null)).toEqual({ panX: 15, panY: 15 });
  });

  it("zooms only by vertical movement", () => {
    expect(VIEW_DRAGS.zoom?.(view, 500, 0, null)).toEqual({ zoom: 2 });
  });

  it("windows over the range of the image's stored values", () => {
    expect(valueRange(frameOf({ format: "u8" }))).toBe(256);
    expect(valueRange(frameOf({ format: "i16" }))).toBe(4096);
    expect(VIEW_DRAGS.window?.(view, 512, 0, frameOf({ format: "u8" }))).toMatchObject({ windowWidth: 400 + 256 });
  });

  it("turns an arrow key into a short drag the same way, and nothing else", () => {
    expect(arrowDrag("ArrowUp")).toEqual([0, -KEY_STEP]);
    expect(arrowDrag("ArrowRight")).toEqual([KEY_STEP, 0]);
    expect(arrowDrag("Enter")).toBeNull();
    // Up zooms in, as dragging up with the zoom tool does.
    const [dx, dy] = arrowDrag("ArrowUp") ?? [0, 0];
    expect(VIEW_DRAGS.zoom?.(view, dx, dy, null).zoom).toBeGreaterThan(2);
  });

  it("leaves the other tools to the viewport", () => {
    expect(VIEW_DRAGS.scroll).toBeUndefined();
    expect(VIEW_DRAGS.length).toBeUndefined();
  });
});

describe("stack scroll by dragging", () => {
  it("moves an image every 8 px, keeping what is left of a step for the next movement", () => {
    const scroll = new DragScroll();
    expect([3, 3, 3, 8, -16].map((dy) => scroll.steps(dy))).toEqual([0, 0, 1, 1, -1]);
  });
});
