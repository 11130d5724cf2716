//! The signed-in session's tokens, held in memory only: zeroized on drop and on sign-out,
//! redacted in `Debug`, never written or logged. [`Tokens`] implements
//! [`net::AccessTokens`](crate::net::AccessTokens) for every client that needs a bearer
//! token, refreshes shortly before expiry (or on demand after a 401), performs the
//! configured RFC 8693 exchange (of the CIS2 ID token by default, as the NHS API platform
//! takes it), and revokes what it holds on sign-out. Expiry is judged on the token
//! endpoint's suspend-counting clock, so a token that lapsed while the machine slept is
//! treated as lapsed: it is no longer handed out as a bearer token.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use zeroize::Zeroizing;

use super::clock::Moment;
use super::error::AuthError;
use super::settings::{SubjectTokenType, TokenExchangeSettings};
use super::token_endpoint::{IssuedTokens, TokenEndpoint, ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE};
use crate::net::AccessTokens;

/// Where the bearer token comes from after sign-in.
struct Held {
    issued: IssuedTokens,
    /// The exchanged API platform token, when exchange is configured.
    exchanged: Option<(Zeroizing<String>, Moment)>,
}

/// The session's tokens.
pub struct Tokens {
    endpoint: TokenEndpoint,
    exchange: Option<TokenExchangeSettings>,
    refresh_margin: Duration,
    held: Mutex<Option<Held>>,
    /// Serialises refreshes so two callers never spend the same refresh token.
    refreshing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("held", &self.lock().is_some())
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Takes over freshly issued tokens, exchanging them first when configured.
    pub async fn start(
        endpoint: TokenEndpoint,
        issued: IssuedTokens,
        exchange: Option<TokenExchangeSettings>,
        refresh_margin: Duration,
    ) -> Result<Arc<Self>, AuthError> {
        let tokens = Arc::new(Self {
            endpoint,
            exchange,
            refresh_margin,
            held: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        });
        tokens.install(issued).await?;
        Ok(tokens)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Held>> {
        // A poisoned lock only means a panic elsewhere; the tokens themselves are intact.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn install(&self, issued: IssuedTokens) -> Result<(), AuthError> {
        let exchanged = match &self.exchange {
            Some(settings) => {
                let (subject, kind) = match settings.subject_token_type {
                    SubjectTokenType::AccessToken => {
                        (issued.access_token.clone(), ACCESS_TOKEN_TYPE)
                    }
                    // A refresh may come without a new ID token: the sign-in's stands.
                    SubjectTokenType::IdToken => (
                        issued
                            .id_token
                            .clone()
                            .or_else(|| self.id_token())
                            .ok_or_else(|| AuthError::Provider {
                                endpoint: "token",
                                reason: "no ID token to exchange".into(),
                            })?,
                        ID_TOKEN_TYPE,
                    ),
                };
                let api = self
                    .endpoint
                    .exchange(
                        &subject,
                        kind,
                        settings.token_endpoint.as_ref(),
                        settings.audience.as_deref(),
                        settings.resource.as_ref(),
                    )
                    .await?;
                Some((api.access_token, api.expires_at))
            }
            None => None,
        };
        let mut held = self.lock();
        let refresh_token = issued
            .refresh_token
            .or_else(|| held.as_mut().and_then(|h| h.issued.refresh_token.take()));
        let id_token = issued
            .id_token
            .or_else(|| held.as_mut().and_then(|h| h.issued.id_token.take()));
        *held = Some(Held {
            issued: IssuedTokens {
                refresh_token,
                id_token,
                ..issued
            },
            exchanged,
        });
        Ok(())
    }

    /// When the bearer token expires (on the endpoint's clock); `None` once cleared.
    pub fn expires_at(&self) -> Option<Moment> {
        self.lock().as_ref().map(|held| match &held.exchanged {
            Some((_, api_expiry)) => held.issued.expires_at.min(*api_expiry),
            None => held.issued.expires_at,
        })
    }

    /// Whether the bearer token expires within the refresh margin.
    pub fn needs_refresh(&self) -> bool {
        let now = self.endpoint.clock().now();
        self.expires_at()
            .is_some_and(|at| at <= now.saturating_add(self.refresh_margin))
    }

    /// Whether the bearer token has expired (or been cleared).
    pub fn is_expired(&self) -> bool {
        self.expires_at()
            .is_none_or(|at| at <= self.endpoint.clock().now())
    }

    /// Whether a refresh token is held.
    pub fn can_refresh(&self) -> bool {
        self.lock()
            .as_ref()
            .is_some_and(|held| held.issued.refresh_token.is_some())
    }

    /// Uses the refresh token now (after a 401, or when [`Self::needs_refresh`]).
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let refresh_token = self
            .lock()
            .as_ref()
            .ok_or(AuthError::NotSignedIn)?
            .issued
            .refresh_token
            .clone()
            .ok_or_else(|| AuthError::Provider {
                endpoint: "token",
                reason: "no refresh token was issued".into(),
            })?;
        let issued = self.endpoint.refresh(&refresh_token).await?;
        if self.lock().is_none() {
            return Err(AuthError::NotSignedIn);
        }
        self.install(issued).await
    }

    /// Refreshes if the token expires within the margin.
    pub async fn ensure_fresh(&self) -> Result<(), AuthError> {
        if self.needs_refresh() {
            self.refresh().await?;
        }
        Ok(())
    }

    /// Keeps the tokens fresh in the background until they are cleared or they are lost:
    /// a refresh failed and the token has expired or cannot be renewed (no refresh token).
    /// Then `on_failure` runs, e.g. to lock the session. A failure while the token still
    /// works is tried again at the next check. Checks every `period`.
    pub fn spawn_refresher(
        self: &Arc<Self>,
        period: Duration,
        on_failure: impl FnOnce(AuthError) + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let tokens = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(tokens) = tokens.upgrade() else {
                    return;
                };
                if tokens.expires_at().is_none() {
                    return;
                }
                if let Err(error) = tokens.ensure_fresh().await {
                    if tokens.expires_at().is_none() {
                        return;
                    }
                    if !tokens.is_expired() && tokens.can_refresh() {
                        tracing::warn!(
                            code = "auth-refresh-retry",
                            "token refresh failed, trying again: {error}"
                        );
                        continue;
                    }
                    tracing::warn!(
                        code = "auth-refresh-failed",
                        "token refresh failed: {error}"
                    );
                    on_failure(error);
                    return;
                }
            }
        })
    }

    /// Forgets every token (zeroized on drop).
    pub fn clear(&self) {
        self.lock().take();
    }

    /// Revokes the refresh and access tokens where the provider supports it, then clears.
    pub async fn revoke_and_clear(&self) -> Result<(), AuthError> {
        let held = self.lock().take();
        let Some(held) = held else { return Ok(()) };
        if !self.endpoint.can_revoke() {
            return Ok(());
        }
        let mut outcome = Ok(());
        if let Some(refresh) = &held.issued.refresh_token {
            outcome = self.endpoint.revoke(refresh, "refresh_token").await;
        }
        let access = self
            .endpoint
            .revoke(&held.issued.access_token, "access_token")
            .await;
        outcome.and(access)
    }

    /// The ID token of the sign-in (for `id_token_hint` and tests).
    pub fn id_token(&self) -> Option<Zeroizing<String>> {
        self.lock().as_ref().and_then(|h| h.issued.id_token.clone())
    }
}

impl AccessTokens for Tokens {
    /// The bearer token while it is valid; an expired one is not handed out.
    fn bearer(&self) -> Option<Zeroizing<String>> {
        if self.is_expired() {
            return None;
        }
        self.lock().as_ref().map(|held| match &held.exchanged {
            Some((api, _)) => api.clone(),
            None => held.issued.access_token.clone(),
        })
    }
}
