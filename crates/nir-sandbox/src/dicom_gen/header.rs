//! The non-pixel attributes of a synthetic instance: patient, study, series and image
//! modules filled from the catalogue. Used both for WADO metadata (no pixels needed, so
//! metadata stays cheap) and as the start of every generated Part-10 instance.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::elements::{put_str, sequence};
use crate::catalogue::{Plane, SeriesDef, SeriesKind, StudyDef};
use crate::history_plans::LOCAL_PATIENT_ID_STUDY;
use crate::networks::NETWORKS;
use crate::patients::{Scenario, PATIENTS, WRONG_PATIENT_ID};

/// Where an instance sits: its study, series and 1-based instance number.
#[derive(Debug, Clone, Copy)]
pub struct InstanceRef<'a> {
    /// The study.
    pub study: &'a StudyDef,
    /// The series.
    pub series: &'a SeriesDef,
    /// Instance Number (1-based).
    pub number: u32,
}

impl InstanceRef<'_> {
    /// SOP Instance UID.
    pub fn sop_uid(&self) -> String {
        format!("{}.{}", self.series.uid, self.number)
    }

    /// Whether this instance is the one the wrong-patient scenario mislabels.
    pub fn is_wrong_patient(&self) -> bool {
        self.scenario() == Some(Scenario::WrongPatientInstance) && self.is_faulty_slot(3)
    }

    /// Whether this instance's provider files it under a local hospital number, with the
    /// NHS number in Other Patient IDs (the rich-history patient's DX wrist).
    pub fn has_local_patient_id(&self) -> bool {
        self.scenario() == Some(Scenario::RichHistory) && self.study.index == LOCAL_PATIENT_ID_STUDY
    }

    /// Whether this instance is the one the corrupt-pixels scenario truncates.
    pub fn is_corrupt(&self) -> bool {
        self.scenario() == Some(Scenario::CorruptPixels) && self.is_faulty_slot(2)
    }

    pub(crate) fn scenario(&self) -> Option<Scenario> {
        PATIENTS.get(self.study.patient).map(|p| p.scenario)
    }

    /// The `number`th instance (or the last) of the first series of the first study: the
    /// scenarios' faults hit one instance of the patient's CT, not every study.
    fn is_faulty_slot(&self, number: u32) -> bool {
        self.study.index == 0
            && self.series.number == 1
            && self.number == number.min(self.series.instances)
    }
}

/// SOP Class UID of the series' instances.
pub fn sop_class_uid(kind: SeriesKind) -> &'static str {
    match kind {
        SeriesKind::Ct => "1.2.840.10008.5.1.4.1.1.2",
        SeriesKind::Mr => "1.2.840.10008.5.1.4.1.1.4",
        SeriesKind::Cr => "1.2.840.10008.5.1.4.1.1.1",
        SeriesKind::Dx => "1.2.840.10008.5.1.4.1.1.1.1",
        SeriesKind::Us => "1.2.840.10008.5.1.4.1.1.3.1",
        SeriesKind::Pdf => "1.2.840.10008.5.1.4.1.1.104.1",
        SeriesKind::Sr => super::sr::BASIC_TEXT_SR,
        SeriesKind::Pr => super::gsps::GSPS,
        SeriesKind::Ko => super::kos::KOS_SOP_CLASS,
    }
}

/// Pixel layout of a series' native frames.
#[derive(Debug, Clone, Copy)]
pub struct PixelLayout {
    /// Samples per pixel (1 or 3).
    pub samples: u16,
    /// Bits allocated (8 or 16).
    pub bits_allocated: u16,
    /// Bits stored.
    pub bits_stored: u16,
    /// 1 when signed.
    pub pixel_representation: u16,
    /// Native photometric interpretation.
    pub photometric: &'static str,
}

impl PixelLayout {
    /// Bytes of one native frame.
    pub fn frame_len(&self, series: &SeriesDef) -> usize {
        usize::from(series.rows)
            * usize::from(series.cols)
            * usize::from(self.samples)
            * usize::from(self.bits_allocated / 8)
    }
}

/// The native pixel layout of a series kind (`None` for documents).
pub fn pixel_layout(kind: SeriesKind) -> Option<PixelLayout> {
    let grey16 = |bits_stored, signed, photometric| PixelLayout {
        samples: 1,
        bits_allocated: 16,
        bits_stored,
        pixel_representation: signed,
        photometric,
    };
    match kind {
        SeriesKind::Ct => Some(grey16(16, 1, "MONOCHROME2")),
        SeriesKind::Mr => Some(grey16(12, 0, "MONOCHROME2")),
        SeriesKind::Cr | SeriesKind::Dx => Some(grey16(12, 0, "MONOCHROME1")),
        SeriesKind::Us => Some(PixelLayout {
            samples: 3,
            bits_allocated: 8,
            bits_stored: 8,
            pixel_representation: 0,
            photometric: "RGB",
        }),
        SeriesKind::Pdf | SeriesKind::Sr | SeriesKind::Pr | SeriesKind::Ko => None,
    }
}

fn put_u16(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// A provider's local hospital number as Patient ID (issued by the provider's PAS) and the
/// NHS number as an item of Other Patient IDs Sequence, its issuer given both as text and
/// as the NHS number OID in the Issuer of Patient ID Qualifiers Sequence (DICOM PS3.3
/// C.7.1.1). The local number is synthetic: "H" and the NHS number's first seven digits.
fn put_local_patient_id(obj: &mut InMemDicomObject, nhs_number: &str, ods_code: &str) {
    let local: String = std::iter::once('H')
        .chain(nhs_number.chars().take(7))
        .collect();
    put_str(obj, tags::PATIENT_ID, VR::LO, &local);
    put_str(
        obj,
        tags::ISSUER_OF_PATIENT_ID,
        VR::LO,
        &format!("{ods_code} PAS"),
    );
    let mut qualifiers = InMemDicomObject::new_empty();
    put_str(
        &mut qualifiers,
        tags::UNIVERSAL_ENTITY_ID,
        VR::UT,
        "2.16.840.1.113883.2.1.4.1",
    );
    put_str(
        &mut qualifiers,
        tags::UNIVERSAL_ENTITY_ID_TYPE,
        VR::CS,
        "ISO",
    );
    let mut nhs = InMemDicomObject::new_empty();
    put_str(&mut nhs, tags::PATIENT_ID, VR::LO, nhs_number);
    put_str(&mut nhs, tags::ISSUER_OF_PATIENT_ID, VR::LO, "NHS");
    put_str(&mut nhs, tags::TYPE_OF_PATIENT_ID, VR::CS, "TEXT");
    sequence(
        &mut nhs,
        tags::ISSUER_OF_PATIENT_ID_QUALIFIERS_SEQUENCE,
        vec![qualifiers],
    );
    sequence(obj, tags::OTHER_PATIENT_I_DS_SEQUENCE, vec![nhs]);
}

/// The header (every attribute but Pixel Data / Encapsulated Document) of an instance, in
/// its native form (uncompressed photometric interpretation).
pub fn instance_header(at: InstanceRef<'_>) -> InMemDicomObject {
    let InstanceRef {
        study,
        series,
        number,
    } = at;
    let patient = PATIENTS.get(study.patient).copied().unwrap_or(PATIENTS[0]);
    let network = NETWORKS.get(study.network).copied().unwrap_or(NETWORKS[0]);
    let patient_id = if at.is_wrong_patient() {
        WRONG_PATIENT_ID
    } else {
        patient.nhs_number
    };
    let mut obj = InMemDicomObject::new_empty();
    put_str(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    put_str(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        sop_class_uid(series.kind),
    );
    put_str(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &at.sop_uid());
    for tag in [tags::STUDY_DATE, tags::SERIES_DATE, tags::CONTENT_DATE] {
        put_str(&mut obj, tag, VR::DA, study.date);
    }
    for tag in [tags::STUDY_TIME, tags::SERIES_TIME, tags::CONTENT_TIME] {
        put_str(&mut obj, tag, VR::TM, "093000");
    }
    put_str(&mut obj, tags::ACCESSION_NUMBER, VR::SH, &study.accession);
    put_str(&mut obj, tags::MODALITY, VR::CS, series.modality);
    put_str(&mut obj, tags::MANUFACTURER, VR::LO, "NIR Sandbox");
    put_str(&mut obj, tags::INSTITUTION_NAME, VR::LO, network.name);
    put_str(&mut obj, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "");
    put_str(&mut obj, tags::STUDY_DESCRIPTION, VR::LO, study.description);
    put_str(
        &mut obj,
        tags::SERIES_DESCRIPTION,
        VR::LO,
        series.description,
    );
    put_str(&mut obj, tags::PATIENT_NAME, VR::PN, patient.dicom_name);
    if at.has_local_patient_id() {
        put_local_patient_id(&mut obj, patient.nhs_number, network.ods_code);
    } else {
        put_str(&mut obj, tags::PATIENT_ID, VR::LO, patient_id);
        put_str(&mut obj, tags::ISSUER_OF_PATIENT_ID, VR::LO, "NHS");
    }
    put_str(
        &mut obj,
        tags::PATIENT_BIRTH_DATE,
        VR::DA,
        patient.birth_date,
    );
    put_str(&mut obj, tags::PATIENT_SEX, VR::CS, patient.sex);
    put_str(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, &study.uid);
    put_str(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &series.uid);
    put_str(&mut obj, tags::STUDY_ID, VR::SH, "1");
    put_str(
        &mut obj,
        tags::SERIES_NUMBER,
        VR::IS,
        &series.number.to_string(),
    );
    put_str(&mut obj, tags::INSTANCE_NUMBER, VR::IS, &number.to_string());
    if series.kind == SeriesKind::Pdf {
        put_str(&mut obj, tags::CONVERSION_TYPE, VR::CS, "WSD");
        put_str(&mut obj, tags::DOCUMENT_TITLE, VR::ST, study.description);
        put_str(&mut obj, tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
        put_str(
            &mut obj,
            tags::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
            VR::LO,
            "application/pdf",
        );
        return obj;
    }
    if series.kind == SeriesKind::Sr {
        super::sr::put_report(
            &mut obj,
            "Synthetic structured report. Heart size normal. Lungs clear. No pleural effusion.",
            "Normal chest radiograph.",
        );
        return obj;
    }
    if series.kind == SeriesKind::Pr {
        super::gsps::put_presentation_state(&mut obj, study);
        return obj;
    }
    if series.kind == SeriesKind::Ko {
        super::kos::put_key_images(&mut obj, study);
        return obj;
    }
    image_module(&mut obj, at);
    obj
}

/// Physical Delta of the rich-history cine's 2D tissue region, in cm per pixel.
pub const US_TISSUE_CM_PER_PIXEL: f64 = 0.05;

/// The rows (from the top) of the cine the 2D tissue region covers; the Doppler spectrum
/// lies below them.
pub const US_TISSUE_ROWS: u16 = 180;

/// A Sequence of Ultrasound Regions (US Region Calibration Module, DICOM PS3.3 C.8.5.5) of
/// two regions: the top of the image a 2D tissue region in cm along both axes (Region
/// Spatial Format 1, Region Data Type 1, Physical Units 3), the strip below a PW spectral
/// Doppler region in seconds across and cm/s up (Spatial Format 3, Data Type 3, Units 4 and
/// 7), which measures time and velocity, never a length.
fn put_ultrasound_regions(obj: &mut InMemDicomObject, series: &SeriesDef) {
    let last_column = u32::from(series.cols.saturating_sub(1));
    let last_row = u32::from(series.rows.saturating_sub(1));
    let tissue_end = u32::from(US_TISSUE_ROWS.min(series.rows).saturating_sub(1));
    let region = |format: u16, data: u16, rows: [u32; 2], units: [u16; 2], deltas: [f64; 2]| {
        let mut item = InMemDicomObject::new_empty();
        put_u16(&mut item, tags::REGION_SPATIAL_FORMAT, format);
        put_u16(&mut item, tags::REGION_DATA_TYPE, data);
        put_u32(&mut item, tags::REGION_FLAGS, 0);
        put_u32(&mut item, tags::REGION_LOCATION_MIN_X0, 0);
        put_u32(&mut item, tags::REGION_LOCATION_MIN_Y0, rows[0]);
        put_u32(&mut item, tags::REGION_LOCATION_MAX_X1, last_column);
        put_u32(&mut item, tags::REGION_LOCATION_MAX_Y1, rows[1]);
        put_u16(&mut item, tags::PHYSICAL_UNITS_X_DIRECTION, units[0]);
        put_u16(&mut item, tags::PHYSICAL_UNITS_Y_DIRECTION, units[1]);
        for (tag, delta) in [
            (tags::PHYSICAL_DELTA_X, deltas[0]),
            (tags::PHYSICAL_DELTA_Y, deltas[1]),
        ] {
            item.put(DataElement::new(tag, VR::FD, PrimitiveValue::from(delta)));
        }
        item
    };
    let tissue = region(
        1,
        1,
        [0, tissue_end],
        [3, 3],
        [US_TISSUE_CM_PER_PIXEL, US_TISSUE_CM_PER_PIXEL],
    );
    let doppler = region(3, 3, [tissue_end + 1, last_row], [4, 7], [0.01, -2.5]);
    sequence(
        obj,
        tags::SEQUENCE_OF_ULTRASOUND_REGIONS,
        vec![tissue, doppler],
    );
}

fn put_u32(obj: &mut InMemDicomObject, tag: Tag, value: u32) {
    obj.put(DataElement::new(tag, VR::UL, PrimitiveValue::from(value)));
}

fn image_module(obj: &mut InMemDicomObject, at: InstanceRef<'_>) {
    let series = at.series;
    let Some(layout) = pixel_layout(series.kind) else {
        return;
    };
    put_u16(obj, tags::SAMPLES_PER_PIXEL, layout.samples);
    put_str(
        obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        layout.photometric,
    );
    put_u16(obj, tags::ROWS, series.rows);
    put_u16(obj, tags::COLUMNS, series.cols);
    put_u16(obj, tags::BITS_ALLOCATED, layout.bits_allocated);
    put_u16(obj, tags::BITS_STORED, layout.bits_stored);
    put_u16(obj, tags::HIGH_BIT, layout.bits_stored - 1);
    put_u16(obj, tags::PIXEL_REPRESENTATION, layout.pixel_representation);
    let spacing = match series.kind {
        SeriesKind::Ct if series.rows >= 512 => "0.78125\\0.78125",
        SeriesKind::Cr | SeriesKind::Dx => "0.2\\0.2",
        _ => "0.9375\\0.9375",
    };
    match series.kind {
        SeriesKind::Ct | SeriesKind::Mr => {
            // Body CTs cover 500 mm whatever their slice count (1.25 mm × 400, 5 mm × 100).
            let thickness = if series.kind == SeriesKind::Ct && series.rows >= 512 {
                500.0 / f64::from(series.instances.max(1))
            } else {
                5.0
            };
            let half =
                f64::from(series.cols) * 0.5 * if series.rows >= 512 { 0.78125 } else { 0.9375 };
            // Image Position (Patient) is the top left pixel's centre, Image Orientation
            // (Patient) the row and column directions (PS3.3 C.7.6.2.1.1). Axial: rows run
            // to the patient's left, columns posterior, slices stacked downwards in z from the
            // study's table origin (another scanner's may sit elsewhere in its own frame).
            // Coronal: rows to the left, columns downwards (foot), slices front to back in y
            // over the middle of the same volume.
            let (position, orientation, location) = match series.plane {
                Plane::Axial => {
                    let z = f64::from(at.number) * -thickness + at.study.table_offset_mm;
                    (
                        format!("{:.3}\\{:.3}\\{z:.3}", -half, -half),
                        "1\\0\\0\\0\\1\\0",
                        z,
                    )
                }
                Plane::Coronal => {
                    let y = -half / 2.0 + f64::from(at.number.saturating_sub(1)) * thickness;
                    (
                        format!("{:.3}\\{y:.3}\\0.000", -half),
                        "1\\0\\0\\0\\0\\-1",
                        y,
                    )
                }
            };
            put_str(obj, tags::IMAGE_POSITION_PATIENT, VR::DS, &position);
            put_str(obj, tags::IMAGE_ORIENTATION_PATIENT, VR::DS, orientation);
            put_str(obj, tags::SLICE_THICKNESS, VR::DS, &thickness.to_string());
            put_str(obj, tags::SLICE_LOCATION, VR::DS, &format!("{location:.3}"));
            put_str(
                obj,
                tags::FRAME_OF_REFERENCE_UID,
                VR::UI,
                &at.study.frame_of_reference,
            );
            put_str(obj, tags::PIXEL_SPACING, VR::DS, spacing);
        }
        SeriesKind::Cr | SeriesKind::Dx => {
            put_str(obj, tags::PIXEL_SPACING, VR::DS, spacing);
            put_str(obj, tags::IMAGER_PIXEL_SPACING, VR::DS, spacing);
            put_str(
                obj,
                tags::VIEW_POSITION,
                VR::CS,
                if at.number == 2 { "LL" } else { "PA" },
            );
        }
        SeriesKind::Us if at.scenario() == Some(Scenario::RichHistory) => {
            put_ultrasound_regions(obj, series);
        }
        SeriesKind::Us | SeriesKind::Pdf | SeriesKind::Sr | SeriesKind::Pr | SeriesKind::Ko => {}
    }
    if series.kind == SeriesKind::Dx {
        put_str(
            obj,
            tags::PRESENTATION_INTENT_TYPE,
            VR::CS,
            "FOR PRESENTATION",
        );
    }
    if series.kind == SeriesKind::Ct {
        put_str(obj, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
        put_str(obj, tags::RESCALE_SLOPE, VR::DS, "1");
        put_str(obj, tags::RESCALE_TYPE, VR::LO, "HU");
    }
    let (center, width) = match series.kind {
        SeriesKind::Ct if series.rows >= 512 => ("40", "400"),
        SeriesKind::Ct => ("40", "80"),
        SeriesKind::Mr => ("600", "1200"),
        SeriesKind::Cr | SeriesKind::Dx => ("2048", "4096"),
        SeriesKind::Us | SeriesKind::Pdf | SeriesKind::Sr | SeriesKind::Pr | SeriesKind::Ko => {
            ("128", "256")
        }
    };
    if layout.samples == 1 {
        put_str(obj, tags::WINDOW_CENTER, VR::DS, center);
        put_str(obj, tags::WINDOW_WIDTH, VR::DS, width);
        if at.study.voi_lut && matches!(series.kind, SeriesKind::Cr | SeriesKind::Dx) {
            super::voi_table::put_voi_lut_sequence(obj);
        }
    } else {
        put_u16(obj, tags::PLANAR_CONFIGURATION, 0);
        put_str(
            obj,
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            &series.frames.to_string(),
        );
        put_str(obj, tags::FRAME_TIME, VR::DS, "40");
        obj.put(DataElement::new(
            tags::FRAME_INCREMENT_POINTER,
            VR::AT,
            PrimitiveValue::Tags([tags::FRAME_TIME].into_iter().collect()),
        ));
    }
}
