// Entry point of the viewer UI.
import "./styles.css";
import { App } from "./app";
import { el } from "./components/dom";
import { tauriBackend } from "./ipc/tauri";

const root = document.getElementById("app");
if (root) {
  new App(root, tauriBackend).start().catch(() => {
    root.replaceChildren(el("p", { class: "fatal" }, "The viewer could not start. Close it and try again."));
  });
}
