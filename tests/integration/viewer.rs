//! The viewer session against the sandbox, for what the clinician sees around the images:
//! the banner's demographics read from the images (and the warning when an instance names
//! another patient), frames of reference shared by a prior CT, and reports held inside a
//! study.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use nir_viewer::audit::AuditTrail;
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::{HistoryQuery, SessionContext};
use nir_viewer::sandbox::{self, SandboxHandle, SandboxOptions};
use nir_viewer::viewer::discovery::{fhir_backend, sandbox_networks};
use nir_viewer::viewer::views::HistoryView;
use nir_viewer::viewer::{SessionParts, TokenSlot, ViewerSession};

struct Env {
    _sandbox: SandboxHandle,
    session: Arc<ViewerSession>,
    history: HistoryView,
}

async fn look_up(nhs: &str) -> Env {
    let sandbox = sandbox::start(SandboxOptions {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        require_auth: false,
    })
    .await
    .unwrap();
    let base = sandbox.base_url().clone();
    let http = build_client(&NetworkSettings::default()).unwrap();
    let tokens = Arc::new(TokenSlot::default());
    let session = Arc::new(ViewerSession::new(SessionParts {
        http: http.clone(),
        tokens: tokens.clone(),
        ods_code: "TRAIN1".into(),
        budget_bytes: 2 << 30,
        audit: Arc::new(AuditTrail::new(None)),
        training: true,
    }));
    let networks = sandbox_networks(&http, &base).await.unwrap();
    let backend = fhir_backend(
        http,
        base.join("fhir/R4/").unwrap(),
        networks,
        SessionContext {
            correlation_id: session.correlation_id().to_owned(),
            ods_code: "TRAIN1".into(),
            tokens,
        },
    );
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient(nhs).unwrap())
        .await
        .unwrap();
    Env {
        _sandbox: sandbox,
        session,
        history,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_banner_shows_the_images_demographics() {
    let env = look_up("9912003888").await;
    assert_eq!(env.history.patient.name, None, "pointers carry no name");
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.nhs_number, "991 200 3888");
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Alex"));
    assert_eq!(identity.patient.birth_date.as_deref(), Some("14-Feb-1958"));
    assert_eq!(identity.patient.sex.as_deref(), Some("Female"));
    assert_eq!(identity.mismatch, None);
    assert!(
        identity.studies_checked >= 5,
        "{}",
        identity.studies_checked
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_of_another_patient_is_flagged_in_the_banner() {
    let env = look_up("9912003918").await;
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Gray"));
    let warning = identity.mismatch.expect("a warning");
    assert!(warning.contains("CT Head"), "{warning}");
    assert!(!warning.contains("9000000009"), "{warning}");
    let ct = env
        .history
        .records
        .iter()
        .find(|r| r.modality.as_deref() == Some("CT"))
        .unwrap();
    let study = env.session.open_study(&ct.id, |_| {}).await.unwrap();
    assert!(study.demographics_mismatch.is_some());
}
