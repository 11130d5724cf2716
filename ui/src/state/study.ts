// The study on screen, if any. `reset()` destroys its screen (viewports, caches, pixels);
// `take()` hands the screen over to be closed, so nothing else can reach it meanwhile.
import type { StudyProgressView } from "../ipc/backend";
import type { StudyScreen } from "../components/studyView";

export class StudyState {
  private screen: StudyScreen | null = null;

  get open(): StudyScreen | null {
    return this.screen;
  }

  /** Holds `screen`; any study held before is destroyed first. */
  hold(screen: StudyScreen): void {
    this.reset();
    this.screen = screen;
  }

  /** Lets go of the screen without destroying it, for the caller to close. */
  take(): StudyScreen | null {
    const screen = this.screen;
    this.screen = null;
    return screen;
  }

  /** Retrieval progress goes to the study on screen, if any. */
  onProgress(progress: StudyProgressView): void {
    this.screen?.onProgress(progress);
  }

  reset(): void {
    this.screen?.destroy();
    this.screen = null;
  }
}
