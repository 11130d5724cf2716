//! Commands about the session as a whole: what mode the viewer runs in, and validation of
//! the NHS number as the clinician types it.

use serde::Serialize;
use tauri::State;

use crate::app::AppState;
use crate::error::CommandError;
use crate::nhs_number::NhsNumber;

/// What the UI needs to know at start-up.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    /// Show the TRAINING marker and use the sandbox's synthetic patients.
    pub training: bool,
    /// The viewer's version, for the about box and support calls.
    pub version: &'static str,
}

/// Mode and version.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        training: state.mode.is_training(),
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// Validates an NHS number; answers the 3-3-4 form or a plain-language error.
#[tauri::command]
pub fn validate_nhs_number(input: String) -> Result<String, CommandError> {
    NhsNumber::parse(&input)
        .map(|n| n.formatted())
        .map_err(|e| CommandError::from(&e))
}
