// The list of the measurements on the image on screen, for the keyboard and for screen
// readers: each is a button that selects it (aria-pressed says which is selected) and a
// button that deletes it. The list is hidden while the image has no measurements.
import { el } from "../components/dom";

export interface ListedMeasurement {
  id: number;
  /** What the measurement is and says, e.g. "Length 50.0 mm". */
  text: string;
  selected: boolean;
}

export interface ListHandlers {
  onSelect(id: number): void;
  onDelete(id: number): void;
}

/** Replaces the list's items with `items`. */
export function renderList(list: HTMLElement, items: ListedMeasurement[], handlers: ListHandlers): void {
  list.hidden = items.length === 0;
  list.replaceChildren(
    ...items.map((item) => {
      const select = el("button", { type: "button", class: "measure-item", "aria-pressed": String(item.selected), "data-id": String(item.id) }, item.text);
      select.addEventListener("click", () => handlers.onSelect(item.id));
      const remove = el("button", { type: "button", class: "measure-delete", "aria-label": `Delete ${item.text}`, title: "Delete (Delete key)" }, "×");
      remove.addEventListener("click", () => handlers.onDelete(item.id));
      return el("li", {}, select, remove);
    }),
  );
}
