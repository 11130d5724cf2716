// What a launch from the patient record leads to, given the patient on screen: nothing (the
// same patient), opening at once (a signed launch bound to this clinician, or a patient they
// chose already), or a question first. An unsigned launch always asks, even with nothing
// open, because anyone able to start the viewer with a link could name any patient; replacing
// a patient on screen always asks, because it closes and wipes what is open.
import type { LaunchView } from "../ipc/backend";

export type LaunchStep = "stay" | "open" | "confirmOpen" | "confirmSwitch";

/** `current` is the NHS number (ten digits) of the patient on screen, if any. */
export function launchStep(current: string | undefined, launch: LaunchView): LaunchStep {
  if (current === launch.nhsNumber) return "stay";
  if (current !== undefined) return "confirmSwitch";
  return launch.needsConfirmation ? "confirmOpen" : "open";
}
