//! The sign-in state machine: signed out → signing in → signed in (who, which role, which
//! organisation) → locked. Locking (idle timeout, the machine going to sleep or waking from
//! it, card removed, tokens lost, or on request) and signing out both drop the tokens and
//! call the wipe callback the app provides, so nothing of the session survives; leaving the
//! locked state means signing in again. Idleness is measured on the suspend-counting clock
//! of [`super::clock`], so time asleep counts as time idle.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::clock::{self, Clock, Moment, ResumeDetector};
use super::error::AuthError;
use super::id_token::Identity;
use super::tokens::Tokens;

/// Why a session ended or locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// No activity for the idle timeout.
    Idle,
    /// The machine went to sleep (or was found to have slept).
    Suspended,
    /// The smartcard that signed in left its reader.
    CardRemoved,
    /// The person locked the viewer.
    Requested,
    /// Tokens could not be refreshed.
    TokensLost,
    /// The person signed out (or closed the window).
    SignedOut,
}

/// Where the session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStatus {
    /// Nobody is signed in.
    SignedOut,
    /// A browser sign-in is under way.
    SigningIn,
    /// Signed in as this identity.
    SignedIn(Identity),
    /// Locked; sign in again to continue.
    Locked(EndReason),
}

/// What the app does to forget everything clinical when a session locks or ends.
pub type WipeCallback = Arc<dyn Fn(EndReason) + Send + Sync>;

struct Inner {
    state: SignInStatus,
    last_activity: Moment,
    resume: ResumeDetector,
    tokens: Option<Arc<Tokens>>,
}

/// The one session of a viewer window.
pub struct SignInState {
    inner: Mutex<Inner>,
    idle_timeout: Duration,
    wipe: WipeCallback,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SignInState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state())
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl SignInState {
    /// A signed-out session that locks after `idle_timeout` and calls `wipe` on lock/sign-out.
    pub fn new(idle_timeout: Duration, wipe: WipeCallback) -> Arc<Self> {
        Self::with_clock(idle_timeout, wipe, clock::system())
    }

    /// As [`Self::new`], timed by `clock`.
    pub fn with_clock(
        idle_timeout: Duration,
        wipe: WipeCallback,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        let start = clock.read();
        Arc::new(Self {
            inner: Mutex::new(Inner {
                state: SignInStatus::SignedOut,
                last_activity: start.now,
                resume: ResumeDetector::new(start),
                tokens: None,
            }),
            idle_timeout,
            wipe,
            clock,
        })
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current state.
    pub fn state(&self) -> SignInStatus {
        self.lock_inner().state.clone()
    }

    /// The tokens of the signed-in session.
    pub fn tokens(&self) -> Option<Arc<Tokens>> {
        let inner = self.lock_inner();
        match inner.state {
            SignInStatus::SignedIn(_) => inner.tokens.clone(),
            _ => None,
        }
    }

    /// Starts a sign-in (from signed out or locked).
    pub fn begin_sign_in(&self) -> Result<(), AuthError> {
        let mut inner = self.lock_inner();
        match inner.state {
            SignInStatus::SignedOut | SignInStatus::Locked(_) => {
                inner.state = SignInStatus::SigningIn;
                Ok(())
            }
            _ => Err(AuthError::Settings(
                "a sign-in is already under way or done".into(),
            )),
        }
    }

    /// Finishes a sign-in begun with [`Self::begin_sign_in`].
    pub fn complete_sign_in(
        &self,
        identity: Identity,
        tokens: Option<Arc<Tokens>>,
    ) -> Result<(), AuthError> {
        let mut inner = self.lock_inner();
        if inner.state != SignInStatus::SigningIn {
            return Err(AuthError::NotSignedIn);
        }
        let now = self.clock.read();
        inner.state = SignInStatus::SignedIn(identity);
        inner.tokens = tokens;
        inner.last_activity = now.now;
        inner.resume = ResumeDetector::new(now);
        Ok(())
    }

    /// Abandons a sign-in that failed.
    pub fn abort_sign_in(&self) {
        let mut inner = self.lock_inner();
        if inner.state == SignInStatus::SigningIn {
            inner.state = SignInStatus::SignedOut;
        }
    }

    /// Records activity (keeps the idle lock away), unless the session is already due to
    /// lock: activity after a sleep or past the idle timeout locks instead.
    pub fn touch(&self) {
        if self.check().is_none() {
            self.lock_inner().last_activity = self.clock.now();
        }
    }

    /// Locks a signed-in session: tokens dropped, app wiped. `false` if it was not signed in.
    pub fn lock(&self, reason: EndReason) -> bool {
        let tokens = {
            let mut inner = self.lock_inner();
            if !matches!(inner.state, SignInStatus::SignedIn(_)) {
                return false;
            }
            inner.state = SignInStatus::Locked(reason);
            inner.tokens.take()
        };
        if let Some(tokens) = tokens {
            tokens.clear();
        }
        tracing::info!(reason = ?reason, "session locked");
        (self.wipe)(reason);
        true
    }

    /// Locks a signed-in session that slept since the last check (the suspend-counting
    /// clock ran ahead of the awake clock) or has been idle for the timeout; returns why it
    /// locked.
    pub fn check(&self) -> Option<EndReason> {
        let due = {
            let mut inner = self.lock_inner();
            let now = self.clock.read();
            let asleep = inner.resume.observe(now);
            if !matches!(inner.state, SignInStatus::SignedIn(_)) {
                None
            } else if let Some(asleep) = asleep {
                tracing::info!(
                    asleep_seconds = asleep.as_secs(),
                    "the machine was suspended"
                );
                Some(EndReason::Suspended)
            } else if now.now.saturating_duration_since(inner.last_activity) >= self.idle_timeout {
                Some(EndReason::Idle)
            } else {
                None
            }
        };
        due.filter(|reason| self.lock(*reason))
    }

    /// Checks for sleep and idleness every `period` until the session is no longer signed in.
    pub fn spawn_idle_watch(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let session = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(session) = session.upgrade() else {
                    return;
                };
                if session.check().is_some()
                    || !matches!(session.state(), SignInStatus::SignedIn(_))
                {
                    return;
                }
            }
        })
    }

    /// Keeps `tokens` fresh in the background (checking every `period`); when they are lost
    /// (a refresh failed and the token has expired or cannot be renewed) the session locks
    /// with [`EndReason::TokensLost`], wiping as any lock does.
    pub fn keep_tokens_fresh(
        self: &Arc<Self>,
        tokens: &Arc<Tokens>,
        period: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let session = Arc::downgrade(self);
        tokens.spawn_refresher(period, move |_error| {
            if let Some(session) = session.upgrade() {
                session.lock(EndReason::TokensLost);
            }
        })
    }

    /// Signs out: revokes tokens where possible, wipes, returns to signed out.
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        let (tokens, was_active) = {
            let mut inner = self.lock_inner();
            let was_active = !matches!(inner.state, SignInStatus::SignedOut);
            inner.state = SignInStatus::SignedOut;
            (inner.tokens.take(), was_active)
        };
        let revoked = match tokens {
            Some(tokens) => tokens.revoke_and_clear().await,
            None => Ok(()),
        };
        if was_active {
            (self.wipe)(EndReason::SignedOut);
        }
        revoked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::clock::ManualClock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn identity() -> Identity {
        Identity {
            subject: "555000000001".into(),
            user_uid: None,
            name: None,
            role_id: "900000000101".into(),
            role_code: "S8000:G8000:R8000".into(),
            role_name: None,
            ods: Some("X26".into()),
        }
    }

    fn counted() -> (Arc<AtomicUsize>, WipeCallback) {
        let wipes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wipes);
        (
            wipes,
            Arc::new(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        )
    }

    #[test]
    fn walks_through_the_states() {
        let (wipes, wipe) = counted();
        let session = SignInState::new(Duration::from_secs(900), wipe);
        assert_eq!(session.state(), SignInStatus::SignedOut);
        assert!(session.complete_sign_in(identity(), None).is_err());
        session.begin_sign_in().unwrap();
        assert!(session.begin_sign_in().is_err());
        session.complete_sign_in(identity(), None).unwrap();
        assert_eq!(session.state(), SignInStatus::SignedIn(identity()));
        assert!(session.lock(EndReason::Requested));
        assert_eq!(session.state(), SignInStatus::Locked(EndReason::Requested));
        assert!(
            !session.lock(EndReason::Requested),
            "locking twice wipes once"
        );
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
        session.begin_sign_in().unwrap();
        session.abort_sign_in();
        assert_eq!(session.state(), SignInStatus::SignedOut);
    }

    fn signed_in_at(clock: &Arc<ManualClock>) -> (Arc<AtomicUsize>, Arc<SignInState>) {
        let (wipes, wipe) = counted();
        let clock: Arc<dyn Clock> = Arc::clone(clock) as Arc<dyn Clock>;
        let session = SignInState::with_clock(Duration::from_secs(900), wipe, clock);
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        (wipes, session)
    }

    #[test]
    fn idle_timeout_locks_and_activity_postpones_it() {
        let clock = ManualClock::new();
        let (wipes, session) = signed_in_at(&clock);
        clock.advance(Duration::from_secs(899));
        assert_eq!(session.check(), None);
        session.touch();
        clock.advance(Duration::from_secs(600));
        assert_eq!(session.check(), None);
        clock.advance(Duration::from_secs(301));
        assert_eq!(session.check(), Some(EndReason::Idle));
        assert_eq!(session.state(), SignInStatus::Locked(EndReason::Idle));
        assert_eq!(session.check(), None, "locks once");
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn time_asleep_counts_and_a_resume_locks_even_when_short_of_the_timeout() {
        let clock = ManualClock::new();
        let (wipes, session) = signed_in_at(&clock);
        clock.advance(Duration::from_secs(60));
        clock.suspend(Duration::from_secs(120));
        clock.advance(Duration::from_secs(1));
        assert_eq!(session.check(), Some(EndReason::Suspended));
        assert_eq!(session.state(), SignInStatus::Locked(EndReason::Suspended));
        assert_eq!(wipes.load(Ordering::SeqCst), 1);

        // Activity first thing after waking does not keep a slept session open either.
        let (wipes, session) = signed_in_at(&clock);
        clock.suspend(Duration::from_secs(3600));
        session.touch();
        assert_eq!(session.state(), SignInStatus::Locked(EndReason::Suspended));
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_sleep_while_signed_out_does_not_lock_the_next_session() {
        let clock = ManualClock::new();
        let (wipes, wipe) = counted();
        let session =
            SignInState::with_clock(Duration::from_secs(900), wipe, Arc::clone(&clock) as _);
        clock.suspend(Duration::from_secs(3600));
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        clock.advance(Duration::from_secs(5));
        assert_eq!(session.check(), None);
        assert_eq!(wipes.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn the_idle_watch_locks_a_forgotten_session() {
        let (wipes, wipe) = counted();
        let session = SignInState::new(Duration::from_millis(50), wipe);
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        let watch = session.spawn_idle_watch(Duration::from_millis(20));
        tokio::time::timeout(Duration::from_secs(30), watch)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.state(), SignInStatus::Locked(EndReason::Idle));
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn sign_out_wipes_and_returns_to_signed_out() {
        let (wipes, wipe) = counted();
        let session = SignInState::new(Duration::from_secs(900), wipe);
        session.sign_out().await.unwrap();
        assert_eq!(wipes.load(Ordering::SeqCst), 0, "nothing to wipe");
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        session.sign_out().await.unwrap();
        assert_eq!(session.state(), SignInStatus::SignedOut);
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }
}
