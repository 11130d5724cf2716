//! FHIR OperationOutcome reading, for errors and for search-outcome entries. Matching is
//! on coded values only (`details.coding[].code` and `issue.code`), never on display text,
//! which servers are free to change.

use serde::Deserialize;

use crate::registry::error::RegistryError;

/// System of Spine error codes.
pub const SPINE_CODES: &str = "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode";

/// An OperationOutcome, with the fields the viewer reads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Must be `OperationOutcome`.
    pub resource_type: String,
    /// The issues.
    #[serde(default)]
    pub issue: Vec<Issue>,
}

/// One issue.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Issue {
    /// `error`, `warning`, …
    pub severity: String,
    /// FHIR issue type (`invalid`, `forbidden`, `timeout`, …).
    pub code: String,
    /// Coded details.
    #[serde(default)]
    pub details: Option<Details>,
    /// Free text for logs.
    #[serde(default)]
    pub diagnostics: Option<String>,
}

/// `issue.details`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Details {
    /// Codings.
    #[serde(default)]
    pub coding: Vec<Coding>,
    /// Text.
    #[serde(default)]
    pub text: Option<String>,
}

/// A coding.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Coding {
    /// Code system.
    #[serde(default)]
    pub system: Option<String>,
    /// The code.
    #[serde(default)]
    pub code: Option<String>,
    /// Display text (shown, never matched).
    #[serde(default)]
    pub display: Option<String>,
}

impl Issue {
    /// The first detail code, whatever its system.
    pub fn detail_code(&self) -> Option<&str> {
        self.details
            .as_ref()?
            .coding
            .iter()
            .find_map(|c| c.code.as_deref())
    }
}

/// Parses an OperationOutcome; anything else is an error.
pub fn parse_operation_outcome(body: &[u8]) -> Result<OperationOutcome, String> {
    let outcome: OperationOutcome = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if outcome.resource_type != "OperationOutcome" {
        return Err(format!(
            "expected an OperationOutcome, got {}",
            outcome.resource_type
        ));
    }
    Ok(outcome)
}

/// Maps a non-success HTTP answer (status plus optional OperationOutcome body) to an error.
pub fn error_for_status(status: u16, body: &[u8], service: &str) -> RegistryError {
    let outcome = parse_operation_outcome(body).ok();
    let first = outcome.as_ref().and_then(|o| o.issue.first());
    let code = first.and_then(Issue::detail_code).unwrap_or("").to_string();
    let detail = first
        .and_then(|i| i.diagnostics.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    match (status, code.as_str()) {
        (_, "INVALID_NHS_NUMBER") => RegistryError::InvalidNhsNumber,
        (401, _) => RegistryError::TokenExpired,
        (403, _) | (_, "ACCESS_DENIED") => RegistryError::AccessDenied(service.into()),
        (429, _) => RegistryError::RateLimited(service.into()),
        (500..=599, _) => RegistryError::Unavailable(service.into()),
        _ => RegistryError::Rejected {
            code: if code.is_empty() {
                format!("HTTP {status}")
            } else {
                code
            },
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_on_code_not_display() {
        let body = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid",
            "details":{"coding":[{"system":"https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode","code":"INVALID_NHS_NUMBER","display":"Something else entirely"}]}}]}"#;
        assert_eq!(
            error_for_status(400, body, "NIR"),
            RegistryError::InvalidNhsNumber
        );
        let denied =
            br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden",
            "details":{"coding":[{"code":"ACCESS_DENIED","display":"Invalid NHS number"}]}}]}"#;
        assert_eq!(
            error_for_status(403, denied, "NIR"),
            RegistryError::AccessDenied("NIR".into())
        );
        assert!(matches!(
            error_for_status(400, br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","details":{"coding":[{"code":"MISSING_OR_INVALID_HEADER"}]}}]}"#, "NIR"),
            RegistryError::Rejected { ref code, .. } if code == "MISSING_OR_INVALID_HEADER"
        ));
        assert_eq!(
            error_for_status(401, b"not json", "NIR"),
            RegistryError::TokenExpired
        );
    }

    #[test]
    fn strict_types() {
        assert!(parse_operation_outcome(
            br#"{"resourceType":"OperationOutcome","issue":[{"severity":1,"code":"x"}]}"#
        )
        .is_err());
        assert!(parse_operation_outcome(br#"{"resourceType":"Bundle"}"#).is_err());
    }
}
