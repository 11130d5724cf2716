//! The go-live checks of the live XCA path, called as the configuration run calls them
//! after sign-in (here with a fixed bearer token, since the interactive sign-in needs a
//! browser): discovery passes for a correctly reported partial answer and names the missing
//! community, fails when nothing answers or the answer is refused; the first KOS manifest
//! and the first report are retrieved through ITI-39.

use std::sync::Arc;

use super::responder::Gateway;
use super::scenarios::{configured_networks, nhs_nh, script, Bearer, PATIENT, SOUTH};
use nir_viewer::config::PatientIdForm;
use nir_viewer::conformance::discovery_checks::{live_history_check, Flavour, Target};
use nir_viewer::conformance::xca_documents::{self, MANIFEST_CHECK, REPORT_CHECK};
use nir_viewer::conformance::{Outcome, Report};
use nir_viewer::net::{build_client, NetworkSettings};

fn target(gateway: &Gateway) -> Target {
    Target {
        http: build_client(&NetworkSettings::default()).unwrap(),
        fhir: gateway.base.clone(),
        xca_query: gateway.query_url(),
        xca_retrieve: gateway.retrieve_url(),
        networks: configured_networks(),
        ods_code: "X26".into(),
        tokens: Arc::new(Bearer),
        patient_id_form: PatientIdForm::NhsNh,
    }
}

#[tokio::test]
async fn a_partial_answer_passes_and_names_the_missing_community() {
    let gateway = Gateway::start(script(
        &nhs_nh(),
        Some((SOUTH, "Responding gateway did not answer in time")),
    ))
    .await;
    let target = target(&gateway);
    let check = live_history_check(&target, Flavour::Xca, PATIENT, "discovery (xca)".into()).await;
    assert_eq!(check.outcome, Outcome::Pass, "{check:?}");
    assert!(check.reason.contains("South Imaging Network"), "{check:?}");
    assert!(check.reason.contains("partial"), "{check:?}");

    let mut report = Report::default();
    xca_documents::run(&target, PATIENT, &mut report).await;
    let checks = report.checks();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].name, MANIFEST_CHECK);
    assert_eq!(checks[0].outcome, Outcome::Pass, "{:?}", checks[0]);
    assert!(checks[0].reason.contains("pacs.example"), "{:?}", checks[0]);
    assert_eq!(checks[1].name, REPORT_CHECK);
    assert_eq!(checks[1].outcome, Outcome::Pass, "{:?}", checks[1]);
    gateway.assert_requests_valid();
}

#[tokio::test]
async fn discovery_fails_when_nothing_answers_or_the_answer_is_refused() {
    let mut down = script(&nhs_nh(), Some((SOUTH, "down")));
    for community in &mut down.communities {
        community.down = Some((community.home.clone(), "down".into()));
    }
    let gateway = Gateway::start(down).await;
    let check =
        live_history_check(&target(&gateway), Flavour::Xca, PATIENT, "discovery".into()).await;
    assert_eq!(check.outcome, Outcome::Fail, "{check:?}");

    let mut stray = script(&nhs_nh(), None);
    stray.relates_to_override = Some("urn:uuid:00000000-0000-4000-8000-00000000beef".into());
    let gateway = Gateway::start(stray).await;
    let check =
        live_history_check(&target(&gateway), Flavour::Xca, PATIENT, "discovery".into()).await;
    assert_eq!(check.outcome, Outcome::Fail, "{check:?}");
}

#[tokio::test]
async fn retrieval_checks_fail_when_the_manifest_is_not_a_manifest() {
    let mut wrong = script(&nhs_nh(), None);
    wrong.communities[0].entries[0].content = b"not a DICOM file".to_vec();
    let gateway = Gateway::start(wrong).await;
    let mut report = Report::default();
    xca_documents::run(&target(&gateway), PATIENT, &mut report).await;
    assert_eq!(
        report.checks()[0].outcome,
        Outcome::Fail,
        "{:?}",
        report.checks()
    );
    assert_eq!(
        report.checks()[1].outcome,
        Outcome::Pass,
        "{:?}",
        report.checks()
    );
}
