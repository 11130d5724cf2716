//! The whole live path of one test patient, through the very session the window uses
//! (`viewer::ViewerSession`): look the patient up through the configured discovery
//! flavour, open the first imaging study the history names (WADO-RS metadata, then its
//! first image retrieved into memory, verified against the pointer and decoded), and read
//! the first report. Each step is a check of its own, so a go-live report says exactly
//! which step of the live path failed and why, in the clinician's words.

use std::sync::Arc;

use super::discovery_checks::{Flavour, Target};
use super::Check;
use nir_core::audit::AuditTrail;
use nir_core::error::UserFacing;
use nir_core::net::{AccessTokens, OriginPolicy};
use nir_core::registry::{DiscoveryBackend, HistoryQuery, RetryPolicy};
use nir_core::viewer::views::HistoryView;
use nir_core::viewer::{PointerKind, SessionParts, TokenSlot, ViewerSession};

/// What the live path needs from the configuration and the sign-in.
pub struct LivePath {
    /// The one HTTP client (configured trust, proxy, mTLS).
    pub http: reqwest::Client,
    /// The signed-in user's tokens.
    pub tokens: Arc<dyn AccessTokens>,
    /// The organisation's ODS code.
    pub ods_code: String,
    /// Memory allowed for clinical content, in bytes.
    pub budget_bytes: u64,
    /// The configured discovery backend.
    pub backend: Arc<dyn DiscoveryBackend>,
    /// `fhir` or `xca`, for check names.
    pub flavour: &'static str,
    /// Where the session's requests, and the token, may go (as the window would have it).
    pub origins: OriginPolicy,
}

impl LivePath {
    /// The live path through `flavour` of the discovery `target` describes, with the
    /// session's memory budget and origin policy.
    pub fn through(
        target: &Target,
        flavour: Flavour,
        budget_bytes: u64,
        origins: OriginPolicy,
    ) -> Self {
        Self {
            http: target.http.clone(),
            tokens: Arc::clone(&target.tokens),
            ods_code: target.ods_code.clone(),
            budget_bytes,
            backend: target.backend(flavour, RetryPolicy::default()),
            flavour: flavour.label(),
            origins,
        }
    }

    /// Runs the path for `nhs` and answers one check per step; everything fetched is wiped
    /// before it returns.
    pub async fn run(&self, nhs: &str, patient: usize) -> Vec<Check> {
        let slot = Arc::new(TokenSlot::default());
        slot.set(Arc::clone(&self.tokens));
        let session = Arc::new(ViewerSession::new(SessionParts {
            http: self.http.clone(),
            tokens: slot,
            ods_code: self.ods_code.clone(),
            budget_bytes: self.budget_bytes,
            audit: Arc::new(AuditTrail::new(None)),
            training: false,
            origins: self.origins.clone(),
        }));
        session.use_document_source(Arc::clone(&self.backend));
        let checks = self.steps(&session, nhs, patient).await;
        session.wipe_all();
        checks
    }

    async fn steps(&self, session: &Arc<ViewerSession>, nhs: &str, patient: usize) -> Vec<Check> {
        let discovery = format!("discovery ({}): test patient {patient}", self.flavour);
        let name = |step: &str| {
            format!(
                "live path ({}): test patient {patient}: {step}",
                self.flavour
            )
        };
        let query = match HistoryQuery::for_patient(nhs) {
            Ok(query) => query,
            Err(error) => return vec![Check::fail(discovery.clone(), error.user_message())],
        };
        let history = match session.lookup(&*self.backend, query).await {
            Ok(history) => history,
            Err(error) => return vec![Check::fail(discovery.clone(), error.user_message())],
        };
        let mut checks = vec![discovery_check(discovery, &history)];
        checks.push(
            self.first_study(session, &history, name("first study"))
                .await,
        );
        checks.push(first_report(session, &history, name("first report")).await);
        checks
    }

    async fn first_study(
        &self,
        session: &Arc<ViewerSession>,
        history: &HistoryView,
        name: String,
    ) -> Check {
        let Some(record) = history
            .records
            .iter()
            .find(|r| r.kind == PointerKind::ImagingStudy && r.openable)
        else {
            return Check::fail(
                name,
                "the history names no imaging study that can be opened",
            );
        };
        let study = match session.open_study(&record.id, |_| {}).await {
            Ok(study) => study,
            Err(error) => return Check::fail(name, error.user_message()),
        };
        let Some(series) = study
            .series
            .iter()
            .position(|s| s.instance_count > 0 && s.document.is_none())
        else {
            return Check::fail(name, "the study's metadata lists no image");
        };
        let outcome = session.frame(&study.key, series, 0).await;
        let _ = session.close_study(&study.key);
        match outcome {
            Ok((frame, _)) => Check::pass(
                name,
                format!(
                    "{} from {}: metadata read, {} series; first image retrieved, verified and decoded ({}×{})",
                    record.description,
                    record.provider_name,
                    study.series.len(),
                    frame.columns,
                    frame.rows
                ),
            ),
            Err(error) => Check::fail(name, error.user_message()),
        }
    }
}

fn discovery_check(name: String, history: &HistoryView) -> Check {
    let answered = history
        .networks
        .iter()
        .filter(|n| n.state.is_complete())
        .count();
    let networks = history
        .networks
        .iter()
        .map(|n| format!("{}: {}", n.name, n.state.name()))
        .collect::<Vec<_>>()
        .join(", ");
    // A partial answer passes when it is reported as partial: a national service always has
    // some network down. Nothing answering, or no record at all, fails.
    let ok = answered > 0 && !history.records.is_empty();
    Check::expect(
        name,
        ok,
        format!(
            "{} records; {}; {answered} of {} networks answered [{networks}]",
            history.records.len(),
            if history.complete {
                "complete"
            } else {
                "incomplete, reported as such"
            },
            history.networks.len()
        ),
    )
}

async fn first_report(session: &ViewerSession, history: &HistoryView, name: String) -> Check {
    let Some(record) = history
        .records
        .iter()
        .find(|r| r.kind != PointerKind::ImagingStudy && r.openable)
    else {
        return Check::fail(name, "the history names no report that can be read");
    };
    match session.open_report(&record.id).await {
        Ok(report) if !report.text.trim().is_empty() || report.pdf_url.is_some() => {
            let read = match (report.text.trim().is_empty(), report.pdf_url.is_some()) {
                (false, true) => "text and PDF read",
                (false, false) => "text read",
                _ => "PDF read",
            };
            Check::pass(
                name,
                format!("{} from {}: {read}", report.title, record.provider_name),
            )
        }
        Ok(_) => Check::fail(name, "the report holds neither text nor a PDF"),
        Err(error) => Check::fail(name, error.user_message()),
    }
}
