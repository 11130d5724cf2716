// The sign-in screen, and the same screen as the lock screen when a session ended (idle,
// card removed, sign-out elsewhere), which says why.
import { el } from "../components/dom";

export function renderSignIn(reason: string | null, training: boolean, onSignIn: (button: HTMLButtonElement) => void): HTMLElement {
  const button = el("button", { id: "sign-in", type: "button" }, "Sign in with your smartcard");
  button.addEventListener("click", () => onSignIn(button));
  return el(
    "main",
    { class: "screen sign-in-screen", id: reason ? "locked" : "sign-in-screen" },
    el("h2", {}, reason ? "The viewer is locked" : "Sign in"),
    el(
      "p",
      {},
      reason ??
        (training
          ? "Training mode: your browser opens the training sign-in page, where you choose a synthetic user."
          : "Your browser opens NHS Care Identity Service 2. Use your smartcard."),
    ),
    button,
  );
}
