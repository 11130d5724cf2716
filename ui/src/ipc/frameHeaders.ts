// Reads the geometry and display defaults of a frame from the pixel endpoint's headers.
import type { FramePixels } from "./backend";

type HeaderReader = (name: string) => string | null;

function num(read: HeaderReader, name: string, fallback: number): number {
  const value = read(name);
  if (value === null || value === "") return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

function optionalNumbers(read: HeaderReader, name: string, count: number): number[] | null {
  const value = read(name);
  if (!value) return null;
  const parts = value.split("\\").map(Number);
  return parts.length === count && parts.every(Number.isFinite) ? parts : null;
}

export function parseFrameHeaders(read: HeaderReader): Omit<FramePixels, "data"> {
  const format = read("x-format");
  if (format !== "u16" && format !== "i16" && format !== "u8" && format !== "rgb8") {
    throw new Error(`unknown pixel format ${format ?? "(none)"}`);
  }
  const instance = read("x-instance-number");
  const slice = read("x-slice-location");
  return {
    rows: num(read, "x-rows", 0),
    columns: num(read, "x-columns", 0),
    format,
    slope: num(read, "x-rescale-slope", 1),
    intercept: num(read, "x-rescale-intercept", 0),
    windowCenter: num(read, "x-window-center", 0),
    windowWidth: num(read, "x-window-width", 0),
    invert: read("x-invert") === "1",
    instanceNumber: instance === null ? null : num(read, "x-instance-number", 0),
    sliceLocation: slice === null ? null : num(read, "x-slice-location", 0),
    position: optionalNumbers(read, "x-image-position", 3) as [number, number, number] | null,
    orientation: optionalNumbers(read, "x-image-orientation", 6) as FramePixels["orientation"],
  };
}
