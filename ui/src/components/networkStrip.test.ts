import { describe, expect, it } from "vitest";
import type { HistoryView, NetworkView } from "../ipc/backend";
import { renderNetworkStrip } from "./networkStrip";

const history = (networks: NetworkView[]): HistoryView => ({
  patient: { nhsNumber: "991 200 3888", name: null, birthDate: null, sex: null },
  records: [],
  networks,
  complete: false,
  summary: "",
});

const lines = (networks: NetworkView[]): string[] =>
  Array.from(renderNetworkStrip(history(networks)).querySelectorAll("li")).map((li) => li.textContent ?? "");

const occurrences = (text: string, word: string): number => text.split(word).length - 1;

describe("network strip", () => {
  it("names an unavailable network once, not twice", () => {
    const name = "North Imaging Network";
    const [line] = lines([
      { name, state: "unavailable", reason: `${name} is unavailable; results may be incomplete.` },
    ]);
    expect(occurrences(line ?? "", name)).toBe(1);
    expect(line).toContain("unavailable; results may be incomplete.");
  });

  it("keeps the name in front of a reason that does not say it", () => {
    const [line] = lines([
      {
        name: "South Imaging Network",
        state: "accessDenied",
        reason: "You do not have access to this patient's imaging records.",
      },
    ]);
    expect(line).toBe(
      "South Imaging Network: access denied — You do not have access to this patient's imaging records.",
    );
  });

  it("shows an answering network by name and state only", () => {
    const [line] = lines([{ name: "East", state: "answered", reason: "East answered." }]);
    expect(line).toBe("East: answered");
  });
});
