//! Fault behaviour per scenario: which patients are refused, rate limited, slowed,
//! truncated or hit by token expiry, and the small amount of state (first requests seen)
//! that makes "fail first, then succeed" behaviours work per sandbox instance.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::response::Response;

use super::auth_gate::TokenUse;
use super::patients::{Scenario, PATIENTS};

/// Which discovery flavour a request used (rate limits count separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// FHIR DocumentReference search.
    Fhir,
    /// XCA ITI-38.
    Xca,
}

/// How long slow-network discovery waits before answering.
pub const SLOW_DISCOVERY: Duration = Duration::from_secs(3);
/// How many pieces a slow WADO response is cut into, and the pause between them.
pub const TRICKLE_PIECES: usize = 10;
/// Pause between trickled pieces (10 × 250 ms ≈ 2.5 s in total).
pub const TRICKLE_PAUSE: Duration = Duration::from_millis(250);
/// `Retry-After` seconds of a rate-limited answer.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// A rate-limited answer: `response` with `Retry-After` (RFC 9110 §10.2.3) in seconds.
pub fn with_retry_after(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// What discovery must do before (or instead of) answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscoveryFault {
    /// Answer normally.
    None,
    /// 403 access denied.
    Denied,
    /// 429 with Retry-After.
    RateLimited,
    /// 401 expired token.
    TokenExpired,
    /// Answer after [`SLOW_DISCOVERY`].
    Slow,
}

/// Per-sandbox scenario state.
#[derive(Debug, Default)]
pub struct Faults {
    rate_limited_once: Mutex<HashSet<(usize, Flavour)>>,
}

fn scenario(patient: usize) -> Option<Scenario> {
    PATIENTS.get(patient).map(|p| p.scenario)
}

impl Faults {
    /// The fault a discovery request for `patient` meets.
    pub fn discovery(&self, patient: usize, flavour: Flavour, token: TokenUse) -> DiscoveryFault {
        if token_expired(patient, token) {
            return DiscoveryFault::TokenExpired;
        }
        match scenario(patient) {
            Some(Scenario::AccessDenied) => DiscoveryFault::Denied,
            Some(Scenario::SlowNetwork) => DiscoveryFault::Slow,
            Some(Scenario::RateLimited) => {
                let first = match self.rate_limited_once.lock() {
                    Ok(mut seen) => seen.insert((patient, flavour)),
                    Err(poisoned) => poisoned.into_inner().insert((patient, flavour)),
                };
                if first {
                    DiscoveryFault::RateLimited
                } else {
                    DiscoveryFault::None
                }
            }
            _ => DiscoveryFault::None,
        }
    }
}

/// Whether a data request for `patient` must answer 401 (token-expiry scenario).
pub fn token_expired(patient: usize, token: TokenUse) -> bool {
    token.first_use && scenario(patient) == Some(Scenario::TokenExpiry)
}

/// Whether WADO responses for this patient's studies trickle.
pub fn trickles(patient: usize) -> bool {
    scenario(patient) == Some(Scenario::SlowNetwork)
}

/// Whether a series or study retrieve of this study is cut mid-part (and so is the
/// retrieve of any series' second instance on its own).
pub fn truncates(patient: usize, study_index: usize) -> bool {
    scenario(patient) == Some(Scenario::TruncatedTransfer) && study_index == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patients::patient_index;

    #[test]
    fn rate_limit_hits_once_per_flavour() {
        let faults = Faults::default();
        let p = patient_index("6700028191").unwrap();
        let t = TokenUse::default();
        for flavour in [Flavour::Fhir, Flavour::Xca] {
            assert_eq!(faults.discovery(p, flavour, t), DiscoveryFault::RateLimited);
            assert_eq!(faults.discovery(p, flavour, t), DiscoveryFault::None);
        }
    }

    #[test]
    fn named_faults_map_to_their_patients() {
        let faults = Faults::default();
        let t = TokenUse::default();
        let first = TokenUse { first_use: true };
        let idx = |n| patient_index(n).unwrap();
        // In order: the token-expiry patient fails its first request only.
        let expected = [
            ("9278693472", Flavour::Fhir, t, DiscoveryFault::Denied),
            ("4409815415", Flavour::Xca, t, DiscoveryFault::Slow),
            (
                "9912003950",
                Flavour::Fhir,
                first,
                DiscoveryFault::TokenExpired,
            ),
            ("9912003950", Flavour::Fhir, t, DiscoveryFault::None),
            ("9912003888", Flavour::Fhir, first, DiscoveryFault::None),
        ];
        for (nhs, flavour, token, fault) in expected {
            assert_eq!(faults.discovery(idx(nhs), flavour, token), fault, "{nhs}");
        }
        assert!(truncates(idx("9912003926"), 0) && !truncates(idx("9912003926"), 1));
        assert!(trickles(idx("4409815415")) && !trickles(idx("9912003888")));
    }
}
