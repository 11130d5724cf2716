//! Reading a server's `Retry-After` answer (RFC 9110 section 10.2.3): either a number of
//! seconds (`delay-seconds`) or an HTTP-date (`IMF-fixdate`, section 5.6.7) after which the
//! client may try again. A date in the past means "now"; anything unreadable counts as
//! absent, and every wait is capped, because the value comes from outside and an overlong
//! wait would hold a clinician's screen for nothing. Both the registry's retries and
//! DICOMweb retrieval read it here.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest wait any `Retry-After` is taken to ask for: one hour.
pub const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The wait `headers` ask for, capped at [`LONGEST_RETRY_AFTER`]; `None` when absent or
/// unreadable.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now())
}

/// The wait one `Retry-After` value asks for, measured from `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // delay-seconds = 1*DIGIT; a value too long for u64 is still a (very long) wait.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(LONGEST_RETRY_AFTER));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(LONGEST_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(seconds_since_epoch: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds_since_epoch)
    }

    #[test]
    fn reads_delay_seconds_and_caps_them() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("999999", now), Some(LONGEST_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(LONGEST_RETRY_AFTER)
        );
    }

    #[test]
    fn reads_an_http_date_relative_to_now() {
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 s after the epoch.
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(
            parse_retry_after(date, at(1_445_412_480 - 120)),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after(date, at(1_445_412_480 + 5)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(date, at(1_445_412_480 - 86_400)),
            Some(LONGEST_RETRY_AFTER)
        );
    }

    #[test]
    fn treats_anything_else_as_absent() {
        let now = SystemTime::now();
        for value in [
            "",
            "-1",
            "1.5",
            " soon",
            "0x10",
            "Wed, 99 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(parse_retry_after(value, now), None, "{value:?}");
        }
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 2 "));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
    }
}
