//! Errors of DICOMweb retrieval. Callers ask what kind of failure it was
//! ([`DicomWebError::is_unauthorized`], [`DicomWebError::is_timeout`], ...) instead of
//! matching text, and the UI gets a stable code and plain-language message through
//! [`UserFacing`]. Messages name the resource kind that failed (study metadata, series,
//! instance, frames) but never a UID, an NHS number or a token.

use crate::error::{ErrorCode, UserFacing};

use super::multipart::MultipartError;

/// What was being fetched when something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `.../metadata`.
    Metadata,
    /// A QIDO-RS search.
    Search,
    /// A whole study or series.
    Series,
    /// One instance.
    Instance,
    /// Frames of an instance.
    Frames,
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Resource::Metadata => "study metadata",
            Resource::Search => "search",
            Resource::Series => "series",
            Resource::Instance => "instance",
            Resource::Frames => "frames",
        })
    }
}

/// Why a DICOMweb request or retrieval failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DicomWebError {
    /// The URL cannot be used for this request.
    #[error("the {resource} address is not usable: {reason}")]
    BadUrl {
        /// What was requested.
        resource: Resource,
        /// What is wrong with it.
        reason: String,
    },
    /// HTTP 401: the access token is missing, expired or refused.
    #[error("the server refused the access token for the {resource} (HTTP 401{})",
        .detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Unauthorized {
        /// What was requested.
        resource: Resource,
        /// `error_description` from `WWW-Authenticate`, if given.
        detail: Option<String>,
    },
    /// HTTP 403.
    #[error("the server denied access to the {resource} (HTTP 403)")]
    Forbidden {
        /// What was requested.
        resource: Resource,
    },
    /// HTTP 404.
    #[error("the server does not have the {resource} (HTTP 404)")]
    NotFound {
        /// What was requested.
        resource: Resource,
    },
    /// Every media type in the Accept fallback list was refused (406/415).
    #[error("the server offered no acceptable format for the {resource}")]
    NotAcceptable {
        /// What was requested.
        resource: Resource,
    },
    /// Any other unsuccessful HTTP status.
    #[error("the server answered HTTP {status} for the {resource}")]
    Status {
        /// What was requested.
        resource: Resource,
        /// The HTTP status code.
        status: u16,
    },
    /// HTTP 503 or 429 after every wait the busy policy allows, or with a `Retry-After`
    /// longer than it allows.
    #[error("the server was busy for the {resource} (HTTP {status}){}",
        .retry_after_seconds.map(|s| format!(", asking for {s} s more")).unwrap_or_default())]
    Busy {
        /// What was requested.
        resource: Resource,
        /// The last busy status (503 or 429).
        status: u16,
        /// The server's last `Retry-After`, in seconds, if it gave one.
        retry_after_seconds: Option<u64>,
    },
    /// Connecting or waiting for the answer took too long.
    #[error("the {resource} request timed out")]
    Timeout {
        /// What was requested.
        resource: Resource,
    },
    /// The connection failed.
    #[error("the {resource} request failed: {reason}")]
    Transport {
        /// What was requested.
        resource: Resource,
        /// The transport error, without its URL.
        reason: String,
    },
    /// The multipart body was malformed or cut short.
    #[error("the {resource} response was not a valid multipart body: {source}")]
    Multipart {
        /// What was requested.
        resource: Resource,
        /// The parser's finding.
        source: MultipartError,
    },
    /// The connection broke while the body was arriving.
    #[error("the transfer of the {resource} broke off after {complete_parts} complete parts")]
    Interrupted {
        /// What was requested.
        resource: Resource,
        /// Parts received in full before the break.
        complete_parts: usize,
    },
    /// The response was larger than allowed.
    #[error("the {resource} response exceeded the limit of {limit_bytes} bytes")]
    ResponseTooLarge {
        /// What was requested.
        resource: Resource,
        /// The limit.
        limit_bytes: usize,
    },
    /// Metadata or search JSON could not be understood.
    #[error("the {resource} response is not valid DICOM JSON: {reason}")]
    InvalidJson {
        /// What was requested.
        resource: Resource,
        /// What is wrong.
        reason: String,
    },
    /// The study would exceed the memory budget.
    #[error("the study needs {needed_bytes} bytes but the memory budget is {budget_bytes} bytes")]
    OverBudget {
        /// Estimated decoded size of the study.
        needed_bytes: u64,
        /// The budget given.
        budget_bytes: u64,
    },
    /// The retrieval was cancelled (the study was closed).
    #[error("the retrieval was cancelled")]
    Cancelled,
    /// The address is not one the session's origin policy allows: nothing was sent.
    #[error("the {resource} request was not sent: {refusal}")]
    OriginRefused {
        /// What was requested.
        resource: Resource,
        /// The host and why it was refused.
        refusal: crate::net::OriginRefusal,
    },
}

impl DicomWebError {
    /// HTTP 401: a token refresh (or new sign-in) is needed.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, DicomWebError::Unauthorized { .. })
    }
    /// HTTP 403.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, DicomWebError::Forbidden { .. })
    }
    /// HTTP 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DicomWebError::NotFound { .. })
    }
    /// The server stayed busy (503/429) through every allowed wait.
    pub fn is_busy(&self) -> bool {
        matches!(self, DicomWebError::Busy { .. })
    }
    /// A timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, DicomWebError::Timeout { .. })
    }
    /// The body ended early: cut before the closing delimiter, or the connection broke.
    pub fn is_truncated(&self) -> bool {
        matches!(
            self,
            DicomWebError::Multipart {
                source: MultipartError::Truncated { .. },
                ..
            } | DicomWebError::Interrupted { .. }
        )
    }
    /// The study does not fit in the memory budget.
    pub fn is_over_budget(&self) -> bool {
        matches!(self, DicomWebError::OverBudget { .. })
    }
    /// Cancelled by the caller.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, DicomWebError::Cancelled)
    }
    /// Refused by the origin policy before anything was sent: the refusal, if so.
    pub fn origin_refusal(&self) -> Option<&crate::net::OriginRefusal> {
        match self {
            DicomWebError::OriginRefused { refusal, .. } => Some(refusal),
            _ => None,
        }
    }
    /// Worth one more attempt: a cut or garbled transfer, a timeout or a dropped connection.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            DicomWebError::Multipart { .. }
                | DicomWebError::Interrupted { .. }
                | DicomWebError::Timeout { .. }
                | DicomWebError::Transport { .. }
        )
    }

    /// Maps a reqwest failure, dropping the URL (it holds UIDs).
    pub(crate) fn from_reqwest(resource: Resource, error: reqwest::Error) -> Self {
        if error.is_timeout() {
            DicomWebError::Timeout { resource }
        } else {
            DicomWebError::Transport {
                resource,
                reason: error.without_url().to_string(),
            }
        }
    }
}

fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl UserFacing for DicomWebError {
    fn code(&self) -> ErrorCode {
        match self {
            DicomWebError::BadUrl { .. } => ErrorCode::DicomwebBadUrl,
            DicomWebError::Unauthorized { .. } => ErrorCode::DicomwebUnauthorized,
            DicomWebError::Forbidden { .. } => ErrorCode::DicomwebForbidden,
            DicomWebError::NotFound { .. } => ErrorCode::DicomwebNotFound,
            DicomWebError::NotAcceptable { .. } => ErrorCode::DicomwebNotAcceptable,
            DicomWebError::Status { .. } => ErrorCode::DicomwebServerError,
            DicomWebError::Busy { .. } => ErrorCode::DicomwebBusy,
            DicomWebError::Timeout { .. } => ErrorCode::DicomwebTimeout,
            DicomWebError::Transport { .. } => ErrorCode::DicomwebUnreachable,
            DicomWebError::Multipart { .. } | DicomWebError::Interrupted { .. } => {
                ErrorCode::DicomwebBadTransfer
            }
            DicomWebError::ResponseTooLarge { .. } => ErrorCode::DicomwebResponseTooLarge,
            DicomWebError::InvalidJson { .. } => ErrorCode::DicomwebBadMetadata,
            DicomWebError::OverBudget { .. } => ErrorCode::MemoryBudget,
            DicomWebError::Cancelled => ErrorCode::DicomwebCancelled,
            DicomWebError::OriginRefused { .. } => ErrorCode::OriginRefused,
        }
    }

    fn user_message(&self) -> String {
        match self {
            DicomWebError::Unauthorized { .. } => {
                "Your sign-in has expired or was not accepted by the imaging provider. \
                 Sign in again to load the images."
                    .into()
            }
            DicomWebError::Forbidden { .. } => {
                "The imaging provider did not allow access to these images.".into()
            }
            DicomWebError::NotFound { .. } => {
                "The imaging provider no longer has these images.".into()
            }
            DicomWebError::Busy { .. } => {
                "The imaging provider is busy and could not send the images yet. \
                 Try again in a few minutes."
                    .into()
            }
            DicomWebError::Timeout { .. } | DicomWebError::Transport { .. } => {
                "The imaging provider could not be reached. Try again shortly.".into()
            }
            DicomWebError::OverBudget {
                needed_bytes,
                budget_bytes,
            } => format!(
                "This study is larger than the memory the viewer may use ({} MB of {} MB). \
                 Close other studies, or ask your IT service desk to raise the memory budget.",
                megabytes(*needed_bytes),
                megabytes(*budget_bytes)
            ),
            DicomWebError::Cancelled => "Loading was stopped.".into(),
            DicomWebError::OriginRefused { refusal, .. } => refusal.user_message(),
            _ => "The images could not be loaded from the imaging provider. Try again, and \
                  report it if it keeps happening."
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_queryable() {
        let unauthorized = DicomWebError::Unauthorized {
            resource: Resource::Series,
            detail: Some("The access token expired".into()),
        };
        assert!(unauthorized.is_unauthorized() && !unauthorized.is_timeout());
        assert_eq!(unauthorized.code(), "dicomweb-unauthorized");
        assert!(unauthorized.to_string().contains("expired"));
        let truncated = DicomWebError::Multipart {
            resource: Resource::Series,
            source: MultipartError::Truncated {
                complete_parts: 2,
                inside_part: true,
            },
        };
        assert!(truncated.is_truncated() && truncated.is_retryable());
        assert!(!DicomWebError::Cancelled.is_retryable());
    }

    #[test]
    fn over_budget_message_names_both_sizes_in_megabytes() {
        let error = DicomWebError::OverBudget {
            needed_bytes: 300 << 20,
            budget_bytes: 256 << 20,
        };
        assert!(error.is_over_budget());
        assert!(error.user_message().contains("(300 MB of 256 MB)"));
    }

    #[test]
    fn errors_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<DicomWebError>();
    }
}
