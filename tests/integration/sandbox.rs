//! The embedded sandbox over real loopback HTTP: the walk a plain client makes
//! (discovery document → search → study pointer → WADO metadata → series retrieve of
//! valid DICOM), paging, filters, Accept negotiation, QIDO, frames and XCA; one test per
//! scenario in `scenarios`; the `nir-viewer sandbox` binary walked by Python in
//! `python_walk`.

mod harness;
mod presentation_state;
mod python_walk;
mod scenarios;
mod us_calibration;
mod viewer_data;
mod xca;

use dicom_dictionary_std::tags;
use nir_viewer::sandbox::{start, SandboxError, SandboxOptions};
use serde_json::{json, Value};

use harness::*;

const RICH: &str = "9912003888";

#[tokio::test]
async fn plain_client_walks_rich_history_to_valid_dicom() {
    let sandbox = Sandbox::start().await;
    let doc = sandbox.discovery().await;
    assert_eq!(doc["fhir"], sandbox.url("/fhir/R4"));
    assert!(doc["networks"].as_array().unwrap().len() >= 3);
    assert!(doc["patients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["nhs_number"] == RICH && p["scenario"] == "rich-history"));
    let fhir = doc["fhir"].as_str().unwrap();

    let by_get = sandbox.search_json(RICH, &[]).await;
    let form = sandbox
        .nrl(
            sandbox
                .http
                .post(format!("{fhir}/DocumentReference/_search")),
        )
        .form(&[("subject:identifier", format!("{NHS_SYSTEM}|{RICH}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let by_form: Value = form.json().await.unwrap();
    let by_json: Value = sandbox
        .nrl(
            sandbox
                .http
                .post(format!("{fhir}/DocumentReference/_search")),
        )
        .json(&json!({ "subject:identifier": format!("{NHS_SYSTEM}|{RICH}") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_get["total"], by_form["total"]);
    assert_eq!(by_get["total"], by_json["total"]);

    let all = pointers(&by_get);
    let networks: std::collections::HashSet<&str> = all
        .iter()
        .map(|p| p["custodian"]["identifier"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(networks.len(), 3, "priors across three networks");
    let mr = all
        .iter()
        .find(|p| {
            p["description"].as_str().unwrap().contains("MR Head")
                && p["category"][0]["coding"][0]["code"] == "721981007"
        })
        .unwrap();
    assert_eq!(mr["subject"]["identifier"]["value"], RICH);
    assert_eq!(mr["category"][0]["coding"][0]["code"], "721981007");
    assert!(
        mr.get("extension").is_none(),
        "pointers carry no private extension: the source is the custodian"
    );
    assert_eq!(
        mr["custodian"]["identifier"]["system"],
        "https://fhir.nhs.uk/Id/ods-organization-code"
    );
    let attachment = &mr["content"][0]["attachment"];
    assert_eq!(attachment["contentType"], "application/dicom+json");
    let metadata_url = attachment["url"].as_str().unwrap();
    let study_uid = mr["context"]["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["identifier"]["system"] == "urn:dicom:uid")
        .unwrap()["identifier"]["value"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:oid:")
        .to_string();

    let metadata: Value = sandbox.get_json(metadata_url).await;
    let instances = metadata.as_array().unwrap();
    assert_eq!(instances.len(), 96);
    let series_uid = instances[0]["0020000E"]["Value"][0].as_str().unwrap();
    assert_eq!(instances[0]["0020000D"]["Value"][0], study_uid.as_str());
    let in_series = instances
        .iter()
        .filter(|i| i["0020000E"]["Value"][0] == series_uid)
        .count();

    let series_url = format!(
        "{}/series/{series_uid}",
        metadata_url.trim_end_matches("/metadata")
    );
    let (status, parts, closed) = get_parts(&sandbox.http, &series_url, ANY_SYNTAX).await;
    assert_eq!(status, 200);
    assert!(closed);
    assert_eq!(parts.len(), in_series);
    for part in &parts {
        assert!(part
            .header("content-type")
            .unwrap()
            .starts_with("application/dicom; transfer-syntax="));
        assert!(part
            .header("content-location")
            .unwrap()
            .contains(series_uid));
        let obj = dicom(&part.body);
        assert_eq!(string(&obj, tags::PATIENT_ID), RICH);
        assert_eq!(string(&obj, tags::SERIES_INSTANCE_UID), series_uid);
    }
}

#[tokio::test]
async fn paging_returns_every_pointer_once_and_never_shows_the_number() {
    let sandbox = Sandbox::start().await;
    let first = sandbox.search_json(RICH, &[("_count", "3")]).await;
    let total = first["total"].as_u64().unwrap() as usize;
    let mut ids: Vec<String> = pointers(&first)
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let mut bundle = first;
    for _ in 0..10 {
        let Some(next) = bundle["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
        else {
            break;
        };
        let next = next["url"].as_str().unwrap().to_string();
        assert!(!next.contains(RICH));
        bundle = sandbox
            .nrl(sandbox.http.get(&next))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.extend(
            pointers(&bundle)
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(ids.len(), total);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
}

#[tokio::test]
async fn filters_and_header_errors() {
    let sandbox = Sandbox::start().await;
    let reports = sandbox
        .search_json(
            RICH,
            &[("category", "http://snomed.info/sct|4201000179104")],
        )
        .await;
    assert!(pointers(&reports)
        .iter()
        .all(|p| p["category"][0]["coding"][0]["code"] == "4201000179104"));
    assert_eq!(pointers(&reports).len(), 2);
    let both = sandbox
        .search_json(RICH, &[("category", "4201000179104,371531000")])
        .await;
    assert_eq!(pointers(&both).len(), 3);
    let south = sandbox
        .search_json(
            RICH,
            &[(
                "custodian:identifier",
                "https://fhir.nhs.uk/Id/ods-organization-code|Y90003",
            )],
        )
        .await;
    assert!(!pointers(&south).is_empty());
    assert!(pointers(&south)
        .iter()
        .all(|p| p["custodian"]["identifier"]["value"] == "Y90003"));
    let window = sandbox
        .search_json(RICH, &[("date", "ge2021-01-01"), ("date", "le2022-12-31")])
        .await;
    for p in pointers(&window) {
        let date = p["date"].as_str().unwrap();
        assert!(("2021-01-01".."2023-01-01").contains(&date), "{date}");
    }
    assert_eq!(pointers(&window).len(), 4);

    let no_ods = sandbox
        .http
        .get(sandbox.url("/fhir/R4/DocumentReference"))
        .header("X-Request-ID", REQUEST_ID)
        .query(&[("subject:identifier", format!("{NHS_SYSTEM}|{RICH}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(no_ods.status(), 400);
    let outcome: Value = no_ods.json().await.unwrap();
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "PRECONDITION_FAILED"
    );
    let bad_id = sandbox
        .http
        .get(sandbox.url("/fhir/R4/DocumentReference"))
        .header("NHSD-End-User-Organisation-ODS", "Y1")
        .header("X-Request-ID", "not-a-uuid")
        .query(&[("subject:identifier", format!("{NHS_SYSTEM}|{RICH}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 400);
    assert_eq!(bad_id.headers()["x-request-id"], "not-a-uuid");
    let outcome: Value = bad_id.json().await.unwrap();
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "MISSING_OR_INVALID_HEADER"
    );
    let invalid = sandbox.search("9912003887", &[]).await;
    assert_eq!(invalid.status(), 400);
    assert_eq!(invalid.headers()["cache-control"], "no-store");
    let outcome: Value = invalid.json().await.unwrap();
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "INVALID_NHS_NUMBER"
    );
    let unknown = sandbox.search(RICH, &[("colour", "blue")]).await;
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn accept_negotiation_picks_stored_or_native_or_refuses() {
    let sandbox = Sandbox::start().await;
    let (study, _) = sandbox.study_of(RICH, "MR Head").await;
    let series: Value = sandbox.get_json(format!("{study}/series")).await;
    let flair = series
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["0008103E"]["Value"][0] == "FLAIR axial")
        .unwrap();
    let url = format!(
        "{study}/series/{}",
        flair["0020000E"]["Value"][0].as_str().unwrap()
    );
    let (_, stored, _) = get_parts(&sandbox.http, &url, ANY_SYNTAX).await;
    assert!(stored.iter().all(|p| p
        .header("content-type")
        .unwrap()
        .ends_with("1.2.840.10008.1.2.4.80")));
    let explicit =
        "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1";
    let (_, native, _) = get_parts(&sandbox.http, &url, explicit).await;
    assert_eq!(native.len(), stored.len());
    for part in &native {
        let obj = dicom(&part.body);
        assert_eq!(
            obj.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.1"
        );
        assert_eq!(pixel_data_len(&obj), 256 * 256 * 2);
    }
    let jpeg_ls =
        "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.80";
    assert_eq!(get_parts(&sandbox.http, &url, jpeg_ls).await.0, 200);
    let j2k =
        "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.90";
    assert_eq!(get_parts(&sandbox.http, &url, j2k).await.0, 406);
    assert_eq!(get_parts(&sandbox.http, &url, "image/png").await.0, 406);
}

#[tokio::test]
async fn qido_and_frames() {
    let sandbox = Sandbox::start().await;
    let doc = sandbox.discovery().await;
    let mut found = 0;
    for network in doc["networks"].as_array().unwrap() {
        let wado = network["wado"].as_str().unwrap();
        let studies: Value = sandbox
            .http
            .get(format!("{wado}/studies"))
            .query(&[("PatientID", RICH)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        found += studies.as_array().unwrap().len();
        for study in studies.as_array().unwrap() {
            assert_eq!(study["00100020"]["Value"][0], RICH);
        }
    }
    assert_eq!(found, 9);
    let midlands = doc["networks"][1]["wado"].as_str().unwrap();
    let us: Value = sandbox
        .http
        .get(format!("{midlands}/studies"))
        .query(&[("PatientID", RICH), ("ModalitiesInStudy", "US")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(us.as_array().unwrap().len(), 1);
    let ranged: Value = sandbox
        .http
        .get(format!("{midlands}/studies"))
        .query(&[("PatientID", RICH), ("StudyDate", "20220101-20221231")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ranged[0]["00080061"]["Value"][0], "MR");

    let (study, series) = sandbox.study_of(RICH, "US Abdomen").await;
    let instances: Value = sandbox
        .get_json(format!("{study}/series/{series}/instances"))
        .await;
    let sop = instances[0]["00080018"]["Value"][0].as_str().unwrap();
    assert_eq!(instances[0]["00280008"]["Value"][0], 12);
    let frames_url = format!("{study}/series/{series}/instances/{sop}/frames/1,3");
    let (status, frames, closed) = get_parts(
        &sandbox.http,
        &frames_url,
        "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*",
    )
    .await;
    assert_eq!((status, closed, frames.len()), (200, true, 2));
    assert!(frames.iter().all(|f| f.body.len() == 240 * 320 * 3));
    assert_ne!(frames[0].body, frames[1].body);
    let (status, _, _) = get_parts(
        &sandbox.http,
        &format!("{study}/series/{series}/instances/{sop}/frames/13"),
        "application/octet-stream",
    )
    .await;
    assert_eq!(status, 404);
    let (_, stored, _) = get_parts(
        &sandbox.http,
        &format!("{study}/series/{series}/instances/{sop}"),
        ANY_SYNTAX,
    )
    .await;
    assert!(stored[0]
        .header("content-type")
        .unwrap()
        .ends_with("1.2.840.10008.1.2.4.50"));
    let obj = dicom(&stored[0].body);
    assert_eq!(
        string(&obj, tags::PHOTOMETRIC_INTERPRETATION),
        "YBR_FULL_422"
    );
}

#[tokio::test]
async fn rich_history_has_the_promised_content() {
    let sandbox = Sandbox::start().await;
    let (ct, _) = sandbox.study_of(RICH, "CT Chest").await;
    let metadata: Value = sandbox.get_json(format!("{ct}/metadata")).await;
    // The CT's 400 slices, and its Key Object Selection (modality KO) flagging three of them.
    let modality = |i: &&Value| {
        i["00080060"]["Value"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let all = metadata.as_array().unwrap();
    let slices: Vec<&Value> = all.iter().filter(|i| modality(i) == "CT").collect();
    assert_eq!(slices.len(), 400);
    assert_eq!(all.iter().filter(|i| modality(i) == "KO").count(), 1);
    let first = slices[0];
    assert_eq!(
        (
            first["00280010"]["Value"][0].as_u64(),
            first["00280011"]["Value"][0].as_u64()
        ),
        (Some(512), Some(512))
    );
    assert_eq!(first["00280103"]["Value"][0], 1);
    assert_eq!(first["00281052"]["Value"][0], -1024.0);
    let (cr, series) = sandbox.study_of(RICH, "CR Chest").await;
    let (_, parts, _) =
        get_parts(&sandbox.http, &format!("{cr}/series/{series}"), ANY_SYNTAX).await;
    let obj = dicom(&parts[0].body);
    assert_eq!(
        string(&obj, tags::PHOTOMETRIC_INTERPRETATION),
        "MONOCHROME1"
    );
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.5"
    );
    let (pdf, series) = sandbox.study_of(RICH, "PDF").await;
    let (_, parts, _) =
        get_parts(&sandbox.http, &format!("{pdf}/series/{series}"), ANY_SYNTAX).await;
    let obj = dicom(&parts[0].body);
    assert!(obj
        .element(tags::ENCAPSULATED_DOCUMENT)
        .unwrap()
        .to_bytes()
        .unwrap()
        .starts_with(b"%PDF-"));
    let all = pointers(&sandbox.search_json(RICH, &[]).await);
    let codes: Vec<&str> = all
        .iter()
        .map(|p| p["category"][0]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for code in ["721981007", "4201000179104", "371531000", "734163000"] {
        assert!(codes.contains(&code), "{code}");
    }
}

#[tokio::test]
async fn refuses_non_loopback_addresses() {
    let options = SandboxOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        require_auth: false,
    };
    assert!(matches!(
        start(options).await,
        Err(SandboxError::NotLoopback(_))
    ));
}
