//! Retrieval and decode checks against any DICOMweb server: QIDO lists the studies, each
//! study's metadata is read, every series is retrieved over WADO-RS into memory and checked
//! (counts match the metadata, no duplicate SOP Instance UIDs, every instance belongs to the
//! study), and every image instance decodes.

use std::collections::HashSet;
use std::sync::Arc;

use dicom_dictionary_std::tags;
use tokio_util::sync::CancellationToken;

use super::{Check, Report};
use nir_core::dicomweb::accept::AcceptList;
use nir_core::dicomweb::{
    DicomWebClient, DicomWebError, Expectations, Resource, RetrieveOptions, RetrievedStudy,
    StudyLayout, StudyQuery,
};
use nir_core::error::UserFacing;
use nir_core::imaging::source::parse_dicom;
use nir_core::imaging::{decode_image, DecodeLimits};
use nir_core::net::{build_client, NetworkSettings, NoToken};
use nir_core::nhs_number::NhsNumber;
use tokio::sync::mpsc;

/// Runs the checks against `base` (the server's DICOMweb root).
pub async fn run(base: &str, report: &mut Report) {
    let Ok(base) = url::Url::parse(base) else {
        report.record(Check::fail("dicomweb: address", "not a valid URL"));
        return;
    };
    let http = match build_client(&NetworkSettings::default()) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail("dicomweb: client", error.to_string()));
            return;
        }
    };
    let client = DicomWebClient::new(http, Arc::new(NoToken));
    check_server(&client, &base, &StudyQuery::default(), "dicomweb", report).await;
}

/// Lists and checks every study of one server; `label` prefixes the check names.
pub async fn check_server(
    client: &DicomWebClient,
    base: &url::Url,
    query: &StudyQuery,
    label: &str,
    report: &mut Report,
) {
    let studies = match client.search_studies(base, query).await {
        Ok(studies) if !studies.is_empty() => {
            report.record(Check::pass(
                format!("{label}: list studies"),
                format!("{} studies", studies.len()),
            ));
            studies
        }
        Ok(_) => {
            report.record(Check::fail(
                format!("{label}: list studies"),
                "the server lists no study",
            ));
            return;
        }
        Err(error) => {
            report.record(Check::fail(
                format!("{label}: list studies"),
                error.user_message(),
            ));
            return;
        }
    };
    for (number, study) in studies.iter().enumerate() {
        let name = format!("{label}: study {}", number + 1);
        let layout = match with_trailing_slash(base)
            .join(&format!("studies/{}/metadata", study.study_uid))
        {
            Ok(url) => client.study_metadata(&url).await,
            Err(_) => {
                report.record(Check::fail(&name, "the study address is not valid"));
                continue;
            }
        };
        let patient = query
            .patient_id
            .as_deref()
            .and_then(|p| NhsNumber::parse(p).ok());
        match (layout, patient) {
            (Ok(layout), Some(nhs_number)) => {
                check_verified_study(client, &layout, nhs_number, &name, report).await
            }
            (Ok(layout), None) => check_study(client, &layout, &name, report).await,
            (Err(error), _) => report.record(Check::fail(
                format!("{name} metadata"),
                error.user_message(),
            )),
        }
    }
}

/// Retrieves a study of a known patient with every verification of the retrieval module
/// (patient, study, duplicates, counts, pixel data length), then decodes what was admitted.
async fn check_verified_study(
    client: &DicomWebClient,
    layout: &StudyLayout,
    nhs_number: NhsNumber,
    name: &str,
    report: &mut Report,
) {
    let study = match retrieve_verified(client, layout, nhs_number).await {
        Ok(study) => study,
        Err(error) => {
            report.record(Check::fail(
                format!("{name} retrieval"),
                error.user_message(),
            ));
            return;
        }
    };
    let expected = layout.instance_count();
    let received = study.instance_count();
    let warnings: Vec<&str> = study.warnings.iter().map(|w| w.message.as_str()).collect();
    let what = if warnings.is_empty() {
        "instances retrieved into memory and verified"
    } else {
        "instances admitted"
    };
    report.record(Check::expect(
        format!("{name} retrieval"),
        warnings.is_empty() && received == expected,
        counted(received, expected, what, &warnings),
    ));
    let mut tally = StudyTally {
        received,
        expected,
        images: 0,
        decoded: 0,
        problems: Vec::new(),
        decode_failures: Vec::new(),
    };
    let mut seen = HashSet::new();
    for series in &study.series {
        for instance in &series.instances {
            check_instance(&instance.bytes, layout, &mut seen, &mut tally);
        }
    }
    record_decode(name, &tally, report);
}

fn record_decode(name: &str, tally: &StudyTally, report: &mut Report) {
    report.record(Check::expect(
        format!("{name} decode"),
        tally.decode_failures.is_empty(),
        counted(
            tally.decoded,
            tally.images,
            "images decoded",
            &tally.decode_failures,
        ),
    ));
}

/// "`done` of `total` `what`", then the problems, if any, after a semicolon.
fn counted(done: usize, total: usize, what: &str, problems: &[impl AsRef<str>]) -> String {
    let counted = format!("{done} of {total} {what}");
    if problems.is_empty() {
        return counted;
    }
    let problems: Vec<&str> = problems.iter().map(AsRef::as_ref).collect();
    format!("{counted}; {}", problems.join("; "))
}

/// Retrieves a whole study into memory with every verification of the retrieval module, as
/// the viewer does (four instances at a time, a 4 GiB budget); progress is not watched.
pub async fn retrieve_verified(
    client: &DicomWebClient,
    layout: &StudyLayout,
    nhs_number: NhsNumber,
) -> Result<RetrievedStudy, DicomWebError> {
    let expectations = Expectations {
        nhs_number,
        study_uid: layout.study_uid.clone(),
    };
    let options = RetrieveOptions {
        current_series: None,
        current_index: 0,
        concurrency: 4,
        budget_bytes: 4 << 30,
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    client
        .retrieve_study(layout, &expectations, options, tx, CancellationToken::new())
        .await
}

fn with_trailing_slash(url: &url::Url) -> url::Url {
    let mut url = url.clone();
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    url
}

struct StudyTally {
    received: usize,
    expected: usize,
    images: usize,
    decoded: usize,
    problems: Vec<String>,
    decode_failures: Vec<String>,
}

/// Retrieves every series of `layout` into memory and checks and decodes what arrives.
pub async fn check_study(
    client: &DicomWebClient,
    layout: &StudyLayout,
    name: &str,
    report: &mut Report,
) {
    let cancel = CancellationToken::new();
    let mut tally = StudyTally {
        received: 0,
        expected: layout.instance_count(),
        images: 0,
        decoded: 0,
        problems: Vec::new(),
        decode_failures: Vec::new(),
    };
    let mut seen = HashSet::new();
    let study_url = with_trailing_slash(&layout.study_url);
    for series in &layout.series {
        let Ok(url) = study_url.join(&format!("series/{}", series.series_uid)) else {
            tally.problems.push("a series address is not valid".into());
            continue;
        };
        let parts = match client
            .fetch_all_parts(&url, Resource::Series, AcceptList::Instances, &cancel)
            .await
        {
            Ok(parts) => parts,
            Err(error) => {
                tally.problems.push(error.user_message());
                continue;
            }
        };
        if parts.len() != series.instances.len() {
            tally.problems.push(format!(
                "series {} returned {} instances, its metadata announced {}",
                series.number.map_or("?".into(), |n| n.to_string()),
                parts.len(),
                series.instances.len()
            ));
        }
        for part in parts {
            tally.received += 1;
            check_instance(&part.body, layout, &mut seen, &mut tally);
        }
    }
    let retrieval_ok = tally.problems.is_empty() && tally.received == tally.expected;
    let what = if retrieval_ok {
        "instances retrieved into memory and verified"
    } else {
        "instances"
    };
    report.record(Check::expect(
        format!("{name} retrieval"),
        retrieval_ok,
        counted(tally.received, tally.expected, what, &tally.problems),
    ));
    record_decode(name, &tally, report);
}

fn check_instance(
    bytes: &[u8],
    layout: &StudyLayout,
    seen: &mut HashSet<String>,
    tally: &mut StudyTally,
) {
    let object = match parse_dicom(bytes) {
        Ok(parsed) => parsed.dataset,
        Err(_) => {
            tally.problems.push("an instance is not valid DICOM".into());
            return;
        }
    };
    let text = |tag| {
        object
            .element(tag)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches('\0').trim().to_owned())
    };
    let sop = text(tags::SOP_INSTANCE_UID).unwrap_or_default();
    if !seen.insert(sop) {
        tally
            .problems
            .push("a SOP Instance UID arrived twice".into());
    }
    if text(tags::STUDY_INSTANCE_UID).as_deref() != Some(layout.study_uid.as_str()) {
        tally
            .problems
            .push("an instance belongs to another study".into());
    }
    if object.element(tags::PIXEL_DATA).is_err() {
        return;
    }
    tally.images += 1;
    match decode_image(bytes, &DecodeLimits::default(), None) {
        Ok(_) => tally.decoded += 1,
        Err(error) => tally.decode_failures.push(error.to_string()),
    }
}
