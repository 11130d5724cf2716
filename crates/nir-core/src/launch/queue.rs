//! The launch waiting for the signed-in clinician. A link is parsed and its signed context
//! verified (signature, issuer, audience, times, patient, `jti` not seen before) the moment
//! it arrives, so a forged or replayed link is refused before it can wait; only the verdict
//! is kept, not the token. The queue holds one launch (a newer one replaces it) and is
//! emptied when the session locks or ends, so a launch never passes to the next user.

use std::sync::Mutex;

use super::replay::ReplayGuard;
use super::signed_context::{verify_signed_context, ContextClaims, SignedContextPolicy};
use super::{parse_link, LaunchError, LaunchRequest};

/// A launch whose link and signed context (if any) were verified on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLaunch {
    /// What the link asks for (an `open` without its token).
    pub request: LaunchRequest,
    /// The signed context's claims; `None` for an unsigned link, which the clinician must
    /// confirm before anything opens.
    pub claims: Option<ContextClaims>,
}

/// One pending launch (or the reason it was refused) and the `jti` values already used.
#[derive(Debug, Default)]
pub struct LaunchQueue {
    pending: Mutex<Option<Result<VerifiedLaunch, LaunchError>>>,
    replay: ReplayGuard,
}

impl LaunchQueue {
    /// Verifies `link` under `policy` at `now` (Unix seconds) and keeps the verdict.
    pub fn queue(&self, link: &str, policy: &SignedContextPolicy, now: u64) {
        let verdict = self.verify(link, policy, now);
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(verdict);
    }

    fn verify(
        &self,
        link: &str,
        policy: &SignedContextPolicy,
        now: u64,
    ) -> Result<VerifiedLaunch, LaunchError> {
        match parse_link(link)? {
            LaunchRequest::Open(mut context) => {
                let claims = verify_signed_context(&context, policy, now)?;
                if let Some(claims) = &claims {
                    self.replay.remember(
                        claims.jti.as_deref().unwrap_or_default(),
                        claims.exp,
                        now,
                    )?;
                }
                context.signed_context = None;
                Ok(VerifiedLaunch {
                    request: LaunchRequest::Open(context),
                    claims,
                })
            }
            smart @ LaunchRequest::Smart(_) => Ok(VerifiedLaunch {
                request: smart,
                claims: None,
            }),
        }
    }

    /// Takes the pending launch, if any.
    pub fn take(&self) -> Option<Result<VerifiedLaunch, LaunchError>> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Forgets the pending launch (lock, sign-out); used `jti` values stay remembered.
    pub fn clear(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::signed_context::unix_now;
    use crate::launch::test_keys::{policy, token, ISSUER};

    fn signed_link(ctx: &str) -> String {
        format!("nir-viewer://open?nhs=9912003888&ctx={ctx}")
    }

    #[test]
    fn a_signed_link_is_verified_when_it_arrives_and_its_token_is_not_kept() {
        let queue = LaunchQueue::default();
        queue.queue(
            &signed_link(&token("9912003888", 120, ISSUER)),
            &policy(true),
            unix_now(),
        );
        let launch = queue.take().unwrap().unwrap();
        assert!(launch.claims.is_some());
        let LaunchRequest::Open(context) = launch.request else {
            panic!("an open link");
        };
        assert_eq!(context.signed_context, None);
        assert!(queue.take().is_none(), "taken once");
    }

    #[test]
    fn a_forged_link_is_refused_on_arrival() {
        let queue = LaunchQueue::default();
        let forged = token("9912003888", 120, "https://evil.example");
        queue.queue(&signed_link(&forged), &policy(false), unix_now());
        assert!(matches!(
            queue.take(),
            Some(Err(LaunchError::BadSignature(_)))
        ));
        // Required signing: an unsigned link is refused on arrival, not only when taken.
        queue.queue(
            "nir-viewer://open?nhs=9912003888",
            &policy(true),
            unix_now(),
        );
        assert_eq!(queue.take(), Some(Err(LaunchError::Unsigned)));
    }

    #[test]
    fn a_replayed_signed_link_is_refused() {
        let queue = LaunchQueue::default();
        let link = signed_link(&token("9912003888", 120, ISSUER));
        queue.queue(&link, &policy(true), unix_now());
        assert!(queue.take().unwrap().is_ok());
        queue.queue(&link, &policy(true), unix_now());
        let error = queue.take().unwrap().unwrap_err();
        assert!(error.to_string().contains("used already"), "{error}");
    }

    #[test]
    fn clearing_forgets_the_pending_launch() {
        let queue = LaunchQueue::default();
        queue.queue(
            "nir-viewer://open?nhs=9912003888",
            &policy(false),
            unix_now(),
        );
        queue.clear();
        assert!(queue.take().is_none());
    }
}
