// An in-memory backend for tests: the same interface as the Tauri one, answering from the
// histories, studies, reports and frames a test gives it, holding one patient at a time as
// the real one does, and failing any command a test tells it to. Only tests import it; the
// page is built from main.ts, which never does.
import {
  BackendError,
  type AppInfo,
  type AuditEventResource,
  type Backend,
  type DiagnosticsView,
  type FramePixels,
  type HistoryView,
  type IdentityView,
  type LaunchView,
  type LookupRequest,
  type ReportView,
  type SessionStateView,
  type StudyProgress,
  type StudyView,
  type UserView,
} from "./backend";

type Command = Exclude<keyof Backend, "onLaunchPending" | "onStudyProgress" | "onSessionChanged">;

export class FakeBackend implements Backend {
  info: AppInfo = { training: false, version: "0.0.0-test", configurationProblems: [] };
  user: UserView = { name: "Dr Test", role: "Clinician", ods: "X1" };
  session: SessionStateView = { state: "signedOut", reason: null, user: null };
  /** Histories by NHS number (ten digits). */
  readonly histories = new Map<string, HistoryView>();
  /** Studies by the record id that opens them. */
  readonly studies = new Map<string, StudyView>();
  readonly reports = new Map<string, ReportView>();
  /** Frames by `studyKey/seriesKey`. */
  readonly frames = new Map<string, FramePixels[]>();
  identity: IdentityView | null = null;
  /** Launches waiting to be taken, oldest first. */
  readonly launches: LaunchView[] = [];
  auditLog: AuditEventResource[] = [];
  /** The patient held (NHS number) and the studies open, as the backend would hold them. */
  patient: string | null = null;
  readonly openStudies = new Set<string>();
  /** Every command called, in order, with its first argument when it has one. */
  readonly calls: [Command, unknown][] = [];
  /** What each restart of the page was asked to open. */
  readonly restarts: (LaunchView | undefined)[] = [];
  private readonly failures = new Map<Command, BackendError>();
  private readonly launchListeners = new Set<() => void>();
  private readonly progressListeners = new Set<(progress: StudyProgress) => void>();
  private readonly sessionListeners = new Set<() => void>();

  /** Makes `command` fail with `code` (and `message`) until `succeed` is called. */
  fail(command: Command, code: string, message = `${command} failed`): void {
    this.failures.set(command, new BackendError(code, message));
  }

  succeed(command: Command): void {
    this.failures.delete(command);
  }

  /** Signs the session in as `user` without the sign-in screen. */
  signedIn(): this {
    this.session = { state: "signedIn", reason: null, user: this.user };
    return this;
  }

  /** Tells the page a launch is waiting, as the backend's event does. */
  emitLaunch(launch: LaunchView): void {
    this.launches.push(launch);
    for (const listener of this.launchListeners) listener();
  }

  /** The backend's session locked or ended: `session` says how; listeners are told. */
  emitSessionChanged(session: SessionStateView): void {
    this.session = session;
    for (const listener of this.sessionListeners) listener();
  }

  emitProgress(progress: StudyProgress): void {
    for (const listener of this.progressListeners) listener(progress);
  }

  called(command: Command): unknown[] {
    return this.calls.filter(([name]) => name === command).map(([, argument]) => argument);
  }

  private async answer<T>(command: Command, argument: unknown, value: () => T): Promise<T> {
    this.calls.push([command, argument]);
    await Promise.resolve();
    const failure = this.failures.get(command);
    if (failure) throw failure;
    return value();
  }

  private found<T>(value: T | undefined, code: string): T {
    if (value === undefined) throw new BackendError(code, "Not found.");
    return value;
  }

  appInfo = (): Promise<AppInfo> => this.answer("appInfo", undefined, () => this.info);
  validateNhsNumber = (input: string): Promise<string> => this.answer("validateNhsNumber", input, () => input.replace(/\s/g, ""));

  lookup = (request: LookupRequest): Promise<HistoryView> =>
    this.answer("lookup", request, () => {
      if (this.session.state !== "signedIn") throw new BackendError("not-signed-in", "Sign in before looking a patient up.");
      this.closeAll();
      const history = this.found(this.histories.get(request.nhsNumber), "no-patient");
      this.patient = request.nhsNumber;
      return structuredClone(history);
    });

  openStudy = (recordId: string): Promise<StudyView> =>
    this.answer("openStudy", recordId, () => {
      if (!this.patient) throw new BackendError("no-patient", "No patient is open.");
      const study = this.found(this.studies.get(recordId), "unknown-record");
      this.openStudies.add(study.key);
      return study;
    });

  frame = (studyKey: string, seriesKey: string, index: number): Promise<FramePixels> =>
    this.answer("frame", `${studyKey}/${seriesKey}/${index}`, () => this.found(this.frames.get(`${studyKey}/${seriesKey}`)?.[index], "frame-unavailable"));

  closeStudy = (studyKey: string): Promise<void> =>
    this.answer("closeStudy", studyKey, () => {
      if (!this.openStudies.delete(studyKey)) throw new BackendError("study-closed", "The study was closed.");
    });

  openReport = (recordId: string): Promise<ReportView> => this.answer("openReport", recordId, () => this.found(this.reports.get(recordId), "report-unavailable"));

  openStudyDocument = (studyKey: string, seriesKey: string): Promise<ReportView> =>
    this.answer("openStudyDocument", `${studyKey}/${seriesKey}`, () => this.found(this.reports.get(`${studyKey}/${seriesKey}`), "report-unavailable"));

  confirmIdentity = (): Promise<IdentityView> => this.answer("confirmIdentity", undefined, () => this.found(this.identity ?? undefined, "no-patient"));

  closePatient = (): Promise<void> => this.answer("closePatient", undefined, () => this.closeAll());
  takeLaunch = (): Promise<LaunchView | null> => this.answer("takeLaunch", undefined, () => this.launches.shift() ?? null);

  restartPage = (thenOpen?: LaunchView): Promise<void> =>
    this.answer("restartPage", thenOpen, () => {
      this.restarts.push(thenOpen);
    });

  signIn = (): Promise<UserView> =>
    this.answer("signIn", undefined, () => {
      this.signedIn();
      return this.user;
    });

  signOut = (): Promise<void> =>
    this.answer("signOut", undefined, () => {
      this.closeAll();
      this.session = { state: "signedOut", reason: null, user: null };
    });

  sessionState = (): Promise<SessionStateView> => this.answer("sessionState", undefined, () => this.session);
  touch = (): Promise<void> => this.answer("touch", undefined, () => undefined);

  auditEvents = (): Promise<AuditEventResource[]> =>
    this.answer("auditEvents", undefined, () => {
      if (!this.info.training) throw new BackendError("not-training", "Only in training mode.");
      return this.auditLog;
    });

  diagnostics = (): Promise<DiagnosticsView> =>
    this.answer("diagnostics", undefined, () => ({ version: this.info.version, metrics: { startUnixNanos: 0, nowUnixNanos: 0, series: [] }, export: null }));

  onLaunchPending = (listener: () => void): Promise<() => void> => this.listen(this.launchListeners, listener);
  onStudyProgress = (listener: (progress: StudyProgress) => void): Promise<() => void> => this.listen(this.progressListeners, listener);
  onSessionChanged = (listener: () => void): Promise<() => void> => this.listen(this.sessionListeners, listener);

  private listen<L>(listeners: Set<L>, listener: L): Promise<() => void> {
    listeners.add(listener);
    return Promise.resolve(() => void listeners.delete(listener));
  }

  /** Forgets the patient and their studies, as a close, a new look-up or a sign-out does. */
  private closeAll(): void {
    this.patient = null;
    this.openStudies.clear();
  }
}
