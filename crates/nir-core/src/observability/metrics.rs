//! The in-memory metrics registry: one series per (stage, target), each with request, error,
//! retry and byte counters and two histograms (request latency, time to first image). The
//! number of series is capped so that a misbehaving peer cannot grow memory without bound.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use ts_rs::TS;

/// Upper bounds (milliseconds) of the latency histogram buckets; one more bucket is open.
pub const LATENCY_BOUNDS_MS: [f64; 10] = [
    25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0,
];
/// At most this many series; later targets are folded into [`OVERFLOW_TARGET`].
pub const MAX_SERIES: usize = 128;
/// The target that collects series beyond [`MAX_SERIES`].
pub const OVERFLOW_TARGET: &str = "other";

/// Where in the viewer's work a measurement was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    /// An HTTP exchange with the registry (FHIR or XCA).
    Discovery,
    /// How one imaging network answered a discovery query.
    Network,
    /// An HTTP exchange with an imaging network's DICOMweb service.
    Retrieval,
}

impl Stage {
    /// The stage's name in exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Network => "network",
            Self::Retrieval => "retrieval",
        }
    }
}

/// A fixed-bucket histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Histogram {
    /// Observations.
    #[ts(type = "number")]
    pub count: u64,
    /// Their sum, in milliseconds.
    pub sum_ms: f64,
    /// The largest, in milliseconds.
    pub max_ms: f64,
    /// Counts per bucket of [`LATENCY_BOUNDS_MS`], then the open bucket.
    #[ts(type = "number[]")]
    pub buckets: Vec<u64>,
}

impl Histogram {
    fn observe(&mut self, value: Duration) {
        let ms = value.as_secs_f64() * 1000.0;
        if self.buckets.is_empty() {
            self.buckets = vec![0; LATENCY_BOUNDS_MS.len() + 1];
        }
        let index = LATENCY_BOUNDS_MS
            .iter()
            .position(|bound| ms <= *bound)
            .unwrap_or(LATENCY_BOUNDS_MS.len());
        self.buckets[index] += 1;
        self.count += 1;
        self.sum_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }

    /// Mean in milliseconds, 0 when empty.
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ms / self.count as f64
        }
    }
}

/// One series' values.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Series {
    requests: u64,
    errors: u64,
    retries: u64,
    bytes: u64,
    latency: Histogram,
    first_image: Histogram,
}

/// One series as the diagnostics page and the exporter see it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeriesSnapshot {
    /// The stage.
    pub stage: Stage,
    /// `host:port` or a network's name.
    pub target: String,
    /// Requests (or, for networks, queries answered for).
    #[ts(type = "number")]
    pub requests: u64,
    /// Failed requests (or networks that did not answer fully).
    #[ts(type = "number")]
    pub errors: u64,
    /// Retries after a retryable failure.
    #[ts(type = "number")]
    pub retries: u64,
    /// Response bytes received.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Request latency.
    pub latency: Histogram,
    /// Time from starting a study's retrieval to its first image in memory.
    pub first_image: Histogram,
}

/// Everything recorded so far.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricsSnapshot {
    /// When recording began (Unix nanoseconds).
    #[ts(type = "number")]
    pub start_unix_nanos: u64,
    /// When the snapshot was taken (Unix nanoseconds).
    #[ts(type = "number")]
    pub now_unix_nanos: u64,
    /// Every series, by stage then target.
    pub series: Vec<SeriesSnapshot>,
}

/// The registry.
#[derive(Debug)]
pub struct Metrics {
    start: SystemTime,
    series: Mutex<BTreeMap<(Stage, String), Series>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            start: SystemTime::now(),
            series: Mutex::new(BTreeMap::new()),
        }
    }
}

/// The process's registry, which discovery and retrieval record into.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

/// The metrics name of a URL's target: `host:port`, never its path or query.
pub fn target_of(url: &url::Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => "unknown".into(),
    }
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Metrics {
    fn with(&self, stage: Stage, target: &str, update: impl FnOnce(&mut Series)) {
        let mut series = self.lock();
        let key = (stage, target.to_owned());
        let key = if series.contains_key(&key) || series.len() < MAX_SERIES {
            key
        } else {
            (stage, OVERFLOW_TARGET.to_owned())
        };
        update(series.entry(key).or_default());
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<(Stage, String), Series>> {
        self.series.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One request finished: its latency, the bytes received and whether it failed.
    pub fn request(&self, stage: Stage, target: &str, latency: Duration, bytes: u64, ok: bool) {
        self.with(stage, target, |s| {
            s.requests += 1;
            s.bytes += bytes;
            s.latency.observe(latency);
            if !ok {
                s.errors += 1;
            }
        });
    }

    /// Bytes received outside a whole-request measurement (streamed bodies).
    pub fn bytes(&self, stage: Stage, target: &str, bytes: u64) {
        self.with(stage, target, |s| s.bytes += bytes);
    }

    /// A failure that was not a finished request (a stream cut short).
    pub fn error(&self, stage: Stage, target: &str) {
        self.with(stage, target, |s| s.errors += 1);
    }

    /// A retry after a retryable failure.
    pub fn retry(&self, stage: Stage, target: &str) {
        self.with(stage, target, |s| s.retries += 1);
    }

    /// How a named network answered one discovery query.
    pub fn network_outcome(&self, network: &str, answered: bool) {
        self.with(Stage::Network, network, |s| {
            s.requests += 1;
            if !answered {
                s.errors += 1;
            }
        });
    }

    /// The first image of a study reached memory `elapsed` after its retrieval began.
    pub fn first_image(&self, target: &str, elapsed: Duration) {
        self.with(Stage::Retrieval, target, |s| s.first_image.observe(elapsed));
    }

    /// A copy of everything recorded.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let series = self
            .lock()
            .iter()
            .map(|((stage, target), s)| SeriesSnapshot {
                stage: *stage,
                target: target.clone(),
                requests: s.requests,
                errors: s.errors,
                retries: s.retries,
                bytes: s.bytes,
                latency: s.latency.clone(),
                first_image: s.first_image.clone(),
            })
            .collect();
        MetricsSnapshot {
            start_unix_nanos: unix_nanos(self.start),
            now_unix_nanos: unix_nanos(SystemTime::now()),
            series,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_per_target() {
        let metrics = Metrics::default();
        metrics.request(
            Stage::Retrieval,
            "pacs:443",
            Duration::from_millis(30),
            100,
            true,
        );
        metrics.request(
            Stage::Retrieval,
            "pacs:443",
            Duration::from_secs(60),
            0,
            false,
        );
        metrics.retry(Stage::Retrieval, "pacs:443");
        metrics.first_image("pacs:443", Duration::from_millis(700));
        metrics.network_outcome("South Imaging Network", false);
        let snapshot = metrics.snapshot();
        assert_eq!(snapshot.series.len(), 2);
        let network = &snapshot.series[0];
        assert_eq!((network.stage, network.errors), (Stage::Network, 1));
        let pacs = &snapshot.series[1];
        assert_eq!(
            (pacs.requests, pacs.errors, pacs.retries, pacs.bytes),
            (2, 1, 1, 100)
        );
        assert_eq!(pacs.latency.buckets[1], 1, "30 ms is in the 50 ms bucket");
        assert_eq!(
            pacs.latency.buckets[LATENCY_BOUNDS_MS.len()],
            1,
            "60 s is open"
        );
        assert_eq!(pacs.first_image.count, 1);
        assert!((pacs.first_image.mean_ms() - 700.0).abs() < 1.0);
    }

    #[test]
    fn targets_are_host_and_port_only_and_series_are_capped() {
        let url = url::Url::parse(
            "https://pacs.example:8443/dicom-web/studies/1.2.3?PatientID=9912003888",
        )
        .unwrap();
        assert_eq!(target_of(&url), "pacs.example:8443");
        let metrics = Metrics::default();
        for n in 0..MAX_SERIES + 10 {
            metrics.error(Stage::Discovery, &format!("host{n}:443"));
        }
        let snapshot = metrics.snapshot();
        assert_eq!(snapshot.series.len(), MAX_SERIES + 1);
        let other = snapshot
            .series
            .iter()
            .find(|s| s.target == OVERFLOW_TARGET)
            .unwrap();
        assert_eq!(other.errors, 10);
    }
}
