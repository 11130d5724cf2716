//! The desktop shell around the domain: decides between training mode and a live NIR
//! configuration, resolves it once into a [`Deployment`] and wires the parts
//! ([`compose`]), registers the commands and the pixel scheme, opens the one window
//! ([`window`]) and owns the exit path ([`exit`]). Commands live in [`crate::commands`];
//! nothing here knows about studies or pixels.

pub mod compose;
pub mod deployment;
pub mod error;
pub mod exit;
pub mod exit_signals;
pub mod helper_processes;
pub mod links;
pub mod refused_start;
pub mod runtime_dir;
pub mod session_events;
pub mod state;
pub mod web_content;
pub mod webkit_renderer;
pub mod window;

use std::process::ExitCode;
use std::sync::Arc;

use tauri::{Builder, Manager, RunEvent, Runtime};

pub use deployment::{Deployment, Mode};
pub use error::StartError;
pub use state::AppState;
pub use window::{context, open_main_window, pixel_origin, WebviewDataDir, MAIN_WINDOW};

use crate::commands;
use nir_core::config;
use nir_core::launch::{default_socket_path, hand_off_or_listen, InstanceRole};
use runtime_dir::{create_private_dir, remove_private_dir, sweep_stale_dirs};

/// Registers commands, the pixel scheme and state on a builder.
pub fn build_app<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    let session = Arc::clone(&state.session);
    builder
        .manage(state)
        .register_asynchronous_uri_scheme_protocol(
            commands::pixels::PIXEL_SCHEME,
            move |_ctx, request, responder| {
                let session = Arc::clone(&session);
                tauri::async_runtime::spawn(async move {
                    responder.respond(commands::pixels::handle(session, request).await);
                });
            },
        )
        .invoke_handler(commands::handler())
}

/// Resolves the deployment and builds the state the commands share.
async fn prepare_state(mode: Mode, link: Option<&str>) -> Result<AppState, StartError> {
    let (deployment, sandbox) = compose::resolve(&mode).await?;
    compose::compose(deployment, sandbox, link).await
}

/// Opens the viewer window and runs until it is closed. A second launch hands its link to
/// the running viewer and exits instead.
pub fn run_viewer(link: Option<String>) -> ExitCode {
    nir_core::logging::init();
    let link = nir_core::vault::restart_with_scrubbing_malloc(link);
    nir_core::vault::harden_process();
    // Mesa would otherwise keep compiled shaders in the home directory.
    std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
    // Without a GPU render node, WebKit's DMA-BUF renderer costs most of the frame rate.
    webkit_renderer::configure();
    // A live configuration that `config check` would fail is refused before anything is
    // started: the window only says why, and nothing reaches the network.
    let mode = match config::load_managed() {
        Ok(Some(config)) => match config.validate() {
            problems if problems.is_empty() => Mode::Live(Box::new(config)),
            problems => return refused_start::run(problems),
        },
        Ok(None) => Mode::Training,
        Err(error) => return refused_start::run(vec![error.to_string()]),
    };
    let socket = default_socket_path();
    let listener =
        match tauri::async_runtime::block_on(hand_off_or_listen(&socket, link.as_deref())) {
            Ok(InstanceRole::HandedOff) => {
                println!("nir-viewer is already running; the link was passed to it.");
                return ExitCode::SUCCESS;
            }
            Ok(InstanceRole::Primary(listener)) => Some(listener),
            Err(error) => {
                eprintln!("nir-viewer: {error}; continuing without single-instance hand-off");
                None
            }
        };
    let startup = commands::session::StartupInfo {
        training: matches!(mode, Mode::Training),
        configuration_problems: Vec::new(),
    };
    let swept = sweep_stale_dirs();
    if swept > 0 {
        tracing::info!(
            swept,
            "removed runtime directories left by viewers that were killed"
        );
    }
    let private_dir = match create_private_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("nir-viewer: cannot create a private runtime directory: {error}");
            return ExitCode::from(2);
        }
    };
    let state = match tauri::async_runtime::block_on(prepare_state(mode, link.as_deref())) {
        Ok(state) => state,
        Err(error) => {
            remove_private_dir(&private_dir);
            eprintln!("nir-viewer: {error}");
            return ExitCode::from(2);
        }
    };
    let primary = listener.is_some();
    let webview_dir = private_dir.clone();
    let app = build_app(tauri::Builder::default().manage(startup), state)
        .setup(move |app| {
            app.manage(WebviewDataDir(webview_dir.clone()));
            open_main_window(app.handle(), &webview_dir, MAIN_WINDOW)?;
            if let Some(listener) = listener {
                links::spawn_launch_listener(app.handle().clone(), listener);
            }
            exit::spawn_signal_handler(app.handle().clone());
            session_events::forward_to_page(
                app.handle().clone(),
                &app.state::<AppState>().session_ends,
            );
            Ok(())
        })
        .build(context());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            remove_private_dir(&private_dir);
            eprintln!("nir-viewer: the window could not be opened: {error}");
            return ExitCode::from(1);
        }
    };
    app.run(move |handle, event| {
        // macOS hands a clicked nir-viewer:// link to the app as an "open URL" event, not on
        // the command line; it takes the same path as a link handed over through the socket.
        #[cfg(target_os = "macos")]
        if let RunEvent::Opened { urls } = &event {
            for url in urls {
                links::deliver_link(handle, url.as_str());
            }
        }
        if let RunEvent::Exit = event {
            exit::shut_down(handle);
            // WebKit's helpers could still write into the private directory as they wind
            // down; they are ended first, so nothing appears after it is removed.
            helper_processes::end_helper_processes();
            remove_private_dir(&private_dir);
            if primary {
                exit::remove_instance_socket(&socket);
            }
        }
    });
    ExitCode::SUCCESS
}
