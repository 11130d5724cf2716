//! The same flow against a provider the viewer's authors did not write: `oauth2-mock-server`
//! from npm (installed into `tests/oidc` by `make deps-test`), started on 127.0.0.1 by
//! `tests/oidc/provider.js` for each test, with one misbehaviour per scenario, and stopped
//! when the test ends.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use nir_viewer::auth::client_auth::ClientCredentials;
use nir_viewer::auth::flow::{sign_in, SignedIn};
use nir_viewer::auth::settings::AuthSettings;
use nir_viewer::auth::signing_key::RsaSigningKey;
use nir_viewer::auth::{AuthError, IdTokenError, RoleError};
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};

use super::browser_double::{FakeBrowser, Tamper};

const CLIENT_ID: &str = "nir-viewer-test";

/// A running `oauth2-mock-server`; killed on drop.
struct Provider {
    child: Child,
    issuer: url::Url,
}

impl Provider {
    fn start(scenario: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc");
        assert!(
            dir.join("node_modules/oauth2-mock-server").is_dir(),
            "oauth2-mock-server is not installed: run `make deps-test` (npm ci in tests/oidc)"
        );
        let mut child = Command::new("node")
            .arg("provider.js")
            .current_dir(&dir)
            .env("OIDC_SCENARIO", scenario)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the provider announces its issuer within a minute");
        let issuer = line
            .trim()
            .strip_prefix("ISSUER ")
            .unwrap_or_else(|| panic!("unexpected provider output {line:?}"));
        let issuer = url::Url::parse(issuer).unwrap();
        assert_eq!(issuer.host_str(), Some("127.0.0.1"));
        Self { child, issuer }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sign_in_at(provider: &Provider, browser: FakeBrowser) -> Result<SignedIn, AuthError> {
    sign_in_within(provider, browser, 60).await
}

async fn sign_in_within(
    provider: &Provider,
    browser: FakeBrowser,
    seconds: u64,
) -> Result<SignedIn, AuthError> {
    let mut settings = AuthSettings::new(provider.issuer.clone(), CLIENT_ID);
    settings.sign_in_timeout_seconds = seconds;
    // The mock accepts any client authentication; send the real kind anyway.
    let credentials = ClientCredentials::PrivateKeyJwt {
        client_id: CLIENT_ID.into(),
        key: Arc::new(RsaSigningKey::generate().unwrap()),
    };
    let client = build_client(&NetworkSettings::default()).unwrap();
    sign_in(&settings, &client, credentials, &browser).await
}

async fn outcome_of(scenario: &str, browser: FakeBrowser) -> Result<SignedIn, AuthError> {
    let provider = Provider::start(scenario);
    sign_in_at(&provider, browser).await
}

fn honest() -> FakeBrowser {
    FakeBrowser::as_user("anyone")
}

#[tokio::test]
async fn happy_path_and_refresh() {
    let provider = Provider::start("happy");
    let signed_in = sign_in_at(&provider, honest()).await.unwrap();
    assert_eq!(signed_in.identity.role_code, "S8000:G8000:R8000");
    assert_eq!(signed_in.identity.ods.as_deref(), Some("XTR02"));
    let before = signed_in.tokens.bearer().unwrap();
    assert!(!signed_in.tokens.needs_refresh());
    signed_in.tokens.refresh().await.unwrap();
    assert_ne!(*before, *signed_in.tokens.bearer().unwrap());
    signed_in.tokens.revoke_and_clear().await.unwrap();
    assert!(signed_in.tokens.bearer().is_none());
}

#[tokio::test]
async fn wrong_state_is_turned_away_and_never_signs_in() {
    // A response with another sign-in's `state` gets 400 at the loopback listener, which
    // keeps waiting for the genuine one; none comes, so the sign-in times out.
    let provider = Provider::start("happy");
    let browser = FakeBrowser::tampering("anyone", Tamper::State);
    let landed = std::sync::Arc::clone(&browser.landed);
    let outcome = sign_in_within(&provider, browser, 3).await;
    assert!(
        matches!(outcome, Err(AuthError::TimedOut(3))),
        "{outcome:?}"
    );
    assert_eq!(*landed.lock().unwrap(), Some(400));
}

#[tokio::test]
async fn wrong_nonce_is_rejected() {
    let outcome = outcome_of("happy", FakeBrowser::tampering("anyone", Tamper::Nonce)).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Nonce))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn bad_signature_is_rejected() {
    let outcome = outcome_of("bad-signature", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Signature))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let outcome = outcome_of("alg-none", honest()).await;
    assert!(
        matches!(&outcome, Err(AuthError::IdToken(IdTokenError::Algorithm(alg))) if alg == "none"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    let outcome = outcome_of("wrong-audience", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Audience))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let outcome = outcome_of("expired", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Expired))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn missing_smartcard_amr_is_rejected() {
    let outcome = outcome_of("no-smartcard", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Assurance(_)))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn role_not_allowed_is_rejected() {
    let outcome = outcome_of("role-not-allowed", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::Role(RoleError::NotAllowed(_)))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn roles_are_read_from_userinfo_not_the_id_token() {
    let signed_in = sign_in_at(&Provider::start("happy"), honest())
        .await
        .unwrap();
    assert_eq!(
        signed_in.role_source,
        nir_viewer::auth::userinfo::RoleSource::UserInfo
    );
    assert_eq!(signed_in.identity.ods.as_deref(), Some("XTR02"));
}

#[tokio::test]
async fn a_person_without_roles_is_told_so() {
    let outcome = outcome_of("no-roles", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::Role(RoleError::NoRoles))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn roles_that_cannot_be_read_are_not_taken_for_no_roles() {
    let outcome = outcome_of("userinfo-down", honest()).await;
    assert!(
        matches!(outcome, Err(AuthError::Role(RoleError::Unreadable(_)))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn expiry_mid_session_is_refreshed_in_the_background() {
    let provider = Provider::start("short-lived");
    let signed_in = sign_in_at(&provider, honest()).await.unwrap();
    assert!(
        signed_in.tokens.needs_refresh(),
        "a 1-second token is inside the refresh margin"
    );
    super::assert_refreshed_in_background(&signed_in.tokens).await;
}
