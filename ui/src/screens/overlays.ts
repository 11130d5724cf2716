// The page's overlays and their keys: ? for help, D for the diagnostics page, and in
// training mode A for the session's AuditEvents. Keys typed into a field are the field's.
// Audit events and diagnostics are fetched afresh each time they are shown.
import { renderAuditPanel } from "../components/auditPanel";
import { renderDiagnostics } from "../components/diagnostics";
import { renderHelpOverlay } from "../components/helpOverlay";
import { messageOf } from "../ipc/backend";
import type { Shell } from "./shell";

const OVERLAYS = ["help-overlay", "audit-panel", "diagnostics"];

export function installOverlayKeys(shell: Shell, training: boolean): void {
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement) return;
    if (event.key === "?") toggleHelp(shell.root);
    if (event.key === "A" && training) void toggleFetched(shell, "audit-panel", async (close) => renderAuditPanel(await shell.backend.auditEvents(), close));
    if (event.key === "D") void toggleFetched(shell, "diagnostics", async (close) => renderDiagnostics(await shell.backend.diagnostics(), close));
  });
}

/** Takes every overlay off the page. */
export function removeOverlays(): void {
  for (const id of OVERLAYS) document.getElementById(id)?.remove();
}

function toggleHelp(root: HTMLElement): void {
  const existing = document.getElementById("help-overlay");
  if (existing) return existing.remove();
  const overlay = renderHelpOverlay(() => overlay.remove());
  root.append(overlay);
}

/** Hides the overlay `id`, or fetches what it shows and shows it. */
async function toggleFetched(shell: Shell, id: string, render: (close: () => void) => Promise<HTMLElement>): Promise<void> {
  const existing = document.getElementById(id);
  if (existing) return existing.remove();
  try {
    const overlay = await render(() => overlay.remove());
    document.getElementById(id)?.remove();
    shell.root.append(overlay);
  } catch (error: unknown) {
    shell.setStatus(messageOf(error));
  }
}
