//! The one error contract shared by every module: each module keeps its own error type,
//! and implements [`UserFacing`] so that the UI receives a stable code and a message fit
//! for a clinician, while the technical detail stays in the (redacted) log.

use serde::Serialize;

/// An error that can be shown to a person.
pub trait UserFacing: std::error::Error {
    /// A stable, machine-readable code the UI can branch on (e.g. `invalid-nhs-number`).
    fn code(&self) -> &'static str;
    /// Plain-language text for the clinician. Never holds patient data or secrets.
    fn user_message(&self) -> String;
}

/// What crosses the IPC boundary when a command fails.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommandError {
    /// Stable code from [`UserFacing::code`].
    pub code: &'static str,
    /// Text from [`UserFacing::user_message`].
    pub message: String,
}

impl<E: UserFacing> From<&E> for CommandError {
    fn from(error: &E) -> Self {
        Self {
            code: error.code(),
            message: error.user_message(),
        }
    }
}
