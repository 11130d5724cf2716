//! SMART App Launch (EHR launch) against the sandbox's mock patient record: the patient in
//! context is found through smart-configuration, PKCE authorization with the launch id, the
//! token response and the Patient's NHS number; an unknown `iss`, a foreign `state`, a
//! token response without a patient, a Patient without an NHS number and an unknown launch
//! id are refused, and the mock record itself enforces PKCE and single-use codes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nir_viewer::auth::browser::BrowserLauncher;
use nir_viewer::auth::pkce::{random_urlsafe, s256_challenge};
use nir_viewer::auth::AuthError;
use nir_viewer::launch::{
    parse_link, resolve_smart_launch, LaunchRequest, SmartLaunch, SmartLaunchError, SmartSettings,
    SMART_SCOPE,
};
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::sandbox::smart_ehr::SMART_CLIENT_ID;
use nir_viewer::sandbox::SandboxHandle;

async fn sandbox() -> SandboxHandle {
    crate::support::loopback_sandbox(false).await
}

fn iss_of(sandbox: &SandboxHandle) -> url::Url {
    sandbox.base_url().join("smart-ehr/fhir").unwrap()
}

/// Plays the clinician's browser: follows the authorization redirect back to the viewer,
/// optionally replacing `state` first as an attacker would. Counts how often it was used.
#[derive(Clone, Default)]
struct Browser {
    tamper_state: bool,
    opened: Arc<AtomicUsize>,
    /// The status the viewer's redirect listener answered the last redirect with.
    answered: Arc<std::sync::Mutex<Option<u16>>>,
}

impl BrowserLauncher for Browser {
    fn open(&self, url: &url::Url) -> Result<(), AuthError> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        let mut target = url.clone();
        if self.tamper_state {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(n, v)| {
                    let v = if n == "state" {
                        "forged".into()
                    } else {
                        v.into_owned()
                    };
                    (n.into_owned(), v)
                })
                .collect();
            target.query_pairs_mut().clear().extend_pairs(&pairs);
        }
        let client = build_client(&NetworkSettings::default())?;
        let answered = Arc::clone(&self.answered);
        tokio::spawn(async move {
            if let Ok(response) = client.get(target).send().await {
                *answered.lock().unwrap() = Some(response.status().as_u16());
            }
        });
        Ok(())
    }
}

fn settings(allowed: Vec<url::Url>, wait: Duration) -> SmartSettings {
    let mut settings = SmartSettings::new(allowed, SMART_CLIENT_ID);
    settings.authorize_timeout = wait;
    settings
}

async fn run(
    sandbox: &SandboxHandle,
    allowed: Vec<url::Url>,
    launch: &str,
    browser: &Browser,
) -> Result<String, SmartLaunchError> {
    run_waiting(sandbox, allowed, launch, browser, Duration::from_secs(30)).await
}

async fn run_waiting(
    sandbox: &SandboxHandle,
    allowed: Vec<url::Url>,
    launch: &str,
    browser: &Browser,
    wait: Duration,
) -> Result<String, SmartLaunchError> {
    let client = build_client(&NetworkSettings::default()).unwrap();
    let link = format!(
        "nir-viewer://smart-launch?iss={}&launch={launch}",
        percent_encode(iss_of(sandbox).as_str())
    );
    let LaunchRequest::Smart(smart) = parse_link(&link).unwrap() else {
        panic!("not a SMART launch: {link}");
    };
    resolve_smart_launch(&client, &settings(allowed, wait), &smart, browser)
        .await
        .map(|n| n.as_digits())
}

fn percent_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn an_allowed_record_names_the_patient_in_context() {
    let sandbox = sandbox().await;
    let browser = Browser::default();
    let nhs = run(&sandbox, vec![iss_of(&sandbox)], "launch-rich", &browser).await;
    assert_eq!(nhs.unwrap(), "9912003888");
    let other = run(&sandbox, vec![iss_of(&sandbox)], "launch-other", &browser).await;
    assert_eq!(other.unwrap(), "9000000017");
    assert_eq!(browser.opened.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_record_not_on_the_allow_list_is_never_contacted() {
    let sandbox = sandbox().await;
    let browser = Browser::default();
    let elsewhere = url::Url::parse("https://epr.example.nhs.uk/fhir").unwrap();
    let outcome = run(&sandbox, vec![elsewhere], "launch-rich", &browser).await;
    assert!(
        matches!(outcome, Err(SmartLaunchError::UnknownIssuer)),
        "{outcome:?}"
    );
    assert_eq!(browser.opened.load(Ordering::SeqCst), 0);
    let nobody = run(&sandbox, Vec::new(), "launch-rich", &browser).await;
    assert!(matches!(nobody, Err(SmartLaunchError::UnknownIssuer)));
}

#[tokio::test]
async fn a_foreign_state_is_refused() {
    let sandbox = sandbox().await;
    let browser = Browser {
        tamper_state: true,
        ..Browser::default()
    };
    // The redirect carrying a forged state is turned away (400) and never ends the wait:
    // only this launch's own state could, so the launch runs out of time.
    let outcome = run_waiting(
        &sandbox,
        vec![iss_of(&sandbox)],
        "launch-rich",
        &browser,
        Duration::from_secs(3),
    )
    .await;
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(
        format!("{outcome:?}").contains("not completed"),
        "{outcome:?}"
    );
    assert_eq!(*browser.answered.lock().unwrap(), Some(400));
}

#[tokio::test]
async fn a_token_without_a_patient_is_refused() {
    let sandbox = sandbox().await;
    let outcome = run(
        &sandbox,
        vec![iss_of(&sandbox)],
        "launch-no-patient",
        &Browser::default(),
    )
    .await;
    assert!(
        matches!(outcome, Err(SmartLaunchError::NoPatient)),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_patient_without_an_nhs_number_is_refused() {
    let sandbox = sandbox().await;
    let outcome = run(
        &sandbox,
        vec![iss_of(&sandbox)],
        "launch-no-nhs",
        &Browser::default(),
    )
    .await;
    assert!(
        matches!(outcome, Err(SmartLaunchError::NoNhsNumber)),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unknown_launch_id_is_refused_by_the_record() {
    let sandbox = sandbox().await;
    let outcome = run(
        &sandbox,
        vec![iss_of(&sandbox)],
        "launch-forged",
        &Browser::default(),
    )
    .await;
    match outcome {
        Err(SmartLaunchError::Authorization(why)) => {
            assert!(why.contains("invalid_request"), "{why}")
        }
        other => panic!("expected an authorization refusal, got {other:?}"),
    }
}

/// The mock record is a fair opponent: it refuses a wrong PKCE verifier and a reused code.
#[tokio::test]
async fn the_mock_record_enforces_pkce_and_single_use_codes() {
    let sandbox = sandbox().await;
    let iss = iss_of(&sandbox);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let verifier = random_urlsafe(32).unwrap();
    let redirect_uri = "http://127.0.0.1:9/smart-callback";
    let authorize = sandbox.base_url().join("smart-ehr/authorize").unwrap();
    let issue_code = || async {
        let response = client
            .get(authorize.clone())
            .query(&[
                ("response_type", "code"),
                ("client_id", SMART_CLIENT_ID),
                ("redirect_uri", redirect_uri),
                ("scope", SMART_SCOPE),
                ("state", "s1"),
                ("aud", iss.as_str()),
                ("launch", "launch-rich"),
                ("code_challenge", &s256_challenge(&verifier)),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        location
            .query_pairs()
            .find(|(n, _)| n == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code")
    };
    let token = sandbox.base_url().join("smart-ehr/token").unwrap();
    let redeem = |code: String, verifier: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            client
                .post(token)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect_uri),
                    ("client_id", SMART_CLIENT_ID),
                    ("code_verifier", verifier.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let code = issue_code().await;
    assert_eq!(redeem(code, "wrong-verifier".repeat(4)).await, 400);
    let code = issue_code().await;
    assert_eq!(redeem(code.clone(), verifier.clone()).await, 200);
    assert_eq!(
        redeem(code, verifier.clone()).await,
        400,
        "a code works once"
    );
    let patient = sandbox
        .base_url()
        .join("smart-ehr/fhir/Patient/pat-rich")
        .unwrap();
    let unauthenticated = client.get(patient).send().await.unwrap().status();
    assert_eq!(unauthenticated.as_u16(), 401);
}

#[test]
fn only_https_or_loopback_records_may_launch() {
    let refused =
        parse_link("nir-viewer://smart-launch?iss=http%3A%2F%2Fepr.example.nhs.uk%2Ffhir&launch=x");
    assert!(refused.is_err());
    let loopback =
        parse_link("nir-viewer://smart-launch?iss=http%3A%2F%2F127.0.0.1%3A9%2Ffhir&launch=x");
    assert!(matches!(
        loopback,
        Ok(LaunchRequest::Smart(SmartLaunch { .. }))
    ));
}
