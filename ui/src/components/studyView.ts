// The study view: series thumbnails, a viewport grid (1×1, 1×2, 1×3, 2×2), the toolbar, per-
// series progress with cancel, warnings from verification, and up to two priors opened side
// by side (each with its own bar: series picker, link toggle, retrieval progress; see
// ./priorPane). Scrolling is synchronised by slice position when the frames of reference
// match, and by table position with a captured offset when the clinician links a prior
// that shares none (../viewport/registration); window/level and zoom follow the viewport
// being worked in when those options are on (../viewport/viewSync). Each viewport names the
// study, current or prior, and its date, and draws reference lines where the images of the
// other viewports on show cross its own (shown unless turned off with the toolbar's button
// or the g key). The suggested prior is first in the prior menu. A study with a Key Object
// Selection series offers its key images in that series' entry of the series list, each
// a button jumping to its series and slice; a key image on screen is marked (./keyImages).
import { BackendError, isAlreadyClosed, type Backend, type HistoryRecordView, type KeyImageView, type SeriesView, type StudyProgressView, type StudyView } from "../ipc/backend";
import { FrameCache } from "../loading/frameCache";
import { priorsInMenuOrder } from "../domain/priorChoice";
import { choiceLabel } from "../tools/windowPresets";
import { captureOffset, linkRefusal, LINK_REFUSALS, registeredIndex } from "../viewport/registration";
import type { ViewState } from "../viewport/state";
import { followerIndex, syncRefusal } from "../viewport/sync";
import { mmPerScreenPixel, sharedWindow, zoomForScale } from "../viewport/viewSync";
import { el } from "./dom";
import { KeyImages, keyImageLabel, renderKeyImageList } from "./keyImages";
import { PriorPane, type PaneSync } from "./priorPane";
import { renderReport } from "./reportView";
import { drawThumbnail } from "./thumbnail";
import type { Tool } from "../tools/tool";
import type { ReferenceSource } from "./referenceLines";
import { Viewport } from "./viewport";

export type Layout = "1x1" | "1x2" | "1x3" | "2x2";

/** How many viewports each layout shows. */
const LAYOUT_COUNT: Record<Layout, number> = { "1x1": 1, "1x2": 2, "1x3": 3, "2x2": 4 };

/** The viewports a prior may open in (by index): the second and the third. */
const PRIOR_SLOTS = [1, 2];

/** Where a viewport (by index) is on screen in a layout, for a prior's label. */
function placeOf(layout: Layout, slot: number): string {
  const places: Record<Layout, string[]> = {
    "1x1": ["Viewport 1"],
    "1x2": ["Left", "Right"],
    "1x3": ["Left", "Middle", "Right"],
    "2x2": ["Top left", "Top right", "Bottom left", "Bottom right"],
  };
  return places[layout][slot] ?? `Viewport ${slot + 1} (not in this layout)`;
}

/** How many early progress events are kept while a prior opens (one per series and a final). */
const EARLY_EVENTS = 512;

export interface StudyViewHandlers {
  onClose(): void;
  onOpenReport(recordId: string): void;
  openPrior(recordId: string): Promise<StudyView>;
  closePrior(studyKey: string): Promise<void>;
  /** Says something on the page's status line (aria-live), e.g. a measurement placed by keyboard. */
  announce?(text: string): void;
}

interface Slot {
  viewport: Viewport;
  study: StudyView;
}

const TOOLS: [Tool, string, string][] = [
  ["scroll", "Scroll", "s"],
  ["window", "Window", "w"],
  ["zoom", "Zoom", "z"],
  ["pan", "Pan", "p"],
  ["length", "Length", "l"],
  ["angle", "Angle", "a"],
  ["ellipse", "Ellipse", "e"],
  ["bidirectional", "Bidirectional", "b"],
  ["probe", "Probe", "x"],
];

export class StudyScreen {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly slots: Slot[] = [];
  private readonly progress = new Map<string, HTMLElement>();
  private active = 0;
  private layout: Layout = "1x1";
  private cine: number | null = null;
  private fps = 10;
  /** The priors open, by the index of the viewport each is shown in. */
  private readonly panes = new Map<number, PriorPane>();
  /** Above the viewports: one bar per prior open. */
  private readonly priorBars: HTMLElement;
  /** Priors being opened: progress of unknown studies is kept while any is. */
  private opening = 0;
  /** Options: the window/level and the zoom and pan follow the viewport worked in. */
  private syncWindow = false;
  private syncZoom = false;
  /**
   * Progress of a study not yet known, kept while a prior is being opened: its retrieval can
   * report before the prior's key comes back. The latest event per series (and the final
   * one) is enough, as each carries counts so far; bounded, and dropped once the prior is in.
   */
  private early: Map<string, StudyProgressView> | null = null;
  /** Slots moved by synchronisation, and the index each was sent to. */
  private readonly following = new Map<number, number>();
  /** Whether the viewports draw each other's reference lines. */
  private referencesShown = true;
  /** The current study's key images, once read. */
  private keyImages: KeyImages | null = null;
  /** The first key image of each key object series, by its series key. */
  private readonly firstKeyImage = new Map<string, KeyImageView>();

  constructor(
    private readonly backend: Backend,
    private readonly study: StudyView,
    private readonly priors: HistoryRecordView[],
    private readonly handlers: StudyViewHandlers,
    /** The prior to suggest (a record id among `priors`): listed first and chosen in the menu. */
    private readonly suggestedPrior: string | null = null,
  ) {
    this.grid = el("div", { class: "viewport-grid layout-1x1", id: "viewport-grid" });
    for (let i = 0; i < 4; i++) this.slots.push({ viewport: new Viewport(String(i + 1)), study });
    this.slots.forEach((slot, i) => {
      slot.viewport.onAnnounce = (text) => this.handlers.announce?.(text);
      slot.viewport.onViewChange = (change, interactive) => this.passOn(i, change, interactive);
    });
    this.priorBars = el("div", { class: "prior-bars", id: "prior-bars" });
    this.element = el(
      "section",
      { class: "study-screen", id: "study-screen", "data-study-key": study.key },
      this.renderHeader(),
      this.renderToolbar(),
      this.priorBars,
      el("div", { class: "study-body" }, this.renderSeriesList(study, "series-list"), this.grid),
    );
    this.applyLayout("1x1");
    this.element.addEventListener("keydown", (event) => this.onKey(event));
  }

  private get activeViewport(): Viewport {
    const slot = this.slots[this.active] ?? this.slots[0];
    if (!slot) throw new Error("no viewport");
    return slot.viewport;
  }

  /** Shows the first series, draws thumbnails as first images arrive. */
  async start(): Promise<void> {
    const first = this.study.series.find((s) => s.document === null);
    const keyImages = this.study.series.some((s) => s.document === "ko") ? this.loadKeyImages() : null;
    if (first) await this.showSeries(0, this.study, first);
    else if (this.study.series[0]) await this.showDocument(this.study, this.study.series[0]);
    void this.loadThumbnails(this.study);
    await keyImages;
  }

  /**
   * Reads the study's key images: each key object series' entry lists them, the viewports
   * showing the study mark them, and what could not be read joins the study's warnings.
   */
  private async loadKeyImages(): Promise<void> {
    let view;
    try {
      view = await this.backend.studyKeyImages(this.study.key);
    } catch (error) {
      this.addWarnings([`The key images could not be read. ${error instanceof BackendError ? error.message : ""}`.trim()]);
      return;
    }
    this.addWarnings(view.warnings);
    this.keyImages = new KeyImages(view);
    for (const set of view.sets) {
      const first = set.images[0];
      if (first && !this.firstKeyImage.has(set.seriesKey)) this.firstKeyImage.set(set.seriesKey, first);
      const entry = [...this.element.querySelectorAll<HTMLElement>("#series-list li.series-item")].find((li) => li.dataset["seriesKey"] === set.seriesKey);
      const list = renderKeyImageList({ sets: [set], warnings: [] }, this.study, (image) => void this.showKeyImage(image));
      if (entry && list) entry.append(list);
    }
    for (const slot of this.slots) {
      const series = slot.viewport.currentSeries;
      if (series && slot.study.key === this.study.key) slot.viewport.setKeyImages(this.keyImages.lookup(series.key));
    }
  }

  /** Shows a key image of the current study in the active viewport (the first, if a prior is in it). */
  private async showKeyImage(image: KeyImageView): Promise<void> {
    const series = this.study.series.find((s) => s.key === image.seriesKey && s.document === null);
    if (!series) return;
    this.closeDocument();
    const slotIndex = this.panes.has(this.active) ? 0 : this.active;
    const slot = this.slots[slotIndex];
    if (!slot) return;
    if (slot.study.key === this.study.key && slot.viewport.currentSeries?.key === series.key) await slot.viewport.show(image.index);
    else await this.showSeries(slotIndex, this.study, series, image.index);
    this.handlers.announce?.(`Key image: ${keyImageLabel(series, image)}.`);
  }

  /** Shows a report held in the study (PDF or structured report) in place of the images. */
  private async showDocument(study: StudyView, series: SeriesView): Promise<void> {
    this.closeDocument();
    try {
      const report = await this.backend.openStudyDocument(study.key, series.key);
      const panel = renderReport(report, () => this.closeDocument());
      panel.classList.add("study-document");
      this.grid.hidden = true;
      this.grid.after(panel);
    } catch (error) {
      const message = error instanceof BackendError ? error.message : "The report could not be shown.";
      this.grid.after(el("p", { class: "error study-document", role: "alert" }, message));
    }
  }

  private get documentOpen(): boolean {
    return this.element.querySelector(".study-document") !== null;
  }

  private closeDocument(): void {
    for (const open of this.element.querySelectorAll(".study-document")) open.remove();
    this.grid.hidden = false;
  }

  private renderHeader(): HTMLElement {
    const close = el("button", { id: "close-study", class: "secondary" }, "Close study");
    close.addEventListener("click", () => this.handlers.onClose());
    const header = el(
      "header",
      { class: "study-header" },
      el("h2", {}, `${this.study.description}${this.study.date ? ` · ${this.study.date}` : ""}`),
      close,
    );
    if (this.study.warnings.length > 0) {
      header.append(el("ul", { class: "study-warnings", role: "alert", id: "study-warnings" }, ...this.study.warnings.map((w) => el("li", {}, w))));
    }
    return header;
  }

  private renderToolbar(): HTMLElement {
    const bar = el("div", { class: "toolbar", role: "toolbar", "aria-label": "Image tools" });
    for (const [tool, label, key] of TOOLS) {
      const button = el("button", { "data-tool": tool, title: `${label} (${key})` }, label);
      button.addEventListener("click", () => this.setTool(tool));
      bar.append(button);
    }
    for (const layout of ["1x1", "1x2", "1x3", "2x2"] as const) {
      const button = el("button", { "data-layout": layout, title: `Layout ${layout}` }, layout.replace("x", "×"));
      button.addEventListener("click", () => this.applyLayout(layout));
      bar.append(button);
    }
    const presets = el("select", { id: "wl-presets", "aria-label": "Window presets (keys 1 to 9)" }, el("option", { value: "" }, "Window presets"));
    presets.addEventListener("change", () => {
      const choice = this.activeViewport.windowChoices()[Number(presets.value)];
      if (presets.value !== "" && choice) this.activeViewport.applyWindow(choice);
      presets.value = "";
    });
    presets.addEventListener("focus", () => this.fillPresets(presets));
    bar.append(presets);
    const actions: [string, string, () => void][] = [
      ["Fit", "f", () => this.activeViewport.fit()],
      ["Invert", "i", () => this.activeViewport.update({ invert: !this.activeViewport.state.invert })],
      ["Rotate", "r", () => this.activeViewport.rotate(1)],
      ["Rotate left", "Shift+R", () => this.activeViewport.rotate(-1)],
      ["Flip H", "h", () => this.activeViewport.update({ flipH: !this.activeViewport.state.flipH })],
      ["Flip V", "v", () => this.activeViewport.update({ flipV: !this.activeViewport.state.flipV })],
      ["Cine", "c", () => this.toggleCine()],
      ["Reset", "0", () => this.activeViewport.reset()],
    ];
    for (const [label, key, action] of actions) {
      const button = el("button", { "data-action": label.toLowerCase().replace(" ", "-"), title: `${label} (${key})` }, label);
      button.addEventListener("click", action);
      bar.append(button);
    }
    const references = el("button", { "data-action": "reference-lines", "aria-pressed": String(this.referencesShown), title: "Reference lines (g)" }, "Reference lines");
    references.addEventListener("click", () => this.toggleReferences());
    bar.append(references);
    const fps = el("input", { type: "number", min: "1", max: "60", value: String(this.fps), id: "cine-fps", "aria-label": "Cine frames per second" });
    fps.addEventListener("change", () => {
      this.fps = Math.min(60, Math.max(1, Number(fps.value) || 10));
      if (this.cine !== null) {
        this.toggleCine();
        this.toggleCine();
      }
    });
    bar.append(fps);
    for (const [id, label, title] of [
      ["sync-window", "Sync W/L", "Window/level follows the viewport worked in (same modality only)"],
      ["sync-zoom", "Sync zoom", "Zoom and pan follow the viewport worked in, at the same millimetres per screen pixel"],
    ] as const) {
      const button = el("button", { id, class: "sync-toggle", "aria-pressed": "false", title }, label);
      button.addEventListener("click", () => this.toggleSync(id === "sync-window" ? "window" : "zoom", button));
      bar.append(button);
    }
    if (this.priors.length > 0) bar.append(...this.renderPriorMenu());
    return bar;
  }

  /**
   * The prior menu, the suggested prior first and chosen (not opened), and a button that opens
   * the one chosen; choosing another opens it at once. A prior opens in the second viewport,
   * then the third; with both taken, in the active one if it shows a prior, else the second.
   */
  private renderPriorMenu(): HTMLElement[] {
    const prior = el("select", { id: "prior-select", "aria-label": "Open a prior side by side" }, el("option", { value: "" }, "Compare with prior…"));
    const suggested = this.priors.find((r) => r.id === this.suggestedPrior) ?? null;
    for (const record of priorsInMenuOrder(this.priors, suggested)) {
      const text = `${record.date ?? "undated"} ${record.modality ?? ""} ${record.description}${record === suggested ? " (suggested)" : ""}`;
      prior.append(el("option", { value: record.id, ...(record === suggested ? { "data-suggested": "true" } : {}) }, text));
    }
    if (suggested) prior.value = suggested.id;
    prior.addEventListener("change", () => void this.openPrior(prior.value));
    const open = el("button", { id: "prior-open", title: "Open the prior chosen beside the current study" }, "Open prior");
    open.addEventListener("click", () => void this.openPrior(prior.value));
    return [prior, open];
  }

  private toggleSync(which: "window" | "zoom", button: HTMLElement): void {
    const on = which === "window" ? (this.syncWindow = !this.syncWindow) : (this.syncZoom = !this.syncZoom);
    button.setAttribute("aria-pressed", String(on));
    // Turned on, the others take the active viewport's view at once.
    const { state } = this.activeViewport;
    if (on) this.passOn(this.active, which === "window" ? { windowCenter: state.windowCenter } : { zoom: state.zoom }, false);
  }

  /** Passes a change of the clinician's in one viewport on to the others, as the options say. */
  private passOn(source: number, change: Partial<ViewState>, interactive: boolean): void {
    const from = this.slots[source]?.viewport;
    const fromSeries = from?.currentSeries;
    if (!from || !fromSeries) return;
    const windowChanged = "windowCenter" in change || "windowWidth" in change || "voi" in change;
    const zoomChanged = "zoom" in change || "panX" in change || "panY" in change;
    const placed = this.syncZoom && zoomChanged ? from.placement() : null;
    const mm = placed ? mmPerScreenPixel(from.state, placed) : null;
    this.slots.forEach((slot, i) => {
      const series = slot.viewport.currentSeries;
      if (i === source || !series || i >= LAYOUT_COUNT[this.layout]) return;
      if (this.syncWindow && windowChanged) {
        const window = sharedWindow(fromSeries.modality, from.state, series.modality);
        if (window) slot.viewport.follow(window, interactive);
      }
      const target = mm === null ? null : slot.viewport.placement();
      const zoom = mm === null || !target ? null : zoomForScale(mm, slot.viewport.state.rotation, target);
      if (zoom !== null) slot.viewport.follow({ zoom, panX: from.state.panX, panY: from.state.panY }, interactive);
    });
  }

  /** The active viewport's presets, each with the number key that picks it. */
  private fillPresets(select: HTMLSelectElement): void {
    select.replaceChildren(el("option", { value: "" }, "Window presets"));
    this.activeViewport.windowChoices().forEach((choice, i) => select.append(el("option", { value: String(i) }, choiceLabel(choice))));
  }

  private renderSeriesList(study: StudyView, id: string): HTMLElement {
    const list = el("ol", { class: "series-list", id });
    study.series.forEach((series, index) => {
      const thumb = el("canvas", { class: "thumbnail", width: "96", height: "96", "data-series-key": series.key });
      const bar = el("progress", { max: String(series.instanceCount), value: "0", class: "series-progress" });
      this.progress.set(`${study.key}/${series.key}`, bar);
      const documentNames = { pdf: "Report (PDF)", sr: "Structured report", ko: "★ Key images" } as const;
      const label = series.document
        ? `${documentNames[series.document]} · ${series.description}`
        : `${series.modality} ${series.number ?? ""} · ${series.description} (${series.instanceCount})`;
      const item = el(
        "li",
        { class: "series-item", "data-series-key": series.key, "data-document": series.document ?? "" },
        el("button", { class: "series-button", "data-series-index": String(index) }, series.document ? el("span", { class: "document-icon", "aria-hidden": "true" }, series.document.toUpperCase()) : thumb, el("span", {}, label)),
        bar,
      );
      item.querySelector("button")?.addEventListener("click", () => {
        const keyImage = this.firstKeyImage.get(series.key);
        if (series.document === "ko") {
          if (keyImage) void this.showKeyImage(keyImage);
        } else if (series.document) void this.showDocument(study, series);
        else {
          this.closeDocument();
          void this.showSeries(this.active, study, series);
        }
      });
      list.append(item);
    });
    return list;
  }

  private async loadThumbnails(study: StudyView): Promise<void> {
    for (const series of study.series) {
      if (series.document) continue;
      try {
        const frame = await this.backend.frame(study.key, series.key, 0);
        const canvas = this.element.querySelector<HTMLCanvasElement>(`canvas.thumbnail[data-series-key="${CSS.escape(series.key)}"]`);
        if (canvas) drawThumbnail(canvas, frame);
      } catch {
        // The series' own progress bar reports the failure.
      }
    }
  }

  async showSeries(slotIndex: number, study: StudyView, series: SeriesView, index = 0): Promise<void> {
    const slot = this.slots[slotIndex];
    if (!slot) return;
    // A series of another study put in a prior's viewport replaces the prior, which closes.
    const pane = this.panes.get(slotIndex);
    if (pane && pane.study.key !== study.key) await this.closePane(slotIndex);
    slot.study = study;
    const cache = new FrameCache(this.backend, study.key, series.key, series.instanceCount);
    slot.viewport.onIndexChange = null;
    const loading = slot.viewport.load(series, cache, { index, study: { date: study.date, prior: study.key !== this.study.key } });
    // Key images are marked only in the current study (load has just forgotten any).
    if (study.key === this.study.key && this.keyImages) slot.viewport.setKeyImages(this.keyImages.lookup(series.key));
    // The series it showed is off the screen at once: its lines go from the other viewports.
    this.refreshReferences();
    await loading;
    slot.viewport.onIndexChange = (index) => {
      this.synchronise(slotIndex, index);
      this.refreshReferences();
    };
    this.panes.get(slotIndex)?.setSeries(series);
    this.refreshPanes();
    this.refreshReferences();
    // A series joining the screen follows the one being read, never the other way round.
    const leader = this.slots[this.active];
    if (slotIndex !== this.active && leader?.viewport.currentSeries) this.synchronise(this.active, leader.viewport.index);
  }

  /** The prior open with this study key. */
  private paneOf(studyKey: string): PriorPane | null {
    for (const pane of this.panes.values()) if (pane.study.key === studyKey) return pane;
    return null;
  }

  /** Says in each prior's bar how it scrolls with the current study, linked or not and why. */
  private refreshPanes(): void {
    const current = this.slots[0]?.viewport.currentSeries;
    for (const [slot, pane] of this.panes) {
      pane.setPlace(placeOf(this.layout, slot));
      const sync = this.paneSync(current ?? null, this.slots[slot]?.viewport.currentSeries ?? null, pane);
      // A link lasts only while the two series may be linked at all.
      if (sync.kind !== "linked") pane.offset = null;
      pane.setSync(sync);
    }
  }

  private paneSync(current: SeriesView | null, prior: SeriesView | null, pane: PriorPane): PaneSync {
    if (!current || !prior) return { kind: "none" };
    const refusal = syncRefusal(current, prior);
    if (refusal === null) return { kind: "frame" };
    if (refusal === "orientation") return { kind: "orientation" };
    const cannot = linkRefusal(current, prior);
    if (cannot) return { kind: "refused", refusal: cannot };
    return pane.offset === null ? { kind: "linkable" } : { kind: "linked", offset: pane.offset };
  }

  /** Links a prior's scrolling to the current study's, pairing the images on screen, or unlinks it. */
  private toggleLink(slot: number): void {
    const pane = this.panes.get(slot);
    const current = this.slots[0]?.viewport;
    const prior = this.slots[slot]?.viewport;
    if (!pane || !current?.currentSeries || !prior?.currentSeries) return;
    if (pane.offset !== null) {
      pane.offset = null;
      this.handlers.announce?.("The prior scrolls on its own.");
    } else {
      const refusal = linkRefusal(current.currentSeries, prior.currentSeries);
      const offset = captureOffset(current.currentSeries, current.index, prior.currentSeries, prior.index);
      if (offset === null) {
        this.handlers.announce?.(`Not linked: ${refusal ? LINK_REFUSALS[refusal] : "an image on screen has no slice position"}.`);
      } else {
        pane.offset = offset;
        this.handlers.announce?.("The prior scrolls with the current study by table position.");
      }
    }
    this.refreshPanes();
  }

  /** Closes the prior in viewport `slot`: its bar goes, its viewport is cleared, the backend forgets it. */
  private async closePane(slot: number): Promise<void> {
    const pane = this.panes.get(slot);
    if (!pane) return;
    this.panes.delete(slot);
    pane.element.remove();
    const viewport = this.slots[slot]?.viewport;
    if (viewport) {
      viewport.onIndexChange = null;
      viewport.clear();
    }
    try {
      await this.handlers.closePrior(pane.study.key);
    } catch (error) {
      // A prior the backend no longer holds is closed already; any other failure is said.
      if (!isAlreadyClosed(error)) this.addWarnings([`The prior could not be closed. ${error instanceof BackendError ? error.message : ""}`.trim()]);
    }
  }

  onProgress(progress: StudyProgressView): void {
    const pane = this.paneOf(progress.studyKey);
    if (progress.studyKey !== this.study.key && !pane) {
      if (this.early && this.early.size < EARLY_EVENTS) this.early.set(`${progress.studyKey}/${progress.done ? "" : progress.seriesKey}`, progress);
      return;
    }
    pane?.progress.update(progress);
    if (progress.done) return this.onRetrievalDone(progress);
    const bar = this.progress.get(`${progress.studyKey}/${progress.seriesKey}`);
    if (!bar) return;
    bar.setAttribute("value", String(progress.loaded));
    if (progress.error) bar.setAttribute("title", progress.error.message);
  }

  private onRetrievalDone(progress: StudyProgressView): void {
    const prior = progress.studyKey !== this.study.key;
    if (progress.identityNote) this.showIdentityNote(progress.identityNote, prior);
    // A prior's warnings go with the current study's, each saying it is the prior's.
    const messages = [...progress.warnings, ...(progress.error ? [progress.error.message] : [])].map((m) => (prior ? `Prior: ${m}` : m));
    for (const [key, bar] of this.progress) {
      if (!progress.error && key.startsWith(`${progress.studyKey}/`)) bar.setAttribute("value", bar.getAttribute("max") ?? "0");
    }
    this.addWarnings(messages);
  }

  /** Adds messages to the study's warnings, made when the first comes. */
  private addWarnings(messages: string[]): void {
    if (messages.length === 0) return;
    let list = this.element.querySelector("#study-warnings");
    if (!list) {
      list = el("ul", { class: "study-warnings", role: "alert", id: "study-warnings" });
      this.element.querySelector(".study-header")?.append(list);
    }
    for (const message of messages) list.append(el("li", {}, message));
  }

  /** Says, beside the study and not as a warning, which identifier matched the NHS number. */
  private showIdentityNote(note: string, prior: boolean): void {
    const id = prior ? "prior-identity-note" : "identity-note";
    const existing = this.element.querySelector(`#${id}`);
    const paragraph = existing ?? el("p", { class: "identity-note", role: "status", id });
    paragraph.textContent = prior ? `Prior: ${note}` : note;
    if (!existing) this.element.querySelector(".study-header")?.append(paragraph);
  }

  private setTool(tool: Tool): void {
    for (const slot of this.slots) slot.viewport.tool = tool;
    for (const button of this.element.querySelectorAll<HTMLButtonElement>("[data-tool]")) {
      button.setAttribute("aria-pressed", String(button.dataset["tool"] === tool));
    }
  }

  private applyLayout(layout: Layout): void {
    this.layout = layout;
    const count = LAYOUT_COUNT[layout];
    this.grid.className = `viewport-grid layout-${layout}`;
    this.grid.replaceChildren(...this.slots.slice(0, count).map((s, i) => {
      s.viewport.element.onfocus = () => this.setActive(i);
      return s.viewport.element;
    }));
    this.setActive(Math.min(this.active, count - 1));
    this.refreshPanes();
    this.refreshReferences();
  }

  /** Shows or hides the reference lines in every viewport. */
  private toggleReferences(): void {
    this.referencesShown = !this.referencesShown;
    this.element.querySelector("[data-action=reference-lines]")?.setAttribute("aria-pressed", String(this.referencesShown));
    this.refreshReferences();
  }

  /**
   * Gives each viewport on show the images of the others on show, to draw where they cross
   * its own; a viewport out of the layout neither draws nor gives any.
   */
  private refreshReferences(): void {
    const count = LAYOUT_COUNT[this.layout];
    const sources: ReferenceSource[] = [];
    this.slots.slice(0, count).forEach(({ viewport, study }) => {
      const series = viewport.currentSeries;
      const plane = viewport.plane;
      if (!series || !plane) return;
      sources.push({ viewport: viewport.name, label: `${study.key === this.study.key ? "Current" : "Prior"} · Series ${series.number ?? "?"}`, plane });
    });
    this.slots.forEach(({ viewport }, i) => {
      viewport.setReferences(this.referencesShown && i < count ? sources.filter((s) => s.viewport !== viewport.name) : []);
    });
  }

  /** The viewport the toolbar and keys act on, outlined and marked with aria-current. */
  private setActive(index: number): void {
    this.active = index;
    this.slots.forEach((slot, i) => {
      if (i === index) slot.viewport.element.setAttribute("aria-current", "true");
      else slot.viewport.element.removeAttribute("aria-current");
    });
  }

  /** The viewport a prior opens in: see `renderPriorMenu`. */
  private priorSlot(): number {
    if (this.panes.has(this.active) && PRIOR_SLOTS.includes(this.active)) return this.active;
    return PRIOR_SLOTS.find((slot) => !this.panes.has(slot)) ?? 1;
  }

  private async openPrior(recordId: string): Promise<void> {
    if (!recordId) return;
    const open = [...this.panes].find(([, pane]) => pane.study.recordId === recordId);
    if (open) {
      // Already open: its viewport becomes the active one.
      this.slots[open[0]]?.viewport.element.focus();
      return;
    }
    const slot = this.priorSlot();
    const early = this.early ?? new Map<string, StudyProgressView>();
    this.early = early;
    this.opening++;
    let prior: StudyView;
    try {
      await this.closePane(slot);
      prior = await this.handlers.openPrior(recordId);
    } catch (error) {
      this.addWarnings([`The prior could not be opened. ${error instanceof BackendError ? error.message : ""}`.trim()]);
      return;
    } finally {
      if (--this.opening === 0) this.early = null;
    }
    const pane = new PriorPane(prior, String(slot + 1), {
      onSeries: (series) => void this.showSeries(slot, prior, series),
      onLinkToggle: () => this.toggleLink(slot),
      onClose: () => void this.closePane(slot).then(() => this.refreshPanes()),
    });
    this.panes.set(slot, pane);
    this.priorBars.replaceChildren(...[...this.panes].sort(([a], [b]) => a - b).map(([, p]) => p.element));
    // Whatever the prior's retrieval said before its key came back is taken now, in order.
    for (const progress of early.values()) if (progress.studyKey === prior.key) this.onProgress(progress);
    if (LAYOUT_COUNT[this.layout] <= slot) this.applyLayout(slot === 1 ? "1x2" : "1x3");
    const series = prior.series.find((s) => s.document === null);
    if (series) await this.showSeries(slot, prior, series);
    this.refreshPanes();
  }

  /** Scrolls the other viewports to the nearest slice position when frames of reference match. */
  private synchronise(source: number, index: number): void {
    // A follower reaching the slice it was sent to is an echo, not the clinician scrolling.
    if (this.following.get(source) === index) {
      this.following.delete(source);
      return;
    }
    this.following.delete(source);
    const from = this.slots[source]?.viewport.currentSeries;
    if (!from) return;
    const fromOffset = this.offsetOf(source);
    this.slots.forEach((slot, i) => {
      const series = slot.viewport.currentSeries;
      if (i === source || !series) return;
      // Without a shared frame of reference, two viewports each linked to the current study
      // (or the current study itself) scroll together by table position.
      const offset = this.offsetOf(i);
      const registered = fromOffset !== null && offset !== null && syncRefusal(from, series) === "frameOfReference";
      const target = registered ? registeredIndex(from, fromOffset, index, series, offset) : followerIndex(from, index, series);
      if (target === null || target === slot.viewport.index) return;
      this.following.set(i, target);
      void slot.viewport.show(target);
    });
  }

  /** A viewport's offset from the current study's by table position: 0 for the current study's, null when not linked. */
  private offsetOf(slot: number): number | null {
    if (slot === 0) return 0;
    return this.panes.get(slot)?.offset ?? null;
  }

  private toggleCine(): void {
    if (this.cine !== null) {
      clearInterval(this.cine);
      this.cine = null;
      return;
    }
    const viewport = this.activeViewport;
    this.cine = window.setInterval(() => {
      const count = viewport.currentSeries?.instanceCount ?? 1;
      void viewport.show((viewport.index + 1) % Math.max(count, 1));
    }, 1000 / this.fps);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const viewport = this.activeViewport;
    const keyTool = TOOLS.find(([, , key]) => key === event.key);
    if (keyTool) return this.setTool(keyTool[0]);
    // Alt with 1, 2, 3 or 4 picks the layout (by the key's place, as Alt changes the character
    // on some keyboards); 1–9 alone pick the active viewport's window preset.
    const layouts: Record<string, Layout> = { Digit1: "1x1", Digit2: "1x2", Digit3: "1x3", Digit4: "2x2" };
    const layout = event.altKey ? layouts[event.code] : undefined;
    if (layout) {
      event.preventDefault();
      return this.applyLayout(layout);
    }
    if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (viewport.applyWindowKey(event.key)) event.preventDefault();
      return;
    }
    const actions: Record<string, () => void> = {
      ArrowDown: () => viewport.scroll(1),
      ArrowRight: () => viewport.scroll(1),
      ArrowUp: () => viewport.scroll(-1),
      ArrowLeft: () => viewport.scroll(-1),
      PageDown: () => viewport.scroll(10),
      PageUp: () => viewport.scroll(-10),
      Home: () => void viewport.show(0),
      End: () => void viewport.show(Number.MAX_SAFE_INTEGER),
      f: () => viewport.fit(),
      i: () => viewport.update({ invert: !viewport.state.invert }),
      r: () => viewport.rotate(1),
      R: () => viewport.rotate(-1),
      "0": () => viewport.reset(),
      h: () => viewport.update({ flipH: !viewport.state.flipH }),
      v: () => viewport.update({ flipV: !viewport.state.flipV }),
      c: () => this.toggleCine(),
      g: () => this.toggleReferences(),
      // Esc closes an open report first; only then the study.
      Escape: () => (this.documentOpen ? this.closeDocument() : this.handlers.onClose()),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  /** Stops cine, forgets every frame and clears every viewport. */
  destroy(): void {
    if (this.cine !== null) clearInterval(this.cine);
    this.cine = null;
    for (const slot of this.slots) slot.viewport.clear();
    this.element.remove();
  }
}
