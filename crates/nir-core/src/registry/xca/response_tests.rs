//! Tests of the ITI-38 response reader against hand-written fixtures in
//! `tests/fixtures/xca/`: Success with a study and its report, PartialSuccess naming an
//! unavailable community (by `location`, by `codeContext`, or not at all), entries missing
//! what ITI-39 needs (kept, as records that cannot be opened), Failure with a registry
//! error, and a SOAP fault.

use super::response::{parse_query_envelope, parse_query_response, QueryAnswer, ResponseStatus};
use crate::registry::backend::{assemble, UNNAMED_COMMUNITY};
use crate::registry::model::{Completeness, KnownNetwork, NetworkStatus, RecordKind, RetrievalRef};
use crate::registry::query::HistoryQuery;

const SUCCESS: &[u8] = include_bytes!("../../../../../tests/fixtures/xca/query-success.xml");
const PARTIAL: &[u8] = include_bytes!("../../../../../tests/fixtures/xca/query-partial.xml");
const FAILURE: &[u8] = include_bytes!("../../../../../tests/fixtures/xca/query-failure.xml");
const FAULT: &[u8] = include_bytes!("../../../../../tests/fixtures/xca/fault-403.xml");
const IMPERFECT: &[u8] =
    include_bytes!("../../../../../tests/fixtures/xca/query-imperfect-entry.xml");
const BARE: &[u8] =
    include_bytes!("../../../../../tests/fixtures/xca/query-bare-no-repository.xml");

fn north() -> KnownNetwork {
    KnownNetwork {
        home_community_id: "urn:oid:2.999.20.1".into(),
        name: "North".into(),
        ods_codes: vec!["RN1".into()],
        care_setting: "Acute".into(),
    }
}

#[test]
fn reads_a_success_response() {
    let QueryAnswer::Response {
        status,
        records,
        errors,
    } = parse_query_response(SUCCESS, &[north()]).unwrap()
    else {
        panic!("expected a response");
    };
    assert_eq!(status, ResponseStatus::Success);
    assert!(errors.is_empty());
    assert_eq!(records.len(), 2);
    let study = &records[0];
    assert_eq!(study.kind, RecordKind::ImagingStudy);
    assert_eq!(study.id, "2.999.8.1.1");
    assert_eq!(study.date.as_deref(), Some("2021-03-14"));
    assert_eq!(study.modality.as_deref(), Some("MR"));
    assert_eq!(study.description.as_deref(), Some("MR knee, left"));
    assert_eq!(study.care_setting.as_deref(), Some("Radiology"));
    assert_eq!(study.provider_ods.as_deref(), Some("RN1"));
    assert_eq!(study.accession_number.as_deref(), Some("TEST0001"));
    assert_eq!(study.study_uid.as_deref(), Some("2.999.9.1.1"));
    assert_eq!(
        study.retrieval,
        RetrievalRef::XcaDocument {
            home_community_id: "urn:oid:2.999.20.1".into(),
            repository_id: "2.999.20.1.9".into(),
            document_id: "2.999.8.1.1".into(),
            mime_type: "application/dicom".into(),
        }
    );
    assert_eq!(records[1].kind, RecordKind::DiagnosticReport);
    assert_eq!(records[1].accession_number.as_deref(), Some("TEST0001"));
}

#[test]
fn reads_partial_success_and_failure() {
    let partial = parse_query_response(PARTIAL, &[]).unwrap();
    let failures = partial.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].home_community_id, "urn:oid:2.999.20.3");
    assert_eq!(failures[0].status, NetworkStatus::Unavailable);
    assert!(matches!(
        partial,
        QueryAnswer::Response {
            status: ResponseStatus::PartialSuccess,
            ..
        }
    ));
    let QueryAnswer::Response { status, errors, .. } = parse_query_response(FAILURE, &[]).unwrap()
    else {
        panic!("expected a response");
    };
    assert_eq!(status, ResponseStatus::Failure);
    assert_eq!(errors[0].code, "XDSRegistryError");
}

#[test]
fn reads_a_fault_and_rejects_malformed_xml() {
    assert_eq!(
        parse_query_response(FAULT, &[]).unwrap(),
        QueryAnswer::Fault {
            code: "ACCESS_DENIED".into(),
            reason: "Not permitted".into()
        }
    );
    for bad in [
        &b"<Envelope><Body><AdhocQueryResponse status=\"odd\"/></Body></Envelope>"[..],
        b"<Envelope><Body/></Envelope>",
        b"<!DOCTYPE x><Envelope/>",
        b"not xml at all <",
    ] {
        assert!(parse_query_response(bad, &[]).is_err());
    }
}

fn records_of(answer: QueryAnswer) -> Vec<crate::registry::model::HistoryRecord> {
    match answer {
        QueryAnswer::Response { records, .. } => records,
        QueryAnswer::Fault { .. } => panic!("expected a response"),
    }
}

#[test]
fn an_imperfect_entry_is_kept_as_a_record_that_cannot_be_opened() {
    let records = records_of(parse_query_response(IMPERFECT, &[north()]).unwrap());
    assert_eq!(records.len(), 3);
    assert!(matches!(
        records[0].retrieval,
        RetrievalRef::XcaDocument { ref repository_id, .. } if repository_id == "2.999.20.1.9"
    ));
    let report = &records[1];
    assert_eq!(report.id, "2.999.7.2.1");
    assert_eq!(report.date.as_deref(), Some("2022-01-02"));
    assert_eq!(report.provider_name.as_deref(), Some("North"));
    assert_eq!(
        report.home_community_id.as_deref(),
        Some("urn:oid:2.999.20.1")
    );
    let reason = report.retrieval.unopenable_reason().unwrap();
    assert!(reason.contains("repositoryUniqueId"), "{reason}");
    let letter = &records[2];
    assert_eq!(letter.id, "urn:uuid:bbbbbbbb-0000-4000-8000-000000000003");
    assert_eq!(
        letter.provider_name.as_deref(),
        Some("Example Community Hospital")
    );
    assert_eq!(letter.home_community_id, None);
    let reason = letter.retrieval.unopenable_reason().unwrap();
    assert!(
        reason.contains("uniqueId") && reason.contains("home community"),
        "{reason}"
    );

    let query = HistoryQuery::for_patient("9912003888").unwrap();
    let history = assemble(&query, &[north()], records, &[]);
    assert_eq!(history.records.len(), 3);
    assert_eq!(history.verdict, Completeness::Complete);
    assert_eq!(history.networks.len(), 1);
    assert_eq!(history.networks[0].status, NetworkStatus::Answered);
    assert_eq!(history.networks[0].unopenable_records, 1);
    assert!(history.networks[0]
        .reason
        .contains("1 of its records cannot be opened"));
}

#[test]
fn the_shape_of_nirs_sample_response_gives_one_unopenable_record() {
    let records = records_of(parse_query_response(BARE, &[north()]).unwrap());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, "2.999.7.3.1");
    assert_eq!(records[0].kind, RecordKind::DiagnosticReport);
    assert_eq!(
        records[0].provider_name.as_deref(),
        Some("Riverside Imaging Centre")
    );
    assert!(records[0].retrieval.unopenable_reason().is_some());
}

fn partial_with(location: &str, context: &str) -> Vec<u8> {
    String::from_utf8_lossy(PARTIAL)
        .replace(
            "location=\"urn:oid:2.999.20.3\"",
            &format!("location=\"{location}\""),
        )
        .replace("Community gateway did not respond", context)
        .into_bytes()
}

#[test]
fn the_failed_community_is_found_wherever_the_answer_puts_it() {
    let failures = parse_query_response(
        &partial_with(
            "Gateway.java:88",
            "South Imaging (urn:oid:2.999.20.3) timed out",
        ),
        &[],
    )
    .unwrap()
    .failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].home_community_id, "urn:oid:2.999.20.3");
    assert_eq!(failures[0].name.as_deref(), Some("South Imaging"));

    let unnamed = parse_query_response(&partial_with("", "A community did not respond"), &[])
        .unwrap()
        .failures();
    assert_eq!(unnamed.len(), 1);
    assert_eq!(unnamed[0].home_community_id, "");
    assert_eq!(unnamed[0].name.as_deref(), Some(UNNAMED_COMMUNITY));
    assert_eq!(unnamed[0].status, NetworkStatus::Unavailable);

    let query = HistoryQuery::for_patient("9912003888").unwrap();
    let history = assemble(&query, &[north()], Vec::new(), &unnamed);
    let Completeness::Incomplete { why } = &history.verdict else {
        panic!("an unnamed failure must make the history incomplete");
    };
    assert_eq!(why.len(), 1);
    assert!(why[0].contains("did not answer"), "{why:?}");
    assert_eq!(history.networks[0].status, NetworkStatus::NoRecords);
}

#[test]
fn unknown_patients_and_warnings_are_no_failures() {
    let unknown = String::from_utf8_lossy(&partial_with("urn:oid:2.999.20.3", "x"))
        .replace("XDSUnavailableCommunity", "XDSUnknownPatientId")
        .replace("PartialSuccess", "Success");
    assert!(parse_query_response(unknown.as_bytes(), &[])
        .unwrap()
        .failures()
        .is_empty());
    let warning = String::from_utf8_lossy(&partial_with("urn:oid:2.999.20.3", "x"))
        .replace("XDSUnavailableCommunity", "XDSRegistryError")
        .replace("ErrorSeverityType:Error", "ErrorSeverityType:Warning")
        .replace("PartialSuccess", "Success");
    assert!(parse_query_response(warning.as_bytes(), &[])
        .unwrap()
        .failures()
        .is_empty());
}

#[test]
fn relates_to_is_read_from_the_header() {
    let (_, relates) = parse_query_envelope(SUCCESS, &[]).unwrap();
    assert_eq!(
        relates.as_deref(),
        Some("urn:uuid:5d1c7e3a-0000-4000-8000-000000000002")
    );
    let (_, none) = parse_query_envelope(PARTIAL, &[]).unwrap();
    assert_eq!(none, None);
}
