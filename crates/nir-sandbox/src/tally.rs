//! What the sandbox was asked for, counted per WADO-RS path, so a test can show the viewer
//! fetched no instance twice (an instance requested on its own and again inside its
//! series both count). Only retrieval paths are counted, and at most a fixed number of
//! distinct paths, so a client cannot grow the table without bound. Held in memory for the
//! life of the sandbox; the data behind the paths is synthetic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Most distinct paths counted.
const MAX_PATHS: usize = 100_000;

/// Requests per retrieval path.
#[derive(Debug, Default)]
pub struct RequestTally {
    counts: Mutex<HashMap<String, usize>>,
}

impl RequestTally {
    fn record(&self, path: &str) {
        if !path.contains("/dicomweb/studies/") {
            return;
        }
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() < MAX_PATHS || counts.contains_key(path) {
            *counts.entry(path.to_owned()).or_default() += 1;
        }
    }

    /// How many requests asked for exactly `path`.
    pub fn count(&self, path: &str) -> usize {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(path).copied().unwrap_or(0)
    }

    /// Every counted path with its count.
    pub fn all(&self) -> Vec<(String, usize)> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<_> = counts.iter().map(|(p, c)| (p.clone(), *c)).collect();
        all.sort();
        all
    }
}

/// Middleware counting the request, then passing it on.
pub async fn layer(
    State(tally): State<Arc<RequestTally>>,
    request: Request,
    next: Next,
) -> Response {
    tally.record(request.uri().path());
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_retrieval_paths_only() {
        let tally = RequestTally::default();
        let instance = "/networks/north/dicomweb/studies/1/series/2/instances/3";
        tally.record(instance);
        tally.record(instance);
        tally.record("/fhir/R4/DocumentReference");
        assert_eq!(tally.count(instance), 2);
        assert_eq!(tally.all().len(), 1);
    }
}
