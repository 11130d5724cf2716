// Statistics of the pixel values inside a region: how many pixels, their mean, standard
// deviation (of the population of pixels in the region, as OHIF and Weasis report it),
// minimum and maximum. Pure: the values come from a PixelGrid already in their unit.
import { forEachPixelInside, type Ellipse } from "./ellipse";
import type { PixelGrid } from "./pixelValues";

export interface RoiStats {
  count: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/** The statistics of the pixels whose centres are inside `ellipse`; null when there are none. */
export function ellipseStats(grid: PixelGrid, ellipse: Ellipse): RoiStats | null {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  forEachPixelInside(ellipse, grid.columns, grid.rows, (column, row) => {
    const value = grid.valueAt(column, row);
    count++;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  });
  if (count === 0) return null;
  const mean = sum / count;
  // A second pass for the deviation: numerically steadier than summing squares.
  let squares = 0;
  forEachPixelInside(ellipse, grid.columns, grid.rows, (column, row) => {
    const d = grid.valueAt(column, row) - mean;
    squares += d * d;
  });
  return { count, mean, sd: Math.sqrt(squares / count), min, max };
}
