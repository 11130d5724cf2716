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
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// A signed JWT (RS512) with the key from the OS keyring: what CIS2 requires.
    #[default]
    PrivateKeyJwt,
    /// A public client (training against the sandbox only).
    None,
}

/// RFC 8693 token exchange for an API platform that wants its own token.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenExchangeSettings {
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

/// Everything sign-in needs to know.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The OpenID Connect issuer (CIS2 realm URL).
    pub issuer: url::Url,
    /// This installation's registered client id.
    pub client_id: String,
    /// Token endpoint authentication.
    #[serde(default)]
    pub client_auth: ClientAuthMethod,
    /// Requested scopes.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// `acr_values` sent with the authorization request, if any.
    #[serde(default = "default_acr_values")]
    pub acr_values: Option<String>,
    /// Exact path of the loopback redirect.
    #[serde(default = "default_redirect_path")]
    pub redirect_path: String,
    /// `amr` values that prove a smartcard.
    #[serde(default = "default_amr")]
    pub accepted_amr: Vec<String>,
    /// `acr` values that prove enough assurance.
    #[serde(default = "default_acr")]
    pub accepted_acr: Vec<String>,
    /// RBAC role codes allowed to use the viewer.
    #[serde(default = "default_roles")]
    pub allowed_roles: Vec<String>,
    /// Minutes without activity before the session locks.
    #[serde(default = "default_idle_minutes")]
    pub idle_timeout_minutes: u64,
    /// Seconds before expiry at which tokens are refreshed.
    #[serde(default = "default_refresh_margin")]
    pub refresh_margin_seconds: u64,
    /// Seconds to wait for the person to finish in the browser.
    #[serde(default = "default_sign_in_timeout")]
    pub sign_in_timeout_seconds: u64,
    /// Exchange the CIS2 access token for an API platform token.
    #[serde(default)]
    pub token_exchange: Option<TokenExchangeSettings>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "nationalrbacaccess"]
        .map(String::from)
        .to_vec()
}
fn default_acr_values() -> Option<String> {
    Some("AAL3_ANY".into())
}
fn default_redirect_path() -> String {
    "/callback".into()
}
fn default_amr() -> Vec<String> {
    vec!["smartcard".into(), "sc".into()]
}
fn default_acr() -> Vec<String> {
    vec!["AAL3".into(), "AAL3_ANY".into()]
}
fn default_roles() -> Vec<String> {
    vec!["R8000".into()]
}
fn default_idle_minutes() -> u64 {
    15
}
fn default_refresh_margin() -> u64 {
    60
}
fn default_sign_in_timeout() -> u64 {
    300
}

impl AuthSettings {
    /// Settings with every default, for `issuer` and `client_id`.
    pub fn new(issuer: url::Url, client_id: &str) -> Self {
        Self {
            issuer,
            client_id: client_id.to_owned(),
            client_auth: ClientAuthMethod::default(),
            scopes: default_scopes(),
            acr_values: default_acr_values(),
            redirect_path: default_redirect_path(),
            accepted_amr: default_amr(),
            accepted_acr: default_acr(),
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
            allowed_roles: self.allowed_roles.clone(),
        }
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
    fn a_minimal_table_gets_cis2_defaults() {
        let settings: AuthSettings = toml::from_str(
            "issuer = \"https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare\"\nclient_id = \"abc\"\n",
        )
        .unwrap();
        assert_eq!(settings.client_auth, ClientAuthMethod::PrivateKeyJwt);
        assert_eq!(settings.idle_timeout(), Duration::from_secs(900));
        assert_eq!(settings.allowed_roles, ["R8000"]);
        assert!(settings.scopes.iter().any(|s| s == "openid"));
    }

    #[test]
    fn unknown_settings_are_refused_and_training_is_public() {
        assert!(toml::from_str::<AuthSettings>(
            "issuer = \"https://x/\"\nclient_id = \"a\"\nclient_secret = \"s\"\n"
        )
        .is_err());
        let training = AuthSettings::training(url::Url::parse("http://127.0.0.1:1/oidc").unwrap());
        assert_eq!(training.client_auth, ClientAuthMethod::None);
        assert_eq!(training.client_id, TRAINING_CLIENT_ID);
    }
}
