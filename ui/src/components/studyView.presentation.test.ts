import { describe, expect, it, vi } from "vitest";
import type { StudyView } from "../ipc/backend";
import { FakeBackend } from "../ipc/fakeBackend";
import { frameOf, presentationStateOf, seriesOf, studyOf } from "../ipc/fixtures";
import { StudyScreen } from "./studyView";

// jsdom has no WebGL: the viewports draw nothing.
vi.mock("../viewport/render/glRenderer", () => ({
  GlRenderer: class {
    upload(): void {}
    draw(): void {}
    clear(): void {}
  },
}));

/** A DX series of two images, and a presentation state series naming its second image. */
const study: StudyView = studyOf({
  series: [
    seriesOf("0", { modality: "DX", description: "PA and lateral", instanceCount: 2 }),
    seriesOf("1", { modality: "PR", description: "Presentation state", instanceCount: 1, rows: 0, columns: 0, pixelSpacing: null, document: "pr" }),
  ],
});

async function open(backend: FakeBackend): Promise<StudyScreen> {
  backend.frames.set(`${study.key}/0`, [frameOf({ instanceNumber: 1 }), frameOf({ instanceNumber: 2 })]);
  const screen = new StudyScreen(backend, study, [], {
    onClose: () => {},
    onOpenReport: () => {},
    openPrior: () => Promise.reject(new Error("no prior")),
    closePrior: () => Promise.resolve(),
  });
  document.body.replaceChildren(screen.element);
  await screen.start();
  return screen;
}

const state = presentationStateOf({ images: [{ seriesKey: "0", index: 1, window: { name: "Presentation state FRACTURE", center: 1800, width: 1200 }, texts: [], graphics: [] }] });

describe("study view presentation states", () => {
  it("lists a PR series as a presentation state, not as images, and shows and applies it when chosen", async () => {
    const backend = new FakeBackend();
    backend.presentations.set(study.key, { states: [state], warnings: [] });
    const screen = await open(backend);
    const item = screen.element.querySelector(".series-item[data-document=pr]");
    expect(item?.textContent).toContain("Presentation state · Presentation state");
    // The first image series opens; the state names its second image, so no control yet.
    expect(screen.element.querySelector("[data-action=presentation-state]")).toBeNull();
    item?.querySelector("button")?.click();
    await vi.waitFor(() => expect(screen.element.querySelector("[data-action=presentation-state]")?.getAttribute("aria-pressed")).toBe("true"));
    expect(screen.element.querySelector(".corner.tr")?.textContent).toMatch(/^Image 2 \//);
    expect(backend.calls.filter(([command]) => command === "openStudyDocument")).toEqual([]);
  });

  it("says when the study's presentation states could not be read", async () => {
    const backend = new FakeBackend();
    backend.presentations.set(study.key, { states: [], warnings: ["A presentation state could not be read: it names no image it applies to."] });
    const screen = await open(backend);
    expect(screen.element.querySelector("#study-warnings")?.textContent).toContain("names no image");
  });
});
