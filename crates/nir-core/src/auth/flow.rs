//! One browser sign-in from start to finish: discover the provider, open a loopback
//! redirect, send the browser to the authorization endpoint with PKCE, `state` and `nonce`,
//! wait (bounded) for the code, check `state`, redeem the code with client authentication,
//! validate the ID token, read the person's roles from UserInfo with the access token (CIS2
//! returns `nhsid_nrbac_roles` there, not in the ID token), decide the role and hand back
//! who signed in with their tokens.

use std::sync::Arc;
use std::time::Duration;

use super::browser::BrowserLauncher;
use super::client_auth::ClientCredentials;
use super::discovery::{discover, fetch_jwks};
use super::error::AuthError;
use super::id_token::{validate, Identity};
use super::loopback::LoopbackRedirect;
use super::pkce::{random_urlsafe, Pkce};
use super::settings::AuthSettings;
use super::token_endpoint::TokenEndpoint;
use super::tokens::Tokens;
use super::userinfo::{decide_identity, fetch_userinfo, RoleSource};

/// A completed sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// Who signed in, in which role.
    pub identity: Identity,
    /// Their tokens (memory only).
    pub tokens: Arc<Tokens>,
    /// Where the roles that let them in came from.
    pub role_source: RoleSource,
}

/// Runs the authorization-code flow with PKCE through `browser`.
pub async fn sign_in(
    settings: &AuthSettings,
    client: &reqwest::Client,
    credentials: ClientCredentials,
    browser: &dyn BrowserLauncher,
) -> Result<SignedIn, AuthError> {
    if credentials.client_id() != settings.client_id {
        return Err(AuthError::Settings(
            "credentials are for another client id".into(),
        ));
    }
    let metadata = discover(client, &settings.issuer).await?;
    let jwks = fetch_jwks(client, &metadata.jwks_uri).await?;
    let pkce = Pkce::generate()?;
    let state = random_urlsafe(24)?;
    let nonce = random_urlsafe(24)?;
    let redirect = LoopbackRedirect::bind(&settings.redirect_path).await?;
    let redirect_uri = redirect.redirect_uri().clone();

    let mut authorize = metadata.authorization_endpoint.clone();
    {
        let mut query = authorize.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("scope", &settings.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(acr_values) = &settings.acr_values {
            query.append_pair("acr_values", acr_values);
        }
    }
    browser.open(&authorize)?;
    let response = redirect
        .wait(
            Duration::from_secs(settings.sign_in_timeout_seconds),
            &state,
        )
        .await?;
    if response.state != state {
        return Err(AuthError::StateMismatch);
    }

    let endpoint = TokenEndpoint::new(
        client.clone(),
        metadata.token_endpoint.clone(),
        metadata.revocation_endpoint.clone(),
        credentials,
    );
    let issued = endpoint
        .redeem_code(&response.code, &pkce.verifier, &redirect_uri)
        .await?;
    let id_token = issued.id_token.clone().ok_or_else(|| AuthError::Provider {
        endpoint: "token",
        reason: "no ID token was issued".into(),
    })?;
    // `iss` must equal the discovered issuer exactly (the configured URL may differ in a
    // trailing slash, which discovery tolerates).
    let mut policy = settings.id_token_policy();
    policy.issuer = metadata.issuer.clone();
    let claims = validate(&id_token, &jwks, &policy, &nonce)?;
    let (userinfo, userinfo_failure) = match &metadata.userinfo_endpoint {
        Some(endpoint) => match fetch_userinfo(client, endpoint, &issued.access_token).await {
            Ok(info) => (Some(info), None),
            Err(error) => (None, Some(error)),
        },
        None => (
            None,
            Some(AuthError::Role(super::error::RoleError::Unreadable(
                "the provider publishes no UserInfo endpoint".into(),
            ))),
        ),
    };
    if let Some(failure) = &userinfo_failure {
        tracing::warn!(
            code = "auth-userinfo-failed",
            "UserInfo not read: {failure}"
        );
    }
    let (identity, role_source) =
        decide_identity(claims, userinfo, userinfo_failure, &settings.allowed_roles)?;
    let tokens = Tokens::start(
        endpoint,
        issued,
        settings.token_exchange.clone(),
        Duration::from_secs(settings.refresh_margin_seconds),
    )
    .await?;
    tracing::info!(role = %identity.role_code, roles_from = ?role_source, "signed in");
    Ok(SignedIn {
        identity,
        tokens,
        role_source,
    })
}
