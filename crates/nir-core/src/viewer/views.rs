//! What the UI receives, as JSON (camelCase). Kept apart from the domain types so the wire
//! format changes only on purpose; their TypeScript twins are generated from them into
//! `ui/src/ipc/generated.ts` (`make ipc-types`).

use serde::Serialize;
use ts_rs::TS;

pub use super::presentation_state::GraphicKind;

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
    /// Pixel Spacing of each image in the stack (a frame's own Pixel Measures in an enhanced
    /// multi-frame image), when the images do not all share `pixel_spacing`; empty when they
    /// do. An image measuring elsewhere than `pixel_spacing_source` says has none here, so
    /// lengths drawn on it are in pixels rather than in the first image's units.
    pub image_spacing: Vec<Option<[f64; 2]>>,
    /// The Sequence of Ultrasound Regions of the series' images, when every image has the
    /// same (a cine's frames share its one header); empty otherwise.
    pub ultrasound_regions: Vec<crate::dicomweb::us_regions::UltrasoundRegion>,
    /// Whether the images carry different ultrasound regions, so none are sent and lengths
    /// on them are in pixels (the UI says why).
    pub ultrasound_regions_differ: bool,
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
    /// `pdf` or `sr` when the series holds a report rather than images, `pr` when it holds
    /// presentation states (see `presentation_states`), `ko` when it holds key object
    /// selections (read with the `study_key_images` command).
    #[ts(type = "\"pdf\" | \"sr\" | \"pr\" | \"ko\" | null")]
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
pub(super) fn document_of(series: &crate::dicomweb::SeriesLayout) -> Option<&'static str> {
    let mut kinds = series.instances.iter().map(|i| {
        i.sop_class_uid
            .as_deref()
            .and_then(super::document::document_kind)
    });
    let first = kinds.next()??;
    kinds.all(|k| k == Some(first)).then_some(first)
}

/// The spacing of each image of `stack` when they are not all the series' first image's:
/// a frame's own Pixel Measures, else its instance's Pixel Spacing; none for an image whose
/// spacing measures elsewhere (patient or detector) than the first image's.
fn image_spacing(
    series: &crate::dicomweb::SeriesLayout,
    stack: &[StackEntry],
) -> Vec<Option<[f64; 2]>> {
    let first = series.instances.first();
    let source = first.and_then(|i| i.pixel_spacing_source);
    let of = |entry: &StackEntry| -> Option<[f64; 2]> {
        let instance = series.instances.get(entry.instance)?;
        if instance.pixel_spacing_source != source {
            return None;
        }
        if instance.frame_spacing.is_empty() {
            return instance.pixel_spacing;
        }
        let frame = usize::try_from(entry.frame).ok()?;
        instance.frame_spacing.get(frame).copied().flatten()
    };
    let spacing: Vec<_> = stack.iter().map(of).collect();
    let uniform = first.map(|i| i.pixel_spacing);
    if spacing.iter().all(|s| Some(*s) == uniform) {
        Vec::new()
    } else {
        spacing
    }
}

/// The ultrasound regions of a series whose images all have the same (a cine's frames
/// share its one header); `None` when two images differ, so no image is measured with
/// another's regions.
fn shared_regions(
    series: &crate::dicomweb::SeriesLayout,
) -> Option<Vec<crate::dicomweb::us_regions::UltrasoundRegion>> {
    let Some(first) = series.instances.first() else {
        return Some(Vec::new());
    };
    let regions = &first.ultrasound_regions;
    series
        .instances
        .iter()
        .all(|i| &i.ultrasound_regions == regions)
        .then(|| regions.clone())
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
                let regions = shared_regions(series);
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
                    image_spacing: image_spacing(series, stack),
                    ultrasound_regions_differ: regions.is_none(),
                    ultrasound_regions: regions.unwrap_or_default(),
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

/// One key image: where it is in the open study.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyImageView {
    /// The series it is in.
    pub series_key: String,
    /// Its index in that series' stack.
    pub index: usize,
}

/// The images one Key Object Selection document flags (PS3.3 A.35.4, PS3.16 TID 2010).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyImageSetView {
    /// The series holding the document.
    pub series_key: String,
    /// Its title, e.g. "Of Interest".
    pub title: String,
    /// Its Key Object Description, when it has one.
    pub description: Option<String>,
    /// The images of this study it flags, in its order.
    pub images: Vec<KeyImageView>,
}

/// The key images of an open study.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyImagesView {
    /// One set per document read.
    pub sets: Vec<KeyImageSetView>,
    /// Documents that could not be read, references the study does not hold.
    pub warnings: Vec<String>,
}

/// Which way the clinician is scrolling through a series, as the screen reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ScrollDirectionView {
    /// Towards later images.
    Forward,
    /// Towards earlier images.
    Backward,
    /// Not scrolling (a jump, or a series just shown).
    Still,
}

impl From<ScrollDirectionView> for crate::dicomweb::Direction {
    fn from(view: ScrollDirectionView) -> Self {
        match view {
            ScrollDirectionView::Forward => Self::Forward,
            ScrollDirectionView::Backward => Self::Backward,
            ScrollDirectionView::Still => Self::Still,
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

/// A graphic of a presentation state, in image pixel coordinates (column, row; 0,0 the top
/// left corner of the top left pixel).
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresentationGraphicView {
    /// Graphic Type.
    pub kind: GraphicKind,
    /// Points: one for a point, the centre and a point on the circumference of a circle,
    /// the major then the minor axis end points of an ellipse.
    pub points: Vec<[f64; 2]>,
    /// Whether it is filled.
    pub filled: bool,
    /// Its graphic layer.
    pub layer: String,
}

/// A text of a presentation state, in image pixel coordinates.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresentationTextView {
    /// The text.
    pub text: String,
    /// Top left and bottom right of the box it is written in.
    pub bounding_box: Option<[[f64; 2]; 2]>,
    /// The point it is about.
    pub anchor: Option<[f64; 2]>,
    /// Whether a line joins the text to its anchor.
    pub anchor_visible: bool,
    /// Its graphic layer.
    pub layer: String,
}

/// What a presentation state does to one image of the study.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresentationImageView {
    /// The image's series.
    pub series_key: String,
    /// The image's index in its series' stack.
    pub index: usize,
    /// The state's window for it, when it sets one.
    pub window: Option<WindowPresetView>,
    /// Texts drawn on it.
    pub texts: Vec<PresentationTextView>,
    /// Graphics drawn on it.
    pub graphics: Vec<PresentationGraphicView>,
}

/// A presentation state (DICOM GSPS) held in a study, mapped onto the study's images.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresentationStateView {
    /// Stable key: the presentation state's series key and instance index.
    pub key: String,
    /// Content Label.
    pub label: String,
    /// Content Description.
    pub description: Option<String>,
    /// Content Creator's Name.
    pub creator: Option<String>,
    /// Presentation Creation Date, YYYY-MM-DD.
    pub date: Option<String>,
    /// The images of this study it applies to.
    pub images: Vec<PresentationImageView>,
    /// What of it is not applied, or was skipped, in plain words.
    pub notes: Vec<String>,
}

/// The presentation states of an open study.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresentationStatesView {
    /// The states that could be read.
    pub states: Vec<PresentationStateView>,
    /// States that could not be read, in plain words.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::dicomweb::SeriesLayout;

    fn series(objects: Vec<Value>) -> SeriesLayout {
        let url = url::Url::parse("http://h/studies/1.2/metadata").unwrap();
        StudyLayout::from_metadata(&url, &Value::Array(objects))
            .unwrap()
            .series
            .remove(0)
    }

    fn image(number: i32, extra: Value) -> Value {
        let mut object = json!({
            "0020000D": {"vr": "UI", "Value": ["1.2"]},
            "0020000E": {"vr": "UI", "Value": ["1.2.1"]},
            "00080018": {"vr": "UI", "Value": [format!("1.2.1.{number}")]},
            "00200013": {"vr": "IS", "Value": [number]}
        });
        for (key, value) in extra.as_object().unwrap() {
            object[key] = value.clone();
        }
        object
    }

    fn entries(frames: &[(usize, u32)]) -> Vec<StackEntry> {
        frames
            .iter()
            .map(|&(instance, frame)| StackEntry { instance, frame })
            .collect()
    }

    #[test]
    fn images_that_disagree_in_pixel_spacing_each_keep_their_own() {
        let spacing = |s: f64| json!({"00280030": {"vr": "DS", "Value": [s, s]}});
        let layout = series(vec![image(1, spacing(0.5)), image(2, spacing(0.7))]);
        assert_eq!(
            image_spacing(&layout, &entries(&[(0, 0), (1, 0)])),
            vec![Some([0.5, 0.5]), Some([0.7, 0.7])]
        );
        // Agreeing images send nothing per image: the series' spacing stands.
        let same = series(vec![image(1, spacing(0.5)), image(2, spacing(0.5))]);
        assert!(image_spacing(&same, &entries(&[(0, 0), (1, 0)])).is_empty());
    }

    #[test]
    fn an_image_measuring_at_the_detector_in_a_patient_series_gets_none() {
        let patient = json!({"00280030": {"vr": "DS", "Value": [0.5, 0.5]}});
        let detector = json!({"00181164": {"vr": "DS", "Value": [0.2, 0.2]}});
        let layout = series(vec![image(1, patient), image(2, detector)]);
        assert_eq!(
            image_spacing(&layout, &entries(&[(0, 0), (1, 0)])),
            vec![Some([0.5, 0.5]), None]
        );
    }

    #[test]
    fn frames_of_an_enhanced_image_use_their_own_pixel_measures() {
        let group = |s: f64| json!({"00289110": {"vr": "SQ", "Value": [{"00280030": {"vr": "DS", "Value": [s, s]}}]}});
        let enhanced = json!({
            "00280008": {"vr": "IS", "Value": [2]},
            "52009230": {"vr": "SQ", "Value": [group(0.4), group(0.6)]}
        });
        let layout = series(vec![image(1, enhanced)]);
        assert_eq!(layout.instances[0].pixel_spacing, Some([0.4, 0.4]));
        assert_eq!(
            image_spacing(&layout, &entries(&[(0, 0), (0, 1)])),
            vec![Some([0.4, 0.4]), Some([0.6, 0.6])]
        );
    }

    #[test]
    fn ultrasound_regions_pass_only_when_every_image_has_the_same() {
        let regions = |dx: f64| {
            json!({"00186011": {"vr": "SQ", "Value": [{
                "00186012": {"vr": "US", "Value": [1]},
                "00186014": {"vr": "US", "Value": [1]},
                "00186018": {"vr": "UL", "Value": [0]},
                "0018601A": {"vr": "UL", "Value": [0]},
                "0018601C": {"vr": "UL", "Value": [99]},
                "0018601E": {"vr": "UL", "Value": [99]},
                "00186024": {"vr": "US", "Value": [3]},
                "00186026": {"vr": "US", "Value": [3]},
                "0018602C": {"vr": "FD", "Value": [dx]},
                "0018602E": {"vr": "FD", "Value": [dx]}
            }]}})
        };
        let same = series(vec![image(1, regions(0.02)), image(2, regions(0.02))]);
        let shared = shared_regions(&same).unwrap();
        assert_eq!(shared.len(), 1);
        assert!(shared[0].spacing.is_some());
        let differ = series(vec![image(1, regions(0.02)), image(2, regions(0.03))]);
        assert_eq!(shared_regions(&differ), None);
        let one_without = series(vec![image(1, regions(0.02)), image(2, json!({}))]);
        assert_eq!(shared_regions(&one_without), None);
        let none = series(vec![image(1, json!({})), image(2, json!({}))]);
        assert_eq!(shared_regions(&none), Some(Vec::new()));
    }
}
