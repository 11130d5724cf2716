//! Reading ITI-38 answers (IHE ITI TF-2 §3.38.4.2, ITI TF-3 §4.2.4): the `AdhocQueryResponse`
//! status (Success, PartialSuccess, Failure), its `RegistryErrorList` read into the
//! communities that did not answer (see `community`), and every `ExtrinsicObject` turned into
//! a record (see `entry`), the WS-Addressing `RelatesTo` of the envelope, and SOAP faults.
//! Everything goes through the hardened XML reader.

use super::community::community_of;
use super::entry::record_from;
use super::xml_tree::{self, Element};
use crate::registry::backend::{NetworkFailure, UNNAMED_COMMUNITY};
use crate::registry::model::{HistoryRecord, KnownNetwork, NetworkStatus};

/// Overall status of a registry response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    /// Everything answered.
    Success,
    /// Some communities did not.
    PartialSuccess,
    /// The query failed.
    Failure,
}

/// One `rs:RegistryError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryErrorEntry {
    /// `errorCode`.
    pub code: String,
    /// `codeContext`.
    pub context: String,
    /// `location` (the community's home community id, by ITI TF-2 §3.38.4.1.3).
    pub location: String,
    /// Whether `severity` is Warning rather than Error.
    pub warning: bool,
}

/// A parsed ITI-38 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryAnswer {
    /// An `AdhocQueryResponse`.
    Response {
        /// Status.
        status: ResponseStatus,
        /// Records.
        records: Vec<HistoryRecord>,
        /// Registry errors.
        errors: Vec<RegistryErrorEntry>,
    },
    /// A SOAP fault.
    Fault {
        /// The subcode value (or code value).
        code: String,
        /// Reason text.
        reason: String,
    },
}

/// Error codes meaning a community (or its registry) could not be heard from.
const UNAVAILABLE_CODES: [&str; 4] = [
    "XDSUnavailableCommunity",
    "XDSRegistryNotAvailable",
    "XDSRegistryBusy",
    "XDSRegistryOutOfResources",
];

impl QueryAnswer {
    /// The communities the registry errors say did not answer fully. An error naming no
    /// community still counts, as an unnamed community (empty id), when it says a community
    /// was unavailable or comes with a PartialSuccess. `XDSUnknownPatientId` is no failure
    /// (the community does not know the patient: ITI TF-2 §3.38.4.1.2.2), nor is a warning.
    pub fn failures(&self) -> Vec<NetworkFailure> {
        let QueryAnswer::Response {
            status: answer_status,
            errors,
            ..
        } = self
        else {
            return Vec::new();
        };
        let mut failures: Vec<NetworkFailure> = Vec::new();
        for error in errors {
            let unavailable = UNAVAILABLE_CODES.contains(&error.code.as_str());
            if error.code == "XDSUnknownPatientId" || (error.warning && !unavailable) {
                continue;
            }
            let status = if unavailable {
                NetworkStatus::Unavailable
            } else {
                NetworkStatus::Error
            };
            let failure = match community_of(&error.location, &error.context) {
                Some((home_community_id, name)) => NetworkFailure {
                    home_community_id,
                    name,
                    status,
                },
                None if unavailable || *answer_status == ResponseStatus::PartialSuccess => {
                    NetworkFailure {
                        home_community_id: String::new(),
                        name: Some(UNNAMED_COMMUNITY.into()),
                        status,
                    }
                }
                None => continue,
            };
            if let Some(same) = failures
                .iter_mut()
                .find(|f| f.home_community_id == failure.home_community_id)
            {
                same.name = same.name.take().or(failure.name);
            } else {
                failures.push(failure);
            }
        }
        if failures.is_empty() && *answer_status == ResponseStatus::PartialSuccess {
            failures.push(NetworkFailure {
                home_community_id: String::new(),
                name: Some(UNNAMED_COMMUNITY.into()),
                status: NetworkStatus::Unavailable,
            });
        }
        failures
    }
}

/// Reads a SOAP fault out of an envelope, if the body holds one.
pub fn fault_of(root: &Element) -> Option<(String, String)> {
    let fault = root.child("Body")?.child("Fault")?;
    let code = fault.child("Code");
    let value = code
        .and_then(|c| c.child("Subcode"))
        .and_then(|s| s.child("Value"))
        .or_else(|| code.and_then(|c| c.child("Value")))
        .map(|v| v.text.trim().to_string())
        .unwrap_or_default();
    let reason = fault
        .find("Text")
        .map(|t| t.text.trim().to_string())
        .unwrap_or_default();
    Some((
        value.rsplit(':').next().unwrap_or_default().to_string(),
        reason,
    ))
}

/// Reads the registry status and errors of a `RegistryResponse`/`AdhocQueryResponse`.
pub fn status_of(element: &Element) -> Result<(ResponseStatus, Vec<RegistryErrorEntry>), String> {
    let status = match element.attr("status").and_then(|s| s.rsplit(':').next()) {
        Some("Success") => ResponseStatus::Success,
        Some("PartialSuccess") => ResponseStatus::PartialSuccess,
        Some("Failure") => ResponseStatus::Failure,
        other => return Err(format!("unknown registry status {other:?}")),
    };
    let mut errors = Vec::new();
    if let Some(list) = element.child("RegistryErrorList") {
        for error in list.children_named("RegistryError") {
            errors.push(RegistryErrorEntry {
                code: error
                    .attr("errorCode")
                    .ok_or("a RegistryError has no errorCode")?
                    .to_string(),
                context: error.attr("codeContext").unwrap_or_default().to_string(),
                location: error.attr("location").unwrap_or_default().to_string(),
                warning: error
                    .attr("severity")
                    .is_some_and(|s| s.ends_with(":Warning")),
            });
        }
    }
    Ok((status, errors))
}

/// The WS-Addressing `RelatesTo` of an envelope's header, if it has one.
pub fn relates_to(root: &Element) -> Option<String> {
    root.child("Header")?
        .child("RelatesTo")
        .map(|r| r.text.trim().to_string())
}

/// Parses an ITI-38 answer (the SOAP envelope or a bare `AdhocQueryResponse`).
pub fn parse_query_response(xml: &[u8], known: &[KnownNetwork]) -> Result<QueryAnswer, String> {
    parse_query_envelope(xml, known).map(|(answer, _)| answer)
}

/// Parses an ITI-38 answer and returns it with the envelope's `RelatesTo`.
pub fn parse_query_envelope(
    xml: &[u8],
    known: &[KnownNetwork],
) -> Result<(QueryAnswer, Option<String>), String> {
    let root = xml_tree::parse(xml)?;
    let relates = relates_to(&root);
    if let Some((code, reason)) = fault_of(&root) {
        return Ok((QueryAnswer::Fault { code, reason }, relates));
    }
    let response = if root.name == "AdhocQueryResponse" {
        &root
    } else {
        root.child("Body")
            .and_then(|b| b.child("AdhocQueryResponse"))
            .ok_or("no AdhocQueryResponse in the SOAP body")?
    };
    let (status, errors) = status_of(response)?;
    let records = response
        .child("RegistryObjectList")
        .map(|list| {
            list.children_named("ExtrinsicObject")
                .enumerate()
                .map(|(index, object)| record_from(object, index, known))
                .collect()
        })
        .unwrap_or_default();
    Ok((
        QueryAnswer::Response {
            status,
            records,
            errors,
        },
        relates,
    ))
}
