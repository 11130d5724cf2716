//! The failure table of `docs/failure-behaviour.md`, one test per row not already covered
//! by a sandbox scenario: invalid NHS number, missing headers, connection refused,
//! gateway 502/503/504, malformed and oversized responses, and the headers every request
//! carries. Where the sandbox cannot produce the failure, a scripted loopback gateway does.

use std::sync::Arc;

use nir_viewer::error::UserFacing;
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::{
    Completeness, DiscoveryBackend, FhirBackend, FhirSettings, HistoryQuery, ImagingHistory,
    KnownNetwork, NetworkStatus, RegistryError, RequestContext, XcaBackend, XcaSettings,
};
use tokio_util::sync::CancellationToken;

use super::fake_gateway::{response, FakeGateway};
use super::harness::{quick_retry, Env, Flavour, Token};
use crate::through_both_backends;

const EMPTY_BUNDLE: &[u8] = br#"{"resourceType":"Bundle","type":"searchset","total":0,"entry":[]}"#;
const EMPTY_XCA: &[u8] = br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><q:AdhocQueryResponse xmlns:q="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"><r:RegistryObjectList xmlns:r="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"/></q:AdhocQueryResponse></s:Body></s:Envelope>"#;

fn networks() -> Vec<KnownNetwork> {
    vec![KnownNetwork {
        home_community_id: "urn:oid:2.999.77.1".into(),
        name: "Test Imaging Network".into(),
        ods_codes: vec!["T01".into()],
        care_setting: "Radiology".into(),
    }]
}

fn session() -> RequestContext {
    RequestContext {
        correlation_id: "corr-test-1".into(),
        ods_code: "X26".into(),
        tokens: Arc::new(Token("tok-test")),
    }
}

fn backend_at(flavour: Flavour, base: &url::Url, body_limit: usize) -> Arc<dyn DiscoveryBackend> {
    let client = build_client(&NetworkSettings::default()).unwrap();
    match flavour {
        Flavour::Fhir => {
            let mut settings = FhirSettings::new(base.join("fhir/R4").unwrap(), networks());
            settings.retry = quick_retry();
            settings.body_limit = body_limit;
            Arc::new(FhirBackend::new(client, settings, session()))
        }
        Flavour::Xca => {
            let mut settings = XcaSettings::new(
                base.join("xca/iti38").unwrap(),
                base.join("xca/iti39").unwrap(),
                networks(),
            );
            settings.retry = quick_retry();
            settings.body_limit = body_limit;
            Arc::new(XcaBackend::new(client, settings, session()))
        }
    }
}

fn ok_body(flavour: Flavour) -> Vec<u8> {
    match flavour {
        Flavour::Fhir => response(
            "200 OK",
            &[("content-type", "application/fhir+json")],
            EMPTY_BUNDLE,
        ),
        Flavour::Xca => response(
            "200 OK",
            &[("content-type", "application/soap+xml")],
            EMPTY_XCA,
        ),
    }
}

async fn run(backend: &Arc<dyn DiscoveryBackend>) -> ImagingHistory {
    let query = HistoryQuery::for_patient("9000000009").unwrap();
    backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap()
}

through_both_backends!(
    gateway_errors_are_retried_with_backoff,
    gateway_errors_that_persist_mark_networks_unavailable,
    connection_refused_is_retried_then_unavailable,
    malformed_response_is_an_error_for_that_request,
    oversized_response_is_cut_off,
    every_request_carries_request_and_correlation_ids,
);

async fn gateway_errors_are_retried_with_backoff(flavour: Flavour) {
    let gateway = FakeGateway::start(vec![
        response("502 Bad Gateway", &[], b""),
        response("503 Service Unavailable", &[], b""),
        ok_body(flavour),
    ])
    .await;
    let history = run(&backend_at(flavour, &gateway.url, 1 << 20)).await;
    assert_eq!(gateway.hits(), 3);
    assert_eq!(history.verdict, Completeness::Complete);
    assert_eq!(history.networks[0].status, NetworkStatus::NoRecords);
}

async fn gateway_errors_that_persist_mark_networks_unavailable(flavour: Flavour) {
    let gateway = FakeGateway::start(vec![response("504 Gateway Timeout", &[], b"")]).await;
    let history = run(&backend_at(flavour, &gateway.url, 1 << 20)).await;
    assert_eq!(gateway.hits(), 3, "three attempts in total");
    assert_eq!(history.networks[0].status, NetworkStatus::Unavailable);
    assert_eq!(
        history.networks[0].reason,
        "The National Imaging Registry is unavailable; results may be incomplete."
    );
    assert!(matches!(history.verdict, Completeness::Incomplete { .. }));
}

async fn connection_refused_is_retried_then_unavailable(flavour: Flavour) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let history = run(&backend_at(flavour, &url, 1 << 20)).await;
    assert_eq!(history.networks[0].status, NetworkStatus::Unavailable);
    assert!(history.summary_message().contains("may be incomplete"));
}

async fn malformed_response_is_an_error_for_that_request(flavour: Flavour) {
    let body: &[u8] = match flavour {
        Flavour::Fhir => br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"DocumentReference","date":7}}]}"#,
        Flavour::Xca => b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>",
    };
    let gateway = FakeGateway::start(vec![response("200 OK", &[], body)]).await;
    let history = run(&backend_at(flavour, &gateway.url, 1 << 20)).await;
    assert_eq!(gateway.hits(), 1, "a malformed answer is not retried");
    assert_eq!(history.networks[0].status, NetworkStatus::Error);
    assert_eq!(
        history.networks[0].reason,
        "The National Imaging Registry sent an answer that could not be read; results may be incomplete."
    );
}

async fn oversized_response_is_cut_off(flavour: Flavour) {
    let mut body = match flavour {
        Flavour::Fhir => EMPTY_BUNDLE.to_vec(),
        Flavour::Xca => EMPTY_XCA.to_vec(),
    };
    body.extend(std::iter::repeat_n(b' ', 8192));
    let gateway = FakeGateway::start(vec![response("200 OK", &[], &body)]).await;
    let history = run(&backend_at(flavour, &gateway.url, 1024)).await;
    assert_eq!(gateway.hits(), 1, "an oversized answer is not retried");
    assert_eq!(history.networks[0].status, NetworkStatus::Error);
    assert!(matches!(history.verdict, Completeness::Incomplete { .. }));
}

async fn every_request_carries_request_and_correlation_ids(flavour: Flavour) {
    let gateway = FakeGateway::start(vec![
        response("503 Service Unavailable", &[], b""),
        ok_body(flavour),
    ])
    .await;
    run(&backend_at(flavour, &gateway.url, 1 << 20)).await;
    let heads = gateway.requests.lock().unwrap().clone();
    assert_eq!(heads.len(), 2);
    let header = |head: &str, name: &str| {
        head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        })
    };
    let ids: Vec<_> = heads
        .iter()
        .map(|h| header(h, "x-request-id").unwrap())
        .collect();
    assert_ne!(ids[0], ids[1], "a fresh X-Request-ID per request");
    for head in &heads {
        assert!(uuid::Uuid::parse_str(&header(head, "x-request-id").unwrap()).is_ok());
        assert_eq!(
            header(head, "x-correlation-id").as_deref(),
            Some("corr-test-1")
        );
        assert_eq!(
            header(head, "nhsd-end-user-organisation-ods").as_deref(),
            Some("X26")
        );
        assert_eq!(
            header(head, "authorization").as_deref(),
            Some("Bearer tok-test")
        );
        assert!(head.starts_with("POST "));
        assert!(
            !head.contains("9000000009"),
            "no NHS number in the URL or headers"
        );
    }
}

#[test]
fn invalid_nhs_number_is_refused_before_sending() {
    let error = HistoryQuery::for_patient("9912003889").unwrap_err();
    assert_eq!(error, RegistryError::InvalidNhsNumber);
    assert_eq!(
        error.user_message(),
        "That NHS number is not valid. Check the 10 digits and try again."
    );
}

#[tokio::test]
async fn missing_ods_header_is_a_rejected_request() {
    let env = Env::start().await;
    let mut session = env.session(Arc::new(nir_viewer::net::NoToken));
    session.ods_code = String::new();
    let backend = env.fhir(session, quick_retry());
    let query = HistoryQuery::for_patient("9912003888").unwrap();
    let error = backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RegistryError::Rejected { code, .. } if code == "PRECONDITION_FAILED"),
        "{error:?}"
    );
    assert_eq!(
        error.user_message(),
        "The imaging registry rejected the search. Please report this to your IT service desk."
    );
}

#[tokio::test]
async fn fhir_search_sends_the_nrl_json_body_then_falls_back_form_by_form() {
    let refused = || response("415 Unsupported Media Type", &[], b"");
    let gateway = FakeGateway::start(vec![refused(), refused(), ok_body(Flavour::Fhir)]).await;
    let backend = backend_at(Flavour::Fhir, &gateway.url, 1 << 20);
    let history = run(&backend).await;
    assert_eq!(history.verdict, Completeness::Complete);
    let heads = gateway.requests.lock().unwrap().clone();
    assert_eq!(heads.len(), 3, "{heads:?}");
    let lower: Vec<String> = heads.iter().map(|h| h.to_ascii_lowercase()).collect();
    assert!(lower[0].starts_with("post ") && lower[0].contains("/documentreference/_search"));
    assert!(
        lower[0].contains("content-type: application/json"),
        "{}",
        heads[0]
    );
    assert!(
        lower[1].starts_with("post ") && lower[1].contains("application/x-www-form-urlencoded")
    );
    assert!(lower[2].starts_with("get ") && lower[2].contains("/documentreference?"));
    // The form that worked is remembered: the next search goes straight to GET.
    run(&backend).await;
    let heads = gateway.requests.lock().unwrap().clone();
    assert_eq!(heads.len(), 4);
    assert!(heads[3].to_ascii_lowercase().starts_with("get "));
}

#[tokio::test]
async fn fhir_search_that_no_form_satisfies_is_an_error_not_a_loop() {
    let gateway = FakeGateway::start(vec![response("405 Method Not Allowed", &[], b"")]).await;
    let query = HistoryQuery::for_patient("9000000009").unwrap();
    let outcome = backend_at(Flavour::Fhir, &gateway.url, 1 << 20)
        .discover(&query, &CancellationToken::new())
        .await;
    assert_eq!(gateway.hits(), 3, "JSON, form and GET each tried once");
    assert!(
        outcome.is_err()
            || outcome
                .as_ref()
                .is_ok_and(|h| h.verdict != Completeness::Complete),
        "{outcome:?}"
    );
}
