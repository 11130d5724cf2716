//! The viewer's window: its label, the embedded UI and Tauri context, the origin of the
//! in-memory pixel scheme, and a WebView that keeps nothing on disk (incognito, its data
//! directory private and removed at exit).

use std::path::{Path, PathBuf};

use tauri::{Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// Label of the single viewer window; the capability file grants permissions to it.
pub const MAIN_WINDOW: &str = "main";

/// The origin under which the WebView reaches the pixel scheme.
pub fn pixel_origin() -> &'static str {
    if cfg!(windows) {
        "http://nirpx.localhost"
    } else {
        "nirpx://localhost"
    }
}

/// The application's configuration and embedded UI (one copy in the binary).
pub fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// Where the window's WebView keeps its data: the private runtime directory, removed at exit.
pub struct WebviewDataDir(pub PathBuf);

/// Creates a main window (`label` is `main`, or `main-N` for one that replaces it, see
/// [`super::web_content`]). Incognito keeps WebView storage in memory; tauri-driver cannot
/// attach to an incognito WebView, so under automation only the private directory protects
/// (debug builds only: see [`incognito`]).
pub fn open_main_window<R: Runtime, M: Manager<R>>(
    manager: &M,
    data_dir: &Path,
    label: &str,
) -> tauri::Result<tauri::WebviewWindow<R>> {
    let automation = std::env::var("TAURI_WEBVIEW_AUTOMATION").ok();
    WebviewWindowBuilder::new(manager, label, WebviewUrl::App("index.html".into()))
        .title("NIR Viewer")
        .inner_size(1280.0, 820.0)
        .min_inner_size(960.0, 640.0)
        .incognito(incognito(automation.as_deref(), cfg!(debug_assertions)))
        .data_directory(data_dir.to_path_buf())
        .disable_drag_drop_handler()
        .build()
}

/// Whether the WebView runs incognito: always, except when a debug build is driven by
/// tauri-driver (`TAURI_WEBVIEW_AUTOMATION=true`). A release build ignores the variable, so
/// anyone who can set the environment cannot make a clinical WebView keep its storage.
fn incognito(automation: Option<&str>, debug_build: bool) -> bool {
    !(debug_build && automation == Some("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_debug_builds_leave_incognito_for_automation() {
        assert!(incognito(Some("true"), false), "release ignores automation");
        assert!(!incognito(Some("true"), true));
        assert!(incognito(None, true));
        assert!(incognito(Some("1"), true));
        assert!(incognito(None, false));
    }
}
