//! Conversations with the provider's token and revocation endpoints: the authorization
//! code (with the PKCE verifier), the refresh token, RFC 8693 token exchange and RFC 7009
//! revocation. Each request carries fresh client authentication; responses are read into
//! zeroized buffers and errors report only the HTTP status and the OAuth error code. A
//! token's lifetime is the provider's `expires_in` (RFC 6749 §5.1, seconds, no upper bound
//! in the RFC) capped at [`MAX_TOKEN_LIFETIME`] and counted on the suspend-counting clock.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::client_auth::ClientCredentials;
use super::clock::{self, Clock, Moment};
use super::error::AuthError;

/// The grant type of RFC 8693 token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The token type of an OAuth access token (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// The token type of an OpenID Connect ID token (RFC 8693 §3).
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
/// The longest lifetime believed, whatever `expires_in` claims: a clinical session renews
/// its tokens at least daily.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The lifetime assumed when the provider sends no `expires_in`.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// How long a token lives by the provider's `expires_in`, capped at [`MAX_TOKEN_LIFETIME`].
pub fn token_lifetime(expires_in: Option<u64>) -> Duration {
    expires_in
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TOKEN_LIFETIME)
        .min(MAX_TOKEN_LIFETIME)
}

/// What a token endpoint handed out.
pub struct IssuedTokens {
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// The refresh token, if any.
    pub refresh_token: Option<Zeroizing<String>>,
    /// The ID token, if any.
    pub id_token: Option<Zeroizing<String>>,
    /// When the access token stops working (by the provider's `expires_in`, capped), on the
    /// endpoint's clock.
    pub expires_at: Moment,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

/// A provider's token endpoint (and revocation endpoint) with this client's credentials.
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    client: reqwest::Client,
    token_url: url::Url,
    revocation_url: Option<url::Url>,
    credentials: ClientCredentials,
    clock: Arc<dyn Clock>,
}

impl TokenEndpoint {
    /// An endpoint reached with `client` and authenticated with `credentials`.
    pub fn new(
        client: reqwest::Client,
        token_url: url::Url,
        revocation_url: Option<url::Url>,
        credentials: ClientCredentials,
    ) -> Self {
        Self {
            client,
            token_url,
            revocation_url,
            credentials,
            clock: clock::system(),
        }
    }

    /// The same endpoint with token lifetimes counted on `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// The clock token lifetimes are counted on.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Whether the provider offers revocation.
    pub fn can_revoke(&self) -> bool {
        self.revocation_url.is_some()
    }

    /// Redeems an authorization code.
    pub async fn redeem_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &url::Url,
    ) -> Result<IssuedTokens, AuthError> {
        let fields = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri.as_str()),
        ];
        self.token_request(&self.token_url, &fields).await
    }

    /// Uses a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<IssuedTokens, AuthError> {
        let fields = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.token_request(&self.token_url, &fields).await
    }

    /// Exchanges `subject_token` for a token for another audience (RFC 8693).
    pub async fn exchange(
        &self,
        subject_token: &str,
        subject_token_type: &str,
        endpoint: Option<&url::Url>,
        audience: Option<&str>,
        resource: Option<&url::Url>,
    ) -> Result<IssuedTokens, AuthError> {
        let mut fields = vec![
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", subject_token),
            ("subject_token_type", subject_token_type),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
        ];
        if let Some(audience) = audience {
            fields.push(("audience", audience));
        }
        if let Some(resource) = resource {
            fields.push(("resource", resource.as_str()));
        }
        self.token_request(endpoint.unwrap_or(&self.token_url), &fields)
            .await
    }

    /// Revokes `token` (RFC 7009); does nothing when the provider has no revocation endpoint.
    pub async fn revoke(&self, token: &str, hint: &str) -> Result<(), AuthError> {
        let Some(url) = &self.revocation_url else {
            return Ok(());
        };
        let response = self
            .post(url, &[("token", token), ("token_type_hint", hint)])
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(AuthError::Provider {
                endpoint: "revoke",
                reason: format!("HTTP {}", response.status()),
            })
        }
    }

    async fn post(
        &self,
        url: &url::Url,
        fields: &[(&str, &str)],
    ) -> Result<reqwest::Response, AuthError> {
        let authentication = self.credentials.form_fields(url)?;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.extend(
            authentication
                .iter()
                .map(|(name, value)| (*name, value.as_str())),
        );
        self.client
            .post(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| AuthError::Provider {
                endpoint: "token",
                reason: e.without_url().to_string(),
            })
    }

    async fn token_request(
        &self,
        url: &url::Url,
        fields: &[(&str, &str)],
    ) -> Result<IssuedTokens, AuthError> {
        let failure = |reason: String| AuthError::Provider {
            endpoint: "token",
            reason,
        };
        let response = self.post(url, fields).await?;
        let status = response.status();
        let body = Zeroizing::new(
            response
                .bytes()
                .await
                .map_err(|e| failure(e.without_url().to_string()))?
                .to_vec(),
        );
        if !status.is_success() {
            return Err(failure(format!(
                "HTTP {status}, {}",
                oauth_error_code(&body)
            )));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| failure("the response is not a token response".into()))?;
        if let Some(kind) = &parsed.token_type {
            if !kind.eq_ignore_ascii_case("bearer") && !kind.eq_ignore_ascii_case("N_A") {
                return Err(failure(format!("unsupported token type {kind:.16}")));
            }
        }
        Ok(IssuedTokens {
            access_token: Zeroizing::new(parsed.access_token),
            refresh_token: parsed.refresh_token.map(Zeroizing::new),
            id_token: parsed.id_token.map(Zeroizing::new),
            expires_at: self
                .clock
                .now()
                .saturating_add(token_lifetime(parsed.expires_in)),
        })
    }
}

/// The `error` member of an OAuth error response, sanitised for the log.
fn oauth_error_code(body: &[u8]) -> String {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "no_error_code".into());
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(48)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_sanitised() {
        assert_eq!(
            oauth_error_code(br#"{"error":"invalid_grant"}"#),
            "invalid_grant"
        );
        assert_eq!(oauth_error_code(b"<html>"), "no_error_code");
        assert_eq!(oauth_error_code(br#"{"error":"a<script>b"}"#), "ascriptb");
    }

    #[test]
    fn issued_tokens_do_not_show_in_debug() {
        let issued = IssuedTokens {
            access_token: Zeroizing::new("secret-access".into()),
            refresh_token: Some(Zeroizing::new("secret-refresh".into())),
            id_token: None,
            expires_at: Moment::default(),
        };
        let shown = format!("{issued:?}");
        assert!(!shown.contains("secret"));
    }

    #[test]
    fn lifetimes_are_capped_and_never_overflow() {
        assert_eq!(token_lifetime(Some(u64::MAX)), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(90_000)), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(3600)), Duration::from_secs(3600));
        assert_eq!(token_lifetime(None), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(0)), Duration::ZERO);
    }
}
