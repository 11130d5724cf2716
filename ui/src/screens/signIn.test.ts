import { describe, expect, it, vi } from "vitest";
import { renderSignIn } from "./signIn";

describe("sign-in screen", () => {
  it("names the smartcard sign-in, or the training sign-in page in training mode", () => {
    expect(renderSignIn(null, false, () => {}).textContent).toContain("NHS Care Identity Service 2");
    expect(renderSignIn(null, true, () => {}).textContent).toContain("training sign-in page");
  });

  it("is the lock screen, with its reason, when a session ended", () => {
    const screen = renderSignIn("Your smartcard was removed.", false, () => {});
    expect(screen.id).toBe("locked");
    expect(screen.querySelector("h2")?.textContent).toBe("The viewer is locked");
    expect(screen.textContent).toContain("Your smartcard was removed.");
  });

  it("hands its button to the sign-in, so it can be disabled while signing in", () => {
    const onSignIn = vi.fn();
    const screen = renderSignIn(null, false, onSignIn);
    const button = screen.querySelector<HTMLButtonElement>("#sign-in");
    button?.click();
    expect(onSignIn).toHaveBeenCalledWith(button);
  });
});
