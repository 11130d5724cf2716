//! The one error contract shared by every module: each module keeps its own error type,
//! and implements [`UserFacing`] so that the UI receives a stable code and a message fit
//! for a clinician, while the technical detail stays in the (redacted) log. The codes are
//! one closed set, [`ErrorCode`], which the UI receives as a string-literal union
//! (`ui/src/ipc/generated.ts`) and branches on.

use serde::Serialize;
use ts_rs::TS;

/// An error that can be shown to a person.
pub trait UserFacing: std::error::Error {
    /// A stable, machine-readable code the UI can branch on (e.g. `invalid-nhs-number`).
    fn code(&self) -> ErrorCode;
    /// Plain-language text for the clinician. Never holds patient data or secrets.
    fn user_message(&self) -> String;
}

/// Every stable code a failure can carry, written kebab-case on the wire
/// (`InvalidNhsNumber` is `invalid-nhs-number`). Which failure each code stands for is said
/// by the `UserFacing` impl of the module that raises it; a code's spelling never changes,
/// since the UI acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    AccessDenied,
    AuthBrowser,
    AuthClientKey,
    AuthConfiguration,
    AuthNoRoles,
    AuthNotSignedIn,
    AuthProviderUnavailable,
    AuthRefused,
    AuthResponseRejected,
    AuthRoleNotAllowed,
    AuthRoleNotSelected,
    AuthRolesUnreadable,
    AuthSmartcardRequired,
    AuthSmartcardUnwatched,
    AuthTimedOut,
    Cancelled,
    ClientError,
    DecodeAborted,
    DicomAttributeInvalid,
    DicomDeclaredLength,
    DicomDecodeFailed,
    DicomFrameOutOfRange,
    DicomLutInvalid,
    DicomNotAnImage,
    DicomTooLarge,
    DicomTruncated,
    DicomUnreadable,
    DicomUnsupported,
    DicomwebBadMetadata,
    DicomwebBadTransfer,
    DicomwebBadUrl,
    DicomwebBusy,
    DicomwebCancelled,
    DicomwebForbidden,
    DicomwebNotAcceptable,
    DicomwebNotFound,
    DicomwebResponseTooLarge,
    DicomwebServerError,
    DicomwebTimeout,
    DicomwebUnauthorized,
    DicomwebUnreachable,
    ImageWithheld,
    InvalidConfiguration,
    InvalidDate,
    InvalidNhsNumber,
    InvalidQuery,
    LaunchHandOff,
    LaunchInvalid,
    LaunchNoPatient,
    LaunchNotTrusted,
    LaunchSmartFailed,
    LookupSuperseded,
    MalformedResponse,
    MemoryBudget,
    NetworkConfiguration,
    NetworkUnavailable,
    NoPatient,
    NoSuchImage,
    NotOpenable,
    NotSignedIn,
    NotTraining,
    OriginRefused,
    OutputWriteFailed,
    PageRestart,
    PatientChanged,
    PatientClosed,
    RateLimited,
    ReportOtherPatient,
    ReportUnavailable,
    RequestRejected,
    ResponseTooLarge,
    SandboxBadAddress,
    SandboxBindFailed,
    SandboxIdentityProvider,
    SandboxNotLoopback,
    SmartcardMissing,
    SmartcardReader,
    SmartcardServiceMissing,
    StudyClosed,
    StudyTooLarge,
    TimedOut,
    TokenExpired,
    UnknownRecord,
}

impl ErrorCode {
    /// Every code, in the order declared.
    pub const ALL: &'static [ErrorCode] = &[
        Self::AccessDenied,
        Self::AuthBrowser,
        Self::AuthClientKey,
        Self::AuthConfiguration,
        Self::AuthNoRoles,
        Self::AuthNotSignedIn,
        Self::AuthProviderUnavailable,
        Self::AuthRefused,
        Self::AuthResponseRejected,
        Self::AuthRoleNotAllowed,
        Self::AuthRoleNotSelected,
        Self::AuthRolesUnreadable,
        Self::AuthSmartcardRequired,
        Self::AuthSmartcardUnwatched,
        Self::AuthTimedOut,
        Self::Cancelled,
        Self::ClientError,
        Self::DecodeAborted,
        Self::DicomAttributeInvalid,
        Self::DicomDeclaredLength,
        Self::DicomDecodeFailed,
        Self::DicomFrameOutOfRange,
        Self::DicomLutInvalid,
        Self::DicomNotAnImage,
        Self::DicomTooLarge,
        Self::DicomTruncated,
        Self::DicomUnreadable,
        Self::DicomUnsupported,
        Self::DicomwebBadMetadata,
        Self::DicomwebBadTransfer,
        Self::DicomwebBadUrl,
        Self::DicomwebBusy,
        Self::DicomwebCancelled,
        Self::DicomwebForbidden,
        Self::DicomwebNotAcceptable,
        Self::DicomwebNotFound,
        Self::DicomwebResponseTooLarge,
        Self::DicomwebServerError,
        Self::DicomwebTimeout,
        Self::DicomwebUnauthorized,
        Self::DicomwebUnreachable,
        Self::ImageWithheld,
        Self::InvalidConfiguration,
        Self::InvalidDate,
        Self::InvalidNhsNumber,
        Self::InvalidQuery,
        Self::LaunchHandOff,
        Self::LaunchInvalid,
        Self::LaunchNoPatient,
        Self::LaunchNotTrusted,
        Self::LaunchSmartFailed,
        Self::LookupSuperseded,
        Self::MalformedResponse,
        Self::MemoryBudget,
        Self::NetworkConfiguration,
        Self::NetworkUnavailable,
        Self::NoPatient,
        Self::NoSuchImage,
        Self::NotOpenable,
        Self::NotSignedIn,
        Self::NotTraining,
        Self::OriginRefused,
        Self::OutputWriteFailed,
        Self::PageRestart,
        Self::PatientChanged,
        Self::PatientClosed,
        Self::RateLimited,
        Self::ReportOtherPatient,
        Self::ReportUnavailable,
        Self::RequestRejected,
        Self::ResponseTooLarge,
        Self::SandboxBadAddress,
        Self::SandboxBindFailed,
        Self::SandboxIdentityProvider,
        Self::SandboxNotLoopback,
        Self::SmartcardMissing,
        Self::SmartcardReader,
        Self::SmartcardServiceMissing,
        Self::StudyClosed,
        Self::StudyTooLarge,
        Self::TimedOut,
        Self::TokenExpired,
        Self::UnknownRecord,
    ];

    /// The code as it is written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessDenied => "access-denied",
            Self::AuthBrowser => "auth-browser",
            Self::AuthClientKey => "auth-client-key",
            Self::AuthConfiguration => "auth-configuration",
            Self::AuthNoRoles => "auth-no-roles",
            Self::AuthNotSignedIn => "auth-not-signed-in",
            Self::AuthProviderUnavailable => "auth-provider-unavailable",
            Self::AuthRefused => "auth-refused",
            Self::AuthResponseRejected => "auth-response-rejected",
            Self::AuthRoleNotAllowed => "auth-role-not-allowed",
            Self::AuthRoleNotSelected => "auth-role-not-selected",
            Self::AuthRolesUnreadable => "auth-roles-unreadable",
            Self::AuthSmartcardRequired => "auth-smartcard-required",
            Self::AuthSmartcardUnwatched => "auth-smartcard-unwatched",
            Self::AuthTimedOut => "auth-timed-out",
            Self::Cancelled => "cancelled",
            Self::ClientError => "client-error",
            Self::DecodeAborted => "decode-aborted",
            Self::DicomAttributeInvalid => "dicom-attribute-invalid",
            Self::DicomDeclaredLength => "dicom-declared-length",
            Self::DicomDecodeFailed => "dicom-decode-failed",
            Self::DicomFrameOutOfRange => "dicom-frame-out-of-range",
            Self::DicomLutInvalid => "dicom-lut-invalid",
            Self::DicomNotAnImage => "dicom-not-an-image",
            Self::DicomTooLarge => "dicom-too-large",
            Self::DicomTruncated => "dicom-truncated",
            Self::DicomUnreadable => "dicom-unreadable",
            Self::DicomUnsupported => "dicom-unsupported",
            Self::DicomwebBadMetadata => "dicomweb-bad-metadata",
            Self::DicomwebBadTransfer => "dicomweb-bad-transfer",
            Self::DicomwebBadUrl => "dicomweb-bad-url",
            Self::DicomwebBusy => "dicomweb-busy",
            Self::DicomwebCancelled => "dicomweb-cancelled",
            Self::DicomwebForbidden => "dicomweb-forbidden",
            Self::DicomwebNotAcceptable => "dicomweb-not-acceptable",
            Self::DicomwebNotFound => "dicomweb-not-found",
            Self::DicomwebResponseTooLarge => "dicomweb-response-too-large",
            Self::DicomwebServerError => "dicomweb-server-error",
            Self::DicomwebTimeout => "dicomweb-timeout",
            Self::DicomwebUnauthorized => "dicomweb-unauthorized",
            Self::DicomwebUnreachable => "dicomweb-unreachable",
            Self::ImageWithheld => "image-withheld",
            Self::InvalidConfiguration => "invalid-configuration",
            Self::InvalidDate => "invalid-date",
            Self::InvalidNhsNumber => "invalid-nhs-number",
            Self::InvalidQuery => "invalid-query",
            Self::LaunchHandOff => "launch-hand-off",
            Self::LaunchInvalid => "launch-invalid",
            Self::LaunchNoPatient => "launch-no-patient",
            Self::LaunchNotTrusted => "launch-not-trusted",
            Self::LaunchSmartFailed => "launch-smart-failed",
            Self::LookupSuperseded => "lookup-superseded",
            Self::MalformedResponse => "malformed-response",
            Self::MemoryBudget => "memory-budget",
            Self::NetworkConfiguration => "network-configuration",
            Self::NetworkUnavailable => "network-unavailable",
            Self::NoPatient => "no-patient",
            Self::NoSuchImage => "no-such-image",
            Self::NotOpenable => "not-openable",
            Self::NotSignedIn => "not-signed-in",
            Self::NotTraining => "not-training",
            Self::OriginRefused => "origin-refused",
            Self::OutputWriteFailed => "output-write-failed",
            Self::PageRestart => "page-restart",
            Self::PatientChanged => "patient-changed",
            Self::PatientClosed => "patient-closed",
            Self::RateLimited => "rate-limited",
            Self::ReportOtherPatient => "report-other-patient",
            Self::ReportUnavailable => "report-unavailable",
            Self::RequestRejected => "request-rejected",
            Self::ResponseTooLarge => "response-too-large",
            Self::SandboxBadAddress => "sandbox-bad-address",
            Self::SandboxBindFailed => "sandbox-bind-failed",
            Self::SandboxIdentityProvider => "sandbox-identity-provider",
            Self::SandboxNotLoopback => "sandbox-not-loopback",
            Self::SmartcardMissing => "smartcard-missing",
            Self::SmartcardReader => "smartcard-reader",
            Self::SmartcardServiceMissing => "smartcard-service-missing",
            Self::StudyClosed => "study-closed",
            Self::StudyTooLarge => "study-too-large",
            Self::TimedOut => "timed-out",
            Self::TokenExpired => "token-expired",
            Self::UnknownRecord => "unknown-record",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests and callers compare a code with its spelling.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What crosses the IPC boundary when a command fails.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct CommandError {
    /// Stable code from [`UserFacing::code`].
    pub code: ErrorCode,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_written_as_serde_writes_it() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?}");
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{code}"
            );
        }
    }

    #[test]
    fn a_command_error_is_a_code_and_a_message() {
        let error = CommandError {
            code: ErrorCode::InvalidNhsNumber,
            message: "Check the number.".into(),
        };
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"code":"invalid-nhs-number","message":"Check the number."}"#
        );
        assert_eq!(error.code, "invalid-nhs-number");
    }
}
