import { describe, expect, it } from "vitest";
import { mmPerScreenPixel, sharedWindow, zoomForScale } from "./viewSync";

describe("window/level passed on", () => {
  const window = { windowCenter: 40, windowWidth: 400, voi: "LINEAR" as const };

  it("as the same centre and width between series of one modality", () => {
    expect(sharedWindow("CT", window, "ct")).toEqual(window);
    expect(sharedWindow("CT", { ...window, voi: "SIGMOID" }, "CT")?.voi).toBe("SIGMOID");
  });

  it("not between modalities, without one, or from a VOI table", () => {
    expect(sharedWindow("CT", window, "MR")).toBeNull();
    expect(sharedWindow("", window, "")).toBeNull();
    expect(sharedWindow("CT", { ...window, voi: "LUT" }, "CT")).toBeNull();
  });
});

describe("zoom passed on as millimetres per screen pixel", () => {
  // A 512 × 512 CT of 0.7 mm pixels and a 256 × 256 prior of 1.5 mm pixels, both on 500 px canvases.
  const ct = { columns: 512, rows: 512, spacing: 0.7, canvasWidth: 500, canvasHeight: 500 };
  const prior = { columns: 256, rows: 256, spacing: 1.5, canvasWidth: 500, canvasHeight: 500 };

  it("shows the same anatomy at the same size", () => {
    const mm = mmPerScreenPixel({ zoom: 2, rotation: 0 }, ct);
    expect(mm).toBeCloseTo((0.7 * 512) / 500 / 2);
    if (mm === null) throw new Error("no scale");
    const zoom = zoomForScale(mm, 0, prior);
    if (zoom === null) throw new Error("no zoom");
    expect(mmPerScreenPixel({ zoom, rotation: 0 }, prior)).toBeCloseTo(mm);
    // The CT's field of 358.4 mm at fit is halved; the prior's 384 mm field must show as much.
    expect(zoom).toBeCloseTo((2 * (1.5 * 256)) / (0.7 * 512));
  });

  it("takes the target's canvas and rotation into account", () => {
    const wide = { ...prior, canvasWidth: 1000, canvasHeight: 500, columns: 256, rows: 128 };
    const zoom = zoomForScale(1, 90, wide);
    expect(mmPerScreenPixel({ zoom: zoom ?? 0, rotation: 90 }, wide)).toBeCloseTo(1);
  });

  it("gives nothing without spacing or a canvas, and keeps within the zoom's limits", () => {
    expect(mmPerScreenPixel({ zoom: 1, rotation: 0 }, { ...ct, spacing: null })).toBeNull();
    expect(mmPerScreenPixel({ zoom: 1, rotation: 0 }, { ...ct, canvasWidth: 0, canvasHeight: 0 })).toBeNull();
    expect(zoomForScale(1, 0, { ...prior, canvasWidth: 0 })).toBeNull();
    expect(zoomForScale(1, 0, { ...prior, spacing: null })).toBeNull();
    expect(zoomForScale(1e-6, 0, prior)).toBe(20);
  });
});
