//! Launch links that arrive while the viewer runs: handed over by a later launch through the
//! single-instance socket, or (macOS) as an "open URL" event. Each is queued for the page,
//! verified on arrival, and the window is raised.

use tauri::{Emitter, Manager, Runtime};

use nir_core::launch::LaunchListener;

use super::state::AppState;

/// Takes the links a later launch hands over, for as long as the viewer runs.
pub fn spawn_launch_listener<R: Runtime>(handle: tauri::AppHandle<R>, listener: LaunchListener) {
    tauri::async_runtime::spawn(async move {
        while let Some(link) = listener.next_link().await {
            deliver_link(&handle, &link);
        }
    });
}

/// Queues a link from a later launch for the window (an empty one only raises the window).
pub fn deliver_link<R: Runtime>(handle: &tauri::AppHandle<R>, link: &str) {
    if !link.is_empty() {
        handle.state::<AppState>().queue_launch(link);
        let _ = handle.emit("launch-pending", ());
    }
    // The main window, under whichever label it has now (it is replaced after each patient).
    if let Some(window) = handle.webview_windows().into_values().next() {
        let _ = window.set_focus();
    }
}
