//! What the window's commands share: the deployment (training or live), the viewer session, the
//! embedded sandbox in training mode, and a launch link waiting for the UI (verified when it
//! arrives, forgotten when the session locks or ends).

use std::sync::{Arc, Mutex};

use nir_core::auth::sign_in_state::WipeCallback;
use nir_core::launch::{
    unix_now, LaunchError, LaunchQueue, SignedContextPolicy, SmartSettings, VerifiedLaunch,
};
use nir_core::viewer::{TokenSlot, ViewerSession};
use nir_sandbox::SandboxHandle;

use super::deployment::Deployment;
use super::session_events::SessionEnds;

/// State shared with the commands.
pub struct AppState {
    /// The configuration in force, resolved once (training or live).
    pub deployment: Deployment,
    /// The clinician's session.
    pub session: Arc<ViewerSession>,
    /// The signed-in user's tokens.
    pub tokens: Arc<TokenSlot>,
    /// The sign-in state machine (locks on idle and card removal).
    pub auth: Arc<nir_core::auth::sign_in_state::SignInState>,
    /// The smartcard watch of the signed-in user, when PC/SC is available.
    pub card_watch: Mutex<Option<nir_core::auth::smartcard::CardWatch>>,
    /// Locks the session when logind announces a sleep (`None` without a system bus).
    pub sleep_watch: Option<nir_core::auth::sleep_watch::SleepWatch>,
    /// The configured discovery backend (FHIR against the sandbox in training mode).
    pub discovery: Arc<dyn nir_core::registry::DiscoveryBackend>,
    /// The embedded sandbox, in training mode.
    pub sandbox: Mutex<Option<SandboxHandle>>,
    /// A launch link waiting for the UI (verified or refused on arrival), from the command
    /// line or a later launch handed over through the single-instance socket.
    pub launches: Arc<LaunchQueue>,
    /// The metrics exporter, when the configuration names a collector.
    pub metrics_export: Option<Arc<nir_core::observability::OtlpExporter>>,
    /// A patient the clinician has already agreed to open, carried across a restart of the
    /// page (see [`crate::shell::web_content`]); the new page opens it without asking again.
    pub chosen_patient: Arc<Mutex<Option<ChosenPatient>>>,
    /// Where the lock/sign-out wipe announces that the session ended (for the page).
    pub session_ends: SessionEnds,
}

/// A patient to open with the date range of interest, already confirmed by the clinician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenPatient {
    /// Who.
    pub nhs_number: nir_core::nhs_number::NhsNumber,
    /// Earliest date of interest.
    pub from: Option<chrono::NaiveDate>,
    /// Latest date of interest.
    pub to: Option<chrono::NaiveDate>,
}

impl AppState {
    /// Takes the patient chosen before the page restarted, if any.
    pub fn take_chosen_patient(&self) -> Option<ChosenPatient> {
        self.chosen_patient
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Keeps (or forgets, with `None`) the patient the restarted page is to open.
    pub fn set_chosen_patient(&self, chosen: Option<ChosenPatient>) {
        *self
            .chosen_patient
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = chosen;
    }

    /// Takes the pending launch, if any.
    pub fn take_launch(&self) -> Option<Result<VerifiedLaunch, LaunchError>> {
        self.launches.take()
    }

    /// Queues a launch link (first launch or a later hand-off), verified now under the
    /// signed-context policy in force.
    pub fn queue_launch(&self, link: &str) {
        self.launches
            .queue(link, self.signed_context_policy(), unix_now());
    }

    /// Which patient records may start a SMART launch: in training mode only the embedded
    /// sandbox's mock patient record; otherwise the configured allow-list (empty: none).
    pub fn smart_settings(&self) -> SmartSettings {
        self.deployment.smart.clone()
    }

    /// The signed-context policy of the configuration in force (training: optional, no key).
    pub fn signed_context_policy(&self) -> &SignedContextPolicy {
        &self.deployment.signed_context
    }
}

/// What a lock or sign-out does: drop the tokens, wipe everything clinical, forget any
/// launch still waiting and any patient chosen for a restarted page (so none of it passes
/// to whoever signs in next), audit the lock, and tell the page.
pub fn session_end_wipe(
    session: Arc<ViewerSession>,
    tokens: Arc<TokenSlot>,
    launches: Arc<LaunchQueue>,
    chosen: Arc<Mutex<Option<ChosenPatient>>>,
    ends: SessionEnds,
) -> WipeCallback {
    Arc::new(move |reason| {
        tokens.clear();
        launches.clear();
        chosen.lock().unwrap_or_else(|p| p.into_inner()).take();
        session.wipe_all();
        session.audit_event(nir_core::audit::AuditEvent::new(
            nir_core::audit::Action::Lock {
                reason: format!("{reason:?}").to_lowercase(),
            },
            nir_core::audit::Outcome::Success,
            session.correlation_id(),
        ));
        ends.announce(reason);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nir_core::auth::id_token::Identity;
    use nir_core::auth::sign_in_state::{EndReason, SignInState};
    use nir_core::launch::{ContextKey, SignedContextPolicy};
    use nir_core::viewer::SessionParts;
    use std::time::Duration;

    fn viewer_session(tokens: &Arc<TokenSlot>) -> Arc<ViewerSession> {
        let http = nir_core::net::build_client(&nir_core::net::NetworkSettings::default()).unwrap();
        Arc::new(ViewerSession::new(SessionParts {
            http,
            tokens: Arc::clone(tokens),
            ods_code: "TRAIN1".into(),
            budget_bytes: 1 << 20,
            audit: Arc::new(nir_core::audit::AuditTrail::new(None)),
            training: true,
            // These tests fetch nothing: no origin is allowed.
            origins: nir_core::net::OriginPolicy::listed(std::iter::empty(), true),
        }))
    }

    fn unsigned_policy() -> SignedContextPolicy {
        SignedContextPolicy {
            required: false,
            key: ContextKey::None,
            issuer: String::new(),
            audience: "nir-viewer".into(),
            max_lifetime_secs: 300,
        }
    }

    fn identity() -> Identity {
        nir_core::launch::test_keys::identity(Some("RX1"), "S8000:G8000:R8000")
    }

    fn chosen() -> ChosenPatient {
        ChosenPatient {
            nhs_number: nir_core::nhs_number::NhsNumber::parse("9912003888").unwrap(),
            from: None,
            to: None,
        }
    }

    #[tokio::test]
    async fn lock_and_sign_out_forget_a_waiting_launch_and_a_chosen_patient() {
        let tokens = Arc::new(TokenSlot::default());
        let launches = Arc::new(LaunchQueue::default());
        let chosen_slot = Arc::new(Mutex::new(None));
        let ends = SessionEnds::default();
        let mut told_the_page = ends.subscribe();
        let wipe = session_end_wipe(
            viewer_session(&tokens),
            Arc::clone(&tokens),
            Arc::clone(&launches),
            Arc::clone(&chosen_slot),
            ends.clone(),
        );
        let auth = SignInState::new(Duration::from_secs(900), wipe);
        let sign_in = || {
            auth.begin_sign_in().unwrap();
            auth.complete_sign_in(identity(), None).unwrap();
        };
        let link = "nir-viewer://open?nhs=9912003888";

        sign_in();
        launches.queue(link, &unsigned_policy(), unix_now());
        *chosen_slot.lock().unwrap() = Some(chosen());
        assert!(auth.lock(EndReason::Idle));
        assert!(launches.take().is_none(), "the next user does not get it");
        assert!(chosen_slot.lock().unwrap().is_none());
        assert_eq!(told_the_page.try_recv().unwrap(), EndReason::Idle);

        sign_in();
        launches.queue(link, &unsigned_policy(), unix_now());
        *chosen_slot.lock().unwrap() = Some(chosen());
        auth.sign_out().await.unwrap();
        assert!(launches.take().is_none(), "the next user does not get it");
        assert!(chosen_slot.lock().unwrap().is_none());
        assert_eq!(told_the_page.try_recv().unwrap(), EndReason::SignedOut);
    }
}
