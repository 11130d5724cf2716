//! Observability without patient data: per-target counters and latency histograms recorded
//! where discovery and retrieval happen (requests, errors, retries, bytes, time to first
//! image), shown on the viewer's diagnostics page and, when the managed configuration names
//! an OpenTelemetry collector, exported to it as OTLP/HTTP JSON, periodically and on exit.
//! Targets are named by host and port or by imaging network name only — never by a URL
//! path or query, which could carry an NHS number or a UID.

pub mod export;
pub mod metrics;
pub mod otlp;

pub use export::{ExportStatus, OtlpExporter};
pub use metrics::{global, target_of, Metrics, MetricsSnapshot, SeriesSnapshot, Stage};
