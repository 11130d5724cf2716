//! Sign-in against the sandbox's mock CIS2, with the sandbox's data endpoints under
//! `--require-auth` as the resource server: happy path, every rejection the mock can
//! produce (tampered state and nonce, password-only user, role not allowed), refresh,
//! expiry mid-session, token exchange, revocation on sign-out, `private_key_jwt`, and the
//! system browser opener honouring `BROWSER`.

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::auth::browser::{BrowserLauncher, SystemBrowser};
use nir_viewer::auth::client_auth::ClientCredentials;
use nir_viewer::auth::flow::{sign_in, SignedIn};
use nir_viewer::auth::settings::{AuthSettings, TokenExchangeSettings, TRAINING_CLIENT_ID};
use nir_viewer::auth::sign_in_state::{EndReason, SignInState, SignInStatus};
use nir_viewer::auth::signing_key::{RsaAlgorithm, RsaSigningKey};
use nir_viewer::auth::{AuthError, IdTokenError, RoleError};
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};
use nir_viewer::sandbox::cis2::MockCis2;
use nir_viewer::sandbox::SandboxHandle;

use super::browser_double::{FakeBrowser, Tamper};

const NO_RECORDS: &str = "9000000009";
const TOKEN_EXPIRY: &str = "9912003950";

async fn sandbox() -> SandboxHandle {
    crate::support::loopback_sandbox(true).await
}

fn settings(sandbox: &SandboxHandle) -> AuthSettings {
    let mut settings = AuthSettings::training(sandbox.base_url().join("oidc").unwrap());
    settings.sign_in_timeout_seconds = 60;
    settings
}

fn client() -> reqwest::Client {
    build_client(&NetworkSettings::default()).unwrap()
}

async fn sign_in_with(
    settings: &AuthSettings,
    browser: &dyn BrowserLauncher,
) -> Result<SignedIn, AuthError> {
    let credentials = ClientCredentials::Public {
        client_id: TRAINING_CLIENT_ID.into(),
    };
    sign_in(settings, &client(), credentials, browser).await
}

/// A FHIR discovery request to the sandbox: the status and the `WWW-Authenticate` header.
async fn fhir_search(sandbox: &SandboxHandle, bearer: Option<&str>, nhs: &str) -> (u16, String) {
    let url = sandbox
        .base_url()
        .join("fhir/R4/DocumentReference")
        .unwrap();
    let identifier = format!("https://fhir.nhs.uk/Id/nhs-number|{nhs}");
    let mut request = client()
        .get(url)
        .query(&[("subject:identifier", identifier.as_str())])
        .header("NHSD-End-User-Organisation-ODS", "XTR01")
        .header("X-Request-ID", uuid::Uuid::new_v4().to_string());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), challenge)
}

#[tokio::test]
async fn smartcard_clinician_signs_in_and_reaches_protected_data() {
    let sandbox = sandbox().await;
    let signed_in = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("clinician"))
        .await
        .unwrap();
    assert_eq!(signed_in.identity.role_code, "S8000:G8000:R8000");
    assert_eq!(signed_in.identity.ods.as_deref(), Some("XTR01"));
    assert!(
        !format!("{:?}", signed_in.tokens).contains("at."),
        "Debug shows no token"
    );
    let bearer = signed_in.tokens.bearer().unwrap();
    assert_eq!(
        fhir_search(&sandbox, Some(&bearer), NO_RECORDS).await.0,
        200
    );
    assert_eq!(fhir_search(&sandbox, None, NO_RECORDS).await.0, 401);
    assert_eq!(
        fhir_search(&sandbox, Some("forged"), NO_RECORDS).await.0,
        401
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tampered_state_is_turned_away_and_never_signs_in() {
    let sandbox = sandbox().await;
    let mut settings = settings(&sandbox);
    settings.sign_in_timeout_seconds = 3;
    let browser = FakeBrowser::tampering("clinician", Tamper::State);
    let outcome = sign_in_with(&settings, &browser).await;
    assert!(
        matches!(outcome, Err(AuthError::TimedOut(3))),
        "{outcome:?}"
    );
    assert_eq!(*browser.landed.lock().unwrap(), Some(400));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tampered_nonce_is_rejected() {
    let sandbox = sandbox().await;
    let outcome = sign_in_with(
        &settings(&sandbox),
        &FakeBrowser::tampering("clinician", Tamper::Nonce),
    )
    .await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Nonce))),
        "{outcome:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn password_only_user_is_rejected_for_missing_smartcard() {
    let sandbox = sandbox().await;
    let outcome = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("password-user")).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Assurance(_)))),
        "{outcome:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn roles_outside_the_allowed_list_are_rejected_unless_configured() {
    let sandbox = sandbox().await;
    let outcome = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("receptionist")).await;
    assert!(
        matches!(&outcome, Err(AuthError::Role(RoleError::NotAllowed(code))) if code.contains("R8008")),
        "{outcome:?}"
    );
    let outcome = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("admin")).await;
    assert!(
        matches!(outcome, Err(AuthError::Role(RoleError::NotAllowed(_)))),
        "{outcome:?}"
    );
    let mut with_admin = settings(&sandbox);
    with_admin.allowed_roles.push("R9000".into());
    let admin = sign_in_with(&with_admin, &FakeBrowser::as_user("admin"))
        .await
        .unwrap();
    assert!(admin.identity.role_code.ends_with("R9000"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refresh_replaces_the_access_token() {
    let sandbox = sandbox().await;
    let signed_in = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("clinician"))
        .await
        .unwrap();
    let before = signed_in.tokens.bearer().unwrap();
    signed_in.tokens.refresh().await.unwrap();
    let after = signed_in.tokens.bearer().unwrap();
    assert_ne!(*before, *after);
    assert_eq!(fhir_search(&sandbox, Some(&after), NO_RECORDS).await.0, 200);
    // The refresh token rotated: refreshing again still works.
    signed_in.tokens.refresh().await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn expiry_mid_session_is_answered_by_a_refresh() {
    let sandbox = sandbox().await;
    let mut settings = settings(&sandbox);
    settings.refresh_margin_seconds = 0;
    let mut browser = FakeBrowser::as_user("clinician");
    browser.extra.push(("expires_in", "1"));
    let signed_in = sign_in_with(&settings, &browser).await.unwrap();
    let first = signed_in.tokens.bearer().unwrap();
    // Wait (bounded) until the resource server says the token expired.
    let mut answer = (0, String::new());
    for _ in 0..100 {
        answer = fhir_search(&sandbox, Some(&first), NO_RECORDS).await;
        if answer.0 == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer.0, 401);
    assert!(answer.1.contains("invalid_token"), "{}", answer.1);
    assert!(signed_in.tokens.needs_refresh());
    signed_in.tokens.ensure_fresh().await.unwrap();
    let second = signed_in.tokens.bearer().unwrap();
    assert_ne!(*first, *second);
    assert_eq!(
        fhir_search(&sandbox, Some(&second), NO_RECORDS).await.0,
        200
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_token_expiry_scenario_forces_a_refresh() {
    let sandbox = sandbox().await;
    let signed_in = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("clinician"))
        .await
        .unwrap();
    let first = signed_in.tokens.bearer().unwrap();
    let (status, challenge) = fhir_search(&sandbox, Some(&first), TOKEN_EXPIRY).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("The access token expired"));
    signed_in.tokens.refresh().await.unwrap();
    let second = signed_in.tokens.bearer().unwrap();
    // A fresh token's first use is refused again by design; its second use succeeds.
    assert_eq!(
        fhir_search(&sandbox, Some(&second), TOKEN_EXPIRY).await.0,
        401
    );
    assert_eq!(
        fhir_search(&sandbox, Some(&second), TOKEN_EXPIRY).await.0,
        200
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_refresher_renews_short_lived_tokens_in_the_background() {
    let sandbox = sandbox().await;
    let signed_in = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("short-lived"))
        .await
        .unwrap();
    super::assert_refreshed_in_background(&signed_in.tokens).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn token_exchange_yields_an_api_token_the_resource_server_accepts() {
    let sandbox = sandbox().await;
    let mut settings = settings(&sandbox);
    settings.token_exchange = Some(TokenExchangeSettings {
        subject_token_type: Default::default(),
        token_endpoint: None,
        audience: Some("nir-api".into()),
        resource: None,
    });
    let signed_in = sign_in_with(&settings, &FakeBrowser::as_user("clinician"))
        .await
        .unwrap();
    let bearer = signed_in.tokens.bearer().unwrap();
    assert!(
        bearer.starts_with("api."),
        "the bearer is the exchanged token"
    );
    assert_eq!(
        fhir_search(&sandbox, Some(&bearer), NO_RECORDS).await.0,
        200
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sign_out_revokes_and_wipes() {
    let sandbox = sandbox().await;
    let wiped = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&wiped);
    let session = SignInState::new(
        Duration::from_secs(900),
        Arc::new(move |reason| record.lock().unwrap().push(reason)),
    );
    session.begin_sign_in().unwrap();
    let signed_in = sign_in_with(&settings(&sandbox), &FakeBrowser::as_user("clinician"))
        .await
        .unwrap();
    let bearer = signed_in.tokens.bearer().unwrap();
    session
        .complete_sign_in(signed_in.identity, Some(signed_in.tokens))
        .unwrap();
    assert_eq!(
        fhir_search(&sandbox, Some(&bearer), NO_RECORDS).await.0,
        200
    );
    session.sign_out().await.unwrap();
    assert_eq!(session.state(), SignInStatus::SignedOut);
    assert_eq!(*wiped.lock().unwrap(), [EndReason::SignedOut]);
    assert_eq!(
        fhir_search(&sandbox, Some(&bearer), NO_RECORDS).await.0,
        401,
        "revoked"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn private_key_jwt_authenticates_a_registered_client() {
    // A provider of our own, so a client key can be registered with it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let issuer = base.join("oidc").unwrap();
    let provider = Arc::new(MockCis2::new(issuer.clone()).unwrap());
    let key = Arc::new(RsaSigningKey::generate().unwrap());
    provider
        .register_client("viewer-site-1", &key.public_jwk(RsaAlgorithm::Rs512))
        .unwrap();
    let app = axum::Router::new().nest("/oidc", Arc::clone(&provider).router());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut settings = AuthSettings::new(issuer, "viewer-site-1");
    settings.sign_in_timeout_seconds = 60;
    let credentials = ClientCredentials::PrivateKeyJwt {
        client_id: "viewer-site-1".into(),
        key: Arc::clone(&key),
    };
    let signed_in = sign_in(
        &settings,
        &client(),
        credentials,
        &FakeBrowser::as_user("clinician"),
    )
    .await
    .unwrap();
    signed_in.tokens.refresh().await.unwrap();
    let bearer = signed_in.tokens.bearer().unwrap();
    assert!(provider.verify_access_token(&bearer).is_ok());

    let impostor = ClientCredentials::PrivateKeyJwt {
        client_id: "viewer-site-1".into(),
        key: Arc::new(RsaSigningKey::generate().unwrap()),
    };
    let refused = sign_in(
        &settings,
        &client(),
        impostor,
        &FakeBrowser::as_user("clinician"),
    )
    .await;
    assert!(
        matches!(&refused, Err(AuthError::Provider { reason, .. }) if reason.contains("invalid_client")),
        "{refused:?}"
    );
    server.abort();
}

#[cfg(unix)]
#[tokio::test]
async fn the_system_opener_honours_browser() {
    // nextest runs each test in its own process, so BROWSER touches no other test.
    let sandbox = sandbox().await;
    let dir = std::env::temp_dir().join(format!("nir-auth-browser-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nexec curl --silent --location --max-time 30 --output /dev/null \"$1&login_hint=clinician&prompt=none\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::env::set_var("BROWSER", &script);
    let outcome = sign_in_with(&settings(&sandbox), &SystemBrowser).await;
    std::fs::remove_dir_all(&dir).unwrap();
    let signed_in = outcome.unwrap();
    assert_eq!(signed_in.identity.role_code, "S8000:G8000:R8000");
    sandbox.shutdown().await;
}
