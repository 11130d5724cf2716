// The patient on screen: their history (with the banner's identity check) and the period a
// launch narrowed it to. `reset()` forgets all of it, as every close of a patient must.
import type { HistoryRecordView, HistoryView, IdentityView } from "../ipc/backend";
import type { LaunchPeriod } from "../components/history";
import { reportsOfStudy } from "../components/reportBeside";

export class PatientState {
  history: HistoryView | null = null;
  /** The dates the look-up on screen was narrowed to, by a launch. */
  period: LaunchPeriod | null = null;
  /** What the images say against the registry's demographics, when they disagree. */
  mismatch: string | null = null;
  /** True while the identity check runs (the banner says so). */
  checkingIdentity = false;

  /** Holds a new history: its identity is being checked, nothing of the last one stays. */
  show(history: HistoryView, period: LaunchPeriod | null): void {
    this.reset();
    this.history = history;
    this.period = period;
    this.checkingIdentity = true;
  }

  /** The NHS number on screen as ten digits, if a patient is open. */
  get nhsNumber(): string | undefined {
    return this.history?.patient.nhsNumber.replace(/\s/g, "");
  }

  /** What the images say about who they show: fills in the banner, or its warning. */
  applyIdentity(identity: IdentityView): void {
    if (this.history) this.history.patient = identity.patient;
    this.mismatch = identity.mismatch;
    this.checkingIdentity = false;
  }

  /** The identity check failed: the banner warns rather than vouching for the images. */
  identityUnreadable(): void {
    this.checkingIdentity = false;
    this.mismatch =
      "Identity check: the images' demographics could not be read. Confirm the patient another way before relying on these images.";
  }

  /** The studies that may open beside `record` as priors. */
  priorsOf(record: HistoryRecordView): HistoryRecordView[] {
    return (this.history?.records ?? []).filter((r) => r.kind === "imagingStudy" && r.id !== record.id && r.openable);
  }

  /** The reports of `record` (a study) that open beside its images, newest first. */
  reportsOf(record: HistoryRecordView): HistoryRecordView[] {
    return reportsOfStudy(this.history?.records ?? [], record.id);
  }

  reset(): void {
    this.history = null;
    this.period = null;
    this.mismatch = null;
    this.checkingIdentity = false;
  }
}
