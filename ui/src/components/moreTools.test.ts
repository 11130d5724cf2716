// The More tools disclosure on its own: a real button that says whether its panel is open,
// Esc that closes the panel and nothing beyond it, the focus moved in and given back, and a
// press or the focus elsewhere closing it quietly.
import { afterEach, describe, expect, it, vi } from "vitest";
import { el } from "./dom";
import { MoreTools } from "./moreTools";

function setUp(): { more: MoreTools; first: HTMLButtonElement; field: HTMLInputElement; outside: HTMLButtonElement; onKey: ReturnType<typeof vi.fn> } {
  const more = new MoreTools("more-tools", "More tools");
  const first = el("button", { "data-layout": "1x2" }, "1×2");
  const field = el("input", { type: "number", id: "cine-fps" });
  more.addGroup("Layout", first);
  more.addGroup("Cine", field);
  const outside = el("button", { id: "outside" }, "Elsewhere");
  const onKey = vi.fn();
  const screen = el("section", {}, el("div", { role: "toolbar" }, more.button, more.panel), outside);
  screen.addEventListener("keydown", onKey);
  document.body.replaceChildren(screen);
  return { more, first, field, outside, onKey };
}

const escape = (target: Element): boolean => target.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));

afterEach(() => document.body.replaceChildren());

describe("the More tools disclosure", () => {
  it("is a button that controls a hidden panel, says when it is open, and moves the focus into it", () => {
    const { more, first } = setUp();
    expect(more.button.tagName).toBe("BUTTON");
    expect(more.button.getAttribute("aria-expanded")).toBe("false");
    expect(more.button.getAttribute("aria-controls")).toBe(more.panel.id);
    expect(more.panel.hidden).toBe(true);
    more.button.click();
    expect(more.panel.hidden).toBe(false);
    expect(more.button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(first);
    // Each group is named for screen readers.
    expect([...more.panel.querySelectorAll("[role=group]")].map((g) => g.getAttribute("aria-label"))).toEqual(["Layout", "Cine"]);
    more.button.click();
    expect(more.panel.hidden).toBe(true);
    expect(more.button.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(more.button);
  });

  it("closes on Esc inside it, gives the focus back to its button, and keeps the key from the screen around it", () => {
    const { more, field, onKey } = setUp();
    more.open();
    field.focus();
    const notCancelled = escape(field);
    expect(notCancelled).toBe(false);
    expect(more.isOpen).toBe(false);
    expect(document.activeElement).toBe(more.button);
    expect(onKey).not.toHaveBeenCalled();
    // Esc on the button of an open panel closes it too, and goes no further.
    more.open();
    more.button.focus();
    escape(more.button);
    expect(more.isOpen).toBe(false);
    expect(onKey).not.toHaveBeenCalled();
    // Closed, Esc is the screen's.
    escape(more.button);
    expect(onKey).toHaveBeenCalledTimes(1);
  });

  it("closes when pressed outside, or when the focus leaves it, and not when pressed inside", () => {
    const { more, first, outside } = setUp();
    more.open();
    first.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(more.isOpen).toBe(true);
    outside.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(more.isOpen).toBe(false);
    // The focus is not left in the hidden panel (the press then puts it where it lands).
    expect(more.panel.contains(document.activeElement)).toBe(false);

    more.open();
    expect(document.activeElement).toBe(first);
    outside.focus();
    expect(more.isOpen).toBe(false);
    expect(document.activeElement).toBe(outside);
    // Focus going back to the button (Shift+Tab from the first control) keeps it open.
    more.open();
    more.button.focus();
    expect(more.isOpen).toBe(true);
  });

  it("leaves its controls working while closed, and forgets the page's listeners once closed", () => {
    const { more, first, outside } = setUp();
    const clicked = vi.fn();
    first.addEventListener("click", clicked);
    first.click();
    expect(clicked).toHaveBeenCalledTimes(1);
    const remove = vi.spyOn(document, "removeEventListener");
    more.open();
    more.dispose();
    expect(more.isOpen).toBe(false);
    expect(remove).toHaveBeenCalledWith("pointerdown", expect.any(Function), true);
    // Closed, a press outside does nothing to it.
    outside.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(more.isOpen).toBe(false);
  });

  it("sits under its button, inside the window, no taller than the room below", () => {
    const { more } = setUp();
    vi.spyOn(more.button, "getBoundingClientRect").mockReturnValue(DOMRect.fromRect({ x: 900, y: 100, width: 80, height: 30 }));
    vi.spyOn(document.documentElement, "clientWidth", "get").mockReturnValue(1000);
    vi.spyOn(document.documentElement, "clientHeight", "get").mockReturnValue(400);
    vi.spyOn(more.panel, "offsetWidth", "get").mockReturnValue(300);
    more.open();
    expect(more.panel.style.top).toBe("132px");
    // It would run off the right edge from the button's left: it ends at the window's edge.
    expect(more.panel.style.left).toBe("700px");
    expect(more.panel.style.maxHeight).toBe("264px");
  });
});
