import { describe, expect, it } from "vitest";
import { LaunchQuestion } from "./launch";

describe("launch question", () => {
  it("answers no to the question open when cancelled, and takes it off the page", async () => {
    const root = document.createElement("div");
    const question = new LaunchQuestion(root);
    const answer = question.ask("9912003888", false);
    expect(root.querySelector("#launch-confirm")).not.toBeNull();
    question.cancel();
    await expect(answer).resolves.toBe(false);
    expect(root.querySelector("#launch-confirm")).toBeNull();
  });

  it("keeps one question at a time: a newer one answers no to the older", async () => {
    const root = document.createElement("div");
    const question = new LaunchQuestion(root);
    const older = question.ask("9912003888", true);
    const newer = question.ask("9434765919", true);
    await expect(older).resolves.toBe(false);
    expect(root.querySelectorAll("#launch-confirm")).toHaveLength(1);
    root.querySelector<HTMLButtonElement>("#launch-confirm-open")?.click();
    await expect(newer).resolves.toBe(true);
  });
});
