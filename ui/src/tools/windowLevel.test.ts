import { describe, expect, it } from "vitest";
import { initialViewState } from "../viewport/state";
import { dragWindow } from "./windowLevel";

describe("dragWindow", () => {
  it("widens to the right and raises the centre downwards", () => {
    const view = dragWindow(initialViewState(40, 400), 512, 256, 4096);
    expect(view.windowWidth).toBe(400 + 4096);
    expect(view.windowCenter).toBe(40 + 2048);
  });

  it("keeps the window's function, and leaves a VOI LUT table for a LINEAR window", () => {
    expect(dragWindow(initialViewState(40, 400, "SIGMOID"), 10, 0, 4096).voi).toBe("SIGMOID");
    expect(dragWindow(initialViewState(40, 400, "LUT"), 10, 0, 4096).voi).toBe("LINEAR");
  });

  it("never lets the width fall below one", () => {
    expect(dragWindow(initialViewState(40, 10), -10000, 0, 4096).windowWidth).toBe(1);
  });
});
