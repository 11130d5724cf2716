// One interactive viewport: a WebGL2 canvas showing a series, with stack scroll (wheel,
// keys, drag, scrollbar), window/level (right-drag, presets), zoom, pan, rotate, flip,
// invert, measurements (length, angle, elliptical ROI, bidirectional, placed with the pointer
// or, through a crosshair, with the keyboard) and a pixel probe, a
// corner overlay (naming the study, current or prior, and its date), orientation markers and
// reference lines (where the images of other viewports, given by the study view, cross it),
// and the presentation states (DICOM GSPS) saved on the image on screen: a control for each,
// which sets its window and draws its annotations over the image as measurements are drawn,
// and, turned off (or left for another image), gives the window back.
// The tools (zoom, pan, window/level, stack scroll, the measuring tools, the probe) live in
// ../tools and the busy and failed states in ./viewportStatus; this file only wires them to
// the pointer, the keyboard and the SVG layer.
//
// Input only changes the view state and asks for a draw; the draw runs once per animation
// frame, however many events came in. A frame already held by the cache is shown without
// waiting on the backend, and its pixels go to the GPU inside that draw, so scrolling
// several images within one frame uploads only the last. Window/level sets uniforms only;
// the overlay's text nodes are written only when their text changes, and the measurement
// layer is rebuilt only when the measurements or their placement on screen change.
// While the image is changing under the hand (a window/level, zoom or pan drag, the wheel,
// a scroll by key, scrollbar or cine) an image shown smaller than its pixels is drawn
// nearest, and drawn once more, filtered, when it has been still for a moment
// (../viewport/render/drawQuality).
import { BackendError, type FramePixels, type PresentationStateView, type SeriesView } from "../ipc/backend";
import { FrameCache } from "../loading/frameCache";
import { calibrationAt, calibrationOf } from "../tools/calibration";
import type { Point } from "../tools/math/measure";
import { drawLayer, type DrawnMeasurement } from "../tools/measurementLayer";
import { drawPresentationState, type PlacedState } from "../tools/presentationLayer";
import { graphicOutline, stateDetails, stateLabel, statesOn, type StateOnImage } from "../tools/presentationStates";
import { KIND_NAMES, labelLines, type LabelContext } from "../tools/measurementLabel";
import { renderList } from "../tools/measurementList";
import { shapeLines } from "../tools/measurementShape";
import { announcement, KeyboardMeasuring } from "../tools/keyboardMeasuring";
import type { Draft } from "../tools/measurementDraft";
import { pixelAt, probeText } from "../tools/probe";
import { pixelGrid } from "../tools/math/pixelValues";
import { MeasuringInput } from "../tools/measuring";
import { MeasurementStore, type MeasurementKind } from "../tools/measurements";
import { DragScroll } from "../tools/stackScroll";
import { dragTool, isMeasuring, type Tool } from "../tools/tool";
import { VIEW_DRAGS, arrowDrag } from "../tools/viewDrag";
import { wheelZoom } from "../tools/zoom";
import { fullRangeWindow, windowChoices, type WindowChoice } from "../tools/windowPresets";
import { DrawQuality } from "../viewport/render/drawQuality";
import { GlRenderer } from "../viewport/render/glRenderer";
import { arrowDirection, canvasToImage, initialViewState, rotated, type ViewState } from "../viewport/state";
import { orientationLabels } from "../viewport/orientation";
import { imagePlane, referenceLine, type ImagePlane } from "../viewport/referenceLine";
import type { Placed } from "../viewport/viewSync";
import { el } from "./dom";
import { drawReferenceLines, type DrawnReference, type ReferenceSource } from "./referenceLines";
import { ViewportStatus } from "./viewportStatus";

/** The study a viewport's series belongs to: the one opened, or a prior beside it. */
export interface StudyTag {
  date: string | null;
  prior: boolean;
}

/** The overlay's first line, so a prior side by side is never taken for the current study. */
export function studyLine(study: StudyTag): string {
  return `${study.prior ? "Prior" : "Current"} · ${study.date ?? "date not recorded"}`;
}

export class Viewport {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  /** Made when the viewport first shows a series: an empty slot holds no WebGL context. */
  private renderer: GlRenderer | null = null;
  private readonly overlay: Record<"tl" | "tr" | "bl" | "br", HTMLElement>;
  private readonly markers: Record<"top" | "left", HTMLElement>;
  /** "★ Key image — title" while the image on screen is one a key object selection flags. */
  private readonly keyMarker: HTMLElement;
  /** The marker text of an image of the series on screen (null: not a key image). */
  private keyImageOf: ((index: number) => string | null) | null = null;
  private readonly svg: SVGSVGElement;
  /** The measurements on the image on screen, as buttons for the keyboard. */
  private readonly list: HTMLElement;
  private readonly scrollbar: HTMLInputElement;
  /** Busy while the image asked for is on its way; failed, with a Retry, when it could not come. */
  private readonly status: ViewportStatus;
  private series: SeriesView | null = null;
  private study: StudyTag | null = null;
  private cache: FrameCache | null = null;
  private view: ViewState = initialViewState(0, 1);
  /** Measurements per image (series and index): each is drawn on its own image only. */
  private readonly measurements = new MeasurementStore();
  /** The measurement being drawn with the pointer. */
  private readonly measuring = new MeasuringInput(this.measurements);
  /** The crosshair that places measurements from the keyboard, feeding the same draft. */
  private readonly keyboard = new KeyboardMeasuring(this.measuring);
  private readonly dragScroll = new DragScroll();
  private dirty = false;
  /** Nearest while the image changes, filtered again once it has settled. */
  private readonly quality = new DrawQuality(() => this.requestDraw());
  private shown: FramePixels | null = null;
  /** The index of the image in `shown`, which the overlay and measurements go by. */
  private shownIndex = 0;
  /** Bumped by every image asked for: only the last one asked for is shown. */
  private request = 0;
  /** Set when a series without a preset is loaded: its first image sets the window. */
  private windowFromImage = false;
  /** Set when a series is loaded: its first image shown sets the default VOI. */
  private voiFromImage = false;
  /** The window a reset goes back to: the series' first preset or the image's own. */
  private defaults: Pick<ViewState, "windowCenter" | "windowWidth" | "voi"> = { windowCenter: 0, windowWidth: 1, voi: "LINEAR" };
  /** The full-range window of the last frame asked about. */
  private range: { frame: FramePixels; window: { center: number; width: number } | null } | null = null;
  /** The frame whose pixels are in the texture. */
  private uploaded: FramePixels | null = null;
  /** The canvas's CSS size, measured again only after a resize. */
  private size: { width: number; height: number } | null = null;
  /** Bumped on every change to the measurements, to know when the layer is stale. */
  private measurementRevision = 0;
  private measurementKey = "";
  private current: Tool = "scroll";
  /** Where the pixel probe points, in image coordinates; null when it is not in use. */
  private probePoint: Point | null = null;
  /** What the probe reads at that point on the image on screen. */
  private readonly readout: HTMLElement;
  /** The other viewports' images whose reference lines this one draws. */
  private references: ReferenceSource[] = [];
  /** Bumped when the references change, to know when the layer is stale. */
  private referenceRevision = 0;
  /** The presentation states of the study this viewport's series belongs to. */
  private presentations: readonly PresentationStateView[] = [];
  /** The state applied, the image it was applied on, and the window it replaced. */
  private applied: { key: string; image: string; previous: Pick<ViewState, "windowCenter" | "windowWidth" | "voi"> } | null = null;
  /** A control per presentation state on the image on screen. */
  private readonly presentationControls: HTMLElement;
  /** What of the state applied the viewer does not apply, in words. */
  private readonly presentationNotes: HTMLElement;
  /** The image the controls were made for. */
  private controlsFor = "";
  /** The plane of the image on screen, worked out once per frame shown. */
  private planeCache: { frame: FramePixels; series: SeriesView; plane: ImagePlane | null } | null = null;

  get tool(): Tool {
    return this.current;
  }

  /** Picks the tool for the primary button; leaving the probe puts its reading away. */
  set tool(tool: Tool) {
    this.current = tool;
    if (this.keyboard.cursor) {
      this.keyboard.hide();
      this.measurementRevision++;
      this.requestDraw();
    }
    if (tool !== "probe" && this.probePoint) {
      this.probePoint = null;
      this.requestDraw();
    }
  }
  onIndexChange: ((index: number) => void) | null = null;
  /** The clinician changed the view (window, zoom, pan…); not called for a change followed. */
  onViewChange: ((change: Partial<ViewState>, interactive: boolean) => void) | null = null;
  /** Says something to screen readers (the page's status line): the keyboard crosshair's news. */
  onAnnounce: ((text: string) => void) | null = null;

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
    this.keyMarker = el("div", { class: "key-image-marker", role: "status", hidden: "" });
    this.scrollbar = el("input", { type: "range", class: "stack-scrollbar", min: "0", max: "0", value: "0", "aria-label": "Image in series" });
    this.scrollbar.addEventListener("input", () => void this.show(Number(this.scrollbar.value)));
    this.readout = el("p", { class: "probe-readout", "aria-live": "polite", hidden: "" });
    this.list = el("ul", { class: "measure-list", "aria-label": `Measurements on the image in viewport ${name}`, hidden: "" });
    this.presentationControls = el("div", { class: "presentation-controls", role: "group", "aria-label": `Presentation states of the image in viewport ${name}`, hidden: "" });
    this.presentationNotes = el("ul", { class: "presentation-notes", "aria-label": "Not applied from the presentation state", hidden: "" });
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
      this.keyMarker,
      this.scrollbar,
      this.list,
      this.presentationControls,
      this.presentationNotes,
      this.readout,
    );
    this.status = new ViewportStatus(this.element);
    this.element.append(this.status.busyElement, this.status.failureElement);
    this.attachPointer();
    this.element.addEventListener("keydown", (event) => this.onKey(event));
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

  /** Where the image on screen lies in the patient; null when nothing is shown or it cannot be placed. */
  get plane(): ImagePlane | null {
    const frame = this.shown;
    const series = this.series;
    if (!frame || !series) return null;
    if (this.planeCache?.frame !== frame || this.planeCache.series !== series) this.planeCache = { frame, series, plane: imagePlane(frame, series) };
    return this.planeCache.plane;
  }

  /**
   * The other viewports' images to draw reference lines of; each is drawn where its plane
   * crosses the image on screen (none for a parallel image or another frame of reference).
   */
  setReferences(sources: ReferenceSource[]): void {
    const same =
      sources.length === this.references.length &&
      sources.every((s, i) => {
        const known = this.references[i];
        return known?.viewport === s.viewport && known.label === s.label && known.plane === s.plane;
      });
    if (same) return;
    this.references = sources;
    this.referenceRevision++;
    this.requestDraw();
  }

  /** The labels of the reference lines on screen, one a line, for tests. */
  referenceLabels(): string[] {
    return [...this.svg.querySelectorAll("g.reference-line")].map((g) => g.getAttribute("data-label") ?? "");
  }

  /**
   * Says which images of the series on screen are key images (`lookup` gives an image's
   * marker text, null for one that is not); a series loaded afterwards starts with none.
   */
  setKeyImages(lookup: ((index: number) => string | null) | null): void {
    this.keyImageOf = lookup;
    this.showKeyMarker(this.shown ? this.shownIndex : null);
  }

  /** The marker for image `index` on screen, or none (null: no image on screen). */
  private showKeyMarker(index: number | null): void {
    const text = index === null ? null : (this.keyImageOf?.(index) ?? null);
    this.keyMarker.hidden = text === null;
    setText(this.keyMarker, text ?? "");
    if (text === null) this.element.removeAttribute("data-key-image");
    else this.element.setAttribute("data-key-image", "true");
  }

  /** Shows a series of `study`; frames come from `cache`, starting at `index`. */
  async load(series: SeriesView, cache: FrameCache, { index = 0, study = null }: { index?: number; study?: StudyTag | null } = {}): Promise<void> {
    this.renderer ??= new GlRenderer(this.canvas);
    // The previous series' pixels are wiped with its cache: nothing of it stays on screen to
    // be labelled with the new series while its first image is on its way.
    this.cache?.clear();
    this.blank();
    this.series = series;
    this.study = study;
    this.cache = cache;
    this.measurements.clear();
    this.labels.clear();
    this.measuring.drop();
    this.keyboard.hide();
    this.measurementRevision++;
    // The new series sets its own window below: nothing of a state applied stays.
    this.applied = null;
    this.controlsFor = "";
    this.keyImageOf = null;
    this.showKeyMarker(null);
    const preset = series.presets[0];
    this.view = initialViewState(preset?.center ?? 0, preset?.width ?? 0);
    this.windowFromImage = !preset || preset.width <= 1;
    this.voiFromImage = true;
    this.scrollbar.max = String(Math.max(0, cache.count - 1));
    await this.display(index, false);
    void cache.prefetch(index);
  }

  /**
   * Shows image `index`, as a step through the stack (drawn fast until the scrolling
   * settles). Until it arrives the viewport is busy and keeps the image it had, labelled as
   * that image; an image asked for later, or another series, overtakes it.
   */
  show(index: number): Promise<void> {
    return this.display(index, true);
  }

  /** Shows image `index`; `interactive` when it is one step of a scroll. */
  private async display(index: number, interactive: boolean): Promise<void> {
    const cache = this.cache;
    if (!cache || cache.count === 0) return;
    const clamped = Math.max(0, Math.min(cache.count - 1, index));
    const request = ++this.request;
    this.view = { ...this.view, index: clamped };
    this.scrollbar.value = String(clamped);
    cache.focus(clamped);
    let frame = cache.peek(clamped);
    if (!frame) {
      this.status.busy(clamped, cache.count);
      try {
        frame = await cache.get(clamped);
      } catch (error) {
        if (request === this.request) this.showFailure(clamped, error);
        return;
      }
      if (request !== this.request) return;
    }
    this.status.idle();
    this.shown = frame;
    this.shownIndex = clamped;
    this.showKeyMarker(clamped);
    // A series without window values takes the window its first image carries (the
    // backend derives it from the image's stored value range), never the previous series'.
    if (this.windowFromImage) {
      this.view = { ...this.view, windowCenter: frame.windowCenter, windowWidth: Math.max(1, frame.windowWidth) };
    }
    // The image's VOI LUT Function goes with its windows; an image with a VOI LUT Sequence is
    // shown through its table, as the `render` command draws it, even when it also carries
    // windows: PS3.3 C.11.2.1.2 lets either be applied, and the table is the provider's own
    // grey-scale curve (a CR's S-curve), which a linear window cannot reproduce. The windows
    // stay on offer (number keys, presets).
    if (this.voiFromImage) {
      const voi = frame.voiLut ? "LUT" : (frame.voiFunction ?? "LINEAR");
      this.view = { ...this.view, voi };
      this.defaults = { windowCenter: this.view.windowCenter, windowWidth: this.view.windowWidth, voi };
      this.voiFromImage = false;
      this.windowFromImage = false;
    }
    this.refreshPresentations();
    this.requestDraw(interactive);
    this.onIndexChange?.(clamped);
  }

  /**
   * The presentation states of the study this viewport's series belongs to (the study view
   * gives none for a prior's); the image on screen offers those that name it.
   */
  setPresentationStates(states: readonly PresentationStateView[]): void {
    this.presentations = states;
    this.controlsFor = "";
    if (this.applied && !states.some((s) => s.key === this.applied?.key)) this.removePresentation();
    this.refreshPresentations();
    this.requestDraw();
  }

  /** The states that name the image on screen. */
  private statesHere(): StateOnImage[] {
    return this.series && this.shown ? statesOn(this.presentations, this.series.key, this.shownIndex) : [];
  }

  /**
   * Makes a control for each state on the image on screen. A state applied to another image
   * is taken off first, its window given back: its window and its annotations belong to the
   * image it names only.
   */
  private refreshPresentations(): void {
    const image = this.imageKey();
    if (this.applied && this.applied.image !== image) this.removePresentation();
    const key = `${image}|${this.applied?.key ?? ""}`;
    if (key === this.controlsFor) return;
    this.controlsFor = key;
    const here = this.statesHere();
    this.presentationControls.replaceChildren(
      ...here.map(({ state }) => {
        const on = this.applied?.key === state.key;
        const button = el("button", { type: "button", class: "presentation-toggle", "data-action": "presentation-state", "data-key": state.key, "aria-pressed": String(on), title: stateDetails(state) }, stateLabel(state));
        button.addEventListener("click", () => this.togglePresentation(state.key));
        return button;
      }),
    );
    this.presentationControls.hidden = here.length === 0;
    const notes = here.find(({ state }) => state.key === this.applied?.key)?.state.notes ?? [];
    this.presentationNotes.replaceChildren(...notes.map((note) => el("li", {}, note)));
    this.presentationNotes.hidden = notes.length === 0;
  }

  /** The presentation state applied to the image on screen, if any. */
  get appliedPresentation(): string | null {
    return this.applied?.key ?? null;
  }

  /**
   * Applies the state `key` to the image on screen (its window, its annotations), or takes
   * it off when it is applied, giving back the window it replaced. False when the image on
   * screen has no such state.
   */
  togglePresentation(key: string): boolean {
    if (this.applied?.key === key) {
      this.removePresentation();
    } else {
      const found = this.statesHere().find(({ state }) => state.key === key);
      if (!found) return false;
      if (this.applied) this.removePresentation();
      const { windowCenter, windowWidth, voi } = this.view;
      this.applied = { key, image: this.imageKey(), previous: { windowCenter, windowWidth, voi } };
      const window = found.image.window;
      // The state's Softcopy VOI LUT window (PS3.3 C.11.8), linear; none keeps the image's.
      if (window) this.update({ windowCenter: window.center, windowWidth: Math.max(1, window.width), voi: "LINEAR" });
    }
    this.refreshPresentations();
    this.measurementRevision++;
    this.requestDraw();
    return true;
  }

  /** Takes the applied state off, giving back the window it replaced. */
  private removePresentation(): void {
    const applied = this.applied;
    if (!applied) return;
    this.applied = null;
    this.update({ ...applied.previous });
    this.measurementRevision++;
  }

  /** The applied state's shapes and texts, placed on the canvas. */
  private placedPresentation(width: number, height: number): PlacedState | null {
    const found = this.statesHere().find(({ state }) => state.key === this.applied?.key);
    if (!found) return null;
    const place = (p: readonly number[]): Point => this.toCanvas([p[0] ?? 0, p[1] ?? 0], width, height);
    const { image } = found;
    return {
      label: found.state.label,
      lines: image.graphics.filter((g) => g.kind !== "point").map((g) => ({ points: graphicOutline(g).map(place), filled: g.filled })),
      points: image.graphics.filter((g) => g.kind === "point").flatMap((g) => g.points.map(place)),
      texts: image.texts.map((t) => {
        const anchor = t.anchor ? place(t.anchor) : null;
        if (t.boundingBox) {
          const corner = place(t.boundingBox[0]);
          return { text: t.text, at: [corner[0], corner[1] + 14] as Point, anchor: t.anchorVisible ? anchor : null };
        }
        return { text: t.text, at: [(anchor?.[0] ?? 0) + 6, (anchor?.[1] ?? 0) - 6] as Point, anchor: null };
      }),
    };
  }

  /** The texts of the presentation state drawn on the image on screen, for tests. */
  presentationTexts(): string[] {
    return [...this.svg.querySelectorAll("g.presentation-state text")].map((t) => t.textContent ?? "");
  }

  /**
   * An image that could not be loaded: the viewport says so, and the previous image's
   * pixels, overlay and measurements are taken away rather than labelled with this index.
   */
  private showFailure(index: number, error: unknown): void {
    const reason = error instanceof BackendError ? error.message : "The image could not be loaded.";
    this.blank();
    setText(this.overlay.tl, this.study ? studyLine(this.study) : "");
    setText(this.overlay.tr, `Image ${index + 1} / ${this.cache?.count ?? 0}`);
    this.status.failed(index, reason, () => void this.display(index, false));
    this.onIndexChange?.(index);
  }

  /** Takes the image on screen away with its overlay, measurements and probe reading. */
  private blank(): void {
    this.shown = null;
    this.uploaded = null;
    this.renderer?.clear();
    this.svg.replaceChildren();
    renderList(this.list, [], this.listHandlers);
    this.readout.hidden = true;
    this.measurementKey = "";
    for (const corner of Object.values(this.overlay)) setText(corner, "");
    setText(this.markers.top, "");
    setText(this.markers.left, "");
    this.showKeyMarker(null);
  }

  scroll(delta: number): void {
    void this.show(this.view.index + delta);
  }

  /** Changes the view; `interactive` when it is one step of a drag or the wheel. */
  update(change: Partial<ViewState>, interactive = false): void {
    this.follow(change, interactive);
    this.onViewChange?.(change, interactive);
  }

  /** Takes a change passed on from another viewport, without passing it on again. */
  follow(change: Partial<ViewState>, interactive = false): void {
    this.view = { ...this.view, ...change };
    this.requestDraw(interactive);
  }

  /** The image on screen on its canvas, for passing the zoom on; null with no image shown. */
  placement(): Placed | null {
    const frame = this.shown;
    if (!frame) return null;
    const size = this.size ?? this.measure();
    return { columns: frame.columns, rows: frame.rows, spacing: calibrationOf(this.series, this.shownIndex).spacing?.[1] ?? null, canvasWidth: size.width, canvasHeight: size.height };
  }

  /** Back to fit-to-window, no pan, zoom 1. */
  fit(): void {
    this.update({ zoom: 1, panX: 0, panY: 0 });
  }

  /** A quarter turn clockwise (1) or anticlockwise (-1). */
  rotate(direction: 1 | -1): void {
    this.update({ rotation: rotated(this.view.rotation, direction) });
  }

  /**
   * Everything back as the image first opened: its default window, fitted, unrotated,
   * unflipped, not inverted. The image shown and the measurements stay.
   */
  reset(): void {
    this.view = { ...initialViewState(this.defaults.windowCenter, this.defaults.windowWidth, this.defaults.voi), index: this.view.index };
    this.requestDraw();
    const { windowCenter, windowWidth, voi, zoom, panX, panY } = this.view;
    this.onViewChange?.({ windowCenter, windowWidth, voi, zoom, panX, panY }, false);
  }

  /** The window presets for the image on screen, in the order the number keys pick them. */
  windowChoices(): WindowChoice[] {
    const series = this.series;
    const frame = this.shown;
    if (!series || !frame || frame.format === "rgb8") return [];
    if (this.range?.frame !== frame) this.range = { frame, window: fullRangeWindow(frame) };
    return windowChoices(series.modality, series.presets, { voiFunction: frame.voiFunction ?? "LINEAR", hasLut: !!frame.voiLut, fullRange: this.range.window });
  }

  /** Applies a window preset. */
  applyWindow(choice: WindowChoice): void {
    // A table keeps the centre and width on screen: dragging from it starts there.
    if (choice.voi === "LUT") this.update({ voi: "LUT" });
    else this.update({ windowCenter: choice.center, windowWidth: Math.max(1, choice.width), voi: choice.voi });
  }

  /** Applies the preset a number key picks; false when there is none. */
  applyWindowKey(key: string): boolean {
    const choice = this.windowChoices().find((c) => c.key === key);
    if (choice) this.applyWindow(choice);
    return !!choice;
  }

  /** Asks for a draw at the next animation frame; `interactive` when the image is on the move. */
  private requestDraw(interactive = false): void {
    if (interactive) this.quality.interact();
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
    const coarse = renderer.draw({ ...this.view, panX: this.view.panX * ratio, panY: this.view.panY * ratio }, this.quality.interactive);
    this.quality.drawn(coarse);
    // After a failed image nothing is on screen, so there is nothing to label.
    if (!this.shown) return;
    this.drawOverlay();
    this.drawMeasurements(size.width, size.height);
    this.drawProbe();
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
    const seriesText = `${series.modality} · Series ${series.number ?? "?"}\n${series.description}`;
    setText(this.overlay.tl, this.study ? `${studyLine(this.study)}\n${seriesText}` : seriesText);
    setText(this.overlay.tr, `Image ${this.shownIndex + 1} / ${this.cache.count}${frame.instanceNumber !== null ? `\nInstance ${frame.instanceNumber}` : ""}`);
    const voiText = this.view.voi === "LUT" && frame.voiLut ? "VOI LUT" : `W ${Math.round(this.view.windowWidth)} L ${Math.round(this.view.windowCenter)}${this.view.voi === "LINEAR" ? "" : ` ${this.view.voi === "SIGMOID" ? "sigmoid" : "exact"}`}`;
    const presentation = this.presentations.find((s) => s.key === this.applied?.key);
    setText(this.overlay.bl, `${voiText}\nZoom ${Math.round(this.view.zoom * 100)}%${presentation ? `\n${stateLabel(presentation)}` : ""}`);
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
    const probe = this.probePoint ? this.toCanvas(this.probePoint, width, height) : null;
    const crosshair = this.keyboard.cursor ? this.toCanvas(this.keyboard.cursor, width, height) : null;
    const key = [this.applied?.key, this.measurementRevision, this.measurements.revision, this.referenceRevision, image, width, height, frame?.columns, frame?.rows, v.zoom, v.panX, v.panY, v.rotation, v.flipH, v.flipV, probe, crosshair].join("|");
    if (key === this.measurementKey) return;
    this.measurementKey = key;
    const context = this.labelContext();
    const selected = this.measurements.selected;
    const stored = this.measurements.list(image).map((m) => ({ ...m, label: this.storedLabel(m.id, m.kind, m.points, context) }));
    const drawn: DrawnMeasurement[] = stored.map((m) => this.placed(m.id, m.kind, m.points, m.label, m.id === selected, width, height));
    const d = this.measuring.draft;
    if (d?.image === image) {
      drawn.push(this.placed(null, d.kind, d.points, labelLines(d.kind, d.points, context), false, width, height));
    }
    drawLayer(this.svg, drawn, this.listHandlers.onSelect);
    const presentation = this.placedPresentation(width, height);
    if (presentation) drawPresentationState(this.svg, presentation);
    drawReferenceLines(this.svg, this.referencesOnCanvas(width, height), width);
    if (probe) drawMark(this.svg, probe, "probe-mark", 6);
    if (crosshair) drawMark(this.svg, crosshair, "keyboard-crosshair", 12);
    renderList(
      this.list,
      stored.map((m) => ({ id: m.id, text: `${KIND_NAMES[m.kind]} ${m.label.join(", ")}`, selected: m.id === selected })),
      this.listHandlers,
    );
  }

  /** The reference lines crossing the image on screen, placed on the canvas. */
  private referencesOnCanvas(width: number, height: number): DrawnReference[] {
    const plane = this.plane;
    if (!plane) return [];
    return this.references.flatMap(({ viewport, label, plane: source }) => {
      const line = referenceLine(plane, source);
      if (!line) return [];
      const [from, to] = line.map((point) => this.toCanvas(point, width, height));
      // A canvas with no size yet places nothing.
      return from && to && [...from, ...to].every(Number.isFinite) ? [{ viewport, label, from, to }] : [];
    });
  }

  private readonly listHandlers = {
    onSelect: (id: number): void => {
      this.measurements.select(this.measurements.selected === id ? null : id);
      this.requestDraw();
    },
    onDelete: (id: number): void => {
      this.measurements.remove(id);
      this.requestDraw();
    },
  };

  /** The probe's reading of the image on screen, at the same pixel when the image changes. */
  private drawProbe(): void {
    const text = this.probePoint && this.shown ? probeText(this.shown, this.series?.modality ?? "", this.probePoint) : null;
    setText(this.readout, text ?? "");
    this.readout.hidden = text === null;
  }

  /** Points the probe at an image point (the centre of its pixel). */
  private setProbe(point: Point | null): void {
    const frame = this.shown;
    const pixel = point && frame ? pixelAt(frame, point) : null;
    const next: Point | null = pixel ? [pixel[0] + 0.5, pixel[1] + 0.5] : null;
    if (next?.[0] === this.probePoint?.[0] && next?.[1] === this.probePoint?.[1]) return;
    this.probePoint = next;
    this.requestDraw();
  }

  /**
   * Moves the probe one pixel in an arrow's direction on screen, whatever the rotation and
   * flips; it starts at the image's centre.
   */
  private stepProbe(key: string): boolean {
    const frame = this.shown;
    const move = arrowDirection(this.view, key);
    if (!frame || !move) return false;
    if (!this.probePoint) {
      this.setProbe([frame.columns / 2, frame.rows / 2]);
      return true;
    }
    const next: Point = [this.probePoint[0] + move[0], this.probePoint[1] + move[1]];
    if (pixelAt(frame, next)) this.setProbe(next);
    return true;
  }

  private labelContext(): LabelContext {
    return {
      calibration: calibrationOf(this.series, this.shownIndex),
      pixels: this.shown ? pixelGrid(this.shown, this.series?.modality ?? "") : null,
      regions: this.series?.ultrasoundRegions ?? [],
    };
  }

  /** Stored measurements never change, so each label is worked out once per frame shown. */
  private readonly labels = new Map<number, { frame: FramePixels | null; lines: string[] }>();

  private storedLabel(id: number, kind: MeasurementKind, points: readonly Point[], context: LabelContext): string[] {
    const known = this.labels.get(id);
    if (known && known.frame === this.shown) return known.lines;
    const lines = labelLines(kind, points, context);
    this.labels.set(id, { frame: this.shown, lines });
    return lines;
  }

  /** A measurement's shape and label placed on the canvas. */
  private placed(id: number | null, kind: MeasurementKind, points: readonly Point[], label: string[], selected: boolean, width: number, height: number): DrawnMeasurement {
    const lines = shapeLines(kind, points, calibrationAt(this.series, this.shownIndex, points).spacing).map((line) => line.map((p) => this.toCanvas(p, width, height)));
    // The label sits by the last point placed, by an outline's rightmost point, or by the
    // end of a bidirectional measurement's long axis.
    const last = (kind === "bidirectional" ? lines[0] : lines[lines.length - 1]) ?? [];
    const anchor = kind === "ellipse" ? last.reduce<Point>((a, p) => (p[0] > a[0] ? p : a), last[0] ?? [0, 0]) : (last[last.length - 1] ?? [0, 0]);
    return { id, kind, lines, anchor, label, selected };
  }

  /** The labels of the measurements on the image on screen, for tests and the status line. */
  measurementLabels(): string[] {
    return [...this.svg.querySelectorAll("g.measurement")].map((g) => g.getAttribute("data-label") ?? "");
  }

  /**
   * With a measuring tool, Enter, the arrows and Esc work the keyboard crosshair (see
   * ../tools/keyboardMeasuring). Delete (or Backspace) deletes the selected measurement and
   * Ctrl+Z (Cmd+Z) undoes the last add or delete on this image; Shift and an arrow move the
   * probe, or with the window, zoom or pan tool act as a short drag; Esc drops a measurement
   * half drawn. Handled keys go no further, so Ctrl+Z does
   * not also pick the zoom tool, an arrow moving a crosshair or Shift+arrow does not also
   * scroll, and an Esc that cancels a measurement does not also close the study.
   */
  private onKey(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    let handled = false;
    if (this.keyboardMeasure(event)) {
      handled = true;
    } else if ((event.key === "Delete" || event.key === "Backspace") && !event.ctrlKey && !event.metaKey) {
      handled = this.measurements.removeSelected(this.imageKey());
    } else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      handled = this.measurements.undo(this.imageKey());
      // Nothing to undo is still Ctrl+Z: it must not pick the zoom tool either.
      event.preventDefault();
      event.stopPropagation();
    } else if (this.current === "probe" && event.shiftKey && event.key.startsWith("Arrow")) {
      handled = this.stepProbe(event.key);
    } else if (event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && this.keyDrag(event.key)) {
      handled = true;
    } else if (event.key === "Escape" && this.measuring.drop()) {
      this.measurementRevision++;
      handled = true;
    }
    if (!handled) return;
    event.preventDefault();
    event.stopPropagation();
    this.requestDraw();
  }

  /**
   * Shift and an arrow with the window, zoom or pan tool picked: a short drag that way, so
   * width/level, zoom and pan work from the keyboard as from the mouse. False when the tool
   * has no such drag, the key is not an arrow or no image is shown.
   */
  private keyDrag(key: string): boolean {
    const viewDrag = VIEW_DRAGS[this.current];
    const move = arrowDrag(key);
    if (!viewDrag || !move || !this.shown) return false;
    this.update(viewDrag(this.view, move[0], move[1], this.shown));
    return true;
  }

  /** Zooms in (1) or out (-1) by one wheel notch about the centre, as Ctrl+wheel does. */
  zoomStep(direction: 1 | -1): void {
    this.update({ zoom: wheelZoom(this.view.zoom, -direction) });
  }

  /**
   * Passes a key to the keyboard crosshair when a measuring tool is picked and an image is
   * on screen, and announces what it did. Enter and the arrows count only on the viewport
   * itself (on a measurement's button Enter is the button's); Esc counts anywhere in it.
   */
  private keyboardMeasure(event: KeyboardEvent): boolean {
    const frame = this.shown;
    const tool = this.current;
    if (!frame || !isMeasuring(tool)) return false;
    if (event.key !== "Escape" && event.target !== this.element) return false;
    const outcome = this.keyboard.key(event, {
      kind: tool,
      image: this.imageKey(),
      columns: frame.columns,
      rows: frame.rows,
      direction: (key) => arrowDirection(this.view, key),
      spacing: calibrationOf(this.series, this.shownIndex).spacing,
    });
    if (!outcome) return false;
    this.measurementRevision++;
    this.onAnnounce?.(announcement(outcome, (draft) => this.describe(draft)));
    return true;
  }

  /** A measurement in words: its kind and its label, as the list of measurements shows it. */
  private describe(draft: Draft): string {
    return `${KIND_NAMES[draft.kind]} ${labelLines(draft.kind, draft.points, this.labelContext()).join(", ")}`;
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
      if (event.ctrlKey) this.update({ zoom: wheelZoom(this.view.zoom, event.deltaY) }, true);
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
      if (button === 0 && isMeasuring(this.tool)) this.measured(this.measuring.press(this.tool, this.imagePoint(event), this.imageKey()));
      if (button === 0 && this.current === "probe") this.setProbe(this.imagePoint(event));
    });
    this.canvas.addEventListener("pointermove", (event) => {
      if (this.current === "probe" && (!last || button === 0)) this.setProbe(this.imagePoint(event));
      if (!last) return;
      const dx = event.clientX - last[0];
      const dy = event.clientY - last[1];
      last = [event.clientX, event.clientY];
      this.drag(dragTool(button, this.tool), dx, dy, event);
    });
    const end = (): void => {
      const wasDrawing = last !== null && button === 0 && isMeasuring(this.tool);
      last = null;
      if (wasDrawing) this.measured(this.measuring.release(calibrationOf(this.series, this.shownIndex).spacing));
    };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  /** Names the image on screen: the series and the index in it. */
  private imageKey(): string {
    return `${this.series?.key ?? ""}#${this.shownIndex}`;
  }

  /** The measurement being drawn changed: its layer is stale. */
  private measured(changed: boolean): void {
    if (!changed) return;
    this.measurementRevision++;
    this.requestDraw();
  }

  /** A drag with `tool`: the view changes, the stack scrolls or the measurement follows. */
  private drag(tool: Tool, dx: number, dy: number, event: PointerEvent): void {
    const viewDrag = VIEW_DRAGS[tool];
    if (viewDrag) return this.update(viewDrag(this.view, dx, dy, this.shown), true);
    if (tool === "scroll") {
      const steps = this.dragScroll.steps(dy);
      if (steps !== 0) this.scroll(steps);
    } else if (isMeasuring(tool)) {
      this.measured(this.measuring.drag(tool, this.imagePoint(event)));
    }
  }

  /** Forgets the series and its pixels; no settled redraw comes after. */
  clear(): void {
    this.quality.destroy();
    this.cache?.clear();
    this.cache = null;
    this.series = null;
    this.study = null;
    this.request++;
    this.shown = null;
    this.uploaded = null;
    this.measurements.clear();
    this.labels.clear();
    this.measuring.drop();
    this.keyboard.hide();
    this.measurementRevision++;
    this.measurementKey = "";
    renderList(this.list, [], this.listHandlers);
    this.probePoint = null;
    this.readout.hidden = true;
    this.references = [];
    this.presentations = [];
    this.applied = null;
    this.controlsFor = "";
    this.presentationControls.replaceChildren();
    this.presentationControls.hidden = true;
    this.presentationNotes.hidden = true;
    this.planeCache = null;
    this.renderer?.clear();
    for (const corner of Object.values(this.overlay)) setText(corner, "");
    setText(this.markers.top, "");
    setText(this.markers.left, "");
    this.keyImageOf = null;
    this.showKeyMarker(null);
    this.svg.replaceChildren();
    this.status.idle();
  }
}

/** A cross `size` pixels each way at a point on the canvas: the probe's or the keyboard's. */
function drawMark(svg: SVGSVGElement, [x, y]: Point, className: string, size: number): void {
  const mark = document.createElementNS("http://www.w3.org/2000/svg", "path");
  mark.setAttribute("d", `M${x - size},${y}H${x + size}M${x},${y - size}V${y + size}`);
  mark.setAttribute("class", className);
  svg.append(mark);
}

/** Writes a text node only when its text changes, sparing the page a re-layout. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
