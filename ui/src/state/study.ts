// The study on screen, if any. `reset()` destroys its screen (viewports, caches, pixels);
// `take()` hands the screen over to be closed, so nothing else can reach it meanwhile.
// Retrieval progress that arrives while no screen is held (a small study can be retrieved
// whole before its screen is built) is kept, a bounded number of events, and given to the
// next screen if it is that study's, so its "done" (with the identity note and warnings)
// is not lost.
import type { StudyProgressView } from "../ipc/backend";
import type { StudyScreen } from "../components/studyView";

/** At most this many progress events are kept while no screen is held. */
const EARLY_EVENTS = 256;

export class StudyState {
  private screen: StudyScreen | null = null;
  private early = new Map<string, StudyProgressView>();

  get open(): StudyScreen | null {
    return this.screen;
  }

  /** Holds `screen`; any study held before is destroyed first. */
  hold(screen: StudyScreen): void {
    const early = this.early;
    this.reset();
    this.screen = screen;
    for (const progress of early.values()) if (progress.studyKey === screen.studyKey) screen.onProgress(progress);
  }

  /** Lets go of the screen without destroying it, for the caller to close. */
  take(): StudyScreen | null {
    const screen = this.screen;
    this.screen = null;
    return screen;
  }

  /** Retrieval progress goes to the study on screen, if any. */
  onProgress(progress: StudyProgressView): void {
    if (this.screen) return this.screen.onProgress(progress);
    const key = `${progress.studyKey}/${progress.done ? "" : progress.seriesKey}`;
    if (this.early.has(key) || this.early.size < EARLY_EVENTS) this.early.set(key, progress);
  }

  reset(): void {
    this.screen?.destroy();
    this.screen = null;
    this.early = new Map();
  }
}
