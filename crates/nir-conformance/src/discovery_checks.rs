//! Discovery checks: the imaging history of a known patient through each flavour, and one
//! check per failure behaviour of `docs/failure-behaviour.md` (a network unavailable, access
//! denied, rate limited with `Retry-After` honoured, a slow network against the deadline, no
//! records, the registry refusing connections), each run through the same backends the
//! viewer uses and judged on the statuses, verdict and messages the clinician would see.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::Check;
use nir_core::config::PatientIdForm;
use nir_core::error::UserFacing;
use nir_core::net::AccessTokens;
use nir_core::registry::{
    Completeness, DiscoveryBackend, FhirBackend, FhirSettings, HistoryQuery, ImagingHistory,
    KnownNetwork, NetworkStatus, RegistryError, RequestContext, RetryPolicy, XcaBackend,
    XcaSettings,
};
use nir_sandbox::scenarios::{RETRY_AFTER_SECONDS, SLOW_DISCOVERY};

/// The synthetic patients of the sandbox scenarios the checks use.
pub mod patients {
    /// Studies across every network.
    pub const RICH_HISTORY: &str = "9912003888";
    /// Every network answers with nothing.
    pub const NO_RECORDS: &str = "9000000009";
    /// The south network never answers.
    pub const NETWORK_UNAVAILABLE: &str = "9000000017";
    /// Discovery answers 403.
    pub const ACCESS_DENIED: &str = "9278693472";
    /// The first discovery request per flavour answers 429.
    pub const RATE_LIMITED: &str = "6700028191";
    /// Discovery answers after a few seconds.
    pub const SLOW_NETWORK: &str = "4409815415";
    /// A token's first data request answers 401.
    pub const TOKEN_EXPIRY: &str = "9912003950";
}

/// Which discovery design a backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// FHIR DocumentReference search.
    Fhir,
    /// XCA ITI-38/39.
    Xca,
}

impl Flavour {
    /// The flavour's name in check names.
    pub fn label(self) -> &'static str {
        match self {
            Self::Fhir => "fhir",
            Self::Xca => "xca",
        }
    }
}

/// Everything needed to build a backend of either flavour, as the viewer builds one.
#[derive(Clone)]
pub struct Target {
    /// The one HTTP client.
    pub http: reqwest::Client,
    /// FHIR base (`…/FHIR/R4/`).
    pub fhir: url::Url,
    /// XCA ITI-38 endpoint.
    pub xca_query: url::Url,
    /// XCA ITI-39 endpoint.
    pub xca_retrieve: url::Url,
    /// The networks expected to answer.
    pub networks: Vec<KnownNetwork>,
    /// ODS code sent with every request.
    pub ods_code: String,
    /// Bearer tokens, if signed in.
    pub tokens: Arc<dyn AccessTokens>,
    /// XCA only: how the NHS number is written in the query.
    pub patient_id_form: PatientIdForm,
}

impl Target {
    /// A backend of `flavour` with `retry`.
    pub fn backend(&self, flavour: Flavour, retry: RetryPolicy) -> Arc<dyn DiscoveryBackend> {
        let session = RequestContext {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            ods_code: self.ods_code.clone(),
            tokens: Arc::clone(&self.tokens),
        };
        match flavour {
            Flavour::Fhir => {
                let mut settings = FhirSettings::new(self.fhir.clone(), self.networks.clone());
                settings.retry = retry;
                Arc::new(FhirBackend::new(self.http.clone(), settings, session))
            }
            Flavour::Xca => {
                let mut settings = XcaSettings::new(
                    self.xca_query.clone(),
                    self.xca_retrieve.clone(),
                    self.networks.clone(),
                )
                .with_patient_id_form(self.patient_id_form);
                settings.retry = retry;
                Arc::new(XcaBackend::new(self.http.clone(), settings, session))
            }
        }
    }
}

async fn discover(
    backend: &Arc<dyn DiscoveryBackend>,
    nhs: &str,
) -> Result<ImagingHistory, RegistryError> {
    let query = HistoryQuery::for_patient(nhs)?;
    backend.discover(&query, &CancellationToken::new()).await
}

/// `name: status` for each network, for reasons.
pub fn describe_statuses(history: &ImagingHistory) -> String {
    history
        .networks
        .iter()
        .map(|n| format!("{}: {:?}", n.name, n.status))
        .collect::<Vec<_>>()
        .join(", ")
}

fn all_have(history: &ImagingHistory, status: NetworkStatus) -> bool {
    !history.networks.is_empty() && history.networks.iter().all(|n| n.status == status)
}

/// Runs every discovery check of one flavour against the sandbox.
pub async fn sandbox_flavour(target: &Target, flavour: Flavour) -> Vec<Check> {
    vec![
        rich_history(target, flavour).await,
        network_unavailable(target, flavour).await,
        access_denied(target, flavour).await,
        rate_limited(target, flavour).await,
        slow_network(target, flavour).await,
        no_records(target, flavour).await,
    ]
}

/// The imaging history of a patient with records in every network: complete, every network
/// answered, records found. `nhs` is the test patient.
pub async fn history_check(
    target: &Target,
    flavour: Flavour,
    nhs: &str,
    name: String,
    min_networks: usize,
) -> Check {
    let backend = target.backend(flavour, RetryPolicy::default());
    match discover(&backend, nhs).await {
        Err(error) => Check::fail(name, error.user_message()),
        Ok(history) => {
            let answered = history
                .networks
                .iter()
                .filter(|n| n.status.is_complete())
                .count();
            let complete = history.verdict == Completeness::Complete;
            Check::expect(
                name,
                complete && answered >= min_networks && !history.records.is_empty(),
                format!(
                    "{} records, {answered} networks answered, {} [{}]",
                    history.records.len(),
                    if complete { "complete" } else { "incomplete" },
                    describe_statuses(&history)
                ),
            )
        }
    }
}

async fn rich_history(target: &Target, flavour: Flavour) -> Check {
    history_check(
        target,
        flavour,
        patients::RICH_HISTORY,
        format!("discovery ({}): imaging history", flavour.label()),
        3,
    )
    .await
}

fn behaviour(flavour: Flavour, what: &str) -> String {
    format!("failure behaviour ({}): {what}", flavour.label())
}

async fn network_unavailable(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "network unavailable");
    let history = match discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::NETWORK_UNAVAILABLE,
    )
    .await
    {
        Ok(history) => history,
        Err(error) => return Check::fail(name, error.user_message()),
    };
    let down: Vec<_> = history
        .networks
        .iter()
        .filter(|n| !n.status.is_complete())
        .collect();
    let Completeness::Incomplete { why } = &history.verdict else {
        return Check::fail(
            name,
            format!(
                "the verdict is complete, a network should be missing [{}]",
                describe_statuses(&history)
            ),
        );
    };
    let named = down.len() == 1
        && matches!(
            down[0].status,
            NetworkStatus::Unavailable | NetworkStatus::TimedOut
        )
        && why.iter().any(|w| w.starts_with(&down[0].name))
        && down[0].reason.contains("may be incomplete");
    if named && !history.records.is_empty() {
        Check::pass(
            name,
            format!(
                "{} records from the others; \"{}\"",
                history.records.len(),
                down[0].reason
            ),
        )
    } else {
        Check::fail(
            name,
            format!(
                "expected partial results with one network named unavailable; got {} records [{}]",
                history.records.len(),
                describe_statuses(&history)
            ),
        )
    }
}

async fn access_denied(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "access denied");
    match discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::ACCESS_DENIED,
    )
    .await
    {
        Err(error) => Check::fail(name, error.user_message()),
        Ok(history) => {
            let ok = all_have(&history, NetworkStatus::AccessDenied)
                && history.records.is_empty()
                && matches!(history.verdict, Completeness::Incomplete { .. });
            Check::expect(
                name,
                ok,
                if ok {
                    format!("not retried; \"{}\"", history.networks[0].reason)
                } else {
                    format!(
                        "expected every network access denied; got [{}]",
                        describe_statuses(&history)
                    )
                },
            )
        }
    }
}

async fn rate_limited(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "rate limited");
    let started = Instant::now();
    let outcome = discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::RATE_LIMITED,
    )
    .await;
    let waited = started.elapsed();
    let history = match outcome {
        Ok(history) => history,
        Err(error) => return Check::fail(name, error.user_message()),
    };
    let complete = history.verdict == Completeness::Complete;
    let honoured = waited >= Duration::from_secs(RETRY_AFTER_SECONDS);
    if complete && honoured && !history.records.is_empty() {
        Check::pass(
            name,
            format!(
                "waited {:.1} s for Retry-After ({RETRY_AFTER_SECONDS} s), then answered",
                waited.as_secs_f64()
            ),
        )
    } else if !complete {
        Check::fail(
            name,
            format!(
                "still not answered after retrying for {:.1} s [{}]",
                waited.as_secs_f64(),
                describe_statuses(&history)
            ),
        )
    } else {
        Check::fail(
            name,
            format!(
                "answered after {:.1} s: Retry-After ({RETRY_AFTER_SECONDS} s) was not honoured",
                waited.as_secs_f64()
            ),
        )
    }
}

async fn slow_network(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "slow network");
    let short = RetryPolicy {
        deadline: SLOW_DISCOVERY / 3,
        ..RetryPolicy::default()
    };
    let late = match discover(&target.backend(flavour, short), patients::SLOW_NETWORK).await {
        Ok(history) => history,
        Err(error) => return Check::fail(name, error.user_message()),
    };
    if !all_have(&late, NetworkStatus::TimedOut) || !late.records.is_empty() {
        return Check::fail(
            name,
            format!(
                "past a {:.1} s deadline every network should be timed out; got [{}]",
                short.deadline.as_secs_f64(),
                describe_statuses(&late)
            ),
        );
    }
    let patient = match discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::SLOW_NETWORK,
    )
    .await
    {
        Ok(history) => history,
        Err(error) => return Check::fail(name, error.user_message()),
    };
    Check::expect(
        name,
        patient.verdict == Completeness::Complete && !patient.records.is_empty(),
        format!(
            "timed out past a {:.1} s deadline (\"{}\"); within the default deadline: {} records [{}]",
            short.deadline.as_secs_f64(),
            late.networks[0].reason,
            patient.records.len(),
            describe_statuses(&patient)
        ),
    )
}

async fn no_records(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "no records");
    match discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::NO_RECORDS,
    )
    .await
    {
        Err(error) => Check::fail(name, error.user_message()),
        Ok(history) => {
            let ok = all_have(&history, NetworkStatus::NoRecords)
                && history.records.is_empty()
                && history.verdict == Completeness::Complete;
            Check::expect(
                name,
                ok,
                if ok {
                    format!("complete; \"{}\"", history.summary_message())
                } else {
                    format!(
                        "expected every network to answer with no records; got [{}]",
                        describe_statuses(&history)
                    )
                },
            )
        }
    }
}

/// Discovery against an address that refuses connections: retried, then every network
/// unavailable, never a hang or a panic.
pub async fn connection_refused(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "registry unreachable");
    let closed = match std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
    {
        Ok(address) => address,
        Err(error) => return Check::fail(name, format!("no loopback port: {error}")),
    };
    let Ok(base) = url::Url::parse(&format!("http://{closed}/")) else {
        return Check::fail(name, "no loopback address");
    };
    let target = Target {
        fhir: base.clone(),
        xca_query: base.clone(),
        xca_retrieve: base,
        ..target.clone()
    };
    match discover(
        &target.backend(flavour, RetryPolicy::default()),
        patients::RICH_HISTORY,
    )
    .await
    {
        Err(error) => Check::fail(name, error.user_message()),
        Ok(history) => Check::expect(
            name,
            all_have(&history, NetworkStatus::Unavailable) && history.records.is_empty(),
            format!(
                "\"{}\" [{}]",
                history.summary_message(),
                describe_statuses(&history)
            ),
        ),
    }
}

/// A token's first request answers 401: discovery returns `token-expired` without retrying
/// and the caller's single retry answers.
pub async fn token_expired(target: &Target, flavour: Flavour) -> Check {
    let name = behaviour(flavour, "token expired");
    let backend = target.backend(flavour, RetryPolicy::default());
    match discover(&backend, patients::TOKEN_EXPIRY).await {
        Err(RegistryError::TokenExpired) => {}
        Err(error) => {
            return Check::fail(
                name,
                format!("expected token-expired, got: {}", error.user_message()),
            )
        }
        Ok(history) => {
            return Check::fail(
                name,
                format!(
                    "expected token-expired on the token's first use, the search ended [{}]",
                    describe_statuses(&history)
                ),
            )
        }
    }
    match discover(&backend, patients::TOKEN_EXPIRY).await {
        Ok(history) if history.verdict == Completeness::Complete => Check::pass(
            name,
            "returned as token-expired, not retried; the caller's retry answered",
        ),
        Ok(history) => Check::fail(
            name,
            format!(
                "the retry after expiry was incomplete [{}]",
                describe_statuses(&history)
            ),
        ),
        Err(error) => Check::fail(
            name,
            format!("the retry after expiry failed: {}", error.user_message()),
        ),
    }
}
