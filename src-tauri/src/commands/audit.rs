//! The training-mode audit panel: in training mode the viewer's AuditEvents are shown in
//! the window instead of being sent, exactly as they would be sent (FHIR `AuditEvent`
//! resources, oldest first). They hold only what an event holds: the NHS number as the
//! patient entity, record and request identifiers, codes and times.

use serde_json::Value;
use tauri::State;

use crate::shell::AppState;
use nir_core::audit::{to_fhir_audit_event, AuditTrail};
use nir_core::error::{CommandError, ErrorCode, UserFacing};

/// Why the panel cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditPanelError {
    /// Outside training mode the events go to the organisation's audit service.
    #[error("the audit panel exists only in training mode")]
    NotTraining,
}

impl UserFacing for AuditPanelError {
    fn code(&self) -> ErrorCode {
        ErrorCode::NotTraining
    }
    fn user_message(&self) -> String {
        "The audit panel is only available in training mode; here audit events go to your organisation's audit service.".into()
    }
}

/// The events of `trail` as FHIR resources, when `training`.
pub fn panel_events(training: bool, trail: &AuditTrail) -> Result<Vec<Value>, AuditPanelError> {
    if !training {
        return Err(AuditPanelError::NotTraining);
    }
    Ok(trail.recent().iter().map(to_fhir_audit_event).collect())
}

/// The AuditEvents of this training session, oldest first.
#[tauri::command]
pub fn audit_events(state: State<'_, AppState>) -> Result<Vec<Value>, CommandError> {
    panel_events(state.deployment.training, state.session.audit())
        .map_err(|e| CommandError::from(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nir_core::audit::{Action, AuditEvent, Outcome};
    use nir_core::nhs_number::NhsNumber;

    #[test]
    fn training_shows_the_events_as_they_would_be_sent() {
        let trail = AuditTrail::new(None);
        let nhs = NhsNumber::parse("9912003888").unwrap();
        trail.record(
            AuditEvent::new(Action::View, Outcome::Success, "corr-1")
                .about(&nhs)
                .entity("study", "1.2.3"),
        );
        let events = panel_events(true, &trail).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["resourceType"], "AuditEvent");
        let text = events[0].to_string();
        assert!(text.contains("9912003888") && text.contains("1.2.3"));
        assert_eq!(trail.pending(), 0, "nothing queued for sending");
    }

    #[test]
    fn outside_training_the_panel_is_refused() {
        let trail = AuditTrail::new(None);
        assert_eq!(
            panel_events(false, &trail),
            Err(AuditPanelError::NotTraining)
        );
        assert_eq!(AuditPanelError::NotTraining.code(), "not-training");
    }
}
