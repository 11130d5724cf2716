//! The sign-in settings an organisation configures (the `[auth]` table of the managed
//! configuration) and the training defaults used against the sandbox's mock CIS2. Defaults
//! follow CIS2 for a desktop client: `private_key_jwt`, smartcard at AAL3, a 15-minute idle
//! lock, and a loopback redirect at `/callback`.

use std::time::Duration;

use serde::Deserialize;

use super::id_token::IdTokenPolicy;

/// The client id the sandbox's mock CIS2 accepts without a client assertion.
pub const TRAINING_CLIENT_ID: &str = "nir-viewer-training";

/// How the viewer authenticates itself at the token endpoint.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// A signed JWT (RS512) with the key from the OS keyring: what CIS2 requires.
    #[default]
    PrivateKeyJwt,
    /// A public client (training against the sandbox only).
    None,
}

/// The authenticator assurance level the organisation demands (NIST SP 800-63B levels, as
/// CIS2 Authentication offers them). It chooses the `acr_values` sent and the `acr`/`amr`
/// values accepted back, unless those are configured one by one.
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Assurance {
    /// Very high confidence: smartcard or another AAL3 authenticator.
    #[default]
    Aal3,
    /// High confidence: any AAL2 or AAL3 authenticator.
    Aal2,
}

/// The `acr` values CIS2 Authentication reports for an AAL3 sign-in: the umbrella value
/// requested by default and the method-specific ones (NHS England's public CIS2 clients
/// list these; see docs/interoperability.md for the sources).
const AAL3_ACR: [&str; 6] = [
    "AAL3_ANY",
    "AAL3_N3_SMARTCARD",
    "AAL3_CIS2_SMARTCARD",
    "AAL3_SMARTCARD",
    "AAL3_FIDO2",
    "AAL3_IOS",
];
/// The `amr` value CIS2 reports for a sign-in with an NHS smartcard.
pub const SMARTCARD_AMR: &str = "N3_SMARTCARD";

/// The further `acr` values of an AAL2 sign-in.
const AAL2_ACR: [&str; 4] = ["AAL2_OR_AAL3_ANY", "AAL2_ANY", "AAL2_TOTP", "AAL2_NHSMAIL"];

impl Assurance {
    /// The `acr_values` requested at this level (CIS2's umbrella values).
    pub fn default_acr_values(self) -> String {
        match self {
            Self::Aal3 => "AAL3_ANY".into(),
            Self::Aal2 => "AAL2_OR_AAL3_ANY".into(),
        }
    }

    /// The `acr` values accepted back at this level.
    pub fn default_acr(self) -> Vec<String> {
        let aal3 = AAL3_ACR.iter();
        match self {
            Self::Aal3 => aal3.map(|v| (*v).to_owned()).collect(),
            Self::Aal2 => AAL2_ACR
                .iter()
                .chain(aal3)
                .map(|v| (*v).to_owned())
                .collect(),
        }
    }

    /// The `amr` values accepted by default: none checked, the `acr` decides. An
    /// organisation that wants smartcards only sets `accepted_amr = ["N3_SMARTCARD"]`.
    pub fn default_amr(self) -> Vec<String> {
        Vec::new()
    }
}

/// Which of the sign-in's tokens is exchanged (RFC 8693 `subject_token_type`).
#[derive(Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SubjectTokenType {
    /// The CIS2 ID token: what the NHS API platform's token exchange takes.
    #[default]
    IdToken,
    /// The CIS2 access token.
    AccessToken,
}

/// RFC 8693 token exchange for an API platform that wants its own token.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenExchangeSettings {
    /// Which token is exchanged: `id_token` (default) or `access_token`.
    #[serde(default)]
    pub subject_token_type: SubjectTokenType,
    /// The exchange endpoint; the provider's token endpoint when absent.
    #[serde(default)]
    pub token_endpoint: Option<url::Url>,
    /// `audience` of the requested token.
    #[serde(default)]
    pub audience: Option<String>,
    /// `resource` of the requested token.
    #[serde(default)]
    pub resource: Option<url::Url>,
}

/// Everything sign-in needs to know, resolved from the managed configuration's `[auth]`
/// table (`config::AuthSettings::sign_in_settings`) or the training defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// The OpenID Connect issuer (CIS2 realm URL).
    pub issuer: url::Url,
    /// This installation's registered client id.
    pub client_id: String,
    /// Token endpoint authentication.
    pub client_auth: ClientAuthMethod,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// The assurance level demanded.
    pub assurance: Assurance,
    /// `acr_values` sent with the authorization request, if any.
    pub acr_values: Option<String>,
    /// Exact path of the loopback redirect.
    pub redirect_path: String,
    /// `amr` values any one of which is enough (empty: not checked).
    pub accepted_amr: Vec<String>,
    /// `acr` values that prove enough assurance (empty: not checked).
    pub accepted_acr: Vec<String>,
    /// RBAC role codes allowed to use the viewer.
    pub allowed_roles: Vec<String>,
    /// Minutes without activity before the session locks.
    pub idle_timeout_minutes: u64,
    /// Seconds before expiry at which tokens are refreshed.
    pub refresh_margin_seconds: u64,
    /// Seconds to wait for the person to finish in the browser.
    pub sign_in_timeout_seconds: u64,
    /// Exchange the CIS2 access token for an API platform token.
    pub token_exchange: Option<TokenExchangeSettings>,
}

/// The scopes requested by default: `nationalrbacaccess` makes UserInfo return the roles,
/// `selectedrole` puts the role chosen at sign-in in the ID token (CIS2 "Role selection").
pub fn default_scopes() -> Vec<String> {
    ["openid", "profile", "nationalrbacaccess", "selectedrole"]
        .map(String::from)
        .to_vec()
}
/// The loopback redirect's path by default.
pub fn default_redirect_path() -> String {
    "/callback".into()
}
/// The RBAC role allowed by default (Clinical Practitioner Access Role).
pub fn default_roles() -> Vec<String> {
    vec!["R8000".into()]
}
/// Idle minutes before the lock by default.
pub fn default_idle_minutes() -> u64 {
    15
}
/// Seconds before expiry at which tokens are refreshed by default.
pub fn default_refresh_margin() -> u64 {
    60
}
/// Seconds to wait for the browser sign-in by default.
pub fn default_sign_in_timeout() -> u64 {
    300
}

impl AuthSettings {
    /// Settings with every default (AAL3), for `issuer` and `client_id`.
    pub fn new(issuer: url::Url, client_id: &str) -> Self {
        let assurance = Assurance::default();
        Self {
            issuer,
            client_id: client_id.to_owned(),
            client_auth: ClientAuthMethod::default(),
            scopes: default_scopes(),
            assurance,
            acr_values: Some(assurance.default_acr_values()),
            redirect_path: default_redirect_path(),
            accepted_amr: assurance.default_amr(),
            accepted_acr: assurance.default_acr(),
            allowed_roles: default_roles(),
            idle_timeout_minutes: default_idle_minutes(),
            refresh_margin_seconds: default_refresh_margin(),
            sign_in_timeout_seconds: default_sign_in_timeout(),
            token_exchange: None,
        }
    }

    /// Training mode: the sandbox's mock CIS2 at `issuer`, public client.
    pub fn training(issuer: url::Url) -> Self {
        Self {
            client_auth: ClientAuthMethod::None,
            ..Self::new(issuer, TRAINING_CLIENT_ID)
        }
    }

    /// The ID token rules these settings imply.
    pub fn id_token_policy(&self) -> IdTokenPolicy {
        IdTokenPolicy {
            issuer: self.issuer.as_str().to_owned(),
            client_id: self.client_id.clone(),
            leeway: Duration::from_secs(60),
            accepted_amr: self.accepted_amr.clone(),
            accepted_acr: self.accepted_acr.clone(),
        }
    }

    /// Whether sign-in demands a smartcard (`accepted_amr` holds [`SMARTCARD_AMR`]): then
    /// the card must be in a reader the viewer can watch, or sign-in fails.
    pub fn requires_smartcard(&self) -> bool {
        self.accepted_amr.iter().any(|amr| amr == SMARTCARD_AMR)
    }

    /// Idle time before the session locks.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_minutes.saturating_mul(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_cis2_at_aal3_and_training_is_public() {
        let issuer = url::Url::parse("https://cis2.example.nhs.uk/").unwrap();
        let settings = AuthSettings::new(issuer, "abc");
        assert_eq!(settings.client_auth, ClientAuthMethod::PrivateKeyJwt);
        assert_eq!(settings.idle_timeout(), Duration::from_secs(900));
        assert_eq!(settings.allowed_roles, ["R8000"]);
        assert!(settings.scopes.iter().any(|s| s == "nationalrbacaccess"));
        assert_eq!(settings.acr_values.as_deref(), Some("AAL3_ANY"));
        let training = AuthSettings::training(url::Url::parse("http://127.0.0.1:1/oidc").unwrap());
        assert_eq!(training.client_auth, ClientAuthMethod::None);
        assert_eq!(training.client_id, TRAINING_CLIENT_ID);
    }

    #[test]
    fn aal2_accepts_more_authenticators_than_aal3() {
        for acr in Assurance::Aal3.default_acr() {
            assert!(Assurance::Aal2.default_acr().contains(&acr));
        }
        assert!(Assurance::Aal2.default_acr().len() > Assurance::Aal3.default_acr().len());
        assert!(!Assurance::Aal3
            .default_acr()
            .iter()
            .any(|acr| acr.starts_with("AAL2")));
        assert!(!Assurance::Aal2
            .default_acr()
            .iter()
            .any(|acr| acr.starts_with("AAL1")));
    }
}
