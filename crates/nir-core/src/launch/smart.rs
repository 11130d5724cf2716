//! SMART App Launch, EHR launch: the patient record starts the viewer with its FHIR base
//! (`iss`) and an opaque `launch` id, and the viewer asks the record which patient is in
//! context. Only an `iss` on the organisation's allow-list is contacted at all; the viewer
//! reads `{iss}/.well-known/smart-configuration`, sends the browser to the record's
//! authorization endpoint with PKCE (S256), `state`, `aud={iss}`, `launch` and the scope
//! `launch openid fhirUser patient/Patient.read`, redeems the code as a public client, takes
//! `patient` from the token response, reads `{iss}/Patient/{id}` and keeps only its NHS
//! number. The record's token is dropped at once; the patient is opened afterwards under
//! the clinician's own CIS2 sign-in, exactly like a `nir-viewer://open` link.

use std::time::Duration;

use serde::Deserialize;

use super::SmartLaunch;
use crate::auth::browser::BrowserLauncher;
use crate::auth::loopback::LoopbackRedirect;
use crate::auth::pkce::{random_urlsafe, Pkce};
use crate::error::{ErrorCode, UserFacing};
use crate::nhs_number::NhsNumber;

/// The scope the viewer asks the patient record for.
pub const SMART_SCOPE: &str = "launch openid fhirUser patient/Patient.read";
/// The NHS number identifier system on a FHIR Patient.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// How long any single request to the patient record may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest JSON document accepted from the patient record.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the organisation configured for SMART launch.
#[derive(Debug, Clone)]
pub struct SmartSettings {
    /// The patient records (FHIR bases) allowed to launch the viewer.
    pub allowed_issuers: Vec<url::Url>,
    /// The viewer's client id at those records.
    pub client_id: String,
    /// Path of the loopback redirect.
    pub redirect_path: String,
    /// How long the clinician may take in the browser.
    pub authorize_timeout: Duration,
}

impl SmartSettings {
    /// Settings for `allowed_issuers` with the defaults for everything else.
    pub fn new(allowed_issuers: Vec<url::Url>, client_id: &str) -> Self {
        Self {
            allowed_issuers,
            client_id: client_id.to_owned(),
            redirect_path: "/smart-callback".into(),
            authorize_timeout: Duration::from_secs(300),
        }
    }
}

/// Why a SMART launch could not name a patient.
#[derive(Debug, thiserror::Error)]
pub enum SmartLaunchError {
    /// The `iss` is not on the allow-list.
    #[error("the patient record that started the viewer is not one this organisation allows")]
    UnknownIssuer,
    /// The record's SMART configuration could not be read or is unusable.
    #[error("the patient record's SMART configuration is not usable: {0}")]
    Configuration(String),
    /// The authorization step failed (refused, timed out, browser not opened).
    #[error("the patient record did not authorise the launch: {0}")]
    Authorization(String),
    /// The `state` returned does not match the one sent.
    #[error("the launch response does not belong to this launch (state mismatch)")]
    BadState,
    /// The token request failed.
    #[error("the patient record refused the launch token request: {0}")]
    Token(String),
    /// The token response names no patient.
    #[error("the patient record did not say which patient is in context")]
    NoPatient,
    /// The Patient could not be read.
    #[error("the patient in context could not be read from the patient record: {0}")]
    Patient(String),
    /// The Patient carries no (valid) NHS number.
    #[error("the patient in context has no valid NHS number in the patient record")]
    NoNhsNumber,
}

impl UserFacing for SmartLaunchError {
    fn code(&self) -> ErrorCode {
        match self {
            SmartLaunchError::UnknownIssuer | SmartLaunchError::BadState => {
                ErrorCode::LaunchNotTrusted
            }
            SmartLaunchError::NoPatient | SmartLaunchError::NoNhsNumber => {
                ErrorCode::LaunchNoPatient
            }
            _ => ErrorCode::LaunchSmartFailed,
        }
    }

    fn user_message(&self) -> String {
        format!(
            "The launch from the patient record could not be completed: {self}. Open the \
             patient from the record again, or look them up by NHS number."
        )
    }
}

#[derive(Deserialize)]
struct SmartConfiguration {
    authorization_endpoint: url::Url,
    token_endpoint: url::Url,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
}

/// The record's token response; wiped from memory when dropped.
#[derive(Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    patient: Option<String>,
}

#[derive(Deserialize)]
struct Patient {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    identifier: Vec<Identifier>,
}

#[derive(Deserialize)]
struct Identifier {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

/// The FHIR base without a trailing slash, for comparison and joining.
fn base_of(url: &url::Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

/// https, or http to this machine only (a mock record in tests, a local gateway).
pub fn is_acceptable_endpoint(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(domain)) => domain == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Whether `id` is a FHIR R4 logical id (the `id` datatype: `[A-Za-z0-9\-\.]{1,64}`) that
/// can go into a URL path as one segment: `.` and `..` are ids by that pattern but are dot
/// segments, which a URL resolves away (RFC 3986 §5.2.4), so they are refused too.
pub fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, String> {
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err("the answer is too large".into());
    }
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err("the answer is too large".into());
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("not the expected JSON ({e})"))
}

/// Runs the EHR launch and answers the NHS number of the patient in context.
pub async fn resolve_smart_launch(
    client: &reqwest::Client,
    settings: &SmartSettings,
    launch: &SmartLaunch,
    browser: &dyn BrowserLauncher,
) -> Result<NhsNumber, SmartLaunchError> {
    let iss = base_of(&launch.iss);
    if !settings.allowed_issuers.iter().any(|a| base_of(a) == iss)
        || !is_acceptable_endpoint(&launch.iss)
    {
        return Err(SmartLaunchError::UnknownIssuer);
    }
    let configuration = discover(client, &iss).await?;
    let pkce = Pkce::generate().map_err(|e| SmartLaunchError::Authorization(e.to_string()))?;
    let state = random_urlsafe(24).map_err(|e| SmartLaunchError::Authorization(e.to_string()))?;
    let redirect = LoopbackRedirect::bind(&settings.redirect_path)
        .await
        .map_err(|e| SmartLaunchError::Authorization(e.to_string()))?;
    let redirect_uri = redirect.redirect_uri().clone();
    let mut authorize = configuration.authorization_endpoint.clone();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", redirect_uri.as_str())
        .append_pair("scope", SMART_SCOPE)
        .append_pair("state", &state)
        .append_pair("aud", &iss)
        .append_pair("launch", &launch.launch)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    browser
        .open(&authorize)
        .map_err(|e| SmartLaunchError::Authorization(e.to_string()))?;
    let response = redirect
        .wait(settings.authorize_timeout, &state)
        .await
        .map_err(|e| SmartLaunchError::Authorization(e.to_string()))?;
    if response.state != state {
        return Err(SmartLaunchError::BadState);
    }
    let token = redeem(
        client,
        &configuration.token_endpoint,
        settings,
        &response.code,
        &pkce.verifier,
        &redirect_uri,
    )
    .await?;
    let patient_id = token
        .patient
        .as_deref()
        .ok_or(SmartLaunchError::NoPatient)?;
    if !is_fhir_id(patient_id) {
        return Err(SmartLaunchError::Token(
            "the patient in context is not a valid FHIR id".into(),
        ));
    }
    read_nhs_number(client, &iss, patient_id, &token.access_token).await
}

async fn discover(
    client: &reqwest::Client,
    iss: &str,
) -> Result<SmartConfiguration, SmartLaunchError> {
    let bad = SmartLaunchError::Configuration;
    let response = client
        .get(format!("{iss}/.well-known/smart-configuration"))
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| bad(e.without_url().to_string()))?;
    let configuration: SmartConfiguration = read_json(response).await.map_err(bad)?;
    if !is_acceptable_endpoint(&configuration.authorization_endpoint)
        || !is_acceptable_endpoint(&configuration.token_endpoint)
    {
        return Err(bad("an endpoint does not use https".into()));
    }
    if let Some(methods) = &configuration.code_challenge_methods_supported {
        if !methods.iter().any(|m| m == "S256") {
            return Err(bad("PKCE with S256 is not supported".into()));
        }
    }
    Ok(configuration)
}

async fn redeem(
    client: &reqwest::Client,
    token_endpoint: &url::Url,
    settings: &SmartSettings,
    code: &str,
    verifier: &str,
    redirect_uri: &url::Url,
) -> Result<TokenResponse, SmartLaunchError> {
    let response = client
        .post(token_endpoint.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", settings.client_id.as_str()),
            ("code_verifier", verifier),
        ])
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| SmartLaunchError::Token(e.without_url().to_string()))?;
    let token: TokenResponse = read_json(response).await.map_err(SmartLaunchError::Token)?;
    if token
        .token_type
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(SmartLaunchError::Token(
            "the token is not a bearer token".into(),
        ));
    }
    Ok(token)
}

async fn read_nhs_number(
    client: &reqwest::Client,
    iss: &str,
    patient_id: &str,
    access_token: &str,
) -> Result<NhsNumber, SmartLaunchError> {
    let response = client
        .get(format!("{iss}/Patient/{patient_id}"))
        .header(reqwest::header::ACCEPT, "application/fhir+json")
        .bearer_auth(access_token)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| SmartLaunchError::Patient(e.without_url().to_string()))?;
    let patient: Patient = read_json(response)
        .await
        .map_err(SmartLaunchError::Patient)?;
    if patient.resource_type != "Patient" || patient.id.as_deref() != Some(patient_id) {
        return Err(SmartLaunchError::Patient(
            "the answer is not the Patient in context".into(),
        ));
    }
    patient
        .identifier
        .iter()
        .filter(|i| i.system.as_deref() == Some(NHS_NUMBER_SYSTEM))
        .find_map(|i| i.value.as_deref().and_then(|v| NhsNumber::parse(v).ok()))
        .ok_or(SmartLaunchError::NoNhsNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_endpoints_are_used() {
        let ok = |u: &str| is_acceptable_endpoint(&url::Url::parse(u).unwrap());
        assert!(ok("https://epr.example.nhs.uk/fhir"));
        assert!(ok("http://127.0.0.1:8080/fhir"));
        assert!(ok("http://localhost/fhir"));
        assert!(!ok("http://epr.example.nhs.uk/fhir"));
        assert!(!ok("ftp://127.0.0.1/fhir"));
    }

    #[test]
    fn patient_ids_are_plain_fhir_ids() {
        assert!(is_fhir_id("pat-rich.1"));
        assert!(!is_fhir_id("../Observation"));
        assert!(!is_fhir_id(""));
        assert!(!is_fhir_id(&"a".repeat(65)));
        assert!(is_fhir_id(&"a".repeat(64)));
        for path_like in ["..", ".", "a/b", "%2e%2e", "a?b", "a#b", "a b", "é"] {
            assert!(!is_fhir_id(path_like), "{path_like}");
        }
        assert!(
            is_fhir_id("..a"),
            "dots inside an id are allowed by FHIR R4"
        );
    }

    #[test]
    fn refusals_of_trust_and_of_context_have_distinct_codes() {
        assert_eq!(SmartLaunchError::UnknownIssuer.code(), "launch-not-trusted");
        assert_eq!(SmartLaunchError::BadState.code(), "launch-not-trusted");
        assert_eq!(SmartLaunchError::NoNhsNumber.code(), "launch-no-patient");
        assert!(SmartLaunchError::NoPatient
            .user_message()
            .contains("look them up by NHS number"));
    }
}
