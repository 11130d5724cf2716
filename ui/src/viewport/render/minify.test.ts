import { describe, expect, it } from "vitest";
import { MAX_TAPS, samplingFor, tapTexels } from "./minify";

describe("minification sampling", () => {
  it("samples nearest at 1:1, when magnified and just below 1:1", () => {
    expect(samplingFor(1)).toEqual({ taps: 1, footprint: 1 });
    expect(samplingFor(4)).toEqual({ taps: 1, footprint: 1 });
    expect(samplingFor(0.98)).toEqual({ taps: 1, footprint: 1 });
  });

  it("takes one tap per image pixel covered, rounded up", () => {
    // A 3000-pixel-wide CR fitted into 1000 device pixels: 3 image pixels per screen pixel.
    expect(samplingFor(1000 / 3000)).toEqual({ taps: 3, footprint: 3 });
    expect(samplingFor(0.8).taps).toBe(2);
    expect(samplingFor(1 / 2.5)).toEqual({ taps: 3, footprint: 2.5 });
  });

  it("caps the taps and spreads them over a larger footprint", () => {
    const sampling = samplingFor(1 / 32);
    expect(sampling).toEqual({ taps: MAX_TAPS, footprint: 32 });
    const texels = tapTexels(100, sampling, 1000);
    expect(texels).toHaveLength(MAX_TAPS);
    expect(texels[0]).toBe(86);
    expect(texels[MAX_TAPS - 1]).toBe(114);
  });

  it("takes a scale that is not a positive number as 1:1", () => {
    for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(samplingFor(scale).taps).toBe(1);
  });

  it("reads every image pixel under the screen pixel once, centred on it", () => {
    // Screen pixel centred on texel position 31.5 at 4 image pixels per screen pixel: texels 30..33.
    expect(tapTexels(31.5, samplingFor(0.25), 64)).toEqual([30, 31, 32, 33]);
    // Nearest: the texel the position falls in.
    expect(tapTexels(31.5, samplingFor(2), 64)).toEqual([31]);
  });

  it("keeps taps inside the image at its edges", () => {
    expect(tapTexels(0.5, samplingFor(0.25), 64)).toEqual([0, 0, 1, 2]);
    expect(tapTexels(63.9, samplingFor(0.25), 64)).toEqual([62, 63, 63, 63]);
  });
});
