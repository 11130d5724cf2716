//! The viewer's answer to a live configuration it cannot use: an unreadable or invalid
//! managed file, or one that `nir-viewer config check` would fail (an `http://` NIR address,
//! no ODS code, no allowed role, …). Instead of starting with a weakened policy it opens a
//! window that only says what is wrong and whom to ask. No sign-in, sandbox, audit
//! delivery, metrics export or discovery is set up, so nothing reaches the network; the
//! window's only command is `app_info`, which carries the problems.

use std::process::ExitCode;

use tauri::RunEvent;

use crate::commands;
use crate::commands::session::StartupInfo;
use crate::shell::runtime_dir::{create_private_dir, remove_private_dir};
use crate::shell::{open_main_window, MAIN_WINDOW};

/// Opens the refusal window for `problems` and runs until it is closed (exit status 2).
pub fn run(problems: Vec<String>) -> ExitCode {
    for problem in &problems {
        eprintln!("nir-viewer: the managed configuration is not usable: {problem}");
    }
    tracing::error!(
        code = "invalid-configuration",
        problems = problems.len(),
        "live mode refused"
    );
    let private_dir = match create_private_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("nir-viewer: cannot create a private runtime directory: {error}");
            return ExitCode::from(2);
        }
    };
    let webview_dir = private_dir.clone();
    let app = tauri::Builder::default()
        .manage(StartupInfo {
            training: false,
            configuration_problems: problems,
        })
        .invoke_handler(tauri::generate_handler![commands::session::app_info])
        .setup(move |app| {
            open_main_window(app.handle(), &webview_dir, MAIN_WINDOW)?;
            Ok(())
        })
        .build(crate::shell::context());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            crate::shell::helper_processes::end_helper_processes();
            remove_private_dir(&private_dir);
            eprintln!("nir-viewer: the window could not be opened: {error}");
            return ExitCode::from(2);
        }
    };
    app.run(move |_handle, event| {
        if let RunEvent::Exit = event {
            crate::shell::helper_processes::end_helper_processes();
            remove_private_dir(&private_dir);
        }
    });
    ExitCode::from(2)
}
