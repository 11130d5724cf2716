//! The suite against embedded sandboxes started for the purpose: the retrieval and decode of
//! every study of the test patients from every network, the retrieval failure behaviours its
//! scenarios produce (an instance of another patient, a truncated transfer, corrupt pixel
//! data — each must be caught, not shown), discovery through both flavours with every
//! discovery failure behaviour, the wipe, and a real sign-in with the mock CIS2 against a
//! second sandbox that demands its tokens.

use super::live_path::LivePath;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::dicomweb_checks::{check_server, retrieve_verified};
use super::discovery_checks::{
    connection_refused, describe_statuses, history_check, sandbox_flavour, token_expired, Flavour,
    Target,
};
use super::signin_checks::sandbox_sign_in;
use super::{Check, Report};
use nir_core::dicomweb::{DicomWebClient, StudyQuery};
use nir_core::error::UserFacing;
use nir_core::net::AccessTokens;
use nir_core::net::{build_client, NetworkSettings, NoToken, OriginPolicy};
use nir_core::nhs_number::NhsNumber;
use nir_core::vault::{ItemKey, StudyKey, Vault};
use nir_core::viewer::discovery::{sandbox_document, sandbox_networks};
use nir_sandbox::injected::InjectedFault;
use nir_sandbox::{SandboxHandle, SandboxOptions};

/// The ODS code training mode sends.
const TRAINING_ODS: &str = "TRAIN1";

/// The sandbox's patient with priors across every network.
const RICH_HISTORY: &str = "9912003888";

/// Runs the sandbox suite for `patients` (the rich-history patient when none is given), with
/// `faults` injected into the sandboxes it starts (none for a real run).
pub async fn run(patients: &[String], faults: &[InjectedFault], report: &mut Report) {
    let Some(handle) = start_sandbox(false, faults, report).await else {
        return;
    };
    let base = handle.base_url().clone();
    match build_client(&NetworkSettings::default()) {
        Ok(http) => {
            retrieval_checks(&http, &base, patients, report).await;
            discovery(&http, &base, Arc::new(NoToken), report).await;
        }
        Err(error) => report.record(Check::fail("client", error.to_string())),
    }
    report.record(check_wipe());
    handle.shutdown().await;
    if let Some(handle) = start_sandbox(true, faults, report).await {
        sign_in(&handle, report).await;
        handle.shutdown().await;
    }
}

async fn start_sandbox(
    require_auth: bool,
    faults: &[InjectedFault],
    report: &mut Report,
) -> Option<SandboxHandle> {
    let name = if require_auth {
        "sandbox requiring sign-in"
    } else {
        "sandbox"
    };
    match nir_sandbox::start(SandboxOptions {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        require_auth,
    })
    .await
    {
        Ok(handle) => {
            for fault in faults {
                handle.inject(*fault);
            }
            report.record(Check::pass(name, "started on loopback"));
            Some(handle)
        }
        Err(error) => {
            report.record(Check::fail(name, error.to_string()));
            None
        }
    }
}

async fn retrieval_checks(
    http: &reqwest::Client,
    base: &url::Url,
    patients: &[String],
    report: &mut Report,
) {
    let client = DicomWebClient::new(http.clone(), Arc::new(NoToken));
    let networks = match networks(http, base).await {
        Ok(networks) => networks,
        Err(reason) => {
            report.record(Check::fail("sandbox discovery document", reason));
            return;
        }
    };
    let patients: Vec<String> = if patients.is_empty() {
        vec![RICH_HISTORY.to_owned()]
    } else {
        patients.to_vec()
    };
    for (index, patient) in patients.iter().enumerate() {
        for (name, wado) in &networks {
            let query = StudyQuery {
                patient_id: Some(patient.clone()),
                ..StudyQuery::default()
            };
            let label = format!("patient {} at {name}", index + 1);
            check_server(&client, wado, &query, &label, report).await;
        }
    }
    for (scenario, nhs, expect) in RETRIEVAL_SCENARIOS {
        report.record(check_scenario(&client, &networks, scenario, nhs, expect).await);
    }
}

/// The discovery target the sandbox's discovery document describes.
async fn target(
    http: &reqwest::Client,
    base: &url::Url,
    tokens: Arc<dyn AccessTokens>,
) -> Result<Target, String> {
    let doc = sandbox_document(http, base).await?;
    let url = |key: &str| {
        doc[key]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .ok_or_else(|| format!("it gives no {key} address"))
    };
    Ok(Target {
        http: http.clone(),
        fhir: url("fhir")?,
        xca_query: url("xca_query")?,
        xca_retrieve: url("xca_retrieve")?,
        networks: sandbox_networks(http, base).await?,
        ods_code: TRAINING_ODS.into(),
        tokens,
        patient_id_form: nir_core::config::PatientIdForm::default(),
    })
}

/// Discovery through both flavours, and every failure behaviour through each.
async fn discovery(
    http: &reqwest::Client,
    base: &url::Url,
    tokens: Arc<dyn AccessTokens>,
    report: &mut Report,
) {
    let target = match target(http, base, tokens).await {
        Ok(target) => target,
        Err(reason) => {
            report.record(Check::fail("discovery: sandbox document", reason));
            return;
        }
    };
    for flavour in [Flavour::Fhir, Flavour::Xca] {
        for check in sandbox_flavour(&target, flavour).await {
            report.record(check);
        }
        report.record(connection_refused(&target, flavour).await);
    }
}

/// Signs in with the mock CIS2 (twice: each session's first request meets an expired token,
/// once through each flavour), then proves the data endpoints take the access token and
/// refuse requests without it.
async fn sign_in(handle: &SandboxHandle, report: &mut Report) {
    let http = match build_client(&NetworkSettings::default()) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail("client", error.to_string()));
            return;
        }
    };
    let mut first = None;
    for (flavour, name) in [
        (Flavour::Fhir, "sign-in: authorization code with PKCE"),
        (Flavour::Xca, "sign-in: a second session"),
    ] {
        let Some(signed_in) = sandbox_sign_in(handle.base_url(), name, report).await else {
            return;
        };
        let tokens: Arc<dyn AccessTokens> = signed_in.tokens.clone();
        let signed = match target(&http, handle.base_url(), tokens).await {
            Ok(target) => target,
            Err(reason) => {
                report.record(Check::fail("discovery: sandbox document", reason));
                return;
            }
        };
        // The token's first data request must be the expiring one.
        report.record(token_expired(&signed, flavour).await);
        first.get_or_insert(signed);
    }
    let Some(signed) = first else {
        return;
    };
    let with_token = history_check(
        &signed,
        Flavour::Xca,
        RICH_HISTORY,
        "sign-in: access token accepted".into(),
        3,
    )
    .await;
    report.record(with_token);
    // The live path as the window walks it, through each flavour, with the sign-in's token.
    for flavour in [Flavour::Fhir, Flavour::Xca] {
        let live = LivePath::through(
            &signed,
            flavour,
            LIVE_PATH_BUDGET,
            OriginPolicy::for_training(handle.base_url()),
        );
        for check in live.run(RICH_HISTORY, 1).await {
            report.record(check);
        }
    }
    let anonymous = Target {
        tokens: Arc::new(NoToken),
        ..signed
    };
    let query = nir_core::registry::HistoryQuery::for_patient(RICH_HISTORY);
    let refused = match query {
        Ok(query) => {
            anonymous
                .backend(Flavour::Fhir, nir_core::registry::RetryPolicy::default())
                .discover(&query, &CancellationToken::new())
                .await
        }
        Err(error) => Err(error),
    };
    report.record(match refused {
        Err(nir_core::registry::RegistryError::TokenExpired) => Check::pass(
            "sign-in: requests without a token refused",
            "401 without a bearer token",
        ),
        Err(error) => Check::fail(
            "sign-in: requests without a token refused",
            format!("expected 401, got: {}", error.user_message()),
        ),
        Ok(history) => Check::fail(
            "sign-in: requests without a token refused",
            format!(
                "expected 401, the search without a token ended [{}]",
                describe_statuses(&history)
            ),
        ),
    });
}

/// Memory the live-path checks may use for clinical content.
const LIVE_PATH_BUDGET: u64 = 2 << 30;

/// `(scenario, NHS number, the warning code that must appear)`.
const RETRIEVAL_SCENARIOS: &[(&str, &str, &str)] = &[
    (
        "wrong-patient-instance",
        "9912003918",
        "instances-quarantined",
    ),
    ("truncated-transfer", "9912003926", "transfer-failed"),
    ("corrupt-pixels", "9912003934", "instances-quarantined"),
];

async fn networks(
    http: &reqwest::Client,
    base: &url::Url,
) -> Result<Vec<(String, url::Url)>, String> {
    let doc = sandbox_document(http, base).await?;
    let networks = doc["networks"]
        .as_array()
        .ok_or("it lists no networks")?
        .iter()
        .filter_map(|n| {
            Some((
                n["name"].as_str()?.to_owned(),
                url::Url::parse(n["wado"].as_str()?).ok()?,
            ))
        })
        .collect::<Vec<_>>();
    if networks.len() < 3 {
        return Err(format!(
            "it lists {} networks, at least 3 expected",
            networks.len()
        ));
    }
    Ok(networks)
}

/// Retrieves the scenario patient's studies with verification on and checks the fault is
/// reported with the expected warning (and nothing wrong is admitted).
async fn check_scenario(
    client: &DicomWebClient,
    networks: &[(String, url::Url)],
    scenario: &str,
    nhs: &str,
    expected_warning: &str,
) -> Check {
    let name = format!("failure behaviour: {scenario}");
    let Ok(nhs_number) = NhsNumber::parse(nhs) else {
        return Check::fail(name, "the scenario's NHS number is not valid");
    };
    for (_, wado) in networks {
        let query = StudyQuery {
            patient_id: Some(nhs.to_owned()),
            ..StudyQuery::default()
        };
        let Ok(studies) = client.search_studies(wado, &query).await else {
            continue;
        };
        for study in studies {
            let Ok(url) = wado.join(&format!(
                "{}/studies/{}/metadata",
                wado.path().trim_end_matches('/'),
                study.study_uid
            )) else {
                continue;
            };
            let layout = match client.study_metadata(&url).await {
                Ok(layout) => layout,
                Err(error) => return Check::fail(name, error.user_message()),
            };
            let outcome = retrieve_verified(client, &layout, nhs_number.clone()).await;
            return match outcome {
                Ok(study) if study.warnings.iter().any(|w| w.code == expected_warning) => {
                    Check::pass(name, format!("caught and reported ({expected_warning})"))
                }
                Ok(study) => Check::fail(
                    name,
                    format!(
                        "not caught: warnings were [{}]",
                        study
                            .warnings
                            .iter()
                            .map(|w| w.code)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Err(error) if expected_warning == "transfer-failed" && error.is_truncated() => {
                    Check::pass(name, "caught and reported: the transfer was cut short")
                }
                Err(error) => Check::fail(name, error.user_message()),
            };
        }
    }
    Check::fail(name, "the scenario patient has no study in any network")
}

/// The vault forgets everything on wipe.
fn check_wipe() -> Check {
    let vault = Vault::new(1 << 20);
    let key = ItemKey {
        patient: vault.open_patient(),
        study: Some(StudyKey::new("s")),
        name: "i".into(),
    };
    if vault.put(key, vec![1; 1024]).is_err() {
        return Check::fail("wipe", "the vault refused a small item");
    }
    vault.wipe_all();
    let stats = vault.stats();
    Check::expect(
        "wipe",
        stats.items == 0 && stats.used_bytes == 0,
        format!(
            "{} items, {} bytes held after wipe",
            stats.items, stats.used_bytes
        ),
    )
}
