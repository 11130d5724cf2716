//! From WADO-RS `metadata` (DICOM JSON, one object per instance) to a [`StudyLayout`]: the
//! series of a study with their instances in display order, counts, geometry and window
//! presets — everything the viewer needs to draw the study before any pixel arrives, and
//! what retrieval later checks the received instances against.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::dicom_json::{self, tag};
use super::error::{DicomWebError, Resource};
use super::identity_match::StatedIdentifier;

/// A window centre/width pair with its optional explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowPreset {
    /// Window centre.
    pub center: f64,
    /// Window width.
    pub width: f64,
    /// Explanation from the data, e.g. `LUNG`.
    pub label: Option<String>,
}

/// Who an instance says it shows (Patient module), exactly as the metadata gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PatientIdentity {
    /// Patient ID.
    pub patient_id: Option<String>,
    /// Issuer of Patient ID (its text, or else the Universal Entity ID of its qualifiers).
    pub issuer: Option<String>,
    /// Other Patient IDs Sequence, at most [`MAX_OTHER_IDS`] items.
    pub other_ids: Vec<StatedIdentifier>,
    /// Patient's Name (DICOM person name, `FAMILY^GIVEN`).
    pub name: Option<String>,
    /// Patient's Birth Date (`YYYYMMDD`).
    pub birth_date: Option<String>,
    /// Patient's Sex (`M`, `F`, `O`).
    pub sex: Option<String>,
}

impl PatientIdentity {
    fn from_object(object: &Value) -> Self {
        let primary = stated_identifier(object);
        Self {
            patient_id: dicom_json::string(object, tag::PATIENT_ID),
            issuer: [primary.issuer, primary.universal_issuer]
                .into_iter()
                .find(|issuer| !issuer.is_empty()),
            other_ids: dicom_json::items(object, tag::OTHER_PATIENT_IDS_SEQUENCE)
                .take(MAX_OTHER_IDS)
                .map(stated_identifier)
                .collect(),
            name: dicom_json::string(object, tag::PATIENT_NAME),
            birth_date: dicom_json::string(object, tag::PATIENT_BIRTH_DATE),
            sex: dicom_json::string(object, tag::PATIENT_SEX),
        }
    }
}

/// Most Other Patient IDs Sequence items read per instance.
pub const MAX_OTHER_IDS: usize = 32;

/// Patient ID, Issuer of Patient ID and its qualifiers' Universal Entity ID in `object`.
fn stated_identifier(object: &Value) -> StatedIdentifier {
    let text = |object: &Value, tag: &str| dicom_json::string(object, tag).unwrap_or_default();
    StatedIdentifier {
        id: text(object, tag::PATIENT_ID),
        issuer: text(object, tag::ISSUER_OF_PATIENT_ID),
        universal_issuer: dicom_json::items(object, tag::ISSUER_OF_PATIENT_ID_QUALIFIERS_SEQUENCE)
            .next()
            .map(|qualifiers| text(qualifiers, tag::UNIVERSAL_ENTITY_ID))
            .unwrap_or_default(),
    }
}

/// One instance as announced by the metadata. The default is an instance with nothing
/// announced but its (empty) UID, for building layouts in tests.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InstanceLayout {
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// SOP Class UID.
    pub sop_class_uid: Option<String>,
    /// Instance Number.
    pub instance_number: Option<i32>,
    /// Rows (0 when not an image).
    pub rows: u32,
    /// Columns (0 when not an image).
    pub columns: u32,
    /// Bits Allocated.
    pub bits_allocated: u32,
    /// Samples per Pixel.
    pub samples_per_pixel: u32,
    /// Number of Frames (1 when absent).
    pub frames: u32,
    /// Image Position (Patient).
    pub position: Option<[f64; 3]>,
    /// Image Orientation (Patient).
    pub orientation: Option<[f64; 6]>,
    /// Pixel Spacing (row, column), or Imager Pixel Spacing where that is all there is.
    pub pixel_spacing: Option<[f64; 2]>,
    /// Where `pixel_spacing` measures (see [`SpacingSource`]).
    pub pixel_spacing_source: Option<SpacingSource>,
    /// Pixel Spacing of each frame of an enhanced multi-frame image (Pixel Measures of its
    /// functional groups, see [`super::pixel_measures`]); empty when it has none.
    pub frame_spacing: Vec<Option<[f64; 2]>>,
    /// Sequence of Ultrasound Regions (see [`super::us_regions`]); empty when it has none.
    pub ultrasound_regions: Vec<super::us_regions::UltrasoundRegion>,
    /// Transfer syntax the server stores, when it says.
    pub transfer_syntax: Option<String>,
    /// Window presets of this instance.
    pub window_presets: Vec<WindowPreset>,
    /// Frame of Reference UID (images sharing it can be scrolled together by position).
    pub frame_of_reference: Option<String>,
    /// Who the instance says it shows.
    pub patient: PatientIdentity,
}

impl InstanceLayout {
    /// Bytes of uncompressed pixel data: rows × columns × frames × samples × bits / 8.
    pub fn decoded_bytes(&self) -> u64 {
        u64::from(self.rows)
            * u64::from(self.columns)
            * u64::from(self.frames.max(1))
            * u64::from(self.samples_per_pixel.max(1))
            * u64::from(self.bits_allocated)
            / 8
    }
}

/// One series in display order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesLayout {
    /// Series Instance UID.
    pub series_uid: String,
    /// Series Number.
    pub number: Option<i32>,
    /// Modality.
    pub modality: Option<String>,
    /// Series Description.
    pub description: Option<String>,
    /// Instances sorted by position along the slice normal, else by instance number.
    pub instances: Vec<InstanceLayout>,
    /// Window presets of the series (from its first instance that has any).
    pub window_presets: Vec<WindowPreset>,
}

impl SeriesLayout {
    /// Decoded size of the whole series.
    pub fn decoded_bytes(&self) -> u64 {
        self.instances
            .iter()
            .map(InstanceLayout::decoded_bytes)
            .sum()
    }
}

/// A study as the viewer lays it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyLayout {
    /// The study's WADO-RS URL (`.../studies/{uid}`), where retrieval starts.
    #[serde(skip)]
    pub study_url: url::Url,
    /// Study Instance UID.
    pub study_uid: String,
    /// Accession Number.
    pub accession_number: Option<String>,
    /// Study Date (`YYYYMMDD`).
    pub study_date: Option<String>,
    /// Study Description.
    pub description: Option<String>,
    /// Series sorted by series number.
    pub series: Vec<SeriesLayout>,
}

impl StudyLayout {
    /// Builds the layout from the metadata JSON fetched from `metadata_url`.
    pub fn from_metadata(metadata_url: &url::Url, json: &Value) -> Result<Self, DicomWebError> {
        let invalid = |reason: &str| DicomWebError::InvalidJson {
            resource: Resource::Metadata,
            reason: reason.to_string(),
        };
        let objects = json.as_array().ok_or_else(|| invalid("not an array"))?;
        let first = objects.first().ok_or_else(|| invalid("no instances"))?;
        let study_uid = dicom_json::string(first, tag::STUDY_INSTANCE_UID)
            .ok_or_else(|| invalid("no StudyInstanceUID"))?;
        let study_url = study_url_from(metadata_url, &study_uid)?;
        let mut series: Vec<SeriesLayout> = Vec::new();
        for object in objects {
            let series_uid = dicom_json::string(object, tag::SERIES_INSTANCE_UID)
                .ok_or_else(|| invalid("an instance without SeriesInstanceUID"))?;
            let instance = instance_from(object)
                .ok_or_else(|| invalid("an instance without SOPInstanceUID"))?;
            let index = match series.iter().position(|s| s.series_uid == series_uid) {
                Some(index) => index,
                None => {
                    series.push(SeriesLayout {
                        series_uid,
                        number: dicom_json::integer(object, tag::SERIES_NUMBER),
                        modality: dicom_json::string(object, tag::MODALITY),
                        description: dicom_json::string(object, tag::SERIES_DESCRIPTION),
                        instances: Vec::new(),
                        window_presets: Vec::new(),
                    });
                    series.len() - 1
                }
            };
            let target = &mut series[index];
            if target.window_presets.is_empty() {
                target.window_presets = instance.window_presets.clone();
            }
            target.instances.push(instance);
        }
        for each in &mut series {
            sort_for_display(&mut each.instances);
        }
        series.sort_by(|a, b| {
            series_order(a.number, &a.series_uid).cmp(&series_order(b.number, &b.series_uid))
        });
        Ok(Self {
            study_url,
            study_uid,
            accession_number: dicom_json::string(first, tag::ACCESSION_NUMBER),
            study_date: dicom_json::string(first, tag::STUDY_DATE),
            description: dicom_json::string(first, tag::STUDY_DESCRIPTION),
            series,
        })
    }

    /// Decoded size of the whole study: what the viewer will hold once it is displayed.
    pub fn decoded_bytes(&self) -> u64 {
        self.series.iter().map(SeriesLayout::decoded_bytes).sum()
    }

    /// Number of instances announced.
    pub fn instance_count(&self) -> usize {
        self.series.iter().map(|s| s.instances.len()).sum()
    }

    /// The series with this UID.
    pub fn series(&self, series_uid: &str) -> Option<&SeriesLayout> {
        self.series.iter().find(|s| s.series_uid == series_uid)
    }
}

/// Where a series goes in a study's layout: by Series Number (none last), then by UID.
/// A series search orders by the same key to find the series the layout will put first
/// ([`super::early_series`]).
pub(crate) fn series_order(number: Option<i32>, series_uid: &str) -> (i32, &str) {
    (number.unwrap_or(i32::MAX), series_uid)
}

/// `.../studies/{uid}/metadata` → `.../studies/{uid}`; any other shape is refused.
pub(crate) fn study_url_from(
    metadata_url: &url::Url,
    study_uid: &str,
) -> Result<url::Url, DicomWebError> {
    let bad = |reason: &str| DicomWebError::BadUrl {
        resource: Resource::Metadata,
        reason: reason.to_string(),
    };
    let mut url = metadata_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_string();
    let study_path = path
        .strip_suffix("/metadata")
        .ok_or_else(|| bad("it does not end in /metadata"))?;
    let study_path = match study_path.find("/series/") {
        Some(at) => &study_path[..at],
        None => study_path,
    };
    if !study_path.ends_with(&format!("/studies/{study_uid}")) {
        return Err(bad("its study does not match the metadata"));
    }
    url.set_path(study_path);
    Ok(url)
}

/// Where a pixel spacing measures (DICOM PS3.3 10.7.1.3): in the patient (Pixel Spacing
/// (0028,0030) of cross-sectional images, or calibrated in a projection image), or at the
/// detector of a projection radiograph (Imager Pixel Spacing (0018,1164)), where a length
/// in the patient is smaller by the geometric magnification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SpacingSource {
    /// Pixel Spacing, in the patient.
    PixelSpacing,
    /// Imager Pixel Spacing, at the detector.
    ImagerPixelSpacing,
}

/// The spacing to measure with and where it measures. Pixel Spacing that merely repeats
/// Imager Pixel Spacing with no Pixel Spacing Calibration Type (0028,0A02) is not
/// calibrated to the patient, so it still measures at the detector (PS3.3 10.7.1.3).
fn spacing_of(object: &Value) -> (Option<[f64; 2]>, Option<SpacingSource>) {
    let pair = |tag| <[f64; 2]>::try_from(dicom_json::numbers(object, tag)).ok();
    let usable = |spacing: Option<[f64; 2]>| spacing.filter(|s| s.iter().all(|v| *v > 0.0));
    let pixel = usable(pair(tag::PIXEL_SPACING));
    let imager = usable(pair(tag::IMAGER_PIXEL_SPACING));
    let calibrated = dicom_json::string(object, tag::PIXEL_SPACING_CALIBRATION_TYPE).is_some();
    match (pixel, imager) {
        (Some(pixel), Some(imager)) if pixel == imager && !calibrated => {
            (Some(pixel), Some(SpacingSource::ImagerPixelSpacing))
        }
        (Some(pixel), _) => (Some(pixel), Some(SpacingSource::PixelSpacing)),
        (None, Some(imager)) => (Some(imager), Some(SpacingSource::ImagerPixelSpacing)),
        (None, None) => (None, None),
    }
}

fn instance_from(object: &Value) -> Option<InstanceLayout> {
    let position = dicom_json::numbers(object, tag::IMAGE_POSITION_PATIENT);
    let orientation = dicom_json::numbers(object, tag::IMAGE_ORIENTATION_PATIENT);
    let (mut pixel_spacing, mut pixel_spacing_source) = spacing_of(object);
    let frames = dicom_json::unsigned(object, tag::NUMBER_OF_FRAMES).unwrap_or(1);
    let frame_spacing = super::pixel_measures::frame_spacings(object, frames);
    // An enhanced image keeps Pixel Spacing in its functional groups only (PS3.3
    // C.7.6.16.2.1): its first frame's stands for the image where the top level has none.
    if pixel_spacing.is_none() {
        if let Some(first) = frame_spacing.first().copied().flatten() {
            pixel_spacing = Some(first);
            pixel_spacing_source = Some(SpacingSource::PixelSpacing);
        }
    }
    let centers = dicom_json::numbers(object, tag::WINDOW_CENTER);
    let widths = dicom_json::numbers(object, tag::WINDOW_WIDTH);
    let labels = dicom_json::strings(object, tag::WINDOW_EXPLANATION);
    let window_presets = centers
        .iter()
        .zip(&widths)
        .enumerate()
        .filter(|(_, (_, width))| **width > 0.0)
        .map(|(index, (center, width))| WindowPreset {
            center: *center,
            width: *width,
            label: labels.get(index).cloned(),
        })
        .collect();
    Some(InstanceLayout {
        sop_instance_uid: dicom_json::string(object, tag::SOP_INSTANCE_UID)?,
        sop_class_uid: dicom_json::string(object, tag::SOP_CLASS_UID),
        instance_number: dicom_json::integer(object, tag::INSTANCE_NUMBER),
        rows: dicom_json::unsigned(object, tag::ROWS).unwrap_or(0),
        columns: dicom_json::unsigned(object, tag::COLUMNS).unwrap_or(0),
        bits_allocated: dicom_json::unsigned(object, tag::BITS_ALLOCATED).unwrap_or(0),
        samples_per_pixel: dicom_json::unsigned(object, tag::SAMPLES_PER_PIXEL).unwrap_or(1),
        frames,
        position: <[f64; 3]>::try_from(position).ok(),
        orientation: <[f64; 6]>::try_from(orientation).ok(),
        pixel_spacing,
        pixel_spacing_source,
        frame_spacing,
        ultrasound_regions: super::us_regions::regions_of(object),
        transfer_syntax: dicom_json::string(object, tag::TRANSFER_SYNTAX_UID),
        window_presets,
        frame_of_reference: dicom_json::string(object, tag::FRAME_OF_REFERENCE_UID),
        patient: PatientIdentity::from_object(object),
    })
}

/// Sorts by distance along the slice normal when every instance has a position and
/// orientation, otherwise by instance number; the SOP Instance UID breaks ties.
///
/// The stack runs the way the acquisition ran: it starts at the end where the lowest
/// Instance Number lies (a head-first axial CT opens at its top slice, as scanners number
/// it and as servers commonly send a series), and goes along the normal or against it
/// accordingly. Without instance numbers it goes along the normal (row × column cosines).
fn sort_for_display(instances: &mut [InstanceLayout]) {
    let normal = instances
        .first()
        .and_then(|first| first.orientation)
        .map(|o| {
            [
                o[1] * o[5] - o[2] * o[4],
                o[2] * o[3] - o[0] * o[5],
                o[0] * o[4] - o[1] * o[3],
            ]
        });
    let distance = |instance: &InstanceLayout| {
        let (normal, position) = (normal?, instance.position?);
        Some(normal[0] * position[0] + normal[1] * position[1] + normal[2] * position[2])
    };
    let all_positioned = instances.iter().all(|i| distance(i).is_some());
    let numbered = || instances.iter().filter(|i| i.instance_number.is_some());
    let lowest = numbered().min_by_key(|i| i.instance_number);
    let highest = numbered().max_by_key(|i| i.instance_number);
    let against_normal = match (lowest.and_then(distance), highest.and_then(distance)) {
        (Some(first), Some(last)) => first > last,
        _ => false,
    };
    let along = |instance: &InstanceLayout| {
        let d = distance(instance).unwrap_or(0.0);
        if against_normal {
            -d
        } else {
            d
        }
    };
    instances.sort_by(|a, b| {
        let by_position = if all_positioned {
            along(a).total_cmp(&along(b))
        } else {
            std::cmp::Ordering::Equal
        };
        by_position
            .then(
                a.instance_number
                    .unwrap_or(i32::MAX)
                    .cmp(&b.instance_number.unwrap_or(i32::MAX)),
            )
            .then_with(|| a.sop_instance_uid.cmp(&b.sop_instance_uid))
    });
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
