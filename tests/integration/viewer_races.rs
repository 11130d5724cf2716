//! Races around patient switch, lock and close, made deterministic: the sandbox is served
//! behind a gate that holds one chosen request until the test has switched patient, closed
//! or locked, then lets it answer. Each test checks that the late answer is set aside with
//! a clear error and that nothing of it is kept or shown under whoever is open by then.
//! A last test checks that the names the images carry are kept out of log lines while the
//! patient is open, and only then.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use nir_viewer::audit::AuditTrail;
use nir_viewer::logging::logged;
use nir_viewer::net::{build_client, NetworkSettings, OriginPolicy};
use nir_viewer::registry::{DiscoveryBackend, HistoryQuery, SessionContext};
use nir_viewer::sandbox::auth_gate::RejectAllVerifier;
use nir_viewer::sandbox::{router, SandboxState};
use nir_viewer::viewer::discovery::{fhir_backend, sandbox_networks};
use nir_viewer::viewer::views::HistoryView;
use nir_viewer::viewer::{PointerKind, SessionParts, TokenSlot, ViewerError, ViewerSession};

/// Most requests one gated sandbox answers (a look-up and a study are a few dozen).
const MAX_REQUESTS: usize = 2_000;
/// Longest a gated sandbox runs, and longest a held request waits for its release.
const SERVER_LIFETIME: Duration = Duration::from_secs(120);
/// Longest a test waits for a request to reach the gate.
const ARRIVAL_WAIT: Duration = Duration::from_secs(30);

/// A request the gate will hold: the first whose path and query match.
struct Hold {
    matches: fn(&str) -> bool,
    arrived: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

#[derive(Default)]
struct Gate {
    holds: Mutex<Vec<Hold>>,
    served: AtomicUsize,
}

/// The test's side of a held request.
struct Held {
    arrived: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl Held {
    async fn arrived(&mut self) {
        tokio::time::timeout(ARRIVAL_WAIT, &mut self.arrived)
            .await
            .expect("the request never reached the gate")
            .expect("the gate went away");
    }

    fn release(self) {
        let _ = self.release.send(());
    }
}

impl Gate {
    fn hold(&self, matches: fn(&str) -> bool) -> Held {
        let (arrived_tx, arrived) = oneshot::channel();
        let (release, release_rx) = oneshot::channel();
        self.holds.lock().unwrap().push(Hold {
            matches,
            arrived: arrived_tx,
            release: release_rx,
        });
        Held { arrived, release }
    }
}

async fn gatekeeper(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    if gate.served.fetch_add(1, Ordering::SeqCst) >= MAX_REQUESTS {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "request limit").into_response();
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let hold = {
        let mut holds = gate.holds.lock().unwrap();
        holds
            .iter()
            .position(|h| (h.matches)(&target))
            .map(|at| holds.remove(at))
    };
    if let Some(hold) = hold {
        let _ = hold.arrived.send(());
        let _ = tokio::time::timeout(SERVER_LIFETIME, hold.release).await;
    }
    next.run(request).await
}

/// The sandbox's data routes on a loopback port, behind the gate; stops when dropped.
struct GatedSandbox {
    base: url::Url,
    gate: Arc<Gate>,
    _stop: oneshot::Sender<()>,
}

async fn gated_sandbox() -> GatedSandbox {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let state = SandboxState::new(base.clone(), false, Arc::new(RejectAllVerifier));
    let gate = Arc::new(Gate::default());
    let app = router(state).layer(middleware::from_fn_with_state(
        Arc::clone(&gate),
        gatekeeper,
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let _ = tokio::time::timeout(SERVER_LIFETIME, serve).await;
    });
    GatedSandbox {
        base,
        gate,
        _stop: stop,
    }
}

struct Env {
    sandbox: GatedSandbox,
    session: Arc<ViewerSession>,
    backend: Arc<dyn DiscoveryBackend>,
}

async fn env() -> Env {
    let sandbox = gated_sandbox().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let tokens = Arc::new(TokenSlot::default());
    let session = Arc::new(ViewerSession::new(SessionParts {
        http: http.clone(),
        tokens: tokens.clone(),
        ods_code: "TRAIN1".into(),
        budget_bytes: 2 << 30,
        audit: Arc::new(AuditTrail::new(None)),
        training: true,
        origins: OriginPolicy::for_training(&sandbox.base),
    }));
    let networks = sandbox_networks(&http, &sandbox.base).await.unwrap();
    let context = SessionContext {
        correlation_id: session.correlation_id().to_owned(),
        ods_code: "TRAIN1".into(),
        tokens,
    };
    let backend = fhir_backend(
        http,
        sandbox.base.join("fhir/R4/").unwrap(),
        networks,
        context,
    );
    session.use_document_source(Arc::clone(&backend));
    Env {
        sandbox,
        session,
        backend,
    }
}

const ALEX: &str = "9912003888";
const GRAY: &str = "9912003918";

impl Env {
    async fn look_up(&self, nhs: &str) -> Result<HistoryView, ViewerError> {
        self.session
            .lookup(&*self.backend, HistoryQuery::for_patient(nhs).unwrap())
            .await
    }

    fn hold(&self, matches: fn(&str) -> bool) -> Held {
        self.sandbox.gate.hold(matches)
    }
}

fn record(history: &HistoryView, kind: PointerKind, modality: Option<&str>) -> String {
    history
        .records
        .iter()
        .find(|r| r.kind == kind && (modality.is_none() || r.modality.as_deref() == modality))
        .expect("a record of that kind")
        .id
        .clone()
}

fn is_discovery(target: &str) -> bool {
    target.contains("DocumentReference")
}

fn is_metadata(target: &str) -> bool {
    target.ends_with("/metadata")
}

fn is_report(target: &str) -> bool {
    target.contains("/networks/") && target.contains("/fhir/")
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_arriving_after_a_switch_is_not_filed_under_the_new_patient() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let ct = record(&alex, PointerKind::ImagingStudy, Some("CT"));
    let mut held = env.hold(is_metadata);
    let session = Arc::clone(&env.session);
    let opening = tokio::spawn(async move { session.open_study(&ct, |_| {}).await });
    held.arrived().await;
    let gray = env.look_up(GRAY).await.unwrap();
    held.release();
    let outcome = opening.await.unwrap();
    assert!(
        matches!(outcome, Err(ViewerError::PatientChanged)),
        "{:?}",
        outcome.map(|v| v.key)
    );
    assert_eq!(env.session.vault().stats().items, 0, "nothing was kept");
    // The new patient is untouched: still open, with their own records.
    let gray_record = &gray.records[0].id;
    assert!(env.session.pointer(gray_record).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_arriving_after_a_lock_is_dropped() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let ct = record(&alex, PointerKind::ImagingStudy, Some("CT"));
    let mut held = env.hold(is_metadata);
    let session = Arc::clone(&env.session);
    let opening = tokio::spawn(async move { session.open_study(&ct, |_| {}).await });
    held.arrived().await;
    env.session.wipe_all();
    // Reopening the same patient makes a new opening; the old request still belongs to
    // the one the lock closed.
    env.look_up(ALEX).await.unwrap();
    held.release();
    let outcome = opening.await.unwrap();
    assert!(
        matches!(outcome, Err(ViewerError::PatientChanged)),
        "{:?}",
        outcome.map(|v| v.key)
    );
    assert_eq!(env.session.vault().stats().items, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_arriving_after_a_switch_is_neither_kept_nor_shown() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let report = record(&alex, PointerKind::DiagnosticReport, None);
    let mut held = env.hold(is_report);
    let session = Arc::clone(&env.session);
    let opening = tokio::spawn(async move { session.open_report(&report).await });
    held.arrived().await;
    env.look_up(GRAY).await.unwrap();
    held.release();
    let outcome = opening.await.unwrap();
    assert!(
        matches!(outcome, Err(ViewerError::PatientChanged)),
        "{:?}",
        outcome.map(|v| v.title)
    );
    assert_eq!(env.session.vault().stats().items, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lookup_answered_after_a_lock_opens_no_patient() {
    let env = env().await;
    let mut held = env.hold(is_discovery);
    let session = Arc::clone(&env.session);
    let backend = Arc::clone(&env.backend);
    let looking = tokio::spawn(async move {
        session
            .lookup(&*backend, HistoryQuery::for_patient(ALEX).unwrap())
            .await
    });
    held.arrived().await;
    env.session.wipe_all();
    held.release();
    let outcome = looking.await.unwrap();
    assert!(
        matches!(outcome, Err(ViewerError::LookupSuperseded)),
        "{:?}",
        outcome.map(|h| h.records.len())
    );
    assert!(matches!(
        env.session.pointer("anything"),
        Err(ViewerError::NoPatient)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_lookup_answered_last_does_not_replace_the_newer() {
    let env = env().await;
    let mut held = env.hold(is_discovery);
    let session = Arc::clone(&env.session);
    let backend = Arc::clone(&env.backend);
    let older = tokio::spawn(async move {
        session
            .lookup(&*backend, HistoryQuery::for_patient(ALEX).unwrap())
            .await
    });
    held.arrived().await;
    let gray = env.look_up(GRAY).await.unwrap();
    held.release();
    let outcome = older.await.unwrap();
    assert!(
        matches!(outcome, Err(ViewerError::LookupSuperseded)),
        "{:?}",
        outcome.map(|h| h.records.len())
    );
    for record in &gray.records {
        let (_, nhs, _) = env.session.pointer(&record.id).unwrap();
        assert_eq!(
            nhs.as_digits(),
            GRAY,
            "the newer look-up's patient stays open"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn names_the_images_carry_never_reach_a_log_line_while_open() {
    let env = env().await;
    env.look_up(ALEX).await.unwrap();
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Alex"));
    let text = logged(|| {
        tracing::info!("banner shows Alex Training");
        tracing::info!(shown = "TRAINING, Alex", "banner");
        tracing::warn!("alex, seen again");
        tracing::info!("an ordinary line");
    });
    let lower = text.to_lowercase();
    assert!(
        !lower.contains("alex"),
        "a name leaked into the log:\n{text}"
    );
    assert!(!lower.contains("training,"), "a name leaked:\n{text}");
    assert!(text.contains("an ordinary line"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
    env.session.close_patient();
    let text = logged(|| tracing::info!("Alex"));
    assert!(
        text.contains("Alex"),
        "a closed patient's name is no longer registered:\n{text}"
    );
}
