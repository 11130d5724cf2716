//! Retrieval against the embedded sandbox, one test per scenario that concerns it. Studies
//! are found the way a client finds them: the discovery document lists each network's
//! WADO-RS base, and QIDO-RS on each lists the patient's studies.

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::dicomweb::{
    DicomWebClient, QuarantineReason, RetrieveOptions, RetrievedStudy, StudyLayout, StudyQuery,
};
use nir_viewer::net::{build_client, NetworkSettings, NoToken, OriginPolicy};
use nir_viewer::sandbox::SandboxHandle;

use crate::support::{loopback_sandbox, sandbox_accepting};

use super::{
    assert_display_order, cancel_after_first_progress, client_with, expectations, FixedToken,
};

/// Metadata URLs of every study the sandbox holds for `nhs`, on the networks that answer.
async fn study_metadata_urls(
    sandbox: &SandboxHandle,
    client: &DicomWebClient,
    nhs: &str,
) -> Vec<url::Url> {
    let http = build_client(&NetworkSettings::default()).unwrap();
    let discovery: serde_json::Value = http
        .get(
            sandbox
                .base_url()
                .join(".well-known/nir-sandbox.json")
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let query = StudyQuery {
        patient_id: Some(nhs.into()),
        ..StudyQuery::default()
    };
    let mut urls = Vec::new();
    for network in discovery["networks"].as_array().unwrap() {
        let wado = url::Url::parse(network["wado"].as_str().unwrap()).unwrap();
        let Ok(studies) = client.search_studies(&wado, &query).await else {
            continue;
        };
        for study in studies {
            let mut url = wado.clone();
            url.path_segments_mut().unwrap().pop_if_empty().extend([
                "studies",
                &study.study_uid,
                "metadata",
            ]);
            urls.push(url);
        }
    }
    urls
}

fn options(budget_bytes: u64) -> RetrieveOptions {
    RetrieveOptions {
        current_series: None,
        current_index: 0,
        concurrency: 3,
        budget_bytes,
    }
}

/// The study at `url` retrieved whole, within a budget no sandbox study exceeds.
async fn retrieve(
    client: &DicomWebClient,
    url: &url::Url,
    nhs: &str,
) -> (StudyLayout, RetrievedStudy) {
    super::retrieve(client, url, nhs, options(4 << 30)).await
}

#[tokio::test]
async fn rich_history_studies_arrive_complete_and_clean_including_the_large_ct() {
    let nhs = "9912003888";
    let sandbox = loopback_sandbox(false).await;
    let client = client_with(Arc::new(NoToken));
    let urls = study_metadata_urls(&sandbox, &client, nhs).await;
    assert!(
        urls.len() >= 4,
        "rich history has several studies, found {}",
        urls.len()
    );
    let mut largest_ct = 0;
    for url in &urls {
        let (layout, study) = retrieve(&client, url, nhs).await;
        assert!(
            !study.is_flagged(),
            "{:?} {:?}",
            study.warnings,
            study.quarantined
        );
        assert_eq!(study.instance_count(), layout.instance_count());
        assert_display_order(&study, &layout);
        if layout
            .series
            .iter()
            .any(|s| s.modality.as_deref() == Some("CT"))
        {
            largest_ct = largest_ct.max(layout.instance_count());
        }
    }
    assert!(largest_ct >= 400, "the CT has {largest_ct} slices");
    sandbox.shutdown().await;
}

/// Retrieves every study of `nhs`; each may hold at most one instance withheld for a
/// reason `expected` accepts, and at least one study must hold one.
async fn assert_one_bad_instance_per_affected_study(
    nhs: &str,
    expected: impl Fn(&QuarantineReason) -> bool,
) {
    let sandbox = loopback_sandbox(false).await;
    let client = client_with(Arc::new(NoToken));
    let urls = study_metadata_urls(&sandbox, &client, nhs).await;
    let mut affected = 0;
    for url in &urls {
        let (layout, study) = retrieve(&client, url, nhs).await;
        assert!(study.quarantined.len() <= 1, "{:?}", study.quarantined);
        if let Some(withheld) = study.quarantined.first() {
            affected += 1;
            assert!(expected(&withheld.reason), "{:?}", withheld.reason);
            assert!(study.is_flagged());
            assert_eq!(study.warnings[0].code, "instances-quarantined");
            assert_eq!(study.instance_count() + 1, layout.instance_count());
        }
    }
    assert!(affected >= 1, "no study had the bad instance");
}

#[tokio::test]
async fn the_wrong_patient_instance_is_quarantined() {
    assert_one_bad_instance_per_affected_study("9912003918", |reason| {
        *reason == QuarantineReason::WrongPatient
    })
    .await;
}

#[tokio::test]
async fn the_truncated_transfer_is_retried_once_then_reported() {
    let nhs = "9912003926";
    let sandbox = loopback_sandbox(false).await;
    let client = client_with(Arc::new(NoToken));
    let urls = study_metadata_urls(&sandbox, &client, nhs).await;
    assert!(!urls.is_empty());
    let mut reported = 0;
    for url in &urls {
        let (_, study) = retrieve(&client, url, nhs).await;
        reported += study
            .warnings
            .iter()
            .filter(|w| w.code == "transfer-failed")
            .count();
        assert!(
            study.quarantined.is_empty(),
            "a cut part is neither admitted nor quarantined: {:?}",
            study.quarantined
        );
    }
    assert!(reported >= 1, "the cut transfer is reported");
}

#[tokio::test]
async fn the_corrupt_pixels_instance_is_quarantined() {
    assert_one_bad_instance_per_affected_study("9912003934", |reason| {
        matches!(reason, QuarantineReason::PixelDataLength { expected, actual } if actual < expected)
    })
    .await;
}

#[tokio::test]
async fn the_slow_network_reports_progress_and_can_be_cancelled() {
    let nhs = "4409815415";
    let sandbox = loopback_sandbox(false).await;
    let client = Arc::new(client_with(Arc::new(NoToken)));
    let urls = study_metadata_urls(&sandbox, &client, nhs).await;
    let layout = client.study_metadata(&urls[0]).await.unwrap();
    let expectations = expectations(nhs, &layout.study_uid);
    let (first, outcome) = cancel_after_first_progress(
        &client,
        layout,
        expectations,
        options(4 << 30),
        Duration::from_secs(60),
    )
    .await;
    assert!(first.received + first.quarantined >= 1);
    assert!(first.expected >= 1);
    // The sandbox trickles every response over seconds, so the cancel lands mid-way.
    assert!(outcome.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn an_expired_token_is_surfaced_as_unauthorized_and_a_fresh_one_works() {
    let nhs = "9912003950";
    let sandbox = sandbox_accepting(&["lister", "viewer"]).await;
    let lister = client_with(Arc::new(FixedToken("lister")))
        .with_origin_policy(OriginPolicy::for_training(sandbox.base_url()));
    let mut urls = study_metadata_urls(&sandbox, &lister, nhs).await;
    if urls.is_empty() {
        // The lister's first request may itself have met the expiry; its next one succeeds.
        urls = study_metadata_urls(&sandbox, &lister, nhs).await;
    }
    assert!(!urls.is_empty());
    let viewer = client_with(Arc::new(FixedToken("viewer")))
        .with_origin_policy(OriginPolicy::for_training(sandbox.base_url()));
    let error = viewer.study_metadata(&urls[0]).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error}");
    let layout = viewer.study_metadata(&urls[0]).await.unwrap();
    assert!(layout.instance_count() >= 1);
}
