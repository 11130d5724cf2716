// The loading states of one viewport, apart from its image: busy while the image asked for
// is being fetched and decoded (the viewport marked aria-busy, a spinner and a visually
// hidden "Loading image n of m" inside it only), and failed when that image could not be
// loaded (the reason as an alert, with a Retry button that asks for the same image again).
// The spinner shows itself only after a short delay (in the stylesheet), so images that
// arrive at once do not flicker it; assistive technology learns of the busy state at once.
import { el } from "./dom";

export class ViewportStatus {
  /** The spinner and its text, to be placed in the viewport. */
  readonly busyElement: HTMLElement;
  /** The failure message and its Retry button, to be placed in the viewport. */
  readonly failureElement: HTMLElement;
  private readonly busyText: HTMLElement;
  private readonly failureText: HTMLElement;
  private retry: (() => void) | null = null;

  /** `host` is the viewport's element: it carries aria-busy and takes focus on a retry. */
  constructor(private readonly host: HTMLElement) {
    this.busyText = el("span", { class: "visually-hidden" });
    this.busyElement = el("div", { class: "viewport-busy", hidden: "" }, el("span", { class: "spinner", "aria-hidden": "true" }), this.busyText);
    this.failureText = el("p", { class: "viewport-error-text", role: "alert" });
    const button = el("button", { type: "button", class: "viewport-retry" }, "Retry");
    button.addEventListener("click", () => {
      const retry = this.retry;
      // The button is about to be hidden: focus stays in the viewport, not lost to the page.
      this.host.focus();
      retry?.();
    });
    this.failureElement = el("div", { class: "viewport-error", hidden: "" }, this.failureText, button);
  }

  /** Image `index` (of `count`) is on its way. */
  busy(index: number, count: number): void {
    this.failureElement.hidden = true;
    this.retry = null;
    this.busyText.textContent = `Loading image ${index + 1} of ${count}…`;
    this.busyElement.hidden = false;
    this.host.setAttribute("aria-busy", "true");
  }

  /** Image `index` could not be loaded; `retry` asks for it again. */
  failed(index: number, reason: string, retry: () => void): void {
    this.stopBusy();
    this.failureText.textContent = `Image ${index + 1} could not be shown. ${reason}`;
    this.retry = retry;
    this.failureElement.hidden = false;
  }

  /** The image asked for is on screen, or nothing is asked for: neither busy nor failed. */
  idle(): void {
    this.stopBusy();
    this.failureElement.hidden = true;
    this.retry = null;
  }

  private stopBusy(): void {
    this.busyElement.hidden = true;
    this.host.removeAttribute("aria-busy");
  }
}
