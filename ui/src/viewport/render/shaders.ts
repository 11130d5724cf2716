// GLSL for the viewport. Grayscale images stay as stored integers in the texture; the
// modality rescale, the VOI stage and the inversion run in the fragment shader, so changing
// window/level only changes uniforms. The VOI stage is the window's VOI LUT Function
// (DICOM PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3.2 LINEAR_EXACT, C.11.2.1.3.1 SIGMOID) or the
// image's VOI LUT Sequence table (C.11.2.1.1), held as a 16-bit integer texture laid out
// row after row. ./voi.ts is the same maths in TypeScript, tested; keep the two in step.
import { LUT_TEXTURE_WIDTH, VOI_CODE } from "./voi";

export const VERTEX_SHADER = `#version 300 es
in vec2 a_position;
uniform mat3 u_matrix;
out vec2 v_texcoord;
void main() {
  vec3 p = u_matrix * vec3(a_position, 1.0);
  gl_Position = vec4(p.xy, 0.0, 1.0);
  v_texcoord = vec2(a_position.x * 0.5 + 0.5, 0.5 - a_position.y * 0.5);
}`;

const WINDOW_FUNCTION = `
uniform float u_slope;
uniform float u_intercept;
uniform float u_center;
uniform float u_width;
uniform bool u_invert;
uniform int u_voi;
uniform highp usampler2D u_lut;
uniform float u_lut_first;
uniform int u_lut_count;
uniform float u_lut_max;
float windowed(float x) {
  if (u_voi == ${VOI_CODE.LINEAR_EXACT}) return clamp((x - u_center) / max(u_width, 1e-30) + 0.5, 0.0, 1.0);
  if (u_voi == ${VOI_CODE.SIGMOID}) return 1.0 / (1.0 + exp(-4.0 * (x - u_center) / max(u_width, 1e-30)));
  return clamp((x - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0);
}
float table(float x) {
  // Clamped as a float first: a value far outside the table must not overflow the int.
  int i = int(clamp(floor(x) - u_lut_first, 0.0, float(u_lut_count - 1)));
  return float(texelFetch(u_lut, ivec2(i % ${LUT_TEXTURE_WIDTH}, i / ${LUT_TEXTURE_WIDTH}), 0).r) / u_lut_max;
}
float voi(float stored) {
  float x = stored * u_slope + u_intercept;
  float y = (u_voi == ${VOI_CODE.LUT} && u_lut_count > 0) ? table(x) : windowed(x);
  return u_invert ? 1.0 - y : y;
}`;

function integerShader(sampler: "usampler2D" | "isampler2D"): string {
  return `#version 300 es
precision highp float;
precision highp ${sampler};
uniform ${sampler} u_image;
in vec2 v_texcoord;
out vec4 outColor;
${WINDOW_FUNCTION}
void main() {
  ivec2 size = textureSize(u_image, 0);
  ivec2 texel = clamp(ivec2(v_texcoord * vec2(size)), ivec2(0), size - 1);
  float g = voi(float(texelFetch(u_image, texel, 0).r));
  outColor = vec4(g, g, g, 1.0);
}`;
}

export const UNSIGNED_FRAGMENT_SHADER = integerShader("usampler2D");
export const SIGNED_FRAGMENT_SHADER = integerShader("isampler2D");

export const COLOUR_FRAGMENT_SHADER = `#version 300 es
precision highp float;
uniform sampler2D u_image;
uniform bool u_invert;
uniform float u_center;
uniform float u_width;
in vec2 v_texcoord;
out vec4 outColor;
void main() {
  vec3 rgb = texture(u_image, v_texcoord).rgb * 255.0;
  vec3 y = clamp((rgb - (u_center - 0.5)) / max(u_width - 1.0, 1.0) + 0.5, 0.0, 1.0);
  outColor = vec4(u_invert ? 1.0 - y : y, 1.0);
}`;
