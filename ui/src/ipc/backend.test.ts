import { describe, expect, it } from "vitest";
import { BackendError, isOvertaken } from "./backend";

describe("answers overtaken by the page", () => {
  it("are a superseded look-up or a changed patient, nothing else", () => {
    expect(isOvertaken(new BackendError("lookup-superseded", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("patient-changed", "x"))).toBe(true);
    expect(isOvertaken(new BackendError("registry-unavailable", "x"))).toBe(false);
    expect(isOvertaken(new Error("lookup-superseded"))).toBe(false);
  });
});
