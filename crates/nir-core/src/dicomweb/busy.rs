//! What retrieval does when a DICOMweb server says it is busy. A PACS under load answers
//! `503 Service Unavailable` (RFC 9110 section 15.6.4) or `429 Too Many Requests` (RFC 6585
//! section 4), usually with `Retry-After` saying when to come back (RFC 9110 section
//! 10.2.3). Failing the whole study on such an answer would turn a moment's congestion into
//! "images unavailable"; waiting without limit would hold the clinician's screen. So a
//! request waits as asked, a bounded number of times, each wait capped, and cancellable by
//! closing the study; a server that asks for longer than the cap, or is still busy after
//! the last wait, is reported as busy.

use std::time::Duration;

use reqwest::StatusCode;

/// How patiently one request waits for a busy server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyPolicy {
    /// Waits per request before the server is reported busy.
    pub max_waits: u32,
    /// The longest single wait; a server asking for more is reported busy at once.
    pub longest_wait: Duration,
    /// The wait when the server gives no (readable) `Retry-After`.
    pub default_wait: Duration,
}

impl Default for BusyPolicy {
    fn default() -> Self {
        Self {
            max_waits: 3,
            longest_wait: Duration::from_secs(30),
            default_wait: Duration::from_secs(2),
        }
    }
}

impl BusyPolicy {
    /// Whether `status` is a "busy, come back later" answer.
    pub fn is_busy(status: StatusCode) -> bool {
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS
    }

    /// How long to wait after the busy answer that followed `waits_so_far` waits, given the
    /// server's `Retry-After`; `None` means give up.
    pub fn next_wait(&self, waits_so_far: u32, asked: Option<Duration>) -> Option<Duration> {
        if waits_so_far >= self.max_waits {
            return None;
        }
        let wait = asked.unwrap_or(self.default_wait);
        (wait <= self.longest_wait).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_as_asked_a_bounded_number_of_times() {
        let policy = BusyPolicy::default();
        let one = Some(Duration::from_secs(1));
        assert_eq!(policy.next_wait(0, one), Some(Duration::from_secs(1)));
        assert_eq!(policy.next_wait(2, one), Some(Duration::from_secs(1)));
        assert_eq!(policy.next_wait(3, one), None);
    }

    #[test]
    fn uses_the_default_without_retry_after_and_refuses_overlong_waits() {
        let policy = BusyPolicy::default();
        assert_eq!(policy.next_wait(0, None), Some(policy.default_wait));
        assert_eq!(
            policy.next_wait(0, Some(policy.longest_wait)),
            Some(policy.longest_wait)
        );
        assert_eq!(policy.next_wait(0, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn only_503_and_429_are_busy() {
        assert!(BusyPolicy::is_busy(StatusCode::SERVICE_UNAVAILABLE));
        assert!(BusyPolicy::is_busy(StatusCode::TOO_MANY_REQUESTS));
        for status in [
            StatusCode::OK,
            StatusCode::BAD_GATEWAY,
            StatusCode::GATEWAY_TIMEOUT,
        ] {
            assert!(!BusyPolicy::is_busy(status));
        }
    }
}
