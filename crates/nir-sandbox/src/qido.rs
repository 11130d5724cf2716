//! QIDO-RS per network: study search (PatientID, StudyInstanceUID, AccessionNumber,
//! ModalitiesInStudy, StudyDate ranges), series and instance listings of a study, as
//! DICOM JSON. A network only lists the studies it holds.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::auth_gate::{unauthorized, TokenUse};
use super::catalogue::{hidden_network, StudyDef};
use super::dicom_gen::header::instance_header;
use super::dicom_json::to_dicom_json;
use super::networks::network_index;
use super::patients::PATIENTS;
use super::wado::{error, instance_ref, instance_url, Selection};
use super::{scenarios, SandboxState};

fn dicom_json_response(values: Vec<Value>) -> Response {
    let mut response = (StatusCode::OK, Value::Array(values).to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/dicom+json"),
    );
    response
}

fn s(vr: &str, value: &str) -> Value {
    if value.is_empty() {
        json!({ "vr": vr })
    } else {
        json!({ "vr": vr, "Value": [value] })
    }
}

fn n(vr: &str, value: usize) -> Value {
    json!({ "vr": vr, "Value": [value] })
}

/// Whether a DICOM date matches a QIDO date or range (`A`, `A-B`, `-B`, `A-`).
pub fn date_matches(date: &str, query: &str) -> bool {
    match query.split_once('-') {
        Some((from, to)) => (from.is_empty() || date >= from) && (to.is_empty() || date <= to),
        None => date == query,
    }
}

fn study_json(state: &SandboxState, study: &StudyDef) -> Value {
    let patient = PATIENTS.get(study.patient).copied().unwrap_or(PATIENTS[0]);
    let mut modalities: Vec<&str> = study.series.iter().map(|s| s.modality).collect();
    modalities.dedup();
    let instances: u32 = study.series.iter().map(|s| s.instances).sum();
    json!({
        "00080020": s("DA", study.date),
        "00080030": s("TM", "093000"),
        "00080050": s("SH", &study.accession),
        "00080056": s("CS", "ONLINE"),
        "00080061": { "vr": "CS", "Value": modalities },
        "00081030": s("LO", study.description),
        "00081190": s("UR", &format!("{}/studies/{}", state.wado_base(study.network), study.uid)),
        "00100010": { "vr": "PN", "Value": [{ "Alphabetic": patient.dicom_name }] },
        "00100020": s("LO", patient.nhs_number),
        "00100021": s("LO", "NHS"),
        "00100030": s("DA", patient.birth_date),
        "00100040": s("CS", patient.sex),
        "0020000D": s("UI", &study.uid),
        "00200010": s("SH", "1"),
        "00201206": n("IS", study.series.len()),
        "00201208": n("IS", instances as usize),
    })
}

/// `GET W/studies?...`
pub async fn studies(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(network) = params.get("network").and_then(|n| network_index(n)) else {
        return error(StatusCode::NOT_FOUND, "no such network");
    };
    let known = [
        "PatientID",
        "StudyInstanceUID",
        "AccessionNumber",
        "ModalitiesInStudy",
        "StudyDate",
        "limit",
        "offset",
        "includefield",
        "fuzzymatching",
    ];
    if let Some(unknown) = query
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !k.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("unsupported query key {unknown}"),
        );
    }
    let mut found = Vec::new();
    for study in state.catalogue.studies.iter().flatten() {
        let patient = PATIENTS.get(study.patient).map_or("", |p| p.nhs_number);
        let keep = study.network == network
            && hidden_network(study.patient) != Some(network)
            && query.get("PatientID").is_none_or(|v| v == patient)
            && query
                .get("StudyInstanceUID")
                .is_none_or(|v| v.split(',').any(|u| u == study.uid))
            && query
                .get("AccessionNumber")
                .is_none_or(|v| *v == study.accession)
            && query.get("ModalitiesInStudy").is_none_or(|v| {
                v.split(',')
                    .any(|m| study.series.iter().any(|s| s.modality == m))
            })
            && query
                .get("StudyDate")
                .is_none_or(|v| date_matches(study.date, v));
        if keep {
            found.push(study);
        }
    }
    if found
        .iter()
        .any(|study| scenarios::token_expired(study.patient, token))
    {
        return unauthorized("invalid_token", "The access token expired");
    }
    let offset = query
        .get("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0usize);
    let limit = query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    dicom_json_response(
        found
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|st| study_json(&state, st))
            .collect(),
    )
}

/// `GET W/studies/{study}/series`
pub async fn series(State(state): State<Arc<SandboxState>>, sel: Selection) -> Response {
    let study = &state.catalogue.studies[sel.patient][sel.study_index];
    let values = study
        .series
        .iter()
        .map(|series| {
            json!({
                "00080060": s("CS", series.modality),
                "0008103E": s("LO", series.description),
                "00081190": s("UR", &format!("{}/studies/{}/series/{}", state.wado_base(study.network), study.uid, series.uid)),
                "0020000D": s("UI", &study.uid),
                "0020000E": s("UI", &series.uid),
                "00200011": n("IS", series.number as usize),
                "00201209": n("IS", series.instances as usize),
            })
        })
        .collect();
    dicom_json_response(values)
}

/// `GET W/studies/{study}/series/{series}/instances`
pub async fn instances(State(state): State<Arc<SandboxState>>, sel: Selection) -> Response {
    let values = sel
        .instances
        .iter()
        .filter_map(|item| instance_ref(&state, sel.study_at(), *item))
        .map(|at| {
            let mut json = to_dicom_json(&instance_header(at));
            json["00081190"] = s("UR", &instance_url(&state, at));
            json
        })
        .collect();
    dicom_json_response(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges() {
        assert!(date_matches("20200101", "20200101"));
        assert!(date_matches("20200101", "20190101-20210101"));
        assert!(date_matches("20200101", "-20200101"));
        assert!(date_matches("20200101", "20200101-"));
        assert!(!date_matches("20200101", "20200102-"));
    }
}
