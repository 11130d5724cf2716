//! Refusal of replayed signed launches: the `jti` (RFC 7519 §4.1.7) of every accepted signed
//! context is remembered until its token expires, so the same token cannot open a patient a
//! second time. The memory is bounded: expired ids are forgotten first, and when it is still
//! full a new signed launch is refused (never an old id forgotten early).

use std::collections::HashMap;
use std::sync::Mutex;

use super::signed_context::LEEWAY_SECS;
use super::LaunchError;

/// How many unexpired ids are remembered at most (tokens live five minutes at most).
pub const REPLAY_CAPACITY: usize = 1024;

/// The `jti` values already used, with the expiry of their tokens.
#[derive(Debug)]
pub struct ReplayGuard {
    seen: Mutex<HashMap<String, u64>>,
    capacity: usize,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::with_capacity(REPLAY_CAPACITY)
    }
}

impl ReplayGuard {
    /// A guard remembering at most `capacity` ids.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Records `jti` (whose token expires at `exp`), or refuses it when it was used already.
    pub fn remember(&self, jti: &str, exp: u64, now: u64) -> Result<(), LaunchError> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // A token past its expiry (with leeway) is refused anyway; its id need not be kept.
        seen.retain(|_, expiry| expiry.saturating_add(LEEWAY_SECS) > now);
        if seen.contains_key(jti) {
            return Err(LaunchError::BadSignature(
                "the token has been used already".into(),
            ));
        }
        if seen.len() >= self.capacity {
            return Err(LaunchError::BadSignature(
                "too many signed launches in a short time; try again in a few minutes".into(),
            ));
        }
        seen.insert(jti.to_owned(), exp);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_used_jti_is_refused_until_its_token_expires() {
        let guard = ReplayGuard::default();
        assert_eq!(guard.remember("a", 1_000, 900), Ok(()));
        let replay = guard.remember("a", 1_000, 950).unwrap_err();
        assert!(replay.to_string().contains("used already"), "{replay}");
        assert_eq!(guard.remember("b", 1_000, 950), Ok(()));
        // Once the token has expired it is refused for that reason; the id may be dropped.
        assert_eq!(guard.remember("a", 2_000, 1_000 + LEEWAY_SECS), Ok(()));
    }

    #[test]
    fn memory_is_bounded_and_a_full_guard_refuses_rather_than_forgets() {
        let guard = ReplayGuard::with_capacity(2);
        guard.remember("a", 1_000, 900).unwrap();
        guard.remember("b", 1_000, 900).unwrap();
        assert!(guard.remember("c", 1_000, 900).is_err());
        assert!(guard.remember("a", 1_000, 900).is_err(), "still remembered");
        // After expiry there is room again.
        assert_eq!(guard.remember("c", 2_000, 1_100), Ok(()));
    }
}
