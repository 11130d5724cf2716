//! The output of discovery, as the UI and the conformance suite consume it: one imaging
//! history per query, holding typed records with everything needed to retrieve them, a
//! status per imaging network, and a single complete/incomplete verdict. Serialised in
//! camelCase; nothing here knows which backend produced it.

use serde::Serialize;
use ts_rs::TS;

/// Everything discovery found for one patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImagingHistory {
    /// Records, newest first.
    pub records: Vec<HistoryRecord>,
    /// One outcome per network that was asked (or named in the answer).
    pub networks: Vec<NetworkOutcome>,
    /// Whether every network answered.
    pub verdict: Completeness,
}

/// The four kinds of record NIR points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordKind {
    /// A DICOM imaging study.
    ImagingStudy,
    /// A radiology report.
    DiagnosticReport,
    /// The outcome of a multidisciplinary team meeting.
    MdtOutcome,
    /// A care plan.
    CarePlan,
}

impl RecordKind {
    /// Every kind, in display order.
    pub const ALL: [RecordKind; 4] = [
        Self::ImagingStudy,
        Self::DiagnosticReport,
        Self::MdtOutcome,
        Self::CarePlan,
    ];

    /// The SNOMED CT code NIR uses for this kind (as category or class code).
    pub fn snomed_code(self) -> &'static str {
        match self {
            Self::ImagingStudy => "721981007",
            Self::DiagnosticReport => "4201000179104",
            Self::MdtOutcome => "371531000",
            Self::CarePlan => "734163000",
        }
    }

    /// The kind for a SNOMED CT code, if it is one of the four.
    pub fn from_snomed_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.snomed_code() == code)
    }
}

/// One discovered record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    /// Stable identifier within this history (the document's unique id).
    pub id: String,
    /// What the record is.
    pub kind: RecordKind,
    /// Date of the record, `YYYY-MM-DD`, when known.
    pub date: Option<String>,
    /// DICOM modality (e.g. `CT`), for studies.
    pub modality: Option<String>,
    /// Human-readable description.
    pub description: Option<String>,
    /// Where a report stands (preliminary, final, amended…), when the pointer says.
    pub status: Option<super::DocumentStatus>,
    /// Name of the providing organisation or network.
    pub provider_name: Option<String>,
    /// ODS code of the providing organisation.
    pub provider_ods: Option<String>,
    /// Care setting (practice setting) of the provider.
    pub care_setting: Option<String>,
    /// Home community id of the network holding the record.
    pub home_community_id: Option<String>,
    /// Accession number, when the pointer carries one.
    pub accession_number: Option<String>,
    /// Study Instance UID, when the pointer carries one.
    pub study_uid: Option<String>,
    /// How to fetch the record.
    pub retrieval: RetrievalRef,
    /// For reports: the id of the study record this report describes.
    pub linked_study: Option<String>,
}

impl HistoryRecord {
    /// A record known only by its id, kind and retrieval; every optional detail empty.
    pub fn new(id: impl Into<String>, kind: RecordKind, retrieval: RetrievalRef) -> Self {
        HistoryRecord {
            id: id.into(),
            kind,
            date: None,
            modality: None,
            description: None,
            status: None,
            provider_name: None,
            provider_ods: None,
            care_setting: None,
            home_community_id: None,
            accession_number: None,
            study_uid: None,
            retrieval,
            linked_study: None,
        }
    }
}

/// Where and how a record is retrieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum RetrievalRef {
    /// WADO-RS study metadata URL.
    #[serde(rename_all = "camelCase")]
    WadoStudyMetadata {
        /// `…/studies/{uid}/metadata`.
        url: String,
    },
    /// A FHIR resource or document URL.
    #[serde(rename_all = "camelCase")]
    FhirDocument {
        /// Resource URL.
        url: String,
        /// Media type of the attachment.
        content_type: String,
    },
    /// An XCA document fetched with ITI-39.
    #[serde(rename_all = "camelCase")]
    XcaDocument {
        /// Responding community.
        home_community_id: String,
        /// Repository holding the document.
        repository_id: String,
        /// XDSDocumentEntry.uniqueId.
        document_id: String,
        /// Media type of the document (`application/dicom` for a KOS manifest).
        mime_type: String,
    },
    /// A record the registry listed but without what is needed to fetch it (for example an
    /// XCA entry with no `repositoryUniqueId`): shown, and counted, but it cannot be opened.
    #[serde(rename_all = "camelCase")]
    Unopenable {
        /// Why, in plain words (e.g. "the registry gave no repository for it").
        reason: String,
    },
}

impl RetrievalRef {
    /// Why the record cannot be opened, when it cannot.
    pub fn unopenable_reason(&self) -> Option<&str> {
        match self {
            Self::Unopenable { reason } => Some(reason),
            _ => None,
        }
    }
}

/// A network the deployment knows about (from configuration or the sandbox's map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownNetwork {
    /// Home community id, `urn:oid:…`.
    pub home_community_id: String,
    /// Display name.
    pub name: String,
    /// ODS codes of the organisations whose records belong to the network (custodians),
    /// the lead organisation first.
    pub ods_codes: Vec<String>,
    /// Care setting.
    pub care_setting: String,
}

/// How one network fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NetworkStatus {
    /// Answered with at least one record.
    Answered,
    /// Answered, with nothing for this patient.
    NoRecords,
    /// Did not answer.
    Unavailable,
    /// Did not answer in time.
    TimedOut,
    /// Refused access.
    AccessDenied,
    /// Asked us to slow down and the retries ran out.
    RateLimited,
    /// Answered with something unusable.
    Error,
}

impl NetworkStatus {
    /// The status as the UI and the audit record write it (camelCase, as serde does).
    pub fn name(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::NoRecords => "noRecords",
            Self::Unavailable => "unavailable",
            Self::TimedOut => "timedOut",
            Self::AccessDenied => "accessDenied",
            Self::RateLimited => "rateLimited",
            Self::Error => "error",
        }
    }

    /// Whether this status means the network told us everything it has.
    pub fn is_complete(self) -> bool {
        matches!(self, Self::Answered | Self::NoRecords)
    }
}

/// The outcome of one network, with a reason a clinician can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkOutcome {
    /// Home community id of the network.
    pub home_community_id: String,
    /// Display name.
    pub name: String,
    /// What happened.
    pub status: NetworkStatus,
    /// Plain-language explanation.
    pub reason: String,
    /// Records the network listed that cannot be opened (incomplete entries).
    pub unopenable_records: usize,
}

/// Whether the history is the whole truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Completeness {
    /// Every network answered.
    Complete,
    /// Some networks did not; `why` names them.
    #[serde(rename_all = "camelCase")]
    Incomplete {
        /// One plain-language line per network that did not answer fully.
        why: Vec<String>,
    },
}

impl ImagingHistory {
    /// Builds the history and derives the verdict from the network outcomes.
    pub fn new(mut records: Vec<HistoryRecord>, networks: Vec<NetworkOutcome>) -> Self {
        for network in &networks {
            crate::observability::global()
                .network_outcome(&network.name, network.status.is_complete());
        }
        records.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        let why: Vec<String> = networks
            .iter()
            .filter(|n| !n.status.is_complete())
            .map(|n| format!("{}: {}", n.name, n.reason))
            .collect();
        let verdict = if why.is_empty() {
            Completeness::Complete
        } else {
            Completeness::Incomplete { why }
        };
        Self {
            records,
            networks,
            verdict,
        }
    }

    /// The headline for the clinician: nothing found is only said when it is the truth.
    pub fn summary_message(&self) -> String {
        match (&self.verdict, self.records.is_empty()) {
            (Completeness::Complete, true) => {
                "No imaging records were found for this patient in any network.".into()
            }
            (Completeness::Complete, false) => {
                format!(
                    "{} records found; every network answered.",
                    self.records.len()
                )
            }
            (Completeness::Incomplete { why }, _) => format!(
                "{} records found. Results may be incomplete: {} network(s) did not answer fully.",
                self.records.len(),
                why.len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_status_is_named_as_serde_writes_it() {
        for status in [
            NetworkStatus::Answered,
            NetworkStatus::NoRecords,
            NetworkStatus::Unavailable,
            NetworkStatus::TimedOut,
            NetworkStatus::AccessDenied,
            NetworkStatus::RateLimited,
            NetworkStatus::Error,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.name());
        }
    }

    fn outcome(status: NetworkStatus) -> NetworkOutcome {
        NetworkOutcome {
            home_community_id: "urn:oid:2.999.1".into(),
            name: "North".into(),
            status,
            reason: "because".into(),
            unopenable_records: 0,
        }
    }

    #[test]
    fn verdict_follows_network_statuses() {
        let complete = ImagingHistory::new(vec![], vec![outcome(NetworkStatus::NoRecords)]);
        assert_eq!(complete.verdict, Completeness::Complete);
        assert!(complete.summary_message().starts_with("No imaging records"));
        let partial = ImagingHistory::new(vec![], vec![outcome(NetworkStatus::Unavailable)]);
        assert_eq!(
            partial.verdict,
            Completeness::Incomplete {
                why: vec!["North: because".into()]
            }
        );
        assert!(partial.summary_message().contains("may be incomplete"));
    }

    #[test]
    fn serialises_in_camel_case_with_tags() {
        let json = serde_json::to_value(ImagingHistory::new(
            vec![],
            vec![outcome(NetworkStatus::AccessDenied)],
        ))
        .unwrap();
        assert_eq!(json["networks"][0]["status"], "accessDenied");
        assert_eq!(json["networks"][0]["homeCommunityId"], "urn:oid:2.999.1");
        assert_eq!(json["verdict"]["state"], "incomplete");
        let r = serde_json::to_value(RetrievalRef::XcaDocument {
            home_community_id: "h".into(),
            repository_id: "r".into(),
            document_id: "d".into(),
            mime_type: "application/dicom".into(),
        })
        .unwrap();
        assert_eq!(r["type"], "xcaDocument");
        assert_eq!(r["repositoryId"], "r");
    }
}
