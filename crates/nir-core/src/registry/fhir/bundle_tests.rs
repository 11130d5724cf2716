//! Tests of the Bundle and OperationOutcome readers: hand-written pages in the sandbox's
//! shape and every real NRL v3 sample in the shared fixtures.

use std::path::PathBuf;

use super::bundle::{parse_bundle, NextPage};
use super::outcome::{error_for_status, parse_operation_outcome};
use crate::registry::error::RegistryError;
use crate::registry::model::{NetworkStatus, RecordKind, RetrievalRef};
use crate::registry::DocumentStatus;

fn nrl_dir() -> PathBuf {
    let shared = std::env::var_os("NIR_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    shared.join("fixtures/nir/nrl-v3")
}

const PAGE: &str = r#"{"resourceType":"Bundle","type":"searchset","total":3,
 "link":[{"relation":"self","url":"http://127.0.0.1/fhir/R4/DocumentReference/_search"},
         {"relation":"next","url":"http://127.0.0.1/fhir/R4/DocumentReference?_page=abc"}],
 "entry":[
  {"resource":{"resourceType":"DocumentReference","id":"RX1-1",
    "extension":[{"url":"https://fhir.nhs.uk/StructureDefinition/Extension-NIR-HomeCommunityId","valueUri":"urn:oid:2.999.1"}],
    "masterIdentifier":{"system":"urn:ietf:rfc:3986","value":"urn:oid:2.999.3.1"},
    "type":{"coding":[{"system":"http://snomed.info/sct","code":"721981007"}],"text":"CT: CT chest"},
    "category":[{"coding":[{"system":"http://snomed.info/sct","code":"721981007"}]}],
    "date":"2023-05-06T09:30:00+00:00",
    "custodian":{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"RX1"},"display":"North Imaging Network"},
    "description":"CT chest (CT)",
    "content":[{"attachment":{"contentType":"application/dicom+json","url":"http://127.0.0.1/networks/north/dicomweb/studies/1.2.3/metadata"}}],
    "context":{"practiceSetting":{"text":"Radiology"},"related":[
      {"identifier":{"type":{"coding":[{"code":"ACSN"}]},"system":"urn:x:accession","value":"ACC1"}},
      {"identifier":{"system":"urn:dicom:uid","value":"urn:oid:1.2.3"}}]}},
   "search":{"mode":"match"}},
  {"resource":{"resourceType":"DocumentReference","id":"RX1-2",
    "masterIdentifier":{"value":"urn:oid:2.999.4.1"},
    "status":"current","docStatus":"amended",
    "category":[{"coding":[{"code":"4201000179104"}]}],
    "date":"2023-05-07",
    "content":[{"attachment":{"contentType":"application/fhir+json","url":"http://127.0.0.1/networks/north/fhir/DiagnosticReport/r1"}}],
    "context":{"related":[{"identifier":{"system":"urn:x:accession","value":"ACC1"}}]}}},
  {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"timeout",
    "details":{"coding":[{"system":"urn:ietf:rfc:3986","code":"urn:oid:2.999.3","display":"South Imaging Network"}],"text":"South did not respond"}}]},
   "search":{"mode":"outcome"}}]}"#;

#[test]
fn reads_records_outcomes_and_next_link() {
    let page = parse_bundle(PAGE.as_bytes(), &[]).unwrap();
    assert_eq!(page.records.len(), 2);
    let study = &page.records[0];
    assert_eq!(study.id, "2.999.3.1");
    assert_eq!(study.kind, RecordKind::ImagingStudy);
    assert_eq!(study.modality.as_deref(), Some("CT"));
    assert_eq!(study.date.as_deref(), Some("2023-05-06"));
    assert_eq!(study.provider_ods.as_deref(), Some("RX1"));
    assert_eq!(
        study.provider_name.as_deref(),
        Some("North Imaging Network")
    );
    assert_eq!(study.care_setting.as_deref(), Some("Radiology"));
    assert_eq!(study.home_community_id.as_deref(), Some("urn:oid:2.999.1"));
    assert_eq!(study.accession_number.as_deref(), Some("ACC1"));
    assert_eq!(study.study_uid.as_deref(), Some("1.2.3"));
    assert!(
        matches!(study.retrieval, RetrievalRef::WadoStudyMetadata { ref url } if url.ends_with("/studies/1.2.3/metadata"))
    );
    let report = &page.records[1];
    assert_eq!(report.kind, RecordKind::DiagnosticReport);
    // docStatus is the report's own status; the pointer's `status` (current) is not it.
    assert_eq!(report.status, Some(DocumentStatus::Amended));
    assert_eq!(study.status, None);
    assert!(
        matches!(report.retrieval, RetrievalRef::FhirDocument { ref content_type, .. } if content_type == "application/fhir+json")
    );
    assert_eq!(page.failures.len(), 1);
    assert_eq!(page.failures[0].home_community_id, "urn:oid:2.999.3");
    assert_eq!(page.failures[0].status, NetworkStatus::TimedOut);
    assert_eq!(
        page.next,
        Some(NextPage::Link(
            "http://127.0.0.1/fhir/R4/DocumentReference?_page=abc".into()
        ))
    );
}

/// A pointer the way NRL v3 shapes them: the source only in `custodian` and `author`.
fn nrl_pointer(id: &str, custodian: Option<&str>, author: Option<&str>) -> String {
    let ods = |code: &str| {
        format!(
            r#"{{"identifier":{{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"{code}"}}}}"#
        )
    };
    let mut fields = vec![
        r#""resourceType":"DocumentReference""#.to_string(),
        format!(r#""id":"{id}""#),
        r#""category":[{"coding":[{"system":"http://snomed.info/sct","code":"721981007"}]}]"#.into(),
        r#""content":[{"attachment":{"contentType":"application/dicom+json","url":"https://pacs.example.nhs.uk/wado-rs/studies/1/metadata"}}]"#.into(),
    ];
    if let Some(code) = custodian {
        fields.push(format!(r#""custodian":{}"#, ods(code)));
    }
    if let Some(code) = author {
        fields.push(format!(r#""author":[{}]"#, ods(code)));
    }
    format!(r#"{{"resource":{{{}}}}}"#, fields.join(","))
}

#[test]
fn attributes_records_to_networks_by_custodian_and_author() {
    let north = crate::registry::model::KnownNetwork {
        home_community_id: "urn:oid:2.999.1".into(),
        name: "North Imaging Network".into(),
        ods_codes: vec!["RX1".into(), "RX2".into()],
        care_setting: String::new(),
    };
    let entries = [
        nrl_pointer("a", Some("rx2"), None),
        nrl_pointer("b", None, Some("RX1")),
        nrl_pointer("c", Some("RZZ"), None),
        nrl_pointer("d", None, None),
    ];
    let body = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[{},
        {{"resource":{{"resourceType":"OperationOutcome","issue":[
          {{"severity":"error","code":"timeout","details":{{"coding":[{{"system":"https://fhir.nhs.uk/Id/ods-organization-code","code":"RX2"}}]}}}},
          {{"severity":"error","code":"transient","diagnostics":"a provider did not answer"}}]}},
         "search":{{"mode":"outcome"}}}}]}}"#,
        entries.join(",")
    );
    let page = parse_bundle(body.as_bytes(), std::slice::from_ref(&north)).unwrap();
    let ids: Vec<Option<&str>> = page
        .records
        .iter()
        .map(|r| r.home_community_id.as_deref())
        .collect();
    assert_eq!(
        ids,
        [
            Some("urn:oid:2.999.1"),
            Some("urn:oid:2.999.1"),
            Some("ods:RZZ"),
            None
        ]
    );
    assert_eq!(
        page.records[0].provider_name.as_deref(),
        Some("North Imaging Network")
    );
    assert_eq!(page.records[0].provider_ods.as_deref(), Some("rx2"));
    let failures: Vec<&str> = page
        .failures
        .iter()
        .map(|f| f.home_community_id.as_str())
        .collect();
    assert_eq!(
        failures,
        ["urn:oid:2.999.1", super::bundle::UNNAMED_NETWORK]
    );
}

#[test]
fn reads_the_older_next_page_token() {
    let body = br#"{"resourceType":"Bundle","type":"searchset","meta":{"tag":[{"system":"next-page-token","code":"tok-2"}]},"entry":[]}"#;
    assert_eq!(
        parse_bundle(body, &[]).unwrap().next,
        Some(NextPage::Token("tok-2".into()))
    );
}

#[test]
fn malformed_pages_are_errors_not_panics() {
    for body in [
        &b"{"[..],
        br#"{"resourceType":"OperationOutcome"}"#,
        br#"{"resourceType":"Bundle","total":"three"}"#,
        br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"DocumentReference","content":[]}}]}"#,
        br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"DocumentReference","date":5,"content":[{"attachment":{"url":"u"}}]}}]}"#,
        br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}"#,
    ] {
        assert!(parse_bundle(body, &[]).is_err(), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn parses_every_nrl_v3_example() {
    let dir = nrl_dir().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("NRL v3 examples present (NIR_SHARED_DIR)") {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.contains(".4XX.") {
            let outcome = parse_operation_outcome(&body).unwrap();
            assert!(!outcome.issue.is_empty(), "{name}");
            assert!(
                matches!(
                    error_for_status(400, &body, "NIR"),
                    RegistryError::Rejected { .. } | RegistryError::InvalidNhsNumber
                ),
                "{name}"
            );
        } else if name.starts_with("search") {
            let page = parse_bundle(&body, &[]).unwrap();
            assert_eq!(page.total, Some(1), "{name}");
            if name.contains("fullResponse") {
                assert_eq!(page.records.len(), 1, "{name}");
                assert_eq!(page.records[0].kind, RecordKind::CarePlan, "{name}");
                assert_eq!(
                    page.records[0].provider_ods.as_deref(),
                    Some("X26"),
                    "{name}"
                );
            }
        } else {
            let resource: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let wrapped =
                serde_json::json!({"resourceType": "Bundle", "entry": [{"resource": resource}]});
            let page = parse_bundle(wrapped.to_string().as_bytes(), &[]).unwrap();
            assert_eq!(page.records.len(), 1, "{name}");
        }
        seen += 1;
    }
    assert_eq!(seen, 8);
}

#[test]
fn parses_every_gateway_error_payload() {
    let dir = nrl_dir().join("proxy-errors");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("NRL v3 proxy errors present (NIR_SHARED_DIR)") {
        let path = entry.unwrap().path();
        let xml = std::fs::read_to_string(&path).unwrap();
        let start = xml
            .find("<Payload")
            .and_then(|i| xml[i..].find('>').map(|j| i + j + 1))
            .unwrap();
        let end = xml.find("</Payload>").unwrap();
        let status: u16 = xml
            .split("<StatusCode>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let payload = &xml.as_bytes()[start..end];
        let outcome = parse_operation_outcome(payload).unwrap();
        assert!(outcome.issue[0].detail_code().is_some());
        let error = error_for_status(status, payload, "NIR");
        match status {
            401 => assert_eq!(error, RegistryError::TokenExpired),
            403 => assert_eq!(error, RegistryError::AccessDenied("NIR".into())),
            _ => assert!(matches!(error, RegistryError::Rejected { .. })),
        }
        seen += 1;
    }
    assert_eq!(seen, 5);
}
