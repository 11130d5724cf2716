// Entry point of the viewer UI: asks the backend what mode it runs in, then draws the
// header and the lookup screen.
import "./styles.css";
import { renderHeader } from "./components/header";
import { renderLookup } from "./components/lookup";
import { el } from "./components/dom";
import { tauriBackend } from "./ipc/tauri";
import type { Backend } from "./ipc/backend";

export async function start(root: HTMLElement, backend: Backend): Promise<void> {
  const info = await backend.appInfo();
  root.replaceChildren(
    renderHeader(info.training),
    renderLookup({
      onSearch: () => {
        /* discovery is wired in by the imaging-history screen */
      },
    }),
  );
}

const root = document.getElementById("app");
if (root) {
  start(root, tauriBackend).catch(() => {
    root.replaceChildren(el("p", { class: "fatal" }, "The viewer could not start. Close it and try again."));
  });
}
