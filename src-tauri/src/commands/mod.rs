//! Tauri commands: thin adapters between the WebView and the domain modules. A command
//! validates its input, calls domain code and maps failures to [`nir_core::error::CommandError`];
//! no logic or locking lives here. One file per area.
//!
//! [`handler`] is the one list of commands. `build.rs` reads it from this file to declare
//! the commands and grant exactly them to the window (a permission set generated at build
//! time), so adding a command means: the function in its area's file, its line here, and
//! its call in `ui/src/ipc/backend.ts`. The types its arguments and answer use derive
//! `ts_rs::TS` and are listed in [`ipc_types`], which renders `ui/src/ipc/generated.ts`.

pub mod audit;
pub mod auth;
pub mod diagnostics;
pub mod history;
#[cfg(test)]
mod ipc_types;
pub mod pixels;
pub mod session;
pub mod studies;

use tauri::ipc::Invoke;
use tauri::Runtime;

/// Every command the UI may call. A command not listed here is unreachable from the WebView.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session::app_info,
        session::validate_nhs_number,
        session::take_launch,
        session::restart_page,
        history::lookup,
        history::close_patient,
        history::confirm_identity,
        studies::open_study,
        studies::close_study,
        studies::focus_study,
        studies::open_report,
        studies::open_study_document,
        studies::presentation_states,
        studies::study_key_images,
        auth::sign_in,
        auth::sign_out,
        auth::touch,
        auth::session_state,
        audit::audit_events,
        diagnostics::diagnostics,
    ]
}
