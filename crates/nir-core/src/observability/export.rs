//! Sends the metrics to an OpenTelemetry collector over OTLP/HTTP JSON: one POST every
//! interval and one at exit, each bounded in time and size (the series cap bounds the body);
//! a failed export is logged and counted, never retried in a loop — the next one carries
//! the same cumulative values.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use ts_rs::TS;

use super::metrics::Metrics;
use super::otlp::export_request;

/// The longest one export may take.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest interval allowed between periodic exports.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// How exporting has gone, for the diagnostics page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportStatus {
    /// The collector's `host:port`, when one is configured.
    pub collector: Option<String>,
    /// Exports the collector accepted.
    #[ts(type = "number")]
    pub sent: u64,
    /// Exports that failed.
    #[ts(type = "number")]
    pub failed: u64,
    /// Why the last export failed, if it did.
    pub last_error: Option<String>,
}

/// The exporter.
#[derive(Debug)]
pub struct OtlpExporter {
    http: reqwest::Client,
    endpoint: url::Url,
    metrics: &'static Metrics,
    status: Mutex<ExportStatus>,
}

impl OtlpExporter {
    /// An exporter posting `metrics` to `endpoint` (the full `…/v1/metrics` URL).
    pub fn new(http: reqwest::Client, endpoint: url::Url, metrics: &'static Metrics) -> Self {
        let status = ExportStatus {
            collector: Some(super::metrics::target_of(&endpoint)),
            ..ExportStatus::default()
        };
        Self {
            http,
            endpoint,
            metrics,
            status: Mutex::new(status),
        }
    }

    /// What has happened so far.
    pub fn status(&self) -> ExportStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sends one export now; `Err` says why it failed.
    pub async fn export(&self) -> Result<(), String> {
        let body = export_request(&self.metrics.snapshot());
        let outcome = self
            .http
            .post(self.endpoint.clone())
            .json(&body)
            .timeout(EXPORT_TIMEOUT)
            .send()
            .await;
        let result = match outcome {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("the collector answered {}", response.status())),
            Err(error) => Err(error.without_url().to_string()),
        };
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(()) => {
                status.sent += 1;
                status.last_error = None;
            }
            Err(reason) => {
                status.failed += 1;
                status.last_error = Some(reason.clone());
                tracing::warn!(%reason, "metrics export failed");
            }
        }
        result
    }

    /// Exports every `interval` (at least [`MIN_INTERVAL`]) until the task is aborted.
    pub fn spawn_periodic(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let exporter = Arc::clone(self);
        let interval = interval.max(MIN_INTERVAL);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let _ = exporter.export().await;
            }
        })
    }
}
