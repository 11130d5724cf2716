//! Discovery from the viewer's point of view: builds the configured backend (FHIR or XCA;
//! FHIR against the embedded sandbox in training mode), runs the query, keeps the records
//! as the session's pointers, and turns the history into what the window shows — every
//! network's status and the complete/incomplete verdict included.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::views::{HistoryRecordView, HistoryView, NetworkView, PatientView};
use super::{Pointer, PointerKind, ViewerError, ViewerSession};
use crate::audit::{Action, Outcome};
use crate::registry::{
    Completeness, DiscoveryBackend, FhirBackend, FhirSettings, HistoryQuery, ImagingHistory,
    KnownNetwork, RecordKind, RequestContext, RetrievalRef, XcaBackend, XcaSettings,
};

/// Reads the sandbox's discovery document (`/.well-known/nir-sandbox.json`).
pub async fn sandbox_document(
    http: &reqwest::Client,
    base: &url::Url,
) -> Result<serde_json::Value, String> {
    let url = base
        .join(".well-known/nir-sandbox.json")
        .map_err(|e| e.to_string())?;
    http.get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?
        .json()
        .await
        .map_err(|e| e.without_url().to_string())
}

/// Reads the networks the sandbox serves from its discovery document.
pub async fn sandbox_networks(
    http: &reqwest::Client,
    base: &url::Url,
) -> Result<Vec<KnownNetwork>, String> {
    let doc = sandbox_document(http, base).await?;
    let networks = doc["networks"]
        .as_array()
        .ok_or("the sandbox lists no networks")?;
    Ok(networks
        .iter()
        .filter_map(|n| {
            Some(KnownNetwork {
                home_community_id: n["home_community_id"].as_str()?.to_owned(),
                name: n["name"].as_str()?.to_owned(),
                ods_codes: vec![n["ods_code"].as_str()?.to_owned()],
                care_setting: n["care_setting"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// The FHIR backend over `fhir_base`.
pub fn fhir_backend(
    http: reqwest::Client,
    fhir_base: url::Url,
    networks: Vec<KnownNetwork>,
    session: RequestContext,
) -> Arc<dyn DiscoveryBackend> {
    Arc::new(FhirBackend::new(
        http,
        FhirSettings::new(fhir_base, networks),
        session,
    ))
}

/// The XCA backend, naming the patient in `patient_id_form`.
pub fn xca_backend(
    http: reqwest::Client,
    query_url: url::Url,
    retrieve_url: url::Url,
    networks: Vec<KnownNetwork>,
    patient_id_form: crate::config::PatientIdForm,
    session: RequestContext,
) -> Arc<dyn DiscoveryBackend> {
    Arc::new(XcaBackend::new(
        http,
        XcaSettings::new(query_url, retrieve_url, networks).with_patient_id_form(patient_id_form),
        session,
    ))
}

fn kind_of(kind: RecordKind) -> PointerKind {
    match kind {
        RecordKind::ImagingStudy => PointerKind::ImagingStudy,
        RecordKind::DiagnosticReport => PointerKind::DiagnosticReport,
        RecordKind::MdtOutcome => PointerKind::MdtOutcome,
        RecordKind::CarePlan => PointerKind::CarePlan,
    }
}

/// The session's pointers for a history. Records only XCA can fetch (ITI-39) carry no URL
/// but their retrieval reference, resolved when they are opened.
pub fn pointers_of(history: &ImagingHistory) -> Vec<Pointer> {
    history
        .records
        .iter()
        .map(|r| Pointer {
            id: r.id.clone(),
            kind: kind_of(r.kind),
            date: r.date.clone(),
            modality: r.modality.clone(),
            description: r
                .description
                .clone()
                .unwrap_or_else(|| "Untitled record".into()),
            status: r.status,
            provider_name: r
                .provider_name
                .clone()
                .unwrap_or_else(|| "Unknown provider".into()),
            provider_ods: r.provider_ods.clone().unwrap_or_default(),
            network: r.home_community_id.as_ref().and_then(|home| {
                history
                    .networks
                    .iter()
                    .find(|n| &n.home_community_id == home)
                    .map(|n| n.name.clone())
            }),
            care_setting: r.care_setting.clone(),
            study_uid: r.study_uid.clone(),
            url: match &r.retrieval {
                RetrievalRef::WadoStudyMetadata { url }
                | RetrievalRef::FhirDocument { url, .. } => url::Url::parse(url).ok(),
                RetrievalRef::XcaDocument { .. } | RetrievalRef::Unopenable { .. } => None,
            },
            xca: matches!(r.retrieval, RetrievalRef::XcaDocument { .. })
                .then(|| r.retrieval.clone()),
            linked_study_id: r.linked_study.clone(),
            unopenable: r.retrieval.unopenable_reason().map(str::to_owned),
        })
        .collect()
}

impl ViewerSession {
    /// Asks NIR for the patient's imaging history and makes them the current patient, unless
    /// a newer look-up, a close, a lock or a sign-out came before the answer
    /// ([`ViewerError::LookupSuperseded`]).
    pub async fn lookup(
        &self,
        backend: &dyn DiscoveryBackend,
        query: HistoryQuery,
    ) -> Result<HistoryView, ViewerError> {
        let nhs_number = query.nhs_number.clone();
        let generation = self.begin_lookup();
        let outcome = backend.discover(&query, &CancellationToken::new()).await;
        let history = match outcome {
            Ok(history) => history,
            Err(error) => {
                self.audit_event(
                    self.new_event(
                        Action::Query {
                            networks: Vec::new(),
                        },
                        Outcome::MinorFailure,
                    )
                    .about(&nhs_number),
                );
                return Err(ViewerError::Discovery(error));
            }
        };
        let networks: Vec<NetworkView> = history
            .networks
            .iter()
            .map(|n| NetworkView {
                name: n.name.clone(),
                state: n.status,
                reason: n.reason.clone(),
            })
            .collect();
        let complete = matches!(history.verdict, Completeness::Complete);
        let outcome = if complete {
            Outcome::Success
        } else {
            Outcome::MinorFailure
        };
        self.audit_event(
            self.new_event(
                Action::Query {
                    networks: history
                        .networks
                        .iter()
                        .map(|n| (n.name.clone(), n.status.name().to_owned()))
                        .collect(),
                },
                outcome,
            )
            .about(&nhs_number),
        );
        let pointers = pointers_of(&history);
        let records: Vec<HistoryRecordView> =
            pointers.iter().map(HistoryRecordView::from).collect();
        let answered = history
            .networks
            .iter()
            .filter(|n| n.status.is_complete())
            .count();
        let summary = match (&history.verdict, records.len()) {
            (Completeness::Complete, 0) => {
                "No imaging records were found in any network.".to_owned()
            }
            (Completeness::Complete, n) => format!("{n} records from {answered} networks."),
            (Completeness::Incomplete { .. }, n) => format!(
                "{n} records; {answered} of {} networks answered — results may be incomplete.",
                history.networks.len()
            ),
        };
        let patient = PatientView {
            nhs_number: nhs_number.formatted(),
            name: None,
            birth_date: None,
            sex: None,
        };
        // The query happened and is audited above; its answer becomes the open patient only
        // if no newer look-up, close, lock or sign-out came meanwhile.
        self.set_patient(generation, nhs_number, pointers)?;
        Ok(HistoryView {
            patient,
            records,
            networks,
            complete,
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{HistoryRecord, NetworkStatus};

    fn record(id: &str, retrieval: RetrievalRef) -> HistoryRecord {
        HistoryRecord {
            home_community_id: Some("urn:oid:2.999.1".into()),
            ..HistoryRecord::new(id, RecordKind::DiagnosticReport, retrieval)
        }
    }

    #[test]
    fn a_record_that_cannot_be_opened_says_why_in_the_view() {
        let history = ImagingHistory::new(
            vec![
                record(
                    "a",
                    RetrievalRef::Unopenable {
                        reason: "the registry's entry gives no repository".into(),
                    },
                ),
                record(
                    "b",
                    RetrievalRef::XcaDocument {
                        home_community_id: "urn:oid:2.999.1".into(),
                        repository_id: "2.999.1.9".into(),
                        document_id: "b".into(),
                        mime_type: "application/pdf".into(),
                    },
                ),
            ],
            Vec::new(),
        );
        let views: Vec<HistoryRecordView> = pointers_of(&history)
            .iter()
            .map(HistoryRecordView::from)
            .collect();
        assert!(!views[0].openable);
        assert_eq!(
            views[0].unopenable_reason.as_deref(),
            Some("the registry's entry gives no repository")
        );
        assert!(views[1].openable);
        assert_eq!(views[1].unopenable_reason, None);
        let json = serde_json::to_value(&views[0]).unwrap();
        assert_eq!(
            json["unopenableReason"],
            "the registry's entry gives no repository"
        );
    }

    #[test]
    fn each_record_names_the_network_that_listed_it() {
        let mut unknown = record("c", RetrievalRef::Unopenable { reason: "x".into() });
        unknown.home_community_id = Some("urn:oid:2.999.404".into());
        let history = ImagingHistory::new(
            vec![
                record("a", RetrievalRef::Unopenable { reason: "x".into() }),
                unknown,
            ],
            vec![crate::registry::NetworkOutcome {
                home_community_id: "urn:oid:2.999.1".into(),
                name: "North Imaging Network".into(),
                status: NetworkStatus::Answered,
                reason: String::new(),
                unopenable_records: 0,
            }],
        );
        let views: Vec<HistoryRecordView> = pointers_of(&history)
            .iter()
            .map(HistoryRecordView::from)
            .collect();
        assert_eq!(views[0].network.as_deref(), Some("North Imaging Network"));
        assert_eq!(views[1].network, None);
        let json = serde_json::to_value(&views[0]).unwrap();
        assert_eq!(json["network"], "North Imaging Network");
    }
}
