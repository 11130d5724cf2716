import { describe, expect, it } from "vitest";
import { launchStep } from "./launchStep";
import type { LaunchView } from "../ipc/backend";

const unsigned: LaunchView = { nhsNumber: "9912003888", from: null, to: null, needsConfirmation: true };
const signed: LaunchView = { ...unsigned, needsConfirmation: false };

describe("launch step", () => {
  it("asks before an unsigned launch opens a patient, even with nothing open", () => {
    expect(launchStep(undefined, unsigned)).toBe("confirmOpen");
  });

  it("opens a signed launch bound to this clinician at once when nothing is open", () => {
    expect(launchStep(undefined, signed)).toBe("open");
  });

  it("always asks before replacing the patient on screen", () => {
    expect(launchStep("9000000017", unsigned)).toBe("confirmSwitch");
    expect(launchStep("9000000017", signed)).toBe("confirmSwitch");
  });

  it("leaves the same patient as it is", () => {
    expect(launchStep("9912003888", unsigned)).toBe("stay");
  });
});
