//! Commands about the session as a whole: what mode the viewer runs in, and validation of
//! the NHS number as the clinician types it.

use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::shell::state::ChosenPatient;
use crate::shell::AppState;
use nir_core::auth::browser::SystemBrowser;
use nir_core::auth::id_token::Identity;
use nir_core::auth::sign_in_state::SignInStatus;
use nir_core::error::{CommandError, ErrorCode};
use nir_core::launch::{
    bind_to_user, resolve_smart_launch, unix_now, LaunchError, LaunchRequest, VerifiedLaunch,
};
use nir_core::nhs_number::NhsNumber;

/// What the UI needs to know at start-up.
#[derive(Debug, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Show the TRAINING marker and use the sandbox's synthetic patients.
    pub training: bool,
    /// The viewer's version, for the about box and support calls.
    pub version: &'static str,
    /// Why the managed configuration cannot be used; when any, the viewer refuses to start
    /// (nothing is sent anywhere) and the window says why.
    pub configuration_problems: Vec<String>,
}

/// How this run started, for [`app_info`]: managed in every run, including a refused one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupInfo {
    /// Training mode.
    pub training: bool,
    /// Why the configuration was refused (empty when it was not).
    pub configuration_problems: Vec<String>,
}

/// Mode and version.
#[tauri::command]
pub fn app_info(startup: State<'_, StartupInfo>) -> AppInfo {
    AppInfo {
        training: startup.training,
        version: env!("CARGO_PKG_VERSION"),
        configuration_problems: startup.configuration_problems.clone(),
    }
}

/// Validates an NHS number; answers the 3-3-4 form or a plain-language error.
#[tauri::command]
pub fn validate_nhs_number(input: String) -> Result<String, CommandError> {
    NhsNumber::parse(&input)
        .map(|n| n.formatted())
        .map_err(|e| CommandError::from(&e))
}

/// A launch the UI should act on once the user has signed in.
#[derive(Debug, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct LaunchView {
    /// The patient's NHS number, ten digits.
    pub nhs_number: String,
    /// Earliest date of interest, YYYY-MM-DD.
    pub from: Option<String>,
    /// Latest date of interest, YYYY-MM-DD.
    pub to: Option<String>,
    /// Ask the clinician before opening: the patient comes from a link nobody signed for
    /// this user (an unsigned link, or a SMART launch started by one). `false` only for a
    /// signed context bound to the signed-in user, or a patient the clinician chose already.
    pub needs_confirmation: bool,
}

/// Takes the pending launch, if any: the patient to open, or why the link was refused. Only
/// a signed-in clinician takes it; until then it waits. A signed launch must still be in
/// date and name this clinician's organisation and role. A SMART launch first asks the
/// patient record (through the browser) which patient is in context.
#[tauri::command]
pub async fn take_launch(state: State<'_, AppState>) -> Result<Option<LaunchView>, CommandError> {
    let SignInStatus::SignedIn(identity) = state.auth.state() else {
        return Ok(None);
    };
    if !state.tokens.is_set() {
        return Ok(None);
    }
    if let Some(chosen) = state.take_chosen_patient() {
        return Ok(Some(LaunchView {
            nhs_number: chosen.nhs_number.as_digits(),
            from: chosen.from.map(|d| d.to_string()),
            to: chosen.to.map(|d| d.to_string()),
            needs_confirmation: false,
        }));
    }
    match state.take_launch() {
        Some(Ok(VerifiedLaunch {
            request: LaunchRequest::Smart(launch),
            ..
        })) => {
            let settings = state.smart_settings();
            let nhs_number =
                resolve_smart_launch(state.session.http(), &settings, &launch, &SystemBrowser)
                    .await
                    .map_err(|e| CommandError::from(&e))?;
            Ok(Some(LaunchView {
                nhs_number: nhs_number.as_digits(),
                from: None,
                to: None,
                needs_confirmation: true,
            }))
        }
        pending => resolve_launch(pending, &identity, unix_now()),
    }
}

/// The patient the restarted page is to open, as the UI sends it.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChosenPatientRequest {
    /// Ten digits.
    pub nhs_number: String,
    /// Earliest date of interest, YYYY-MM-DD.
    pub from: Option<String>,
    /// Latest date of interest, YYYY-MM-DD.
    pub to: Option<String>,
}

impl ChosenPatientRequest {
    /// Checks the NHS number and dates as strictly as a launch link's.
    pub fn validate(&self) -> Result<ChosenPatient, CommandError> {
        let nhs_number = NhsNumber::parse(&self.nhs_number).map_err(|e| CommandError::from(&e))?;
        let date = |text: &Option<String>| {
            text.as_deref()
                .map(nir_core::launch::parse_date)
                .transpose()
                .map_err(|e| CommandError::from(&e))
        };
        Ok(ChosenPatient {
            nhs_number,
            from: date(&self.from)?,
            to: date(&self.to)?,
        })
    }
}

/// Starts the page afresh in a new window and so a new web content process, after the UI
/// has closed the patient, on lock and on sign-out, so nothing the old page held survives
/// in memory. With `then_open`, the new page opens that patient (one the clinician has
/// already agreed to).
#[tauri::command]
pub async fn restart_page<R: tauri::Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    then_open: Option<ChosenPatientRequest>,
) -> Result<(), CommandError> {
    let chosen = then_open.map(|request| request.validate()).transpose()?;
    state.set_chosen_patient(chosen);
    crate::shell::web_content::replace_window(&window).map_err(|e| CommandError::from(&e))
}

/// Turns a launch verified on arrival into the patient to open for the signed-in clinician
/// at `now`: a signed one is checked again for its times and bound to the clinician's
/// organisation and role; an unsigned one is to be confirmed by the clinician.
pub fn resolve_launch(
    pending: Option<Result<VerifiedLaunch, LaunchError>>,
    identity: &Identity,
    now: u64,
) -> Result<Option<LaunchView>, CommandError> {
    match pending {
        None => Ok(None),
        Some(Err(error)) => Err(CommandError::from(&error)),
        Some(Ok(VerifiedLaunch {
            request: LaunchRequest::Open(context),
            claims,
        })) => {
            if let Some(claims) = &claims {
                bind_to_user(claims, identity, now).map_err(|e| CommandError::from(&e))?;
            }
            Ok(Some(LaunchView {
                nhs_number: context.nhs_number.as_digits(),
                from: context.from.map(|d| d.to_string()),
                to: context.to.map(|d| d.to_string()),
                needs_confirmation: claims.is_none(),
            }))
        }
        Some(Ok(VerifiedLaunch {
            request: LaunchRequest::Smart(_),
            ..
        })) => Err(CommandError {
            code: ErrorCode::LaunchSmartFailed,
            message: "The SMART launch from the patient record was not started. Open the \
                      patient from the record again, or look them up by NHS number."
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nir_core::launch::test_keys::{self, policy, token, ISSUER};
    use nir_core::launch::LaunchQueue;

    fn arrived(link: &str, required: bool) -> Option<Result<VerifiedLaunch, LaunchError>> {
        let queue = LaunchQueue::default();
        queue.queue(link, &policy(required), unix_now());
        queue.take()
    }

    fn identity(ods: &str) -> Identity {
        test_keys::identity(Some(ods), "S8000:G8000:R8000")
    }

    #[test]
    fn a_chosen_patient_is_checked_like_a_launch_link() {
        let request = |nhs: &str, from: Option<&str>| ChosenPatientRequest {
            nhs_number: nhs.into(),
            from: from.map(str::to_owned),
            to: None,
        };
        let chosen = request("9912003888", Some("2020-01-31"))
            .validate()
            .unwrap();
        assert_eq!(chosen.nhs_number.as_digits(), "9912003888");
        assert_eq!(
            chosen.from.map(|d| d.to_string()).as_deref(),
            Some("2020-01-31")
        );
        assert!(
            request("9912003887", None).validate().is_err(),
            "bad check digit"
        );
        let error = request("9912003888", Some("2020-02-30"))
            .validate()
            .unwrap_err();
        assert_eq!(error.code, "launch-invalid");
    }

    #[test]
    fn an_unsigned_link_names_its_patient_to_be_confirmed() {
        let pending = arrived("nir-viewer://open?nhs=9912003888&from=2020-01-01", false);
        let view = resolve_launch(pending, &identity("RX1"), unix_now())
            .unwrap()
            .unwrap();
        assert_eq!(view.nhs_number, "9912003888");
        assert_eq!(view.from.as_deref(), Some("2020-01-01"));
        assert_eq!(view.to, None);
        assert!(
            view.needs_confirmation,
            "an unsigned link is always confirmed"
        );
        assert_eq!(
            resolve_launch(None, &identity("RX1"), unix_now()).unwrap(),
            None
        );
    }

    #[test]
    fn a_signed_link_for_this_user_opens_without_asking() {
        let link = format!(
            "nir-viewer://open?nhs=9912003888&ctx={}",
            token("9912003888", 120, ISSUER)
        );
        let view = resolve_launch(arrived(&link, true), &identity("RX1"), unix_now())
            .unwrap()
            .unwrap();
        assert!(!view.needs_confirmation);
    }

    #[test]
    fn a_signed_link_for_another_organisation_is_refused_when_taken() {
        let link = format!(
            "nir-viewer://open?nhs=9912003888&ctx={}",
            token("9912003888", 120, ISSUER)
        );
        let error = resolve_launch(arrived(&link, true), &identity("RY2"), unix_now()).unwrap_err();
        assert_eq!(error.code, "launch-not-trusted");
        assert!(
            error.message.contains("another organisation"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unsigned_link_is_refused_with_a_message_when_signing_is_required() {
        let pending = arrived("nir-viewer://open?nhs=9912003888", true);
        let error = resolve_launch(pending, &identity("RX1"), unix_now()).unwrap_err();
        assert_eq!(error.code, "launch-not-trusted");
        assert!(
            error.message.contains("requires a signed launch"),
            "{}",
            error.message
        );
        assert!(
            !error.message.contains("9912003888"),
            "no NHS number in the message"
        );
    }

    #[test]
    fn a_malformed_link_is_refused_with_a_message() {
        let pending = arrived("nir-viewer://open?nhs=9912003888&exec=rm", false);
        let error = resolve_launch(pending, &identity("RX1"), unix_now()).unwrap_err();
        assert_eq!(error.code, "launch-invalid");
        assert!(error.message.contains("unknown parameter 'exec'"));
    }
}
