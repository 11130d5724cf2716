import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../ipc/fakeBackend";
import { frameOf, keyImagesOf, seriesOf, studyOf } from "../ipc/fixtures";
import { StudyScreen } from "./studyView";

// jsdom has no WebGL: the viewports draw nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

/** A CT of six slices and a key object series flagging slices 3 and 5 (indices 2 and 4). */
const study = studyOf({
  series: [
    seriesOf("0", { description: "Axial", instanceCount: 6 }),
    seriesOf("1", { modality: "KO", description: "Key images", instanceCount: 1, rows: 0, columns: 0, pixelSpacing: null, document: "ko" }),
  ],
});

async function open(backend: FakeBackend): Promise<{ screen: StudyScreen; announce: ReturnType<typeof vi.fn> }> {
  backend.frames.set(`${study.key}/0`, Array.from({ length: 6 }, (_, i) => frameOf({ instanceNumber: i + 1 })));
  const announce = vi.fn();
  const screen = new StudyScreen(backend, study, [], {
    onClose: () => {},
    onOpenReport: () => {},
    openPrior: () => Promise.reject(new Error("no prior")),
    closePrior: () => Promise.resolve(),
    announce,
  });
  document.body.replaceChildren(screen.element);
  await screen.start();
  return { screen, announce };
}

const marker = (screen: StudyScreen): HTMLElement | null => screen.element.querySelector<HTMLElement>('[data-viewport="1"] .key-image-marker');
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("study view key images", () => {
  it("lists the key images in the key object series' entry and jumps to the slice, which is marked", async () => {
    const backend = new FakeBackend();
    backend.keyImages.set(study.key, keyImagesOf([2, 4]));
    const { screen, announce } = await open(backend);
    // The KO series is not drawn as an image series: no thumbnail, no frame asked of it.
    expect(backend.calls.some(([name, args]) => name === "frame" && String(args).startsWith(`${study.key}/1/`))).toBe(false);
    const entry = screen.element.querySelector('#series-list li[data-series-key="1"]');
    expect(entry?.textContent).toContain("Key images");
    expect(marker(screen)?.hidden).toBe(true);
    const buttons = [...(entry?.querySelectorAll<HTMLButtonElement>("[data-action=key-image]") ?? [])];
    expect(buttons).toHaveLength(2);
    buttons[1]?.click();
    await settle();
    expect(screen.element.querySelector<HTMLInputElement>('[data-viewport="1"] .stack-scrollbar')?.value).toBe("4");
    expect(marker(screen)?.hidden).toBe(false);
    expect(marker(screen)?.textContent).toBe("★ Key image — Of Interest");
    expect(announce).toHaveBeenCalledWith(expect.stringContaining("image 5"));
    // Scrolling off the key image takes the marker away; back onto one brings it back.
    const viewport = screen.element.querySelector<HTMLElement>('[data-viewport="1"]');
    viewport?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true, cancelable: true }));
    await settle();
    expect(marker(screen)?.hidden).toBe(true);
    buttons[0]?.click();
    await settle();
    expect(screen.element.querySelector<HTMLInputElement>('[data-viewport="1"] .stack-scrollbar')?.value).toBe("2");
    expect(marker(screen)?.hidden).toBe(false);
  });

  it("jumps to the first key image from the key object series' own button", async () => {
    const backend = new FakeBackend();
    backend.keyImages.set(study.key, keyImagesOf([4]));
    const { screen } = await open(backend);
    screen.element.querySelector<HTMLButtonElement>('#series-list li[data-series-key="1"] .series-button')?.click();
    await settle();
    expect(marker(screen)?.hidden).toBe(false);
  });

  it("adds what could not be read to the study's warnings", async () => {
    const backend = new FakeBackend();
    backend.keyImages.set(study.key, keyImagesOf([2], { warnings: ["The key image note refers to 1 image(s) not in this study; they are not marked."] }));
    const { screen } = await open(backend);
    expect(screen.element.querySelector("#study-warnings")?.textContent).toContain("not in this study");
    const failing = new FakeBackend();
    failing.fail("studyKeyImages", "report-unavailable", "The report could not be read.");
    const { screen: second } = await open(failing);
    expect(second.element.querySelector("#study-warnings")?.textContent).toContain("The key images could not be read.");
    expect(second.element.querySelector("[data-action=key-image]")).toBeNull();
  });

  it("asks nothing about key images of a study without a key object series", async () => {
    const backend = new FakeBackend();
    const plain = { ...study, series: [study.series[0] ?? seriesOf("0")] };
    backend.frames.set(`${plain.key}/0`, [frameOf()]);
    const screen = new StudyScreen(backend, plain, [], { onClose: () => {}, onOpenReport: () => {}, openPrior: () => Promise.reject(new Error("no prior")), closePrior: () => Promise.resolve() });
    await screen.start();
    expect(backend.calls.some(([name]) => name === "studyKeyImages")).toBe(false);
  });
});
