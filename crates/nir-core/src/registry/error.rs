//! Why discovery failed, for one request or one network, with the plain-language message a
//! clinician sees for each case. Technical detail stays in `Display` (which never holds an
//! NHS number, a token or a URL with patient data); the UI shows `user_message()`.

use crate::error::{ErrorCode, UserFacing};

/// A discovery failure.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// The NHS number failed validation.
    #[error("the NHS number is not valid")]
    InvalidNhsNumber,
    /// The query was rejected before sending (bad dates, contradictory filters).
    #[error("the query is not valid: {0}")]
    InvalidQuery(String),
    /// The service refused the request as malformed (a client defect, e.g. missing header).
    #[error("the service rejected the request ({code}): {detail}")]
    Rejected {
        /// Spine or ebXML error code.
        code: String,
        /// The service's diagnostics.
        detail: String,
    },
    /// 401: the access token is no longer accepted; the caller refreshes and retries once.
    #[error("the access token was not accepted")]
    TokenExpired,
    /// 403 or ACCESS_DENIED.
    #[error("access denied by {0}")]
    AccessDenied(String),
    /// 429 and the retries ran out.
    #[error("rate limited by {0}")]
    RateLimited(String),
    /// Connection failure or a gateway error that did not clear on retry.
    #[error("{0} is unavailable")]
    Unavailable(String),
    /// The overall deadline passed.
    #[error("{0} did not answer before the deadline")]
    TimedOut(String),
    /// The response could not be understood.
    #[error("the response from {service} could not be read: {detail}")]
    Malformed {
        /// Which service answered.
        service: String,
        /// What was wrong.
        detail: String,
    },
    /// The response was larger than allowed.
    #[error("the response from {service} exceeded {limit} bytes")]
    TooLarge {
        /// Which service answered.
        service: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The caller cancelled.
    #[error("the search was cancelled")]
    Cancelled,
    /// The HTTP client could not be set up or the request not built.
    #[error("the request could not be prepared: {0}")]
    Client(String),
}

impl UserFacing for RegistryError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidNhsNumber => ErrorCode::InvalidNhsNumber,
            Self::InvalidQuery(_) => ErrorCode::InvalidQuery,
            Self::Rejected { .. } => ErrorCode::RequestRejected,
            Self::TokenExpired => ErrorCode::TokenExpired,
            Self::AccessDenied(_) => ErrorCode::AccessDenied,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::NetworkUnavailable,
            Self::TimedOut(_) => ErrorCode::TimedOut,
            Self::Malformed { .. } => ErrorCode::MalformedResponse,
            Self::TooLarge { .. } => ErrorCode::ResponseTooLarge,
            Self::Cancelled => ErrorCode::Cancelled,
            Self::Client(_) => ErrorCode::ClientError,
        }
    }

    fn user_message(&self) -> String {
        match self {
            Self::InvalidNhsNumber => "That NHS number is not valid. Check the 10 digits and try again.".into(),
            Self::InvalidQuery(detail) => format!("The search could not be run: {detail}."),
            Self::Rejected { .. } | Self::Client(_) => {
                "The imaging registry rejected the search. Please report this to your IT service desk.".into()
            }
            Self::TokenExpired => "Your session has expired. Please sign in again.".into(),
            Self::AccessDenied(_) => {
                "You do not have access to this patient's imaging records.".into()
            }
            Self::RateLimited(_) => {
                "The imaging registry is busy. Please wait a moment and search again; results may be incomplete.".into()
            }
            Self::Unavailable(service) => {
                format!("{service} is unavailable; results may be incomplete.")
            }
            Self::TimedOut(service) => {
                format!("{service} did not answer in time; results may be incomplete.")
            }
            Self::Malformed { service, .. } | Self::TooLarge { service, .. } => {
                format!("{service} sent an answer that could not be read; results may be incomplete.")
            }
            Self::Cancelled => "The search was cancelled.".into(),
        }
    }
}

impl RegistryError {
    /// Shorthand for a malformed response.
    pub fn malformed(service: &str, detail: impl Into<String>) -> Self {
        Self::Malformed {
            service: service.into(),
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain_and_flag_incompleteness() {
        assert!(RegistryError::Unavailable("South Imaging Network".into())
            .user_message()
            .contains("results may be incomplete"));
        assert_eq!(RegistryError::InvalidNhsNumber.code(), "invalid-nhs-number");
        assert!(RegistryError::AccessDenied("NIR".into())
            .user_message()
            .contains("do not have access"));
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<RegistryError>();
    }
}
