//! Races around patient switch, lock and close, made deterministic: the sandbox is served
//! behind a gate that holds one chosen request until the test has switched patient, closed
//! or locked, then lets it answer. Each test checks that the late answer is set aside with
//! a clear error and that nothing of it is kept or shown under whoever is open by then.
//! With the metadata held, the first image of the study's first series (asked for beside
//! the metadata) is ready as a preview, handed out once, and gone with the patient on a
//! switch.
//! A last test checks that the names the images carry are kept out of log lines while the
//! patient is open, and only then.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use nir_viewer::logging::logged;
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::{DiscoveryBackend, HistoryQuery};
use nir_viewer::sandbox::auth_gate::RejectAllVerifier;
use nir_viewer::sandbox::{router, SandboxState};
use nir_viewer::viewer::views::{HistoryView, StudyView};
use nir_viewer::viewer::{PointerKind, ViewerError, ViewerSession};

use crate::support::{sandbox_viewer, training_parts};

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
    let parts = training_parts(&http, &sandbox.base);
    let (session, backend) = sandbox_viewer(parts, &sandbox.base, false).await;
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

    /// Runs `task` on a task of its own with the first request `matches` picks held at the
    /// gate; once that request has arrived, runs `meanwhile`, then lets the request answer.
    /// Returns what `meanwhile` and the task came to.
    async fn while_held<T: Send + 'static, M>(
        &self,
        matches: fn(&str) -> bool,
        task: impl Future<Output = T> + Send + 'static,
        meanwhile: impl Future<Output = M>,
    ) -> (M, T) {
        let mut held = self.sandbox.gate.hold(matches);
        let running = tokio::spawn(task);
        held.arrived().await;
        let done = meanwhile.await;
        held.release();
        (done, running.await.unwrap())
    }

    /// Opening the CT study `id` of the open patient, to be run as a task.
    fn open_study(&self, id: String) -> impl Future<Output = Result<StudyView, ViewerError>> {
        let session = Arc::clone(&self.session);
        async move { session.open_study(&id, |_| {}).await }
    }

    /// Looking `nhs` up, to be run as a task.
    fn look_up_later(
        &self,
        nhs: &'static str,
    ) -> impl Future<Output = Result<HistoryView, ViewerError>> {
        let (session, backend) = (Arc::clone(&self.session), Arc::clone(&self.backend));
        async move {
            session
                .lookup(&*backend, HistoryQuery::for_patient(nhs).unwrap())
                .await
        }
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

/// Fails unless `outcome` is an error that `expected` accepts.
fn assert_refused<T>(outcome: Result<T, ViewerError>, expected: fn(&ViewerError) -> bool) {
    match outcome {
        Err(error) => assert!(expected(&error), "{error:?}"),
        Ok(_) => panic!("the late answer was used"),
    }
}

fn patient_changed(error: &ViewerError) -> bool {
    matches!(error, ViewerError::PatientChanged)
}

fn lookup_superseded(error: &ViewerError) -> bool {
    matches!(error, ViewerError::LookupSuperseded)
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
    let (gray, outcome) = env
        .while_held(is_metadata, env.open_study(ct), env.look_up(GRAY))
        .await;
    assert_refused(outcome, patient_changed);
    assert_eq!(env.session.vault().stats().items, 0, "nothing was kept");
    // The new patient is untouched: still open, with their own records.
    let gray_record = &gray.unwrap().records[0].id;
    assert!(env.session.pointer(gray_record).is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_arriving_after_a_lock_is_dropped() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let ct = record(&alex, PointerKind::ImagingStudy, Some("CT"));
    let lock_and_reopen = async {
        env.session.wipe_all();
        // Reopening the same patient makes a new opening; the old request still belongs to
        // the one the lock closed.
        env.look_up(ALEX).await.unwrap();
    };
    let ((), outcome) = env
        .while_held(is_metadata, env.open_study(ct), lock_and_reopen)
        .await;
    assert_refused(outcome, patient_changed);
    assert_eq!(env.session.vault().stats().items, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_arriving_after_a_switch_is_neither_kept_nor_shown() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let report = record(&alex, PointerKind::DiagnosticReport, None);
    let session = Arc::clone(&env.session);
    let opening = async move { session.open_report(&report).await };
    let (gray, outcome) = env.while_held(is_report, opening, env.look_up(GRAY)).await;
    gray.unwrap();
    assert_refused(outcome, patient_changed);
    assert_eq!(env.session.vault().stats().items, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lookup_answered_after_a_lock_opens_no_patient() {
    let env = env().await;
    let lock = async { env.session.wipe_all() };
    let ((), outcome) = env
        .while_held(is_discovery, env.look_up_later(ALEX), lock)
        .await;
    assert_refused(outcome, lookup_superseded);
    assert!(matches!(
        env.session.pointer("anything"),
        Err(ViewerError::NoPatient)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_lookup_answered_last_does_not_replace_the_newer() {
    let env = env().await;
    let (gray, outcome) = env
        .while_held(is_discovery, env.look_up_later(ALEX), env.look_up(GRAY))
        .await;
    assert_refused(outcome, lookup_superseded);
    for record in &gray.unwrap().records {
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

/// Opening the study `id` with its preview taken as soon as it is ready; the preview's size
/// (or why there was none) goes to `previews`.
fn open_study_previewing(
    env: &Env,
    id: String,
    previews: tokio::sync::mpsc::UnboundedSender<Result<(u32, u32), ViewerError>>,
) -> impl Future<Output = Result<StudyView, ViewerError>> {
    let session = Arc::clone(&env.session);
    let taker = Arc::downgrade(&env.session);
    let ready = Arc::new(move |record: &str| {
        if let Some(session) = taker.upgrade() {
            let frame = session.take_preview(record).map(|f| (f.rows, f.columns));
            let _ = previews.send(frame);
        }
    });
    async move { session.open_study_previewing(&id, |_| {}, ready).await }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_image_is_ready_while_the_metadata_is_held_and_is_handed_out_once() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let ct = record(&alex, PointerKind::ImagingStudy, Some("CT"));
    let (previews_tx, mut previews) = tokio::sync::mpsc::unbounded_channel();
    let wait_for_preview = async {
        let preview = tokio::time::timeout(ARRIVAL_WAIT, previews.recv())
            .await
            .expect("a preview while the metadata is held")
            .unwrap();
        // Shown before the metadata, the study is audited as viewed already.
        let viewed = env
            .session
            .audit()
            .recent()
            .iter()
            .any(|e| matches!(e.action, nir_viewer::audit::Action::View));
        (preview, env.session.take_preview(&ct).is_err() && viewed)
    };
    let ((preview, gone), opened) = env
        .while_held(
            is_metadata,
            open_study_previewing(&env, ct.clone(), previews_tx),
            wait_for_preview,
        )
        .await;
    assert_eq!(preview.unwrap(), (512, 512), "the CT's first slice");
    assert!(gone, "a preview is handed out once, and audited as a view");
    let study = opened.unwrap();
    assert_eq!(study.series[0].instance_count, 400);
    assert!(env.session.take_preview(&ct).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_not_yet_taken_goes_with_the_patient_on_a_switch() {
    let env = env().await;
    let alex = env.look_up(ALEX).await.unwrap();
    let ct = record(&alex, PointerKind::ImagingStudy, Some("CT"));
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel::<()>();
    let session = Arc::clone(&env.session);
    let id = ct.clone();
    let opening = async move {
        let ready = Arc::new(move |_: &str| {
            let _ = ready_tx.send(());
        });
        session.open_study_previewing(&id, |_| {}, ready).await
    };
    let mut held = env.sandbox.gate.hold(is_metadata);
    let running = tokio::spawn(opening);
    held.arrived().await;
    tokio::time::timeout(ARRIVAL_WAIT, ready.recv())
        .await
        .expect("a preview while the metadata is held");
    env.look_up(GRAY).await.unwrap();
    assert!(
        env.session.take_preview(&ct).is_err(),
        "the preview went with Alex's state"
    );
    // The opening ends at the switch, without waiting for its metadata (and its early
    // request with it).
    let outcome = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the open ended at the switch")
        .unwrap();
    held.release();
    assert_refused(outcome, patient_changed);
    assert_eq!(env.session.vault().stats().items, 0, "nothing was kept");
}
