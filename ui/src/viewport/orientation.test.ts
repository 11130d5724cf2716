import { describe, expect, it } from "vitest";
import { directionLabel, orientationLabels } from "./orientation";
import { rotated } from "./state";

const AXIAL: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
const plain = { rotation: 0 as const, flipH: false, flipV: false };

describe("orientation markers", () => {
  it("labels an axial image the radiological way", () => {
    // Rows run to the patient's left, so the viewer's left edge is the patient's right.
    expect(orientationLabels(AXIAL, plain)).toEqual({ top: "A", left: "R" });
  });

  it("follows a horizontal flip and a clockwise rotation", () => {
    expect(orientationLabels(AXIAL, { ...plain, flipH: true })).toEqual({ top: "A", left: "L" });
    expect(orientationLabels(AXIAL, { ...plain, rotation: 90 })).toEqual({ top: "R", left: "P" });
  });

  it("follows an anticlockwise rotation, and a turn each way puts the markers back", () => {
    // Turned a quarter anticlockwise, anterior goes to the left edge and the patient's left to the top.
    expect(orientationLabels(AXIAL, { ...plain, rotation: rotated(0, -1) })).toEqual({ top: "L", left: "A" });
    expect(orientationLabels(AXIAL, { ...plain, rotation: rotated(rotated(0, -1), 1) })).toEqual({ top: "A", left: "R" });
    // With a flip the anticlockwise turn is still applied on screen.
    expect(orientationLabels(AXIAL, { ...plain, flipH: true, rotation: rotated(0, -1) })).toEqual({ top: "R", left: "A" });
  });

  it("combines axes for oblique directions", () => {
    expect(directionLabel([0.7, -0.7, 0.1])).toMatch(/^(LA|AL)$/);
  });

  it("gives nothing without an orientation", () => {
    expect(orientationLabels(null, plain)).toBeNull();
  });
});
