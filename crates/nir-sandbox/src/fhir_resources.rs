//! FHIR resources the sandbox serves: NRL-v3-shaped DocumentReference pointers, the
//! DiagnosticReport and CarePlan documents they lead to, and OperationOutcomes (errors
//! with Spine codes, and the warning naming a network that did not answer).

use base64::Engine;
use serde_json::{json, Value};

use super::catalogue::{RecordRef, ReportDef, ReportKind, StudyDef};
use super::dicom_gen::pdf::text_pdf;
use super::networks::{Network, NETWORKS};
use super::patients::PATIENTS;
use super::record_types::{RecordType, SNOMED};
use super::SandboxState;

/// The Spine error-or-warning code system.
pub const SPINE_CODES: &str = "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode";
/// NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// ODS code identifier system.
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// An error OperationOutcome with a Spine code.
pub fn error_outcome(fhir_code: &str, spine_code: &str, display: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": fhir_code,
            "details": { "coding": [{ "system": SPINE_CODES, "version": "1", "code": spine_code, "display": display }] },
            "diagnostics": diagnostics,
        }]
    })
}

/// The searchset entry naming a network that did not answer.
pub fn unavailable_network_entry(network: &Network) -> Value {
    json!({
        "resource": {
            "resourceType": "OperationOutcome",
            "issue": [{
                "severity": "warning",
                "code": "timeout",
                "details": {
                    "coding": [{ "system": "urn:ietf:rfc:3986", "code": network.home_community_id, "display": network.name }],
                    "text": format!("{} did not respond", network.name),
                },
                "diagnostics": format!("No answer from the {} gateway within the time limit; results may be incomplete", network.name),
            }]
        },
        "search": { "mode": "outcome" }
    })
}

fn fhir_date(dicom_or_fhir: &str) -> String {
    let d = dicom_or_fhir.replace('-', "");
    if d.len() == 8 {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])
    } else {
        dicom_or_fhir.to_string()
    }
}

/// The pointer's date, `YYYY-MM-DD`.
pub fn record_date(state: &SandboxState, record: RecordRef) -> String {
    let raw = match record {
        RecordRef::Study(p, s) => state.catalogue.studies[p][s].date,
        RecordRef::Report(p, r) => state.catalogue.reports[p][r].date,
    };
    fhir_date(raw)
}

/// The network holding a record.
pub fn record_network(state: &SandboxState, record: RecordRef) -> usize {
    match record {
        RecordRef::Study(p, s) => state.catalogue.studies[p][s].network,
        RecordRef::Report(p, r) => state.catalogue.reports[p][r].network,
    }
}

/// The DocumentReference pointer of a record.
pub fn document_reference(state: &SandboxState, record: RecordRef) -> Value {
    let kind = RecordType::of(&state.catalogue, record);
    let network_index = record_network(state, record);
    let network = NETWORKS[network_index.min(NETWORKS.len() - 1)];
    let (patient, unique_id, description, url, content_type, format, related) = match record {
        RecordRef::Study(p, s) => {
            let study: &StudyDef = &state.catalogue.studies[p][s];
            (
                p,
                study.manifest_uid.clone(),
                format!("{} ({})", study.description, study.modality),
                format!(
                    "{}/studies/{}/metadata",
                    state.wado_base(network_index),
                    study.uid
                ),
                "application/dicom+json",
                json!({ "system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode", "code": "urn:ihe:rad:1.2.840.10008.5.1.4.1.1.88.59", "display": "KOS Document" }),
                related_identifiers(Some(&study.accession), Some(&study.uid)),
            )
        }
        RecordRef::Report(p, r) => {
            let report: &ReportDef = &state.catalogue.reports[p][r];
            let resource = if report.kind == ReportKind::CarePlan {
                "CarePlan"
            } else {
                "DiagnosticReport"
            };
            (
                p,
                report.unique_id.clone(),
                report.title.to_string(),
                format!(
                    "{}/{resource}/{}",
                    state.network_fhir_base(network_index),
                    report.id
                ),
                "application/fhir+json",
                json!({ "system": "https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode", "code": "urn:nhs-ic:structured", "display": "Structured Document" }),
                related_identifiers(report.accession.as_deref(), report.study_uid.as_deref()),
            )
        }
    };
    let nhs = PATIENTS.get(patient).map_or("", |p| p.nhs_number);
    let modality = match record {
        RecordRef::Study(p, s) => Some(state.catalogue.studies[p][s].modality),
        RecordRef::Report(..) => None,
    };
    let type_text = modality.map_or_else(|| description.clone(), |m| format!("{m}: {description}"));
    let mut pointer = json!({
        "resourceType": "DocumentReference",
        "id": format!("{}-{unique_id}", network.ods_code),
        "masterIdentifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:oid:{unique_id}") },
        "status": "current",
        "type": { "coding": [kind.coding()], "text": type_text },
        "category": [{ "coding": [kind.coding()] }],
        "subject": { "identifier": { "system": NHS_NUMBER_SYSTEM, "value": nhs } },
        "date": format!("{}T09:30:00+00:00", record_date(state, record)),
        "author": [{ "identifier": { "system": ODS_SYSTEM, "value": network.ods_code } }],
        "custodian": { "identifier": { "system": ODS_SYSTEM, "value": network.ods_code }, "display": network.name },
        "description": description,
        "content": [{
            "attachment": { "contentType": content_type, "url": url, "title": description },
            "format": format,
        }],
        "context": {
            "practiceSetting": { "coding": [{ "system": SNOMED, "code": network.practice_setting_code, "display": network.care_setting }], "text": network.care_setting },
            "related": related,
        },
    });
    // The report's own standing (composition-status) rides on the pointer as docStatus.
    if let RecordRef::Report(p, r) = record {
        let report = &state.catalogue.reports[p][r];
        if report.kind != ReportKind::CarePlan {
            pointer["docStatus"] = json!(report.status);
        }
    }
    pointer
}

fn related_identifiers(accession: Option<&str>, study_uid: Option<&str>) -> Value {
    let mut related = Vec::new();
    if let Some(accession) = accession {
        related.push(json!({ "identifier": {
            "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN" }] },
            "system": "urn:nir-sandbox:accession", "value": accession } }));
    }
    if let Some(uid) = study_uid {
        related.push(json!({ "identifier": { "system": "urn:dicom:uid", "value": format!("urn:oid:{uid}") } }));
    }
    Value::Array(related)
}

/// The DiagnosticReport (reports, MDT outcomes) or CarePlan behind a report pointer.
pub fn report_resource(report: &ReportDef) -> Value {
    let network = NETWORKS[report.network.min(NETWORKS.len() - 1)];
    let nhs = PATIENTS.get(report.patient).map_or("", |p| p.nhs_number);
    let kind = match report.kind {
        ReportKind::DiagnosticReport => RecordType::DiagnosticReport,
        ReportKind::MdtOutcome => RecordType::MdtOutcome,
        ReportKind::CarePlan => RecordType::CarePlan,
    };
    let subject = json!({ "identifier": { "system": NHS_NUMBER_SYSTEM, "value": nhs } });
    let performer = json!([{ "identifier": { "system": ODS_SYSTEM, "value": network.ods_code }, "display": network.name }]);
    let study_identifiers =
        related_identifiers(report.accession.as_deref(), report.study_uid.as_deref());
    let study_refs: Vec<Value> = study_identifiers
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| json!({ "identifier": r["identifier"] }))
                .collect()
        })
        .unwrap_or_default();
    if report.kind == ReportKind::CarePlan {
        return json!({
            "resourceType": "CarePlan",
            "id": report.id,
            "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:oid:{}", report.unique_id) }],
            "status": "active",
            "intent": "plan",
            "category": [{ "coding": [kind.coding()] }],
            "title": report.title,
            "description": report.text,
            "subject": subject,
            "created": report.date,
            "author": performer[0],
            "supportingInfo": study_refs,
        });
    }
    let mut resource = json!({
        "resourceType": "DiagnosticReport",
        "id": report.id,
        "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:oid:{}", report.unique_id) }],
        "basedOn": [],
        "status": report.status,
        "category": [{ "coding": [kind.coding()] }],
        "code": { "coding": [kind.coding()], "text": report.title },
        "subject": subject,
        "effectiveDateTime": report.date,
        "issued": format!("{}T12:00:00+00:00", report.date),
        "performer": performer,
        "imagingStudy": study_refs,
        "conclusion": report.text,
    });
    if let Some(accession) = &report.accession {
        if let Some(ids) = resource["identifier"].as_array_mut() {
            ids.push(json!({ "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN" }] }, "system": "urn:nir-sandbox:accession", "value": accession }));
        }
    }
    if report.with_pdf {
        let pdf = text_pdf(report.title, report.text);
        resource["presentedForm"] = json!([{
            "contentType": "application/pdf",
            "title": report.title,
            "data": base64::engine::general_purpose::STANDARD.encode(pdf),
        }]);
    }
    resource
}
