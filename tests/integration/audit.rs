//! The audit trail of a whole session against the sandbox: look up, open a study, view an
//! image, close it, read a report, close the patient. Every step is audited as a FHIR
//! AuditEvent naming the patient by NHS number, and none holds clinical content: no
//! names, no report text, no pixel data.

use std::sync::Arc;

use nir_viewer::audit::{to_fhir_audit_event, Action, AuditTrail};
use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::HistoryQuery;
use nir_viewer::viewer::{PointerKind, SessionParts};

use crate::support::{loopback_sandbox, sandbox_viewer, training_parts};

#[tokio::test(flavor = "multi_thread")]
async fn a_full_session_is_audited_without_clinical_content() {
    let sandbox = loopback_sandbox(false).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let audit = Arc::new(AuditTrail::new(None));
    let parts = SessionParts {
        audit: Arc::clone(&audit),
        ..training_parts(&http, sandbox.base_url())
    };
    let (session, backend) = sandbox_viewer(parts, sandbox.base_url(), false).await;
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient("9912003888").unwrap())
        .await
        .unwrap();
    assert!(history.complete);
    let small_study = history
        .records
        .iter()
        .find(|r| r.kind == PointerKind::ImagingStudy && r.modality.as_deref() != Some("CT"))
        .expect("a non-CT study");
    let study = session.open_study(&small_study.id, |_| {}).await.unwrap();
    let (frame, _) = session.frame(&study.key, 0, 0).await.unwrap();
    assert!(!frame.bytes.is_empty());
    session.close_study(&study.key).unwrap();
    let report_record = history
        .records
        .iter()
        .find(|r| r.kind == PointerKind::DiagnosticReport)
        .expect("a report");
    let report = session.open_report(&report_record.id).await.unwrap();
    // Before close: closing the patient drops them from the copies kept for the panel.
    let query_before_close = audit
        .recent()
        .into_iter()
        .find(|e| matches!(e.action, Action::Query { .. }))
        .unwrap();
    session.close_patient();
    assert!(
        session.vault().is_empty(),
        "the vault is empty after the patient closed"
    );

    let events = audit.recent();
    let has = |wanted: fn(&Action) -> bool| events.iter().any(|e| wanted(&e.action));
    assert!(has(
        |a| matches!(a, Action::Query { networks } if networks.len() == 3)
    ));
    assert!(has(|a| matches!(a, Action::View)));
    assert!(has(|a| matches!(a, Action::Close)));
    assert!(has(
        |a| matches!(a, Action::Wipe { scope } if scope == "study")
    ));
    assert!(has(
        |a| matches!(a, Action::Wipe { scope } if scope == "patient")
    ));
    let views = events
        .iter()
        .filter(|e| matches!(e.action, Action::View))
        .count();
    assert!(
        views >= 2,
        "the study and the report are both audited as viewed"
    );

    let report_words: Vec<&str> = report
        .text
        .split_whitespace()
        .filter(|w| w.len() > 8)
        .take(5)
        .collect();
    for event in &events {
        let text = to_fhir_audit_event(event).to_string();
        assert!(
            text.len() < 6000,
            "an audit event is suspiciously large: {} bytes",
            text.len()
        );
        for forbidden in ["TRAINING^", "ALEX", "Alex", "%PDF", "\"data\""] {
            assert!(
                !text.contains(forbidden),
                "{forbidden} in an audit event: {text}"
            );
        }
        for word in &report_words {
            assert!(
                !text.contains(word),
                "report text '{word}' in an audit event: {text}"
            );
        }
    }
    assert!(to_fhir_audit_event(&query_before_close)
        .to_string()
        .contains("9912003888"));
    assert!(
        events.iter().all(|e| e.patient.is_none()),
        "the panel's copies still name the closed patient"
    );
    sandbox.shutdown().await;
}
