// The pixel probe: the position of the pixel under a point and its value, in HU for CT
// (rescale applied), labelled as a stored or rescaled value otherwise, or the red, green and
// blue of a colour pixel. Positions are 0-based column (x) and row (y), as the image's pixel
// data is laid out.
import type { FramePixels } from "../ipc/backend";
import type { Point } from "./math/measure";
import { formatValue, pixelGrid, unitSuffix } from "./math/pixelValues";

/** The pixel `point` (image coordinates) falls in, or null outside the image. */
export function pixelAt(frame: Pick<FramePixels, "rows" | "columns">, point: Point): [number, number] | null {
  const column = Math.floor(point[0]);
  const row = Math.floor(point[1]);
  if (column < 0 || row < 0 || column >= frame.columns || row >= frame.rows) return null;
  return [column, row];
}

/** What the probe says at `point`, or null outside the image. */
export function probeText(frame: FramePixels, modality: string, point: Point): string | null {
  const pixel = pixelAt(frame, point);
  if (!pixel) return null;
  const [column, row] = pixel;
  const position = `x ${column}, y ${row}`;
  if (frame.format === "rgb8") {
    const bytes = new Uint8Array(frame.data);
    const at = (row * frame.columns + column) * 3;
    if (at + 2 >= bytes.length) return `${position}: no value`;
    return `${position}: RGB ${bytes[at]}, ${bytes[at + 1]}, ${bytes[at + 2]}`;
  }
  const grid = pixelGrid(frame, modality);
  if (!grid) return `${position}: no value`;
  return `${position}: ${formatValue(grid.valueAt(column, row))}${unitSuffix(grid.unit)}`;
}
