//! Which kind of document a report is, from the media type the registry and the repository
//! declare for it, checked against its first bytes. An XDS/XCA DocumentEntry carries a
//! `mimeType` (IHE ITI TF-3 §4.2.3.2.17) and each ITI-39 `DocumentResponse` repeats it
//! (ITI TF-2 §3.39.4.2.2, `mimeType` of the retrieved document); imaging reports come as
//! FHIR, PDF (formatCode `urn:ihe:rad:PDF`), plain text (`urn:ihe:rad:TEXT`) or HL7 CDA R2
//! (`urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013`; IHE RAD TF-3 §4.68.4.1.2.3,
//! XDS-I.b). Declarations that disagree, or bytes that are not what was declared, are
//! refused rather than guessed at.

use serde::Serialize;
use ts_rs::TS;

/// How a report is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ReportFormat {
    /// A FHIR resource (DiagnosticReport, CarePlan…), as JSON.
    Fhir,
    /// A PDF document.
    Pdf,
    /// Plain text.
    Text,
    /// An HL7 CDA R2 document.
    Cda,
    /// A DICOM structured report held in a study.
    Sr,
}

/// Why a report's type is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A media type the viewer does not show.
    #[error("it is a {0} document, which the viewer does not show")]
    Unsupported(String),
    /// The registry's entry and the repository's answer name different types.
    #[error("the registry lists it as {listed} but the repository sent {sent}")]
    Disagree {
        /// The DocumentEntry's mimeType.
        listed: String,
        /// The ITI-39 mimeType.
        sent: String,
    },
    /// The bytes are not of the declared type.
    #[error("it is declared as {declared} but its content is not")]
    Mismatch {
        /// The declared media type.
        declared: String,
    },
}

/// The media type without parameters, lower case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The format a media type names.
pub fn format_of(media_type: &str) -> Result<ReportFormat, FormatError> {
    match essence(media_type).as_str() {
        "application/fhir+json" | "application/json+fhir" | "application/json" => {
            Ok(ReportFormat::Fhir)
        }
        "application/pdf" => Ok(ReportFormat::Pdf),
        "text/plain" => Ok(ReportFormat::Text),
        // CDA R2 documents travel as text/xml (IHE ITI TF-3 §4.2.3.2.17 examples, XDS-MS)
        // or with HL7's registered v3 type.
        "text/xml" | "application/xml" | "application/hl7-v3+xml" | "application/cda+xml" => {
            Ok(ReportFormat::Cda)
        }
        "" => Err(FormatError::Unsupported("undeclared".into())),
        other => Err(FormatError::Unsupported(other.into())),
    }
}

/// The media type in force: the repository's (ITI-39), else the registry's; both named
/// and naming different formats is refused. Answers the media type with its parameters.
pub fn declared<'a>(listed: &'a str, sent: &'a str) -> Result<&'a str, FormatError> {
    let (listed_trim, sent_trim) = (listed.trim(), sent.trim());
    match (listed_trim.is_empty(), sent_trim.is_empty()) {
        (_, true) => Ok(listed_trim),
        (true, false) => Ok(sent_trim),
        (false, false) => {
            let same = essence(listed_trim) == essence(sent_trim)
                || matches!(
                    (format_of(listed_trim), format_of(sent_trim)),
                    (Ok(a), Ok(b)) if a == b
                );
            if same {
                Ok(sent_trim)
            } else {
                Err(FormatError::Disagree {
                    listed: essence(listed_trim),
                    sent: essence(sent_trim),
                })
            }
        }
    }
}

/// Checks that `bytes` look like `format`: a PDF starts with `%PDF-` (ISO 32000-1 §7.5.2),
/// JSON and XML with `{` and `<` after any byte-order mark and white space; text holds no
/// PDF signature and no NUL byte.
pub fn check_content(
    format: ReportFormat,
    media_type: &str,
    bytes: &[u8],
) -> Result<(), FormatError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    let fits = match format {
        ReportFormat::Pdf => bytes.starts_with(b"%PDF-"),
        ReportFormat::Fhir => first == Some(b'{'),
        ReportFormat::Cda => first == Some(b'<'),
        ReportFormat::Text | ReportFormat::Sr => {
            !bytes.starts_with(b"%PDF-") && !bytes.contains(&0)
        }
    };
    if fits {
        Ok(())
    } else {
        Err(FormatError::Mismatch {
            declared: essence(media_type),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_name_formats() {
        assert_eq!(
            format_of("application/fhir+json; fhirVersion=4.0"),
            Ok(ReportFormat::Fhir)
        );
        assert_eq!(format_of("Application/PDF"), Ok(ReportFormat::Pdf));
        assert_eq!(
            format_of("text/plain; charset=UTF-8"),
            Ok(ReportFormat::Text)
        );
        assert_eq!(format_of("text/xml"), Ok(ReportFormat::Cda));
        assert_eq!(format_of("application/hl7-v3+xml"), Ok(ReportFormat::Cda));
        assert_eq!(
            format_of("text/html"),
            Err(FormatError::Unsupported("text/html".into()))
        );
        assert!(format_of("").is_err());
    }

    #[test]
    fn the_repository_declaration_wins_but_may_not_contradict_the_registry() {
        assert_eq!(declared("application/pdf", ""), Ok("application/pdf"));
        assert_eq!(declared("", "text/plain"), Ok("text/plain"));
        assert_eq!(
            declared("text/plain", "text/plain; charset=ISO-8859-1"),
            Ok("text/plain; charset=ISO-8859-1")
        );
        assert_eq!(
            declared("text/xml", "application/hl7-v3+xml"),
            Ok("application/hl7-v3+xml")
        );
        assert!(matches!(
            declared("text/plain", "application/pdf"),
            Err(FormatError::Disagree { .. })
        ));
    }

    #[test]
    fn content_must_match_the_declaration() {
        assert!(check_content(ReportFormat::Pdf, "application/pdf", b"%PDF-1.4").is_ok());
        assert!(check_content(ReportFormat::Pdf, "application/pdf", b"<html>").is_err());
        assert!(check_content(
            ReportFormat::Fhir,
            "application/fhir+json",
            b"\xef\xbb\xbf {\"a\":1}"
        )
        .is_ok());
        assert!(check_content(ReportFormat::Fhir, "application/fhir+json", b"%PDF-1.4").is_err());
        assert!(check_content(ReportFormat::Cda, "text/xml", b"\n<?xml?>").is_ok());
        assert!(check_content(ReportFormat::Cda, "text/xml", b"plain words").is_err());
        assert!(check_content(ReportFormat::Text, "text/plain", b"Findings").is_ok());
        let error = check_content(ReportFormat::Text, "text/plain", b"%PDF-1.7").unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is declared as text/plain but its content is not"
        );
    }
}
