//! A record of the patient's imaging history as the session keeps it: enough to list it and
//! to fetch it, whichever discovery flavour found it.

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum PointerKind {
    /// An imaging study (pixels over WADO-RS).
    ImagingStudy,
    /// A diagnostic imaging report.
    DiagnosticReport,
    /// An MDT outcome report linked to imaging.
    MdtOutcome,
    /// An imaging-related care plan.
    CarePlan,
}

/// One record of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Pointer {
    /// Stable id within this history.
    pub id: String,
    /// What it is.
    pub kind: PointerKind,
    /// When (YYYY-MM-DD), if known.
    pub date: Option<String>,
    /// Modality, for studies.
    pub modality: Option<String>,
    /// What it is, in words.
    pub description: String,
    /// Where a report stands (preliminary, final, amended…), when the pointer says.
    pub status: Option<crate::registry::DocumentStatus>,
    /// The provider holding it.
    pub provider_name: String,
    /// The provider's ODS code.
    pub provider_ods: String,
    /// The name of the network that listed it, when the answer names a known network.
    pub network: Option<String>,
    /// Care setting.
    pub care_setting: Option<String>,
    /// Study Instance UID, for studies and linked reports.
    pub study_uid: Option<String>,
    /// Where to fetch it: WADO-RS study metadata or a FHIR document.
    pub url: Option<url::Url>,
    /// For records found through XCA: how the registry fetches its document (ITI-39).
    pub xca: Option<crate::registry::RetrievalRef>,
    /// The id of the study a report belongs to.
    pub linked_study_id: Option<String>,
    /// Why it cannot be opened, when the registry's entry is incomplete.
    pub unopenable: Option<String>,
}
