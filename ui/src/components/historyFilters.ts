// The history's filter row: record type, modality, network, a date range and a text search,
// each a labelled native control (so keyboard and screen readers work as everywhere else),
// a "Clear filters" button, and a polite live count of what is shown. It reports every
// change; the list is redrawn by the caller.
import { type FilterChoices, type HistoryFilter, isFiltering } from "../domain/historyFilter";
import type { PointerKind } from "../ipc/backend";
import { el } from "./dom";
import { KIND_LABEL } from "./recordKind";

export interface FilterRow {
  element: HTMLElement;
  /** Shows how many records pass out of all. */
  setCount(shown: number, total: number): void;
}

function labelled(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return el("div", { class: "filter-field" }, el("label", { for: id }, label), control);
}

function select(options: [string, string][], value: string | null): HTMLSelectElement {
  const element = el("select", {}, el("option", { value: "" }, "All"));
  for (const [optionValue, text] of options) element.append(el("option", { value: optionValue }, text));
  element.value = value ?? "";
  return element;
}

export function renderFilterRow(choices: FilterChoices, initial: HistoryFilter, onChange: (filter: HistoryFilter) => void): FilterRow {
  const kind = select(choices.kinds.map((k) => [k, KIND_LABEL[k]]), initial.kind);
  const modality = select(choices.modalities.map((m) => [m, m]), initial.modality);
  const network = select(choices.networks.map((n) => [n, n]), initial.network);
  const from = el("input", { type: "date" });
  from.value = initial.from ?? "";
  const to = el("input", { type: "date" });
  to.value = initial.to ?? "";
  const text = el("input", { type: "search", autocomplete: "off", placeholder: "Description or provider" });
  text.value = initial.text;
  const clear = el("button", { type: "button", class: "secondary", id: "filter-clear" }, "Clear filters");
  const count = el("p", { class: "filter-count", id: "filter-count", role: "status", "aria-live": "polite" });
  const read = (): HistoryFilter => ({
    kind: (kind.value || null) as PointerKind | null,
    modality: modality.value || null,
    network: network.value || null,
    from: from.value || null,
    to: to.value || null,
    text: text.value,
  });
  const changed = (): void => {
    const filter = read();
    clear.disabled = !isFiltering(filter);
    onChange(filter);
  };
  for (const control of [kind, modality, network, from, to]) control.addEventListener("change", changed);
  text.addEventListener("input", changed);
  clear.addEventListener("click", () => {
    kind.value = modality.value = network.value = from.value = to.value = text.value = "";
    changed();
    kind.focus();
  });
  clear.disabled = !isFiltering(initial);
  const form = el(
    "form",
    { class: "history-filters", id: "history-filters", role: "search", "aria-label": "Filter the history" },
    labelled("filter-kind", "Record type", kind),
    labelled("filter-modality", "Modality", modality),
    labelled("filter-network", "Network", network),
    labelled("filter-from", "From", from),
    labelled("filter-to", "To", to),
    labelled("filter-text", "Search", text),
    clear,
    count,
  );
  // Enter in the search box must not submit (and reload) the page.
  form.addEventListener("submit", (event) => event.preventDefault());
  return {
    element: form,
    setCount(shown, total) {
      count.textContent = shown === total ? `Showing all ${total} records` : `Showing ${shown} of ${total} records`;
    },
  };
}
