// The retrieval progress of a prior opened side by side: one bar for the whole prior (its
// series picker has no room for a bar per series), with its date and how many images of
// how many have arrived, then that it is complete or why it stopped. The counts are the
// backend's per-series counts added up; a series not yet heard of counts its instances.
import type { StudyProgressView, StudyView } from "../ipc/backend";
import { el } from "./dom";

export class PriorProgress {
  readonly element: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly text: HTMLElement;
  /** Per series key: images arrived and expected, as last reported. */
  private readonly series = new Map<string, { loaded: number; total: number }>();
  private finished = false;

  constructor(private readonly prior: StudyView) {
    for (const s of prior.series) this.series.set(s.key, { loaded: 0, total: s.instanceCount });
    const name = `Prior ${prior.date ?? "(date not recorded)"}`;
    this.bar = el("progress", { class: "prior-progress-bar", max: "0", value: "0", "aria-label": `${name}: retrieval` });
    this.text = el("span", { class: "prior-progress-text" });
    this.element = el("div", { id: "prior-progress", class: "prior-progress", "data-study-key": prior.key }, el("span", {}, `${name}:`), this.bar, this.text);
    this.render();
  }

  get studyKey(): string {
    return this.prior.key;
  }

  /** Takes one progress event of this prior's retrieval. */
  update(progress: StudyProgressView): void {
    if (progress.studyKey !== this.prior.key || this.finished) return;
    if (progress.done) {
      this.finished = true;
      if (!progress.error) {
        for (const counts of this.series.values()) counts.loaded = counts.total;
      }
      this.render(progress.error?.message ?? null);
      return;
    }
    const known = this.series.get(progress.seriesKey);
    const total = progress.total > 0 ? progress.total : (known?.total ?? 0);
    this.series.set(progress.seriesKey, { loaded: Math.min(progress.loaded, total), total });
    this.render();
  }

  private render(error: string | null = null): void {
    let loaded = 0;
    let total = 0;
    for (const counts of this.series.values()) {
      loaded += counts.loaded;
      total += counts.total;
    }
    this.bar.max = Math.max(1, total);
    this.bar.value = loaded;
    this.element.dataset["state"] = error ? "failed" : this.finished ? "done" : "loading";
    this.text.textContent = error
      ? `retrieval stopped after ${loaded} of ${total} images: ${error}`
      : this.finished
        ? `all ${total} images retrieved`
        : `${loaded} of ${total} images retrieved`;
  }
}
