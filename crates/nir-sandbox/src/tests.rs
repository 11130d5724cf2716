//! Router-level tests through `tower::ServiceExt::oneshot` (no sockets).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use super::auth_gate::FixedTokensVerifier;
use super::*;

const REQUEST_ID: &str = "0b7e6a8e-4f7e-4f4e-9d4c-3a2b1c0d9e8f";

fn app(require_auth: bool) -> Router {
    let base = Url::parse("http://127.0.0.1:9/").unwrap();
    router(SandboxState::new(
        base,
        require_auth,
        Arc::new(FixedTokensVerifier(vec!["t1".into(), "t2".into()])),
    ))
}

async fn send(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024).await.unwrap();
    (parts.status, parts.headers, bytes.to_vec())
}

fn fhir_get(query: &str) -> axum::http::request::Builder {
    Request::get(format!("/fhir/R4/DocumentReference?{query}"))
        .header("NHSD-End-User-Organisation-ODS", "Y12345")
        .header("X-Request-ID", REQUEST_ID)
}

fn subject(nhs: &str) -> String {
    format!("subject:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{nhs}")
}

async fn json_of(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let (status, _, body) = send(app, request).await;
    (status, serde_json::from_slice(&body).unwrap())
}

/// The address of a Bundle's link with this relation (FHIR R4 `Bundle.link`).
fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)?["url"]
        .as_str()
}

/// The first Bundle entry with this search mode (`match`, `include` or `outcome`).
fn entry_with_mode<'a>(bundle: &'a Value, mode: &str) -> Option<&'a Value> {
    bundle["entry"]
        .as_array()?
        .iter()
        .find(|e| e["search"]["mode"] == mode)
}

fn spine_code(outcome: &Value) -> &str {
    outcome["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn discovery_document_lists_networks_patients_and_codes() {
    let app = app(false);
    let (status, headers, body) = send(
        &app,
        Request::get("/.well-known/nir-sandbox.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["fhir"], "http://127.0.0.1:9/fhir/R4");
    assert_eq!(doc["networks"].as_array().unwrap().len(), 3);
    assert_eq!(
        doc["networks"][0]["wado"],
        "http://127.0.0.1:9/networks/north/dicomweb"
    );
    assert_eq!(doc["patients"][0]["scenario"], "rich-history");
    assert_eq!(doc["patients"].as_array().unwrap().len(), 11);
    assert_eq!(
        doc["record_type_codes"]["imaging-study"]["code"],
        "721981007"
    );
}

#[tokio::test]
async fn fhir_header_and_parameter_errors_use_spine_codes() {
    let app = app(false);
    let request = Request::get(format!(
        "/fhir/R4/DocumentReference?{}",
        subject("9912003888")
    ))
    .header("X-Request-ID", REQUEST_ID);
    let (status, outcome) = json_of(&app, request.body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (StatusCode::BAD_REQUEST, "PRECONDITION_FAILED")
    );
    let request = Request::get(format!(
        "/fhir/R4/DocumentReference?{}",
        subject("9912003888")
    ))
    .header("NHSD-End-User-Organisation-ODS", "Y1");
    let (status, outcome) = json_of(&app, request.body(Body::empty()).unwrap()).await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (StatusCode::BAD_REQUEST, "MISSING_OR_INVALID_HEADER")
    );
    let (status, outcome) = json_of(
        &app,
        fhir_get(&subject("9912003887"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (StatusCode::BAD_REQUEST, "INVALID_NHS_NUMBER")
    );
    let (status, outcome) = json_of(
        &app,
        fhir_get("category=721981007").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (StatusCode::BAD_REQUEST, "INVALID_PARAMETER")
    );
}

#[tokio::test]
async fn rich_history_search_pages_and_filters() {
    let app = app(false);
    let (status, headers, body) = send(
        &app,
        fhir_get(&format!("{}&_count=4", subject("9912003888")))
            .header("X-Correlation-ID", "c-1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-request-id"], REQUEST_ID);
    assert_eq!(headers["x-correlation-id"], "c-1");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/fhir+json"));
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["total"], 13);
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 4);
    let next = link(&bundle, "next").unwrap();
    assert!(!next.contains("9912003888"));
    let path = next.trim_start_matches("http://127.0.0.1:9");
    let (_, page2) = json_of(
        &app,
        Request::get(path)
            .header("NHSD-End-User-Organisation-ODS", "Y1")
            .header("X-Request-ID", REQUEST_ID)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page2["entry"].as_array().unwrap().len(), 4);
    let query = format!("{}&category=721981007&custodian:identifier=https://fhir.nhs.uk/Id/ods-organization-code|Y90002&date=ge2022-01-01", subject("9912003888"));
    let (_, filtered) = json_of(
        &app,
        fhir_get(&query.replace('|', "%7C"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let entries = filtered["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for entry in entries {
        assert_eq!(
            entry["resource"]["custodian"]["identifier"]["value"],
            "Y90002"
        );
        assert!(entry["resource"]["content"][0]["attachment"]["url"]
            .as_str()
            .unwrap()
            .contains("/networks/midlands/dicomweb/studies/"));
    }
}

#[tokio::test]
async fn post_search_with_form_and_json_bodies() {
    let app = app(false);
    let post = |content_type: &str, body: String| {
        Request::post("/fhir/R4/DocumentReference/_search")
            .header("NHSD-End-User-Organisation-ODS", "Y1")
            .header("X-Request-ID", REQUEST_ID)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, form) = json_of(
        &app,
        post("application/x-www-form-urlencoded", subject("9912003888")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let json_body =
        serde_json::json!({ "subject:identifier": "https://fhir.nhs.uk/Id/nhs-number|9912003888" })
            .to_string();
    let (status, json) = json_of(&app, post("application/json", json_body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form["total"], json["total"]);
    assert_eq!(form["total"], 13);
}

#[tokio::test]
async fn scenario_faults_in_fhir() {
    let app = app(false);
    let get = |nhs: &str| fhir_get(&subject(nhs)).body(Body::empty()).unwrap();
    let (status, outcome) = json_of(&app, get("9278693472")).await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (StatusCode::FORBIDDEN, "ACCESS_DENIED")
    );
    let (status, headers, _) = send(&app, get("6700028191")).await;
    assert_eq!(
        (status, headers["retry-after"].to_str().unwrap()),
        (StatusCode::TOO_MANY_REQUESTS, "1")
    );
    assert_eq!(send(&app, get("6700028191")).await.0, StatusCode::OK);
    let (_, bundle) = json_of(&app, get("9000000017")).await;
    let outcome = entry_with_mode(&bundle, "outcome").unwrap();
    assert_eq!(
        outcome["resource"]["issue"][0]["details"]["coding"][0]["code"],
        "urn:oid:2.999.2.3"
    );
    let (_, empty) = json_of(&app, get("9000000009")).await;
    assert_eq!(empty["total"], 0);
}

#[tokio::test]
async fn token_expiry_needs_a_fresh_token_each_time() {
    let app = app(true);
    let with = |token: Option<&str>| {
        let mut request = fhir_get(&subject("9912003950"));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    assert_eq!(send(&app, with(None)).await.0, StatusCode::UNAUTHORIZED);
    let (status, headers, _) = send(&app, with(Some("t1"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("The access token expired"));
    assert_eq!(send(&app, with(Some("t1"))).await.0, StatusCode::OK);
    // The discovery document stays open.
    assert_eq!(
        send(
            &app,
            Request::get("/.well-known/nir-sandbox.json")
                .body(Body::empty())
                .unwrap()
        )
        .await
        .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn wado_metadata_qido_and_not_acceptable() {
    let app = app(false);
    let c = Catalogue::build();
    let study = &c.studies[10][0];
    let (status, headers, body) = send(
        &app,
        Request::get(format!(
            "/networks/north/dicomweb/studies/{}/metadata",
            study.uid
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/dicom+json");
    let meta: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(meta.as_array().unwrap().len(), 12);
    assert_eq!(meta[0]["00020010"]["Value"][0], "1.2.840.10008.1.2.1");
    assert_eq!(meta[0]["00100020"]["Value"][0], "9912003950");
    // The wrong network does not hold it.
    let (status, _, _) = send(
        &app,
        Request::get(format!(
            "/networks/south/dicomweb/studies/{}/metadata",
            study.uid
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, body) = send(
        &app,
        Request::get("/networks/north/dicomweb/studies?PatientID=9912003950")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let studies: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(studies.as_array().unwrap().len(), 1);
    assert_eq!(studies[0]["0020000D"]["Value"][0], study.uid.as_str());
    let request = Request::get(format!(
        "/networks/north/dicomweb/studies/{}/series/{}",
        study.uid, study.series[0].uid
    ))
    .header(
        "accept",
        "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.90",
    )
    .body(Body::empty())
    .unwrap();
    assert_eq!(send(&app, request).await.0, StatusCode::NOT_ACCEPTABLE);
}
