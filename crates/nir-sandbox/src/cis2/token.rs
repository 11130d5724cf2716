//! `POST /token`: the authorization code grant (the PKCE S256 verifier must match the
//! challenge, the redirect URI and client must match the authorization request), the
//! refresh token grant (rotating the refresh token), and RFC 8693 token exchange of a live
//! access token. Every grant first authenticates the client.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::grants::{TokenGrant, TokenProblem, REFRESH_LIFETIME};
use super::{client_assertion, lock, oauth_error, opaque_token, users, MockCis2};
use nir_core::auth::pkce::s256_challenge;
use nir_core::auth::signing_key::RsaAlgorithm;
use nir_core::auth::token_endpoint::{ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT};

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn server_error() -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "token issue failed",
    )
}

/// Handles `POST /token`.
pub async fn token(
    State(provider): State<Arc<MockCis2>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let client_id =
        match client_assertion::authenticate(&provider, &form, &provider.endpoint("token")) {
            Ok(client_id) => client_id,
            Err(refused) => return refused.into_response(),
        };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    match field("grant_type") {
        "authorization_code" => redeem_code(&provider, &client_id, &form),
        "refresh_token" => refresh(&provider, &client_id, field("refresh_token")),
        TOKEN_EXCHANGE_GRANT => exchange(&provider, &client_id, &form),
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unknown grant_type",
        ),
    }
}

fn redeem_code(provider: &MockCis2, client_id: &str, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let Some(grant) = lock(&provider.grants).take_code(field("code")) else {
        return invalid_grant("unknown, used or expired code");
    };
    if grant.client_id != client_id || grant.redirect_uri != field("redirect_uri") {
        return invalid_grant("the code was issued to another client or redirect URI");
    }
    let verifier = field("code_verifier");
    if !(43..=128).contains(&verifier.len()) || s256_challenge(verifier) != grant.code_challenge {
        return invalid_grant("PKCE verification failed");
    }
    let session = TokenGrant {
        client_id: client_id.to_owned(),
        user_id: grant.user_id,
        token_lifetime: grant.token_lifetime,
        expires: Instant::now() + grant.token_lifetime,
    };
    issue(provider, session, grant.nonce.as_deref())
}

fn refresh(provider: &MockCis2, client_id: &str, refresh_token: &str) -> Response {
    let grant = match lock(&provider.grants).take_refresh(refresh_token) {
        Ok(grant) => grant,
        Err(TokenProblem::Expired) => return invalid_grant("the refresh token expired"),
        Err(TokenProblem::Unknown) => return invalid_grant("unknown or used refresh token"),
    };
    if grant.client_id != client_id {
        return invalid_grant("the refresh token belongs to another client");
    }
    let session = TokenGrant {
        expires: Instant::now() + grant.token_lifetime,
        ..grant
    };
    issue(provider, session, None)
}

fn exchange(provider: &MockCis2, client_id: &str, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let subject = match field("subject_token_type") {
        ACCESS_TOKEN_TYPE => match lock(&provider.grants).access(field("subject_token")) {
            Ok(grant) => grant.clone(),
            Err(_) => return invalid_grant("the subject token is not a live access token"),
        },
        // The NHS API platform's exchange takes the CIS2 ID token: one this provider signed,
        // for this client, not expired.
        ID_TOKEN_TYPE => match id_token_subject(provider, client_id, field("subject_token")) {
            Some(grant) => grant,
            None => return invalid_grant("the subject token is not a valid ID token"),
        },
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "unsupported subject_token_type",
            )
        }
    };
    let Ok(token) = opaque_token("api") else {
        return server_error();
    };
    let lifetime = subject.expires.saturating_duration_since(Instant::now());
    lock(&provider.grants).add_access(
        token.clone(),
        TokenGrant {
            client_id: client_id.to_owned(),
            ..subject
        },
    );
    Json(serde_json::json!({
        "access_token": token,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs().max(1),
    }))
    .into_response()
}

/// The grant an ID token of this provider stands for, when it verifies for `client_id`.
fn id_token_subject(provider: &MockCis2, client_id: &str, token: &str) -> Option<TokenGrant> {
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(provider.public_jwk()).ok()?;
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).ok()?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[provider.issuer.as_str()]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .ok()?
        .claims;
    let user = users::USERS
        .iter()
        .find(|user| claims["sub"].as_str() == Some(user.uid))?;
    let lifetime = std::time::Duration::from_secs(user.token_lifetime);
    Some(TokenGrant {
        client_id: client_id.to_owned(),
        user_id: user.id,
        token_lifetime: lifetime,
        expires: Instant::now() + lifetime,
    })
}

/// Issues an access token, a refresh token and an ID token (with the nonce on sign-in).
fn issue(provider: &MockCis2, session: TokenGrant, nonce: Option<&str>) -> Response {
    let Some(user) = users::find(session.user_id) else {
        return server_error();
    };
    let (Ok(access), Ok(refresh)) = (opaque_token("at"), opaque_token("rt")) else {
        return server_error();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut body = serde_json::json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": session.token_lifetime.as_secs(),
        "scope": "openid profile nationalrbacaccess",
    });
    {
        let mut claims = user.id_token_claims();
        if provider
            .roles_in_id_token
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            claims["nhsid_nrbac_roles"] = user.userinfo_claims()["nhsid_nrbac_roles"].clone();
        }
        claims["iss"] = provider.issuer.as_str().into();
        claims["aud"] = session.client_id.as_str().into();
        claims["iat"] = now.into();
        claims["auth_time"] = now.into();
        claims["exp"] = (now + session.token_lifetime.as_secs().max(60)).into();
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        let Ok(id_token) = provider.key.sign_jwt(RsaAlgorithm::Rs256, &claims) else {
            return server_error();
        };
        body["id_token"] = id_token.into();
    }
    let mut grants = lock(&provider.grants);
    grants.add_refresh(
        refresh,
        TokenGrant {
            expires: Instant::now() + REFRESH_LIFETIME,
            ..session.clone()
        },
    );
    grants.add_access(access, session);
    Json(body).into_response()
}
