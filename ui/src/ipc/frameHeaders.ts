// Reads the geometry and display defaults of a frame from the pixel endpoint's headers, and
// splits the body into the samples and, when `x-voi-lut` says one follows, the image's VOI
// LUT Sequence table (DICOM PS3.3 C.11.2.1.1). The header's count is a claim: the table is
// taken only when the body holds exactly the samples and that many 16-bit entries.
import type { FramePixels, VoiFunction, VoiLut } from "./backend";

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
    voiFunction: voiFunction(read("x-voi-function")),
  };
}

function voiFunction(value: string | null): VoiFunction {
  return value === "LINEAR_EXACT" || value === "SIGMOID" ? value : "LINEAR";
}

const BYTES_PER_SAMPLE: Record<FramePixels["format"], number> = { u16: 2, i16: 2, u8: 1, rgb8: 3 };

/**
 * The frame's samples and its VOI LUT table from the body. Without a valid `x-voi-lut` (or
 * with a body of another length than it implies) the whole body is the samples and no
 * table is used.
 */
export function splitFrameBody(read: HeaderReader, head: Omit<FramePixels, "data">, body: ArrayBuffer): { data: ArrayBuffer; voiLut: VoiLut | null } {
  const parts = (read("x-voi-lut") ?? "").split("\\").map(Number);
  const [first, bits, count] = parts;
  const sampleBytes = head.rows * head.columns * BYTES_PER_SAMPLE[head.format];
  const valid =
    parts.length === 3 &&
    first !== undefined &&
    bits !== undefined &&
    count !== undefined &&
    Number.isInteger(first) &&
    Number.isInteger(bits) &&
    bits >= 1 &&
    bits <= 16 &&
    Number.isInteger(count) &&
    count >= 1 &&
    count <= 65536 &&
    sampleBytes + count * 2 === body.byteLength;
  if (!valid) return { data: body, voiLut: null };
  const entries = new Uint16Array(count);
  const view = new DataView(body, sampleBytes, count * 2);
  for (let i = 0; i < count; i++) entries[i] = view.getUint16(i * 2, true);
  return { data: body.slice(0, sampleBytes), voiLut: { firstMapped: first, bits, entries } };
}
