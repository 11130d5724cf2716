//! The composition root's input: the configuration in force, resolved once into a
//! [`Deployment`] — how to reach NIR and its networks, where the clinician's token may go,
//! how sign-in, audit, metrics, the memory budget, idle locking and launches behave. Training
//! mode (the embedded sandbox) and a live NIR configuration differ here and nowhere else:
//! the shell wires a `Deployment` without asking which mode it came from, and the commands
//! read their settings from it.

use std::path::Path;
use std::time::Duration;

use nir_core::auth::settings::AuthSettings;
use nir_core::config::{
    self, AuditSettings, Config, Flavour, ObservabilitySettings, PatientIdForm,
};
use nir_core::launch::{ContextKey, SignedContextPolicy, SmartSettings};
use nir_core::net::{NetworkSettings, OriginPolicy};
use nir_core::registry::KnownNetwork;
use url::Url;

use super::error::StartError;

/// How this run of the viewer reaches NIR: the input the deployment is resolved from.
#[derive(Debug, Clone)]
pub enum Mode {
    /// No NIR configuration: the embedded sandbox with synthetic patients.
    Training,
    /// A managed configuration naming a real NIR endpoint.
    Live(Box<Config>),
}

/// Memory budget in training mode.
const TRAINING_BUDGET_BYTES: u64 = 2 << 30;
/// Idle lock in training mode.
const TRAINING_IDLE: Duration = Duration::from_secs(15 * 60);
/// The ODS code training mode sends.
const TRAINING_ODS_CODE: &str = "TRAIN1";
/// The audience a signed launch context is issued for unless configured otherwise.
const CONTEXT_AUDIENCE: &str = "nir-viewer";
/// The longest a signed launch context may live.
const CONTEXT_MAX_LIFETIME_SECS: u64 = 300;

/// Which discovery service, and how its networks are known.
#[derive(Debug, Clone)]
pub enum RegistryPlan {
    /// The sandbox's FHIR service; its networks are read from the sandbox at start.
    SandboxFhir,
    /// The sandbox's XCA gateway (ITI-38/ITI-39); its networks are read from the sandbox.
    SandboxXca,
    /// NIR's FHIR (NRL v3) flavour with the configured networks.
    Fhir {
        /// The FHIR base.
        base: Url,
        /// The configured provider networks.
        networks: Vec<KnownNetwork>,
    },
    /// NIR's XCA flavour with the configured networks.
    Xca {
        /// Where ITI-38 queries go.
        query: Url,
        /// Where ITI-39 retrieves go.
        retrieve: Url,
        /// The configured provider networks.
        networks: Vec<KnownNetwork>,
        /// How the patient is named in a query.
        patient_id_form: PatientIdForm,
    },
}

/// Everything the shell wires, resolved once from the configuration in force.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Whether the TRAINING marker is shown (and audit stays in the panel).
    pub training: bool,
    /// Proxy, trust anchors and client certificate for every outbound request.
    pub network: NetworkSettings,
    /// The consuming organisation's ODS code.
    pub ods_code: String,
    /// How much decoded and retrieved content may be held at once.
    pub budget_bytes: u64,
    /// The NIR base (the sandbox's in training mode).
    pub nir_base: Url,
    /// Discovery.
    pub registry: RegistryPlan,
    /// The one list of origins requests, and the clinician's token, may go to.
    pub origins: OriginPolicy,
    /// Where audit events go; `None` keeps them for the training panel only.
    pub audit: Option<AuditSettings>,
    /// Metrics export, when a collector is configured.
    pub metrics: Option<ObservabilitySettings>,
    /// How long without activity before the session locks.
    pub idle: Duration,
    /// The sign-in provider's settings, or why they are unusable (said at sign-in).
    pub sign_in: Result<AuthSettings, String>,
    /// Which patient records may start a SMART launch.
    pub smart: SmartSettings,
    /// What a signed launch context must satisfy.
    pub signed_context: SignedContextPolicy,
}

impl Deployment {
    /// Training mode against the sandbox at `sandbox_base`.
    pub fn training(sandbox_base: Url) -> Self {
        let sign_in = sandbox_base
            .join("oidc")
            .map(AuthSettings::training)
            .map_err(|e| e.to_string());
        let smart = SmartSettings::new(
            sandbox_base.join("smart-ehr/fhir").into_iter().collect(),
            nir_sandbox::smart_ehr::SMART_CLIENT_ID,
        );
        Self {
            training: true,
            network: NetworkSettings::default(),
            ods_code: TRAINING_ODS_CODE.to_owned(),
            budget_bytes: TRAINING_BUDGET_BYTES,
            origins: OriginPolicy::for_training(&sandbox_base),
            nir_base: sandbox_base,
            registry: RegistryPlan::SandboxFhir,
            audit: None,
            metrics: None,
            idle: TRAINING_IDLE,
            sign_in,
            smart,
            signed_context: SignedContextPolicy {
                required: false,
                key: ContextKey::None,
                issuer: String::new(),
                audience: CONTEXT_AUDIENCE.into(),
                max_lifetime_secs: CONTEXT_MAX_LIFETIME_SECS,
            },
        }
    }

    /// A live NIR configuration (already validated). Fails only when a file it names (CA
    /// bundle, client certificate) cannot be read.
    pub fn live(config: &Config) -> Result<Self, StartError> {
        let networks = config.known_networks();
        let registry = match config.nir.flavour {
            Flavour::Fhir => RegistryPlan::Fhir {
                base: config.nir.base_url.clone(),
                networks,
            },
            Flavour::Xca => RegistryPlan::Xca {
                query: config.nir.base_url.clone(),
                retrieve: config
                    .nir
                    .retrieve_url
                    .clone()
                    .unwrap_or_else(|| config.nir.base_url.clone()),
                networks,
                patient_id_form: config.nir.patient_id_form,
            },
        };
        let launch = &config.launch;
        Ok(Self {
            training: false,
            network: config::network_settings(config).map_err(StartError::ConfiguredFile)?,
            ods_code: config.organisation.ods_code.clone().unwrap_or_default(),
            budget_bytes: config.limits.budget_bytes(),
            nir_base: config.nir.base_url.clone(),
            registry,
            origins: OriginPolicy::for_live(config),
            audit: Some(config.audit.clone()),
            metrics: config
                .observability
                .otlp_endpoint
                .is_some()
                .then(|| config.observability.clone()),
            idle: Duration::from_secs(u64::from(config.auth.idle_timeout_minutes) * 60),
            sign_in: config.auth.sign_in_settings(),
            smart: SmartSettings::new(
                launch.smart_issuers.clone(),
                launch.smart_client_id.as_deref().unwrap_or("nir-viewer"),
            ),
            signed_context: SignedContextPolicy {
                required: launch.require_signed_context,
                key: context_key(launch.context_public_key.as_deref()),
                issuer: launch.context_issuer.clone().unwrap_or_default(),
                audience: launch.context_audience.clone(),
                max_lifetime_secs: CONTEXT_MAX_LIFETIME_SECS,
            },
        })
    }
}

/// The configured verification key: none, its PEM, or why it could not be read (then the
/// links that need it are refused with that reason instead of being treated as unsigned).
pub fn context_key(path: Option<&Path>) -> ContextKey {
    let Some(path) = path else {
        return ContextKey::None;
    };
    match std::fs::read(path) {
        Ok(pem) => ContextKey::Pem(pem),
        Err(error) => {
            tracing::warn!(kind = %error.kind(), "the signed-context key could not be read");
            ContextKey::Unreadable(format!("{}: {}", path.display(), error.kind()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_config(nir: &str) -> Config {
        let text = format!(
            "[nir]\nbase_url = \"https://nir.example.nhs.uk/\"\n{nir}\n[auth]\nissuer = \"https://cis2.example.nhs.uk/\"\nclient_id = \"viewer\"\n"
        );
        config::parse(&text).expect("a valid configuration")
    }

    #[test]
    fn training_reaches_only_the_sandbox_and_signs_in_with_its_mock_provider() {
        let base = Url::parse("http://127.0.0.1:8642/").unwrap();
        let deployment = Deployment::training(base.clone());
        assert!(deployment.training);
        assert!(
            deployment.audit.is_none(),
            "training audit stays in the panel"
        );
        assert!(matches!(deployment.registry, RegistryPlan::SandboxFhir));
        let settings = deployment.sign_in.expect("training sign-in settings");
        assert_eq!(settings.issuer.as_str(), "http://127.0.0.1:8642/oidc");
        assert!(!deployment.signed_context.required);
        assert!(deployment
            .origins
            .check(&Url::parse("http://127.0.0.1:8642/fhir/R4/").unwrap())
            .is_ok());
        assert!(deployment
            .origins
            .check(&Url::parse("https://nir.example.nhs.uk/").unwrap())
            .is_err());
    }

    #[test]
    fn a_live_configuration_chooses_the_flavour_and_audits() {
        let fhir = Deployment::live(&live_config("flavour = \"fhir\"")).unwrap();
        assert!(!fhir.training);
        assert!(fhir.audit.is_some());
        assert!(matches!(fhir.registry, RegistryPlan::Fhir { .. }));
        let xca = Deployment::live(&live_config(
            "flavour = \"xca\"\nretrieve_url = \"https://nir.example.nhs.uk/iti39\"",
        ))
        .unwrap();
        let RegistryPlan::Xca {
            query, retrieve, ..
        } = xca.registry
        else {
            panic!("an XCA configuration gives an XCA registry");
        };
        assert_eq!(query.as_str(), "https://nir.example.nhs.uk/");
        assert_eq!(retrieve.as_str(), "https://nir.example.nhs.uk/iti39");
    }

    #[test]
    fn an_unreadable_context_key_is_reported_not_taken_for_no_key() {
        assert_eq!(context_key(None), ContextKey::None);
        let missing = std::env::temp_dir().join(format!("no-such-key-{}", uuid::Uuid::new_v4()));
        let ContextKey::Unreadable(why) = context_key(Some(&missing)) else {
            panic!("an unreadable key must be reported");
        };
        assert!(why.contains("not found"), "{why}");
        let file = std::env::temp_dir().join(format!("key-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&file, b"PEM").unwrap();
        assert_eq!(context_key(Some(&file)), ContextKey::Pem(b"PEM".to_vec()));
        std::fs::remove_file(file).unwrap();
    }
}
