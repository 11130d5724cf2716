//! Every `[auth]` setting of `docs/auth.md` and `packaging/config.toml`, read from a managed
//! configuration as an organisation writes it, acts: each test parses a TOML `[auth]`
//! table, resolves it the way the viewer does (`config::AuthSettings::sign_in_settings`)
//! and signs in against the sandbox's mock CIS2, watching the setting's effect on the
//! authorization request, on what is accepted back, or on the tokens.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nir_viewer::auth::browser::BrowserLauncher;
use nir_viewer::auth::client_auth::ClientCredentials;
use nir_viewer::auth::clock::{Clock, ManualClock};
use nir_viewer::auth::flow::{sign_in, SignedIn};
use nir_viewer::auth::settings::{AuthSettings, ClientAuthMethod, TRAINING_CLIENT_ID};
use nir_viewer::auth::sign_in_state::{EndReason, SignInState, SignInStatus};
use nir_viewer::auth::{AuthError, IdTokenError, RoleError};
use nir_viewer::config;
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};
use nir_viewer::sandbox::SandboxHandle;

use super::browser_double::FakeBrowser;

async fn sandbox() -> SandboxHandle {
    crate::support::loopback_sandbox(true).await
}

/// The sign-in settings of a managed file whose `[auth]` table holds `lines` (the issuer
/// is the sandbox's; the client is the sandbox's public training client).
fn managed(sandbox: &SandboxHandle, lines: &str) -> AuthSettings {
    let text = format!(
        "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/FHIR/R4/\"\n\
         [auth]\nissuer = \"{}\"\nclient_id = \"{TRAINING_CLIENT_ID}\"\nclient_auth = \"none\"\n{lines}\n",
        sandbox.base_url().join("oidc").unwrap()
    );
    let parsed = config::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    parsed.auth.sign_in_settings().unwrap()
}

/// A browser double that also remembers the authorization URL it was sent to.
struct Recording {
    inner: FakeBrowser,
    seen: Arc<Mutex<Option<url::Url>>>,
}

impl BrowserLauncher for Recording {
    fn open(&self, url: &url::Url) -> Result<(), AuthError> {
        *self.seen.lock().unwrap() = Some(url.clone());
        self.inner.open(url)
    }
}

/// A person who never finishes in the browser.
struct Absent;

impl BrowserLauncher for Absent {
    fn open(&self, _url: &url::Url) -> Result<(), AuthError> {
        Ok(())
    }
}

async fn sign_in_as(
    settings: &AuthSettings,
    user: &'static str,
) -> (Result<SignedIn, AuthError>, url::Url) {
    let seen = Arc::new(Mutex::new(None));
    let browser = Recording {
        inner: FakeBrowser::as_user(user),
        seen: Arc::clone(&seen),
    };
    let credentials = ClientCredentials::Public {
        client_id: settings.client_id.clone(),
    };
    let client = build_client(&NetworkSettings::default()).unwrap();
    let outcome = sign_in(settings, &client, credentials, &browser).await;
    let url = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the browser was opened");
    (outcome, url)
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[tokio::test]
async fn scopes_acr_values_and_redirect_path_shape_the_authorization_request() {
    let sandbox = sandbox().await;
    let settings = managed(
        &sandbox,
        "scopes = [\"openid\", \"profile\", \"nationalrbacaccess\", \"email\"]\n\
         acr_values = \"AAL3_ANY AAL2_OR_AAL3_ANY\"\nredirect_path = \"/nir-callback\"\n\
         allowed_roles = [\"R8000\"]",
    );
    let (outcome, url) = sign_in_as(&settings, "clinician").await;
    outcome.unwrap();
    assert_eq!(
        query(&url, "scope").as_deref(),
        Some("openid profile nationalrbacaccess email")
    );
    assert_eq!(
        query(&url, "acr_values").as_deref(),
        Some("AAL3_ANY AAL2_OR_AAL3_ANY")
    );
    let redirect = url::Url::parse(&query(&url, "redirect_uri").unwrap()).unwrap();
    assert_eq!(redirect.path(), "/nir-callback");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn assurance_chooses_what_is_requested_and_accepted() {
    let sandbox = sandbox().await;
    let aal3 = managed(&sandbox, "allowed_roles = [\"R8000\"]");
    let (_, url) = sign_in_as(&aal3, "clinician").await;
    assert_eq!(query(&url, "acr_values").as_deref(), Some("AAL3_ANY"));
    let aal2 = managed(
        &sandbox,
        "assurance = \"aal2\"\nallowed_roles = [\"R8000\"]",
    );
    let (outcome, url) = sign_in_as(&aal2, "clinician").await;
    outcome.unwrap();
    assert_eq!(
        query(&url, "acr_values").as_deref(),
        Some("AAL2_OR_AAL3_ANY")
    );
    assert!(aal2.accepted_acr.len() > aal3.accepted_acr.len());
    let none_sent = managed(&sandbox, "acr_values = \"\"\nallowed_roles = [\"R8000\"]");
    let (_, url) = sign_in_as(&none_sent, "clinician").await;
    assert_eq!(query(&url, "acr_values"), None);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn accepted_acr_and_amr_refuse_what_they_do_not_list() {
    let sandbox = sandbox().await;
    let acr = managed(
        &sandbox,
        "accepted_acr = [\"AAL3_N3_SMARTCARD\"]\nallowed_roles = [\"R8000\"]",
    );
    let (outcome, _) = sign_in_as(&acr, "clinician").await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Assurance(_)))),
        "{outcome:?}"
    );
    let amr = managed(
        &sandbox,
        "accepted_amr = [\"FIDO2\"]\nallowed_roles = [\"R8000\"]",
    );
    let (outcome, _) = sign_in_as(&amr, "clinician").await;
    assert!(
        matches!(outcome, Err(AuthError::IdToken(IdTokenError::Assurance(_)))),
        "{outcome:?}"
    );
    let smartcard = managed(
        &sandbox,
        "accepted_amr = [\"N3_SMARTCARD\"]\nallowed_roles = [\"R8000\"]",
    );
    sign_in_as(&smartcard, "clinician").await.0.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn allowed_roles_decide_with_the_roles_from_userinfo() {
    let sandbox = sandbox().await;
    let admins = managed(&sandbox, "allowed_roles = [\"R9000\"]");
    let (outcome, _) = sign_in_as(&admins, "clinician").await;
    assert!(
        matches!(outcome, Err(AuthError::Role(RoleError::NotAllowed(_)))),
        "{outcome:?}"
    );
    let signed_in = sign_in_as(&admins, "admin").await.0.unwrap();
    assert_eq!(
        signed_in.role_source,
        nir_viewer::auth::userinfo::RoleSource::UserInfo,
        "the sandbox, like CIS2, sends the roles from UserInfo only"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sign_in_timeout_bounds_the_wait_for_the_browser() {
    let sandbox = sandbox().await;
    let settings = managed(
        &sandbox,
        "sign_in_timeout_seconds = 1\nallowed_roles = [\"R8000\"]",
    );
    let client = build_client(&NetworkSettings::default()).unwrap();
    let credentials = ClientCredentials::Public {
        client_id: settings.client_id.clone(),
    };
    let started = Instant::now();
    let outcome = sign_in(&settings, &client, credentials, &Absent).await;
    assert!(
        matches!(outcome, Err(AuthError::TimedOut(1))),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refresh_margin_decides_when_tokens_count_as_expiring() {
    let sandbox = sandbox().await;
    // The mock's tokens live minutes; a margin of a day makes them due at once.
    let wide = managed(
        &sandbox,
        "refresh_margin_seconds = 86400\nallowed_roles = [\"R8000\"]",
    );
    let narrow = managed(
        &sandbox,
        "refresh_margin_seconds = 0\nallowed_roles = [\"R8000\"]",
    );
    let (wide_signed_in, _) = sign_in_as(&wide, "clinician").await;
    assert!(wide_signed_in.unwrap().tokens.needs_refresh());
    let (narrow_signed_in, _) = sign_in_as(&narrow, "clinician").await;
    assert!(!narrow_signed_in.unwrap().tokens.needs_refresh());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn token_exchange_makes_the_exchanged_token_the_bearer() {
    let sandbox = sandbox().await;
    let settings = managed(
        &sandbox,
        "allowed_roles = [\"R8000\"]\ntoken_exchange = { audience = \"nir-api\" }",
    );
    let signed_in = sign_in_as(&settings, "clinician").await.0.unwrap();
    assert!(signed_in.tokens.bearer().unwrap().starts_with("api."));
    let of_access_token = managed(
        &sandbox,
        "allowed_roles = [\"R8000\"]\n\
         token_exchange = { audience = \"nir-api\", subject_token_type = \"access_token\" }",
    );
    let signed_in = sign_in_as(&of_access_token, "clinician").await.0.unwrap();
    assert!(signed_in.tokens.bearer().unwrap().starts_with("api."));
    let elsewhere = managed(
        &sandbox,
        "allowed_roles = [\"R8000\"]\n\
         token_exchange = { token_endpoint = \"http://127.0.0.1:9/token\" }",
    );
    let outcome = sign_in_as(&elsewhere, "clinician").await.0;
    assert!(
        outcome.is_err(),
        "the configured exchange endpoint is the one used"
    );
    let plain = managed(&sandbox, "allowed_roles = [\"R8000\"]");
    let signed_in = sign_in_as(&plain, "clinician").await.0.unwrap();
    assert!(!signed_in.tokens.bearer().unwrap().starts_with("api."));
    sandbox.shutdown().await;
}

#[test]
fn idle_timeout_locks_after_the_configured_minutes() {
    let text = "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/\"\n\
                [auth]\nissuer = \"https://cis2.example.nhs.uk/\"\nclient_id = \"v\"\n\
                idle_timeout_minutes = 2\n";
    let settings = config::parse(text)
        .unwrap()
        .auth
        .sign_in_settings()
        .unwrap();
    assert_eq!(settings.idle_timeout(), Duration::from_secs(120));
    let clock = ManualClock::new();
    let session = SignInState::with_clock(
        settings.idle_timeout(),
        Arc::new(|_| {}),
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    session.begin_sign_in().unwrap();
    session
        .complete_sign_in(
            nir_viewer::auth::id_token::Identity {
                subject: "s".into(),
                user_uid: None,
                name: None,
                role_id: "r".into(),
                role_code: "R8000".into(),
                role_name: None,
                ods: None,
            },
            None,
        )
        .unwrap();
    clock.advance(Duration::from_secs(119));
    assert_eq!(session.check(), None);
    clock.advance(Duration::from_secs(2));
    assert_eq!(session.check(), Some(EndReason::Idle));
    assert!(matches!(session.state(), SignInStatus::Locked(_)));
}

#[test]
fn client_auth_none_is_refused_for_live_use_and_private_key_jwt_is_the_default() {
    let base = "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/\"\n\
                [organisation]\nods_code = \"X26\"\n\
                [auth]\nissuer = \"https://cis2.example.nhs.uk/\"\nclient_id = \"v\"\n\
                allowed_roles = [\"R8000\"]\n";
    let default = config::parse(base).unwrap();
    assert_eq!(
        default.auth.sign_in_settings().unwrap().client_auth,
        ClientAuthMethod::PrivateKeyJwt
    );
    assert!(!default.validate().iter().any(|p| p.contains("client_auth")));
    let public = config::parse(&format!("{base}client_auth = \"none\"\n")).unwrap();
    assert_eq!(
        public.auth.sign_in_settings().unwrap().client_auth,
        ClientAuthMethod::None
    );
    assert!(public.validate().iter().any(|p| p.contains("client_auth")));
}
