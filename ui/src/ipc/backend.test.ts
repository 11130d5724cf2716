import { describe, expect, it } from "vitest";
import { BackendError, backendErrorOf, commandsOver, isAlreadyClosed, isOvertaken, isSessionEnded, messageOf, methodOf } from "./backend";

describe("answers overtaken by the page", () => {
  it("are a superseded look-up or a changed patient, nothing else", () => {
    expect(isOvertaken(new BackendError("lookup-superseded", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("patient-changed", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("network-unavailable", "x"))).toBe(false);
    expect(isOvertaken(new Error("lookup-superseded"))).toBe(false);
  });
});

describe("answers by code", () => {
  it("take a session no longer signed in, or a token refused, as the session ended", () => {
    for (const code of ["not-signed-in", "auth-not-signed-in", "token-expired"] as const) {
      expect(isSessionEnded(new BackendError(code, "x"))).toBe(true);
    }
    expect(isSessionEnded(new BackendError("access-denied", "x"))).toBe(false);
    expect(isSessionEnded(new Error("not-signed-in"))).toBe(false);
  });

  it("take a study or patient already gone as closed, and nothing else", () => {
    for (const code of ["study-closed", "no-patient", "patient-closed", "patient-changed"] as const) {
      expect(isAlreadyClosed(new BackendError(code, "x"))).toBe(true);
    }
    expect(isAlreadyClosed(new BackendError("internal", "x"))).toBe(false);
    expect(isAlreadyClosed(new Error("study-closed"))).toBe(false);
  });

  it("show the backend's message, and a fallback for anything that is not the backend's", () => {
    expect(messageOf(new BackendError("network-unavailable", "The registry did not answer."))).toBe("The registry did not answer.");
    expect(messageOf(new Error("stack detail"), "The image could not be loaded.")).toBe("The image could not be loaded.");
    expect(messageOf("thrown")).toBe("Something went wrong inside the viewer. Try again.");
  });
});

describe("the commands", () => {
  it("are each called by the method named after the command, in camelCase", async () => {
    const sent: string[] = [];
    const commands = commandsOver(<T>(command: string) => {
      sent.push(command);
      return Promise.resolve(null as T);
    });
    const request = { nhsNumber: "9912003888", from: null, to: null, needsConfirmation: false };
    for (const [method, run] of Object.entries(commands) as [string, (argument: unknown) => Promise<unknown>][]) {
      await run(request);
      expect(methodOf(sent.at(-1) ?? ""), method).toBe(method);
    }
    expect(sent).toHaveLength(Object.keys(commands).length);
    expect(sent).toContain("open_study_document");
  });

  it("send their arguments by the names the Rust commands take", async () => {
    const sent: [string, unknown][] = [];
    const commands = commandsOver(<T>(command: string, args?: Record<string, unknown>) => {
      sent.push([command, args]);
      return Promise.resolve(null as T);
    });
    await commands.lookup({ nhsNumber: "9912003888", from: "2020-01-01" });
    await commands.restartPage({ nhsNumber: "9912003888", from: null, to: "2021-01-01", needsConfirmation: true });
    await commands.restartPage();
    expect(sent).toEqual([
      ["lookup", { nhsNumber: "9912003888", from: "2020-01-01", to: null }],
      ["restart_page", { thenOpen: { nhsNumber: "9912003888", from: null, to: "2021-01-01" } }],
      ["restart_page", { thenOpen: null }],
    ]);
  });
});

describe("a command's failure", () => {
  it("keeps the backend's code and message", () => {
    const error = backendErrorOf({ code: "token-expired", message: "Sign in again." });
    expect(error).toBeInstanceOf(BackendError);
    expect([error.code, error.message]).toEqual(["token-expired", "Sign in again."]);
    expect(isSessionEnded(error)).toBe(true);
  });

  it("is internal, showing nothing of what was thrown, when it is not the backend's", () => {
    for (const thrown of [new Error("stack detail"), "text", { code: 3, message: "x" }, null]) {
      const error = backendErrorOf(thrown);
      expect(error.code).toBe("internal");
      expect(error.message).not.toContain("stack detail");
    }
  });
});
