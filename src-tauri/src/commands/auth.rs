//! Commands for signing in and out. Sign-in runs the CIS2 flow in the system browser (the
//! sandbox's mock CIS2 in training mode); on success the session gets the user's tokens,
//! the audit trail names the user, and the refresher, idle and smartcard watches start
//! (`auth::establish`; a smartcard that cannot be watched fails a sign-in that demands
//! one). Sign-out and lock wipe everything clinical.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::shell::AppState;
use nir_core::audit::{Action, Actor, AuditEvent, Outcome};
use nir_core::auth::attempt::SignInAttempt;
use nir_core::auth::browser::SystemBrowser;
use nir_core::auth::establish::WatchTiming;
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

/// Signs in through the system browser.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>) -> Result<UserView, CommandError> {
    let attempt = SignInAttempt::begin(&state.auth).map_err(|e| CommandError::from(&e))?;
    let outcome = match state.deployment.sign_in.clone() {
        Ok(settings) => {
            attempt
                .complete(
                    &settings,
                    state.session.http(),
                    &SystemBrowser,
                    pcsc_readers(),
                    WatchTiming::default(),
                )
                .await
        }
        Err(why) => Err(AuthError::Settings(why)),
    };
    let established = outcome.map_err(|error| {
        state.session.audit_event(AuditEvent::new(
            Action::SignIn,
            Outcome::MinorFailure,
            state.session.correlation_id(),
        ));
        CommandError::from(&error)
    })?;
    let identity = established.signed_in.identity.clone();
    state.tokens.set(established.signed_in.tokens.clone());
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
    *state.card_watch.lock().unwrap_or_else(|p| p.into_inner()) = established.watches.card;
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
    use nir_core::auth::sign_in_state::SignInStatus;
    match state.auth.state() {
        SignInStatus::SignedOut => SessionStateView {
            state: "signedOut",
            reason: None,
            user: None,
        },
        SignInStatus::SigningIn => SessionStateView {
            state: "signingIn",
            reason: None,
            user: None,
        },
        SignInStatus::SignedIn(identity) => SessionStateView {
            state: "signedIn",
            reason: None,
            user: Some(UserView::of(&identity)),
        },
        SignInStatus::Locked(reason) => SessionStateView {
            state: "locked",
            reason: Some(match reason {
                nir_core::auth::sign_in_state::EndReason::Idle => {
                    "The viewer locked after a period without use.".into()
                }
                nir_core::auth::sign_in_state::EndReason::CardRemoved => {
                    "The smartcard was removed.".into()
                }
                nir_core::auth::sign_in_state::EndReason::Suspended => {
                    "The viewer locked because the computer went to sleep.".into()
                }
                nir_core::auth::sign_in_state::EndReason::TokensLost => {
                    "The sign-in could not be renewed with the identity service.".into()
                }
                other => format!("The session ended ({other:?})."),
            }),
            user: None,
        },
    }
}
