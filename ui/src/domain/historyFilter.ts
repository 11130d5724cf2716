// Filtering the imaging history on screen: by record type, modality, network and date range,
// and a free-text search over description and provider. Pure functions over the records the
// look-up returned; nothing is asked of the networks again. Records without a date are kept
// under a date range, since nothing says they fall outside it.
import type { HistoryRecordView, PointerKind } from "../ipc/backend";

export interface HistoryFilter {
  /** One record type, or null for all. */
  kind: PointerKind | null;
  /** One modality (as the record gives it), or null for all. */
  modality: string | null;
  /** One network (by name), or null for all. */
  network: string | null;
  /** First day, YYYY-MM-DD inclusive, or null. */
  from: string | null;
  /** Last day, YYYY-MM-DD inclusive, or null. */
  to: string | null;
  /** Words that must all appear in the description or provider (any case). */
  text: string;
}

export const NO_FILTER: Readonly<HistoryFilter> = Object.freeze({ kind: null, modality: null, network: null, from: null, to: null, text: "" });

/** The choices the control row offers: only values some record has, sorted. */
export interface FilterChoices {
  kinds: PointerKind[];
  modalities: string[];
  networks: string[];
}

const KIND_ORDER: PointerKind[] = ["imagingStudy", "diagnosticReport", "mdtOutcome", "carePlan"];

export function choicesOf(records: HistoryRecordView[]): FilterChoices {
  const distinct = (values: (string | null)[]): string[] =>
    [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
  const kinds = new Set(records.map((r) => r.kind));
  return {
    kinds: KIND_ORDER.filter((k) => kinds.has(k)),
    modalities: distinct(records.map((r) => r.modality)),
    networks: distinct(records.map((r) => r.network)),
  };
}

/** Whether the filter hides anything at all. */
export function isFiltering(filter: HistoryFilter): boolean {
  return (
    filter.kind !== null ||
    filter.modality !== null ||
    filter.network !== null ||
    filter.from !== null ||
    filter.to !== null ||
    words(filter.text).length > 0
  );
}

function words(text: string): string[] {
  return text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether one record passes the filter. */
export function matches(record: HistoryRecordView, filter: HistoryFilter): boolean {
  if (filter.kind !== null && record.kind !== filter.kind) return false;
  if (filter.modality !== null && record.modality !== filter.modality) return false;
  if (filter.network !== null && record.network !== filter.network) return false;
  // ISO dates (YYYY-MM-DD) compare as strings.
  if (record.date !== null) {
    if (filter.from !== null && record.date < filter.from) return false;
    if (filter.to !== null && record.date > filter.to) return false;
  }
  const wanted = words(filter.text);
  if (wanted.length === 0) return true;
  const haystack = [record.description, record.providerName, record.providerOds, record.careSetting ?? ""].join(" ").toLocaleLowerCase();
  return wanted.every((word) => haystack.includes(word));
}

/** The records that pass the filter, in their original order. */
export function filterRecords(records: HistoryRecordView[], filter: HistoryFilter): HistoryRecordView[] {
  return records.filter((record) => matches(record, filter));
}
