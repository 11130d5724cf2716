//! Why a launch link was refused, in words the clinician can act on.

use crate::error::{ErrorCode, UserFacing};
use crate::nhs_number::NhsNumberError;

/// A refused launch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// Not a `nir-viewer:` URL at all.
    #[error("not a nir-viewer link")]
    NotALink,
    /// A link for an action the viewer does not offer.
    #[error("the link asks for an unknown action '{0}'")]
    UnknownAction(String),
    /// A parameter the viewer does not accept.
    #[error("the link has an unknown parameter '{0}'")]
    UnknownParameter(String),
    /// The same parameter twice.
    #[error("the link repeats the parameter '{0}'")]
    RepeatedParameter(String),
    /// A required parameter is missing.
    #[error("the link has no '{0}' parameter")]
    MissingParameter(&'static str),
    /// The NHS number is not valid.
    #[error("the link's NHS number is not valid: {0}")]
    InvalidNhsNumber(NhsNumberError),
    /// A date is not YYYY-MM-DD or the range is backwards.
    #[error("the link's dates are not valid: {0}")]
    InvalidDate(String),
    /// Signed context is required and the link has none.
    #[error("this organisation requires a signed launch from the patient record, and the link is unsigned")]
    Unsigned,
    /// The signed context is not valid (signature, expiry, audience, patient).
    #[error("the signed launch context was refused: {0}")]
    BadSignature(String),
    /// The SMART launch parameters are unusable.
    #[error("the SMART launch is not valid: {0}")]
    InvalidSmartLaunch(String),
    /// The single-instance socket could not be used.
    #[error("could not reach the running viewer: {0}")]
    HandOff(String),
}

impl UserFacing for LaunchError {
    fn code(&self) -> ErrorCode {
        match self {
            LaunchError::Unsigned | LaunchError::BadSignature(_) => ErrorCode::LaunchNotTrusted,
            LaunchError::HandOff(_) => ErrorCode::LaunchHandOff,
            _ => ErrorCode::LaunchInvalid,
        }
    }

    fn user_message(&self) -> String {
        format!(
            "The patient record's link could not be used: {self}. Open the patient from the \
             record again, or look them up by NHS number."
        )
    }
}
