//! The viewer window: decides between training mode (the embedded sandbox) and a live NIR
//! configuration, builds the session and the Tauri application, and creates the one window
//! with a WebView that keeps nothing on disk (incognito, its data directory private and
//! removed on exit). Closing the window, SIGTERM, SIGINT and SIGHUP all end in the same
//! place: the session is wiped, audit events are flushed (or reported), the sandbox stops.

use nir_core::observability::OtlpExporter;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{Builder, Emitter, Manager, RunEvent, Runtime, WebviewUrl, WebviewWindowBuilder};

pub use crate::app_state::{AppState, Mode};
use crate::commands;
use crate::runtime_dir::{create_private_dir, remove_private_dir, sweep_stale_dirs};
use nir_core::audit::AuditTrail;
use nir_core::config;
use nir_core::launch::{default_socket_path, hand_off_or_listen, InstanceRole, LaunchListener};
use nir_core::net::{build_client, NetworkSettings, OriginPolicy};
use nir_core::registry::SessionContext;
use nir_core::viewer::discovery::{fhir_backend, sandbox_networks, xca_backend};
use nir_core::viewer::{SessionParts, TokenSlot, ViewerSession};
use nir_sandbox::SandboxOptions;

/// Label of the single viewer window; the capability file grants permissions to it.
pub const MAIN_WINDOW: &str = "main";

/// Memory budget in training mode.
const TRAINING_BUDGET_BYTES: u64 = 2 << 30;
/// How long the exit path may spend delivering audit events.
const AUDIT_FLUSH_DEADLINE: Duration = Duration::from_secs(5);

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
        .invoke_handler(tauri::generate_handler![
            commands::session::app_info,
            commands::session::validate_nhs_number,
            commands::session::take_launch,
            commands::session::restart_page,
            commands::history::lookup,
            commands::history::close_patient,
            commands::history::confirm_identity,
            commands::studies::open_study,
            commands::studies::close_study,
            commands::studies::open_report,
            commands::studies::open_study_document,
            commands::auth::sign_in,
            commands::auth::sign_out,
            commands::auth::touch,
            commands::auth::session_state,
            commands::audit::audit_events,
            commands::diagnostics::diagnostics,
        ])
}

/// Builds the state for `mode`: in training mode the sandbox starts first.
async fn prepare_state(mode: Mode, link: Option<&str>) -> Result<AppState, String> {
    let (settings, ods_code, budget_bytes, discovery_base, sandbox) = match &mode {
        Mode::Training => {
            let (base, handle) = match external_training_sandbox()? {
                Some(base) => (base, None),
                None => {
                    let handle = nir_sandbox::start(SandboxOptions {
                        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                        require_auth: false,
                    })
                    .await
                    .map_err(|e| format!("the training sandbox could not start: {e}"))?;
                    (handle.base_url().clone(), Some(handle))
                }
            };
            (
                NetworkSettings::default(),
                "TRAIN1".to_owned(),
                TRAINING_BUDGET_BYTES,
                base,
                handle,
            )
        }
        Mode::Live(config) => (
            config::network_settings(config)?,
            config.organisation.ods_code.clone().unwrap_or_default(),
            config.limits.budget_bytes(),
            config.nir.base_url.clone(),
            None,
        ),
    };
    // The one list of origins the session's requests, and the clinician's token, may go to.
    let origins = match &mode {
        Mode::Training => OriginPolicy::for_training(&discovery_base),
        Mode::Live(config) => OriginPolicy::for_live(config),
    };
    let http = build_client(&settings).map_err(|e| e.to_string())?;
    let tokens = Arc::new(TokenSlot::default());
    let audit = match &mode {
        // Training events are shown in the audit panel, never sent.
        Mode::Training => Arc::new(AuditTrail::new(None)),
        Mode::Live(config) => nir_core::audit::live_trail(&config.audit, &http, tokens.clone())
            .map_err(|e| e.to_string())?,
    };
    let session = Arc::new(ViewerSession::new(SessionParts {
        http,
        tokens: Arc::clone(&tokens),
        ods_code,
        budget_bytes,
        audit,
        training: mode.is_training(),
        origins,
    }));
    let context = SessionContext {
        correlation_id: session.correlation_id().to_owned(),
        ods_code: session.ods_code().to_owned(),
        tokens: tokens.clone(),
    };
    let discovery = match &mode {
        Mode::Training => {
            let networks = sandbox_networks(session.http(), &discovery_base).await?;
            let fhir = discovery_base.join("fhir/R4/").map_err(|e| e.to_string())?;
            fhir_backend(session.http().clone(), fhir, networks, context)
        }
        Mode::Live(config) => match config.nir.flavour {
            config::Flavour::Fhir => fhir_backend(
                session.http().clone(),
                config.nir.base_url.clone(),
                config.known_networks(),
                context,
            ),
            config::Flavour::Xca => xca_backend(
                session.http().clone(),
                config.nir.base_url.clone(),
                config
                    .nir
                    .retrieve_url
                    .clone()
                    .unwrap_or_else(|| config.nir.base_url.clone()),
                config.known_networks(),
                config.nir.patient_id_form,
                context,
            ),
        },
    };
    let metrics_export = match &mode {
        Mode::Live(config) => start_metrics_export(session.http(), &config.observability),
        Mode::Training => None,
    };
    let idle_minutes = match &mode {
        Mode::Training => 15,
        Mode::Live(config) => u64::from(config.auth.idle_timeout_minutes),
    };
    let launches = Arc::new(nir_core::launch::LaunchQueue::default());
    let chosen_patient = Arc::new(Mutex::new(None));
    let auth = nir_core::auth::session::Session::new(
        Duration::from_secs(idle_minutes * 60),
        crate::app_state::session_end_wipe(
            Arc::clone(&session),
            Arc::clone(&tokens),
            Arc::clone(&launches),
            Arc::clone(&chosen_patient),
        ),
    );
    let sleep_watch = match nir_core::auth::sleep_watch::SleepWatch::start_system(&auth) {
        Ok(watch) => Some(watch),
        Err(error) => {
            tracing::warn!(
                code = "sleep-watch-missing",
                "no sleep announcements ({error}): a sleep locks the session when noticed on waking"
            );
            None
        }
    };
    let state = AppState {
        mode,
        session,
        tokens,
        auth,
        card_watch: Mutex::new(None),
        sleep_watch,
        discovery,
        discovery_base,
        sandbox: Mutex::new(sandbox),
        launches,
        metrics_export,
        chosen_patient,
    };
    if let Some(link) = link {
        state.queue_launch(link);
    }
    Ok(state)
}

/// Environment variable pointing training mode at a sandbox already running in another
/// process (`nir-viewer sandbox`), so that the viewer's own memory holds only what it
/// fetched. Only loopback `http` addresses are accepted.
pub const TRAINING_SANDBOX_ENV: &str = "NIR_VIEWER_TRAINING_SANDBOX";

/// The external training sandbox named by [`TRAINING_SANDBOX_ENV`], if any.
fn external_training_sandbox() -> Result<Option<url::Url>, String> {
    match std::env::var(TRAINING_SANDBOX_ENV) {
        Ok(raw) if !raw.trim().is_empty() => parse_training_sandbox(&raw).map(Some),
        _ => Ok(None),
    }
}

/// Parses a training sandbox address: `http` on a loopback IP, with a trailing slash added.
fn parse_training_sandbox(raw: &str) -> Result<url::Url, String> {
    let refuse = || format!("{TRAINING_SANDBOX_ENV} must be http://127.0.0.1:PORT (loopback only)");
    let mut url = url::Url::parse(raw.trim()).map_err(|_| refuse())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if url.scheme() != "http" || !loopback || url.port().is_none() {
        return Err(refuse());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
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
    crate::webkit_renderer::configure();
    // A live configuration that `config check` would fail is refused before anything is
    // started: the window only says why, and nothing reaches the network.
    let mode = match config::load_managed() {
        Ok(Some(config)) => match config.validate() {
            problems if problems.is_empty() => Mode::Live(Box::new(config)),
            problems => return crate::refused_start::run(problems),
        },
        Ok(None) => Mode::Training,
        Err(error) => return crate::refused_start::run(vec![error.to_string()]),
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
        training: mode.is_training(),
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
                spawn_launch_listener(app.handle().clone(), listener);
            }
            spawn_signal_handler(app.handle().clone());
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
                deliver_link(handle, url.as_str());
            }
        }
        if let RunEvent::Exit = event {
            shut_down(handle);
            // WebKit's helpers could still write into the private directory as they wind
            // down; they are ended first, so nothing appears after it is removed.
            crate::helper_processes::end_helper_processes();
            remove_private_dir(&private_dir);
            if primary {
                remove_instance_socket(&socket);
            }
        }
    });
    ExitCode::SUCCESS
}

/// Removes the single-instance socket and its directory at exit: the listener's task never
/// ends, so its `Drop` would not run, and nothing the viewer created may outlive it.
fn remove_instance_socket(socket: &Path) {
    let _ = std::fs::remove_file(socket);
    if let Some(dir) = socket.parent() {
        // Only when empty: another user's or a newer viewer's files are left alone.
        let _ = std::fs::remove_dir(dir);
    }
}

/// Starts the periodic metrics export when the configuration names a collector.
fn start_metrics_export(
    http: &reqwest::Client,
    settings: &config::ObservabilitySettings,
) -> Option<Arc<OtlpExporter>> {
    let endpoint = settings.otlp_endpoint.clone()?;
    let exporter = Arc::new(OtlpExporter::new(
        http.clone(),
        endpoint,
        nir_core::observability::global(),
    ));
    exporter.spawn_periodic(Duration::from_secs(settings.export_interval_seconds));
    Some(exporter)
}

/// The one exit path: wipe, flush audit, export the metrics a last time, stop the sandbox.
fn shut_down<R: Runtime>(handle: &tauri::AppHandle<R>) {
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

fn spawn_launch_listener<R: Runtime>(handle: tauri::AppHandle<R>, listener: LaunchListener) {
    tauri::async_runtime::spawn(async move {
        while let Some(link) = listener.next_link().await {
            deliver_link(&handle, &link);
        }
    });
}

/// Queues a link from a later launch for the window (an empty one only raises the window).
fn deliver_link<R: Runtime>(handle: &tauri::AppHandle<R>, link: &str) {
    if !link.is_empty() {
        handle.state::<AppState>().queue_launch(link);
        let _ = handle.emit("launch-pending", ());
    }
    // The main window, under whichever label it has now (it is replaced after each patient).
    if let Some(window) = handle.webview_windows().into_values().next() {
        let _ = window.set_focus();
    }
}

/// SIGTERM, SIGINT and SIGHUP close the app through the normal exit path, so the wipe runs.
fn spawn_signal_handler<R: Runtime>(handle: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut signals = match crate::exit_signals::ExitSignals::install() {
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

/// Where the window's WebView keeps its data: the private runtime directory, removed at exit.
pub struct WebviewDataDir(pub PathBuf);

/// Creates a main window (`label` is `main`, or `main-N` for one that replaces it, see
/// [`crate::web_content`]). Incognito keeps WebView storage in memory; tauri-driver cannot
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

    #[test]
    fn an_external_training_sandbox_must_be_loopback_http() {
        assert_eq!(
            parse_training_sandbox("http://127.0.0.1:8642")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8642/"
        );
        assert!(parse_training_sandbox("http://[::1]:8642/").is_ok());
        for refused in [
            "https://127.0.0.1:8642/",
            "http://10.0.0.1:8642/",
            "http://localhost:8642/",
            "http://127.0.0.1/",
            "not a url",
        ] {
            assert!(parse_training_sandbox(refused).is_err(), "{refused}");
        }
    }
}
