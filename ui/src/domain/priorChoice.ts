// Which prior to suggest beside a study: the most recent earlier imaging study of the same
// modality and body part, or failing that of the same modality. The history gives no Body
// Part Examined (DICOM PS3.3 C.7.3.1, (0018,0015)), so the body part is read from the
// description's words ("CT Chest Abdomen Pelvis" is chest, abdomen and pelvis); two studies
// are of the same body part when they share one. Pure functions.
import type { HistoryRecordView } from "../ipc/backend";

/** Words in descriptions and the body part each names. */
const BODY_PART_WORDS: Record<string, string> = {
  head: "head",
  brain: "head",
  skull: "head",
  neck: "neck",
  chest: "chest",
  thorax: "chest",
  thoracic: "chest",
  lung: "chest",
  lungs: "chest",
  cardiac: "heart",
  heart: "heart",
  abdomen: "abdomen",
  abdominal: "abdomen",
  abdo: "abdomen",
  liver: "abdomen",
  pelvis: "pelvis",
  pelvic: "pelvis",
  spine: "spine",
  cervical: "spine",
  lumbar: "spine",
  hip: "hip",
  knee: "knee",
  shoulder: "shoulder",
  ankle: "ankle",
  wrist: "wrist",
  hand: "hand",
  foot: "foot",
  breast: "breast",
};

/** Modality names that mean the same thing. */
const MODALITY_ALIASES: Record<string, string> = { MRI: "MR", CR: "XR", DX: "XR", DR: "XR" };

/** The body parts a description names, as a set of canonical names. */
export function bodyPartsOf(description: string): Set<string> {
  const parts = new Set<string>();
  for (const word of description.toLowerCase().split(/[^a-z]+/)) {
    const part = BODY_PART_WORDS[word];
    if (part) parts.add(part);
  }
  return parts;
}

function modalityOf(record: HistoryRecordView): string | null {
  const modality = record.modality?.trim().toUpperCase();
  if (!modality) return null;
  return MODALITY_ALIASES[modality] ?? modality;
}

function sharesBodyPart(a: Set<string>, b: Set<string>): boolean {
  for (const part of a) if (b.has(part)) return true;
  return false;
}

/**
 * The prior to suggest for `current` among `priors`: dated, earlier than the current study
 * (any date when the current one has none), of the same modality; the most recent of those
 * sharing a body part, else the most recent of them. Null when none is of the same modality.
 */
export function suggestedPrior(current: HistoryRecordView, priors: readonly HistoryRecordView[]): HistoryRecordView | null {
  const modality = modalityOf(current);
  if (!modality) return null;
  const candidates = priors
    .filter((r) => r.id !== current.id && r.date !== null && (current.date === null || r.date < current.date) && modalityOf(r) === modality)
    // ISO dates (YYYY-MM-DD) sort as strings; the most recent first.
    .sort((a, b) => (b.date ?? "").localeCompare(a.date ?? ""));
  const parts = bodyPartsOf(current.description);
  return candidates.find((r) => sharesBodyPart(parts, bodyPartsOf(r.description))) ?? candidates[0] ?? null;
}

/** The priors in the order the menu lists them: the suggestion first, then the rest as given. */
export function priorsInMenuOrder(priors: readonly HistoryRecordView[], suggested: HistoryRecordView | null): HistoryRecordView[] {
  if (!suggested) return [...priors];
  return [suggested, ...priors.filter((r) => r.id !== suggested.id)];
}
