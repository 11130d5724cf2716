//! What the window's commands share: the mode (training or live), the viewer session, the
//! embedded sandbox in training mode, and a launch link waiting for the UI.

use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::launch::{parse_link, LaunchError, LaunchRequest, SignedContextPolicy, SmartSettings};
use crate::sandbox::SandboxHandle;
use crate::viewer::{TokenSlot, ViewerSession};

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
pub struct AppState {
    /// Training or live.
    pub mode: Mode,
    /// The clinician's session.
    pub session: Arc<ViewerSession>,
    /// The signed-in user's tokens.
    pub tokens: Arc<TokenSlot>,
    /// The sign-in state machine (locks on idle and card removal).
    pub auth: Arc<crate::auth::session::Session>,
    /// The smartcard watch of the signed-in user, when PC/SC is available.
    pub card_watch: Mutex<Option<crate::auth::smartcard::CardWatch>>,
    /// Locks the session when logind announces a sleep (`None` without a system bus).
    pub sleep_watch: Option<crate::auth::sleep_watch::SleepWatch>,
    /// The configured discovery backend (FHIR against the sandbox in training mode).
    pub discovery: Arc<dyn crate::registry::DiscoveryBackend>,
    /// Base URL of the discovery service (the sandbox's in training mode).
    pub discovery_base: url::Url,
    /// The embedded sandbox, in training mode.
    pub sandbox: Mutex<Option<SandboxHandle>>,
    /// A launch link waiting for the UI (validated or refused), from the command line or a
    /// later launch handed over through the single-instance socket.
    pub pending_launch: Mutex<Option<Result<LaunchRequest, LaunchError>>>,
    /// The metrics exporter, when the configuration names a collector.
    pub metrics_export: Option<Arc<crate::observability::OtlpExporter>>,
    /// A patient the clinician has already agreed to open, carried across a restart of the
    /// page (see [`crate::web_content`]); the new page opens it without asking again.
    pub chosen_patient: Mutex<Option<ChosenPatient>>,
}

/// A patient to open with the date range of interest, already confirmed by the clinician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenPatient {
    /// Who.
    pub nhs_number: crate::nhs_number::NhsNumber,
    /// Earliest date of interest.
    pub from: Option<chrono::NaiveDate>,
    /// Latest date of interest.
    pub to: Option<chrono::NaiveDate>,
}

impl AppState {
    /// Takes the patient chosen before the page restarted, if any.
    pub fn take_chosen_patient(&self) -> Option<ChosenPatient> {
        self.chosen_patient
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Keeps (or forgets, with `None`) the patient the restarted page is to open.
    pub fn set_chosen_patient(&self, chosen: Option<ChosenPatient>) {
        *self
            .chosen_patient
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = chosen;
    }

    /// Takes the pending launch, if any.
    pub fn take_launch(&self) -> Option<Result<LaunchRequest, LaunchError>> {
        self.pending_launch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Queues a launch link (first launch or a later hand-off).
    pub fn queue_launch(&self, link: &str) {
        let mut pending = self
            .pending_launch
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *pending = Some(parse_link(link));
    }

    /// Which patient records may start a SMART launch: in training mode only the embedded
    /// sandbox's mock patient record; otherwise the configured allow-list (empty: none).
    pub fn smart_settings(&self) -> SmartSettings {
        match &self.mode {
            Mode::Training => SmartSettings::new(
                self.discovery_base
                    .join("smart-ehr/fhir")
                    .into_iter()
                    .collect(),
                crate::sandbox::smart_ehr::SMART_CLIENT_ID,
            ),
            Mode::Live(config) => SmartSettings::new(
                config.launch.smart_issuers.clone(),
                config
                    .launch
                    .smart_client_id
                    .as_deref()
                    .unwrap_or("nir-viewer"),
            ),
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
}
