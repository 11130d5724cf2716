// An in-memory backend for tests: backend.ts's commands over a table of handlers, one per
// command (by its method name), answering from the histories, studies, reports and frames
// a test gives it, holding one patient at a time as the real one does, and failing any
// command a test tells it to. A command with no handler fails with "not-faked", so a new
// command needs no change here until a test fakes it. Only tests import this; the page is
// built from main.ts, which never does.
import {
  type AppInfo,
  type AuditEventResource,
  type Backend,
  BackendError,
  type BackendErrorCode,
  type Call,
  type ChosenPatientRequest,
  type Commands,
  commandsOver,
  type FramePixels,
  type HistoryView,
  type IdentityView,
  type KeyImagesView,
  type LaunchView,
  methodOf,
  type PresentationStatesView,
  type ReportView,
  type SessionStateView,
  type StudyProgressView,
  type StudyView,
  type UserView,
} from "./backend";

/** A command, by its method name. */
export type CommandName = keyof Commands;

/** The arguments a command was called with, by the names the Rust command takes. */
export type Args = Readonly<Record<string, unknown>>;

/** What answers a command in the fake: its answer, or a throw of its failure. */
export type Handler<K extends CommandName> = (args: Args) => Awaited<ReturnType<Commands[K]>>;

type Handlers = { [K in CommandName]?: Handler<K> };

/** Every command of backend.ts, each sent through the instance's `answer`. */
abstract class Commanded {
  constructor() {
    const call = ((command: string, args?: Record<string, unknown>) => this.answer(command, args ?? {})) as Call;
    Object.assign(this, commandsOver(call));
  }

  /** A command as the window would send it: by its Rust name, with its arguments. */
  abstract answer(command: string, args: Args): Promise<unknown>;
}

const WithCommands = Commanded as unknown as abstract new () => Commanded & Commands;

export class FakeBackend extends WithCommands implements Backend {
  info: AppInfo = { training: false, version: "0.0.0-test", configurationProblems: [] };
  user: UserView = { name: "Dr Test", role: "Clinician", ods: "X1" };
  session: SessionStateView = { state: "signedOut", reason: null, user: null };
  /** Histories by NHS number (ten digits). */
  readonly histories = new Map<string, HistoryView>();
  /** Studies by the record id that opens them. */
  readonly studies = new Map<string, StudyView>();
  readonly reports = new Map<string, ReportView>();
  /** Presentation states by study key. */
  readonly presentations = new Map<string, PresentationStatesView>();
  /** Key images by study key (a study not listed has none). */
  readonly keyImages = new Map<string, KeyImagesView>();
  /** Frames by `studyKey/seriesKey`. */
  readonly frames = new Map<string, FramePixels[]>();
  /** Previews of studies still opening, by record id (each handed out once). */
  readonly previews = new Map<string, FramePixels>();
  identity: IdentityView | null = null;
  /** Launches waiting to be taken, oldest first. */
  readonly launches: LaunchView[] = [];
  auditLog: AuditEventResource[] = [];
  /** The patient held (NHS number) and the studies open, as the backend would hold them. */
  patient: string | null = null;
  readonly openStudies = new Set<string>();
  /** Every command called, in order, with its arguments (a frame with `study/series/index`). */
  readonly calls: [CommandName | "frame" | "preview", unknown][] = [];
  /** What each restart of the page was asked to open. */
  readonly restarts: (ChosenPatientRequest | null)[] = [];
  /** What the screen reported as on screen, in order. */
  readonly focuses: { studyKey: string; seriesKey: string; index: number; direction: string }[] = [];
  private readonly failures = new Map<CommandName | "frame", BackendError>();
  private readonly launchListeners = new Set<() => void>();
  private readonly progressListeners = new Set<(progress: StudyProgressView) => void>();
  private readonly previewListeners = new Set<(recordId: string) => void>();
  private readonly sessionListeners = new Set<() => void>();

  /** The answers of a backend holding the fields above, by command. */
  private readonly handlers = new Map(Object.entries(this.answers()) as [CommandName, (args: Args) => unknown][]);

  private answers(): Handlers {
    return {
      appInfo: () => this.info,
      validateNhsNumber: ({ input }) => String(input).replace(/\s/g, ""),
      lookup: ({ nhsNumber }) => {
        if (this.session.state !== "signedIn") throw new BackendError("not-signed-in", "Sign in before looking a patient up.");
        this.closeAll();
        const history = this.found(this.histories.get(String(nhsNumber)), "no-patient");
        this.patient = String(nhsNumber);
        return structuredClone(history);
      },
      openStudy: ({ recordId }) => {
        if (!this.patient) throw new BackendError("no-patient", "No patient is open.");
        const study = this.found(this.studies.get(String(recordId)), "unknown-record");
        this.openStudies.add(study.key);
        return study;
      },
      closeStudy: ({ studyKey }) => {
        if (!this.openStudies.delete(String(studyKey))) throw new BackendError("study-closed", "The study was closed.");
      },
      focusStudy: ({ studyKey, seriesKey, index, direction }) => {
        if (!this.openStudies.has(String(studyKey))) throw new BackendError("study-closed", "The study was closed.");
        this.focuses.push({ studyKey: String(studyKey), seriesKey: String(seriesKey), index: Number(index), direction: String(direction) });
      },
      openReport: ({ recordId }) => this.found(this.reports.get(String(recordId)), "report-unavailable"),
      openStudyDocument: ({ studyKey, seriesKey }) => this.found(this.reports.get(`${String(studyKey)}/${String(seriesKey)}`), "report-unavailable"),
      presentationStates: ({ studyKey }) => this.presentations.get(String(studyKey)) ?? { states: [], warnings: [] },
      studyKeyImages: ({ studyKey }) => structuredClone(this.keyImages.get(String(studyKey)) ?? { sets: [], warnings: [] }),
      confirmIdentity: () => this.found(this.identity ?? undefined, "no-patient"),
      closePatient: () => this.closeAll(),
      takeLaunch: () => this.launches.shift() ?? null,
      restartPage: ({ thenOpen }) => {
        this.restarts.push((thenOpen ?? null) as ChosenPatientRequest | null);
      },
      signIn: () => {
        this.signedIn();
        return this.user;
      },
      signOut: () => {
        this.closeAll();
        this.session = { state: "signedOut", reason: null, user: null };
      },
      sessionState: () => this.session,
      touch: () => undefined,
      auditEvents: () => {
        if (!this.info.training) throw new BackendError("not-training", "Only in training mode.");
        return this.auditLog;
      },
      diagnostics: () => ({ version: this.info.version, metrics: { startUnixNanos: 0, nowUnixNanos: 0, series: [] }, export: null }),
    };
  }

  /** Answers `command` with `handler` from now on, instead of from the fields above. */
  handle<K extends CommandName>(command: K, handler: Handler<K>): this {
    this.handlers.set(command, handler as (args: Args) => unknown);
    return this;
  }

  /** Answers `command` with what `handler` comes to, whenever it does (a slow backend). */
  handleLater<K extends CommandName>(command: K, handler: (args: Args) => Promise<Awaited<ReturnType<Commands[K]>>>): this {
    this.handlers.set(command, handler as (args: Args) => unknown);
    return this;
  }

  /** Leaves `command` unanswered: calling it fails with "not-faked". */
  unhandle(command: CommandName): this {
    this.handlers.delete(command);
    return this;
  }

  /** Makes `command` fail with `code` (and `message`) until `succeed` is called. */
  fail(command: CommandName | "frame", code: BackendErrorCode, message = `${command} failed`): void {
    this.failures.set(command, new BackendError(code, message));
  }

  succeed(command: CommandName | "frame"): void {
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

  /** Tells the page a study still opening has a preview, as the backend's event does. */
  emitPreview(recordId: string): void {
    for (const listener of this.previewListeners) listener(recordId);
  }

  emitProgress(progress: StudyProgressView): void {
    for (const listener of this.progressListeners) listener(progress);
  }

  /** The arguments of every call of `command`, in order. */
  called(command: CommandName | "frame" | "preview"): unknown[] {
    return this.calls.filter(([name]) => name === command).map(([, argument]) => argument);
  }

  async answer(command: string, args: Args): Promise<unknown> {
    const name = methodOf(command) as CommandName;
    this.calls.push([name, args]);
    await Promise.resolve();
    const failure = this.failures.get(name);
    if (failure) throw failure;
    const handler = this.handlers.get(name);
    if (!handler) throw new BackendError("not-faked", `The fake backend has no answer for ${command}.`);
    return handler(args);
  }

  frame = async (studyKey: string, seriesKey: string, index: number): Promise<FramePixels> => {
    this.calls.push(["frame", `${studyKey}/${seriesKey}/${index}`]);
    await Promise.resolve();
    const failure = this.failures.get("frame");
    if (failure) throw failure;
    return this.found(this.frames.get(`${studyKey}/${seriesKey}`)?.[index], "frame-unavailable");
  };

  preview = async (recordId: string): Promise<FramePixels> => {
    this.calls.push(["preview", recordId]);
    await Promise.resolve();
    const preview = this.found(this.previews.get(recordId), "frame-unavailable");
    this.previews.delete(recordId);
    return preview;
  };

  onLaunchPending = (listener: () => void): Promise<() => void> => this.listen(this.launchListeners, listener);
  onStudyPreview = (listener: (recordId: string) => void): Promise<() => void> => this.listen(this.previewListeners, listener);
  onStudyProgress = (listener: (progress: StudyProgressView) => void): Promise<() => void> => this.listen(this.progressListeners, listener);
  onSessionChanged = (listener: () => void): Promise<() => void> => this.listen(this.sessionListeners, listener);

  private found<T>(value: T | undefined, code: BackendErrorCode): T {
    if (value === undefined) throw new BackendError(code, "Not found.");
    return value;
  }

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
