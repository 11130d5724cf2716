// The per-network status strip: how many networks answered and, for each that did not,
// which one and why. "Nothing found" is never shown when a network was unreachable.
import type { HistoryView, NetworkView } from "../ipc/backend";
import { el } from "./dom";

const STATE_TEXT: Record<NetworkView["state"], string> = {
  answered: "answered",
  noRecords: "answered, no records",
  unavailable: "unavailable",
  timedOut: "did not answer in time",
  accessDenied: "access denied",
  rateLimited: "busy, try again shortly",
  error: "error",
};

export function answeredCount(networks: NetworkView[]): number {
  return networks.filter((n) => n.state === "answered" || n.state === "noRecords").length;
}

/** One network's line. A failure's reason from the backend is usually a whole sentence that
 * already names the network ("X is unavailable; …"); it then stands alone, so the name is
 * not said twice. A reason that does not name the network follows the name and state. */
export function networkLine(network: NetworkView, ok: boolean): string {
  const state = `${network.name}: ${STATE_TEXT[network.state]}`;
  if (ok || !network.reason) return state;
  if (network.name && network.reason.includes(network.name)) return network.reason;
  return `${state} — ${network.reason}`;
}

export function renderNetworkStrip(history: HistoryView): HTMLElement {
  const answered = answeredCount(history.networks);
  const total = history.networks.length;
  const headline = history.complete
    ? `All ${total} networks answered`
    : `${answered} of ${total} networks answered — results may be incomplete`;
  const strip = el(
    "section",
    {
      class: history.complete ? "network-strip complete" : "network-strip incomplete",
      id: "network-strip",
      role: history.complete ? "status" : "alert",
    },
    el("strong", { id: "network-headline" }, headline),
  );
  const list = el("ul", { class: "network-list" });
  for (const network of history.networks) {
    const ok = network.state === "answered" || network.state === "noRecords";
    list.append(el("li", { class: ok ? "network ok" : "network failed" }, networkLine(network, ok)));
  }
  strip.append(list);
  return strip;
}
