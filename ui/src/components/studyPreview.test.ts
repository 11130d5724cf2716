import { describe, expect, it } from "vitest";
import { frameOf } from "../ipc/fixtures";
import { PREVIEW_NOTE, renderStudyPreview } from "./studyPreview";

HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

describe("study preview", () => {
  it("says the image is a preview not yet placed in its series", () => {
    const preview = renderStudyPreview(frameOf());
    expect(preview.querySelector(".study-preview-note")?.textContent).toBe(PREVIEW_NOTE);
    expect(preview.querySelector("canvas")?.getAttribute("role")).toBe("img");
  });

  it("scales a large image down to fit, keeping its shape", () => {
    const canvas = renderStudyPreview({ ...frameOf(), rows: 2048, columns: 1024 }).querySelector("canvas");
    expect([canvas?.width, canvas?.height]).toEqual([256, 512]);
  });
});
