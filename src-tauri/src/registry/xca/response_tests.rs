//! Tests of the ITI-38 response reader against hand-written fixtures in
//! `tests/fixtures/xca/`: Success with a study and its report, PartialSuccess naming an
//! unavailable community, Failure with a registry error, and a SOAP fault.

use super::response::{parse_query_response, QueryAnswer, ResponseStatus};
use crate::registry::model::{KnownNetwork, NetworkStatus, RecordKind, RetrievalRef};

const SUCCESS: &[u8] = include_bytes!("../../../../tests/fixtures/xca/query-success.xml");
const PARTIAL: &[u8] = include_bytes!("../../../../tests/fixtures/xca/query-partial.xml");
const FAILURE: &[u8] = include_bytes!("../../../../tests/fixtures/xca/query-failure.xml");
const FAULT: &[u8] = include_bytes!("../../../../tests/fixtures/xca/fault-403.xml");

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
    let no_id = String::from_utf8_lossy(SUCCESS)
        .replace("urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab", "x");
    assert!(parse_query_response(no_id.as_bytes(), &[]).is_err());
}
