import { describe, expect, it, vi } from "vitest";
import { keyImagesOf, seriesOf, studyOf } from "../ipc/fixtures";
import { KeyImages, renderKeyImageList } from "./keyImages";

describe("key images", () => {
  it("marks only the images a set flags, in their own series, with every title they are flagged under", () => {
    const view = keyImagesOf([2, 4]);
    view.sets.push({ seriesKey: "2", title: "For Surgery", description: null, images: [{ seriesKey: "0", index: 4 }] });
    const key = new KeyImages(view);
    const marker = key.lookup("0");
    expect(marker(2)).toBe("★ Key image — Of Interest");
    expect(marker(4)).toBe("★ Key image — Of Interest, For Surgery");
    expect(marker(3)).toBeNull();
    // The same index in another series is not a key image.
    expect(key.lookup("1")(2)).toBeNull();
  });

  it("lists each image as a button naming its series and slice, which jumps there", () => {
    const study = studyOf({ series: [seriesOf("0", { number: 3, description: "Axial", instanceCount: 400 }), seriesOf("1", { modality: "KO", document: "ko" })] });
    const jump = vi.fn();
    const list = renderKeyImageList(keyImagesOf([211, 213]), study, jump);
    const buttons = [...(list?.querySelectorAll<HTMLButtonElement>("[data-action=key-image]") ?? [])];
    expect(buttons.map((b) => b.textContent)).toEqual(["CT 3 · Axial — image 212", "CT 3 · Axial — image 214"]);
    expect(buttons.every((b) => b.type === "button")).toBe(true);
    expect(list?.textContent).toContain("Of Interest");
    expect(list?.textContent).toContain("Liver lesion");
    buttons[1]?.click();
    expect(jump).toHaveBeenCalledWith({ seriesKey: "0", index: 213 });
  });

  it("offers nothing when no set flags an image of the study", () => {
    expect(renderKeyImageList(keyImagesOf([]), studyOf(), () => {})).toBeNull();
    expect(renderKeyImageList({ sets: [], warnings: [] }, studyOf(), () => {})).toBeNull();
  });
});
