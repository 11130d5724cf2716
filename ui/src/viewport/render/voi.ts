// The VOI stage of the display path (DICOM PS3.3 C.11.2) as pure TypeScript, mirroring the
// fragment shader line for line so the maths can be tested without a GPU: a modality value
// becomes a display value in 0..1 through the window's VOI LUT Function (LINEAR, C.11.2.1.2.1;
// LINEAR_EXACT, C.11.2.1.3.2; SIGMOID, C.11.2.1.3.1) or through the image's VOI LUT Sequence
// table (C.11.2.1.1). The same functions, scaled to 0..255, are in the backend's `render`.
import type { VoiFunction, VoiLut } from "../../ipc/backend";

/** How a viewport maps modality values: a window with its function, or the image's table. */
export type VoiMode = VoiFunction | "LUT";

/** Width of the 2D texture a VOI LUT table is laid out in, row after row. */
export const LUT_TEXTURE_WIDTH = 4096;

/** A window's output for modality value `x`, in 0..1. */
export function windowOutput(x: number, mode: VoiFunction, center: number, width: number): number {
  switch (mode) {
    case "LINEAR":
      // C.11.2.1.2.1: the half-unit offsets; a width of 1 is a threshold at c - 0.5.
      return clamp01((x - (center - 0.5)) / Math.max(width - 1, 1) + 0.5);
    case "LINEAR_EXACT":
      return clamp01((x - center) / Math.max(width, 1e-30) + 0.5);
    case "SIGMOID":
      return 1 / (1 + Math.exp((-4 * (x - center)) / Math.max(width, 1e-30)));
  }
}

/**
 * A VOI LUT table's output for modality value `x`, in 0..1: values below the first mapped
 * take the first entry, values beyond the last the last (C.11.2.1.1).
 */
export function lutOutput(x: number, lut: VoiLut): number {
  const last = lut.entries.length - 1;
  if (last < 0) return 0;
  const index = Math.min(last, Math.max(0, Math.floor(x) - lut.firstMapped));
  return (lut.entries[index] ?? 0) / (2 ** lut.bits - 1);
}

/** The display value of a modality value, inverted when asked; a missing table falls back to LINEAR. */
export function voiOutput(x: number, mode: VoiMode, center: number, width: number, lut: VoiLut | null, invert: boolean): number {
  const y = mode === "LUT" ? (lut ? lutOutput(x, lut) : windowOutput(x, "LINEAR", center, width)) : windowOutput(x, mode, center, width);
  return invert ? 1 - y : y;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
