//! Commands for the patient's imaging history: look it up (which makes them the current
//! patient, wiping any previous one), confirm who the images show, and close the patient.

use tauri::State;

use crate::shell::AppState;
use nir_core::error::{CommandError, ErrorCode};
use nir_core::registry::HistoryQuery;
use nir_core::viewer::views::{HistoryView, IdentityView};

fn parse_date(value: Option<String>) -> Result<Option<chrono::NaiveDate>, CommandError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| CommandError {
                code: ErrorCode::InvalidDate,
                message: "Dates must be written as YYYY-MM-DD.".into(),
            })
        })
        .transpose()
}

/// Finds the patient's imaging history across NIR.
#[tauri::command]
pub async fn lookup(
    state: State<'_, AppState>,
    nhs_number: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<HistoryView, CommandError> {
    if !state.tokens.is_set() {
        return Err(CommandError {
            code: ErrorCode::NotSignedIn,
            message: "Sign in before looking a patient up.".into(),
        });
    }
    state.auth.touch();
    let mut query = HistoryQuery::for_patient(&nhs_number).map_err(|e| CommandError::from(&e))?;
    query.from = parse_date(from)?;
    query.to = parse_date(to)?;
    query.validate().map_err(|e| CommandError::from(&e))?;
    let backend = std::sync::Arc::clone(&state.discovery);
    state
        .session
        .use_document_source(std::sync::Arc::clone(&backend));
    state
        .session
        .lookup(&*backend, query)
        .await
        .map_err(|e| CommandError::from(&e))
}

/// Reads what the current patient's images say about who they show, for the banner.
#[tauri::command]
pub async fn confirm_identity(state: State<'_, AppState>) -> Result<IdentityView, CommandError> {
    state
        .session
        .confirm_identity()
        .await
        .map_err(|e| CommandError::from(&e))
}

/// Closes the current patient and wipes everything about them.
#[tauri::command]
pub fn close_patient(state: State<'_, AppState>) {
    state.session.close_patient();
}
