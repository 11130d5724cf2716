//! Audit events leaving the live viewer the way its configuration says: to a FHIR
//! `AuditEvent` endpoint (with the user's bearer token, retried after a refusal) and to a
//! syslog collector over TLS (RFC 5425 frames holding RFC 5424 messages), both played by
//! small receivers on loopback that stop when the test ends. An untrusted collector gets
//! nothing, and what could not be sent is counted, not kept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nir_viewer::audit::{live_trail, sink_from_settings, Action, AuditEvent, AuditTrail, Outcome};
use nir_viewer::config::AuditSettings;
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings};
use nir_viewer::nhs_number::NhsNumber;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zeroize::Zeroizing;

/// The most requests or connections a receiver serves before it stops.
const RECEIVER_LIMIT: usize = 32;
/// The longest a receiver waits for one request or frame.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

struct FixedToken;

impl AccessTokens for FixedToken {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new("audit-test-token".into()))
    }
}

fn event(action: Action) -> AuditEvent {
    AuditEvent::new(action, Outcome::Success, "correlation-1")
        .about(&NhsNumber::parse("9912003888").unwrap())
        .entity("ImagingStudy", "study-1")
}

/// What a receiver was sent, one entry per request or frame.
type Received = Arc<Mutex<Vec<String>>>;

/// A FHIR endpoint on loopback that refuses the first `refusals` posts with 503, then
/// accepts; it keeps each accepted request's head and body.
async fn fhir_receiver(refusals: usize) -> (url::Url, Received, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base =
        url::Url::parse(&format!("http://{}/fhir/", listener.local_addr().unwrap())).unwrap();
    let received: Received = Arc::default();
    let kept = Arc::clone(&received);
    let task = tokio::spawn(async move {
        for served in 0..RECEIVER_LIMIT {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            let Ok(request) =
                tokio::time::timeout(READ_TIMEOUT, crate::support::read_http_request(&mut tcp))
                    .await
            else {
                continue;
            };
            let request = String::from_utf8_lossy(&request).into_owned();
            let status = if served < refusals {
                "503 Unavailable"
            } else {
                kept.lock().unwrap().push(request);
                "201 Created"
            };
            let reply =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tcp.write_all(reply.as_bytes()).await;
            let _ = tcp.shutdown().await;
        }
    });
    (base, received, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_trail_posts_fhir_audit_events_with_the_users_token_and_retries() {
    let (base, received, receiver) = fhir_receiver(1).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let settings = AuditSettings {
        fhir_endpoint: Some(base),
        ..AuditSettings::default()
    };
    let trail = live_trail(&settings, &http, Arc::new(FixedToken)).unwrap();
    trail.record(event(Action::View));
    trail.record(event(Action::Close));

    // The background delivery runs every few seconds; the first post is refused, so the
    // events arrive on a later round, in order.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while received.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let requests = received.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "both events delivered: {requests:?}");
    for request in &requests {
        assert!(request.starts_with("POST /fhir/AuditEvent "), "{request}");
        let lower = request.to_ascii_lowercase();
        assert!(
            lower.contains("authorization: bearer audit-test-token"),
            "{request}"
        );
        assert!(
            lower.contains("content-type: application/fhir+json"),
            "{request}"
        );
        assert!(
            lower.contains("x-correlation-id: correlation-1"),
            "{request}"
        );
        let body = &request[request.find("\r\n\r\n").unwrap() + 4..];
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["resourceType"], "AuditEvent");
        assert!(
            body.contains("9912003888"),
            "the patient is named by NHS number"
        );
    }
    assert!(requests[0].contains("study-1"));
    assert_eq!(trail.pending(), 0);
    receiver.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_fhir_endpoint_leaves_events_counted_not_kept() {
    let (base, received, receiver) = fhir_receiver(RECEIVER_LIMIT).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let settings = AuditSettings {
        fhir_endpoint: Some(base),
        ..AuditSettings::default()
    };
    let sink = sink_from_settings(&settings, &http, Arc::new(FixedToken)).unwrap();
    let trail = AuditTrail::new(sink);
    trail.record(event(Action::SignOut));
    let report = trail.flush(Duration::from_millis(500)).await;
    assert_eq!((report.sent, report.unsent), (0, 1), "{report:?}");
    assert!(received.lock().unwrap().is_empty());
    receiver.abort();
}

/// A syslog collector over TLS on loopback with a server certificate for 127.0.0.1 signed
/// by a test CA; it keeps every octet-counted frame it reads.
struct SyslogCollector {
    dir: std::path::PathBuf,
    address: String,
    received: Received,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SyslogCollector {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SyslogCollector {
    async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("nir-syslog-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        crate::tls_provider::make_certificates(&dir);
        let acceptor = crate::tls_provider::tls_acceptor(&dir);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let received: Received = Arc::default();
        let kept = Arc::clone(&received);
        let task = tokio::spawn(async move {
            for _ in 0..RECEIVER_LIMIT {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(READ_TIMEOUT, acceptor.accept(tcp)).await
                else {
                    continue;
                };
                let mut data = Vec::new();
                let _ = tokio::time::timeout(READ_TIMEOUT, tls.read_to_end(&mut data)).await;
                kept.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&data).into_owned());
            }
        });
        Self {
            dir,
            address,
            received,
            task,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_events_reach_a_syslog_collector_over_tls_as_rfc5424_frames() {
    let collector = SyslogCollector::start().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let settings = AuditSettings {
        syslog: Some(collector.address.clone()),
        syslog_ca_bundle: Some(collector.dir.join("ca.pem")),
        ..AuditSettings::default()
    };
    let sink = sink_from_settings(&settings, &http, Arc::new(FixedToken)).unwrap();
    let trail = AuditTrail::new(sink);
    trail.record(event(Action::View));
    trail.record(event(Action::Wipe {
        scope: "study".into(),
    }));
    let report = trail.flush(Duration::from_secs(10)).await;
    assert_eq!((report.sent, report.unsent), (2, 0), "{report:?}");

    // The collector files a frame once it has read its connection to the end.
    let deadline = tokio::time::Instant::now() + READ_TIMEOUT;
    while collector.received.lock().unwrap().len() < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let frames = collector.received.lock().unwrap().clone();
    assert_eq!(frames.len(), 2, "{frames:?}");
    for frame in &frames {
        let (length, message) = frame
            .split_once(' ')
            .expect("an octet count, then the message");
        assert_eq!(length.parse::<usize>().unwrap(), message.len(), "{frame}");
        assert!(
            message.starts_with("<109>1 "),
            "facility 13, severity 5, version 1: {message}"
        );
        assert!(message.contains(" nir-viewer "), "{message}");
        let json = &message[message.find('{').unwrap()..];
        let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(parsed["resourceType"], "AuditEvent");
        assert!(json.contains("9912003888"));
        assert!(!message.contains("audit-test-token"), "no token in syslog");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_collector_the_ca_bundle_does_not_vouch_for_gets_nothing() {
    let collector = SyslogCollector::start().await;
    let other = SyslogCollector::start().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let settings = AuditSettings {
        syslog: Some(collector.address.clone()),
        // Another test CA: the collector's certificate is not trusted.
        syslog_ca_bundle: Some(other.dir.join("ca.pem")),
        ..AuditSettings::default()
    };
    let sink = sink_from_settings(&settings, &http, Arc::new(FixedToken)).unwrap();
    let trail = AuditTrail::new(sink);
    trail.record(event(Action::View));
    let report = trail.flush(Duration::from_millis(500)).await;
    assert_eq!((report.sent, report.unsent), (0, 1), "{report:?}");
    let frames = collector.received.lock().unwrap().clone();
    assert!(
        frames.iter().all(String::is_empty),
        "the untrusted collector received data: {frames:?}"
    );
}
