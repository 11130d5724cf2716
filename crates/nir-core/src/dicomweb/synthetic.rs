//! Synthetic CT instances for tests and benchmarks: a Part-10 encoding (explicit VR little
//! endian, 16-bit signed pixels with a rescale) and the matching DICOM JSON metadata, so a
//! fake server and the checks can be fed consistent data without any real patient.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use serde_json::{json, Value};

/// CT Image Storage.
const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// A data set (which names its SOP Class and Instance UIDs) as Part-10 bytes in explicit VR
/// little endian, for made-up test objects.
pub fn part10(object: InMemDicomObject) -> Result<Vec<u8>, String> {
    let file = object
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .map_err(|error| error.to_string())?;
    let mut out = Vec::new();
    file.write_all(&mut out)
        .map_err(|error| error.to_string())?;
    Ok(out)
}

/// The attributes of one synthetic CT slice.
#[derive(Debug, Clone)]
pub struct SyntheticInstance {
    /// Patient ID (an NHS number's digits for sandbox-like data).
    pub patient_id: String,
    /// Issuer of Patient ID.
    pub issuer: String,
    /// Study Instance UID.
    pub study_uid: String,
    /// Series Instance UID.
    pub series_uid: String,
    /// SOP Instance UID.
    pub sop_uid: String,
    /// Instance Number, also used for the slice position.
    pub instance_number: i32,
    /// Rows and columns.
    pub size: u16,
    /// Pixel Data bytes to leave out (to fabricate a corrupt instance).
    pub pixel_bytes_missing: usize,
    /// Items of Other Patient IDs Sequence: `(Patient ID, Issuer of Patient ID)`.
    pub other_patient_ids: Vec<(String, String)>,
}

impl SyntheticInstance {
    /// Slice `number` of a series: UIDs are derived from `study_uid`, `series` and `number`.
    pub fn slice(patient_id: &str, study_uid: &str, series: u32, number: i32, size: u16) -> Self {
        Self {
            patient_id: patient_id.to_string(),
            issuer: "NHS".into(),
            study_uid: study_uid.to_string(),
            series_uid: format!("{study_uid}.{series}"),
            sop_uid: format!("{study_uid}.{series}.{number}"),
            instance_number: number,
            size,
            pixel_bytes_missing: 0,
            other_patient_ids: Vec::new(),
        }
    }

    /// The instance as a Part-10 file in memory.
    pub fn to_part10(&self) -> Result<Vec<u8>, String> {
        let side = usize::from(self.size);
        let pixel_count = side * side;
        let mut pixels = Vec::with_capacity(pixel_count * 2);
        for index in 0..pixel_count {
            let value = ((index % side) as i32 + self.instance_number * 7) as i16 - 1000;
            pixels.extend_from_slice(&value.to_le_bytes());
        }
        pixels.truncate(pixels.len().saturating_sub(self.pixel_bytes_missing) & !1);
        let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
        let short = |tag, value: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(value));
        let z = f64::from(self.instance_number) * -1.25;
        let mut object = InMemDicomObject::from_element_iter([
            text(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE_STORAGE),
            text(tags::SOP_INSTANCE_UID, VR::UI, &self.sop_uid),
            text(tags::MODALITY, VR::CS, "CT"),
            text(tags::PATIENT_NAME, VR::PN, "TRAINING^SYNTHETIC"),
            text(tags::PATIENT_ID, VR::LO, &self.patient_id),
            text(tags::ISSUER_OF_PATIENT_ID, VR::LO, &self.issuer),
            text(tags::STUDY_INSTANCE_UID, VR::UI, &self.study_uid),
            text(tags::SERIES_INSTANCE_UID, VR::UI, &self.series_uid),
            text(tags::SERIES_NUMBER, VR::IS, "1"),
            text(
                tags::INSTANCE_NUMBER,
                VR::IS,
                &self.instance_number.to_string(),
            ),
            text(tags::IMAGE_POSITION_PATIENT, VR::DS, &format!("0\\0\\{z}")),
            text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
            short(tags::SAMPLES_PER_PIXEL, 1),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
            short(tags::ROWS, self.size),
            short(tags::COLUMNS, self.size),
            short(tags::BITS_ALLOCATED, 16),
            short(tags::BITS_STORED, 16),
            short(tags::HIGH_BIT, 15),
            short(tags::PIXEL_REPRESENTATION, 1),
            text(tags::WINDOW_CENTER, VR::DS, "40"),
            text(tags::WINDOW_WIDTH, VR::DS, "400"),
            text(tags::RESCALE_INTERCEPT, VR::DS, "-1024"),
            text(tags::RESCALE_SLOPE, VR::DS, "1"),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::from(pixels)),
        ]);
        if !self.other_patient_ids.is_empty() {
            let items: Vec<InMemDicomObject> = self
                .other_patient_ids
                .iter()
                .map(|(id, issuer)| {
                    InMemDicomObject::from_element_iter([
                        text(tags::PATIENT_ID, VR::LO, id),
                        text(tags::ISSUER_OF_PATIENT_ID, VR::LO, issuer),
                    ])
                })
                .collect();
            object.put(DataElement::new(
                tags::OTHER_PATIENT_I_DS_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(items),
            ));
        }
        part10(object)
    }

    /// The instance's entry in `.../metadata`.
    pub fn metadata_json(&self) -> Value {
        let z = f64::from(self.instance_number) * -1.25;
        json!({
            "00020010": {"vr": "UI", "Value": [uids::EXPLICIT_VR_LITTLE_ENDIAN]},
            "00080016": {"vr": "UI", "Value": [CT_IMAGE_STORAGE]},
            "00080018": {"vr": "UI", "Value": [self.sop_uid]},
            "00080060": {"vr": "CS", "Value": ["CT"]},
            "00100020": {"vr": "LO", "Value": [self.patient_id]},
            "0020000D": {"vr": "UI", "Value": [self.study_uid]},
            "0020000E": {"vr": "UI", "Value": [self.series_uid]},
            "00200011": {"vr": "IS", "Value": [1]},
            "00200013": {"vr": "IS", "Value": [self.instance_number]},
            "00200032": {"vr": "DS", "Value": [0, 0, z]},
            "00200037": {"vr": "DS", "Value": [1, 0, 0, 0, 1, 0]},
            "00280010": {"vr": "US", "Value": [self.size]},
            "00280011": {"vr": "US", "Value": [self.size]},
            "00280100": {"vr": "US", "Value": [16]},
            "00281050": {"vr": "DS", "Value": [40]},
            "00281051": {"vr": "DS", "Value": [400]}
        })
    }
}

/// The layout of a study of synthetic slices, `series_sizes[i]` of them in series `i + 1`
/// (study `2.25.9`, series UIDs `2.25.9.1`, `2.25.9.2`, …), read from their DICOM JSON as
/// the viewer reads a study's metadata.
///
/// # Panics
/// Never for the metadata it makes itself (test helper).
#[allow(clippy::unwrap_used)]
pub fn study_layout(series_sizes: &[i32]) -> super::StudyLayout {
    let mut objects = Vec::new();
    for (series, size) in series_sizes.iter().enumerate() {
        for number in 1..=*size {
            let mut instance =
                SyntheticInstance::slice("9912003888", "2.25.9", series as u32 + 1, number, 4);
            instance.series_uid = format!("2.25.9.{}", series + 1);
            let mut json = instance.metadata_json();
            json["00200011"]["Value"][0] = Value::from(series as i64 + 1);
            objects.push(json);
        }
    }
    let url = url::Url::parse("http://127.0.0.1:1/w/studies/2.25.9/metadata").unwrap();
    super::StudyLayout::from_metadata(&url, &Value::Array(objects)).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_readable_instance_with_the_promised_pixel_bytes() {
        let instance = SyntheticInstance::slice("9912003888", "2.25.1", 1, 3, 16);
        let bytes = instance.to_part10().unwrap();
        assert_eq!(&bytes[128..132], b"DICM");
        let object = dicom_object::from_reader(&bytes[128..]).unwrap();
        let pixels = object
            .element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap();
        assert_eq!(pixels.len(), 16 * 16 * 2);
        assert_eq!(
            instance.metadata_json()["00080018"]["Value"][0],
            "2.25.1.1.3"
        );
    }
}
