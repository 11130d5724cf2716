//! Errors of the viewer session, in the words the clinician sees.

use crate::dicomweb::DicomWebError;
use crate::error::UserFacing;
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
    /// Discovery failed as a whole (invalid query, access refused, rate limited).
    #[error("{0}")]
    Discovery(String),
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
    fn code(&self) -> &'static str {
        match self {
            ViewerError::NoPatient => "no-patient",
            ViewerError::PatientChanged => "patient-changed",
            ViewerError::LookupSuperseded => "lookup-superseded",
            ViewerError::UnknownRecord => "unknown-record",
            ViewerError::NotOpenable(_) => "not-openable",
            ViewerError::StudyClosed => "study-closed",
            ViewerError::NoSuchImage => "no-such-image",
            ViewerError::Withheld(_) => "image-withheld",
            ViewerError::Retrieval(e) => e.code(),
            ViewerError::Decode(e) => e.code(),
            ViewerError::DecodeAborted => "decode-aborted",
            ViewerError::Budget(e) => e.code(),
            ViewerError::Report(_) => "report-unavailable",
            ViewerError::ReportOfAnotherPatient => "report-other-patient",
            ViewerError::Discovery(_) => "discovery-failed",
            ViewerError::OriginRefused(_) => "origin-refused",
        }
    }

    fn user_message(&self) -> String {
        match self {
            ViewerError::Retrieval(e) => e.user_message(),
            ViewerError::Decode(e) => e.user_message(),
            ViewerError::Budget(e) => e.user_message(),
            ViewerError::Discovery(message) => message.clone(),
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
