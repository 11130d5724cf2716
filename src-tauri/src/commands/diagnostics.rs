//! The diagnostics page: the metrics recorded so far (per registry, network and imaging
//! service: requests, errors, retries, bytes, latency, time to first image) and how the
//! export to the organisation's collector is going. Nothing on it identifies a patient.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::shell::AppState;
use nir_core::observability::{global, ExportStatus, MetricsSnapshot};

/// What the diagnostics page shows.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsView {
    /// The viewer's version.
    pub version: &'static str,
    /// Every series recorded so far.
    pub metrics: MetricsSnapshot,
    /// The export to a collector, when one is configured.
    pub export: Option<ExportStatus>,
}

/// The diagnostics of this run.
#[tauri::command]
pub fn diagnostics(state: State<'_, AppState>) -> DiagnosticsView {
    DiagnosticsView {
        version: env!("CARGO_PKG_VERSION"),
        metrics: global().snapshot(),
        export: state.metrics_export.as_ref().map(|e| e.status()),
    }
}
