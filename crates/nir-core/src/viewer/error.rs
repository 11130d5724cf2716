//! Errors of the viewer session, in the words the clinician sees.

use crate::dicomweb::DicomWebError;
use crate::error::{ErrorCode, UserFacing};
use crate::imaging::ImagingError;
use crate::vault::VaultError;

/// Why something the clinician asked for could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// No patient is open.
    #[error("no patient is open")]
    NoPatient,
    /// The patient changed or was closed (or the session locked) while this was under way;
    /// what it fetched was dropped.
    #[error("the patient was changed or closed before this finished, so nothing from it was kept")]
    PatientChanged,
    /// A newer look-up, a close, a lock or a sign-out came before this look-up's answer,
    /// which was set aside.
    #[error("a newer look-up or a close replaced this one, so its answer was set aside")]
    LookupSuperseded,
    /// The record is not in the current patient's history.
    #[error("that record is not part of the open patient's history")]
    UnknownRecord,
    /// The record cannot be opened this way.
    #[error("that record cannot be opened here: {0}")]
    NotOpenable(String),
    /// The study was closed meanwhile.
    #[error("the study has been closed")]
    StudyClosed,
    /// No such image in the study.
    #[error("there is no such image in this study")]
    NoSuchImage,
    /// The image was withheld by verification.
    #[error("this image was withheld: {0}")]
    Withheld(String),
    /// Retrieval failed.
    #[error(transparent)]
    Retrieval(#[from] DicomWebError),
    /// Decoding failed.
    #[error(transparent)]
    Decode(#[from] ImagingError),
    /// Decoding stopped without an answer (the decoding task failed).
    #[error("decoding this image stopped unexpectedly")]
    DecodeAborted,
    /// The memory budget would be exceeded.
    #[error(transparent)]
    Budget(#[from] VaultError),
    /// Discovery failed as a whole (invalid query, access refused, rate limited, token
    /// expired); the registry's own code reaches the UI, so it can act on it.
    #[error(transparent)]
    Discovery(crate::registry::RegistryError),
    /// A report could not be fetched or read.
    #[error("the report could not be read: {0}")]
    Report(String),
    /// A report resource names another patient than the one looked up: not shown.
    #[error("the report names another patient than the one you looked up, so it is not shown; tell the provider that holds it")]
    ReportOfAnotherPatient,
    /// The record names an address the origin policy refuses; nothing was sent to it.
    #[error("{0}")]
    OriginRefused(crate::net::OriginRefusal),
}

impl UserFacing for ViewerError {
    fn code(&self) -> ErrorCode {
        match self {
            ViewerError::NoPatient => ErrorCode::NoPatient,
            ViewerError::PatientChanged => ErrorCode::PatientChanged,
            ViewerError::LookupSuperseded => ErrorCode::LookupSuperseded,
            ViewerError::UnknownRecord => ErrorCode::UnknownRecord,
            ViewerError::NotOpenable(_) => ErrorCode::NotOpenable,
            ViewerError::StudyClosed => ErrorCode::StudyClosed,
            ViewerError::NoSuchImage => ErrorCode::NoSuchImage,
            ViewerError::Withheld(_) => ErrorCode::ImageWithheld,
            ViewerError::Retrieval(e) => e.code(),
            ViewerError::Decode(e) => e.code(),
            ViewerError::DecodeAborted => ErrorCode::DecodeAborted,
            ViewerError::Budget(e) => e.code(),
            ViewerError::Report(_) => ErrorCode::ReportUnavailable,
            ViewerError::ReportOfAnotherPatient => ErrorCode::ReportOtherPatient,
            ViewerError::Discovery(e) => e.code(),
            ViewerError::OriginRefused(_) => ErrorCode::OriginRefused,
        }
    }

    fn user_message(&self) -> String {
        match self {
            ViewerError::Retrieval(e) => e.user_message(),
            ViewerError::Decode(e) => e.user_message(),
            ViewerError::Budget(e) => e.user_message(),
            ViewerError::Discovery(e) => e.user_message(),
            ViewerError::OriginRefused(refusal) => refusal.user_message(),
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
                    None => text,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RegistryError;

    #[test]
    fn a_failed_lookup_keeps_the_registry_code_and_message() {
        for error in [
            RegistryError::TokenExpired,
            RegistryError::AccessDenied("no legitimate relationship".into()),
        ] {
            let viewer = ViewerError::Discovery(error.clone());
            assert_eq!(viewer.code(), error.code());
            assert_eq!(viewer.user_message(), error.user_message());
        }
        assert_eq!(
            ViewerError::Discovery(RegistryError::TokenExpired).code(),
            "token-expired"
        );
    }
}
