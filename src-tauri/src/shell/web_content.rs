//! Starts the page afresh in a new web content process after a patient is closed, the
//! session locks or the clinician signs out. Everything the page ever held — the banner's
//! name and NHS number, report text, decoded frames, JavaScript strings the garbage
//! collector has not yet overwritten — lives in that process's heap, which the viewer
//! cannot wipe. So the main window is replaced: a new window (a new WebView, so a new web
//! content process) opens where the old one was, and the old one is destroyed, which ends
//! its process and hands its memory back to the kernel, which clears it before any reuse.

use std::sync::atomic::{AtomicU32, Ordering};

use tauri::{Manager, Runtime, WebviewWindow};

use crate::shell::{open_main_window, WebviewDataDir, MAIN_WINDOW};

/// Why the page could not be started afresh.
#[derive(Debug, thiserror::Error)]
pub enum WebContentError {
    /// The new window could not be opened, or the old one not closed.
    #[error("the viewer's window could not be replaced: {0}")]
    Replace(String),
}

impl nir_core::error::UserFacing for WebContentError {
    fn code(&self) -> nir_core::error::ErrorCode {
        nir_core::error::ErrorCode::PageRestart
    }

    fn user_message(&self) -> String {
        "The viewer could not clear its window. Close the viewer and open it again before \
         the next patient."
            .into()
    }
}

/// Labels of replacement windows: `main-1`, `main-2`, …
static NEXT_WINDOW: AtomicU32 = AtomicU32::new(1);

/// Opens a new main window in the place and size of `old`, then destroys `old`.
pub fn replace_window<R: Runtime>(old: &WebviewWindow<R>) -> Result<(), WebContentError> {
    let fail = |e: tauri::Error| WebContentError::Replace(e.to_string());
    let handle = old.app_handle();
    let data_dir = handle.state::<WebviewDataDir>().0.clone();
    let label = format!(
        "{MAIN_WINDOW}-{}",
        NEXT_WINDOW.fetch_add(1, Ordering::Relaxed)
    );
    let maximized = old.is_maximized().unwrap_or(false);
    let place = old.outer_position().ok().zip(old.inner_size().ok());
    let new = open_main_window(handle, &data_dir, &label).map_err(fail)?;
    if let Some((position, size)) = place {
        let _ = new.set_size(size);
        let _ = new.set_position(position);
    }
    if maximized {
        let _ = new.maximize();
    }
    let _ = new.set_focus();
    old.destroy().map_err(fail)
}
