//! The go-live conformance suite run as an organisation would run it: the binary against an
//! embedded sandbox (all checks pass), against sandbox scenarios with faults (the matching
//! checks fail with their reasons), and against a real Orthanc loaded with the decodable
//! files of the shared corpus.

use std::process::{Command, Output};

use crate::dicomweb::orthanc::{corpus_dir, Orthanc};
use nir_viewer::net::{build_client, NetworkSettings};

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nir-viewer"))
        .arg("conformance")
        .args(args)
        .env_remove("DISPLAY")
        .output()
        .unwrap()
}

fn last_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_check_passes_against_the_sandbox_and_junit_agrees() {
    let junit = std::env::temp_dir().join(format!("conformance-{}.xml", uuid::Uuid::new_v4()));
    let output = conformance(&["--sandbox", "--junit", junit.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let summary = last_line(&output);
    let passed: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 15, "{summary}");
    assert!(summary.ends_with("0 failed"), "{summary}");
    for expected in [
        "failure behaviour: wrong-patient-instance",
        "failure behaviour: truncated-transfer",
        "wipe",
    ] {
        assert!(
            stdout.contains(&format!("PASS {expected}")),
            "{expected} missing:\n{stdout}"
        );
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    std::fs::remove_file(&junit).unwrap();
    assert!(xml.contains("failures=\"0\""));
    assert!(xml.contains(&format!("tests=\"{passed}\"")));
}

#[test]
fn faulty_patients_fail_the_matching_checks_with_reasons() {
    // 9912003918 has an instance naming another patient; 9912003934 has corrupt pixel data.
    let output = conformance(&["--sandbox", "--nhs", "9912003918", "--nhs", "9912003934"]);
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        failures
            .iter()
            .any(|l| l.contains("patient 1") && l.contains("retrieval") && l.contains("withheld")),
        "{stdout}"
    );
    assert!(
        failures
            .iter()
            .any(|l| l.contains("patient 2") && l.contains("withheld")),
        "{stdout}"
    );
    assert!(!last_line(&output).ends_with(" 0 failed"));
}

#[test]
fn an_unreachable_server_fails_with_a_plain_reason() {
    let output = conformance(&["--dicomweb", "http://127.0.0.1:9/dicom-web/"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("FAIL dicomweb: list studies: The imaging provider could not be reached"));
    assert_eq!(last_line(&output), "0 passed, 1 failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_check_passes_against_orthanc_loaded_with_the_decodable_corpus() {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(corpus_dir().join("../manifest.json")).expect("corpus manifest"),
    )
    .unwrap();
    let orthanc = Orthanc::start().await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let mut stored = 0;
    for entry in manifest["files"].as_array().expect("manifest lists files") {
        if entry["expected_outcome"] != "decode" {
            continue;
        }
        let name = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(corpus_dir().join("..").join(name)).unwrap();
        if orthanc.stow(&http, &bytes).await.is_some() {
            stored += 1;
        }
    }
    assert!(
        stored >= 60,
        "Orthanc accepted only {stored} decodable corpus files"
    );
    let base = orthanc.base.to_string();
    let output = tokio::task::spawn_blocking(move || conformance(&["--dicomweb", &base]))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(last_line(&output).ends_with(" 0 failed"), "{stdout}");
}
