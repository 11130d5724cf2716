//! The clinician's token goes only where the organisation allows: a registry on loopback
//! serves the sandbox's records, but every address its pointers name (DocumentReference
//! `attachment.url`, report URLs, the Retrieve URL inside XCA's KOS manifests) is on a second
//! loopback "attacker" origin that counts the connections it receives. Opening any of them
//! must be refused before a connection is made, tell the clinician which host, and leave an
//! audit event. The sandbox's own tests (pointers at its own origin) prove the allowed path.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nir_viewer::audit::{Action, AuditTrail, Outcome};
use nir_viewer::dicomweb::DicomWebClient;
use nir_viewer::error::UserFacing;
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings, OriginPolicy};
use nir_viewer::registry::HistoryQuery;
use nir_viewer::sandbox::auth_gate::RejectAllVerifier;
use nir_viewer::sandbox::{self, SandboxState};
use nir_viewer::viewer::views::HistoryView;
use nir_viewer::viewer::{PointerKind, SessionParts, ViewerError, ViewerSession};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use crate::support::{sandbox_viewer, training_parts};

const NHS: &str = "9912003888";
const TOKEN: &str = "clinician-access-token";

struct FixedToken;

impl AccessTokens for FixedToken {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new(TOKEN.into()))
    }
}

/// A loopback server that counts every connection and keeps each request's head.
struct Attacker {
    url: url::Url,
    connections: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Attacker {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (Arc::clone(&connections), Arc::clone(&heads));
        let task = tokio::spawn(async move {
            for _ in 0..32 {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let read = tokio::time::timeout(
                    Duration::from_secs(5),
                    crate::support::read_http_request(&mut socket),
                )
                .await
                .unwrap_or_default();
                let head = String::from_utf8_lossy(&read)
                    .split("\r\n\r\n")
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                seen.lock().unwrap().push(head);
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                let _ = socket.shutdown().await;
            }
        });
        Self {
            url,
            connections,
            heads,
            task,
        }
    }

    /// `127.0.0.1:PORT`, as a refusal names it.
    fn host(&self) -> String {
        format!(
            "{}:{}",
            self.url.host_str().unwrap(),
            self.url.port().unwrap()
        )
    }

    /// Connections received, after giving a stray request time to arrive.
    async fn connections(&self) -> usize {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Attacker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A registry on loopback serving the sandbox's records, with every address in them on the
/// attacker's origin; the viewer session looks `NHS` up through it with a signed-in token.
struct Hostile {
    attacker: Attacker,
    registry: tokio::task::JoinHandle<()>,
    session: Arc<ViewerSession>,
    audit: Arc<AuditTrail>,
    history: HistoryView,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.registry.abort();
    }
}

async fn hostile(xca: bool, policy: impl FnOnce(&url::Url, &url::Url) -> OriginPolicy) -> Hostile {
    let attacker = Attacker::start().await;
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let state = SandboxState::new(attacker.url.clone(), false, Arc::new(RejectAllVerifier));
    let app = sandbox::router(state);
    let registry = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = build_client(&NetworkSettings::default()).unwrap();
    let audit = Arc::new(AuditTrail::new(None));
    let parts = SessionParts {
        ods_code: "RX1".into(),
        budget_bytes: 1 << 30,
        audit: Arc::clone(&audit),
        training: false,
        origins: policy(&base, &attacker.url),
        ..training_parts(&http, &base)
    };
    parts.tokens.set(Arc::new(FixedToken));
    let (session, backend) = sandbox_viewer(parts, &base, xca).await;
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient(NHS).unwrap())
        .await
        .unwrap();
    assert!(!history.records.is_empty());
    Hostile {
        attacker,
        registry,
        session,
        audit,
        history,
    }
}

/// Only the registry's own origin is allowed (plain http: it is on loopback).
fn registry_only(registry: &url::Url, _attacker: &url::Url) -> OriginPolicy {
    OriginPolicy::listed([registry], false)
}

/// The error of an attempt that must have been refused.
fn refused<T>(outcome: Result<T, ViewerError>) -> ViewerError {
    match outcome {
        Ok(_) => panic!("the record was opened"),
        Err(error) => error,
    }
}

fn first_of(history: &HistoryView, study: bool) -> String {
    history
        .records
        .iter()
        .find(|r| (r.kind == PointerKind::ImagingStudy) == study)
        .expect("a record of that kind")
        .id
        .clone()
}

/// The refusal names the attacker's host and nothing of the path; nothing reached the
/// attacker; one audit event says which host was refused, as a failure.
async fn assert_refused(env: &Hostile, error: &dyn UserFacing, record_id: &str) {
    assert_eq!(error.code(), "origin-refused");
    let message = error.user_message();
    let host = env.attacker.host();
    assert!(message.contains(&host), "{message}");
    for hidden in ["networks", "dicomweb", "studies", NHS, TOKEN] {
        assert!(!message.contains(hidden), "{hidden} in: {message}");
    }
    assert_eq!(
        env.attacker.connections().await,
        0,
        "the attacker was contacted: {:?}",
        env.attacker.heads.lock().unwrap()
    );
    let refusals: Vec<_> = env
        .audit
        .recent()
        .into_iter()
        .filter(|e| matches!(&e.action, Action::OriginRefused { host: h } if *h == host))
        .collect();
    assert!(
        refusals
            .iter()
            .any(|e| e.entities.iter().any(|e| e.id == record_id)),
        "no audit event for the refusal of {record_id}"
    );
    assert!(refusals.iter().all(|e| e.outcome == Outcome::MinorFailure));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_study_pointer_to_an_unlisted_host_is_refused_before_any_connection() {
    let env = hostile(false, registry_only).await;
    let record = first_of(&env.history, true);
    // Reading the studies for the banner must not reach the attacker either.
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.studies_checked, 0);
    let error = refused(env.session.open_study(&record, |_| {}).await);
    assert_refused(&env, &error, &record).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_pointer_to_an_unlisted_host_is_refused_before_any_connection() {
    let env = hostile(false, registry_only).await;
    let record = first_of(&env.history, false);
    let error = env.session.open_report(&record).await.unwrap_err();
    assert_refused(&env, &error, &record).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kos_retrieve_url_to_an_unlisted_host_is_refused_before_any_connection() {
    let env = hostile(true, registry_only).await;
    let record = env
        .history
        .records
        .iter()
        .find(|r| r.kind == PointerKind::ImagingStudy)
        .expect("an XCA study")
        .id
        .clone();
    let error = refused(env.session.open_study(&record, |_| {}).await);
    assert_refused(&env, &error, &record).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_is_refused_in_live_mode_even_to_a_listed_host() {
    // The attacker's origin is listed, but live policy is https only.
    let env = hostile(false, |_, attacker| OriginPolicy::listed([attacker], true)).await;
    let record = first_of(&env.history, true);
    let error = refused(env.session.open_study(&record, |_| {}).await);
    assert!(
        error.user_message().contains("plain http"),
        "{}",
        error.user_message()
    );
    assert_refused(&env, &error, &record).await;
    let report = first_of(&env.history, false);
    let error = env.session.open_report(&report).await.unwrap_err();
    assert_refused(&env, &error, &report).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dicomweb_client_itself_refuses_and_sends_no_token_without_a_policy() {
    let attacker = Attacker::start().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let metadata = attacker
        .url
        .join("dicomweb/studies/1.2.3/metadata")
        .unwrap();
    let nir = url::Url::parse("https://nir.example.nhs.uk/").unwrap();
    let guarded = DicomWebClient::new(http.clone(), Arc::new(FixedToken))
        .with_origin_policy(OriginPolicy::listed([&nir], true));
    let error = guarded.study_metadata(&metadata).await.unwrap_err();
    assert_eq!(error.code(), "origin-refused");
    assert!(error.user_message().contains(&attacker.host()));
    assert_eq!(attacker.connections().await, 0);
    // Built without a policy, a client holding a token still sends it nowhere.
    let unguarded = DicomWebClient::new(http, Arc::new(FixedToken));
    let _ = unguarded.study_metadata(&metadata).await;
    assert_eq!(attacker.connections().await, 1);
    let heads = attacker.heads.lock().unwrap().clone();
    assert!(!heads[0].contains("authorization"), "{heads:?}");
    assert!(!heads[0].contains(TOKEN), "{heads:?}");
}
