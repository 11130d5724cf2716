import { describe, expect, it } from "vitest";
import { arrowDirection, canvasToImage, fitScale, initialViewState, quadMatrix, rotated } from "./state";

function apply(m: Float32Array, u: number, v: number): [number, number] {
  const [a = 0, b = 0, , c = 0, d = 0, , tx = 0, ty = 0] = m;
  return [a * u + c * v + tx, b * u + d * v + ty];
}

describe("viewport geometry", () => {
  it("fits a square image into a wide canvas by height", () => {
    expect(fitScale(512, 512, 1000, 500, 0)).toBe(500 / 512);
    expect(fitScale(400, 200, 100, 400, 90)).toBe(0.5);
  });

  it("maps the top-left corner of the quad to the canvas and back", () => {
    const view = initialViewState(40, 400);
    const m = quadMatrix(view, 512, 512, 512, 512);
    const [cx, cy] = apply(m, -1, 1);
    expect(cx).toBeCloseTo(-1);
    expect(cy).toBeCloseTo(1);
    const [col, row] = canvasToImage(view, 512, 512, 512, 512, 0, 0);
    expect(col).toBeCloseTo(0);
    expect(row).toBeCloseTo(0);
  });

  it("rotates clockwise: the top-left corner goes to the top-right", () => {
    const view = { ...initialViewState(0, 1), rotation: 90 as const };
    const [cx, cy] = apply(quadMatrix(view, 100, 100, 100, 100), -1, 1);
    expect(cx).toBeCloseTo(1);
    expect(cy).toBeCloseTo(1);
    const [col, row] = canvasToImage(view, 100, 100, 100, 100, 100, 0);
    expect(col).toBeCloseTo(0);
    expect(row).toBeCloseTo(0);
  });

  it("turns anticlockwise: the top-left corner goes to the bottom-left", () => {
    expect([rotated(0, -1), rotated(90, -1), rotated(270, 1), rotated(270, -1)]).toEqual([270, 0, 0, 180]);
    const view = { ...initialViewState(0, 1), rotation: rotated(0, -1) };
    const [cx, cy] = apply(quadMatrix(view, 100, 100, 100, 100), -1, 1);
    expect(cx).toBeCloseTo(-1);
    expect(cy).toBeCloseTo(-1);
  });

  it("round-trips through zoom, pan and flip", () => {
    const view = { ...initialViewState(0, 1), zoom: 2, panX: 30, panY: -10, flipH: true };
    const m = quadMatrix(view, 200, 100, 400, 300);
    const [cx, cy] = apply(m, 0.5, -0.25);
    const x = ((cx + 1) / 2) * 400;
    const y = ((1 - cy) / 2) * 300;
    const [col, row] = canvasToImage(view, 200, 100, 400, 300, x, y);
    expect(col).toBeCloseTo(((0.5 + 1) * 200) / 2);
    expect(row).toBeCloseTo(((1 + 0.25) * 100) / 2);
  });
});

describe("arrow keys on the image", () => {
  const view = { ...initialViewState(40, 400), zoom: 3, panX: 17, panY: -5 };

  it("moves as the screen shows, unrotated", () => {
    expect(arrowDirection(view, "ArrowRight")).toEqual([1, 0]);
    expect(arrowDirection(view, "ArrowUp")).toEqual([0, -1]);
    expect(arrowDirection(view, "Enter")).toBeNull();
  });

  it("follows a quarter turn clockwise: right on screen is up the image", () => {
    const turned = { ...view, rotation: 90 as const };
    expect(arrowDirection(turned, "ArrowRight")).toEqual([0, -1]);
    expect(arrowDirection(turned, "ArrowDown")).toEqual([1, 0]);
  });

  it("follows the flips", () => {
    expect(arrowDirection({ ...view, flipH: true }, "ArrowRight")).toEqual([-1, 0]);
    expect(arrowDirection({ ...view, flipV: true }, "ArrowDown")).toEqual([0, -1]);
  });
});
