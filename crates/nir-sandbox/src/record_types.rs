//! The four record types a pointer can name, and the SNOMED CT codings the sandbox uses
//! for them (published in the discovery document as `record_type_codes`, used as
//! DocumentReference category/type and as XDS classCode).

use serde_json::{json, Value};

use super::catalogue::{RecordRef, ReportKind};
use super::Catalogue;

/// SNOMED CT system URI.
pub const SNOMED: &str = "http://snomed.info/sct";

/// A record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    /// An imaging study.
    ImagingStudy,
    /// An imaging (diagnostic) report.
    DiagnosticReport,
    /// An MDT outcome report linked to imaging.
    MdtOutcome,
    /// An imaging-related care plan.
    CarePlan,
}

impl RecordType {
    /// All four, in discovery-document order.
    pub const ALL: [RecordType; 4] = [
        Self::ImagingStudy,
        Self::DiagnosticReport,
        Self::MdtOutcome,
        Self::CarePlan,
    ];

    /// Key used in the discovery document.
    pub fn key(self) -> &'static str {
        match self {
            Self::ImagingStudy => "imaging-study",
            Self::DiagnosticReport => "diagnostic-report",
            Self::MdtOutcome => "mdt-outcome",
            Self::CarePlan => "care-plan",
        }
    }

    /// SNOMED CT code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ImagingStudy => "721981007",
            Self::DiagnosticReport => "4201000179104",
            Self::MdtOutcome => "371531000",
            Self::CarePlan => "734163000",
        }
    }

    /// SNOMED CT display.
    pub fn display(self) -> &'static str {
        match self {
            Self::ImagingStudy => "Diagnostic studies report",
            Self::DiagnosticReport => "Imaging report",
            Self::MdtOutcome => "Report of clinical encounter",
            Self::CarePlan => "Care plan",
        }
    }

    /// The FHIR coding.
    pub fn coding(self) -> Value {
        json!({ "system": SNOMED, "code": self.code(), "display": self.display() })
    }

    /// The type of a catalogue record.
    pub fn of(catalogue: &Catalogue, record: RecordRef) -> Self {
        match record {
            RecordRef::Study(..) => Self::ImagingStudy,
            RecordRef::Report(p, r) => match catalogue
                .reports
                .get(p)
                .and_then(|v| v.get(r))
                .map(|r| r.kind)
            {
                Some(ReportKind::MdtOutcome) => Self::MdtOutcome,
                Some(ReportKind::CarePlan) => Self::CarePlan,
                _ => Self::DiagnosticReport,
            },
        }
    }
}

/// The `record_type_codes` object of the discovery document.
pub fn record_type_codes() -> Value {
    let mut map = serde_json::Map::new();
    for t in RecordType::ALL {
        map.insert(t.key().into(), t.coding());
    }
    Value::Object(map)
}
