import { describe, expect, it } from "vitest";
import type { FramePixels } from "../ipc/backend";
import { choiceLabel, fullRangeWindow, windowChoices } from "./windowPresets";

const image = { voiFunction: "LINEAR" as const, hasLut: false, fullRange: { center: 100, width: 200 } };

describe("window presets per modality", () => {
  it("gives CT the named windows first, keyed 1 to 8, then the image's own and the full range", () => {
    const choices = windowChoices("CT", [{ name: "From the image", center: 35, width: 350 }], image);
    expect(choices.map((c) => c.name)).toEqual(["Brain", "Subdural", "Stroke", "Lung", "Mediastinum / soft tissue", "Bone", "Abdomen", "Liver", "From the image", "Full range"]);
    expect(choices.map((c) => c.key)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", null]);
    expect(choices[3]).toMatchObject({ center: -600, width: 1500, voi: "LINEAR" });
  });

  it("gives other modalities the image's own windows, with its function, then the full range", () => {
    for (const modality of ["MR", "CR", "DX", "MG", "US"]) {
      const choices = windowChoices(modality, [{ name: "Normal", center: 2000, width: 4000 }], { ...image, voiFunction: "SIGMOID" });
      expect(choices, modality).toEqual([
        { name: "Normal", center: 2000, width: 4000, voi: "SIGMOID", key: "1" },
        { name: "Full range", center: 100, width: 200, voi: "LINEAR", key: "2" },
      ]);
    }
  });

  it("offers an image's VOI LUT table among its own windows", () => {
    const choices = windowChoices("CR", [], { ...image, hasLut: true });
    expect(choices.map((c) => [c.key, c.voi])).toEqual([["1", "LUT"], ["2", "LINEAR"]]);
  });

  it("shows the key in the menu", () => {
    const [brain] = windowChoices("CT", [], image);
    expect(brain && choiceLabel(brain)).toBe("1 · Brain (W 80 / L 40)");
  });

  it("finds the full range of a frame's modality values", () => {
    const frame = { rows: 1, columns: 3, format: "i16", slope: 2, intercept: -1024, data: new Int16Array([-5, 0, 100]).buffer } as FramePixels;
    expect(fullRangeWindow(frame)).toEqual({ center: (-1034 + -824) / 2, width: 210 });
    expect(fullRangeWindow({ ...frame, rows: 2 })).toBeNull();
    expect(fullRangeWindow({ ...frame, format: "rgb8" })).toBeNull();
  });
});
