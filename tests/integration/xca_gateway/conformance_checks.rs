//! The go-live checks of the live XCA path, called as the configuration run calls them
//! after sign-in (here with a fixed bearer token, since the interactive sign-in needs a
//! browser): the live path's discovery check passes for a correctly reported partial answer
//! and names the missing community, and fails when nothing answers or the answer is refused;
//! the first KOS manifest and the first report are retrieved through ITI-39.

use std::sync::Arc;

use super::kos;
use super::responder::{Gateway, Script};
use super::scenarios::{configured_networks, nhs_nh, script, Bearer, PATIENT, SOUTH};
use nir_viewer::config::PatientIdForm;
use nir_viewer::conformance::discovery_checks::{Flavour, Target};
use nir_viewer::conformance::live_path::LivePath;
use nir_viewer::conformance::xca_documents::{self, MANIFEST_CHECK, REPORT_CHECK};
use nir_viewer::conformance::{Check, Outcome, Report};
use nir_viewer::net::{build_client, NetworkSettings, OriginPolicy};

const DISCOVERY: &str = "discovery (xca): test patient 1";

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

/// The checks the configuration run records for the first test patient.
async fn live_checks(gateway: &Gateway) -> Vec<Check> {
    let target = target(gateway);
    // The gateway on loopback stands for NIR and the provider (its WADO-RS is its own).
    let live = LivePath::through(
        &target,
        Flavour::Xca,
        256 << 20,
        OriginPolicy::listed([&gateway.base], false),
    );
    let mut checks = live.run(PATIENT, 1).await;
    let mut report = Report::default();
    xca_documents::run(&target, PATIENT, &mut report).await;
    checks.extend(report.checks().iter().cloned());
    checks
}

fn check<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {checks:?}"))
}

/// The usual script, its manifest pointing at the gateway's own (absent) WADO-RS service.
fn partial(base: &url::Url) -> Script {
    let mut script = script(
        &nhs_nh(),
        Some((SOUTH, "Responding gateway did not answer in time")),
    );
    let wado = base.join("dicomweb").unwrap();
    script.communities[0].entries[0].content = kos::manifest_at(PATIENT, wado.as_str());
    script
}

#[tokio::test]
async fn a_partial_answer_passes_and_names_the_missing_community() {
    let gateway = Gateway::start_with(partial).await;
    let checks = live_checks(&gateway).await;
    let discovery = check(&checks, DISCOVERY);
    assert_eq!(discovery.outcome, Outcome::Pass, "{discovery:?}");
    assert!(discovery.reason.contains("incomplete"), "{discovery:?}");
    assert!(
        discovery
            .reason
            .contains("South Imaging Network: unavailable"),
        "{discovery:?}"
    );
    let manifest = check(&checks, MANIFEST_CHECK);
    assert_eq!(manifest.outcome, Outcome::Pass, "{manifest:?}");
    assert!(manifest.reason.contains("127.0.0.1"), "{manifest:?}");
    let report = check(&checks, REPORT_CHECK);
    assert_eq!(report.outcome, Outcome::Pass, "{report:?}");
    gateway.assert_requests_valid();
}

#[tokio::test]
async fn discovery_fails_when_nothing_answers_or_the_answer_is_refused() {
    let mut down = script(&nhs_nh(), Some((SOUTH, "down")));
    for community in &mut down.communities {
        community.down = Some((community.home.clone(), "down".into()));
    }
    let gateway = Gateway::start(down).await;
    let checks = live_checks(&gateway).await;
    assert_eq!(
        check(&checks, DISCOVERY).outcome,
        Outcome::Fail,
        "{checks:?}"
    );

    let mut stray = script(&nhs_nh(), None);
    stray.relates_to_override = Some("urn:uuid:00000000-0000-4000-8000-00000000beef".into());
    let gateway = Gateway::start(stray).await;
    let checks = live_checks(&gateway).await;
    assert_eq!(
        check(&checks, DISCOVERY).outcome,
        Outcome::Fail,
        "{checks:?}"
    );
    assert_eq!(
        check(&checks, MANIFEST_CHECK).outcome,
        Outcome::Fail,
        "{checks:?}"
    );
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
