//! One behaviour per sandbox scenario, each run through both backends: the records found,
//! each network's status and the complete/incomplete verdict must agree whichever flavour
//! the deployment uses.

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::registry::{
    Completeness, HistoryQuery, ImagingHistory, NetworkStatus, RecordKind, RegistryError,
    RetrievalRef, RetryPolicy,
};
use tokio_util::sync::CancellationToken;

use super::harness::{discover, quick_retry, statuses, Env, Flavour, Token};
use crate::support::record_of_kind;
use crate::through_both_backends;

through_both_backends!(
    rich_history,
    no_records,
    network_unavailable,
    access_denied,
    rate_limited_then_answers,
    slow_network_answers_within_the_deadline,
    wrong_patient_instance,
    truncated_transfer,
    corrupt_pixels,
    report_only,
    token_expiry_without_auth,
    token_expiry_with_auth,
    filters_by_kind_date_modality_and_organisation,
);

fn assert_retrieval_matches(flavour: Flavour, history: &ImagingHistory) {
    for record in &history.records {
        match (flavour, &record.retrieval, record.kind) {
            (Flavour::Fhir, RetrievalRef::WadoStudyMetadata { url }, RecordKind::ImagingStudy) => {
                assert!(url.ends_with("/metadata"), "{url}");
            }
            (Flavour::Fhir, RetrievalRef::FhirDocument { content_type, .. }, _) => {
                assert_eq!(content_type, "application/fhir+json");
            }
            (Flavour::Xca, RetrievalRef::XcaDocument { mime_type, .. }, kind) => {
                if kind == RecordKind::ImagingStudy {
                    assert_eq!(mime_type, "application/dicom");
                } else {
                    // Reports come as FHIR, PDF, plain text or CDA (IHE RAD TF-3 §4.68).
                    assert!(
                        [
                            "application/fhir+json",
                            "application/pdf",
                            "text/plain",
                            "text/xml"
                        ]
                        .contains(&mime_type.as_str()),
                        "{mime_type}"
                    );
                }
            }
            other => panic!("unexpected retrieval for {flavour:?}: {other:?}"),
        }
    }
}

async fn rich_history(flavour: Flavour) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "9912003888").await;
    assert_eq!(
        history.verdict,
        Completeness::Complete,
        "{:?}",
        statuses(&history)
    );
    let answered = history
        .networks
        .iter()
        .filter(|n| n.status == NetworkStatus::Answered)
        .count();
    assert!(answered >= 3, "{:?}", statuses(&history));
    for kind in RecordKind::ALL {
        assert!(
            history.records.iter().any(|r| r.kind == kind),
            "no {kind:?}"
        );
    }
    let modalities: Vec<_> = history
        .records
        .iter()
        .filter_map(|r| r.modality.clone())
        .collect();
    for modality in ["CT", "MR", "US"] {
        assert!(modalities.iter().any(|m| m == modality), "{modalities:?}");
    }
    for study in history
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::ImagingStudy)
    {
        assert!(
            study.study_uid.is_some() && study.accession_number.is_some() && study.date.is_some()
        );
        assert!(
            study.home_community_id.is_some()
                && study.provider_ods.is_some()
                && study.care_setting.is_some()
        );
    }
    let linked = history
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::DiagnosticReport && r.linked_study.is_some())
        .count();
    assert!(linked >= 1, "no report linked to its study");
    let dates: Vec<_> = history.records.iter().map(|r| r.date.clone()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_retrieval_matches(flavour, &history);
}

async fn no_records(flavour: Flavour) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "9000000009").await;
    assert!(history.records.is_empty());
    assert!(history.networks.len() >= 3);
    assert!(
        history
            .networks
            .iter()
            .all(|n| n.status == NetworkStatus::NoRecords),
        "{:?}",
        statuses(&history)
    );
    assert_eq!(history.verdict, Completeness::Complete);
    assert_eq!(
        history.summary_message(),
        "No imaging records were found for this patient in any network."
    );
}

async fn network_unavailable(flavour: Flavour) {
    let env = Env::start().await;
    let south = env.network_named("south");
    let history = discover(&env.backend(flavour, quick_retry()), "9000000017").await;
    assert!(!history.records.is_empty());
    for network in &history.networks {
        if network.home_community_id == south.home_community_id {
            assert!(
                matches!(
                    network.status,
                    NetworkStatus::Unavailable | NetworkStatus::TimedOut
                ),
                "{network:?}"
            );
            assert!(
                network.reason.contains("results may be incomplete"),
                "{}",
                network.reason
            );
        } else {
            assert!(network.status.is_complete(), "{network:?}");
        }
    }
    let Completeness::Incomplete { why } = &history.verdict else {
        panic!("verdict must be incomplete")
    };
    assert_eq!(why.len(), 1);
    assert!(why[0].starts_with(&south.name), "{why:?}");
    assert!(history.summary_message().contains("may be incomplete"));
    assert!(history
        .records
        .iter()
        .all(|r| r.home_community_id.as_deref() != Some(&south.home_community_id)));
}

async fn access_denied(flavour: Flavour) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "9278693472").await;
    assert!(history.records.is_empty());
    assert!(
        history
            .networks
            .iter()
            .all(|n| n.status == NetworkStatus::AccessDenied),
        "{:?}",
        statuses(&history)
    );
    assert_eq!(
        history.networks[0].reason,
        "You do not have access to this patient's imaging records."
    );
    assert!(matches!(history.verdict, Completeness::Incomplete { .. }));
}

async fn rate_limited_then_answers(flavour: Flavour) {
    // One attempt only: the 429 is reported per network.
    let env = Env::start().await;
    let once = RetryPolicy {
        max_attempts: 1,
        ..quick_retry()
    };
    let limited = discover(&env.backend(flavour, once), "6700028191").await;
    assert!(
        limited
            .networks
            .iter()
            .all(|n| n.status == NetworkStatus::RateLimited),
        "{:?}",
        statuses(&limited)
    );
    assert!(matches!(limited.verdict, Completeness::Incomplete { .. }));
    // A fresh sandbox: the retry honours Retry-After and the second attempt answers.
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "6700028191").await;
    assert_eq!(
        history.verdict,
        Completeness::Complete,
        "{:?}",
        statuses(&history)
    );
    assert!(!history.records.is_empty());
}

async fn slow_network_answers_within_the_deadline(flavour: Flavour) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "4409815415").await;
    assert_eq!(history.verdict, Completeness::Complete);
    assert!(!history.records.is_empty());
    // A deadline shorter than the network's delay: reported as timed out, not as empty.
    let short = RetryPolicy {
        deadline: Duration::from_millis(300),
        ..quick_retry()
    };
    let late = discover(&env.backend(flavour, short), "4409815415").await;
    assert!(late.records.is_empty());
    assert!(
        late.networks
            .iter()
            .all(|n| n.status == NetworkStatus::TimedOut),
        "{:?}",
        statuses(&late)
    );
    assert!(matches!(late.verdict, Completeness::Incomplete { .. }));
    // Cancellation ends the wait with a distinct error.
    let backend = env.backend(flavour, quick_retry());
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let query = HistoryQuery::for_patient("4409815415").unwrap();
    assert_eq!(
        backend.discover(&query, &cancel).await,
        Err(RegistryError::Cancelled)
    );
}

async fn single_study_found(flavour: Flavour, nhs: &str) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), nhs).await;
    assert_eq!(history.verdict, Completeness::Complete);
    assert!(history
        .records
        .iter()
        .any(|r| r.kind == RecordKind::ImagingStudy && r.study_uid.is_some()));
    assert_retrieval_matches(flavour, &history);
}

async fn wrong_patient_instance(flavour: Flavour) {
    single_study_found(flavour, "9912003918").await;
}

async fn truncated_transfer(flavour: Flavour) {
    single_study_found(flavour, "9912003926").await;
}

async fn corrupt_pixels(flavour: Flavour) {
    single_study_found(flavour, "9912003934").await;
}

async fn report_only(flavour: Flavour) {
    let env = Env::start().await;
    let history = discover(&env.backend(flavour, quick_retry()), "9912003942").await;
    assert!(!history.records.is_empty());
    assert!(history
        .records
        .iter()
        .all(|r| r.kind != RecordKind::ImagingStudy));
    assert!(history.records.iter().all(|r| r.linked_study.is_none()));
    assert_eq!(history.verdict, Completeness::Complete);
}

async fn token_expiry_without_auth(flavour: Flavour) {
    single_study_found(flavour, "9912003950").await;
}

async fn token_expiry_with_auth(flavour: Flavour) {
    let env = Env::start_requiring(&["tok-a"]).await;
    let backend = env.backend_with(flavour, quick_retry(), Arc::new(Token("tok-a")));
    let query = HistoryQuery::for_patient("9912003950").unwrap();
    // 401 is never retried by the client: it is returned for the caller to refresh.
    assert_eq!(
        backend.discover(&query, &CancellationToken::new()).await,
        Err(RegistryError::TokenExpired)
    );
    // The caller's single retry (the sandbox expires a token only on its first use).
    let history = backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(history.verdict, Completeness::Complete);
    assert!(!history.records.is_empty());
    // An unknown token is refused the same way.
    let stranger = env.backend_with(flavour, quick_retry(), Arc::new(Token("tok-unknown")));
    assert_eq!(
        stranger.discover(&query, &CancellationToken::new()).await,
        Err(RegistryError::TokenExpired)
    );
}

async fn filters_by_kind_date_modality_and_organisation(flavour: Flavour) {
    let env = Env::start().await;
    let backend = env.backend(flavour, quick_retry());
    let all = discover(&backend, "9912003888").await;
    let mut query = HistoryQuery::for_patient("9912003888").unwrap();
    query.record_types = vec![RecordKind::ImagingStudy];
    query.modality = Some("CT".into());
    let ct = backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap();
    assert!(!ct.records.is_empty());
    assert!(ct
        .records
        .iter()
        .all(|r| r.kind == RecordKind::ImagingStudy && r.modality.as_deref() == Some("CT")));
    let north = env.network_named("north");
    let mut query = HistoryQuery::for_patient("9912003888").unwrap();
    query.exclude_organisations = north.ods_codes.clone();
    let dated = all
        .records
        .iter()
        .filter_map(|r| r.date.clone())
        .min()
        .unwrap();
    query.from = chrono::NaiveDate::parse_from_str(&dated, "%Y-%m-%d")
        .ok()
        .map(|d| d + chrono::Days::new(1));
    let filtered = backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap();
    assert!(filtered.records.len() < all.records.len());
    assert!(filtered
        .records
        .iter()
        .all(|r| r.provider_ods.as_deref() != north.ods_codes.first().map(String::as_str)));
    assert!(filtered
        .records
        .iter()
        .all(|r| r.date.as_deref() > Some(dated.as_str())));
}

#[tokio::test]
async fn xca_retrieves_a_kos_manifest_and_a_report() {
    let env = Env::start().await;
    let backend = env.xca(
        env.session(Arc::new(nir_viewer::net::NoToken)),
        quick_retry(),
    );
    let query = HistoryQuery::for_patient("9912003888").unwrap();
    let cancel = CancellationToken::new();
    let history = nir_viewer::registry::DiscoveryBackend::discover(&backend, &query, &cancel)
        .await
        .unwrap();
    let study = record_of_kind(&history, RecordKind::ImagingStudy);
    let manifest = backend
        .retrieve_document(&study.retrieval, &cancel)
        .await
        .unwrap();
    assert_eq!(manifest.mime_type, "application/dicom");
    assert_eq!(&manifest.content[128..132], b"DICM");
    let kos = dicom_object::from_reader(&manifest.content[128..]).unwrap();
    let sop_class = kos
        .element(dicom_dictionary_std::tags::SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        sop_class.trim_end_matches('\0'),
        "1.2.840.10008.5.1.4.1.1.88.59"
    );
    // Every report comes back with the media type the registry listed, and is of that type.
    let mut seen = Vec::new();
    for report in history
        .records
        .iter()
        .filter(|r| r.kind != RecordKind::ImagingStudy)
    {
        let RetrievalRef::XcaDocument { mime_type, .. } = &report.retrieval else {
            panic!("not an XCA document: {:?}", report.retrieval);
        };
        let document = backend
            .retrieve_document(&report.retrieval, &cancel)
            .await
            .unwrap();
        assert_eq!(&document.mime_type, mime_type);
        let content = &document.content[..];
        match mime_type.as_str() {
            "application/fhir+json" => {
                let json: serde_json::Value = serde_json::from_slice(content).unwrap();
                assert!(["DiagnosticReport", "CarePlan"]
                    .contains(&json["resourceType"].as_str().unwrap()));
            }
            "application/pdf" => assert!(content.starts_with(b"%PDF-")),
            "text/plain" => assert!(std::str::from_utf8(content).unwrap().contains("Synthetic")),
            "text/xml" => assert!(std::str::from_utf8(content)
                .unwrap()
                .contains("<ClinicalDocument xmlns=\"urn:hl7-org:v3\"")),
            other => panic!("unexpected media type {other}"),
        }
        seen.push(mime_type.clone());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "application/fhir+json",
            "application/pdf",
            "text/plain",
            "text/xml"
        ]
    );
}
