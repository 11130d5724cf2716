// The study view: series thumbnails, a viewport grid (1×1, 1×2, 1×3, 2×2), the toolbar (the
// tools, window presets and reports in one row, the layouts, view actions, cine and comparison
// options in its More tools panel, see ./moreTools; the prior menu by the study's name), per-
// series progress with cancel, warnings from verification, and up to two priors opened side
// by side (each with its own bar: series picker, link toggle, retrieval progress; see
// ./priorPane). Scrolling is synchronised by slice position when the frames of reference
// match, and by table position with a captured offset when the clinician links a prior
// that shares none (../viewport/registration), a pairing the clinician can move one prior
// image at a time (buttons in the prior's bar, Alt+↑ / Alt+↓); window/level and zoom follow the viewport
// being worked in when those options are on (../viewport/viewSync). Each viewport names the
// study, current or prior, and its date, and draws reference lines where the images of the
// other viewports on show cross its own (shown unless turned off with the toolbar's button
// or the g key). The suggested prior is first in the prior menu. Everything above the images
// keeps to a capped share of the height at any text size (see .study-chrome in the stylesheet),
// so text at 200 % (WCAG 2.2 1.4.4) still leaves the images most of the screen. The reports of the study
// open in a panel beside the viewports (the Report button or t; see ./reportBeside), which
// Esc inside it closes without closing the study.
// or the g key). The suggested prior is first in the prior menu. A study with a Key Object
// Selection series offers its key images in that series' entry of the series list, each
// a button jumping to its series and slice; a key image on screen is marked (./keyImages).
import { BackendError, isAlreadyClosed, type Backend, type HistoryRecordView, type KeyImageView, type PresentationStateView, type SeriesView, type StudyProgressView, type StudyView } from "../ipc/backend";
import { FrameCache } from "../loading/frameCache";
import { priorsInMenuOrder } from "../domain/priorChoice";
import { choiceLabel } from "../tools/windowPresets";
import { captureOffset, linkRefusal, LINK_REFUSALS, nudgedOffset, offsetLabel, registeredIndex } from "../viewport/registration";
import type { ViewState } from "../viewport/state";
import { followerIndex, syncRefusal } from "../viewport/sync";
import { mmPerScreenPixel, sharedWindow, zoomForScale } from "../viewport/viewSync";
import { el } from "./dom";
import { MoreTools } from "./moreTools";
import { KeyImages, keyImageLabel, renderKeyImageList } from "./keyImages";
import { PriorPane, type PaneSync } from "./priorPane";
import { ReportBeside } from "./reportBeside";
import { renderReport } from "./reportView";
import { renderStatus } from "./reportStatus";
import { drawThumbnail } from "./thumbnail";
import type { Tool } from "../tools/tool";
import type { ReferenceSource } from "./referenceLines";
import { Viewport } from "./viewport";

export type Layout = "1x1" | "1x2" | "1x3" | "2x2";

/** How many viewports each layout shows. */
const LAYOUT_COUNT: Record<Layout, number> = { "1x1": 1, "1x2": 2, "1x3": 3, "2x2": 4 };

/** The digit that, with Alt, picks each layout. */
export const LAYOUT_KEY: Record<Layout, string> = { "1x1": "1", "1x2": "2", "1x3": "3", "2x2": "4" };

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
  /** The study's reports in the panel beside the viewports, while it is open. */
  private beside: ReportBeside | null = null;
  private readonly body: HTMLElement;
  /** The toolbar's panel of less used controls. */
  private readonly more = new MoreTools("more-tools", "More tools");
  /** The presentation states (GSPS) of the study opened; a prior's are not offered. */
  private presentations: PresentationStateView[] = [];
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
    /** The reports of this study (diagnostic reports, MDT outcomes), newest first. */
    private readonly reports: HistoryRecordView[] = [],
  ) {
    this.grid = el("div", { class: "viewport-grid layout-1x1", id: "viewport-grid" });
    for (let i = 0; i < 4; i++) this.slots.push({ viewport: new Viewport(String(i + 1)), study });
    this.slots.forEach((slot, i) => {
      slot.viewport.onAnnounce = (text) => this.handlers.announce?.(text);
      slot.viewport.onViewChange = (change, interactive) => this.passOn(i, change, interactive);
    });
    this.priorBars = el("div", { class: "prior-bars", id: "prior-bars" });
    this.body = el("div", { class: "study-body" }, this.renderSeriesList(study, "series-list"), this.grid);
    this.element = el(
      "section",
      { class: "study-screen", id: "study-screen", "data-study-key": study.key },
      // Above the images, each with its share of the height capped (see .study-chrome).
      el("div", { class: "study-chrome" }, this.renderHeader(), this.renderToolbar()),
      this.priorBars,
      this.body,
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
    await Promise.all([this.loadPresentations(), keyImages]);
  }

  /**
   * Reads the study's presentation states, when it holds any, and gives them to the
   * viewports showing its series; states that could not be read are warnings.
   */
  private async loadPresentations(): Promise<void> {
    if (!this.study.series.some((s) => s.document === "pr")) return;
    try {
      const found = await this.backend.presentationStates(this.study.key);
      this.presentations = found.states;
      this.addWarnings(found.warnings);
    } catch (error) {
      this.addWarnings([`The study's presentation states could not be read. ${error instanceof BackendError ? error.message : ""}`.trim()]);
    }
    for (const slot of this.slots) if (slot.study.key === this.study.key) slot.viewport.setPresentationStates(this.presentations);
  }

  /**
   * Shows the first image a presentation state of series `series` (a PR series) applies to,
   * in the active viewport, and applies the state.
   */
  private async showPresentation(series: SeriesView): Promise<void> {
    const state = this.presentations.find((s) => s.key.startsWith(`${series.key}/`));
    const image = state?.images[0];
    const target = this.study.series.find((s) => s.key === image?.seriesKey);
    if (!state || !image || !target) {
      this.handlers.announce?.("This presentation state names no image of this study that can be shown.");
      return;
    }
    this.closeDocument();
    const viewport = this.activeViewport;
    if (viewport.currentSeries?.key !== target.key || this.slots[this.active]?.study.key !== this.study.key) await this.showSeries(this.active, this.study, target);
    await viewport.show(image.index);
    if (viewport.appliedPresentation !== state.key) viewport.togglePresentation(state.key);
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
    // One report at a time: the panel beside the images gives way to the one in their place.
    this.closeBeside(false);
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
    const header = el("header", { class: "study-header" }, el("h2", {}, `${this.study.description}${this.study.date ? ` · ${this.study.date}` : ""}`));
    // Comparing with a prior is about the study as a whole: its menu sits by the study's name.
    if (this.priors.length > 0) header.append(el("div", { class: "prior-menu" }, ...this.renderPriorMenu()));
    header.append(close);
    if (this.study.warnings.length > 0) {
      header.append(el("ul", { class: "study-warnings", role: "alert", id: "study-warnings" }, ...this.study.warnings.map((w) => el("li", {}, w))));
    }
    return header;
  }

  /**
   * The toolbar: the tools (each also a key), the window presets, "More tools" and the
   * reports in one row; the layouts, the view's actions, cine and the comparison options in
   * the More tools panel (./moreTools), which keeps the row short at any text size.
   */
  private renderToolbar(): HTMLElement {
    const bar = el("div", { class: "toolbar", role: "toolbar", "aria-label": "Image tools" });
    for (const [tool, label, key] of TOOLS) {
      const button = el("button", { "data-tool": tool, title: `${label} (${key})` }, label);
      button.addEventListener("click", () => this.setTool(tool));
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
    const more = this.more;
    // A choice made from the panel (not a toggle) closes it, the focus back on its button.
    const chosen = (): void => more.close(true);
    const layouts = (["1x1", "1x2", "1x3", "2x2"] as const).map((layout) => {
      const button = el("button", { "data-layout": layout, title: `Layout ${layout} (Alt+${LAYOUT_KEY[layout]})` }, layout.replace("x", "×"));
      button.addEventListener("click", () => {
        this.applyLayout(layout);
        chosen();
      });
      return button;
    });
    more.addGroup("Layout", ...layouts);
    const actions: [string, string, () => void][] = [
      ["Fit", "f", () => this.activeViewport.fit()],
      ["Invert", "i", () => this.activeViewport.update({ invert: !this.activeViewport.state.invert })],
      ["Rotate", "r", () => this.activeViewport.rotate(1)],
      ["Rotate left", "Shift+R", () => this.activeViewport.rotate(-1)],
      ["Flip H", "h", () => this.activeViewport.update({ flipH: !this.activeViewport.state.flipH })],
      ["Flip V", "v", () => this.activeViewport.update({ flipV: !this.activeViewport.state.flipV })],
      ["Reset", "0", () => this.activeViewport.reset()],
    ];
    const view = actions.map(([label, key, action]) => {
      const button = el("button", { "data-action": label.toLowerCase().replace(" ", "-"), title: `${label} (${key})` }, label);
      button.addEventListener("click", () => {
        action();
        chosen();
      });
      return button;
    });
    more.addGroup("View", ...view);
    const cine = el("button", { "data-action": "cine", title: "Cine (c)" }, "Cine");
    cine.addEventListener("click", () => this.toggleCine());
    const fps = el("input", { type: "number", min: "1", max: "60", value: String(this.fps), id: "cine-fps", "aria-label": "Cine frames per second" });
    fps.addEventListener("change", () => {
      this.fps = Math.min(60, Math.max(1, Number(fps.value) || 10));
      if (this.cine !== null) {
        this.toggleCine();
        this.toggleCine();
      }
    });
    more.addGroup("Cine", cine, fps);
    const references = el("button", { "data-action": "reference-lines", "aria-pressed": String(this.referencesShown), title: "Reference lines (g)" }, "Reference lines");
    references.addEventListener("click", () => this.toggleReferences());
    const syncs = ([
      ["sync-window", "Sync W/L", "Window/level follows the viewport worked in (same modality only)"],
      ["sync-zoom", "Sync zoom", "Zoom and pan follow the viewport worked in, at the same millimetres per screen pixel"],
    ] as const).map(([id, label, title]) => {
      const button = el("button", { id, class: "sync-toggle", "aria-pressed": "false", title }, label);
      button.addEventListener("click", () => this.toggleSync(id === "sync-window" ? "window" : "zoom", button));
      return button;
    });
    more.addGroup("Compare", references, ...syncs);
    bar.append(more.button, more.panel);
    if (this.reports.length > 0) bar.append(this.renderReportControl());
    return bar;
  }

  /** The button that opens the study's reports beside the viewports, its status shown when the newest has one. */
  private renderReportControl(): HTMLElement {
    const count = this.reports.length;
    const newest = this.reports[0];
    const label = count > 1 ? `Reports (${count})` : "Report";
    const button = el(
      "button",
      { "data-action": "report-beside", id: "report-beside-toggle", "aria-expanded": "false", "aria-controls": "report-beside", title: `Open the study's ${count > 1 ? "reports" : "report"} beside the images (t)` },
      label,
    );
    if (newest?.status) {
      button.dataset["status"] = newest.status;
      const status = renderStatus(newest.status);
      if (status && newest.status !== "final") button.append(" ", status);
    }
    button.addEventListener("click", () => this.toggleBeside());
    return button;
  }

  private get besideControl(): HTMLElement | null {
    return this.element.querySelector<HTMLElement>("[data-action=report-beside]");
  }

  /** Opens the study's reports beside the viewports, or closes them. */
  private toggleBeside(): void {
    if (this.beside) this.closeBeside(true);
    else this.openBeside();
  }

  /**
   * Opens the panel beside the viewports, which narrow to make room (each redraws its image
   * at its new size; nothing is fetched again), and moves the focus into it.
   */
  private openBeside(): void {
    if (this.beside || this.reports.length === 0) return;
    this.closeDocument();
    const beside = new ReportBeside(this.reports, {
      open: (recordId) => this.backend.openReport(recordId),
      onClose: () => this.closeBeside(true),
    });
    this.beside = beside;
    this.body.append(beside.element);
    this.besideControl?.setAttribute("aria-expanded", "true");
    beside.element.focus();
    void beside.show();
  }

  /** Closes the panel; the focus goes back to its button when `returnFocus`. */
  private closeBeside(returnFocus: boolean): void {
    const beside = this.beside;
    if (!beside) return;
    this.beside = null;
    beside.dispose();
    const control = this.besideControl;
    control?.setAttribute("aria-expanded", "false");
    if (returnFocus) control?.focus();
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
      const documentNames = { pdf: "Report (PDF)", sr: "Structured report", pr: "Presentation state", ko: "★ Key images" } as const;
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
        if (series.document === "pr") {
          if (study.key === this.study.key) void this.showPresentation(series);
        } else if (series.document === "ko") {
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
    slot.viewport.setPresentationStates(study.key === this.study.key ? this.presentations : []);
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

  /**
   * Moves a linked prior's pairing by one of its images (−1 the one before, +1 the one after):
   * its offset changes by its slice spacing and it shows the image now paired with the
   * current study's, which stays where it is.
   */
  private nudge(slot: number, step: 1 | -1): void {
    const pane = this.panes.get(slot);
    const current = this.slots[0]?.viewport;
    const prior = this.slots[slot]?.viewport;
    if (!pane || pane.offset === null || !current?.currentSeries || !prior?.currentSeries) return;
    const offset = nudgedOffset(pane.offset, prior.currentSeries, step);
    if (offset === null) {
      this.handlers.announce?.("Not moved: the prior's images have no slice spacing.");
      return;
    }
    pane.offset = offset;
    this.refreshPanes();
    const target = registeredIndex(current.currentSeries, 0, current.index, prior.currentSeries, offset);
    if (target !== null && target !== prior.index) {
      // Its move is an echo: the current study must not follow it back.
      this.following.set(slot, target);
      void prior.show(target);
    }
    this.handlers.announce?.(`The prior moved one image ${step < 0 ? "up" : "down"}: ${offsetLabel(offset)}.`);
  }

  /** The prior that Alt+↑ and Alt+↓ move: the active viewport's when it is linked, else the first linked. */
  private nudgeSlot(): number | null {
    const active = this.panes.get(this.active);
    if (active && active.offset !== null) return this.active;
    const linked = [...this.panes].filter(([, pane]) => pane.offset !== null).map(([slot]) => slot);
    return linked.length > 0 ? Math.min(...linked) : null;
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

  /** The key of the study it shows (not its priors'). */
  get studyKey(): string {
    return this.study.key;
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
      onNudge: (step) => this.nudge(slot, step),
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
    // Keys in the report panel are the panel's (it handles Esc itself), never the images'.
    if (event.target instanceof Node && this.beside?.element.contains(event.target)) return;
    const viewport = this.activeViewport;
    const keyTool = TOOLS.find(([, , key]) => key === event.key);
    if (keyTool) return this.setTool(keyTool[0]);
    // Alt with 1, 2, 3 or 4 picks the layout (by the key's place, as Alt changes the character
    // on some keyboards); 1–9 alone pick the active viewport's window preset.
    const layout = event.altKey ? (Object.keys(LAYOUT_KEY) as Layout[]).find((l) => event.code === `Digit${LAYOUT_KEY[l]}`) : undefined;
    if (layout) {
      event.preventDefault();
      return this.applyLayout(layout);
    }
    // Alt with ↑ or ↓ moves a linked prior's pairing (the arrows alone scroll).
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const slot = this.nudgeSlot();
      if (slot === null) this.handlers.announce?.("No prior is linked by table position.");
      else this.nudge(slot, event.key === "ArrowUp" ? -1 : 1);
      return;
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
      t: () => this.toggleBeside(),
      "+": () => viewport.zoomStep(1),
      "=": () => viewport.zoomStep(1),
      "-": () => viewport.zoomStep(-1),
      // Esc closes the More tools panel or an open report first (beside the images or in
      // their place); only then the study.
      Escape: () => {
        if (this.more.isOpen) this.more.close(false);
        else if (this.beside) this.closeBeside(true);
        else if (this.documentOpen) this.closeDocument();
        else this.handlers.onClose();
      },
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
    this.more.dispose();
    this.closeBeside(false);
    for (const slot of this.slots) slot.viewport.clear();
    this.element.remove();
  }
}
