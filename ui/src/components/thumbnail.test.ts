import { describe, expect, it } from "vitest";
import type { FramePixels } from "../ipc/backend";
import { windowToBytes } from "./thumbnail";

function frame(values: number[], extra: Partial<FramePixels> = {}): FramePixels {
  return {
    rows: 1,
    columns: values.length,
    format: "i16",
    slope: 1,
    intercept: -1024,
    windowCenter: 40,
    windowWidth: 400,
    invert: false,
    instanceNumber: null,
    sliceLocation: null,
    position: null,
    orientation: null,
    data: new Int16Array(values).buffer,
    ...extra,
  };
}

describe("windowToBytes", () => {
  it("applies rescale then the linear window", () => {
    // Stored 1024 → 0 HU: inside a 40/400 window, a bit below the middle grey.
    const bytes = windowToBytes(frame([0, 1024, 3000]));
    expect(bytes[0]).toBe(0);
    expect(bytes[4]).toBeGreaterThan(100);
    expect(bytes[4]).toBeLessThan(128);
    expect(bytes[8]).toBe(255);
  });

  it("inverts MONOCHROME1", () => {
    expect(windowToBytes(frame([0], { invert: true }))[0]).toBe(255);
  });
});
