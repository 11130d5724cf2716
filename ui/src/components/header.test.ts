// The app header: the product name, and the training marker whose detail large text may hide from sight.
import { describe, expect, it } from "vitest";
import { renderHeader } from "./header";

describe("app header", () => {
  it("marks training mode, its detail in a part of its own that large text may hide from sight only", () => {
    const header = renderHeader(true);
    const marker = header.querySelector("#training-marker");
    // What a screen reader and a WebDriver text read: the whole of it.
    expect(marker?.textContent).toBe("TRAINING — synthetic patients only");
    expect(marker?.querySelector(".training-detail")?.textContent).toBe(" — synthetic patients only");
    expect(marker?.getAttribute("role")).toBe("status");
  });

  it("has no marker outside training mode", () => {
    expect(renderHeader(false).querySelector("#training-marker")).toBeNull();
  });
});
