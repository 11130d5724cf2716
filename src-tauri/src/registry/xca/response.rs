//! Reading ITI-38 answers: the `AdhocQueryResponse` status (Success, PartialSuccess,
//! Failure), its `RegistryErrorList`, and each `ExtrinsicObject` turned into a history
//! record (type, date, modality, care setting, accession number and study UID from the
//! reference id list, and the ITI-39 coordinates to retrieve it). SOAP faults are read
//! too. Everything goes through the hardened XML reader.

use super::xml_tree::{self, Element};
use crate::registry::backend::NetworkFailure;
use crate::registry::model::{
    HistoryRecord, KnownNetwork, NetworkStatus, RecordKind, RetrievalRef,
};

const UNIQUE_ID_SCHEME: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
const CLASS_CODE_SCHEME: &str = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
const TYPE_CODE_SCHEME: &str = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
const PRACTICE_SETTING_SCHEME: &str = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead";
const EVENT_CODE_SCHEME: &str = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4";

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
    /// `location` (the community for XDSUnavailableCommunity).
    pub location: String,
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

impl QueryAnswer {
    /// Networks the registry errors say did not answer fully.
    pub fn failures(&self) -> Vec<NetworkFailure> {
        let QueryAnswer::Response { errors, .. } = self else {
            return Vec::new();
        };
        errors
            .iter()
            .filter(|e| e.location.starts_with("urn:oid:"))
            .map(|e| NetworkFailure {
                home_community_id: e.location.clone(),
                name: None,
                status: match e.code.as_str() {
                    "XDSUnavailableCommunity" | "XDSRegistryNotAvailable" | "XDSRegistryBusy" => {
                        NetworkStatus::Unavailable
                    }
                    _ => NetworkStatus::Error,
                },
            })
            .collect()
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
            });
        }
    }
    Ok((status, errors))
}

/// Parses an ITI-38 answer (the SOAP envelope or a bare `AdhocQueryResponse`).
pub fn parse_query_response(xml: &[u8], known: &[KnownNetwork]) -> Result<QueryAnswer, String> {
    let root = xml_tree::parse(xml)?;
    if let Some((code, reason)) = fault_of(&root) {
        return Ok(QueryAnswer::Fault { code, reason });
    }
    let response = if root.name == "AdhocQueryResponse" {
        &root
    } else {
        root.child("Body")
            .and_then(|b| b.child("AdhocQueryResponse"))
            .ok_or("no AdhocQueryResponse in the SOAP body")?
    };
    let (status, errors) = status_of(response)?;
    let mut records = Vec::new();
    if let Some(list) = response.child("RegistryObjectList") {
        for object in list.children_named("ExtrinsicObject") {
            records.push(record_from(object, known)?);
        }
    }
    Ok(QueryAnswer::Response {
        status,
        records,
        errors,
    })
}

fn slot_values<'a>(object: &'a Element, name: &str) -> Vec<&'a str> {
    object
        .children_named("Slot")
        .filter(|s| s.attr("name") == Some(name))
        .flat_map(|s| s.children_named("ValueList"))
        .flat_map(|l| l.children_named("Value"))
        .map(|v| v.text.trim())
        .collect()
}

fn classification<'a>(object: &'a Element, scheme: &str) -> Option<&'a Element> {
    object
        .children_named("Classification")
        .find(|c| c.attr("classificationScheme") == Some(scheme))
}

fn localized(element: Option<&Element>) -> Option<String> {
    element?
        .child("LocalizedString")?
        .attr("value")
        .map(str::to_string)
        .filter(|v| !v.is_empty())
}

fn dicom_date(value: &str) -> Option<String> {
    let digits = value.get(..8)?;
    chrono::NaiveDate::parse_from_str(digits, "%Y%m%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

fn record_from(object: &Element, known: &[KnownNetwork]) -> Result<HistoryRecord, String> {
    let document_id = object
        .children_named("ExternalIdentifier")
        .find(|e| e.attr("identificationScheme") == Some(UNIQUE_ID_SCHEME))
        .and_then(|e| e.attr("value"))
        .ok_or("an ExtrinsicObject has no XDSDocumentEntry.uniqueId")?
        .to_string();
    let home = object.attr("home").unwrap_or_default().to_string();
    let mime_type = object.attr("mimeType").unwrap_or_default().to_string();
    let repository_id = slot_values(object, "repositoryUniqueId")
        .first()
        .map(|s| s.to_string())
        .ok_or("an ExtrinsicObject has no repositoryUniqueId")?;
    let code_of =
        |scheme| classification(object, scheme).and_then(|c| c.attr("nodeRepresentation"));
    let kind = [CLASS_CODE_SCHEME, TYPE_CODE_SCHEME]
        .into_iter()
        .find_map(|s| code_of(s).and_then(RecordKind::from_snomed_code))
        .unwrap_or(if mime_type == "application/dicom" {
            RecordKind::ImagingStudy
        } else {
            RecordKind::DiagnosticReport
        });
    let modality = object
        .children_named("Classification")
        .filter(|c| c.attr("classificationScheme") == Some(EVENT_CODE_SCHEME))
        .find(|c| slot_values(c, "codingScheme").contains(&"1.2.840.10008.2.16.4"))
        .and_then(|c| c.attr("nodeRepresentation"))
        .map(str::to_string);
    let references = slot_values(object, "urn:ihe:iti:xds:2013:referenceIdList");
    let reference = |suffix: &str| {
        references
            .iter()
            .find(|r| r.ends_with(suffix))
            .and_then(|r| r.split('^').next())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let network = known.iter().find(|n| n.home_community_id == home);
    let date = ["creationTime", "serviceStartTime"]
        .into_iter()
        .find_map(|s| slot_values(object, s).first().and_then(|v| dicom_date(v)));
    Ok(HistoryRecord {
        id: document_id.clone(),
        kind,
        date,
        modality,
        description: localized(object.child("Description"))
            .or_else(|| localized(object.child("Name"))),
        provider_name: network.map(|n| n.name.clone()),
        provider_ods: network.and_then(|n| n.ods_codes.first().cloned()),
        care_setting: localized(
            classification(object, PRACTICE_SETTING_SCHEME).and_then(|c| c.child("Name")),
        )
        .or_else(|| network.map(|n| n.care_setting.clone())),
        home_community_id: (!home.is_empty()).then(|| home.clone()),
        accession_number: reference("urn:ihe:iti:xds:2013:accession"),
        study_uid: reference("urn:ihe:iti:xds:2016:studyInstanceUID"),
        retrieval: RetrievalRef::XcaDocument {
            home_community_id: home,
            repository_id,
            document_id,
            mime_type,
        },
        linked_study: None,
    })
}
