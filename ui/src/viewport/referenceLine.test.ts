import { describe, expect, it } from "vitest";
import type { FramePixels, SeriesView } from "../ipc/backend";
import type { Point } from "../tools/math/measure";
import { imagePlane, referenceLine, type ImagePlane } from "./referenceLine";

// Patient axes: +x left, +y posterior, +z head. Each image below is 200 × 200 pixels of
// 1 mm unless it says otherwise, so pixel coordinates are mm from its first pixel + 0.5.
const AXIAL: FramePixels["orientation"] = [1, 0, 0, 0, 1, 0];
const CORONAL: FramePixels["orientation"] = [1, 0, 0, 0, 0, -1];
const SAGITTAL: FramePixels["orientation"] = [0, 1, 0, 0, 0, -1];

interface Spec {
  position: [number, number, number];
  orientation: FramePixels["orientation"];
  rows?: number;
  columns?: number;
  spacing?: [number, number];
  frameOfReference?: string;
}

function plane({ position, orientation, rows = 200, columns = 200, spacing = [1, 1], frameOfReference = "1.2.3" }: Spec): ImagePlane {
  const found = imagePlane({ position, orientation, rows, columns }, { frameOfReference, pixelSpacing: spacing });
  if (!found) throw new Error("not a plane");
  return found;
}

/** An axial image at height `z`, covering x and y from -100 to 99 mm (pixel centres). */
const axial = (z: number, extra: Partial<Spec> = {}): ImagePlane => plane({ position: [-100, -100, z], orientation: AXIAL, ...extra });
/** A coronal image at depth `y`, covering x from -100 and z from 100 down. */
const coronal = (y: number, extra: Partial<Spec> = {}): ImagePlane => plane({ position: [-100, y, 100], orientation: CORONAL, ...extra });
/** A sagittal image at `x`, covering y from -100 and z from 100 down. */
const sagittal = (x: number, extra: Partial<Spec> = {}): ImagePlane => plane({ position: [x, -100, 100], orientation: SAGITTAL, ...extra });

/** The line's ends, left to right then top to bottom, rounded to 0.001 pixel. */
function ends(line: [Point, Point] | null): Point[] | null {
  if (!line) return null;
  const rounded = line.map(([x, y]) => [Math.round(x * 1000) / 1000 + 0, Math.round(y * 1000) / 1000 + 0] as Point);
  return rounded.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe("reference lines between the three standard planes", () => {
  it("draws a coronal image on an axial one as a horizontal line at its depth, full width", () => {
    expect(ends(referenceLine(axial(0), coronal(20)))).toEqual([
      [0, 120.5],
      [200, 120.5],
    ]);
  });

  it("draws a sagittal image on an axial one as a vertical line at its x", () => {
    expect(ends(referenceLine(axial(0), sagittal(-30)))).toEqual([
      [70.5, 0],
      [70.5, 200],
    ]);
  });

  it("draws an axial image on a coronal and on a sagittal one as a horizontal line at its height", () => {
    // Down a coronal or sagittal column z falls from 100: z = 0 is 100 pixels down.
    expect(ends(referenceLine(coronal(20), axial(0)))).toEqual([
      [0, 100.5],
      [200, 100.5],
    ]);
    expect(ends(referenceLine(sagittal(-30), axial(-40)))).toEqual([
      [0, 140.5],
      [200, 140.5],
    ]);
  });

  it("draws a sagittal image on a coronal one as a vertical line, and the coronal on the sagittal", () => {
    expect(ends(referenceLine(coronal(20), sagittal(-30)))).toEqual([
      [70.5, 0],
      [70.5, 200],
    ]);
    expect(ends(referenceLine(sagittal(-30), coronal(20)))).toEqual([
      [120.5, 0],
      [120.5, 200],
    ]);
  });
});

describe("reference lines that are not drawn", () => {
  it("draws nothing for parallel images, nor for images within the synchronising tolerance of parallel", () => {
    expect(referenceLine(axial(0), axial(10))).toBeNull();
    expect(referenceLine(axial(0), axial(0))).toBeNull();
    // An axial image tilted 5° about x, and one facing the other way.
    const tilt = (5 * Math.PI) / 180;
    expect(referenceLine(axial(0), plane({ position: [-100, -100, 0], orientation: [1, 0, 0, 0, Math.cos(tilt), Math.sin(tilt)] }))).toBeNull();
    expect(referenceLine(axial(0), plane({ position: [100, -100, 0], orientation: [-1, 0, 0, 0, 1, 0] }))).toBeNull();
  });

  it("draws nothing between different frames of reference", () => {
    expect(referenceLine(axial(0), coronal(20, { frameOfReference: "9.9.9" }))).toBeNull();
  });

  it("draws nothing when the other plane misses this image, or this plane misses the other image", () => {
    expect(referenceLine(axial(0), sagittal(-300))).toBeNull();
    // The coronal's plane crosses the axial image, but the coronal image ends above it.
    expect(referenceLine(axial(-150), coronal(20))).toBeNull();
  });

  it("places no image without a frame of reference, a position, perpendicular cosines or a spacing in the patient", () => {
    const frame = { position: [0, 0, 0] as [number, number, number], orientation: AXIAL, rows: 2, columns: 2 };
    const series: Pick<SeriesView, "frameOfReference" | "pixelSpacing" | "pixelSpacingSource"> = { frameOfReference: "1.2.3", pixelSpacing: [1, 1] };
    expect(imagePlane(frame, series)).not.toBeNull();
    expect(imagePlane(frame, { ...series, frameOfReference: null })).toBeNull();
    expect(imagePlane({ ...frame, position: null }, series)).toBeNull();
    expect(imagePlane({ ...frame, orientation: null }, series)).toBeNull();
    expect(imagePlane({ ...frame, orientation: [1, 0, 0, 1, 0, 0] }, series)).toBeNull();
    expect(imagePlane({ ...frame, orientation: [0, 0, 0, 0, 1, 0] }, series)).toBeNull();
    expect(imagePlane(frame, { ...series, pixelSpacing: null })).toBeNull();
    expect(imagePlane(frame, { ...series, pixelSpacingSource: "imagerPixelSpacing" })).toBeNull();
  });
});

describe("reference lines clipped and scaled", () => {
  it("keeps only the part of the line on the other image", () => {
    // A coronal image 50 mm wide, from x = -25: it covers pixels 75 to 125 of the axial.
    expect(ends(referenceLine(axial(0), coronal(20, { position: [-25, 20, 100], columns: 50 })))).toEqual([
      [75, 120.5],
      [125, 120.5],
    ]);
  });

  it("keeps only the part of the line on this image", () => {
    // A coronal 400 mm wide is cut at the axial's edges.
    expect(ends(referenceLine(axial(0), coronal(20, { position: [-300, 20, 100], columns: 400 })))).toEqual([
      [0, 120.5],
      [200, 120.5],
    ]);
  });

  it("draws an oblique image as a slanting line, cut where the oblique image begins", () => {
    // A vertical image at 45° to x and y through (-50, -50): the line y = x on the axial,
    // from the oblique's first pixel (half a pixel before it) to the axial's corner.
    const s = Math.SQRT1_2;
    const oblique = plane({ position: [-50, -50, 100], orientation: [s, s, 0, 0, 0, -1], columns: 300 });
    const line = ends(referenceLine(axial(0), oblique));
    const start = 50.5 - 0.5 * s;
    expect(line?.[0]?.[0]).toBeCloseTo(start, 2);
    expect(line?.[0]?.[1]).toBeCloseTo(start, 2);
    expect(line?.[1]).toEqual([200, 200]);
  });

  it("converts millimetres to pixels by each image's own row and column spacing", () => {
    // Columns 0.5 mm apart and rows 2 mm apart: 400 columns and 100 rows cover 200 mm each way.
    const fine = axial(0, { spacing: [2, 0.5], rows: 100, columns: 400, position: [-100, -100, 0] });
    // The other images are wider than it, so only its own edges cut the lines.
    expect(ends(referenceLine(fine, coronal(20, { position: [-150, 20, 100], columns: 300 })))).toEqual([
      [0, 60.5],
      [400, 60.5],
    ]);
    expect(ends(referenceLine(fine, sagittal(-30, { position: [-30, -150, 100], columns: 300 })))).toEqual([
      [140.5, 0],
      [140.5, 100],
    ]);
    // And the other way: the axial drawn on a coronal of 0.5 mm rows lies twice as far down.
    expect(ends(referenceLine(coronal(20, { spacing: [0.5, 1], rows: 400 }), axial(0)))).toEqual([
      [0, 200.5],
      [200, 200.5],
    ]);
  });
});
