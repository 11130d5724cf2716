//! Commands for signing in and out. Sign-in runs the CIS2 flow in the system browser (the
//! sandbox's mock CIS2 in training mode); on success the session gets the user's tokens,
//! the audit trail names the user, and the refresher, idle and smartcard watches start
//! (`auth::establish`; a smartcard that cannot be watched fails a sign-in that demands
//! one). Sign-out and lock wipe everything clinical.

use std::sync::Arc;

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::shell::deployment::ClientProof;
use crate::shell::AppState;
use nir_core::audit::{Action, Actor, AuditEvent, Outcome};
use nir_core::auth::browser::SystemBrowser;
use nir_core::auth::client_auth::ClientCredentials;
use nir_core::auth::establish::{establish, WatchTiming};
use nir_core::auth::flow::sign_in as run_sign_in;
use nir_core::auth::keystore::KeyStore;
use nir_core::auth::settings::AuthSettings;
use nir_core::auth::smartcard::pcsc_readers;
use nir_core::auth::AuthError;
use nir_core::error::CommandError;

/// Who is signed in, for the UI.
#[derive(Debug, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Display name, when CIS2 gave one.
    pub name: Option<String>,
    /// The selected role's name or code.
    pub role: String,
    /// The organisation's ODS code.
    pub ods: Option<String>,
}

fn settings(state: &AppState) -> Result<AuthSettings, AuthError> {
    state
        .deployment
        .sign_in
        .clone()
        .map_err(AuthError::Settings)
}

fn credentials(state: &AppState, settings: &AuthSettings) -> Result<ClientCredentials, AuthError> {
    match state.deployment.client_proof {
        ClientProof::Public => Ok(ClientCredentials::Public {
            client_id: settings.client_id.clone(),
        }),
        ClientProof::KeyringPrivateKey => {
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

/// Signs in through the system browser.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>) -> Result<UserView, CommandError> {
    let auth = Arc::clone(&state.auth);
    auth.begin_sign_in().map_err(|e| CommandError::from(&e))?;
    let outcome = async {
        let settings = settings(&state)?;
        let credentials = credentials(&state, &settings)?;
        let signed_in =
            run_sign_in(&settings, state.session.http(), credentials, &SystemBrowser).await?;
        Ok::<_, AuthError>((settings, signed_in))
    }
    .await;
    let failed = |error: AuthError| {
        state.session.audit_event(AuditEvent::new(
            Action::SignIn,
            Outcome::MinorFailure,
            state.session.correlation_id(),
        ));
        CommandError::from(&error)
    };
    let (settings, signed_in) = match outcome {
        Ok(done) => done,
        Err(error) => {
            auth.abort_sign_in();
            return Err(failed(error));
        }
    };
    let watches = establish(
        &auth,
        &signed_in,
        &settings,
        pcsc_readers(),
        WatchTiming::default(),
    )
    .await
    .map_err(failed)?;
    let identity = signed_in.identity.clone();
    state.tokens.set(signed_in.tokens.clone());
    state.session.set_actor(Some(Actor {
        user_id: identity
            .user_uid
            .clone()
            .unwrap_or_else(|| identity.subject.clone()),
        role: identity.role_code.clone(),
        ods_code: identity.ods.clone().unwrap_or_default(),
    }));
    state.session.audit_event(AuditEvent::new(
        Action::SignIn,
        Outcome::Success,
        state.session.correlation_id(),
    ));
    *state.card_watch.lock().unwrap_or_else(|p| p.into_inner()) = watches.card;
    Ok(UserView::of(&identity))
}

impl UserView {
    /// What the UI shows of a signed-in identity.
    fn of(identity: &nir_core::auth::id_token::Identity) -> Self {
        UserView {
            name: identity.name.clone(),
            role: identity
                .role_name
                .clone()
                .unwrap_or(identity.role_code.clone()),
            ods: identity.ods.clone(),
        }
    }
}

/// Signs out: revokes where the issuer supports it and wipes everything.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), CommandError> {
    let result = state.auth.sign_out().await;
    state.tokens.clear();
    state.session.wipe_all();
    state.session.audit_event(AuditEvent::new(
        Action::SignOut,
        Outcome::Success,
        state.session.correlation_id(),
    ));
    state.session.set_actor(None);
    result.map_err(|e| CommandError::from(&e))
}

/// Marks activity, so the idle timeout starts again.
#[tauri::command]
pub fn touch(state: State<'_, AppState>) {
    state.auth.touch();
}

/// Where sign-in stands, for the UI's lock screen.
#[derive(Debug, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionStateView {
    /// `signedOut`, `signingIn`, `signedIn` or `locked`.
    #[ts(type = "\"signedOut\" | \"signingIn\" | \"signedIn\" | \"locked\"")]
    pub state: &'static str,
    /// Why the session locked.
    pub reason: Option<String>,
    /// Who is signed in (so a restarted page can show them again).
    pub user: Option<UserView>,
}

/// The sign-in state.
#[tauri::command]
pub fn session_state(state: State<'_, AppState>) -> SessionStateView {
    use nir_core::auth::session::SessionState;
    match state.auth.state() {
        SessionState::SignedOut => SessionStateView {
            state: "signedOut",
            reason: None,
            user: None,
        },
        SessionState::SigningIn => SessionStateView {
            state: "signingIn",
            reason: None,
            user: None,
        },
        SessionState::SignedIn(identity) => SessionStateView {
            state: "signedIn",
            reason: None,
            user: Some(UserView::of(&identity)),
        },
        SessionState::Locked(reason) => SessionStateView {
            state: "locked",
            reason: Some(match reason {
                nir_core::auth::session::EndReason::Idle => {
                    "The viewer locked after a period without use.".into()
                }
                nir_core::auth::session::EndReason::CardRemoved => {
                    "The smartcard was removed.".into()
                }
                nir_core::auth::session::EndReason::Suspended => {
                    "The viewer locked because the computer went to sleep.".into()
                }
                nir_core::auth::session::EndReason::TokensLost => {
                    "The sign-in could not be renewed with the identity service.".into()
                }
                other => format!("The session ended ({other:?})."),
            }),
            user: None,
        },
    }
}
