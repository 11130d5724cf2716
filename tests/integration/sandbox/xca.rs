//! The XCA flavour over SOAP: ITI-38 Success, PartialSuccess and Failure, faults, and an
//! ITI-39 retrieve of a KOS manifest and of a report.

use dicom_dictionary_std::tags;
use regex::Regex;

use super::harness::*;

fn attribute_values(xml: &str, element: &str, attribute: &str) -> Vec<String> {
    let re = Regex::new(&format!(r#"<{element}\b[^>]*\b{attribute}="([^"]*)""#)).unwrap();
    re.captures_iter(xml).map(|c| c[1].to_string()).collect()
}

fn status_of(xml: &str) -> String {
    attribute_values(xml, "query:AdhocQueryResponse", "status")
        .pop()
        .unwrap()
}

#[tokio::test]
async fn query_success_with_both_patient_id_forms() {
    let sandbox = Sandbox::start().await;
    let total = sandbox.search_json("9912003888", &[]).await["total"]
        .as_u64()
        .unwrap() as usize;
    for id in [
        "9912003888^^^NHS^NH",
        "9912003888^^^&2.16.840.1.113883.2.1.4.1&ISO",
    ] {
        let response = sandbox.xca_query(id).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/soap+xml"));
        let xml = response.text().await.unwrap();
        assert!(status_of(&xml).ends_with(":Success"));
        let homes = attribute_values(&xml, "rim:ExtrinsicObject", "home");
        assert_eq!(homes.len(), total);
        let distinct: std::collections::HashSet<_> = homes.iter().collect();
        assert_eq!(distinct.len(), 3);
        assert!(xml.contains("urn:ihe:iti:xds:2016:studyInstanceUID"));
        assert!(xml.contains(
            "<wsa:RelatesTo>urn:uuid:0a6c1f52-6d3c-4b5e-8f10-2b3c4d5e6f70</wsa:RelatesTo>"
        ));
    }
}

#[tokio::test]
async fn query_partial_success_and_failure_and_faults() {
    let sandbox = Sandbox::start().await;
    let xml = sandbox
        .xca_query("9000000017^^^NHS^NH")
        .await
        .text()
        .await
        .unwrap();
    assert!(status_of(&xml).ends_with(":PartialSuccess"));
    assert_eq!(
        attribute_values(&xml, "rs:RegistryError", "errorCode"),
        vec!["XDSUnavailableCommunity"]
    );
    assert_eq!(
        attribute_values(&xml, "rs:RegistryError", "location"),
        vec!["urn:oid:2.999.2.3"]
    );
    assert!(!attribute_values(&xml, "rim:ExtrinsicObject", "home").is_empty());

    let xml = sandbox
        .xca_query("9912003887^^^NHS^NH")
        .await
        .text()
        .await
        .unwrap();
    assert!(status_of(&xml).ends_with(":Failure"));
    assert_eq!(
        attribute_values(&xml, "rs:RegistryError", "errorCode"),
        vec!["XDSRegistryError"]
    );

    let denied = sandbox.xca_query("9278693472^^^NHS^NH").await;
    assert_eq!(denied.status(), 403);
    assert!(denied.text().await.unwrap().contains("<soap:Fault>"));
    let limited = sandbox.xca_query("6700028191^^^NHS^NH").await;
    assert_eq!(
        (
            limited.status().as_u16(),
            limited.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "1")
    );
    assert_eq!(sandbox.xca_query("6700028191^^^NHS^NH").await.status(), 200);
}

fn retrieve_request(home: &str, repository: &str, unique_id: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
<soap:Header><wsa:Action>urn:ihe:iti:2007:CrossGatewayRetrieve</wsa:Action><wsa:MessageID>urn:uuid:1b2c3d4e-0000-4000-8000-000000000001</wsa:MessageID></soap:Header>
<soap:Body><xdsb:RetrieveDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007"><xdsb:DocumentRequest>
<xdsb:HomeCommunityId>{home}</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>{repository}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>{unique_id}</xdsb:DocumentUniqueId>
</xdsb:DocumentRequest></xdsb:RetrieveDocumentSetRequest></soap:Body></soap:Envelope>"#
    )
}

#[tokio::test]
async fn retrieve_returns_kos_manifest_and_report_over_mtom() {
    let sandbox = Sandbox::start().await;
    let xml = sandbox
        .xca_query("9912003888^^^NHS^NH")
        .await
        .text()
        .await
        .unwrap();
    let objects = Regex::new(r"(?s)<rim:ExtrinsicObject\b.*?</rim:ExtrinsicObject>").unwrap();
    let slot = |object: &str, name: &str| {
        Regex::new(&format!(
            r#"(?s)<rim:Slot name="{name}"><rim:ValueList><rim:Value>(.*?)</rim:Value>"#
        ))
        .unwrap()
        .captures(object)
        .unwrap()[1]
            .to_string()
    };
    let unique = |object: &str| {
        Regex::new(r#"identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"[^>]*value="([^"]*)""#).unwrap().captures(object).unwrap()[1].to_string()
    };
    let study = objects
        .find_iter(&xml)
        .map(|m| m.as_str())
        .find(|o| o.contains("mimeType=\"application/dicom\""))
        .unwrap();
    let report = objects
        .find_iter(&xml)
        .map(|m| m.as_str())
        .find(|o| o.contains("mimeType=\"application/fhir+json\""))
        .unwrap();
    for (object, mime) in [
        (study, "application/dicom"),
        (report, "application/fhir+json"),
    ] {
        let home = attribute_values(object, "rim:ExtrinsicObject", "home")
            .pop()
            .unwrap();
        let body = retrieve_request(&home, &slot(object, "repositoryUniqueId"), &unique(object));
        let response = sandbox.http.post(sandbox.url("/xca/iti39"))
            .header("content-type", "application/soap+xml; charset=UTF-8; action=\"urn:ihe:iti:2007:CrossGatewayRetrieve\"")
            .body(body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("multipart/related")
                && content_type.contains("application/xop+xml")
        );
        let bytes = response.bytes().await.unwrap();
        let (parts, closed) = split_multipart(&bytes, &boundary_of(&content_type));
        assert!(closed);
        assert_eq!(parts.len(), 2);
        let envelope = String::from_utf8_lossy(&parts[0].body);
        assert!(envelope.contains("ResponseStatusType:Success"));
        assert!(envelope.contains(&format!("<xdsb:mimeType>{mime}</xdsb:mimeType>")));
        assert_eq!(parts[1].header("content-type"), Some(mime));
        if mime == "application/dicom" {
            let kos = dicom(&parts[1].body);
            assert_eq!(
                string(&kos, tags::SOP_CLASS_UID),
                "1.2.840.10008.5.1.4.1.1.88.59"
            );
            assert_eq!(string(&kos, tags::PATIENT_ID), "9912003888");
            let evidence = kos
                .element(tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE)
                .unwrap()
                .items()
                .unwrap();
            let series = evidence[0]
                .element(tags::REFERENCED_SERIES_SEQUENCE)
                .unwrap()
                .items()
                .unwrap();
            let retrieve_url = series[0]
                .element(tags::RETRIEVE_URL)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert!(retrieve_url.starts_with(&sandbox.url("/networks/")));
        } else {
            let resource: serde_json::Value = serde_json::from_slice(&parts[1].body).unwrap();
            assert!(["DiagnosticReport", "CarePlan"]
                .contains(&resource["resourceType"].as_str().unwrap()));
        }
    }
    let missing = retrieve_request("urn:oid:2.999.2.1", "2.999.2.1.1", "2.999.404");
    let response = sandbox
        .http
        .post(sandbox.url("/xca/iti39"))
        .body(missing)
        .send()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
    assert!(
        text.contains("ResponseStatusType:Failure") && text.contains("XDSDocumentUniqueIdError")
    );
}
