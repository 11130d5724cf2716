// The application controller: which screen is showing, and the wipe of what the UI holds
// whenever a study, report or patient is closed. State lives here, owned, never global.
import {
  BackendError,
  isOvertaken,
  type Backend,
  type HistoryRecordView,
  type HistoryView,
  type IdentityView,
  type LaunchView,
  type UserView,
} from "./ipc/backend";
import { renderAuditPanel } from "./components/auditPanel";
import { renderBanner } from "./components/banner";
import { renderConfigurationRefused } from "./components/configurationRefused";
import { renderDiagnostics } from "./components/diagnostics";
import { el } from "./components/dom";
import { renderHeader } from "./components/header";
import { renderHelpOverlay } from "./components/helpOverlay";
import { type LaunchPeriod, renderHistory } from "./components/history";
import { renderLookup } from "./components/lookup";
import { renderReport } from "./components/reportView";
import { StudyScreen } from "./components/studyView";
import { launchStep } from "./domain/launchStep";
import { renderLaunchConfirm } from "./components/launchConfirm";

function messageOf(error: unknown): string {
  return error instanceof BackendError ? error.message : "Something went wrong inside the viewer. Try again.";
}

export class App {
  private training = false;
  private history: HistoryView | null = null;
  /** The dates the look-up on screen was narrowed to, by a launch. */
  private period: LaunchPeriod | null = null;
  private study: StudyScreen | null = null;
  private readonly main = el("div", { class: "app-main", id: "app-main" });
  private readonly status = el("p", { class: "status", id: "status", role: "status", "aria-live": "polite" });
  private mismatch: string | null = null;
  private checkingIdentity = false;
  /** Answers "no" to an open launch question (lock, sign-out, a newer launch). */
  private cancelSwitch: (() => void) | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly backend: Backend,
  ) {}

  async start(): Promise<void> {
    const info = await this.backend.appInfo();
    this.training = info.training;
    if (info.configurationProblems.length > 0) {
      this.root.replaceChildren(renderHeader(false), renderConfigurationRefused(info.configurationProblems));
      return;
    }
    this.root.replaceChildren(renderHeader(info.training), this.status, this.main);
    await this.backend.onStudyProgress((progress) => this.study?.onProgress(progress));
    document.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLInputElement) return;
      if (event.key === "?") this.toggleHelp();
      if (event.key === "A" && this.training) void this.toggleAuditPanel();
      if (event.key === "D") void this.toggleDiagnostics();
    });
    for (const kind of ["dragstart", "copy", "cut"]) {
      document.addEventListener(kind, (event) => event.preventDefault());
    }
    await this.backend.onLaunchPending(() => void this.handleLaunch());
    for (const kind of ["pointerdown", "keydown", "wheel"]) {
      document.addEventListener(kind, () => this.noteActivity(), { passive: true });
    }
    window.setInterval(() => void this.watchSession(), 2000);
    await this.resumeSession();
  }

  /**
   * Where a page starts: the sign-in screen, or — when the page was restarted after a
   * patient closed, a lock or a sign-out — wherever the session stands now.
   */
  private async resumeSession(): Promise<void> {
    const state = await this.backend.sessionState().catch(() => null);
    if (state?.state === "signedIn" && state.user) {
      this.showSignedIn(state.user);
      await this.handleLaunch();
    } else if (state?.state === "locked") {
      this.showSignIn(state.reason ?? "Your session ended. Sign in again to continue.");
    } else {
      this.showSignIn(null);
    }
  }

  /**
   * Forgets what the page shows and asks for the page to start afresh in a new web content
   * process (the old one, with everything it held, ends). Should that fail, `otherwise`
   * carries on in this page.
   */
  private async restartPage(otherwise: () => void, thenOpen?: LaunchView): Promise<void> {
    await this.forgetEverything();
    try {
      await this.backend.restartPage(thenOpen);
    } catch {
      otherwise();
    }
  }

  private lastTouch = 0;

  private noteActivity(): void {
    const now = Date.now();
    if (this.user && now - this.lastTouch > 10000) {
      this.lastTouch = now;
      void this.backend.touch().catch(() => undefined);
    }
  }

  private user: UserView | null = null;

  private showSignIn(reason: string | null): void {
    const button = el("button", { id: "sign-in", type: "button" }, "Sign in with your smartcard");
    const screen = el(
      "main",
      { class: "screen sign-in-screen", id: reason ? "locked" : "sign-in-screen" },
      el("h2", {}, reason ? "The viewer is locked" : "Sign in"),
      el(
        "p",
        {},
        reason ??
          (this.training
            ? "Training mode: your browser opens the training sign-in page, where you choose a synthetic user."
            : "Your browser opens NHS Care Identity Service 2. Use your smartcard."),
      ),
      button,
    );
    button.addEventListener("click", () => void this.signIn(button));
    this.userLabel.textContent = "";
    this.main.replaceChildren(screen);
  }

  private readonly userLabel = el("span", { class: "user-label", id: "user-label" });

  private async signIn(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.setStatus("Waiting for sign-in in your browser…");
    try {
      const user = await this.backend.signIn();
      this.setStatus("");
      this.showSignedIn(user);
      await this.handleLaunch();
    } catch (error) {
      button.disabled = false;
      this.setStatus(messageOf(error));
    }
  }

  private showSignedIn(user: UserView): void {
    this.user = user;
    this.userLabel.textContent = `${user.name ?? "Signed in"} · ${user.role}`;
    document.querySelector(".app-header")?.append(this.userLabel, this.signOutButton());
    this.showLookup();
  }

  private signOutButton(): HTMLElement {
    const existing = document.getElementById("sign-out");
    if (existing) return existing;
    const button = el("button", { id: "sign-out", class: "secondary" }, "Sign out");
    button.addEventListener("click", () => {
      void this.forgetEverything()
        .then(() => this.backend.signOut().catch(() => undefined))
        .then(() => this.restartPage(() => this.showSignIn(null)));
    });
    return button;
  }

  /** Polls the sign-in state; a lock (idle, card removed) wipes the screen at once. */
  private async watchSession(): Promise<void> {
    if (!this.user) return;
    const state = await this.backend.sessionState().catch(() => null);
    if (state && state.state !== "signedIn") {
      this.user = null;
      await this.forgetEverything();
      document.getElementById("sign-out")?.remove();
      const reason = state.reason ?? "Your session ended. Sign in again to continue.";
      await this.restartPage(() => this.showSignIn(reason));
    }
  }

  private async forgetEverything(): Promise<void> {
    this.cancelSwitch?.();
    this.study?.destroy();
    this.study = null;
    this.history = null;
    this.mismatch = null;
    this.checkingIdentity = false;
    document.getElementById("help-overlay")?.remove();
    document.getElementById("audit-panel")?.remove();
    document.getElementById("diagnostics")?.remove();
    this.main.replaceChildren();
  }

  /** Opens the patient a launch link names, or says why the link was refused. */
  private async handleLaunch(): Promise<void> {
    if (!this.user) return;
    try {
      const launch = await this.backend.takeLaunch();
      if (!launch) return;
      const current = this.history?.patient.nhsNumber.replace(/\s/g, "");
      const step = launchStep(current, launch);
      if (step === "stay") return;
      const open = (): Promise<void> => this.lookup(launch.nhsNumber, launch.from ?? undefined, launch.to ?? undefined);
      if (step === "open") return await open();
      if (!(await this.confirmLaunch(launch.nhsNumber, step === "confirmSwitch"))) return;
      if (step === "confirmOpen") return await open();
      // The previous patient is wiped, then the page restarts and opens the new one.
      await this.closePatient();
      await this.restartPage(() => void open(), launch);
    } catch (error) {
      this.showLookup();
      this.main.append(el("p", { class: "error", role: "alert", id: "launch-error" }, messageOf(error)));
    }
  }

  /**
   * Asks before a launch opens a patient: always for an unsigned link, and whenever it would
   * replace the patient on screen (answering yes then closes and wipes the current patient
   * before the new one is looked up).
   */
  private confirmLaunch(nhsNumber: string, switching: boolean): Promise<boolean> {
    this.cancelSwitch?.();
    return new Promise((resolve) => {
      const answer = (yes: boolean): void => {
        this.cancelSwitch = null;
        dialog.remove();
        resolve(yes);
      };
      const dialog = renderLaunchConfirm(nhsNumber, switching, answer);
      this.cancelSwitch = () => answer(false);
      this.root.append(dialog);
      dialog.querySelector<HTMLButtonElement>("#launch-confirm-open")?.focus();
    });
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  private showLookup(): void {
    this.main.replaceChildren(renderLookup({ onSearch: (nhs) => void this.lookup(nhs) }));
  }

  private async lookup(nhsNumber: string, from?: string, to?: string): Promise<void> {
    await this.closePatient();
    this.period = from || to ? { from: from ?? null, to: to ?? null } : null;
    this.setStatus("Asking NIR and the imaging networks…");
    try {
      this.history = await this.backend.lookup({ nhsNumber, ...(from ? { from } : {}), ...(to ? { to } : {}) });
      this.setStatus("");
      this.checkingIdentity = true;
      this.showHistory();
      void this.confirmIdentity(this.history);
    } catch (error) {
      if (isOvertaken(error)) return;
      this.setStatus("");
      this.showLookup();
      this.main.append(el("p", { class: "error", role: "alert", id: "lookup-error" }, messageOf(error)));
    }
  }

  private banner(history: HistoryView): HTMLElement {
    return renderBanner(history.patient, { training: this.training, mismatch: this.mismatch, checking: this.checkingIdentity });
  }

  /** Reads who the images show; the banner fills in (or warns) when the answer arrives. */
  private async confirmIdentity(history: HistoryView): Promise<void> {
    try {
      const identity = await this.backend.confirmIdentity();
      if (this.history === history) this.applyIdentity(history, identity);
    } catch {
      if (this.history === history) {
        this.checkingIdentity = false;
        this.mismatch = "Identity check: the images' demographics could not be read. Confirm the patient another way before relying on these images.";
        this.refreshBanner(history);
      }
    }
  }

  private applyIdentity(history: HistoryView, identity: IdentityView): void {
    history.patient = identity.patient;
    this.mismatch = identity.mismatch;
    this.checkingIdentity = false;
    this.refreshBanner(history);
  }

  private refreshBanner(history: HistoryView): void {
    document.getElementById("patient-banner")?.replaceWith(this.banner(history));
  }

  private showHistory(): void {
    const history = this.history;
    if (!history) return this.showLookup();
    const newPatient = el("button", { class: "secondary", id: "new-patient" }, "Another patient");
    newPatient.addEventListener("click", () => {
      void this.closePatient().then(() => this.restartPage(() => this.showLookup()));
    });
    this.main.replaceChildren(
      this.banner(history),
      el("div", { class: "history-actions" }, newPatient),
      renderHistory(
        history,
        {
          onOpenStudy: (record) => void this.openStudy(record),
          onOpenReport: (record) => void this.openReport(record.id),
          onShowAll: () => void this.lookup(history.patient.nhsNumber.replace(/\s/g, "")),
        },
        this.period,
      ),
    );
  }

  private priorsOf(record: HistoryRecordView): HistoryRecordView[] {
    return (this.history?.records ?? []).filter((r) => r.kind === "imagingStudy" && r.id !== record.id && r.openable);
  }

  private async openStudy(record: HistoryRecordView): Promise<void> {
    const history = this.history;
    if (!history) return;
    this.setStatus("Opening the study…");
    try {
      const study = await this.backend.openStudy(record.id);
      if (study.identity) this.applyIdentity(history, study.identity);
      else this.mismatch = study.demographicsMismatch;
      const screen = new StudyScreen(this.backend, study, this.priorsOf(record), {
        onClose: () => void this.closeStudy(),
        onOpenReport: (id) => void this.openReport(id),
        openPrior: (id) => this.backend.openStudy(id),
        closePrior: (key) => this.backend.closeStudy(key),
      });
      this.study = screen;
      this.main.replaceChildren(this.banner(history), screen.element);
      this.setStatus("");
      await screen.start();
    } catch (error) {
      if (!isOvertaken(error)) this.setStatus(messageOf(error));
    }
  }

  private async closeStudy(): Promise<void> {
    const screen = this.study;
    this.study = null;
    if (screen) {
      const key = screen.element.dataset["studyKey"] ?? "";
      screen.destroy();
      await this.backend.closeStudy(key).catch(() => undefined);
    }
    this.showHistory();
  }

  private async openReport(recordId: string): Promise<void> {
    const history = this.history;
    if (!history) return;
    try {
      const report = await this.backend.openReport(recordId);
      const view = renderReport(report, () => this.showHistory());
      this.main.replaceChildren(this.banner(history), view);
    } catch (error) {
      if (!isOvertaken(error)) this.setStatus(messageOf(error));
    }
  }

  private async closePatient(): Promise<void> {
    this.study?.destroy();
    this.study = null;
    this.history = null;
    this.mismatch = null;
    this.checkingIdentity = false;
    await this.backend.closePatient().catch(() => undefined);
  }

  private toggleHelp(): void {
    const existing = document.getElementById("help-overlay");
    if (existing) return existing.remove();
    const overlay = renderHelpOverlay(() => overlay.remove());
    this.root.append(overlay);
  }

  /** Training mode: shows the session's AuditEvents (fetched afresh), or hides them. */
  private async toggleAuditPanel(): Promise<void> {
    const existing = document.getElementById("audit-panel");
    if (existing) return existing.remove();
    try {
      const events = await this.backend.auditEvents();
      document.getElementById("audit-panel")?.remove();
      const panel = renderAuditPanel(events, () => panel.remove());
      this.root.append(panel);
    } catch (error: unknown) {
      this.setStatus(messageOf(error));
    }
  }

  /** The diagnostics page: this run's metrics, fetched afresh, or hides it. */
  private async toggleDiagnostics(): Promise<void> {
    const existing = document.getElementById("diagnostics");
    if (existing) return existing.remove();
    try {
      const view = await this.backend.diagnostics();
      document.getElementById("diagnostics")?.remove();
      const page = renderDiagnostics(view, () => page.remove());
      this.root.append(page);
    } catch (error: unknown) {
      this.setStatus(messageOf(error));
    }
  }
}
