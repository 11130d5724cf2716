//! Configuration in force: the managed file an organisation installs
//! (`/etc/nir-viewer/config.toml` on Linux). `NIR_VIEWER_CONFIG` names another file only in
//! debug builds (tests) and for `nir-viewer config check`: in a release build no process
//! can swap the organisation's policy for its own. Its absence
//! is meaningful: with no NIR configuration the viewer runs in training mode against the
//! embedded sandbox, and says so on screen. A file that sets nothing (only comments, as the
//! installers ship it) counts as absent, so installing the package alone gives training mode.

mod network;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::auth::settings::{
    Assurance, AuthSettings as SignInSettings, ClientAuthMethod, TokenExchangeSettings,
};
use crate::error::{ErrorCode, UserFacing};

pub use network::network_settings;

/// Where the managed configuration lives unless `NIR_VIEWER_CONFIG` says otherwise.
#[cfg(target_os = "windows")]
pub const MANAGED_CONFIG_PATH: &str = r"C:\ProgramData\nir-viewer\config.toml";
/// Where the managed configuration lives unless `NIR_VIEWER_CONFIG` says otherwise.
#[cfg(target_os = "macos")]
pub const MANAGED_CONFIG_PATH: &str = "/Library/Application Support/nir-viewer/config.toml";
/// Where the managed configuration lives unless `NIR_VIEWER_CONFIG` says otherwise.
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
pub const MANAGED_CONFIG_PATH: &str = "/etc/nir-viewer/config.toml";

/// Environment variable naming an alternative managed configuration file (debug builds and
/// `config check` only).
pub const CONFIG_PATH_ENV: &str = "NIR_VIEWER_CONFIG";

/// The managed configuration an organisation installs. Every section but `nir` has safe
/// defaults; unknown settings are refused so a typing mistake cannot weaken one silently.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How to reach NIR.
    pub nir: NirEndpoint,
    /// The consuming organisation.
    #[serde(default)]
    pub organisation: Organisation,
    /// Sign-in.
    #[serde(default)]
    pub auth: AuthSettings,
    /// Outbound network.
    #[serde(default)]
    pub network: NetworkConfig,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// Where audit events go.
    #[serde(default)]
    pub audit: AuditSettings,
    /// Launch from the EPR.
    #[serde(default)]
    pub launch: LaunchSettings,
    /// Metrics export (no patient data).
    #[serde(default)]
    pub observability: ObservabilitySettings,
}

/// The NIR discovery endpoint and which flavour it speaks.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NirEndpoint {
    /// `fhir` (MHD ITI-67 / NRL v3) or `xca` (ITI-38/39).
    pub flavour: Flavour,
    /// Base URL of the discovery service.
    pub base_url: url::Url,
    /// XCA only: the ITI-39 retrieve endpoint, when different from the query one.
    #[serde(default)]
    pub retrieve_url: Option<url::Url>,
    /// XCA only: how the NHS number is written in `$XDSDocumentEntryPatientId`.
    #[serde(default)]
    pub patient_id_form: PatientIdForm,
    /// The provider networks the organisation knows by name (`[[nir.networks]]`): records
    /// are attributed to them by home community id or by the custodian's ODS code.
    #[serde(default)]
    pub networks: Vec<NetworkEntry>,
}

/// How an XCA query names the patient (an HL7 v2 CX value, IHE ITI TF-3 §4.2.3.2).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PatientIdForm {
    /// `NNN^^^NHS^NH`: the form of NIR's published `AdHocQueryRequest.xml` sample.
    #[default]
    NhsNh,
    /// `NNN^^^&2.16.840.1.113883.2.1.4.1&ISO`: the assigning authority by the NHS number OID.
    IsoOid,
}

/// One provider network an organisation names in its configuration.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NetworkEntry {
    /// The name clinicians see.
    pub name: String,
    /// The network's XCA home community id (`urn:oid:…`), when it has one.
    #[serde(default)]
    pub home_community_id: Option<String>,
    /// ODS codes of the organisations whose records belong to this network (matched
    /// against a pointer's `custodian`).
    #[serde(default)]
    pub ods_codes: Vec<String>,
}

/// The two discovery designs NIR may run.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// FHIR DocumentReference search.
    Fhir,
    /// IHE cross-community query over SOAP.
    Xca,
}

/// The consuming organisation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// ODS code sent as `NHSD-End-User-Organisation-ODS`.
    pub ods_code: Option<String>,
}

/// CIS2 sign-in: every setting of `docs/auth.md`. Resolved into the sign-in settings by
/// [`AuthSettings::sign_in_settings`].
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// The OpenID Connect issuer.
    pub issuer: Option<url::Url>,
    /// The viewer's client id.
    pub client_id: Option<String>,
    /// Token endpoint authentication: `private_key_jwt` (what CIS2 requires) or `none`.
    pub client_auth: ClientAuthMethod,
    /// Scopes requested; `nationalrbacaccess` is what makes UserInfo return the roles.
    pub scopes: Vec<String>,
    /// Required authentication assurance: `aal3` (default) or `aal2`.
    pub assurance: Assurance,
    /// `acr_values` sent with the authorization request; the assurance's when absent.
    pub acr_values: Option<String>,
    /// Exact path of the loopback redirect.
    pub redirect_path: String,
    /// `amr` values accepted; the assurance's when absent (empty list: not checked).
    pub accepted_amr: Option<Vec<String>>,
    /// `acr` values accepted; the assurance's when absent (empty list: not checked).
    pub accepted_acr: Option<Vec<String>>,
    /// RBAC role codes allowed to use the viewer.
    pub allowed_roles: Vec<String>,
    /// Minutes without input before the session locks.
    pub idle_timeout_minutes: u32,
    /// Seconds before expiry at which tokens are refreshed.
    pub refresh_margin_seconds: u64,
    /// Seconds to wait for the person to finish signing in in the browser.
    pub sign_in_timeout_seconds: u64,
    /// RFC 8693 token exchange for an API platform that is not "combined" with CIS2.
    pub token_exchange: Option<TokenExchangeSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            client_id: None,
            client_auth: ClientAuthMethod::default(),
            scopes: crate::auth::settings::default_scopes(),
            assurance: Assurance::default(),
            acr_values: None,
            redirect_path: crate::auth::settings::default_redirect_path(),
            accepted_amr: None,
            accepted_acr: None,
            allowed_roles: Vec::new(),
            idle_timeout_minutes: 15,
            refresh_margin_seconds: crate::auth::settings::default_refresh_margin(),
            sign_in_timeout_seconds: crate::auth::settings::default_sign_in_timeout(),
            token_exchange: None,
        }
    }
}

impl AuthSettings {
    /// The sign-in settings this table gives, or what is missing.
    pub fn sign_in_settings(&self) -> Result<SignInSettings, String> {
        let issuer = self.issuer.clone().ok_or("auth.issuer is not configured")?;
        let client_id = self
            .client_id
            .clone()
            .ok_or("auth.client_id is not configured")?;
        Ok(SignInSettings {
            issuer,
            client_id,
            client_auth: self.client_auth,
            scopes: self.scopes.clone(),
            assurance: self.assurance,
            acr_values: Some(
                self.acr_values
                    .clone()
                    .unwrap_or_else(|| self.assurance.default_acr_values()),
            )
            .filter(|values| !values.is_empty()),
            redirect_path: self.redirect_path.clone(),
            accepted_amr: self
                .accepted_amr
                .clone()
                .unwrap_or_else(|| self.assurance.default_amr()),
            accepted_acr: self
                .accepted_acr
                .clone()
                .unwrap_or_else(|| self.assurance.default_acr()),
            allowed_roles: self.allowed_roles.clone(),
            idle_timeout_minutes: u64::from(self.idle_timeout_minutes),
            refresh_margin_seconds: self.refresh_margin_seconds,
            sign_in_timeout_seconds: self.sign_in_timeout_seconds,
            token_exchange: self.token_exchange.clone(),
        })
    }
}

/// Outbound network settings (explicit proxy only; never WPAD or PAC).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Proxy for all traffic.
    pub proxy: Option<url::Url>,
    /// PEM bundle of CAs to trust.
    pub ca_bundle: Option<PathBuf>,
    /// PEM with the mTLS client certificate chain and key.
    pub client_certificate: Option<PathBuf>,
    /// Origins (`https://host[:port]`, no path) of the imaging providers whose addresses,
    /// named by pointers, may receive the clinician's token besides NIR's own endpoints.
    #[serde(default)]
    pub provider_origins: Vec<url::Url>,
}

/// Resource limits.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Memory the viewer may use for clinical content, in MiB.
    pub memory_budget_mb: u64,
}

impl Limits {
    /// The memory budget for clinical content, in bytes.
    pub fn budget_bytes(&self) -> u64 {
        self.memory_budget_mb.saturating_mul(1 << 20)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_budget_mb: 4096,
        }
    }
}

/// Audit delivery.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// FHIR base URL receiving `POST AuditEvent`.
    pub fhir_endpoint: Option<url::Url>,
    /// Syslog collector `host:port` (RFC 5425, TLS).
    pub syslog: Option<String>,
    /// CA bundle for the syslog collector.
    pub syslog_ca_bundle: Option<PathBuf>,
}

/// Metrics export to an OpenTelemetry collector. The metrics hold no patient data: targets
/// are hosts and imaging network names; the values are counts, bytes and durations.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ObservabilitySettings {
    /// OTLP/HTTP metrics endpoint (e.g. `https://otel.example.nhs.uk/v1/metrics`); none
    /// means metrics stay on the diagnostics page.
    pub otlp_endpoint: Option<url::Url>,
    /// Seconds between exports (at least 5); one more export happens at exit.
    pub export_interval_seconds: u64,
}

impl Default for ObservabilitySettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            export_interval_seconds: 60,
        }
    }
}

/// Launch from the EPR.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LaunchSettings {
    /// Refuse links without a signed context.
    pub require_signed_context: bool,
    /// The EPR's `iss` in signed contexts.
    pub context_issuer: Option<String>,
    /// The EPR's public key (PEM) for signed contexts.
    pub context_public_key: Option<PathBuf>,
    /// The `aud` expected in signed contexts.
    pub context_audience: String,
    /// FHIR bases of the patient records allowed to start a SMART launch (`iss`).
    pub smart_issuers: Vec<url::Url>,
    /// The viewer's client id at those patient records.
    pub smart_client_id: Option<String>,
}

impl Default for LaunchSettings {
    fn default() -> Self {
        Self {
            require_signed_context: false,
            context_issuer: None,
            context_public_key: None,
            context_audience: "nir-viewer".into(),
            smart_issuers: Vec::new(),
            smart_client_id: None,
        }
    }
}

impl Config {
    /// The networks named in `[[nir.networks]]`, keyed by home community id, or by
    /// `ods:<first ODS code>` for a network known only by its organisations.
    pub fn known_networks(&self) -> Vec<crate::registry::KnownNetwork> {
        self.nir
            .networks
            .iter()
            .map(|entry| crate::registry::KnownNetwork {
                home_community_id: entry.home_community_id.clone().unwrap_or_else(|| {
                    format!(
                        "ods:{}",
                        entry.ods_codes.first().map(String::as_str).unwrap_or("")
                    )
                }),
                name: entry.name.clone(),
                ods_codes: entry.ods_codes.clone(),
                care_setting: String::new(),
            })
            .collect()
    }

    /// Checks what TOML cannot: consistency between settings and that files exist.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, url) in [
            ("nir.base_url", Some(&self.nir.base_url)),
            ("nir.retrieve_url", self.nir.retrieve_url.as_ref()),
            ("auth.issuer", self.auth.issuer.as_ref()),
            ("audit.fhir_endpoint", self.audit.fhir_endpoint.as_ref()),
        ] {
            if let Some(url) = url {
                if url.scheme() != "https" {
                    problems.push(format!("{name} must use https"));
                }
            }
        }
        if self.auth.client_auth == ClientAuthMethod::None {
            problems.push(
                "auth.client_auth = \"none\" is for training only: CIS2 requires private_key_jwt"
                    .into(),
            );
        }
        if !self.auth.scopes.iter().any(|scope| scope == "openid") {
            problems.push("auth.scopes must include openid".into());
        }
        if !self.auth.redirect_path.starts_with('/') {
            problems.push("auth.redirect_path must start with /".into());
        }
        if self.auth.sign_in_timeout_seconds == 0 || self.auth.idle_timeout_minutes == 0 {
            problems.push("auth timeouts must be above zero".into());
        }
        if let Some(exchange) = &self.auth.token_exchange {
            if exchange
                .token_endpoint
                .as_ref()
                .is_some_and(|u| u.scheme() != "https")
            {
                problems.push("auth.token_exchange.token_endpoint must use https".into());
            }
        }
        if self.auth.allowed_roles.is_empty() {
            problems.push("auth.allowed_roles is empty: nobody could use the viewer".into());
        }
        if self
            .organisation
            .ods_code
            .as_deref()
            .unwrap_or("")
            .is_empty()
        {
            problems.push("organisation.ods_code is required by NIR".into());
        }
        for (name, path) in [
            ("network.ca_bundle", self.network.ca_bundle.as_ref()),
            (
                "network.client_certificate",
                self.network.client_certificate.as_ref(),
            ),
            (
                "audit.syslog_ca_bundle",
                self.audit.syslog_ca_bundle.as_ref(),
            ),
            (
                "launch.context_public_key",
                self.launch.context_public_key.as_ref(),
            ),
        ] {
            if let Some(path) = path {
                if !path.is_file() {
                    problems.push(format!("{name}: {} does not exist", path.display()));
                }
            }
        }
        if self.audit.fhir_endpoint.is_some() && self.audit.syslog.is_some() {
            problems.push("audit.fhir_endpoint and audit.syslog are both set; choose one".into());
        }
        if self.audit.syslog.is_some() && self.audit.syslog_ca_bundle.is_none() {
            problems.push("audit.syslog needs audit.syslog_ca_bundle".into());
        }
        if self.launch.require_signed_context && self.launch.context_public_key.is_none() {
            problems.push("launch.require_signed_context needs launch.context_public_key".into());
        }
        if let Some(endpoint) = &self.observability.otlp_endpoint {
            let loopback = match endpoint.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(name)) => name == "localhost",
                None => false,
            };
            if endpoint.scheme() != "https" && !(endpoint.scheme() == "http" && loopback) {
                problems.push(
                    "observability.otlp_endpoint must use https (http only to a collector on this machine)"
                        .into(),
                );
            }
        }
        if self.observability.export_interval_seconds < 5 {
            problems.push("observability.export_interval_seconds is below 5".into());
        }
        for issuer in &self.launch.smart_issuers {
            if !crate::launch::is_acceptable_endpoint(issuer) {
                problems.push(format!("launch.smart_issuers: {issuer} must use https"));
            }
        }
        if !self.launch.smart_issuers.is_empty() && self.launch.smart_client_id.is_none() {
            problems.push("launch.smart_issuers needs launch.smart_client_id".into());
        }
        for (index, network) in self.nir.networks.iter().enumerate() {
            if network.name.trim().is_empty() {
                problems.push(format!("nir.networks[{index}] has no name"));
            }
            if network.home_community_id.is_none() && network.ods_codes.is_empty() {
                problems.push(format!(
                    "nir.networks[{index}] ({}) needs a home_community_id or ods_codes",
                    network.name
                ));
            }
        }
        for origin in &self.network.provider_origins {
            if let Some(problem) = origin_form_problem(origin) {
                problems.push(format!("network.provider_origins: {origin} {problem}"));
            }
        }
        if self.limits.memory_budget_mb < 256 {
            problems.push("limits.memory_budget_mb is below 256".into());
        }
        problems
    }

    /// The configuration as TOML with credentials in URLs masked, for `config check`.
    pub fn describe_masked(&self) -> String {
        let mut shown = self.clone();
        if let Some(proxy) = shown.network.proxy.as_mut() {
            if proxy.password().is_some() {
                let _ = proxy.set_password(Some("****"));
            }
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("(cannot show: {e})"))
    }
}

/// What keeps `url` from being an https origin (`https://host[:port]`), if anything.
fn origin_form_problem(url: &url::Url) -> Option<&'static str> {
    if url.scheme() != "https" {
        Some("must use https")
    } else if url.host().is_none() {
        Some("names no host")
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("must not carry a user name or password")
    } else if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        Some("must be an origin (https://host[:port]) without a path")
    } else {
        None
    }
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or missing settings.
    #[error("{path} is not a valid configuration: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's description of what is wrong.
        message: String,
    },
}

impl UserFacing for ConfigError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidConfiguration
    }
    fn user_message(&self) -> String {
        format!("The viewer's configuration is not usable ({self}). Contact your IT service desk.")
    }
}

/// The path of the managed configuration file the viewer runs with: the platform's, or in
/// a debug build the one `NIR_VIEWER_CONFIG` names.
pub fn managed_config_path() -> PathBuf {
    config_path(cfg!(debug_assertions))
}

/// The path `nir-viewer config check` checks: `NIR_VIEWER_CONFIG` is honoured in every
/// build, since checking a file before installing it changes nothing.
pub fn config_path_to_check() -> PathBuf {
    config_path(true)
}

fn config_path(honour_override: bool) -> PathBuf {
    std::env::var_os(CONFIG_PATH_ENV)
        .filter(|_| honour_override)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(MANAGED_CONFIG_PATH))
}

/// Loads the managed configuration; `Ok(None)` when there is none (training mode).
pub fn load_managed() -> Result<Option<Config>, ConfigError> {
    load_from(&managed_config_path())
}

/// Loads a configuration file; `Ok(None)` when the file does not exist or sets nothing.
pub fn load_from(path: &Path) -> Result<Option<Config>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Unreadable {
                path: path.to_owned(),
                source,
            })
        }
    };
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    if sets_nothing(&text).map_err(invalid)? {
        return Ok(None);
    }
    parse(&text).map(Some).map_err(invalid)
}

/// Whether configuration text is valid TOML without a single setting (comments only).
fn sets_nothing(text: &str) -> Result<bool, String> {
    let table: toml::Table = toml::from_str(text).map_err(|error| error.message().to_owned())?;
    Ok(table.is_empty())
}

/// Parses configuration text.
pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|error| error.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otlp_endpoint_needs_https_unless_loopback() {
        let base = "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/\"\n[observability]\n";
        let with = |line: &str| parse(&format!("{base}{line}\n")).unwrap();
        let problem = |config: &Config| {
            config
                .validate()
                .into_iter()
                .any(|p| p.starts_with("observability."))
        };
        assert!(problem(&with(
            "otlp_endpoint = \"http://otel.example.nhs.uk/v1/metrics\""
        )));
        assert!(!problem(&with(
            "otlp_endpoint = \"http://127.0.0.1:4318/v1/metrics\""
        )));
        assert!(!problem(&with(
            "otlp_endpoint = \"https://otel.example.nhs.uk/v1/metrics\""
        )));
        assert!(problem(&with("export_interval_seconds = 1")));
        let shown =
            with("otlp_endpoint = \"https://otel.example.nhs.uk/v1/metrics\"").describe_masked();
        assert!(shown.contains("[observability]") && shown.contains("otel.example.nhs.uk"));
    }

    #[test]
    fn the_override_is_honoured_only_where_allowed() {
        // Both halves in one test: the environment is process-wide.
        std::env::set_var(CONFIG_PATH_ENV, "/tmp/elsewhere.toml");
        assert_eq!(config_path(true), PathBuf::from("/tmp/elsewhere.toml"));
        assert_eq!(config_path(false), PathBuf::from(MANAGED_CONFIG_PATH));
        assert_eq!(config_path_to_check(), PathBuf::from("/tmp/elsewhere.toml"));
        std::env::remove_var(CONFIG_PATH_ENV);
        assert_eq!(config_path(true), PathBuf::from(MANAGED_CONFIG_PATH));
    }

    #[test]
    fn missing_file_means_training_mode() {
        let path = Path::new("/nonexistent/nir-viewer/config.toml");
        assert!(load_from(path).unwrap().is_none());
    }

    #[test]
    fn the_packaged_configuration_sets_nothing_and_means_training_mode() {
        let packaged = include_str!("../../../../packaging/config.toml");
        assert_eq!(sets_nothing(packaged), Ok(true));
        let dir = std::env::temp_dir().join(format!("nir-viewer-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, packaged).unwrap();
        let loaded = load_from(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(loaded.unwrap().is_none());
        // An empty section is a setting: it must be complete, not silently ignored.
        assert_eq!(sets_nothing("[nir]\n"), Ok(false));
        assert!(sets_nothing("[nir\n").is_err());
    }

    #[test]
    fn the_packaged_examples_parse_when_uncommented() {
        let packaged = include_str!("../../../../packaging/config.toml");
        let uncommented: String = packaged
            .lines()
            .filter_map(|line| line.strip_prefix("# ").or(line.strip_prefix("#")))
            .filter(|line| !line.starts_with('#'))
            .filter(|line| line.starts_with('[') || line.contains(" = "))
            .map(|line| format!("{line}\n"))
            .collect();
        let config = parse(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.nir.flavour, Flavour::Fhir);
    }

    #[test]
    fn parses_a_minimal_fhir_configuration() {
        let config = parse(
            "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/FHIR/R4/\"\n",
        )
        .unwrap();
        assert_eq!(config.nir.flavour, Flavour::Fhir);
    }

    #[test]
    fn a_full_configuration_validates_and_masks_proxy_passwords() {
        let config = parse(
            r#"
[nir]
flavour = "xca"
base_url = "https://nir.example.nhs.uk/xca/iti38"
[organisation]
ods_code = "RX1"
[auth]
issuer = "https://cis2.example.nhs.uk/"
client_id = "viewer"
allowed_roles = ["R8000"]
[network]
proxy = "http://user:secret@proxy.trust.nhs.uk:3128"
[limits]
memory_budget_mb = 2048
"#,
        )
        .unwrap();
        assert!(config.validate().is_empty(), "{:?}", config.validate());
        let shown = config.describe_masked();
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("****"));
        assert_eq!(config.auth.idle_timeout_minutes, 15);
    }

    #[test]
    fn validation_names_each_problem() {
        let config = parse("[nir]\nflavour = \"fhir\"\nbase_url = \"http://nir/\"\n[launch]\nrequire_signed_context = true\nsmart_issuers = [\"http://epr.example/fhir\"]\n").unwrap();
        let problems = config.validate().join("\n");
        for expected in [
            "nir.base_url must use https",
            "allowed_roles",
            "ods_code",
            "context_public_key",
            "smart_issuers: http://epr.example/fhir must use https",
            "smart_client_id",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected}: {problems}"
            );
        }
    }

    #[test]
    fn provider_origins_must_be_https_origins_without_a_path() {
        let with = |origins: &str| {
            parse(&format!(
                "[nir]\nflavour = \"xca\"\nbase_url = \"https://nir.example.nhs.uk/iti38\"\n\
                 retrieve_url = \"http://nir.example.nhs.uk/iti39\"\n\
                 [network]\nprovider_origins = [{origins}]\n"
            ))
            .unwrap()
            .validate()
        };
        let problems =
            with("\"https://pacs.example.nhs.uk\", \"https://pacs.example.nhs.uk:8443/\"");
        assert!(problems.contains(&"nir.retrieve_url must use https".to_owned()));
        assert!(
            !problems
                .iter()
                .any(|p| p.starts_with("network.provider_origins")),
            "{problems:?}"
        );
        for (origin, problem) in [
            ("http://pacs.example.nhs.uk", "must use https"),
            ("https://pacs.example.nhs.uk/dicomweb", "without a path"),
            ("https://pacs.example.nhs.uk/?a=1", "without a path"),
            ("https://user@pacs.example.nhs.uk", "user name"),
        ] {
            let problems = with(&format!("\"{origin}\""));
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with("network.provider_origins") && p.contains(problem)),
                "{origin}: {problems:?}"
            );
        }
    }

    #[test]
    fn rejects_unknown_settings_and_flavours() {
        assert!(
            parse("[nir]\nflavour = \"fhir\"\nbase_url = \"https://x/\"\nwpad = true\n").is_err()
        );
        assert!(parse("[nir]\nflavour = \"hl7v2\"\nbase_url = \"https://x/\"\n").is_err());
    }
}
