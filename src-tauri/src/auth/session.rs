//! The sign-in state machine: signed out → signing in → signed in (who, which role, which
//! organisation) → locked. Locking (idle timeout, card removed, or on request) and signing
//! out both drop the tokens and call the wipe callback the app provides, so nothing of the
//! session survives; leaving the locked state means signing in again.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::AuthError;
use super::id_token::Identity;
use super::tokens::Tokens;

/// Why a session ended or locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// No activity for the idle timeout.
    Idle,
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
pub enum SessionState {
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
    state: SessionState,
    last_activity: Instant,
    tokens: Option<Arc<Tokens>>,
}

/// The one session of a viewer window.
pub struct Session {
    inner: Mutex<Inner>,
    idle_timeout: Duration,
    wipe: WipeCallback,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state())
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A signed-out session that locks after `idle_timeout` and calls `wipe` on lock/sign-out.
    pub fn new(idle_timeout: Duration, wipe: WipeCallback) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                state: SessionState::SignedOut,
                last_activity: Instant::now(),
                tokens: None,
            }),
            idle_timeout,
            wipe,
        })
    }

    fn lock_inner(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.lock_inner().state.clone()
    }

    /// The tokens of the signed-in session.
    pub fn tokens(&self) -> Option<Arc<Tokens>> {
        let inner = self.lock_inner();
        match inner.state {
            SessionState::SignedIn(_) => inner.tokens.clone(),
            _ => None,
        }
    }

    /// Starts a sign-in (from signed out or locked).
    pub fn begin_sign_in(&self) -> Result<(), AuthError> {
        let mut inner = self.lock_inner();
        match inner.state {
            SessionState::SignedOut | SessionState::Locked(_) => {
                inner.state = SessionState::SigningIn;
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
        if inner.state != SessionState::SigningIn {
            return Err(AuthError::NotSignedIn);
        }
        inner.state = SessionState::SignedIn(identity);
        inner.tokens = tokens;
        inner.last_activity = Instant::now();
        Ok(())
    }

    /// Abandons a sign-in that failed.
    pub fn abort_sign_in(&self) {
        let mut inner = self.lock_inner();
        if inner.state == SessionState::SigningIn {
            inner.state = SessionState::SignedOut;
        }
    }

    /// Records activity (keeps the idle lock away).
    pub fn touch(&self) {
        self.lock_inner().last_activity = Instant::now();
    }

    /// Locks a signed-in session: tokens dropped, app wiped. `false` if it was not signed in.
    pub fn lock(&self, reason: EndReason) -> bool {
        let tokens = {
            let mut inner = self.lock_inner();
            if !matches!(inner.state, SessionState::SignedIn(_)) {
                return false;
            }
            inner.state = SessionState::Locked(reason);
            inner.tokens.take()
        };
        if let Some(tokens) = tokens {
            tokens.clear();
        }
        tracing::info!(reason = ?reason, "session locked");
        (self.wipe)(reason);
        true
    }

    /// Locks if signed in and idle for the timeout as of `now`; returns whether it locked.
    pub fn check_idle(&self, now: Instant) -> bool {
        let idle = {
            let inner = self.lock_inner();
            matches!(inner.state, SessionState::SignedIn(_))
                && now.saturating_duration_since(inner.last_activity) >= self.idle_timeout
        };
        idle && self.lock(EndReason::Idle)
    }

    /// Checks for idleness every `period` until the session is no longer signed in.
    pub fn spawn_idle_watch(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let session = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(session) = session.upgrade() else {
                    return;
                };
                if session.check_idle(Instant::now())
                    || !matches!(session.state(), SessionState::SignedIn(_))
                {
                    return;
                }
            }
        })
    }

    /// Signs out: revokes tokens where possible, wipes, returns to signed out.
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        let (tokens, was_active) = {
            let mut inner = self.lock_inner();
            let was_active = !matches!(inner.state, SessionState::SignedOut);
            inner.state = SessionState::SignedOut;
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
        let session = Session::new(Duration::from_secs(900), wipe);
        assert_eq!(session.state(), SessionState::SignedOut);
        assert!(session.complete_sign_in(identity(), None).is_err());
        session.begin_sign_in().unwrap();
        assert!(session.begin_sign_in().is_err());
        session.complete_sign_in(identity(), None).unwrap();
        assert_eq!(session.state(), SessionState::SignedIn(identity()));
        assert!(session.lock(EndReason::Requested));
        assert_eq!(session.state(), SessionState::Locked(EndReason::Requested));
        assert!(
            !session.lock(EndReason::Requested),
            "locking twice wipes once"
        );
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
        session.begin_sign_in().unwrap();
        session.abort_sign_in();
        assert_eq!(session.state(), SessionState::SignedOut);
    }

    #[test]
    fn idle_timeout_locks_and_activity_postpones_it() {
        let (wipes, wipe) = counted();
        let session = Session::new(Duration::from_secs(900), wipe);
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        let start = Instant::now();
        assert!(!session.check_idle(start + Duration::from_secs(899)));
        session.touch();
        assert!(!session.check_idle(Instant::now() + Duration::from_secs(600)));
        assert!(session.check_idle(Instant::now() + Duration::from_secs(901)));
        assert_eq!(session.state(), SessionState::Locked(EndReason::Idle));
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_idle_watch_locks_a_forgotten_session() {
        let (wipes, wipe) = counted();
        let session = Session::new(Duration::from_millis(50), wipe);
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        let watch = session.spawn_idle_watch(Duration::from_millis(20));
        tokio::time::timeout(Duration::from_secs(30), watch)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.state(), SessionState::Locked(EndReason::Idle));
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn sign_out_wipes_and_returns_to_signed_out() {
        let (wipes, wipe) = counted();
        let session = Session::new(Duration::from_secs(900), wipe);
        session.sign_out().await.unwrap();
        assert_eq!(wipes.load(Ordering::SeqCst), 0, "nothing to wipe");
        session.begin_sign_in().unwrap();
        session.complete_sign_in(identity(), None).unwrap();
        session.sign_out().await.unwrap();
        assert_eq!(session.state(), SessionState::SignedOut);
        assert_eq!(wipes.load(Ordering::SeqCst), 1);
    }
}
