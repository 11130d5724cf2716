//! The one exit path. Closing the window, SIGTERM, SIGINT and SIGHUP all end here: the
//! session is wiped and its tokens dropped, audit events are flushed (or their loss
//! reported), metrics are exported a last time and the sandbox stops; the single-instance
//! socket the viewer created is removed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tauri::{Manager, Runtime};

use super::state::AppState;

/// How long the exit path may spend delivering audit events.
const AUDIT_FLUSH_DEADLINE: Duration = Duration::from_secs(5);

/// Wipe, flush audit, export the metrics a last time, stop the sandbox.
pub fn shut_down<R: Runtime>(handle: &tauri::AppHandle<R>) {
    let state = handle.state::<AppState>();
    if let Some(exporter) = &state.metrics_export {
        let _ = tauri::async_runtime::block_on(exporter.export());
    }
    state.session.wipe_all();
    state.tokens.clear();
    let audit = Arc::clone(state.session.audit());
    let report = tauri::async_runtime::block_on(audit.flush(AUDIT_FLUSH_DEADLINE));
    if report.unsent > 0 || report.dropped > 0 {
        eprintln!(
            "nir-viewer: {} audit events could not be delivered before exit ({} dropped earlier)",
            report.unsent, report.dropped
        );
    }
    let sandbox = state
        .sandbox
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(sandbox) = sandbox {
        tauri::async_runtime::block_on(sandbox.shutdown());
    }
}

/// Removes the single-instance socket and its directory at exit: the listener's task never
/// ends, so its `Drop` would not run, and nothing the viewer created may outlive it.
pub fn remove_instance_socket(socket: &Path) {
    let _ = std::fs::remove_file(socket);
    if let Some(dir) = socket.parent() {
        // Only when empty: another user's or a newer viewer's files are left alone.
        let _ = std::fs::remove_dir(dir);
    }
}

/// SIGTERM, SIGINT and SIGHUP close the app through the normal exit path, so the wipe runs.
pub fn spawn_signal_handler<R: Runtime>(handle: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut signals = match super::exit_signals::ExitSignals::install() {
            Ok(signals) => signals,
            Err(error) => {
                tracing::warn!("signal handlers could not be installed: {error}");
                return;
            }
        };
        let caught = signals.recv().await;
        tracing::info!(signal = caught, "exit signal: closing");
        handle.exit(0);
    });
}
