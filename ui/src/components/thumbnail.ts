// Series thumbnails drawn from the first decoded image, windowed on the CPU once (a small
// image, drawn once), scaled to fit the thumbnail canvas.
import type { FramePixels } from "../ipc/backend";

export function windowToBytes(frame: FramePixels): Uint8ClampedArray<ArrayBuffer> {
  const pixels = frame.rows * frame.columns;
  const rgba = new Uint8ClampedArray(new ArrayBuffer(pixels * 4));
  if (frame.format === "rgb8") {
    const source = new Uint8Array(frame.data);
    for (let i = 0; i < pixels; i++) {
      rgba[i * 4] = source[i * 3] ?? 0;
      rgba[i * 4 + 1] = source[i * 3 + 1] ?? 0;
      rgba[i * 4 + 2] = source[i * 3 + 2] ?? 0;
      rgba[i * 4 + 3] = 255;
    }
    return rgba;
  }
  const source =
    frame.format === "u16" ? new Uint16Array(frame.data) : frame.format === "i16" ? new Int16Array(frame.data) : new Uint8Array(frame.data);
  const width = Math.max(frame.windowWidth, 1);
  const low = frame.windowCenter - 0.5 - (width - 1) / 2;
  for (let i = 0; i < pixels; i++) {
    const value = (source[i] ?? 0) * frame.slope + frame.intercept;
    let grey = Math.min(255, Math.max(0, ((value - low) / Math.max(width - 1, 1)) * 255));
    if (frame.invert) grey = 255 - grey;
    rgba[i * 4] = grey;
    rgba[i * 4 + 1] = grey;
    rgba[i * 4 + 2] = grey;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export function drawThumbnail(canvas: HTMLCanvasElement, frame: FramePixels): void {
  const context = canvas.getContext("2d");
  if (!context || frame.rows === 0 || frame.columns === 0) return;
  const image = new ImageData(windowToBytes(frame), frame.columns, frame.rows);
  const scratch = document.createElement("canvas");
  scratch.width = frame.columns;
  scratch.height = frame.rows;
  scratch.getContext("2d")?.putImageData(image, 0, 0);
  const scale = Math.min(canvas.width / frame.columns, canvas.height / frame.rows);
  const w = frame.columns * scale;
  const h = frame.rows * scale;
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(scratch, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
}
