import { describe, expect, it } from "vitest";
import { BackendError, isAlreadyClosed, isOvertaken, isSessionEnded, messageOf } from "./backend";

describe("answers overtaken by the page", () => {
  it("are a superseded look-up or a changed patient, nothing else", () => {
    expect(isOvertaken(new BackendError("lookup-superseded", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("patient-changed", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("registry-unavailable", "x"))).toBe(false);
    expect(isOvertaken(new Error("lookup-superseded"))).toBe(false);
  });
});

describe("answers by code", () => {
  it("take a session no longer signed in, or a token refused, as the session ended", () => {
    for (const code of ["not-signed-in", "auth-not-signed-in", "token-expired"]) {
      expect(isSessionEnded(new BackendError(code, "x"))).toBe(true);
    }
    expect(isSessionEnded(new BackendError("access-denied", "x"))).toBe(false);
    expect(isSessionEnded(new Error("not-signed-in"))).toBe(false);
  });

  it("take a study or patient already gone as closed, and nothing else", () => {
    for (const code of ["study-closed", "no-patient", "patient-closed", "patient-changed"]) {
      expect(isAlreadyClosed(new BackendError(code, "x"))).toBe(true);
    }
    expect(isAlreadyClosed(new BackendError("internal", "x"))).toBe(false);
    expect(isAlreadyClosed(new Error("study-closed"))).toBe(false);
  });

  it("show the backend's message, and a fallback for anything that is not the backend's", () => {
    expect(messageOf(new BackendError("x", "The registry did not answer."))).toBe("The registry did not answer.");
    expect(messageOf(new Error("stack detail"), "The image could not be loaded.")).toBe("The image could not be loaded.");
    expect(messageOf("thrown")).toBe("Something went wrong inside the viewer. Try again.");
  });
});
