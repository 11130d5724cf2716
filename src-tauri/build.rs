//! Build script: embeds the Tauri context and declares the app's commands, so that the
//! capability file can allow exactly those and nothing else.

/// Every command the UI may call. A command not listed here is unreachable from the WebView.
const APP_COMMANDS: &[&str] = &[
    "app_info",
    "validate_nhs_number",
    "take_launch",
    "restart_page",
    "lookup",
    "close_patient",
    "confirm_identity",
    "open_study",
    "close_study",
    "open_report",
    "open_study_document",
    "sign_in",
    "sign_out",
    "touch",
    "session_state",
    "audit_events",
    "diagnostics",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
