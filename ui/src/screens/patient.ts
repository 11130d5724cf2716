// The screens of one patient: the look-up, their history under the banner (filled in when
// the identity check answers), a study and a report. Every look-up and every "Another
// patient" closes the patient before anything else: should that close fail, the page says
// so and goes no further, since what the viewer holds of them may not have been wiped.
// While a study opens, its first image is shown as a preview if the backend has it before
// the study's metadata; the study, or the history on failure, takes its place.
import { renderBanner } from "../components/banner";
import { el } from "../components/dom";
import { renderHistory } from "../components/history";
import { renderLookup } from "../components/lookup";
import { renderReport } from "../components/reportView";
import { renderStudyPreview } from "../components/studyPreview";
import { StudyScreen } from "../components/studyView";
import { suggestedPrior } from "../domain/priorChoice";
import { isAlreadyClosed, type HistoryRecordView, type HistoryView } from "../ipc/backend";
import type { PatientState } from "../state/patient";
import type { StudyState } from "../state/study";
import type { Shell } from "./shell";

export const PATIENT_NOT_CLOSED = "The patient could not be closed in the viewer. Close the viewer before you see another patient.";
export const STUDY_NOT_CLOSED = "The study could not be closed in the viewer. Close the patient before you go on.";

export class PatientScreens {
  constructor(
    private readonly shell: Shell,
    private readonly training: () => boolean,
    private readonly patient: PatientState,
    private readonly study: StudyState,
    /** Starts the page afresh; `otherwise` carries on in this page should that fail. */
    private readonly restartPage: (otherwise: () => void) => Promise<void>,
  ) {}

  showLookup(): void {
    this.shell.main.replaceChildren(renderLookup({ onSearch: (nhs) => void this.lookup(nhs) }));
  }

  /** Closes the patient on screen, then looks up `nhsNumber` over the dates given. */
  async lookup(nhsNumber: string, from?: string, to?: string): Promise<void> {
    if (!(await this.closePatient())) return;
    const period = from || to ? { from: from ?? null, to: to ?? null } : null;
    this.shell.setStatus("Asking NIR and the imaging networks…");
    try {
      const history = await this.shell.backend.lookup({ nhsNumber, ...(from ? { from } : {}), ...(to ? { to } : {}) });
      this.shell.setStatus("");
      this.patient.show(history, period);
      this.showHistory();
      void this.confirmIdentity(history);
    } catch (error) {
      this.shell.failed(error, (message) => {
        this.shell.setStatus("");
        this.showLookup();
        this.shell.main.append(el("p", { class: "error", role: "alert", id: "lookup-error" }, message));
      });
    }
  }

  /**
   * Wipes the patient: the study and history held here, then the backend's. False, with the
   * look-up on screen and the failure in the status line, when the backend's close failed.
   */
  async closePatient(): Promise<boolean> {
    this.study.reset();
    this.patient.reset();
    try {
      await this.shell.backend.closePatient();
      return true;
    } catch (error) {
      if (isAlreadyClosed(error)) return true;
      this.showLookup();
      this.shell.setStatus(PATIENT_NOT_CLOSED);
      return false;
    }
  }

  private banner(history: HistoryView): HTMLElement {
    const { mismatch, checkingIdentity: checking } = this.patient;
    return renderBanner(history.patient, { training: this.training(), mismatch, checking });
  }

  private refreshBanner(history: HistoryView): void {
    document.getElementById("patient-banner")?.replaceWith(this.banner(history));
  }

  /** Reads who the images show; the banner fills in (or warns) when the answer arrives. */
  private async confirmIdentity(history: HistoryView): Promise<void> {
    try {
      const identity = await this.shell.backend.confirmIdentity();
      if (this.patient.history !== history) return;
      this.patient.applyIdentity(identity);
    } catch {
      if (this.patient.history !== history) return;
      this.patient.identityUnreadable();
    }
    this.refreshBanner(history);
  }

  showHistory(): void {
    const history = this.patient.history;
    if (!history) return this.showLookup();
    const newPatient = el("button", { class: "secondary", id: "new-patient" }, "Another patient");
    newPatient.addEventListener("click", () => {
      void this.closePatient().then((closed) => (closed ? this.restartPage(() => this.showLookup()) : undefined));
    });
    this.shell.main.replaceChildren(
      this.banner(history),
      el("div", { class: "history-actions" }, newPatient),
      renderHistory(
        history,
        {
          onOpenStudy: (record) => void this.openStudy(record),
          onOpenReport: (record) => void this.openReport(record.id),
          onShowAll: () => void this.lookup(history.patient.nhsNumber.replace(/\s/g, "")),
        },
        this.patient.period,
      ),
    );
  }

  async openStudy(record: HistoryRecordView): Promise<void> {
    const history = this.patient.history;
    if (!history) return;
    const { backend } = this.shell;
    this.shell.setStatus("Opening the study…");
    const preview = this.previewWhileOpening(record.id, history);
    let study;
    try {
      study = await backend.openStudy(record.id).finally(preview.stop);
    } catch (error) {
      // The preview of a study that did not open goes, and the history comes back.
      if (preview.onScreen()) this.showHistory();
      this.shell.failed(error, (message) => this.shell.setStatus(message));
      return;
    }
    try {
      // A study answered for a patient no longer on screen is not shown.
      if (this.patient.history !== history) return;
      if (study.identity) this.patient.applyIdentity(study.identity);
      else this.patient.mismatch = study.demographicsMismatch;
      const priors = this.patient.priorsOf(record);
      const screen = new StudyScreen(backend, study, priors, {
        onClose: () => void this.closeStudy(),
        onOpenReport: (id) => void this.openReport(id),
        openPrior: (id) => backend.openStudy(id),
        closePrior: (key) => backend.closeStudy(key),
        announce: (text) => this.shell.setStatus(text),
      }, suggestedPrior(record, priors)?.id ?? null, this.patient.reportsOf(record));
      this.study.hold(screen);
      this.shell.main.replaceChildren(this.banner(history), screen.element);
      this.shell.setStatus("");
      await screen.start();
    } catch (error) {
      this.shell.failed(error, (message) => this.shell.setStatus(message));
    }
  }

  /**
   * Shows the first image of the study `recordId` while it opens, if the backend has one
   * before the study's metadata: in place of `history`'s list, and only while that list is
   * what is on screen (not once another study or screen has taken its place), until `stop`.
   * The banner and "Another patient" stay.
   */
  private previewWhileOpening(recordId: string, history: HistoryView): { stop: () => void; onScreen: () => boolean } {
    let open = true;
    let shown: HTMLElement | null = null;
    // Not awaited: the study is asked for at once, and the listener is in place long before
    // a preview can be ready (the backend has to receive and check an image first).
    const listening = this.shell.backend.onStudyPreview((ready) => {
      if (ready !== recordId || !open) return;
      this.shell.backend.preview(recordId).then(
        (frame) => {
          const list = this.shell.main.querySelector("#history");
          if (!open || this.patient.history !== history || !list) return;
          shown = renderStudyPreview(frame);
          list.replaceWith(shown);
        },
        // No preview after all: the study comes as it would have.
        () => undefined,
      );
    });
    return {
      stop: () => {
        open = false;
        listening.then(
          (unlisten) => unlisten(),
          () => undefined,
        );
      },
      onScreen: () => shown?.isConnected ?? false,
    };
  }

  /** Destroys the study on screen and closes it in the backend, then shows the history. */
  async closeStudy(): Promise<void> {
    const screen = this.study.take();
    if (screen) {
      const key = screen.element.dataset["studyKey"] ?? "";
      screen.destroy();
      try {
        await this.shell.backend.closeStudy(key);
      } catch (error) {
        if (!isAlreadyClosed(error)) this.shell.setStatus(STUDY_NOT_CLOSED);
      }
    }
    this.showHistory();
  }

  async openReport(recordId: string): Promise<void> {
    const history = this.patient.history;
    if (!history) return;
    try {
      const report = await this.shell.backend.openReport(recordId);
      const view = renderReport(report, () => this.showHistory());
      this.shell.main.replaceChildren(this.banner(history), view);
    } catch (error) {
      this.shell.failed(error, (message) => this.shell.setStatus(message));
    }
  }
}
