//! One test per scenario of the table, each showing the behaviour its name promises.

use dicom_dictionary_std::tags;
use futures_util::StreamExt;
use serde_json::Value;

use super::harness::*;

#[tokio::test]
async fn no_records_answers_empty() {
    let sandbox = Sandbox::start().await;
    let bundle = sandbox.search_json("9000000009", &[]).await;
    assert_eq!(bundle["total"], 0);
    assert!(bundle["entry"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn network_unavailable_names_the_silent_network() {
    let sandbox = Sandbox::start().await;
    let bundle = sandbox.search_json("9000000017", &[]).await;
    assert!(!pointers(&bundle).is_empty());
    assert!(pointers(&bundle)
        .iter()
        .all(|p| p["custodian"]["identifier"]["value"] != "Y90003"));
    let outcome = outcome_entry(&bundle);
    let issue = &outcome["resource"]["issue"][0];
    assert_eq!(issue["severity"], "warning");
    assert_eq!(issue["code"], "timeout");
    assert_eq!(issue["details"]["coding"][0]["code"], "urn:oid:2.999.2.3");
    assert_eq!(
        issue["details"]["coding"][0]["display"],
        "South Imaging Network"
    );
}

#[tokio::test]
async fn access_denied_is_403() {
    let sandbox = Sandbox::start().await;
    let response = sandbox.search("9278693472", &[]).await;
    assert_eq!(response.status(), 403);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "ACCESS_DENIED"
    );
}

#[tokio::test]
async fn rate_limited_answers_429_then_succeeds() {
    let sandbox = Sandbox::start().await;
    let first = sandbox.search("6700028191", &[]).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "1");
    let outcome: Value = first.json().await.unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(sandbox.search("6700028191", &[]).await.status(), 200);
}

#[tokio::test]
async fn slow_network_answers_and_trickles_wado() {
    let sandbox = Sandbox::start().await;
    let (study, _) = sandbox.study_of("4409815415", "CT").await;
    let response = sandbox
        .http
        .get(format!("{study}/metadata"))
        .send()
        .await
        .unwrap();
    let mut chunks = 0;
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        chunks += 1;
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert!(chunks >= 5, "the body arrived in {chunks} pieces");
    let metadata: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(metadata.as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn wrong_patient_instance_carries_another_patient_id() {
    let sandbox = Sandbox::start().await;
    let (study, _) = sandbox.study_of("9912003918", "CT").await;
    let (status, parts, closed) = get_parts(&sandbox.http, &study, ANY_SYNTAX).await;
    assert_eq!((status, closed), (200, true));
    let ids: Vec<String> = parts
        .iter()
        .map(|p| string(&dicom(&p.body), tags::PATIENT_ID))
        .collect();
    assert_eq!(ids.iter().filter(|id| *id == "9000000009").count(), 1);
    assert_eq!(
        ids.iter().filter(|id| *id == "9912003918").count(),
        ids.len() - 1
    );
}

#[tokio::test]
async fn truncated_transfer_cuts_series_and_study_mid_part() {
    let sandbox = Sandbox::start().await;
    let (study, series) = sandbox.study_of("9912003926", "CT").await;
    for url in [study.clone(), format!("{study}/series/{series}")] {
        let (status, parts, closed) = get_parts(&sandbox.http, &url, ANY_SYNTAX).await;
        assert_eq!(status, 200);
        assert!(!closed, "no closing delimiter");
        assert!(parts.last().unwrap().short, "the last part is cut short");
    }
    let metadata: Value = sandbox.get_json(format!("{study}/metadata")).await;
    let sop = metadata[0]["00080018"]["Value"][0].as_str().unwrap();
    let (_, parts, closed) = get_parts(
        &sandbox.http,
        &format!("{study}/series/{series}/instances/{sop}"),
        ANY_SYNTAX,
    )
    .await;
    assert!(closed && !parts[0].short);
}

#[tokio::test]
async fn corrupt_pixels_has_short_pixel_data() {
    let sandbox = Sandbox::start().await;
    let (_, series) = sandbox.study_of("9912003934", "CT").await;
    let (study, _) = sandbox.study_of("9912003934", "CT").await;
    let (_, parts, _) = get_parts(
        &sandbox.http,
        &format!("{study}/series/{series}"),
        ANY_SYNTAX,
    )
    .await;
    let short = parts
        .iter()
        .map(|p| dicom(&p.body))
        .filter(|obj| {
            let rows = obj.element(tags::ROWS).unwrap().to_int::<usize>().unwrap();
            let cols = obj
                .element(tags::COLUMNS)
                .unwrap()
                .to_int::<usize>()
                .unwrap();
            pixel_data_len(obj) < rows * cols * 2
        })
        .count();
    assert_eq!(short, 1);
}

#[tokio::test]
async fn report_only_has_reports_that_resolve() {
    let sandbox = Sandbox::start().await;
    let bundle = sandbox.search_json("9912003942", &[]).await;
    let all = pointers(&bundle);
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .all(|p| p["category"][0]["coding"][0]["code"] != "721981007"));
    let report = all
        .iter()
        .find(|p| p["category"][0]["coding"][0]["code"] == "4201000179104")
        .unwrap();
    let attachment = &report["content"][0]["attachment"];
    assert_eq!(attachment["contentType"], "application/fhir+json");
    let resource: Value = sandbox.get_json(attachment["url"].as_str().unwrap()).await;
    assert_eq!(resource["resourceType"], "DiagnosticReport");
    assert!(!resource["conclusion"].as_str().unwrap().is_empty());
    use base64::Engine;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(resource["presentedForm"][0]["data"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[tokio::test]
async fn token_expiry_forces_a_refresh_under_require_auth() {
    let sandbox = Sandbox::start_requiring(&["token-a", "token-b"]).await;
    let search = |token: &'static str| {
        sandbox
            .nrl(sandbox.http.get(sandbox.url("/fhir/R4/DocumentReference")))
            .query(&[("subject:identifier", format!("{NHS_SYSTEM}|9912003950"))])
            .bearer_auth(token)
            .send()
    };
    let first = search("token-a").await.unwrap();
    assert_eq!(first.status(), 401);
    assert_eq!(
        first.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"nir-sandbox\", error=\"invalid_token\", error_description=\"The access token expired\""
    );
    assert_eq!(search("token-a").await.unwrap().status(), 200);
    assert_eq!(search("token-b").await.unwrap().status(), 401);
    let unknown = search("token-z").await.unwrap();
    assert_eq!(unknown.status(), 401);
    // The discovery document needs no token.
    assert_eq!(sandbox.discovery().await["require_auth"], true);
    // Without --require-auth it is a small normal history.
    let open = Sandbox::start().await;
    assert_eq!(open.search_json("9912003950", &[]).await["total"], 4);
}
