//! The checks of an organisation's configuration: the file itself, the metrics collector
//! when one is configured, TLS trust and the sign-in provider (see the sign-in checks), then discovery through the configured flavour for the
//! test patients — which needs a signed-in session, so it runs only after `--interactive` —
//! and the whole live path for each (see `live_path`): the first study opened and decoded,
//! the first report read.

use std::path::Path;
use std::sync::Arc;

use super::discovery_checks::{Flavour, Target};
use super::live_path::LivePath;
use super::signin_checks::config_checks;
use super::{Check, Report};
use nir_core::config::{self, Config};
use nir_core::net::{build_client, AccessTokens, NetworkSettings, OriginPolicy};
use nir_core::observability::{target_of, OtlpExporter};

/// Runs the configuration checks for the file at `path`.
pub async fn run(path: &Path, patients: &[String], interactive: bool, report: &mut Report) {
    let Some(config) = load(path, report) else {
        return;
    };
    let network = match nir_core::config::network_settings(&config) {
        Ok(network) => network,
        Err(reason) => {
            report.record(Check::fail("TLS trust", reason));
            return;
        }
    };
    collector_check(&config, &network, report).await;
    let signed_in = config_checks(&config, &network, interactive, report).await;
    let flavour = match config.nir.flavour {
        config::Flavour::Fhir => Flavour::Fhir,
        config::Flavour::Xca => Flavour::Xca,
    };
    let name = |nhs: usize| format!("discovery ({}): test patient {nhs}", flavour.label());
    let Some(signed_in) = signed_in else {
        report.record(Check::not_run(
            name(1),
            "discovery needs a signed-in session (give --interactive)",
        ));
        return;
    };
    if patients.is_empty() {
        report.record(Check::fail(
            name(1),
            "no test patient: give --nhs with a test patient's NHS number",
        ));
        return;
    }
    let http = match build_client(&network) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail(name(1), error.to_string()));
            return;
        }
    };
    let base = config.nir.base_url.clone();
    let tokens: Arc<dyn AccessTokens> = signed_in.tokens.clone();
    let target = Target {
        http,
        fhir: base.clone(),
        xca_query: base.clone(),
        xca_retrieve: config.nir.retrieve_url.clone().unwrap_or(base),
        networks: config.known_networks(),
        ods_code: config.organisation.ods_code.clone().unwrap_or_default(),
        tokens,
        patient_id_form: config.nir.patient_id_form,
    };
    let live = LivePath::through(
        &target,
        flavour,
        config.limits.budget_bytes(),
        OriginPolicy::for_live(&config),
    );
    for (index, nhs) in patients.iter().enumerate() {
        for check in live.run(nhs, index + 1).await {
            report.record(check);
        }
    }
    if let (Flavour::Xca, Some(first)) = (flavour, patients.first()) {
        super::xca_documents::run(&target, first, report).await;
    }
}

/// When a metrics collector is configured, one export of the metrics so far must be accepted.
async fn collector_check(config: &Config, network: &NetworkSettings, report: &mut Report) {
    let name = "observability: metrics collector";
    let Some(endpoint) = config.observability.otlp_endpoint.clone() else {
        report.record(Check::not_run(
            name,
            "no observability.otlp_endpoint is configured",
        ));
        return;
    };
    let http = match build_client(network) {
        Ok(http) => http,
        Err(error) => {
            report.record(Check::fail(name, error.to_string()));
            return;
        }
    };
    let exporter = OtlpExporter::new(http, endpoint.clone(), nir_core::observability::global());
    report.record(match exporter.export().await {
        Ok(()) => Check::pass(
            name,
            format!("{} accepted an OTLP/HTTP JSON export", target_of(&endpoint)),
        ),
        Err(reason) => Check::fail(name, format!("{}: {reason}", target_of(&endpoint))),
    });
}

fn load(path: &Path, report: &mut Report) -> Option<Config> {
    match config::load_from(path) {
        Ok(None) => {
            report.record(Check::fail(
                "configuration",
                format!("{} does not exist", path.display()),
            ));
            None
        }
        Err(error) => {
            report.record(Check::fail("configuration", error.to_string()));
            None
        }
        Ok(Some(config)) => {
            let problems = config.validate();
            if problems.is_empty() {
                report.record(Check::pass("configuration", "valid"));
            } else {
                report.record(Check::fail("configuration", problems.join("; ")));
            }
            Some(config)
        }
    }
}
