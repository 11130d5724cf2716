//! A mock NHS CIS2 OpenID Connect provider for the sandbox, mounted at `/oidc`. It signs
//! ID tokens (RS256) with a key generated at start-up, offers a sign-in page listing the
//! synthetic test users (or auto-approves `login_hint=<user>&prompt=none` for automated
//! tests), and implements the token endpoint (authorization code with PKCE S256, refresh,
//! RFC 8693 exchange; `private_key_jwt` client authentication, or the viewer's training
//! client id without an assertion), userinfo and revocation. As in CIS2, the ID token carries
//! the selected role and UserInfo the person's roles (`nhsid_nrbac_roles`). The sandbox's
//! `--require-auth` gate asks it whether a bearer token is live.

mod authorize;
mod client_assertion;
mod endpoints;
pub mod grants;
mod token;
pub mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use grants::{Grants, TokenProblem};
use nir_core::auth::signing_key::{RsaAlgorithm, RsaSigningKey};
use nir_core::auth::AuthError;
use nir_core::error::{ErrorCode, UserFacing};

pub use nir_core::auth::settings::TRAINING_CLIENT_ID;

/// Why the mock provider could not start or register a client.
#[derive(Debug, thiserror::Error)]
pub enum Cis2Error {
    /// The signing key could not be made.
    #[error("the mock CIS2 signing key could not be created: {0}")]
    Key(#[from] AuthError),
    /// A client's public key is not an RSA JWK.
    #[error("client {client_id} has no usable public JWK: {reason}")]
    ClientKey {
        /// The client.
        client_id: String,
        /// What is wrong with the key.
        reason: String,
    },
}

impl UserFacing for Cis2Error {
    fn code(&self) -> ErrorCode {
        ErrorCode::SandboxIdentityProvider
    }
    fn user_message(&self) -> String {
        format!("The training sign-in service could not start ({self}).")
    }
}

/// The mock provider.
pub struct MockCis2 {
    issuer: url::Url,
    key: RsaSigningKey,
    clients: Mutex<HashMap<String, jsonwebtoken::jwk::Jwk>>,
    grants: Mutex<Grants>,
    /// A convenience some providers offer: the roles in the ID token too (off, as in CIS2).
    roles_in_id_token: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for MockCis2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCis2")
            .field("issuer", &self.issuer.as_str())
            .finish_non_exhaustive()
    }
}

impl MockCis2 {
    /// A provider whose issuer identifier is `issuer` (e.g. `http://127.0.0.1:PORT/oidc`).
    pub fn new(issuer: url::Url) -> Result<Self, Cis2Error> {
        Ok(Self {
            issuer,
            key: RsaSigningKey::generate()?,
            clients: Mutex::new(HashMap::new()),
            grants: Mutex::new(Grants::default()),
            roles_in_id_token: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Also puts the person's roles in the ID token (CIS2 sends them from UserInfo only);
    /// for testing a client's fallback.
    pub fn set_roles_in_id_token(&self, on: bool) {
        self.roles_in_id_token
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> &url::Url {
        &self.issuer
    }

    /// Registers a confidential client that authenticates with `private_key_jwt` using the
    /// key whose public JWK is `jwk` (what `nir-viewer keys show` prints).
    pub fn register_client(
        &self,
        client_id: &str,
        jwk: &serde_json::Value,
    ) -> Result<(), Cis2Error> {
        let problem = |reason: String| Cis2Error::ClientKey {
            client_id: client_id.to_owned(),
            reason,
        };
        let parsed: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(jwk.clone()).map_err(|e| problem(e.to_string()))?;
        if !matches!(
            parsed.algorithm,
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_)
        ) {
            return Err(problem("not an RSA key".into()));
        }
        lock(&self.clients).insert(client_id.to_owned(), parsed);
        Ok(())
    }

    /// The routes, to be nested at `/oidc`.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(endpoints::discovery),
            )
            .route("/jwks", get(endpoints::jwks))
            .route("/authorize", get(authorize::authorize))
            .route("/token", post(token::token))
            .route("/userinfo", get(endpoints::userinfo))
            .route("/revoke", post(endpoints::revoke))
            .layer(axum::middleware::map_response(no_store))
            .with_state(self)
    }

    /// Whether `token` is a live access token of this provider (for the sandbox's gate).
    pub fn verify_access_token(&self, token: &str) -> Result<(), String> {
        match lock(&self.grants).access(token) {
            Ok(_) => Ok(()),
            Err(TokenProblem::Expired) => Err("The access token expired".into()),
            Err(TokenProblem::Unknown) => Err("The access token is not valid".into()),
        }
    }

    fn endpoint(&self, name: &str) -> String {
        format!("{}/{name}", self.issuer.as_str().trim_end_matches('/'))
    }

    fn public_jwk(&self) -> serde_json::Value {
        self.key.public_jwk(RsaAlgorithm::Rs256)
    }
}

impl super::auth_gate::BearerVerifier for MockCis2 {
    fn verify(&self, token: &str) -> Result<(), String> {
        self.verify_access_token(token)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An OAuth error response (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    (status, axum::Json(body)).into_response()
}

/// A fresh opaque token value.
fn opaque_token(prefix: &str) -> Result<String, AuthError> {
    nir_core::auth::pkce::random_urlsafe(32).map(|random| format!("{prefix}.{random}"))
}

#[cfg(test)]
mod tests;
