// The question a launch asks before it opens a patient: always for an unsigned link, and
// whenever it would replace the patient on screen. Only one question is open at a time; a
// lock, a sign-out or a newer launch answers "no" to the one open.
import { renderLaunchConfirm } from "../components/launchConfirm";

export class LaunchQuestion {
  private cancelOpen: (() => void) | null = null;

  constructor(private readonly root: HTMLElement) {}

  /** Asks about `nhsNumber`; true when the clinician chose to open it. */
  ask(nhsNumber: string, switching: boolean): Promise<boolean> {
    this.cancel();
    return new Promise((resolve) => {
      const answer = (yes: boolean): void => {
        this.cancelOpen = null;
        dialog.remove();
        resolve(yes);
      };
      const dialog = renderLaunchConfirm(nhsNumber, switching, answer);
      this.cancelOpen = () => answer(false);
      this.root.append(dialog);
      dialog.querySelector<HTMLButtonElement>("#launch-confirm-open")?.focus();
    });
  }

  /** Answers "no" to the question open, if any. */
  cancel(): void {
    this.cancelOpen?.();
  }
}
