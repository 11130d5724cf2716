// One prior open beside the current study: a bar above the viewports naming the prior and
// where it is, saying how it scrolls with the current study, with the prior's own series
// picker, a toggle that links its scrolling to the current study's by table position (when
// they share no frame of reference), while linked two buttons that move the pairing one image
// of the prior up or down, a button that closes it, and its retrieval progress.
// The ids of the prior in the second viewport are the plain ones (`prior-label`,
// `prior-progress`); a prior elsewhere adds the viewport's name (`prior-label-3`).
import type { SeriesView, StudyView } from "../ipc/backend";
import { LINK_REFUSALS, offsetLabel, type LinkRefusal } from "../viewport/registration";
import { el } from "./dom";
import { PriorProgress } from "./priorProgress";

/** How a prior's viewport scrolls with the current study's. */
export type PaneSync =
  | { kind: "frame" }
  | { kind: "orientation" }
  | { kind: "linked"; offset: number }
  | { kind: "linkable" }
  | { kind: "refused"; refusal: LinkRefusal }
  | { kind: "none" };

export interface PriorPaneHandlers {
  onSeries(series: SeriesView): void;
  onLinkToggle(): void;
  /** Moves the pairing while linked: the prior's image before (−1) or after (+1). */
  onNudge(step: 1 | -1): void;
  onClose(): void;
}

export class PriorPane {
  readonly element: HTMLElement;
  readonly progress: PriorProgress;
  private readonly label: HTMLElement;
  private readonly seriesSelect: HTMLSelectElement;
  private readonly link: HTMLButtonElement;
  private readonly linkState: HTMLElement;
  private readonly nudges: HTMLButtonElement[];
  private place = "";
  private sync: PaneSync = { kind: "none" };
  /** The offset (mm) from the current study's viewport by table position, while linked. */
  offset: number | null = null;

  /** `viewport` is the name of the viewport it is shown in ("2", "3"…). */
  constructor(
    readonly study: StudyView,
    readonly viewport: string,
    handlers: PriorPaneHandlers,
  ) {
    const suffix = viewport === "2" ? "" : `-${viewport}`;
    const images = study.series.filter((s) => s.document === null);
    this.label = el("p", { id: `prior-label${suffix}`, class: "prior-label", "data-synchronised": "false" });
    this.seriesSelect = el("select", { id: `prior-series-${viewport}`, class: "prior-series", "aria-label": `Series of the prior in viewport ${viewport}` });
    images.forEach((series) => this.seriesSelect.append(el("option", { value: series.key }, `${series.modality} ${series.number ?? ""} · ${series.description} (${series.instanceCount})`)));
    this.seriesSelect.addEventListener("change", () => {
      const series = images.find((s) => s.key === this.seriesSelect.value);
      if (series) handlers.onSeries(series);
    });
    this.link = el("button", { id: `prior-link-${viewport}`, class: "prior-link", "aria-pressed": "false", title: "Scroll the prior with the current study by table position, keeping the images on screen paired" }, "Link scrolling");
    this.link.addEventListener("click", () => handlers.onLinkToggle());
    this.linkState = el("span", { class: "prior-link-state", id: `prior-link-state-${viewport}`, "aria-live": "polite" });
    this.nudges = (
      [
        ["up", -1, "Prior up", "Pair the prior's image before the one it pairs now with the current image (Alt+↑)"],
        ["down", 1, "Prior down", "Pair the prior's image after the one it pairs now with the current image (Alt+↓)"],
      ] as const
    ).map(([way, step, label, title]) => {
      const button = el("button", { id: `prior-nudge-${way}-${viewport}`, class: "prior-nudge secondary", "data-action": `prior-nudge-${way}`, title, "aria-label": title }, label);
      button.addEventListener("click", () => handlers.onNudge(step));
      return button;
    });
    const close = el("button", { id: `prior-close-${viewport}`, class: "prior-close secondary", title: "Close this prior" }, "Close prior");
    close.addEventListener("click", () => handlers.onClose());
    this.progress = new PriorProgress(study);
    this.progress.element.id = `prior-progress${suffix}`;
    this.element = el(
      "div",
      { class: "prior-bar", "data-prior-viewport": viewport, "data-study-key": study.key },
      this.label,
      el("span", { class: "prior-controls" }, this.seriesSelect, this.link, this.linkState, ...this.nudges, close),
      this.progress.element,
    );
    this.render();
  }

  /** Where its viewport is on screen ("Right", "Middle"…). */
  setPlace(place: string): void {
    this.place = place;
    this.render();
  }

  /** Shows the series on screen in the picker. */
  setSeries(series: SeriesView): void {
    this.seriesSelect.value = series.key;
  }

  setSync(sync: PaneSync): void {
    this.sync = sync;
    this.render();
  }

  private render(): void {
    const { study, sync } = this;
    const name = `${this.place}: prior ${study.description}${study.date ? ` (${study.date})` : ""}`;
    const together = sync.kind === "frame" || sync.kind === "linked";
    this.label.dataset["synchronised"] = String(together);
    this.label.dataset["link"] = sync.kind;
    setText(this.label, `${name} · ${HOW[sync.kind]}`);
    this.link.setAttribute("aria-pressed", String(sync.kind === "linked"));
    this.link.disabled = sync.kind !== "linked" && sync.kind !== "linkable";
    for (const nudge of this.nudges) nudge.hidden = sync.kind !== "linked";
    // A live region: written only when its text changes, so nothing is said twice.
    setText(this.linkState, linkStateText(sync));
  }
}

const HOW: Record<PaneSync["kind"], string> = {
  frame: "scrolls with the current study (same frame of reference and orientation)",
  orientation: "scrolls on its own (different orientation)",
  linked: "scrolls with the current study by table position",
  linkable: "scrolls on its own (different frame of reference)",
  refused: "scrolls on its own (different frame of reference)",
  none: "scrolls on its own",
};

function linkStateText(sync: PaneSync): string {
  switch (sync.kind) {
    case "linked":
      return offsetLabel(sync.offset);
    case "linkable":
      return "not linked";
    case "refused":
      return `cannot link: ${LINK_REFUSALS[sync.refusal]}`;
    case "frame":
      return "linked by frame of reference";
    case "orientation":
      return `cannot link: ${LINK_REFUSALS.orientation}`;
    default:
      return "";
  }
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
