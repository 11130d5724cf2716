//! Turning a completed browser sign-in into a watched session. Before the session counts
//! as signed in, the smartcard is found when the configuration demands one (a card that
//! cannot be watched fails the sign-in and revokes the fresh tokens); then the session
//! takes the tokens and three watches start: the refresher (whose loss of the tokens locks
//! the session), the idle and resume check, and the card watch.

use std::sync::Arc;
use std::time::Duration;

use super::error::AuthError;
use super::flow::SignedIn;
use super::settings::AuthSettings;
use super::sign_in_state::SignInState;
use super::smartcard::{find_for_sign_in, CardReaders, CardWatch, SmartcardError, DEFAULT_POLL};

/// How often each watch looks.
#[derive(Debug, Clone, Copy)]
pub struct WatchTiming {
    /// Between token freshness checks.
    pub refresh: Duration,
    /// Longest gap between idle and resume checks (shorter when the idle timeout is).
    pub idle: Duration,
    /// One wait on the card reader.
    pub card: Duration,
}

impl Default for WatchTiming {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(15),
            idle: Duration::from_secs(5),
            card: DEFAULT_POLL,
        }
    }
}

/// The watches of a signed-in session. The tasks end by themselves once the session is no
/// longer signed in; the card watch stops when dropped.
#[derive(Debug)]
pub struct SessionWatches {
    /// Keeps the tokens fresh; locks the session when they are lost.
    pub refresher: tokio::task::JoinHandle<()>,
    /// Locks after the idle timeout or a sleep.
    pub idle: tokio::task::JoinHandle<()>,
    /// Locks when the card leaves; `None` when smartcards are not required and none is seen.
    pub card: Option<CardWatch>,
}

/// Completes the sign-in `session.begin_sign_in` started, with `signed_in`'s identity and
/// tokens, `readers` standing for the machine's card readers.
pub async fn establish(
    session: &Arc<SignInState>,
    signed_in: &SignedIn,
    settings: &AuthSettings,
    readers: Result<Box<dyn CardReaders>, SmartcardError>,
    timing: WatchTiming,
) -> Result<SessionWatches, AuthError> {
    let required = settings.requires_smartcard();
    let card = match find_for_sign_in(readers, required) {
        Ok(card) => card,
        Err(error) => {
            tracing::warn!(
                code = "auth-smartcard-unwatched",
                "sign-in refused: smartcard required but not watchable ({error})"
            );
            return Err(refuse(session, signed_in, error.into()).await);
        }
    };
    session.complete_sign_in(
        signed_in.identity.clone(),
        Some(Arc::clone(&signed_in.tokens)),
    )?;
    let refresher = session.keep_tokens_fresh(&signed_in.tokens, timing.refresh);
    let idle = session.spawn_idle_watch(timing.idle.min(settings.idle_timeout()));
    let card = match card
        .map(|found| found.watch(session, timing.card))
        .transpose()
    {
        Ok(card) => card,
        Err(error) if required => {
            session.lock(super::sign_in_state::EndReason::CardRemoved);
            return Err(error.into());
        }
        Err(error) => {
            tracing::warn!("smartcard watch not started: {error}");
            None
        }
    };
    Ok(SessionWatches {
        refresher,
        idle,
        card,
    })
}

/// Abandons the sign-in: the fresh tokens are revoked (where the provider can) and forgotten.
async fn refuse(session: &SignInState, signed_in: &SignedIn, error: AuthError) -> AuthError {
    if let Err(revoke) = signed_in.tokens.revoke_and_clear().await {
        tracing::warn!("tokens of a refused sign-in not revoked: {revoke}");
    }
    session.abort_sign_in();
    error
}
