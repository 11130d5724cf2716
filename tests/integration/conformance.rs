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

/// The discovery failure behaviours of docs/failure-behaviour.md, one check each per flavour.
const DISCOVERY_BEHAVIOURS: [&str; 6] = [
    "network unavailable",
    "access denied",
    "rate limited",
    "slow network",
    "no records",
    "registry unreachable",
];

fn failing_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .map(str::to_owned)
        .collect()
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
    let mut expected = vec![
        "failure behaviour: wrong-patient-instance".to_owned(),
        "failure behaviour: truncated-transfer".to_owned(),
        "wipe".to_owned(),
        "sign-in: authorization code with PKCE".to_owned(),
        "sign-in: access token accepted".to_owned(),
        "sign-in: requests without a token refused".to_owned(),
        "failure behaviour (fhir): token expired".to_owned(),
        "failure behaviour (xca): token expired".to_owned(),
        "sign-in: a second session".to_owned(),
    ];
    for flavour in ["fhir", "xca"] {
        expected.push(format!("discovery ({flavour}): imaging history"));
        for behaviour in DISCOVERY_BEHAVIOURS {
            expected.push(format!("failure behaviour ({flavour}): {behaviour}"));
        }
    }
    for expected in expected {
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
fn a_sandbox_whose_discovery_is_down_fails_every_discovery_check_with_reasons() {
    let output = conformance(&["--sandbox", "--sandbox-fault", "discovery-unavailable"]);
    assert!(!output.status.success());
    let failures = failing_lines(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for flavour in ["fhir", "xca"] {
        let history = format!("FAIL discovery ({flavour}): imaging history: 0 records");
        assert!(failures.iter().any(|l| l.starts_with(&history)), "{stdout}");
        for behaviour in DISCOVERY_BEHAVIOURS {
            let name = format!("failure behaviour ({flavour}): {behaviour}");
            let failed = failures.iter().find(|l| l.contains(&name));
            if behaviour == "registry unreachable" {
                // A closed port, not the sandbox: unaffected by the fault.
                assert!(failed.is_none(), "{stdout}");
                continue;
            }
            let line = failed.unwrap_or_else(|| panic!("{name} did not fail:\n{stdout}"));
            assert!(line.contains("Unavailable"), "no reason: {line}");
        }
    }
    // Retrieval and sign-in do not depend on discovery.
    assert!(stdout.contains("PASS sign-in: authorization code with PKCE"));
    assert!(stdout.contains("PASS failure behaviour: truncated-transfer"));
    assert!(!last_line(&output).ends_with(" 0 failed"));
}

#[test]
fn a_registry_that_stays_rate_limited_fails_the_rate_limit_check() {
    let output = conformance(&["--sandbox", "--sandbox-fault", "rate-limited-always"]);
    assert!(!output.status.success());
    let failures = failing_lines(&output);
    for flavour in ["fhir", "xca"] {
        let prefix =
            format!("FAIL failure behaviour ({flavour}): rate limited: still not answered");
        let line = failures
            .iter()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{failures:#?}"));
        assert!(line.contains("RateLimited"), "{line}");
    }
}

#[test]
fn an_identity_provider_that_is_down_fails_only_the_sign_in_check() {
    let output = conformance(&["--sandbox", "--sandbox-fault", "identity-provider-down"]);
    assert!(!output.status.success());
    let failures = failing_lines(&output);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].starts_with("FAIL sign-in: authorization code with PKCE: ")
            && failures[0].contains("could not be reached"),
        "{}",
        failures[0]
    );
    assert!(last_line(&output).ends_with(" 1 failed"));
}

#[test]
fn a_configuration_is_checked_without_signing_in_unless_asked() {
    let dir = std::env::temp_dir().join(format!("conformance-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    // Nothing listens on port 9: TLS trust and the discovery document fail with reasons.
    std::fs::write(
        &config,
        "[nir]\nflavour = \"xca\"\nbase_url = \"https://127.0.0.1:9/xca/iti38\"\n\
         [organisation]\nods_code = \"X26\"\n\
         [auth]\nissuer = \"https://127.0.0.1:9/oidc\"\nclient_id = \"viewer\"\n\
         allowed_roles = [\"S8000:G8000:R8000\"]\n",
    )
    .unwrap();
    let output = conformance(&["--config", config.to_str().unwrap(), "--nhs", "9912003888"]);
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(stdout.contains("PASS configuration: valid"), "{stdout}");
    assert!(
        stdout.contains("FAIL TLS trust: NIR: 127.0.0.1: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL TLS trust: CIS2: 127.0.0.1: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL sign-in: OIDC discovery document: "),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "NOT RUN discovery (xca): test patient 1: discovery needs a signed-in session"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("NOT RUN observability: metrics collector: no observability.otlp_endpoint"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_metrics_collector_must_accept_an_export() {
    let (endpoint, mut received) =
        crate::observability::collector(axum::http::StatusCode::OK).await;
    let dir = std::env::temp_dir().join(format!("conformance-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[nir]\nflavour = \"fhir\"\nbase_url = \"https://127.0.0.1:9/FHIR/R4/\"\n\
             [observability]\notlp_endpoint = \"{endpoint}\"\n"
        ),
    )
    .unwrap();
    let path = config.to_str().unwrap().to_owned();
    let output = tokio::task::spawn_blocking(move || conformance(&["--config", &path]))
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("PASS observability: metrics collector: 127.0.0.1:"),
        "{stdout}"
    );
    let (_, body) = received.recv().await.unwrap();
    assert!(body["resourceMetrics"].is_array(), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configuration_with_a_trusted_provider_passes_tls_discovery_and_jwks() {
    let provider = crate::tls_provider::TlsProvider::start().await;
    let config = provider.dir.join("config.toml");
    let write = |ca_bundle: Option<&std::path::Path>| {
        let network = ca_bundle.map_or(String::new(), |path| {
            format!("[network]\nca_bundle = \"{}\"\n", path.display())
        });
        std::fs::write(
            &config,
            format!(
                "[nir]\nflavour = \"fhir\"\nbase_url = \"{base}FHIR/R4/\"\n\
                 [organisation]\nods_code = \"X26\"\n\
                 [auth]\nissuer = \"{base}oidc\"\nclient_id = \"viewer\"\n\
                 allowed_roles = [\"S8000:G8000:R8000\"]\n{network}",
                base = provider.base
            ),
        )
        .unwrap();
    };
    let run = || {
        let path = config.to_str().unwrap().to_owned();
        tokio::task::spawn_blocking(move || conformance(&["--config", &path]))
    };
    write(Some(&provider.ca_bundle()));
    let trusted = run().await.unwrap();
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    for line in [
        "PASS configuration: valid",
        "PASS TLS trust: NIR: 127.0.0.1 verified against the configured CA bundle",
        "PASS TLS trust: CIS2: 127.0.0.1 verified against the configured CA bundle",
        "PASS sign-in: OIDC discovery document: issuer matches",
        "PASS sign-in: JWKS: 1 keys, 1 RSA signing keys",
        "NOT RUN sign-in: interactive: give --interactive",
        "NOT RUN discovery (fhir): test patient 1: discovery needs a signed-in session",
    ] {
        assert!(stdout.contains(line), "{line} missing:\n{stdout}");
    }
    // The same server without its CA: the handshake is refused, with the reason.
    write(None);
    let untrusted = run().await.unwrap();
    let stdout = String::from_utf8_lossy(&untrusted.stdout);
    assert!(!untrusted.status.success());
    let line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL TLS trust: CIS2: 127.0.0.1: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.to_lowercase().contains("certificate"), "{line}");
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
