//! The composition root: the one place where the viewer's parts are built and wired from a
//! [`Deployment`] — the HTTP client, the viewer session with its vault and audit trail,
//! discovery, the sign-in state machine with its lock wipe, the sleep watch, metrics export
//! and the launch queue. In training mode the embedded sandbox is started first, and the
//! deployment is resolved against its address.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nir_core::audit::AuditTrail;
use nir_core::net::build_client;
use nir_core::observability::OtlpExporter;
use nir_core::registry::{DiscoveryBackend, RequestContext};
use nir_core::viewer::discovery::{fhir_backend, sandbox_networks, xca_backend};
use nir_core::viewer::{SessionParts, TokenSlot, ViewerSession};
use nir_sandbox::{SandboxHandle, SandboxOptions};

use super::deployment::{Deployment, Mode, RegistryPlan};
use super::error::StartError;
use super::session_events::SessionEnds;
use super::state::{session_end_wipe, AppState};

/// Environment variable pointing training mode at a sandbox already running in another
/// process (`nir-viewer sandbox`), so that the viewer's own memory holds only what it
/// fetched. Only loopback `http` addresses are accepted.
pub const TRAINING_SANDBOX_ENV: &str = "NIR_VIEWER_TRAINING_SANDBOX";

/// Environment variable choosing the sandbox's discovery flavour in training mode: `xca`
/// looks patients up through the sandbox's ITI-38/ITI-39 gateway (as an XCA deployment
/// does); anything else, or nothing, through its FHIR service.
pub const TRAINING_FLAVOUR_ENV: &str = "NIR_VIEWER_TRAINING_FLAVOUR";

/// Training mode's registry plan for the value of [`TRAINING_FLAVOUR_ENV`].
fn training_registry(flavour: Option<&str>) -> RegistryPlan {
    match flavour.map(str::trim) {
        Some(f) if f.eq_ignore_ascii_case("xca") => RegistryPlan::SandboxXca,
        _ => RegistryPlan::SandboxFhir,
    }
}

/// Training mode against the sandbox at `base`, in the flavour the environment chooses.
fn training(base: url::Url) -> Deployment {
    let mut deployment = Deployment::training(base);
    deployment.registry = training_registry(std::env::var(TRAINING_FLAVOUR_ENV).ok().as_deref());
    deployment
}

/// Resolves the mode into a deployment, starting the embedded sandbox for training mode
/// unless [`TRAINING_SANDBOX_ENV`] names one.
pub async fn resolve(mode: &Mode) -> Result<(Deployment, Option<SandboxHandle>), StartError> {
    match mode {
        Mode::Live(config) => Ok((Deployment::live(config)?, None)),
        Mode::Training => match external_training_sandbox()? {
            Some(base) => Ok((training(base), None)),
            None => {
                let handle = nir_sandbox::start(SandboxOptions {
                    listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                    require_auth: false,
                })
                .await?;
                Ok((training(handle.base_url().clone()), Some(handle)))
            }
        },
    }
}

/// Builds the state the commands share from `deployment`; `link` is a launch link from the
/// command line, verified now.
pub async fn compose(
    deployment: Deployment,
    sandbox: Option<SandboxHandle>,
    link: Option<&str>,
) -> Result<AppState, StartError> {
    let http = build_client(&deployment.network)?;
    let tokens = Arc::new(TokenSlot::default());
    let audit = match &deployment.audit {
        Some(settings) => nir_core::audit::live_trail(settings, &http, tokens.clone())?,
        // Training events are shown in the audit panel, never sent.
        None => Arc::new(AuditTrail::new(None)),
    };
    let session = Arc::new(ViewerSession::new(SessionParts {
        http,
        tokens: Arc::clone(&tokens),
        ods_code: deployment.ods_code.clone(),
        budget_bytes: deployment.budget_bytes,
        audit,
        training: deployment.training,
        origins: deployment.origins.clone(),
    }));
    let context = RequestContext {
        correlation_id: session.correlation_id().to_owned(),
        ods_code: session.ods_code().to_owned(),
        tokens: tokens.clone(),
    };
    let discovery = discovery(&deployment, session.http(), context).await?;
    let metrics_export = deployment
        .metrics
        .as_ref()
        .and_then(|settings| start_metrics_export(session.http(), settings));
    let launches = Arc::new(nir_core::launch::LaunchQueue::default());
    let chosen_patient = Arc::new(Mutex::new(None));
    let session_ends = SessionEnds::default();
    let auth = nir_core::auth::sign_in_state::SignInState::new(
        deployment.idle,
        session_end_wipe(
            Arc::clone(&session),
            Arc::clone(&tokens),
            Arc::clone(&launches),
            Arc::clone(&chosen_patient),
            session_ends.clone(),
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
        deployment,
        session,
        tokens,
        auth,
        card_watch: Mutex::new(None),
        sleep_watch,
        discovery,
        sandbox: Mutex::new(sandbox),
        launches,
        metrics_export,
        chosen_patient,
        session_ends,
    };
    if let Some(link) = link {
        state.queue_launch(link);
    }
    Ok(state)
}

/// The discovery backend the deployment names.
async fn discovery(
    deployment: &Deployment,
    http: &reqwest::Client,
    context: RequestContext,
) -> Result<Arc<dyn DiscoveryBackend>, StartError> {
    Ok(match &deployment.registry {
        RegistryPlan::SandboxFhir => {
            let networks = sandbox_networks(http, &deployment.nir_base)
                .await
                .map_err(StartError::TrainingNetworks)?;
            let fhir = deployment
                .nir_base
                .join("fhir/R4/")
                .map_err(|e| StartError::TrainingNetworks(e.to_string()))?;
            fhir_backend(http.clone(), fhir, networks, context)
        }
        RegistryPlan::SandboxXca => {
            let networks = sandbox_networks(http, &deployment.nir_base)
                .await
                .map_err(StartError::TrainingNetworks)?;
            let join = |path: &str| {
                deployment
                    .nir_base
                    .join(path)
                    .map_err(|e| StartError::TrainingNetworks(e.to_string()))
            };
            xca_backend(
                http.clone(),
                join("xca/iti38")?,
                join("xca/iti39")?,
                networks,
                nir_core::config::PatientIdForm::default(),
                context,
            )
        }
        RegistryPlan::Fhir { base, networks } => {
            fhir_backend(http.clone(), base.clone(), networks.clone(), context)
        }
        RegistryPlan::Xca {
            query,
            retrieve,
            networks,
            patient_id_form,
        } => xca_backend(
            http.clone(),
            query.clone(),
            retrieve.clone(),
            networks.clone(),
            *patient_id_form,
            context,
        ),
    })
}

/// Starts the periodic metrics export to the configured collector.
fn start_metrics_export(
    http: &reqwest::Client,
    settings: &nir_core::config::ObservabilitySettings,
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

/// The external training sandbox named by [`TRAINING_SANDBOX_ENV`], if any.
fn external_training_sandbox() -> Result<Option<url::Url>, StartError> {
    match std::env::var(TRAINING_SANDBOX_ENV) {
        Ok(raw) if !raw.trim().is_empty() => parse_training_sandbox(&raw).map(Some),
        _ => Ok(None),
    }
}

/// Parses a training sandbox address: `http` on a loopback IP, with a trailing slash added.
fn parse_training_sandbox(raw: &str) -> Result<url::Url, StartError> {
    let refuse = || StartError::TrainingSandboxAddress {
        variable: TRAINING_SANDBOX_ENV,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_mode_speaks_xca_only_when_asked() {
        assert!(matches!(training_registry(None), RegistryPlan::SandboxFhir));
        assert!(matches!(
            training_registry(Some("fhir")),
            RegistryPlan::SandboxFhir
        ));
        assert!(matches!(
            training_registry(Some(" XCA ")),
            RegistryPlan::SandboxXca
        ));
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
