//! What the UI receives, as JSON (camelCase). Kept apart from the domain types so the wire
//! format changes only on purpose; their TypeScript twins are generated from them into
//! `ui/src/ipc/generated.ts` (`make ipc-types`).

use serde::Serialize;
use ts_rs::TS;

use super::slice_geometry::{position_along, slice_normal};
use super::study::StackEntry;
use super::{Pointer, PointerKind};
use crate::dicomweb::StudyLayout;
use crate::registry::DocumentStatus;

/// One row of the history.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecordView {
    /// Record id.
    pub id: String,
    /// Record type.
    pub kind: PointerKind,
    /// Date, YYYY-MM-DD.
    pub date: Option<String>,
    /// Modality.
    pub modality: Option<String>,
    /// Description.
    pub description: String,
    /// Report status (preliminary, final, amended…), when the pointer gives one.
    pub status: Option<DocumentStatus>,
    /// Provider name.
    pub provider_name: String,
    /// Provider ODS code.
    pub provider_ods: String,
    /// The network that listed it (for the history's network filter).
    pub network: Option<String>,
    /// Care setting.
    pub care_setting: Option<String>,
    /// Whether the viewer can open it.
    pub openable: bool,
    /// Why it cannot be opened, when the registry's entry is incomplete.
    pub unopenable_reason: Option<String>,
    /// The study a report belongs to.
    pub linked_study_id: Option<String>,
}

impl From<&Pointer> for HistoryRecordView {
    fn from(p: &Pointer) -> Self {
        Self {
            id: p.id.clone(),
            kind: p.kind,
            date: p.date.clone(),
            modality: p.modality.clone(),
            description: p.description.clone(),
            status: p.status,
            provider_name: p.provider_name.clone(),
            provider_ods: p.provider_ods.clone(),
            network: p.network.clone(),
            care_setting: p.care_setting.clone(),
            openable: p.unopenable.is_none() && (p.url.is_some() || p.xca.is_some()),
            unopenable_reason: p.unopenable.clone(),
            linked_study_id: p.linked_study_id.clone(),
        }
    }
}

/// How one network answered.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct NetworkView {
    /// Network name.
    pub name: String,
    /// `answered`, `noRecords`, `unavailable`, `timedOut`, `accessDenied`, `rateLimited`, `error`.
    pub state: crate::registry::NetworkStatus,
    /// Why, in plain words.
    pub reason: String,
}

/// The patient as the banner shows them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PatientView {
    /// NHS number, 3-3-4.
    pub nhs_number: String,
    /// Name, when NIR supplied it.
    pub name: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Sex.
    pub sex: Option<String>,
}

/// What the images say about who they show, for the banner.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    /// The patient: NHS number from the search, name, birth date and sex from the images.
    pub patient: PatientView,
    /// When the images disagree with the NHS number or with each other, in plain words.
    pub mismatch: Option<String>,
    /// How many studies' metadata the verdict rests on.
    pub studies_checked: usize,
}

/// The imaging history.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// Who.
    pub patient: PatientView,
    /// Records.
    pub records: Vec<HistoryRecordView>,
    /// Per-network outcome.
    pub networks: Vec<NetworkView>,
    /// Whether every network answered.
    pub complete: bool,
    /// One sentence for the status line.
    pub summary: String,
}

/// A window preset.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct WindowPresetView {
    /// Label.
    pub name: String,
    /// Centre.
    pub center: f64,
    /// Width.
    pub width: f64,
}

/// A series of an open study.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeriesView {
    /// Opaque key for frame requests.
    pub key: String,
    /// Series Number.
    pub number: Option<i32>,
    /// Description.
    pub description: String,
    /// Modality.
    pub modality: String,
    /// Images in the stack (frames of multi-frame instances count one each).
    pub instance_count: usize,
    /// Rows of the first image.
    pub rows: u32,
    /// Columns of the first image.
    pub columns: u32,
    /// Pixel Spacing (row, column) in mm.
    pub pixel_spacing: Option<[f64; 2]>,
    /// Where that spacing measures: in the patient, or at the detector (lengths labelled so).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pixel_spacing_source: Option<crate::dicomweb::metadata::SpacingSource>,
    /// Window presets from the file.
    pub presets: Vec<WindowPresetView>,
    /// Frame of Reference UID, when known (enables synchronised scrolling).
    pub frame_of_reference: Option<String>,
    /// Unit slice normal of the series (row × column cosines of its first oriented image),
    /// so the UI scrolls together only series that lie in the same plane.
    pub slice_normal: Option<[f64; 3]>,
    /// Position of each image along `slice_normal`, in mm (none for images at another
    /// orientation, multi-frame images and images without a position).
    pub slice_positions: Vec<Option<f64>>,
    /// `pdf` or `sr` when the series holds a report rather than images.
    #[ts(type = "\"pdf\" | \"sr\" | null")]
    pub document: Option<&'static str>,
}

/// An open study.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct StudyView {
    /// Opaque key.
    pub key: String,
    /// The history record it was opened from.
    pub record_id: String,
    /// Description.
    pub description: String,
    /// Date.
    pub date: Option<String>,
    /// Series in display order.
    pub series: Vec<SeriesView>,
    /// Warnings to show at once.
    pub warnings: Vec<String>,
    /// When the images' demographics disagree with the pointer's.
    pub demographics_mismatch: Option<String>,
    /// The banner after this study's images were read.
    pub identity: Option<IdentityView>,
}

/// The document kind of a series whose instances are all reports of one kind.
fn document_of(series: &crate::dicomweb::SeriesLayout) -> Option<&'static str> {
    let mut kinds = series.instances.iter().map(|i| {
        i.sop_class_uid
            .as_deref()
            .and_then(super::document::document_kind)
    });
    let first = kinds.next()??;
    kinds.all(|k| k == Some(first)).then_some(first)
}

impl StudyView {
    pub(super) fn from_layout(
        key: &str,
        pointer: &Pointer,
        layout: &StudyLayout,
        stacks: &[Vec<StackEntry>],
    ) -> Self {
        let series = layout
            .series
            .iter()
            .zip(stacks)
            .enumerate()
            .map(|(index, (series, stack))| {
                let first = series.instances.first();
                let normal = series
                    .instances
                    .iter()
                    .find_map(|i| slice_normal(i.orientation));
                let presets = series
                    .window_presets
                    .iter()
                    .chain(
                        first
                            .map(|i| i.window_presets.as_slice())
                            .unwrap_or_default(),
                    )
                    .map(|p| WindowPresetView {
                        name: p.label.clone().unwrap_or_else(|| "From the image".into()),
                        center: p.center,
                        width: p.width,
                    })
                    .collect();
                SeriesView {
                    key: index.to_string(),
                    number: series.number,
                    description: series
                        .description
                        .clone()
                        .unwrap_or_else(|| "Unnamed series".into()),
                    modality: series.modality.clone().unwrap_or_else(|| "OT".into()),
                    instance_count: stack.len(),
                    rows: first.map_or(0, |i| i.rows),
                    columns: first.map_or(0, |i| i.columns),
                    pixel_spacing: first.and_then(|i| i.pixel_spacing),
                    pixel_spacing_source: first.and_then(|i| i.pixel_spacing_source),
                    presets,
                    frame_of_reference: first.and_then(|i| i.frame_of_reference.clone()),
                    document: document_of(series),
                    slice_normal: normal,
                    slice_positions: stack
                        .iter()
                        .map(|entry| {
                            let instance = series.instances.get(entry.instance)?;
                            if instance.frames > 1 {
                                return None;
                            }
                            position_along(normal?, instance.position, instance.orientation)
                        })
                        .collect(),
                }
            })
            .collect();
        Self {
            key: key.to_owned(),
            record_id: pointer.id.clone(),
            description: layout
                .description
                .clone()
                .unwrap_or_else(|| pointer.description.clone()),
            date: pointer.date.clone(),
            series,
            warnings: Vec::new(),
            demographics_mismatch: None,
            identity: None,
        }
    }
}

/// Progress of a study's retrieval.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct StudyProgressView {
    /// The study.
    pub study_key: String,
    /// The series (empty on the final event).
    pub series_key: String,
    /// Images received.
    pub loaded: usize,
    /// Images announced.
    pub total: usize,
    /// Whether the retrieval has finished.
    pub done: bool,
    /// Why it failed, if it did: a code the UI can act on and a message to show, as a
    /// failed command's.
    pub error: Option<crate::error::CommandError>,
    /// Verification warnings (quarantined images, incomplete series).
    pub warnings: Vec<String>,
    /// Which patient identifier in the images carried the NHS number, when it was not
    /// (only) Patient ID; shown beside the study, not as a warning.
    pub identity_note: Option<String>,
}

/// A report opened in the window.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    /// The record.
    pub record_id: String,
    /// Title.
    pub title: String,
    /// Date.
    pub date: Option<String>,
    /// Author or organisation.
    pub author: Option<String>,
    /// The report's status (`DiagnosticReport.status` or `DocumentReference.docStatus`),
    /// else the pointer's.
    pub status: Option<DocumentStatus>,
    /// The text: the whole report as plain text (a CDA's sections with their headings).
    pub text: String,
    /// Where the UI fetches the PDF, when there is one.
    pub pdf_url: Option<String>,
    /// What kind of document it is, for the window to say and to lay out.
    pub format: super::report_format::ReportFormat,
    /// A CDA document's sections, in order (empty for other formats).
    pub sections: Vec<ReportSection>,
}

/// One section of a structured (CDA) report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportSection {
    /// The section's title (may be empty).
    pub heading: String,
    /// Its narrative as plain text; lines separated by `\n`.
    pub text: String,
}
