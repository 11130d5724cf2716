import { describe, expect, it } from "vitest";
import { dragTool, isMeasuring } from "./tool";

describe("the tool a drag uses", () => {
  it("is the tool picked for the primary button, window/level for the right and pan for the middle", () => {
    expect(dragTool(0, "length")).toBe("length");
    expect(dragTool(2, "length")).toBe("window");
    expect(dragTool(1, "zoom")).toBe("pan");
  });

  it("names the measuring tools, and no other", () => {
    expect(["length", "angle", "ellipse", "bidirectional"].every((t) => isMeasuring(t as never))).toBe(true);
    expect(isMeasuring("probe")).toBe(false);
    expect(isMeasuring("zoom")).toBe(false);
  });
});
