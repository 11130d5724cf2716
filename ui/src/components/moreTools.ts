// The "More tools" disclosure of the study toolbar: a real button (aria-expanded,
// aria-controls) that shows a panel of the less used controls over the top of the images, so
// the toolbar keeps to one row at 100 % text and two at 200 % (WCAG 2.2 1.4.4) and the images
// keep the height — the pattern OHIF v3 and Weasis use for a crowded toolbar (the main tools
// in view, the rest one press away). It follows the WAI-ARIA disclosure pattern rather than a
// menu, as the panel holds lists and a number field as well as buttons: Tab moves through it
// in order. Opening moves the focus to its first control; Esc inside it, or on its button,
// closes it and gives the focus back to the button without reaching the study (which Esc
// would close); a press outside it, or the focus leaving it, closes it quietly. The panel is
// placed under its button and kept inside the window, scrolling when it is taller than the
// room left. Its controls work whether it is open or not (a script's `click()` included).
import { el } from "./dom";

const FOCUSABLE = "button:not([disabled]), select:not([disabled]), input:not([disabled])";

export class MoreTools {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;
  private readonly onPointerDown = (event: Event): void => {
    if (event.target instanceof Node && (this.panel.contains(event.target) || this.button.contains(event.target))) return;
    this.close(false);
  };
  private readonly onReflow = (): void => this.place();

  constructor(id: string, label: string) {
    this.panel = el("div", { id: `${id}-panel`, class: "more-tools-panel", role: "group", "aria-label": label });
    this.panel.hidden = true;
    this.button = el("button", { id, class: "more-tools", type: "button", "aria-expanded": "false", "aria-controls": this.panel.id, title: `${label}: layouts, view, cine, compare` }, label);
    this.button.addEventListener("click", () => (this.isOpen ? this.close(true) : this.open()));
    this.button.addEventListener("keydown", (event) => this.onKey(event));
    this.panel.addEventListener("keydown", (event) => this.onKey(event));
    this.panel.addEventListener("focusout", (event) => {
      // Focus moved elsewhere on the page (not to the window losing focus, which has no target).
      const to = event.relatedTarget;
      if (to instanceof Node && !this.panel.contains(to) && !this.button.contains(to)) this.close(false);
    });
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** Adds a labelled group of controls to the panel. */
  addGroup(label: string, ...controls: HTMLElement[]): HTMLElement {
    const heading = el("span", { class: "more-tools-label", "aria-hidden": "true" }, label);
    const group = el("div", { class: "more-tools-group", role: "group", "aria-label": label }, heading, ...controls);
    this.panel.append(group);
    return group;
  }

  open(): void {
    if (this.isOpen) return;
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.place();
    const doc = this.panel.ownerDocument;
    doc.addEventListener("pointerdown", this.onPointerDown, true);
    doc.defaultView?.addEventListener("resize", this.onReflow);
    doc.addEventListener("scroll", this.onReflow, true);
    this.panel.querySelector<HTMLElement>(FOCUSABLE)?.focus();
  }

  /** Closes the panel; the focus goes back to its button when `returnFocus`. */
  close(returnFocus: boolean): void {
    if (!this.isOpen) return;
    const doc = this.panel.ownerDocument;
    doc.removeEventListener("pointerdown", this.onPointerDown, true);
    doc.defaultView?.removeEventListener("resize", this.onReflow);
    doc.removeEventListener("scroll", this.onReflow, true);
    const hadFocus = this.panel.contains(doc.activeElement);
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    // A control hidden with the focus in it would leave the focus nowhere.
    if (returnFocus || hadFocus) this.button.focus();
  }

  /** Forgets the page-wide listeners of an open panel. */
  dispose(): void {
    this.close(false);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key !== "Escape" || !this.isOpen) return;
    // Handled here: the study screen must not take it as "close the study".
    event.preventDefault();
    event.stopPropagation();
    this.close(true);
  }

  /**
   * Puts the panel under its button, fixed to the window so no scrolling box above the images
   * clips it: at the button's left where it fits, else against the window's right edge, and
   * no taller than the room down to the window's bottom (it scrolls inside).
   */
  private place(): void {
    const view = this.panel.ownerDocument.documentElement;
    const anchor = this.button.getBoundingClientRect();
    const top = Math.max(0, anchor.bottom + 2);
    const left = Math.max(0, Math.min(anchor.left, view.clientWidth - this.panel.offsetWidth));
    this.panel.style.top = `${Math.round(top)}px`;
    this.panel.style.left = `${Math.round(left)}px`;
    this.panel.style.maxHeight = `${Math.max(0, Math.floor(view.clientHeight - top - 4))}px`;
  }
}
