// The window presets offered for the image in the active viewport, in the order the number
// keys 1–9 pick them. For CT, named windows in Hounsfield units come first, then the image's
// own windows, then the image's full range; for every other modality (MR, CR, DX, MG, US…)
// the image's own windows (and its VOI LUT table) come first, then the full range.
//
// The CT values are conventional, widely taught radiology windows (as tabulated, for
// example, in Radiopaedia's "Windowing (CT)" article and used by common PACS viewers); they
// are not read from DICOM and a site may prefer others. The image's own windows carry the
// image's VOI LUT Function (DICOM PS3.3 C.11.2.1.2/3); the named and full-range windows are
// LINEAR.
import type { FramePixels, VoiFunction, WindowPresetView } from "../ipc/backend";
import type { VoiMode } from "../viewport/render/voi";

export interface WindowChoice {
  name: string;
  center: number;
  width: number;
  voi: VoiMode;
  /** The number key that picks it ("1"–"9"), or null beyond the ninth. */
  key: string | null;
}

/** Conventional CT windows (centre and width in HU), not from DICOM: see the file comment. */
export const CT_PRESETS: readonly Omit<WindowChoice, "voi" | "key">[] = [
  { name: "Brain", center: 40, width: 80 },
  // Subdural and stroke windows vary by site (commonly W 130–300 / L 50–100, and W 8–40 /
  // L 32–40); these are mid-range values.
  { name: "Subdural", center: 75, width: 200 },
  { name: "Stroke", center: 40, width: 40 },
  { name: "Lung", center: -600, width: 1500 },
  { name: "Mediastinum / soft tissue", center: 50, width: 350 },
  { name: "Bone", center: 400, width: 1800 },
  { name: "Abdomen", center: 40, width: 400 },
  { name: "Liver", center: 30, width: 150 },
];

/** What the image offers besides the series' presets. */
export interface ImageWindows {
  /** The VOI LUT Function the image's windows are declared with. */
  voiFunction: VoiFunction;
  /** Whether the image carries a VOI LUT Sequence table. */
  hasLut: boolean;
  /** The window spanning the image's values, when known. */
  fullRange: { center: number; width: number } | null;
}

export function windowChoices(modality: string, own: readonly WindowPresetView[], image: ImageWindows): WindowChoice[] {
  const mine: Omit<WindowChoice, "key">[] = own.map((p) => ({ name: p.name, center: p.center, width: p.width, voi: image.voiFunction }));
  if (image.hasLut) mine.push({ name: "VOI LUT from the image", center: 0, width: 0, voi: "LUT" });
  const named: Omit<WindowChoice, "key">[] = modality === "CT" ? CT_PRESETS.map((p) => ({ ...p, voi: "LINEAR" })) : [];
  const range: Omit<WindowChoice, "key">[] = image.fullRange ? [{ name: "Full range", ...image.fullRange, voi: "LINEAR" }] : [];
  return [...named, ...mine, ...range].map((choice, i) => ({ ...choice, key: i < 9 ? String(i + 1) : null }));
}

/** The option text of a choice: its key, its name and, for a window, its values. */
export function choiceLabel(choice: WindowChoice): string {
  const values = choice.voi === "LUT" ? "" : ` (W ${Math.round(choice.width)} / L ${Math.round(choice.center)})`;
  return `${choice.key ? `${choice.key} · ` : ""}${choice.name}${values}`;
}

/**
 * The LINEAR window spanning a grayscale frame's modality values (stored × slope +
 * intercept); null for colour or for a body shorter than the frame claims.
 */
export function fullRangeWindow(frame: FramePixels): { center: number; width: number } | null {
  if (frame.format === "rgb8") return null;
  const count = frame.rows * frame.columns;
  const bytes = frame.format === "u8" ? 1 : 2;
  if (!Number.isInteger(count) || count <= 0 || frame.data.byteLength < count * bytes) return null;
  const stored = frame.format === "u16" ? new Uint16Array(frame.data, 0, count) : frame.format === "i16" ? new Int16Array(frame.data, 0, count) : new Uint8Array(frame.data, 0, count);
  let min = Infinity;
  let max = -Infinity;
  for (const value of stored) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const ends = [min * frame.slope + frame.intercept, max * frame.slope + frame.intercept];
  const low = Math.min(...ends);
  const high = Math.max(...ends);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return null;
  return { center: (low + high) / 2, width: Math.max(1, high - low) };
}
