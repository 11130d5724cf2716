//! A mock electronic patient record that launches the viewer with SMART App Launch (EHR
//! launch), served by the sandbox under `/smart-ehr/` so the launch can be exercised
//! without a real EPR. Its FHIR base (`iss`) is `B/smart-ehr/fhir`; it publishes
//! `.well-known/smart-configuration`, authorizes a public client with PKCE (S256 only) and
//! a launch id it issued, answers the token request with the launch's patient, and serves
//! that `Patient` to the bearer of the token. Launch ids: `launch-rich` (patient with NHS
//! number 9912003888), `launch-other` (9000000017), `launch-no-patient` (the token response
//! names no patient) and `launch-no-nhs` (a Patient without an NHS number). Every table is
//! bounded; codes are single-use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use nir_core::auth::pkce::{random_urlsafe, s256_challenge};

/// The NHS number identifier system.
const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The only client id the mock EPR knows.
pub const SMART_CLIENT_ID: &str = "nir-viewer";
/// Most codes or tokens held at once; older ones are forgotten.
const MAX_ENTRIES: usize = 64;

/// A launch the mock EPR can start: which patient is in context.
struct LaunchContext {
    launch: &'static str,
    patient_id: Option<&'static str>,
}

const LAUNCHES: [LaunchContext; 4] = [
    LaunchContext {
        launch: "launch-rich",
        patient_id: Some("pat-rich"),
    },
    LaunchContext {
        launch: "launch-other",
        patient_id: Some("pat-other"),
    },
    LaunchContext {
        launch: "launch-no-patient",
        patient_id: None,
    },
    LaunchContext {
        launch: "launch-no-nhs",
        patient_id: Some("pat-no-nhs"),
    },
];

/// The synthetic patients: FHIR id and NHS number (none for `pat-no-nhs`).
const PATIENTS: [(&str, Option<&str>); 3] = [
    ("pat-rich", Some("9912003888")),
    ("pat-other", Some("9000000017")),
    ("pat-no-nhs", None),
];

#[derive(Clone)]
struct Grant {
    patient_id: Option<&'static str>,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct Tables {
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, Option<&'static str>>,
}

/// The mock EPR's state: issued codes and access tokens.
#[derive(Default)]
pub struct SmartEhr {
    tables: Mutex<Tables>,
}

fn remember<V>(map: &mut HashMap<String, V>, key: String, value: V) {
    if map.len() >= MAX_ENTRIES {
        if let Some(oldest) = map.keys().next().cloned() {
            map.remove(&oldest);
        }
    }
    map.insert(key, value);
}

/// The mock EPR's routes, to be nested at `/smart-ehr`.
pub fn router() -> Router {
    Router::new()
        .route(
            "/fhir/.well-known/smart-configuration",
            get(smart_configuration),
        )
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/fhir/Patient/{id}", get(patient))
        .with_state(Arc::new(SmartEhr::default()))
}

/// `B/smart-ehr/` from the request's Host header (the sandbox is loopback only).
fn base_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/smart-ehr")
}

async fn smart_configuration(headers: HeaderMap) -> Json<serde_json::Value> {
    let base = base_of(&headers);
    Json(json!({
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["launch", "openid", "fhirUser", "patient/Patient.read"],
        "capabilities": ["launch-ehr", "client-public", "context-ehr-patient"]
    }))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    aud: Option<String>,
    launch: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, message.to_owned()).into_response()
}

async fn authorize(
    State(ehr): State<Arc<SmartEhr>>,
    headers: HeaderMap,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    let Some(redirect_uri) = query
        .redirect_uri
        .as_deref()
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|r| r.scheme() == "http" && r.host_str() == Some("127.0.0.1"))
    else {
        return bad_request("redirect_uri must be a loopback URL");
    };
    let fail = |error: &str| {
        let mut to = redirect_uri.clone();
        to.query_pairs_mut()
            .append_pair("error", error)
            .append_pair("state", query.state.as_deref().unwrap_or(""));
        Redirect::to(to.as_str()).into_response()
    };
    let scopes: Vec<&str> = query.scope.as_deref().unwrap_or("").split(' ').collect();
    let expected_aud = format!("{}/fhir", base_of(&headers));
    if query.response_type.as_deref() != Some("code")
        || query.client_id.as_deref() != Some(SMART_CLIENT_ID)
        || query.aud.as_deref().map(|a| a.trim_end_matches('/')) != Some(expected_aud.as_str())
        || query.code_challenge_method.as_deref() != Some("S256")
        || query.code_challenge.as_deref().unwrap_or("").len() < 43
        || query.state.as_deref().unwrap_or("").is_empty()
    {
        return fail("invalid_request");
    }
    if !["launch", "openid", "patient/Patient.read"]
        .iter()
        .all(|s| scopes.contains(s))
    {
        return fail("invalid_scope");
    }
    let Some(context) = LAUNCHES
        .iter()
        .find(|l| Some(l.launch) == query.launch.as_deref())
    else {
        return fail("invalid_request");
    };
    let Ok(code) = random_urlsafe(24) else {
        return fail("server_error");
    };
    let grant = Grant {
        patient_id: context.patient_id,
        challenge: query.code_challenge.clone().unwrap_or_default(),
        redirect_uri: redirect_uri.to_string(),
    };
    remember(
        &mut ehr.tables.lock().unwrap_or_else(|p| p.into_inner()).codes,
        code.clone(),
        grant,
    );
    let mut to = redirect_uri;
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", query.state.as_deref().unwrap_or(""));
    Redirect::to(to.as_str()).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    code_verifier: String,
}

fn oauth_error(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response()
}

async fn token(State(ehr): State<Arc<SmartEhr>>, Form(form): Form<TokenForm>) -> Response {
    if form.grant_type != "authorization_code" || form.client_id != SMART_CLIENT_ID {
        return oauth_error("invalid_client");
    }
    let mut tables = ehr.tables.lock().unwrap_or_else(|p| p.into_inner());
    let Some(grant) = tables.codes.remove(&form.code) else {
        return oauth_error("invalid_grant");
    };
    if grant.redirect_uri != form.redirect_uri
        || s256_challenge(&form.code_verifier) != grant.challenge
    {
        return oauth_error("invalid_grant");
    }
    let Ok(access_token) = random_urlsafe(32) else {
        return oauth_error("server_error");
    };
    remember(&mut tables.tokens, access_token.clone(), grant.patient_id);
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "launch openid fhirUser patient/Patient.read",
    });
    if let Some(patient) = grant.patient_id {
        body["patient"] = json!(patient);
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn patient(
    State(ehr): State<Arc<SmartEhr>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let allowed = token.and_then(|t| {
        ehr.tables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tokens
            .get(t)
            .copied()
    });
    match allowed {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(in_context) if in_context != Some(id.as_str()) => {
            return StatusCode::FORBIDDEN.into_response()
        }
        Some(_) => {}
    }
    let Some((id, nhs)) = PATIENTS.iter().find(|(p, _)| *p == id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut identifiers =
        vec![json!({ "system": "https://epr.example.nhs.uk/mrn", "value": format!("MRN-{id}") })];
    if let Some(nhs) = nhs {
        identifiers.push(json!({ "system": NHS_NUMBER_SYSTEM, "value": nhs }));
    }
    Json(json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": identifiers,
        "name": [{ "family": "TRAINING", "given": ["Synthetic"] }]
    }))
    .into_response()
}
