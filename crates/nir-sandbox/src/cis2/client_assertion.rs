//! Client authentication at the mock's token and revocation endpoints. Registered clients
//! must send a `private_key_jwt` assertion (RFC 7523): RS512, signed by the key registered
//! for the client, `iss` = `sub` = client id, `aud` = the endpoint (or the issuer), at most
//! five minutes of life, and a `jti` never seen before. The viewer's training client id is
//! accepted without an assertion, because a training install has no registered key.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{lock, oauth_error, MockCis2, TRAINING_CLIENT_ID};
use nir_core::auth::client_auth::ASSERTION_TYPE;

/// Longest lifetime CIS2 accepts for an assertion.
const MAX_ASSERTION_LIFETIME: u64 = 300;

#[derive(Deserialize)]
struct AssertionClaims {
    sub: String,
    exp: u64,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    jti: Option<String>,
}

fn refuse(description: &'static str) -> ClientRefused {
    ClientRefused(description)
}

/// Why client authentication failed (the `error_description`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRefused(pub &'static str);

impl ClientRefused {
    /// The RFC 6749 `invalid_client` response.
    pub fn into_response(self) -> Response {
        oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", self.0)
    }
}

/// Authenticates the client of a form request to `endpoint`; returns its client id.
pub fn authenticate(
    provider: &MockCis2,
    form: &HashMap<String, String>,
    endpoint: &str,
) -> Result<String, ClientRefused> {
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let Some(assertion) = form.get("client_assertion") else {
        return if client_id == TRAINING_CLIENT_ID {
            Ok(client_id)
        } else {
            Err(refuse(
                "client authentication (private_key_jwt) is required",
            ))
        };
    };
    if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
        return Err(refuse("unsupported client_assertion_type"));
    }
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| refuse("the client assertion is not a JWT"))?;
    if header.alg != Algorithm::RS512 {
        return Err(refuse("client assertions must be signed with RS512"));
    }
    let jwk = lock(&provider.clients)
        .get(&client_id)
        .cloned()
        .ok_or_else(|| refuse("unknown client"))?;
    if header.kid.is_some() && header.kid != jwk.common.key_id {
        return Err(refuse("the assertion names another key"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| refuse("the registered key is unusable"))?;
    let mut validation = Validation::new(Algorithm::RS512);
    validation.leeway = 30;
    validation.set_issuer(&[client_id.as_str()]);
    validation.set_audience(&[endpoint, provider.issuer.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
        .map_err(|_| refuse("the client assertion does not verify"))?
        .claims;
    if claims.sub != client_id {
        return Err(refuse("the assertion's sub is not the client"));
    }
    let issued = claims.iat.unwrap_or(claims.exp);
    if claims.exp.saturating_sub(issued) > MAX_ASSERTION_LIFETIME {
        return Err(refuse("the client assertion lives too long"));
    }
    let jti = claims
        .jti
        .ok_or_else(|| refuse("the client assertion has no jti"))?;
    if !lock(&provider.grants).first_use_of_assertion(&jti) {
        return Err(refuse("the client assertion was already used"));
    }
    Ok(client_id)
}
