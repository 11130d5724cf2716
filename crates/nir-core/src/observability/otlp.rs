//! The OTLP/HTTP JSON encoding of a metrics snapshot (an `ExportMetricsServiceRequest`, as
//! `POST /v1/metrics` accepts it): cumulative sums for the counters and explicit-bucket
//! histograms for latency and time to first image, with `nir.stage` and `nir.target`
//! attributes. 64-bit integers are JSON strings, as the protobuf JSON mapping requires.

use serde_json::{json, Value};

use super::metrics::{Histogram, MetricsSnapshot, SeriesSnapshot, LATENCY_BOUNDS_MS};

/// OpenTelemetry's "cumulative" aggregation temporality.
const CUMULATIVE: u8 = 2;

fn attributes(series: &SeriesSnapshot) -> Value {
    json!([
        { "key": "nir.stage", "value": { "stringValue": series.stage.name() } },
        { "key": "nir.target", "value": { "stringValue": series.target } },
    ])
}

fn sum(
    snapshot: &MetricsSnapshot,
    name: &str,
    unit: &str,
    description: &str,
    value: fn(&SeriesSnapshot) -> u64,
) -> Value {
    let points: Vec<Value> = snapshot
        .series
        .iter()
        .map(|s| {
            json!({
                "attributes": attributes(s),
                "startTimeUnixNano": snapshot.start_unix_nanos.to_string(),
                "timeUnixNano": snapshot.now_unix_nanos.to_string(),
                "asInt": value(s).to_string(),
            })
        })
        .collect();
    json!({
        "name": name,
        "unit": unit,
        "description": description,
        "sum": { "dataPoints": points, "aggregationTemporality": CUMULATIVE, "isMonotonic": true }
    })
}

fn histogram(
    snapshot: &MetricsSnapshot,
    name: &str,
    description: &str,
    value: fn(&SeriesSnapshot) -> &Histogram,
) -> Value {
    let points: Vec<Value> = snapshot
        .series
        .iter()
        .filter(|s| value(s).count > 0)
        .map(|s| {
            let h = value(s);
            json!({
                "attributes": attributes(s),
                "startTimeUnixNano": snapshot.start_unix_nanos.to_string(),
                "timeUnixNano": snapshot.now_unix_nanos.to_string(),
                "count": h.count.to_string(),
                "sum": h.sum_ms,
                "max": h.max_ms,
                "bucketCounts": h.buckets.iter().map(u64::to_string).collect::<Vec<_>>(),
                "explicitBounds": LATENCY_BOUNDS_MS,
            })
        })
        .collect();
    json!({
        "name": name,
        "unit": "ms",
        "description": description,
        "histogram": { "dataPoints": points, "aggregationTemporality": CUMULATIVE }
    })
}

/// The export request for `snapshot`.
pub fn export_request(snapshot: &MetricsSnapshot) -> Value {
    let metrics = vec![
        sum(
            snapshot,
            "nir.requests",
            "{request}",
            "Requests sent, or discovery queries a network was asked",
            |s| s.requests,
        ),
        sum(
            snapshot,
            "nir.errors",
            "{error}",
            "Failed requests, or queries a network did not answer fully",
            |s| s.errors,
        ),
        sum(
            snapshot,
            "nir.retries",
            "{retry}",
            "Retries after a retryable failure",
            |s| s.retries,
        ),
        sum(
            snapshot,
            "nir.received",
            "By",
            "Response bytes received",
            |s| s.bytes,
        ),
        histogram(snapshot, "nir.request.duration", "Request latency", |s| {
            &s.latency
        }),
        histogram(
            snapshot,
            "nir.first_image.duration",
            "Time from starting a study's retrieval to its first image in memory",
            |s| &s.first_image,
        ),
    ];
    json!({
        "resourceMetrics": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "nir-viewer" } },
                { "key": "service.version", "value": { "stringValue": env!("CARGO_PKG_VERSION") } },
            ]},
            "scopeMetrics": [{
                "scope": { "name": "nir-viewer", "version": env!("CARGO_PKG_VERSION") },
                "metrics": metrics,
            }]
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::{Metrics, Stage};
    use std::time::Duration;

    #[test]
    fn encodes_counters_as_strings_and_histograms_with_bounds() {
        let metrics = Metrics::default();
        metrics.request(
            Stage::Discovery,
            "nir:443",
            Duration::from_millis(120),
            2048,
            true,
        );
        metrics.retry(Stage::Discovery, "nir:443");
        let body = export_request(&metrics.snapshot());
        let list = &body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
        let named = |name: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == name)
                .unwrap()
                .clone()
        };
        let received = named("nir.received");
        let point = &received["sum"]["dataPoints"][0];
        assert_eq!(point["asInt"], "2048");
        assert_eq!(point["attributes"][1]["value"]["stringValue"], "nir:443");
        assert_eq!(received["sum"]["aggregationTemporality"], 2);
        assert_eq!(named("nir.retries")["sum"]["dataPoints"][0]["asInt"], "1");
        let latency = named("nir.request.duration");
        let point = &latency["histogram"]["dataPoints"][0];
        assert_eq!(point["count"], "1");
        assert_eq!(
            point["bucketCounts"].as_array().unwrap().len(),
            point["explicitBounds"].as_array().unwrap().len() + 1
        );
        assert!(named("nir.first_image.duration")["histogram"]["dataPoints"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}
