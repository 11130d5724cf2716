// The application controller: which screen is showing, and the wipe of what the UI holds
// whenever a study, report or patient is closed. What the page holds lives in ./state (one
// holder per concern, each with a reset); the screens and the session watch in ./screens.
import { isOvertaken, isSessionEnded, messageOf, type Backend, type LaunchView, type UserView } from "./ipc/backend";
import { renderConfigurationRefused } from "./components/configurationRefused";
import { el } from "./components/dom";
import { renderHeader } from "./components/header";
import { launchStep } from "./domain/launchStep";
import { LaunchQuestion } from "./screens/launch";
import { installOverlayKeys, removeOverlays } from "./screens/overlays";
import { PatientScreens } from "./screens/patient";
import { SESSION_ENDED, SessionWatch } from "./screens/sessionWatch";
import type { Shell } from "./screens/shell";
import { renderSignIn } from "./screens/signIn";
import { PatientState } from "./state/patient";
import { SessionState } from "./state/session";
import { StudyState } from "./state/study";

export class App implements Shell {
  readonly main = el("div", { class: "app-main", id: "app-main" });
  private readonly status = el("p", { class: "status", id: "status", role: "status", "aria-live": "polite" });
  private readonly userLabel = el("span", { class: "user-label", id: "user-label" });
  private readonly session = new SessionState();
  private readonly patient = new PatientState();
  private readonly study = new StudyState();
  private readonly watch: SessionWatch;
  private readonly question: LaunchQuestion;
  private readonly screens: PatientScreens;

  constructor(
    readonly root: HTMLElement,
    readonly backend: Backend,
  ) {
    this.watch = new SessionWatch(backend, this.session, (reason) => this.sessionEnded(reason));
    this.question = new LaunchQuestion(root);
    this.screens = new PatientScreens(this, () => this.session.training, this.patient, this.study, (otherwise) => this.restartPage(otherwise));
  }

  async start(): Promise<void> {
    const info = await this.backend.appInfo();
    this.session.training = info.training;
    if (info.configurationProblems.length > 0) {
      this.root.replaceChildren(renderHeader(false), renderConfigurationRefused(info.configurationProblems));
      return;
    }
    this.root.replaceChildren(renderHeader(info.training), this.status, this.main);
    await this.backend.onStudyProgress((progress) => this.study.onProgress(progress));
    installOverlayKeys(this, info.training);
    for (const kind of ["dragstart", "copy", "cut"]) {
      document.addEventListener(kind, (event) => event.preventDefault());
    }
    await this.backend.onLaunchPending(() => void this.handleLaunch());
    await this.watch.start();
    await this.resumeSession();
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  /**
   * A failed action. An answer the page has moved past is not an error; any other is shown,
   * and one that says the session ended has the session looked at now, so a lock follows
   * at once rather than at the next look.
   */
  failed(error: unknown, show: (message: string) => void): void {
    if (isOvertaken(error)) return;
    show(messageOf(error));
    if (isSessionEnded(error)) void this.watch.check();
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
      this.showSignIn(state.reason ?? SESSION_ENDED);
    } else {
      this.showSignIn(null);
    }
  }

  /** Forgets everything the page shows: each state holder's reset, questions and overlays. */
  private wipe(): void {
    this.question.cancel();
    this.study.reset();
    this.patient.reset();
    removeOverlays();
    this.main.replaceChildren();
  }

  /**
   * Forgets what the page shows and asks for the page to start afresh in a new web content
   * process (the old one, with everything it held, ends). Should that fail, `otherwise`
   * carries on in this page.
   */
  private async restartPage(otherwise: () => void, thenOpen?: LaunchView): Promise<void> {
    this.wipe();
    try {
      await this.backend.restartPage(thenOpen);
    } catch {
      otherwise();
    }
  }

  private showSignIn(reason: string | null): void {
    this.userLabel.textContent = "";
    this.main.replaceChildren(renderSignIn(reason, this.session.training, (button) => void this.signIn(button)));
  }

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
    this.session.user = user;
    this.userLabel.textContent = `${user.name ?? "Signed in"} · ${user.role}`;
    document.querySelector(".app-header")?.append(this.userLabel, this.signOutButton());
    this.screens.showLookup();
  }

  private signOutButton(): HTMLElement {
    const existing = document.getElementById("sign-out");
    if (existing) return existing;
    const button = el("button", { id: "sign-out", class: "secondary" }, "Sign out");
    button.addEventListener("click", () => void this.signOut());
    return button;
  }

  private async signOut(): Promise<void> {
    this.wipe();
    this.session.reset();
    // The backend wipes everything it holds before it answers; a failure can only be the
    // identity provider's, and the clinician is signed out here whatever it says.
    await this.backend.signOut().catch(() => undefined);
    await this.restartPage(() => this.showSignIn(null));
  }

  /** The session locked or ended: everything is wiped and the lock screen says why. */
  private async sessionEnded(reason: string): Promise<void> {
    this.wipe();
    document.getElementById("sign-out")?.remove();
    await this.restartPage(() => this.showSignIn(reason));
  }

  /** Opens the patient a launch link names, or says why the link was refused. */
  private async handleLaunch(): Promise<void> {
    if (!this.session.user) return;
    try {
      const launch = await this.backend.takeLaunch();
      if (!launch) return;
      const step = launchStep(this.patient.nhsNumber, launch);
      if (step === "stay") return;
      const open = (): Promise<void> => this.screens.lookup(launch.nhsNumber, launch.from ?? undefined, launch.to ?? undefined);
      if (step === "open") return await open();
      if (!(await this.question.ask(launch.nhsNumber, step === "confirmSwitch"))) return;
      if (step === "confirmOpen") return await open();
      // The previous patient is wiped, then the page restarts and opens the new one.
      if (!(await this.screens.closePatient())) return;
      await this.restartPage(() => void open(), launch);
    } catch (error) {
      this.failed(error, (message) => {
        this.screens.showLookup();
        this.main.append(el("p", { class: "error", role: "alert", id: "launch-error" }, message));
      });
    }
  }
}
