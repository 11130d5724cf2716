// The values of a frame's pixels as a clinician reads them. For CT the Modality LUT's rescale
// (DICOM PS3.3 C.11.1.1.2: output = stored × Rescale Slope + Rescale Intercept) gives
// Hounsfield units. For other modalities the unit of a rescaled value is not known here, so
// values are labelled as stored values, or as rescaled values when the rescale is not the
// identity. A colour image has no single value per pixel.
import type { FramePixels } from "../../ipc/backend";

export type ValueUnit = "HU" | "stored value" | "rescaled value";

/** One frame's pixel values, row by row, already in `unit`. */
export interface PixelGrid {
  rows: number;
  columns: number;
  unit: ValueUnit;
  /** The value of the pixel at `column`, `row` (whole numbers inside the grid). */
  valueAt(column: number, row: number): number;
}

/**
 * The values of `frame`'s pixels, or null for a colour image or one whose data is shorter
 * than its rows and columns claim (the claim is not trusted: the buffer is measured).
 */
export function pixelGrid(frame: FramePixels, modality: string): PixelGrid | null {
  const { rows, columns } = frame;
  if (frame.format === "rgb8" || !Number.isInteger(rows) || !Number.isInteger(columns) || rows <= 0 || columns <= 0) return null;
  const bytes = frame.format === "u8" ? 1 : 2;
  const length = Math.floor(frame.data.byteLength / bytes);
  if (length < rows * columns) return null;
  const stored = frame.format === "u16" ? new Uint16Array(frame.data, 0, length) : frame.format === "i16" ? new Int16Array(frame.data, 0, length) : new Uint8Array(frame.data, 0, length);
  const slope = Number.isFinite(frame.slope) ? frame.slope : 1;
  const intercept = Number.isFinite(frame.intercept) ? frame.intercept : 0;
  const identity = slope === 1 && intercept === 0;
  const unit: ValueUnit = modality === "CT" ? "HU" : identity ? "stored value" : "rescaled value";
  return {
    rows,
    columns,
    unit,
    valueAt: (column, row) => (stored[row * columns + column] ?? 0) * slope + intercept,
  };
}

/** A value as a label shows it: whole numbers as they are, others to one decimal place. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The suffix naming `unit` after a value or a list of values. */
export function unitSuffix(unit: ValueUnit, plural = false): string {
  return unit === "HU" ? " HU" : ` (${unit}${plural ? "s" : ""})`;
}
