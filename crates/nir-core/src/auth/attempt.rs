//! One sign-in from the click to a watched session, in the order the state machine needs:
//! the attempt begins (refused if one is already under way), the client's credentials are
//! chosen from the settings (public, or the private key from the OS keyring), the browser
//! flow runs, and [`establish`] turns its result into a signed-in session with its watches.
//! An attempt that fails at any step is abandoned, so the session is back where it was.
//! What the viewer does with a success (tokens, audit, the user shown) stays with the caller.

use std::sync::Arc;

use super::browser::BrowserLauncher;
use super::client_auth::ClientCredentials;
use super::error::AuthError;
use super::establish::{establish, SessionWatches, WatchTiming};
use super::flow::{sign_in, SignedIn};
use super::keystore::KeyStore;
use super::settings::{AuthSettings, ClientAuthMethod};
use super::sign_in_state::SignInState;
use super::smartcard::{CardReaders, SmartcardError};

/// A sign-in under way. Dropping it without [`SignInAttempt::complete`] abandons it.
pub struct SignInAttempt {
    session: Arc<SignInState>,
}

/// A completed sign-in: who, their tokens, and the watches that now guard the session.
pub struct Established {
    /// The browser flow's result.
    pub signed_in: SignedIn,
    /// The refresher, idle and card watches.
    pub watches: SessionWatches,
}

impl SignInAttempt {
    /// Begins a sign-in (from signed out or locked); refused while another is under way.
    pub fn begin(session: &Arc<SignInState>) -> Result<Self, AuthError> {
        session.begin_sign_in()?;
        Ok(Self {
            session: Arc::clone(session),
        })
    }

    /// Runs the browser flow under `settings` and establishes the session.
    pub async fn complete(
        self,
        settings: &AuthSettings,
        http: &reqwest::Client,
        browser: &dyn BrowserLauncher,
        readers: Result<Box<dyn CardReaders>, SmartcardError>,
        timing: WatchTiming,
    ) -> Result<Established, AuthError> {
        let credentials = credentials_for(settings)?;
        let signed_in = sign_in(settings, http, credentials, browser).await?;
        let watches = establish(&self.session, &signed_in, settings, readers, timing).await?;
        Ok(Established { signed_in, watches })
    }
}

impl Drop for SignInAttempt {
    fn drop(&mut self) {
        // Leaves a completed sign-in alone: only a session still signing in is reset.
        self.session.abort_sign_in();
    }
}

/// The credentials the settings call for: a public client, or `private_key_jwt` with the
/// key kept in the OS keyring (an error saying how to create it when it is missing).
pub fn credentials_for(settings: &AuthSettings) -> Result<ClientCredentials, AuthError> {
    match settings.client_auth {
        ClientAuthMethod::None => Ok(ClientCredentials::Public {
            client_id: settings.client_id.clone(),
        }),
        ClientAuthMethod::PrivateKeyJwt => {
            let key = KeyStore::client_key()?.load()?.ok_or_else(|| {
                AuthError::Settings(
                    "no client key in the keyring: run 'nir-viewer keys generate'".into(),
                )
            })?;
            Ok(ClientCredentials::PrivateKeyJwt {
                client_id: settings.client_id.clone(),
                key: Arc::new(key),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sign_in_state::SignInStatus;
    use std::time::Duration;

    fn session() -> Arc<SignInState> {
        SignInState::new(Duration::from_secs(900), Arc::new(|_| {}))
    }

    #[test]
    fn a_second_attempt_is_refused_while_one_is_under_way() {
        let session = session();
        let first = SignInAttempt::begin(&session).unwrap();
        assert!(SignInAttempt::begin(&session).is_err());
        drop(first);
        assert!(SignInAttempt::begin(&session).is_ok());
    }

    #[test]
    fn an_abandoned_attempt_leaves_the_session_signed_out() {
        let session = session();
        let attempt = SignInAttempt::begin(&session).unwrap();
        assert_eq!(session.state(), SignInStatus::SigningIn);
        drop(attempt);
        assert_eq!(session.state(), SignInStatus::SignedOut);
    }

    #[test]
    fn a_public_client_needs_no_key() {
        let settings = AuthSettings::training(url::Url::parse("http://127.0.0.1:1/oidc").unwrap());
        let ClientCredentials::Public { client_id } = credentials_for(&settings).unwrap() else {
            panic!("training signs in as a public client");
        };
        assert_eq!(client_id, settings.client_id);
    }
}
