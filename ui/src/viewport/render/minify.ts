// How the viewport samples an image shown smaller than its pixel size. Integer textures
// (R16UI, R16I, R8UI) cannot be filtered by the GPU, and filtering stored values before
// window/level would not be exact anyway, so the fragment shader box-filters the display
// values itself: it applies the VOI stage to a grid of taps spread over the footprint of
// one screen pixel on the image and averages them. Shown at its size or larger, an image
// is sampled nearest, its pixels shown as pixels, as radiology viewers do. This module is
// the choice of taps and where they fall, in pure TypeScript; the shaders in ./shaders do
// the same, built for a tap count and given `u_footprint`. Keep the two in step.

/** Most taps per axis: beyond this the taps spread out evenly rather than grow in number. */
export const MAX_TAPS = 8;

/**
 * Minification below this many image pixels per screen pixel is sampled nearest: a few
 * percent off 1:1 shows no moiré, and one tap keeps the image as sharp as at 1:1.
 */
const NEAREST_UP_TO = 1.05;

export interface Sampling {
  /** Taps per axis (1: nearest, one texel). */
  taps: number;
  /** Image pixels covered by one screen pixel, along each axis. */
  footprint: number;
}

/** One tap, one texel: magnified, near 1:1, or drawn fast while the image changes. */
export const NEAREST: Readonly<Sampling> = { taps: 1, footprint: 1 };

/**
 * The sampling for `scale` screen (device) pixels per image pixel: nearest when the image
 * is magnified or near 1:1, else a box of up to MAX_TAPS × MAX_TAPS taps over the
 * footprint. A scale that is not a positive number is taken as 1:1.
 */
export function samplingFor(scale: number): Sampling {
  if (!Number.isFinite(scale) || scale <= 0) return { ...NEAREST };
  const footprint = 1 / scale;
  if (footprint < NEAREST_UP_TO) return { ...NEAREST };
  return { taps: Math.min(MAX_TAPS, Math.ceil(footprint)), footprint };
}

/**
 * The texel each tap reads along one axis, for a screen pixel centred on texture position
 * `position` (in texels): taps at the centres of `taps` equal cells of the footprint,
 * clamped to the image's `size`. The shader's loop computes the same.
 */
export function tapTexels(position: number, sampling: Sampling, size: number): number[] {
  const { taps, footprint } = sampling;
  if (taps <= 1) return [clampIndex(Math.floor(position), size)];
  const step = footprint / taps;
  const first = position - footprint / 2 + step / 2;
  return Array.from({ length: taps }, (_, i) => clampIndex(Math.floor(first + i * step), size));
}

function clampIndex(index: number, size: number): number {
  return Math.min(size - 1, Math.max(0, index));
}
