//! The viewer window: builds the Tauri application, decides between training mode and a
//! live NIR configuration, and creates the one window with a WebView that keeps nothing
//! on disk (incognito, its data directory in a private runtime folder removed on exit).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tauri::{Builder, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::commands;
use crate::config::{self, Config};
use crate::launch::{
    default_socket_path, hand_off_or_listen, parse_link, InstanceRole, LaunchError, LaunchRequest,
    SignedContextPolicy,
};

/// Label of the single viewer window; the capability file grants permissions to it.
pub const MAIN_WINDOW: &str = "main";

/// How this run of the viewer reaches NIR.
#[derive(Debug, Clone)]
pub enum Mode {
    /// No NIR configuration: the embedded sandbox with synthetic patients.
    Training,
    /// A managed configuration naming a real NIR endpoint.
    Live(Box<Config>),
}

impl Mode {
    /// Whether the TRAINING marker must be shown.
    pub fn is_training(&self) -> bool {
        matches!(self, Mode::Training)
    }
}

/// State shared with the commands.
#[derive(Debug)]
pub struct AppState {
    /// Training or live.
    pub mode: Mode,
    /// A launch link waiting for the UI (validated or refused), from the command line or a
    /// later launch handed over through the single-instance socket.
    pub pending_launch: std::sync::Mutex<Option<Result<LaunchRequest, LaunchError>>>,
}

impl AppState {
    /// State for `mode` with an optional first launch link.
    pub fn new(mode: Mode, link: Option<&str>) -> Self {
        Self {
            mode,
            pending_launch: std::sync::Mutex::new(link.map(parse_link)),
        }
    }

    /// The signed-context policy of the configuration in force (training: optional, no key).
    pub fn signed_context_policy(&self) -> SignedContextPolicy {
        match &self.mode {
            Mode::Training => SignedContextPolicy {
                required: false,
                public_key_pem: None,
                issuer: String::new(),
                audience: "nir-viewer".into(),
                max_lifetime_secs: 300,
            },
            Mode::Live(config) => SignedContextPolicy {
                required: config.launch.require_signed_context,
                public_key_pem: config
                    .launch
                    .context_public_key
                    .as_ref()
                    .and_then(|path| std::fs::read(path).ok()),
                issuer: config.launch.context_issuer.clone().unwrap_or_default(),
                audience: config.launch.context_audience.clone(),
                max_lifetime_secs: 300,
            },
        }
    }

    /// Queues a link handed over by a later launch.
    pub fn queue_launch(&self, link: &str) {
        let mut pending = self
            .pending_launch
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *pending = Some(parse_link(link));
    }
}

/// Registers commands and state on a builder. Shared by [`run_viewer`] and the tests, which
/// pass a mock runtime builder.
pub fn build_app<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::session::app_info,
            commands::session::validate_nhs_number,
            commands::session::take_launch,
        ])
}

/// Opens the viewer window and runs until it is closed. A second launch hands its link to
/// the running viewer and exits instead.
pub fn run_viewer(link: Option<String>) -> ExitCode {
    crate::vault::harden_process();
    let listener = match tauri::async_runtime::block_on(hand_off_or_listen(
        &default_socket_path(),
        link.as_deref(),
    )) {
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
    let mode = match config::load_managed() {
        Ok(Some(config)) => Mode::Live(Box::new(config)),
        Ok(None) => Mode::Training,
        Err(error) => {
            eprintln!("nir-viewer: {error}");
            return ExitCode::from(2);
        }
    };
    // Mesa would otherwise keep compiled shaders in the home directory.
    std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
    let private_dir = match create_private_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("nir-viewer: cannot create a private runtime directory: {error}");
            return ExitCode::from(2);
        }
    };
    let webview_dir = private_dir.clone();
    let app = build_app(
        tauri::Builder::default(),
        AppState::new(mode, link.as_deref()),
    )
    .setup(move |app| {
        open_main_window(app.handle(), &webview_dir)?;
        if let Some(listener) = listener {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                while let Some(link) = listener.next_link().await {
                    if !link.is_empty() {
                        handle.state::<AppState>().queue_launch(&link);
                        let _ = tauri::Emitter::emit(&handle, "launch-pending", ());
                    }
                    if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
                        let _ = window.set_focus();
                    }
                }
            });
        }
        Ok(())
    })
    .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            remove_private_dir(&private_dir);
            eprintln!("nir-viewer: the window could not be opened: {error}");
            return ExitCode::from(1);
        }
    };
    app.run(move |_handle, event| {
        if let RunEvent::Exit = event {
            remove_private_dir(&private_dir);
        }
    });
    ExitCode::SUCCESS
}

/// Creates the main window. Incognito keeps WebView storage in memory; tauri-driver cannot
/// attach to an incognito WebView, so under automation only the private directory protects.
fn open_main_window<R: Runtime, M: Manager<R>>(manager: &M, data_dir: &Path) -> tauri::Result<()> {
    let automated = std::env::var("TAURI_WEBVIEW_AUTOMATION").is_ok_and(|v| v == "true");
    WebviewWindowBuilder::new(manager, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .title("NIR Viewer")
        .inner_size(1280.0, 820.0)
        .min_inner_size(960.0, 640.0)
        .incognito(!automated)
        .data_directory(data_dir.to_path_buf())
        .disable_drag_drop_handler()
        .build()?;
    Ok(())
}

/// A fresh directory readable by this user only, under the runtime dir when there is one.
fn create_private_dir() -> std::io::Result<PathBuf> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!(
        "nir-viewer-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir)?;
    Ok(dir)
}

fn remove_private_dir(dir: &Path) {
    if let Err(error) = std::fs::remove_dir_all(dir) {
        if error.kind() != std::io::ErrorKind::NotFound {
            eprintln!("nir-viewer: could not remove the private runtime directory: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_dir_is_user_only_and_removable() {
        let dir = create_private_dir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        remove_private_dir(&dir);
        assert!(!dir.exists());
    }
}
