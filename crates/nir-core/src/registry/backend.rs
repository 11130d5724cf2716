//! The one interface the rest of the viewer uses for discovery, whatever the flavour, and
//! the assembly both flavours share: filtering by the query, linking reports to studies,
//! and turning what each network did into a status and the overall verdict. A failure of
//! the whole request that still says something about the networks (no access, rate
//! limited, unavailable, timed out, unreadable) becomes an incomplete history rather than
//! an error, so the clinician sees which networks were not heard from.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::error::RegistryError;
use super::linking::link_reports;
use super::model::{
    HistoryRecord, ImagingHistory, KnownNetwork, NetworkOutcome, NetworkStatus, RetrievalRef,
};
use super::query::HistoryQuery;
use super::xca::RetrievedDocument;
use crate::error::UserFacing;

/// A discovery backend (FHIR or XCA), held as `Arc<dyn DiscoveryBackend>`.
#[async_trait]
pub trait DiscoveryBackend: Send + Sync {
    /// `"fhir"` or `"xca"`.
    fn flavour(&self) -> &'static str;

    /// Finds every record of the patient. `Err` only for failures that say nothing about
    /// the networks: invalid query, rejected request, expired token (refresh and retry
    /// once), cancellation.
    async fn discover(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<ImagingHistory, RegistryError>;

    /// Fetches a document a record points to through the registry itself (XCA ITI-39: a
    /// KOS manifest for a study, the report for a report). Flavours whose records carry
    /// their own URLs have nothing to fetch this way.
    async fn retrieve_document(
        &self,
        retrieval: &RetrievalRef,
        cancel: &CancellationToken,
    ) -> Result<RetrievedDocument, RegistryError> {
        let _ = (retrieval, cancel);
        Err(RegistryError::InvalidQuery(format!(
            "{} discovery retrieves no documents itself",
            self.flavour()
        )))
    }
}

/// A network that did not answer fully, as reported inside a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkFailure {
    /// Home community id named by the response.
    pub home_community_id: String,
    /// Name given by the response, if any.
    pub name: Option<String>,
    /// Status to report.
    pub status: NetworkStatus,
}

/// Builds the history from the records and the failures named in the response(s).
pub fn assemble(
    query: &HistoryQuery,
    known: &[KnownNetwork],
    records: Vec<HistoryRecord>,
    failures: &[NetworkFailure],
) -> ImagingHistory {
    let mut records: Vec<HistoryRecord> = records.into_iter().filter(|r| query.admits(r)).collect();
    link_reports(&mut records);
    let mut networks: Vec<NetworkOutcome> = known
        .iter()
        .map(|n| (n.home_community_id.clone(), n.name.clone()))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(id, name)| outcome_for(&id, &name, &records, failures))
        .collect();
    let unknown_ids = records
        .iter()
        .filter_map(|r| r.home_community_id.clone())
        .chain(failures.iter().map(|f| f.home_community_id.clone()));
    for id in unknown_ids {
        if networks.iter().all(|n| n.home_community_id != id) {
            let name = failures
                .iter()
                .find(|f| f.home_community_id == id)
                .and_then(|f| f.name.clone())
                .or_else(|| {
                    records
                        .iter()
                        .find(|r| r.home_community_id.as_deref() == Some(&id))
                        .and_then(|r| r.provider_name.clone())
                })
                .unwrap_or_else(|| id.clone());
            networks.push(outcome_for(&id, &name, &records, failures));
        }
    }
    ImagingHistory::new(records, networks)
}

fn outcome_for(
    id: &str,
    name: &str,
    records: &[HistoryRecord],
    failures: &[NetworkFailure],
) -> NetworkOutcome {
    let own = || {
        records
            .iter()
            .filter(move |r| !id.is_empty() && r.home_community_id.as_deref() == Some(id))
    };
    let status = match failures.iter().find(|f| f.home_community_id == id) {
        Some(failure) => failure.status,
        None if own().next().is_some() => NetworkStatus::Answered,
        None => NetworkStatus::NoRecords,
    };
    let unopenable_records = own()
        .filter(|r| r.retrieval.unopenable_reason().is_some())
        .count();
    let mut reason = if id.is_empty() {
        UNNAMED_COMMUNITY_REASON.to_owned()
    } else {
        status_reason(status, name)
    };
    if unopenable_records > 0 {
        reason += &format!(
            " {unopenable_records} of its records cannot be opened: the registry's entry is incomplete."
        );
    }
    NetworkOutcome {
        home_community_id: id.into(),
        name: name.into(),
        reason,
        status,
        unopenable_records,
    }
}

/// The name shown for a community that did not answer when the answer does not say which
/// community it was (its failure carries an empty home community id).
pub const UNNAMED_COMMUNITY: &str = "An unnamed community";

const UNNAMED_COMMUNITY_REASON: &str =
    "A community did not answer and the registry did not say which; results may be incomplete.";

/// The plain-language reason shown next to a network.
pub fn status_reason(status: NetworkStatus, name: &str) -> String {
    match status {
        NetworkStatus::Answered => format!("{name} answered."),
        NetworkStatus::NoRecords => format!("{name} has no records for this patient."),
        NetworkStatus::Unavailable => RegistryError::Unavailable(name.into()).user_message(),
        NetworkStatus::TimedOut => RegistryError::TimedOut(name.into()).user_message(),
        NetworkStatus::AccessDenied => RegistryError::AccessDenied(name.into()).user_message(),
        NetworkStatus::RateLimited => RegistryError::RateLimited(name.into()).user_message(),
        NetworkStatus::Error => RegistryError::malformed(name, "").user_message(),
    }
}

/// When the whole request failed: either a history in which every known network carries
/// the failure (so the verdict says incomplete), or the error itself.
pub fn history_for_failure(
    known: &[KnownNetwork],
    error: RegistryError,
) -> Result<ImagingHistory, RegistryError> {
    let status = match &error {
        RegistryError::AccessDenied(_) => NetworkStatus::AccessDenied,
        RegistryError::RateLimited(_) => NetworkStatus::RateLimited,
        RegistryError::Unavailable(_) => NetworkStatus::Unavailable,
        RegistryError::TimedOut(_) => NetworkStatus::TimedOut,
        RegistryError::Malformed { .. } | RegistryError::TooLarge { .. } => NetworkStatus::Error,
        _ => return Err(error),
    };
    tracing::warn!(code = error.code().as_str(), "discovery request failed");
    let message = error.user_message();
    let networks = known
        .iter()
        .map(|n| NetworkOutcome {
            home_community_id: n.home_community_id.clone(),
            name: n.name.clone(),
            status,
            reason: message.clone(),
            unopenable_records: 0,
        })
        .collect();
    let mut history = ImagingHistory::new(Vec::new(), networks);
    if known.is_empty() {
        history.verdict = super::model::Completeness::Incomplete { why: vec![message] };
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::{Completeness, RecordKind, RetrievalRef};

    fn network(id: &str, name: &str) -> KnownNetwork {
        KnownNetwork {
            home_community_id: id.into(),
            name: name.into(),
            ods_codes: vec!["X".into()],
            care_setting: "Radiology".into(),
        }
    }

    fn study(home: &str) -> HistoryRecord {
        HistoryRecord {
            id: "s1".into(),
            kind: RecordKind::ImagingStudy,
            date: Some("2024-01-02".into()),
            modality: Some("CT".into()),
            description: None,
            status: None,
            provider_name: None,
            provider_ods: Some("X".into()),
            care_setting: None,
            home_community_id: Some(home.into()),
            accession_number: None,
            study_uid: None,
            retrieval: RetrievalRef::WadoStudyMetadata { url: "u".into() },
            linked_study: None,
        }
    }

    #[test]
    fn statuses_per_network_and_verdict() {
        let known = [
            network("urn:oid:1", "North"),
            network("urn:oid:2", "East"),
            network("urn:oid:3", "South"),
        ];
        let query = HistoryQuery::for_patient("9000000017").unwrap();
        let failures = [NetworkFailure {
            home_community_id: "urn:oid:3".into(),
            name: Some("South".into()),
            status: NetworkStatus::Unavailable,
        }];
        let history = assemble(&query, &known, vec![study("urn:oid:1")], &failures);
        let statuses: Vec<_> = history.networks.iter().map(|n| n.status).collect();
        assert_eq!(
            statuses,
            [
                NetworkStatus::Answered,
                NetworkStatus::NoRecords,
                NetworkStatus::Unavailable
            ]
        );
        assert!(
            matches!(history.verdict, Completeness::Incomplete { ref why } if why.len() == 1 && why[0].contains("South"))
        );
    }

    #[test]
    fn whole_request_failures_mark_every_network() {
        let known = [network("urn:oid:1", "North")];
        let history =
            history_for_failure(&known, RegistryError::AccessDenied("NIR".into())).unwrap();
        assert_eq!(history.networks[0].status, NetworkStatus::AccessDenied);
        assert!(matches!(history.verdict, Completeness::Incomplete { .. }));
        assert_eq!(
            history_for_failure(&known, RegistryError::TokenExpired),
            Err(RegistryError::TokenExpired)
        );
        let unknown = history_for_failure(&[], RegistryError::Unavailable("NIR".into())).unwrap();
        assert!(matches!(unknown.verdict, Completeness::Incomplete { .. }));
    }
}
