//! One `ExtrinsicObject` of an ITI-38 answer turned into a history record: type, date,
//! modality, care setting, accession number and study UID from the reference id list, and the
//! ITI-39 coordinates to fetch it (IHE ITI TF-3 §4.2.3.2: `uniqueId`, `repositoryUniqueId`,
//! and the `home` attribute every entry carries per ITI TF-2 §3.38.4.1.3). An entry missing
//! one of those coordinates is still a record the registry holds: it is kept, marked as
//! one that cannot be opened with the reason, so one imperfect entry never hides the others.
//! Who holds it is named by the configured network for its home community, else by the
//! `authorInstitution` the entry itself gives.

use super::community::normalise_community_id;
use super::xml_tree::Element;
use crate::registry::model::{HistoryRecord, KnownNetwork, RecordKind, RetrievalRef};

const UNIQUE_ID_SCHEME: &str = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
const CLASS_CODE_SCHEME: &str = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
const TYPE_CODE_SCHEME: &str = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
const PRACTICE_SETTING_SCHEME: &str = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead";
const EVENT_CODE_SCHEME: &str = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4";
/// DICOM's coding scheme for modalities (DCM, as an OID).
const DCM_SCHEME: &str = "1.2.840.10008.2.16.4";

/// The values of the slot `name` of `object`, trimmed.
pub fn slot_values<'a>(object: &'a Element, name: &str) -> Vec<&'a str> {
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
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn dicom_date(value: &str) -> Option<String> {
    let digits = value.get(..8)?;
    chrono::NaiveDate::parse_from_str(digits, "%Y%m%d")
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// The organisation name (XON.1) of the entry's first `authorInstitution`.
fn author_institution(object: &Element) -> Option<String> {
    slot_values(object, "authorInstitution")
        .into_iter()
        .chain(
            object
                .children_named("Classification")
                .flat_map(|c| slot_values(c, "authorInstitution")),
        )
        .find_map(|xon| {
            xon.split('^')
                .next()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        })
}

/// What is missing for ITI-39, in words, or `None` when the entry can be fetched.
fn missing_coordinates(
    document_id: Option<&str>,
    repository: Option<&str>,
    home: &str,
) -> Option<String> {
    let mut missing = Vec::new();
    if document_id.is_none() {
        missing.push("no document identifier (uniqueId)");
    }
    if repository.is_none() {
        missing.push("no repository (repositoryUniqueId)");
    }
    if home.is_empty() {
        missing.push("no home community");
    }
    (!missing.is_empty()).then(|| format!("the registry's entry gives {}", missing.join(", ")))
}

/// The record for one `ExtrinsicObject`; `index` (its position in the answer) names it when
/// the entry carries no identifier at all.
pub fn record_from(object: &Element, index: usize, known: &[KnownNetwork]) -> HistoryRecord {
    let document_id = object
        .children_named("ExternalIdentifier")
        .find(|e| e.attr("identificationScheme") == Some(UNIQUE_ID_SCHEME))
        .and_then(|e| e.attr("value"))
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let home = object
        .attr("home")
        .map(normalise_community_id)
        .unwrap_or_default();
    let mime_type = object
        .attr("mimeType")
        .unwrap_or_default()
        .trim()
        .to_string();
    let repository = slot_values(object, "repositoryUniqueId")
        .into_iter()
        .find(|v| !v.is_empty());
    let id = document_id
        .or_else(|| object.attr("id").map(str::trim).filter(|v| !v.is_empty()))
        .map_or_else(|| format!("entry-{}", index + 1), str::to_string);
    let retrieval = match (
        missing_coordinates(document_id, repository, &home),
        document_id,
        repository,
    ) {
        (None, Some(document_id), Some(repository_id)) => RetrievalRef::XcaDocument {
            home_community_id: home.clone(),
            repository_id: repository_id.to_string(),
            document_id: document_id.to_string(),
            mime_type: mime_type.clone(),
        },
        (reason, _, _) => RetrievalRef::Unopenable {
            reason: reason.unwrap_or_else(|| "the registry's entry is incomplete".into()),
        },
    };
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
        .find(|c| slot_values(c, "codingScheme").contains(&DCM_SCHEME))
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
    let network = known
        .iter()
        .find(|n| !home.is_empty() && normalise_community_id(&n.home_community_id) == home);
    let date = ["creationTime", "serviceStartTime"]
        .into_iter()
        .find_map(|s| slot_values(object, s).first().and_then(|v| dicom_date(v)));
    HistoryRecord {
        id,
        kind,
        date,
        modality,
        description: localized(object.child("Description"))
            .or_else(|| localized(object.child("Name"))),
        status: None,
        provider_name: network
            .map(|n| n.name.clone())
            .or_else(|| author_institution(object)),
        provider_ods: network.and_then(|n| n.ods_codes.first().cloned()),
        care_setting: localized(
            classification(object, PRACTICE_SETTING_SCHEME).and_then(|c| c.child("Name")),
        )
        .or_else(|| {
            network
                .map(|n| n.care_setting.clone())
                .filter(|c| !c.is_empty())
        }),
        home_community_id: (!home.is_empty()).then(|| home.clone()),
        accession_number: reference("urn:ihe:iti:xds:2013:accession"),
        study_uid: reference("urn:ihe:iti:xds:2016:studyInstanceUID"),
        retrieval,
        linked_study: None,
    }
}
