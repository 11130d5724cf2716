//! Bounded retries with jittered exponential backoff, an overall deadline and
//! cancellation. Only idempotent calls are retried, and only for errors that may clear:
//! connection failures, 502/503/504, and 429 (waiting as long as `Retry-After` asks, if
//! the deadline allows). Everything else is returned at once.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::RegistryError;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled each time.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
    /// Overall deadline for all attempts and waits together.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            deadline: Duration::from_secs(30),
        }
    }
}

/// The result of one failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptError {
    /// May clear on retry; `after` is the server's requested wait (Retry-After).
    Retryable {
        /// The error to report if no retry succeeds.
        error: RegistryError,
        /// Wait the server asked for.
        after: Option<Duration>,
    },
    /// Will not clear by retrying.
    Fatal(RegistryError),
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1` (attempt counts from 1): full jitter over
    /// the upper half of the exponential step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        step.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// Runs `attempt` until it succeeds, fails fatally, the attempts run out, the deadline
    /// passes (`TimedOut(service)`) or `cancel` fires (`Cancelled`). Non-idempotent calls
    /// get exactly one attempt.
    pub async fn run<T, F, Fut>(
        &self,
        service: &str,
        idempotent: bool,
        cancel: &CancellationToken,
        mut attempt: F,
    ) -> Result<T, RegistryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let deadline = Instant::now() + self.deadline;
        let max_attempts = if idempotent {
            self.max_attempts.max(1)
        } else {
            1
        };
        let work = async {
            let mut tried = 0;
            loop {
                tried += 1;
                match attempt().await {
                    Ok(value) => return Ok(value),
                    Err(AttemptError::Fatal(error)) => return Err(error),
                    Err(AttemptError::Retryable { error, after }) => {
                        if tried >= max_attempts {
                            return Err(error);
                        }
                        let wait = after.unwrap_or_else(|| self.backoff(tried));
                        if Instant::now() + wait >= deadline {
                            return Err(error);
                        }
                        tracing::debug!(
                            service,
                            attempt = tried,
                            wait_ms = wait.as_millis() as u64,
                            "retrying"
                        );
                        crate::observability::global()
                            .retry(crate::observability::Stage::Discovery, service);
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        };
        tokio::select! {
            () = cancel.cancelled() => Err(RegistryError::Cancelled),
            result = tokio::time::timeout_at(deadline, work) => {
                result.unwrap_or_else(|_| Err(RegistryError::TimedOut(service.to_string())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            deadline: Duration::from_secs(20),
        }
    }

    fn unavailable() -> AttemptError {
        AttemptError::Retryable {
            error: RegistryError::Unavailable("NIR".into()),
            after: None,
        }
    }

    #[tokio::test]
    async fn retries_retryable_errors_up_to_the_limit() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = quick()
            .run("NIR", true, &CancellationToken::new(), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable())
            })
            .await;
        assert_eq!(result, Err(RegistryError::Unavailable("NIR".into())));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn succeeds_after_a_transient_failure_and_never_retries_fatal_or_unsafe() {
        let calls = AtomicU32::new(0);
        let result = quick()
            .run("NIR", true, &CancellationToken::new(), || async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(unavailable())
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result, Ok(7));
        let fatal = AtomicU32::new(0);
        let _ = quick()
            .run("NIR", true, &CancellationToken::new(), || async {
                fatal.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(AttemptError::Fatal(RegistryError::TokenExpired))
            })
            .await;
        assert_eq!(fatal.load(Ordering::SeqCst), 1);
        let unsafe_calls = AtomicU32::new(0);
        let _ = quick()
            .run("NIR", false, &CancellationToken::new(), || async {
                unsafe_calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(unavailable())
            })
            .await;
        assert_eq!(unsafe_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn gives_up_when_retry_after_exceeds_the_deadline() {
        let policy = RetryPolicy {
            deadline: Duration::from_secs(2),
            ..quick()
        };
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = policy
            .run("NIR", true, &CancellationToken::new(), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(AttemptError::Retryable {
                    error: RegistryError::RateLimited("NIR".into()),
                    after: Some(Duration::from_secs(60)),
                })
            })
            .await;
        assert_eq!(result, Err(RegistryError::RateLimited("NIR".into())));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn cancellation_and_deadline_end_a_hung_call() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let result: Result<(), _> = quick()
            .run("NIR", true, &cancel, std::future::pending)
            .await;
        assert_eq!(result, Err(RegistryError::Cancelled));
        let policy = RetryPolicy {
            deadline: Duration::from_millis(50),
            ..quick()
        };
        let result: Result<(), _> = policy
            .run("NIR", true, &CancellationToken::new(), || {
                std::future::pending()
            })
            .await;
        assert_eq!(result, Err(RegistryError::TimedOut("NIR".into())));
    }

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let wait = policy.backoff(attempt);
            assert!(wait <= policy.max_delay);
            assert!(wait >= policy.base_delay / 2);
        }
    }
}
