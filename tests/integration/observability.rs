//! Metrics of a whole session against the sandbox: discovery and retrieval record requests,
//! bytes, latency and time to first image per registry, network and imaging service, with no
//! NHS number, UID or URL path anywhere in them; and the OTLP/HTTP JSON export reaches a
//! collector on loopback — on demand, periodically, and with failures counted.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use nir_viewer::dicomweb::{DicomWebClient, StudyQuery};
use nir_viewer::net::{build_client, NetworkSettings, NoToken};
use nir_viewer::observability::{global, OtlpExporter, Stage};
use nir_viewer::registry::HistoryQuery;
use nir_viewer::viewer::discovery::sandbox_document;
use nir_viewer::viewer::PointerKind;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::support::{loopback_sandbox, sandbox_viewer, training_parts};

const PATIENT: &str = "9912003888";

/// Looks up `patient` and opens their first study of `modality` (any but CT when `None`), as
/// the window would, waiting until the retrieval ends.
async fn a_session(base: &url::Url, http: &reqwest::Client, patient: &str, modality: Option<&str>) {
    let (session, backend) = sandbox_viewer(training_parts(http, base), base, false).await;
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient(patient).unwrap())
        .await
        .unwrap();
    let study = history
        .records
        .iter()
        .find(|r| {
            r.kind == PointerKind::ImagingStudy
                && match modality {
                    Some(wanted) => r.modality.as_deref() == Some(wanted),
                    None => r.modality.as_deref() != Some("CT"),
                }
        })
        .expect("a study of that modality");
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let opened = session
        .open_study(&study.id, move |progress| {
            if progress.done {
                let _ = done_tx.send(progress.error);
            }
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(120), done.recv())
        .await
        .expect("the retrieval ends within two minutes")
        .unwrap();
    session.close_study(&opened.key).unwrap();
    session.close_patient();
}

/// Every Study Instance UID of the patient, from every network of the sandbox.
async fn study_uids(base: &url::Url, http: &reqwest::Client) -> Vec<String> {
    let doc = sandbox_document(http, base).await.unwrap();
    let client = DicomWebClient::new(http.clone(), Arc::new(NoToken));
    let mut uids = Vec::new();
    for network in doc["networks"].as_array().unwrap() {
        let wado = url::Url::parse(network["wado"].as_str().unwrap()).unwrap();
        let query = StudyQuery {
            patient_id: Some(PATIENT.into()),
            ..StudyQuery::default()
        };
        for study in client.search_studies(&wado, &query).await.unwrap() {
            uids.push(study.study_uid);
        }
    }
    uids
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_and_retrieval_are_measured_without_patient_data() {
    let sandbox = loopback_sandbox(false).await;
    let base = sandbox.base_url().clone();
    let http = build_client(&NetworkSettings::default()).unwrap();
    a_session(&base, &http, PATIENT, None).await;
    let snapshot = global().snapshot();
    let find = |stage: Stage| snapshot.series.iter().filter(move |s| s.stage == stage);
    let registry = find(Stage::Discovery).next().expect("a discovery series");
    assert!(registry.requests >= 1 && registry.bytes > 0, "{registry:?}");
    assert!(registry.latency.count >= 1);
    assert_eq!(find(Stage::Network).count(), 3, "one series per network");
    let wado = find(Stage::Retrieval)
        .find(|s| s.first_image.count > 0)
        .expect("time to first image of the opened study");
    assert!(wado.requests >= 2 && wado.bytes > 0, "{wado:?}");
    assert_eq!(wado.target, format!("127.0.0.1:{}", base.port().unwrap()));

    let uids = study_uids(&base, &http).await;
    assert!(!uids.is_empty());
    let page = serde_json::to_string(&snapshot).unwrap();
    let export = nir_viewer::observability::otlp::export_request(&snapshot).to_string();
    for text in [&page, &export] {
        assert!(!text.contains(PATIENT), "an NHS number in the metrics");
        for uid in &uids {
            assert!(
                !text.contains(uid.as_str()),
                "a Study Instance UID in the metrics"
            );
        }
        assert!(!text.contains("/studies") && !text.contains("DocumentReference"));
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_cut_short_counts_as_an_error_and_a_retry() {
    // 9912003926: series retrieves of the first (CT) study stop mid-part, every time.
    let sandbox = loopback_sandbox(false).await;
    let base = sandbox.base_url().clone();
    let http = build_client(&NetworkSettings::default()).unwrap();
    a_session(&base, &http, "9912003926", Some("CT")).await;
    let target = format!("127.0.0.1:{}", base.port().unwrap());
    let snapshot = global().snapshot();
    let wado = snapshot
        .series
        .iter()
        .find(|s| s.stage == Stage::Retrieval && s.target == target)
        .expect("a retrieval series");
    assert!(wado.retries >= 1, "{wado:?}");
    assert!(wado.errors >= 1, "{wado:?}");
    sandbox.shutdown().await;
}

/// A collector on loopback that keeps each body it is sent and answers with `status`.
pub async fn collector(status: StatusCode) -> (url::Url, mpsc::UnboundedReceiver<(String, Value)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/v1/metrics",
            post(
                |State((tx, status)): State<(
                    mpsc::UnboundedSender<(String, Value)>,
                    StatusCode,
                )>,
                 headers: HeaderMap,
                 body: String| async move {
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
                    let _ = tx.send((content_type, json));
                    status
                },
            ),
        )
        .with_state((tx, status));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = url::Url::parse(&format!("http://{address}/v1/metrics")).unwrap();
    (url, rx)
}

fn metric<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_reach_a_loopback_collector_on_demand_and_periodically() {
    global().request(
        Stage::Retrieval,
        "pacs.test:443",
        Duration::from_millis(80),
        4096,
        true,
    );
    global().retry(Stage::Retrieval, "pacs.test:443");
    let (endpoint, mut received) = collector(StatusCode::OK).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let exporter = Arc::new(OtlpExporter::new(http, endpoint, global()));
    exporter.export().await.unwrap();
    let (content_type, body) = received.recv().await.unwrap();
    assert_eq!(content_type, "application/json");
    let resource = &body["resourceMetrics"][0]["resource"]["attributes"][0];
    assert_eq!(resource["value"]["stringValue"], "nir-viewer");
    let bytes = &metric(&body, "nir.received")["sum"]["dataPoints"];
    let point = bytes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["attributes"][1]["value"]["stringValue"] == "pacs.test:443")
        .unwrap();
    assert_eq!(point["asInt"], "4096");
    assert_eq!(
        metric(&body, "nir.request.duration")["histogram"]["aggregationTemporality"],
        2
    );
    assert_eq!(exporter.status().sent, 1);

    // Periodic export: the first tick after the (minimum) interval.
    let task = exporter.spawn_periodic(Duration::from_secs(1));
    let periodic = tokio::time::timeout(Duration::from_secs(60), received.recv())
        .await
        .expect("a periodic export within a minute")
        .unwrap();
    task.abort();
    assert_eq!(
        metric(&periodic.1, "nir.retries")["sum"]["isMonotonic"],
        true
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_collector_is_counted_and_reported() {
    let (endpoint, mut received) = collector(StatusCode::SERVICE_UNAVAILABLE).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let exporter = OtlpExporter::new(http.clone(), endpoint, global());
    let error = exporter.export().await.unwrap_err();
    assert!(error.contains("503"), "{error}");
    assert!(
        received.recv().await.is_some(),
        "exactly one attempt was made"
    );
    assert!(received.try_recv().is_err(), "and not retried in a loop");
    let status = exporter.status();
    assert_eq!((status.sent, status.failed), (0, 1));
    assert!(status.last_error.unwrap().contains("503"));
    // Nobody listening: a plain reason, no panic.
    let closed = url::Url::parse("http://127.0.0.1:9/v1/metrics").unwrap();
    let unreachable = OtlpExporter::new(http, closed, global());
    assert!(unreachable.export().await.is_err());
    assert_eq!(unreachable.status().failed, 1);
}
