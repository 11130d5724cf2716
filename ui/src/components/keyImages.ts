// Key images: what a study's Key Object Selection documents flag (DICOM PS3.3 A.35.4,
// read by the backend's `study_key_images`). `KeyImages` answers whether an image of the
// study is a key image and under which title, for the viewport's marker; `renderKeyImageList`
// makes what the series panel's "Key images" entry (the KO series' item) lists: each set's
// title and description and one button per image, each jumping to its series and slice.
import type { KeyImageView, KeyImagesView, SeriesView, StudyView } from "../ipc/backend";
import { el } from "./dom";

/** The titles of the key images of one study, by series and image index. */
export class KeyImages {
  private readonly titles = new Map<string, Map<number, string[]>>();

  constructor(view: KeyImagesView) {
    for (const set of view.sets) {
      for (const image of set.images) {
        const series = this.titles.get(image.seriesKey) ?? new Map<number, string[]>();
        const titles = series.get(image.index) ?? [];
        if (!titles.includes(set.title)) titles.push(set.title);
        series.set(image.index, titles);
        this.titles.set(image.seriesKey, series);
      }
    }
  }

  /** The titles image `index` of series `seriesKey` is flagged under (empty when none). */
  titlesOf(seriesKey: string, index: number): string[] {
    return this.titles.get(seriesKey)?.get(index) ?? [];
  }

  /** The marker text for an image of `seriesKey`, or null for an image not flagged. */
  lookup(seriesKey: string): (index: number) => string | null {
    return (index) => {
      const titles = this.titlesOf(seriesKey, index);
      return titles.length === 0 ? null : `★ Key image — ${titles.join(", ")}`;
    };
  }
}

/** How a key image is named in the list: its series and its place in it, counted from 1. */
export function keyImageLabel(series: SeriesView | undefined, image: KeyImageView): string {
  const name = series ? `${series.modality} ${series.number ?? ""} · ${series.description}`.replace(/\s+/g, " ") : "Unknown series";
  return `${name} — image ${image.index + 1}`;
}

/**
 * The series panel's "Key images" entry: each set's title and description, then a button
 * per image that calls `jump`. Null when the study has no key image to offer.
 */
export function renderKeyImageList(view: KeyImagesView, study: StudyView, jump: (image: KeyImageView) => void): HTMLElement | null {
  const sets = view.sets.filter((set) => set.images.length > 0);
  if (sets.length === 0) return null;
  const section = el("section", { class: "key-images", "aria-label": "Key images" });
  for (const set of sets) {
    const list = el("ul", { class: "key-image-list" });
    for (const image of set.images) {
      const series = study.series.find((s) => s.key === image.seriesKey);
      const button = el(
        "button",
        { type: "button", class: "key-image-button", "data-action": "key-image", "data-series-key": image.seriesKey, "data-index": String(image.index), title: `Show this ${set.title} key image` },
        keyImageLabel(series, image),
      );
      button.addEventListener("click", () => jump(image));
      list.append(el("li", {}, button));
    }
    section.append(el("p", { class: "key-image-title" }, `★ ${set.title}`));
    if (set.description) section.append(el("p", { class: "key-image-description" }, set.description));
    section.append(list);
  }
  return section;
}
