// The screen a live start shows when the organisation's configuration cannot be used: what
// is wrong, item by item, and whom to ask. The viewer has started nothing else, so there is
// no sign-in button and nothing to retry from here.
import { el } from "./dom";

export function renderConfigurationRefused(problems: readonly string[]): HTMLElement {
  return el(
    "section",
    { class: "configuration-refused", id: "configuration-refused", role: "alert" },
    el("h2", {}, "The viewer cannot start: its configuration is not usable"),
    el(
      "p",
      {},
      "Your organisation's configuration of the viewer has problems, so it has not connected to " +
        "the National Imaging Registry or the sign-in service. Contact your IT service desk and " +
        "quote the problems below.",
    ),
    el("ul", { id: "configuration-problems" }, ...problems.map((problem) => el("li", {}, problem))),
  );
}
