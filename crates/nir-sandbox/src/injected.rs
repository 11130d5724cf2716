//! Faults injected into a whole running sandbox, on top of the per-patient scenarios: the
//! identity provider down, every discovery request refused as unavailable, or rate limited
//! for good. They exist so that the conformance suite can be shown to fail, with its
//! reasons, against a registry that misbehaves; nothing in training mode turns them on.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::scenarios::with_retry_after;

/// One fault applied to every matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InjectedFault {
    /// The mock CIS2 (`/oidc/…`) answers 503 to everything.
    IdentityProviderDown,
    /// Every FHIR and XCA discovery request answers 503.
    DiscoveryUnavailable,
    /// Every FHIR and XCA discovery request answers 429 with `Retry-After`.
    RateLimitedAlways,
}

/// The faults in force for one sandbox.
#[derive(Debug, Default)]
pub struct Injected {
    faults: Mutex<Vec<InjectedFault>>,
}

impl Injected {
    /// Turns `fault` on.
    pub fn add(&self, fault: InjectedFault) {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        if !faults.contains(&fault) {
            faults.push(fault);
        }
    }

    fn has(&self, fault: InjectedFault) -> bool {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&fault)
    }

    /// The answer an injected fault gives instead of the real one, if any.
    fn intercept(&self, path: &str) -> Option<Response> {
        let discovery = path.starts_with("/fhir/") || path.starts_with("/xca/");
        if path.starts_with("/oidc") && self.has(InjectedFault::IdentityProviderDown) {
            return Some(
                (StatusCode::SERVICE_UNAVAILABLE, "identity provider down").into_response(),
            );
        }
        if discovery && self.has(InjectedFault::DiscoveryUnavailable) {
            return Some(
                (StatusCode::SERVICE_UNAVAILABLE, "discovery unavailable").into_response(),
            );
        }
        if discovery && self.has(InjectedFault::RateLimitedAlways) {
            return Some(with_retry_after(
                (StatusCode::TOO_MANY_REQUESTS, "rate limited").into_response(),
            ));
        }
        None
    }
}

/// Middleware answering for an injected fault, or passing the request on.
pub async fn layer(
    State(injected): State<Arc<Injected>>,
    request: Request,
    next: Next,
) -> Response {
    match injected.intercept(request.uri().path()) {
        Some(response) => response,
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn only_matching_paths_are_intercepted() {
        let injected = Injected::default();
        assert!(injected.intercept("/fhir/R4/DocumentReference").is_none());
        injected.add(InjectedFault::RateLimitedAlways);
        let limited = injected.intercept("/xca/iti38").unwrap();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(limited.headers().contains_key(header::RETRY_AFTER));
        assert!(injected
            .intercept("/networks/north/dicomweb/studies")
            .is_none());
        assert!(injected.intercept("/oidc/token").is_none());
        injected.add(InjectedFault::IdentityProviderDown);
        assert_eq!(
            injected.intercept("/oidc/token").unwrap().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
