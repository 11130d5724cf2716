import { describe, expect, it } from "vitest";
import { MAX_TAPS } from "./minify";
import { fragmentShader } from "./shaders";

describe("shader sampling path", () => {
  it.each(["unsigned", "signed", "colour"] as const)("the %s shader box-filters display values when minified", (kind) => {
    const source = fragmentShader(kind, 3);
    expect(source).toContain("uniform float u_footprint;");
    // Constant bounds, so the loops unroll; the window is applied per tap, before averaging.
    expect(source).toContain("for (int i = 0; i < 3; i++)");
    expect(source).toContain("for (int j = 0; j < 3; j++)");
    expect(source).toMatch(/sum \+= shade\(clamp\(ivec2\(floor\(first/);
    expect(source).toContain("return sum / 9.0;");
    expect(source).toContain("texelFetch(u_image, texel, 0)");
    expect(source).not.toMatch(/\btexture\(u_image/);
  });

  it.each(["unsigned", "signed", "colour"] as const)("the %s shader reads one texel, nearest, at 1:1 or larger", (kind) => {
    const source = fragmentShader(kind, 1);
    expect(source).not.toContain("u_footprint");
    expect(source).not.toContain("for (");
    expect(source).toContain("return shade(clamp(ivec2(v_texcoord * vec2(size)), ivec2(0), size - 1));");
  });

  it("never builds more taps than MAX_TAPS", () => {
    expect(fragmentShader("unsigned", 50)).toContain(`for (int i = 0; i < ${MAX_TAPS}; i++)`);
    expect(fragmentShader("unsigned", 0)).not.toContain("for (");
  });
});

describe("shader VOI stage", () => {
  const stages = {
    LINEAR: "float y = clamp((x - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0);",
    LINEAR_EXACT: "float y = clamp((x - u_center) / max(u_width, 1e-30) + 0.5, 0.0, 1.0);",
    SIGMOID: "float y = 1.0 / (1.0 + exp(-4.0 * (x - u_center) / max(u_width, 1e-30)));",
    LUT: "float y = table(x);",
  } as const;

  it.each(Object.keys(stages) as (keyof typeof stages)[])("builds %s into the program, with no branch on the mode", (mode) => {
    for (const taps of [1, 4]) {
      const source = fragmentShader("unsigned", taps, mode);
      for (const [other, line] of Object.entries(stages)) {
        if (other === mode) expect(source).toContain(line);
        else expect(source).not.toContain(line);
      }
      expect(source).not.toContain("u_voi");
    }
  });

  it("gives colour its linear window whatever the mode", () => {
    expect(fragmentShader("colour", 1, "SIGMOID")).toBe(fragmentShader("colour", 1, "LINEAR"));
    expect(fragmentShader("colour", 1)).toContain("clamp((rgb - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0)");
  });
});
