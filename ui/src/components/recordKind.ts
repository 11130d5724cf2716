// How each kind of history record is named and marked on screen, shared by the history's
// rows and its filter row.
import type { PointerKind } from "../ipc/backend";

export const KIND_LABEL: Record<PointerKind, string> = {
  imagingStudy: "Imaging study",
  diagnosticReport: "Report",
  mdtOutcome: "MDT outcome",
  carePlan: "Care plan",
};

export const KIND_ICON: Record<PointerKind, string> = {
  imagingStudy: "▣",
  diagnosticReport: "≣",
  mdtOutcome: "◎",
  carePlan: "✚",
};
