import { describe, expect, it } from "vitest";
import { checkNhsNumber, formatNhsNumber } from "./nhsNumber";

describe("checkNhsNumber", () => {
  it("accepts published test numbers with spaces and dashes", () => {
    expect(checkNhsNumber("991 200 3888")).toEqual({
      kind: "valid",
      digits: "9912003888",
      formatted: "991 200 3888",
    });
    expect(checkNhsNumber("900-000-0009").kind).toBe("valid");
  });

  it("reports progress while typing", () => {
    expect(checkNhsNumber("")).toEqual({ kind: "empty" });
    expect(checkNhsNumber("991 20")).toEqual({ kind: "incomplete", digits: 5 });
  });

  it("rejects a bad check digit, letters and too many digits", () => {
    expect(checkNhsNumber("9912003887").kind).toBe("invalid");
    expect(checkNhsNumber("99120O3888").kind).toBe("invalid");
    expect(checkNhsNumber("99120038881").kind).toBe("invalid");
  });

  it("rejects numbers whose check value is ten", () => {
    for (let last = 0; last <= 9; last++) {
      expect(checkNhsNumber(`123456789${last}`).kind).toBe("invalid");
    }
  });

  it("formats 3-3-4", () => {
    expect(formatNhsNumber("9000000009")).toBe("900 000 0009");
  });
});
