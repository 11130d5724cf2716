//! Where a report stands: preliminary, final, amended and the rest. A pointer's
//! `DocumentReference.docStatus` (FHIR R4, value set composition-status: preliminary | final
//! | amended | entered-in-error) and a `DiagnosticReport.status` (value set
//! diagnostic-report-status: registered | partial | preliminary | final | amended |
//! corrected | appended | cancelled | entered-in-error | unknown) both read into
//! [`DocumentStatus`], so the history row and the report view label them alike. A code
//! outside both value sets is not guessed at: the record then shows no status.

use serde::Serialize;
use ts_rs::TS;

/// The status of a report, as FHIR codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DocumentStatus {
    /// Registered; no result yet.
    Registered,
    /// Some results are available (a partial report).
    Partial,
    /// Verified early results; not final.
    Preliminary,
    /// Complete and verified.
    Final,
    /// Changed after being made final.
    Amended,
    /// Amended to correct an error.
    Corrected,
    /// Amended with additional content.
    Appended,
    /// Cancelled before a result.
    Cancelled,
    /// Withdrawn: it should never have been issued.
    EnteredInError,
    /// The source does not know.
    Unknown,
}

impl DocumentStatus {
    /// Reads a FHIR status code (`DiagnosticReport.status` or `DocumentReference.docStatus`,
    /// which uses a subset of the same codes); `None` for any other code.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code.trim() {
            "registered" => Self::Registered,
            "partial" => Self::Partial,
            "preliminary" => Self::Preliminary,
            "final" => Self::Final,
            "amended" => Self::Amended,
            "corrected" => Self::Corrected,
            "appended" => Self::Appended,
            "cancelled" => Self::Cancelled,
            "entered-in-error" => Self::EnteredInError,
            "unknown" => Self::Unknown,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::DocumentStatus;

    #[test]
    fn reads_the_fhir_codes_and_nothing_else() {
        assert_eq!(
            DocumentStatus::from_code("amended"),
            Some(DocumentStatus::Amended)
        );
        assert_eq!(
            DocumentStatus::from_code("preliminary"),
            Some(DocumentStatus::Preliminary)
        );
        assert_eq!(
            DocumentStatus::from_code("entered-in-error"),
            Some(DocumentStatus::EnteredInError)
        );
        assert_eq!(DocumentStatus::from_code("Final"), None);
        assert_eq!(DocumentStatus::from_code("current"), None);
        assert_eq!(DocumentStatus::from_code(""), None);
    }

    #[test]
    fn serialises_in_camel_case() {
        let json = serde_json::to_value(DocumentStatus::EnteredInError).unwrap();
        assert_eq!(json, "enteredInError");
    }
}
