//! The mock's small endpoints: the discovery document, the JWKS, userinfo (bearer token
//! required) and RFC 7009 revocation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::grants::TokenProblem;
use super::{client_assertion, lock, users, MockCis2};

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(provider): State<Arc<MockCis2>>) -> Response {
    Json(serde_json::json!({
        "issuer": provider.issuer.as_str(),
        "authorization_endpoint": provider.endpoint("authorize"),
        "token_endpoint": provider.endpoint("token"),
        "jwks_uri": provider.endpoint("jwks"),
        "userinfo_endpoint": provider.endpoint("userinfo"),
        "revocation_endpoint": provider.endpoint("revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:token-exchange"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS512"],
        "scopes_supported": ["openid", "profile", "nationalrbacaccess", "selectedrole"],
        "acr_values_supported": ["AAL3_ANY", "AAL2_OR_AAL3_ANY", "AAL1_USERPASS"],
        "claims_supported": ["sub", "name", "acr", "amr", "nhsid_useruid",
            "selected_roleid", "nhsid_nrbac_roles"],
    }))
    .into_response()
}

/// `GET /jwks`.
pub async fn jwks(State(provider): State<Arc<MockCis2>>) -> Response {
    Json(serde_json::json!({ "keys": [provider.public_jwk()] })).into_response()
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// A 401 with the RFC 6750 challenge.
pub fn invalid_token(description: &str) -> Response {
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
    )
        .into_response()
}

/// `GET /userinfo`.
pub async fn userinfo(State(provider): State<Arc<MockCis2>>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    };
    let user_id = match lock(&provider.grants).access(token) {
        Ok(grant) => grant.user_id,
        Err(TokenProblem::Expired) => return invalid_token("The access token expired"),
        Err(TokenProblem::Unknown) => return invalid_token("The access token is not valid"),
    };
    match users::find(user_id) {
        Some(user) => Json(user.userinfo_claims()).into_response(),
        None => invalid_token("The access token is not valid"),
    }
}

/// `POST /revoke`: forgets the token; answers 200 whether or not it was known (RFC 7009).
pub async fn revoke(
    State(provider): State<Arc<MockCis2>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(refused) =
        client_assertion::authenticate(&provider, &form, &provider.endpoint("revoke"))
    {
        return refused.into_response();
    }
    if let Some(token) = form.get("token") {
        lock(&provider.grants).revoke(token);
    }
    StatusCode::OK.into_response()
}
