// GLSL for the viewport. Grayscale images stay as stored integers in the texture; the
// modality rescale, the VOI stage and the inversion run in the fragment shader, so changing
// window/level only changes uniforms. The VOI stage is the window's VOI LUT Function
// (DICOM PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3.2 LINEAR_EXACT, C.11.2.1.3.1 SIGMOID) or the
// image's VOI LUT Sequence table (C.11.2.1.1), held as a 16-bit integer texture laid out
// row after row. ./voi.ts is the same maths in TypeScript, tested; keep the two in step.
// An image shown smaller than its pixel size is box-filtered after the VOI stage (see
// ./minify, the same tap placement in TypeScript); at 1:1 or larger it is sampled nearest.
// Each program is built for one VOI stage and one tap count, so a shader holds no branch on
// either: a software renderer (llvmpipe) evaluates both sides of a branch for every pixel,
// which made every draw several times slower.
import { MAX_TAPS } from "./minify";
import { LUT_TEXTURE_WIDTH, type VoiMode } from "./voi";

export const VERTEX_SHADER = `#version 300 es
in vec2 a_position;
uniform mat3 u_matrix;
out vec2 v_texcoord;
void main() {
  vec3 p = u_matrix * vec3(a_position, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  v_texcoord = vec2(a_position.x * 0.5 + 0.5, 0.5 - a_position.y * 0.5);
}`;

/** The VOI stage's output `y` in 0..1 for modality value `x`, one line of GLSL per mode. */
const VOI_STAGE: Record<VoiMode, string> = {
  LINEAR: "clamp((x - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0)",
  LINEAR_EXACT: "clamp((x - u_center) / max(u_width, 1e-30) + 0.5, 0.0, 1.0)",
  SIGMOID: "1.0 / (1.0 + exp(-4.0 * (x - u_center) / max(u_width, 1e-30)))",
  LUT: "table(x)",
};

function windowFunction(voi: VoiMode): string {
  return `
uniform float u_slope;
uniform float u_intercept;
uniform float u_center;
uniform float u_width;
uniform bool u_invert;
uniform highp usampler2D u_lut;
uniform float u_lut_first;
uniform int u_lut_count;
uniform float u_lut_max;
float table(float x) {
  // Clamped as a float first: a value far outside the table must not overflow the int.
  int i = int(clamp(floor(x) - u_lut_first, 0.0, float(u_lut_count - 1)));
  return float(texelFetch(u_lut, ivec2(i % ${LUT_TEXTURE_WIDTH}, i / ${LUT_TEXTURE_WIDTH}), 0).r) / u_lut_max;
}
float voi(float stored) {
  float x = stored * u_slope + u_intercept;
  float y = ${VOI_STAGE[voi]};
  return u_invert ? 1.0 - y : y;
}`;
}

export type ShaderKind = "unsigned" | "signed" | "colour";

/**
 * `sampled()`: the display value at the fragment, from `shade(texel)` (a float for grayscale,
 * a vec3 for colour). With one tap, the nearest texel; with `taps` (constant, so the loops
 * unroll: a software renderer pays dearly for loops with a uniform bound), the mean of a
 * `taps`² grid of taps at the centres of equal cells of the footprint, `u_footprint` texels
 * a side, centred on the fragment.
 */
function sampling(type: "float" | "vec3", taps: number): string {
  if (taps <= 1) {
    return `
${type} sampled() {
  ivec2 size = textureSize(u_image, 0);
  return shade(clamp(ivec2(v_texcoord * vec2(size)), ivec2(0), size - 1));
}`;
  }
  return `
uniform float u_footprint;
${type} sampled() {
  ivec2 size = textureSize(u_image, 0);
  vec2 position = v_texcoord * vec2(size);
  float stride = u_footprint / ${taps}.0;
  vec2 first = position - 0.5 * u_footprint + 0.5 * stride;
  ${type} sum = ${type}(0.0);
  for (int j = 0; j < ${taps}; j++) {
    for (int i = 0; i < ${taps}; i++) {
      sum += shade(clamp(ivec2(floor(first + vec2(float(i), float(j)) * stride)), ivec2(0), size - 1));
    }
  }
  return sum / ${taps * taps}.0;
}`;
}

function integerShader(sampler: "usampler2D" | "isampler2D", taps: number, voi: VoiMode): string {
  return `#version 300 es
precision highp float;
precision highp ${sampler};
uniform ${sampler} u_image;
in vec2 v_texcoord;
out vec4 outColor;
${windowFunction(voi)}
float shade(ivec2 texel) {
  return voi(float(texelFetch(u_image, texel, 0).r));
}
${sampling("float", taps)}
void main() {
  float g = sampled();
  outColor = vec4(g, g, g, 1.0);
}`;
}

function colourShader(taps: number): string {
  return `#version 300 es
precision highp float;
uniform sampler2D u_image;
uniform bool u_invert;
uniform float u_center;
uniform float u_width;
in vec2 v_texcoord;
out vec4 outColor;
vec3 shade(ivec2 texel) {
  vec3 rgb = texelFetch(u_image, texel, 0).rgb * 255.0;
  vec3 y = clamp((rgb - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0);
  return u_invert ? 1.0 - y : y;
}
${sampling("vec3", taps)}
void main() {
  outColor = vec4(sampled(), 1.0);
}`;
}

/**
 * The fragment shader for `kind` sampling with `taps` per axis (1: nearest; at most
 * MAX_TAPS) through the VOI stage `voi` (grayscale only: colour takes a linear window).
 */
export function fragmentShader(kind: ShaderKind, taps: number, voi: VoiMode = "LINEAR"): string {
  const count = Math.max(1, Math.min(MAX_TAPS, Math.round(taps)));
  if (kind === "colour") return colourShader(count);
  return integerShader(kind === "signed" ? "isampler2D" : "usampler2D", count, voi);
}
