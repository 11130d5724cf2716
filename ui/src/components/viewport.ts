// One interactive viewport: a WebGL2 canvas showing a series, with stack scroll (wheel,
// keys, drag, scrollbar), window/level (right-drag, presets), zoom, pan, rotate, flip,
// invert, length and angle measurements, a corner overlay and orientation markers.
//
// Input only changes the view state and asks for a draw; the draw runs once per animation
// frame, however many events came in. A frame already held by the cache is shown without
// waiting on the backend, and its pixels go to the GPU inside that draw, so scrolling
// several images within one frame uploads only the last. Window/level sets uniforms only;
// the overlay's text nodes are written only when their text changes, and the measurement
// layer is rebuilt only when the measurements or their placement on screen change.
import { BackendError, type FramePixels, type SeriesView } from "../ipc/backend";
import { FrameCache } from "../loading/frameCache";
import { formatLength, measureAngle, measureLength, type Point } from "../tools/math/measure";
import { dragWindow } from "../tools/windowLevel";
import { GlRenderer } from "../viewport/render/glRenderer";
import { canvasToImage, initialViewState, type ViewState } from "../viewport/state";
import { orientationLabels } from "../viewport/orientation";
import { el } from "./dom";

export type Tool = "scroll" | "window" | "zoom" | "pan" | "length" | "angle";

interface Measurement {
  kind: "length" | "angle";
  points: Point[];
  /** The image it was made on (series and index): it is drawn on that image only. */
  image: string;
}

export class Viewport {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  /** Made when the viewport first shows a series: an empty slot holds no WebGL context. */
  private renderer: GlRenderer | null = null;
  private readonly overlay: Record<"tl" | "tr" | "bl" | "br", HTMLElement>;
  private readonly markers: Record<"top" | "left", HTMLElement>;
  private readonly svg: SVGSVGElement;
  private readonly scrollbar: HTMLInputElement;
  /** Says which image could not be loaded; hidden while the image on screen is the one asked for. */
  private readonly failure: HTMLElement;
  private series: SeriesView | null = null;
  private cache: FrameCache | null = null;
  private view: ViewState = initialViewState(0, 1);
  private measurements: Measurement[] = [];
  private drawing: Measurement | null = null;
  private dirty = false;
  private shown: FramePixels | null = null;
  /** Set when a series without a preset is loaded: its first image sets the window. */
  private windowFromImage = false;
  /** The frame whose pixels are in the texture. */
  private uploaded: FramePixels | null = null;
  /** The canvas's CSS size, measured again only after a resize. */
  private size: { width: number; height: number } | null = null;
  /** Bumped on every change to the measurements, to know when the layer is stale. */
  private measurementRevision = 0;
  private measurementKey = "";
  tool: Tool = "scroll";
  onIndexChange: ((index: number) => void) | null = null;

  constructor(readonly name: string) {
    this.canvas = el("canvas", { class: "viewport-canvas", "aria-label": `Image viewport ${name}` });
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.svg.setAttribute("class", "measure-layer");
    this.overlay = {
      tl: el("div", { class: "corner tl" }),
      tr: el("div", { class: "corner tr" }),
      bl: el("div", { class: "corner bl" }),
      br: el("div", { class: "corner br" }),
    };
    this.markers = { top: el("div", { class: "marker top" }), left: el("div", { class: "marker left" }) };
    this.scrollbar = el("input", { type: "range", class: "stack-scrollbar", min: "0", max: "0", value: "0", "aria-label": "Image in series" });
    this.scrollbar.addEventListener("input", () => void this.show(Number(this.scrollbar.value)));
    this.failure = el("p", { class: "viewport-error", role: "alert", hidden: "" });
    this.element = el(
      "div",
      { class: "viewport", tabindex: "0", "data-viewport": name },
      this.canvas,
      this.svg,
      this.overlay.tl,
      this.overlay.tr,
      this.overlay.bl,
      this.overlay.br,
      this.markers.top,
      this.markers.left,
      this.scrollbar,
      this.failure,
    );
    this.attachPointer();
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => {
        this.size = null;
        if (this.shown) this.requestDraw();
      }).observe(this.canvas);
    }
  }

  get index(): number {
    return this.view.index;
  }

  get state(): ViewState {
    return this.view;
  }

  get currentSeries(): SeriesView | null {
    return this.series;
  }

  /** Shows a series; frames come from `cache`, starting at `index`. */
  async load(series: SeriesView, cache: FrameCache, index = 0): Promise<void> {
    this.renderer ??= new GlRenderer(this.canvas);
    this.cache?.clear();
    this.series = series;
    this.cache = cache;
    this.measurements = [];
    this.measurementRevision++;
    const preset = series.presets[0];
    this.view = initialViewState(preset?.center ?? 0, preset?.width ?? 0);
    this.windowFromImage = !preset || preset.width <= 1;
    this.scrollbar.max = String(Math.max(0, cache.count - 1));
    await this.show(index);
    void cache.prefetch(index);
  }

  async show(index: number): Promise<void> {
    if (!this.cache || this.cache.count === 0) return;
    const clamped = Math.max(0, Math.min(this.cache.count - 1, index));
    this.view = { ...this.view, index: clamped };
    this.scrollbar.value = String(clamped);
    this.cache.focus(clamped);
    let frame: FramePixels;
    try {
      frame = this.cache.peek(clamped) ?? (await this.cache.get(clamped));
    } catch (error) {
      if (this.view.index === clamped) this.showFailure(clamped, error);
      return;
    }
    if (this.view.index !== clamped) return;
    this.failure.hidden = true;
    this.shown = frame;
    // A series without window values takes the window its first image carries (the
    // backend derives it from the image's stored value range), never the previous series'.
    if (this.windowFromImage) {
      this.windowFromImage = false;
      this.view = { ...this.view, windowCenter: frame.windowCenter, windowWidth: Math.max(1, frame.windowWidth) };
    }
    this.requestDraw();
    this.onIndexChange?.(clamped);
  }

  /**
   * An image that could not be loaded: the viewport says so, and the previous image's
   * pixels, overlay and measurements are taken away rather than labelled with this index.
   */
  private showFailure(index: number, error: unknown): void {
    const reason = error instanceof BackendError ? error.message : "The image could not be loaded.";
    this.shown = null;
    this.uploaded = null;
    this.renderer?.clear();
    this.svg.replaceChildren();
    this.measurementKey = "";
    for (const corner of Object.values(this.overlay)) setText(corner, "");
    setText(this.markers.top, "");
    setText(this.markers.left, "");
    setText(this.overlay.tr, `Image ${index + 1} / ${this.cache?.count ?? 0}`);
    setText(this.failure, `Image ${index + 1} could not be shown. ${reason}`);
    this.failure.hidden = false;
    this.onIndexChange?.(index);
  }

  scroll(delta: number): void {
    void this.show(this.view.index + delta);
  }

  update(change: Partial<ViewState>): void {
    this.view = { ...this.view, ...change };
    this.requestDraw();
  }

  /** Back to fit-to-window, no pan, zoom 1. */
  fit(): void {
    this.update({ zoom: 1, panX: 0, panY: 0 });
  }

  private requestDraw(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.draw();
    });
  }

  private draw(): void {
    const renderer = this.renderer;
    if (!renderer) return;
    const size = this.size ?? this.measure();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(size.width * ratio));
    const height = Math.max(1, Math.round(size.height * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    if (this.shown && this.shown !== this.uploaded) {
      renderer.upload(this.shown);
      this.uploaded = this.shown;
    }
    renderer.draw({ ...this.view, panX: this.view.panX * ratio, panY: this.view.panY * ratio });
    // After a failed image nothing is on screen, so there is nothing to label.
    if (!this.shown) return;
    this.drawOverlay();
    this.drawMeasurements(size.width, size.height);
  }

  private measure(): { width: number; height: number } {
    const rect = this.canvas.getBoundingClientRect();
    this.size = { width: rect.width, height: rect.height };
    return this.size;
  }

  private drawOverlay(): void {
    const series = this.series;
    const frame = this.shown;
    if (!series || !frame || !this.cache) return;
    setText(this.overlay.tl, `${series.modality} · Series ${series.number ?? "?"}\n${series.description}`);
    setText(this.overlay.tr, `Image ${this.view.index + 1} / ${this.cache.count}${frame.instanceNumber !== null ? `\nInstance ${frame.instanceNumber}` : ""}`);
    setText(this.overlay.bl, `W ${Math.round(this.view.windowWidth)} L ${Math.round(this.view.windowCenter)}\nZoom ${Math.round(this.view.zoom * 100)}%`);
    setText(this.overlay.br, frame.sliceLocation !== null ? `Slice ${frame.sliceLocation.toFixed(1)} mm` : "");
    const labels = orientationLabels(frame.orientation, this.view);
    setText(this.markers.top, labels?.top ?? "");
    setText(this.markers.left, labels?.left ?? "");
  }

  private toCanvas(point: Point, width: number, height: number): Point {
    // Inverse of canvasToImage for drawing: solve by sampling two basis points.
    const frame = this.shown;
    if (!frame) return [0, 0];
    const origin = canvasToImage(this.view, frame.columns, frame.rows, width, height, 0, 0);
    const ex = canvasToImage(this.view, frame.columns, frame.rows, width, height, 1, 0);
    const ey = canvasToImage(this.view, frame.columns, frame.rows, width, height, 0, 1);
    const a = ex[0] - origin[0];
    const b = ey[0] - origin[0];
    const c = ex[1] - origin[1];
    const d = ey[1] - origin[1];
    const det = a * d - b * c || 1;
    const px = point[0] - origin[0];
    const py = point[1] - origin[1];
    return [(d * px - b * py) / det, (-c * px + a * py) / det];
  }

  private drawMeasurements(width: number, height: number): void {
    const frame = this.shown;
    const v = this.view;
    const image = this.imageKey();
    const key = [this.measurementRevision, image, width, height, frame?.columns, frame?.rows, v.zoom, v.panX, v.panY, v.rotation, v.flipH, v.flipV].join("|");
    if (key === this.measurementKey) return;
    this.measurementKey = key;
    this.svg.replaceChildren();
    const spacing = this.series?.pixelSpacing ?? null;
    const all = this.drawing ? [...this.measurements, this.drawing] : this.measurements;
    for (const m of all.filter((m) => m.image === image)) {
      const points = m.points.map((p) => this.toCanvas(p, width, height));
      const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      line.setAttribute("points", points.map((p) => p.join(",")).join(" "));
      line.setAttribute("class", "measure-line");
      this.svg.append(line);
      const last = points[points.length - 1];
      if (!last) continue;
      let label = "";
      const [p0, p1, p2] = m.points;
      if (m.kind === "length" && p0 && p1) label = formatLength(measureLength(p0, p1, spacing));
      if (m.kind === "angle" && p0 && p1 && p2) label = `${measureAngle(p0, p1, p2, spacing).toFixed(1)}°`;
      const text = document.createElementNS("http://www.w3.org/2000/svg", "text");
      text.setAttribute("x", String(last[0] + 6));
      text.setAttribute("y", String(last[1] - 6));
      text.setAttribute("class", "measure-label");
      text.textContent = label;
      this.svg.append(text);
    }
  }

  /** The labels of the finished measurements, for tests and the status line. */
  measurementLabels(): string[] {
    return [...this.svg.querySelectorAll("text")].map((t) => t.textContent ?? "");
  }

  private imagePoint(event: PointerEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    const frame = this.shown;
    if (!frame) return [0, 0];
    return canvasToImage(this.view, frame.columns, frame.rows, rect.width, rect.height, event.clientX - rect.left, event.clientY - rect.top);
  }

  private attachPointer(): void {
    let last: [number, number] | null = null;
    let button = 0;
    this.canvas.addEventListener("contextmenu", (event) => event.preventDefault());
    this.canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      if (event.ctrlKey) this.update({ zoom: Math.min(20, Math.max(0.1, this.view.zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1))) });
      else this.scroll(event.deltaY > 0 ? 1 : -1);
    });
    this.canvas.addEventListener("pointerdown", (event) => {
      try {
        this.canvas.setPointerCapture(event.pointerId);
      } catch {
        // Synthetic or already-released pointers cannot be captured; dragging still works.
      }
      last = [event.clientX, event.clientY];
      button = event.button;
      if (button === 0 && (this.tool === "length" || this.tool === "angle")) this.pointMeasurement(event);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (!last) return;
      const dx = event.clientX - last[0];
      const dy = event.clientY - last[1];
      last = [event.clientX, event.clientY];
      const tool: Tool = button === 2 ? "window" : button === 1 ? "pan" : this.tool;
      this.drag(tool, dx, dy, event);
    });
    const end = (): void => {
      last = null;
      if (this.drawing?.kind === "length" && this.drawing.points.length === 2) {
        this.measurements.push(this.drawing);
        this.drawing = null;
        this.measurementRevision++;
        this.requestDraw();
      }
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  /** Names the image on screen: the series and the index in it. */
  private imageKey(): string {
    return `${this.series?.key ?? ""}#${this.view.index}`;
  }

  private pointMeasurement(event: PointerEvent): void {
    const point = this.imagePoint(event);
    const image = this.imageKey();
    if (this.tool === "length") {
      this.drawing = { kind: "length", points: [point, point], image };
    } else if (!this.drawing || this.drawing.kind !== "angle" || this.drawing.image !== image) {
      this.drawing = { kind: "angle", points: [point, point], image };
    } else {
      this.drawing.points.push(point);
      if (this.drawing.points.length === 3) {
        this.measurements.push(this.drawing);
        this.drawing = null;
      }
    }
    this.measurementRevision++;
    this.requestDraw();
  }

  private scrollRemainder = 0;

  private drag(tool: Tool, dx: number, dy: number, event: PointerEvent): void {
    switch (tool) {
      case "window": {
        const range = this.shown?.format === "rgb8" || this.shown?.format === "u8" ? 256 : 4096;
        this.view = dragWindow(this.view, dx, dy, range);
        this.requestDraw();
        break;
      }
      case "zoom":
        this.update({ zoom: Math.min(20, Math.max(0.1, this.view.zoom * Math.exp(-dy / 200))) });
        break;
      case "pan":
        this.update({ panX: this.view.panX + dx, panY: this.view.panY + dy });
        break;
      case "scroll": {
        this.scrollRemainder += dy / 8;
        const steps = Math.trunc(this.scrollRemainder);
        if (steps !== 0) {
          this.scrollRemainder -= steps;
          this.scroll(steps);
        }
        break;
      }
      case "length":
        if (this.drawing?.kind === "length") {
          this.drawing.points[1] = this.imagePoint(event);
          this.measurementRevision++;
          this.requestDraw();
        }
        break;
      case "angle":
        if (this.drawing?.kind === "angle") {
          this.drawing.points[this.drawing.points.length - 1] = this.imagePoint(event);
          this.measurementRevision++;
          this.requestDraw();
        }
        break;
    }
  }

  /** Forgets the series and its pixels. */
  clear(): void {
    this.cache?.clear();
    this.cache = null;
    this.series = null;
    this.shown = null;
    this.uploaded = null;
    this.measurements = [];
    this.drawing = null;
    this.measurementRevision++;
    this.measurementKey = "";
    this.renderer?.clear();
    for (const corner of Object.values(this.overlay)) setText(corner, "");
    setText(this.markers.top, "");
    setText(this.markers.left, "");
    this.svg.replaceChildren();
    this.failure.hidden = true;
  }
}

/** Writes a text node only when its text changes, sparing the page a re-layout. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
