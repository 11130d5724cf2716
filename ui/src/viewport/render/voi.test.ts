import { describe, expect, it } from "vitest";
import { lutOutput, voiOutput, windowOutput } from "./voi";

describe("VOI functions (the shader's maths)", () => {
  it("LINEAR follows PS3.3 C.11.2.1.2.1 with its half-unit offsets", () => {
    // The backend's test values: c = 40, w = 400 is black to -159.5 and white from 239.5.
    expect(windowOutput(-160, "LINEAR", 40, 400)).toBe(0);
    expect(windowOutput(240, "LINEAR", 40, 400)).toBe(1);
    expect(windowOutput(39.5, "LINEAR", 40, 400)).toBeCloseTo(0.5, 12);
  });

  it("LINEAR_EXACT has no offsets", () => {
    expect(windowOutput(0, "LINEAR_EXACT", 100, 200)).toBe(0);
    expect(windowOutput(100, "LINEAR_EXACT", 100, 200)).toBe(0.5);
    expect(windowOutput(150, "LINEAR_EXACT", 100, 200)).toBe(0.75);
    expect(windowOutput(200.1, "LINEAR_EXACT", 100, 200)).toBe(1);
  });

  it("SIGMOID is half at the centre and logistic around it", () => {
    expect(windowOutput(50, "SIGMOID", 50, 100)).toBe(0.5);
    // x = c + w/4: 1 / (1 + e^-1), as the backend's 186.4199 / 255.
    expect(windowOutput(75, "SIGMOID", 50, 100)).toBeCloseTo(186.4199 / 255, 6);
    // At the window's edge a linear window is white; the sigmoid is 1 / (1 + e^-2).
    expect(windowOutput(100, "LINEAR_EXACT", 50, 100)).toBe(1);
    expect(windowOutput(100, "SIGMOID", 50, 100)).toBeCloseTo(0.880797, 6);
  });

  it("a VOI LUT table maps from its first value and holds its ends", () => {
    const lut = { firstMapped: -2, bits: 8, entries: new Uint16Array([0, 51, 255]) };
    expect(lutOutput(-1, lut)).toBe(51 / 255);
    expect(lutOutput(-0.5, lut)).toBe(51 / 255);
    expect(lutOutput(-100, lut)).toBe(0);
    expect(lutOutput(100, lut)).toBe(1);
    const wide = { firstMapped: 0, bits: 12, entries: new Uint16Array([0, 4095]) };
    expect(lutOutput(1, wide)).toBe(1);
  });

  it("applies the mode asked for, then the inversion", () => {
    const lut = { firstMapped: 0, bits: 8, entries: new Uint16Array([0, 51, 255]) };
    expect(voiOutput(1, "LUT", 0, 1, lut, false)).toBe(51 / 255);
    expect(voiOutput(1, "LUT", 0, 1, lut, true)).toBe(1 - 51 / 255);
    expect(voiOutput(50, "SIGMOID", 50, 100, null, true)).toBe(0.5);
    // A table asked for but not held is read as the LINEAR window.
    expect(voiOutput(240, "LUT", 40, 400, null, false)).toBe(1);
  });
});
