//! Reading attributes out of the DICOM JSON model (PS3.18 F.2): each object maps an
//! eight-hex-digit tag to `{"vr": .., "Value": [..]}`. Servers disagree on details (numbers
//! for IS/DS sent as strings, multi-valued strings joined with backslashes), so the readers
//! here are lenient and return `None` rather than failing.

use serde_json::Value;

/// Attribute tags used by retrieval, as they are keyed in DICOM JSON.
pub mod tag {
    #![allow(missing_docs)]
    pub const TRANSFER_SYNTAX_UID: &str = "00020010";
    pub const SOP_CLASS_UID: &str = "00080016";
    pub const SOP_INSTANCE_UID: &str = "00080018";
    pub const STUDY_DATE: &str = "00080020";
    pub const ACCESSION_NUMBER: &str = "00080050";
    pub const MODALITY: &str = "00080060";
    pub const MODALITIES_IN_STUDY: &str = "00080061";
    pub const STUDY_DESCRIPTION: &str = "00081030";
    pub const SERIES_DESCRIPTION: &str = "0008103E";
    pub const RETRIEVE_URL: &str = "00081190";
    pub const PATIENT_NAME: &str = "00100010";
    pub const PATIENT_ID: &str = "00100020";
    pub const ISSUER_OF_PATIENT_ID: &str = "00100021";
    pub const ISSUER_OF_PATIENT_ID_QUALIFIERS_SEQUENCE: &str = "00100024";
    pub const OTHER_PATIENT_IDS_SEQUENCE: &str = "00101002";
    pub const UNIVERSAL_ENTITY_ID: &str = "00400032";
    pub const PATIENT_BIRTH_DATE: &str = "00100030";
    pub const PATIENT_SEX: &str = "00100040";
    pub const STUDY_INSTANCE_UID: &str = "0020000D";
    pub const SERIES_INSTANCE_UID: &str = "0020000E";
    pub const SERIES_NUMBER: &str = "00200011";
    pub const INSTANCE_NUMBER: &str = "00200013";
    pub const IMAGE_POSITION_PATIENT: &str = "00200032";
    pub const IMAGE_ORIENTATION_PATIENT: &str = "00200037";
    pub const FRAME_OF_REFERENCE_UID: &str = "00200052";
    pub const NUMBER_OF_SERIES: &str = "00201206";
    pub const NUMBER_OF_INSTANCES: &str = "00201208";
    pub const SAMPLES_PER_PIXEL: &str = "00280002";
    pub const PHOTOMETRIC_INTERPRETATION: &str = "00280004";
    pub const NUMBER_OF_FRAMES: &str = "00280008";
    pub const ROWS: &str = "00280010";
    pub const COLUMNS: &str = "00280011";
    pub const PIXEL_SPACING: &str = "00280030";
    pub const IMAGER_PIXEL_SPACING: &str = "00181164";
    pub const PIXEL_SPACING_CALIBRATION_TYPE: &str = "00280A02";
    pub const BITS_ALLOCATED: &str = "00280100";
    pub const PIXEL_REPRESENTATION: &str = "00280103";
    pub const WINDOW_CENTER: &str = "00281050";
    pub const WINDOW_WIDTH: &str = "00281051";
    pub const RESCALE_INTERCEPT: &str = "00281052";
    pub const RESCALE_SLOPE: &str = "00281053";
    pub const WINDOW_EXPLANATION: &str = "00281055";
}

/// The `Value` array of an attribute, if present.
fn values<'a>(object: &'a Value, tag: &str) -> Option<&'a Vec<Value>> {
    object.get(tag)?.get("Value")?.as_array()
}

/// All values of a string attribute (backslash-joined strings are split).
pub fn strings(object: &Value, tag: &str) -> Vec<String> {
    let Some(values) = values(object, tag) else {
        return Vec::new();
    };
    values
        .iter()
        .filter_map(|value| match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Object(name) => name
                .get("Alphabetic")
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        })
        .flat_map(|text| {
            text.split('\\')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|text| !text.is_empty())
        .collect()
}

/// The items of a sequence attribute (objects only; anything else in `Value` is skipped).
pub fn items<'a>(object: &'a Value, tag: &str) -> impl Iterator<Item = &'a Value> {
    values(object, tag)
        .into_iter()
        .flatten()
        .filter(|item| item.is_object())
}

/// The first value of a string attribute.
pub fn string(object: &Value, tag: &str) -> Option<String> {
    strings(object, tag).into_iter().next()
}

/// All values of a numeric attribute (numbers or numeric strings).
pub fn numbers(object: &Value, tag: &str) -> Vec<f64> {
    let Some(values) = values(object, tag) else {
        return Vec::new();
    };
    values
        .iter()
        .flat_map(|value| match value {
            Value::Number(number) => number.as_f64().into_iter().collect::<Vec<_>>(),
            Value::String(text) => text
                .split('\\')
                .filter_map(|piece| piece.trim().parse::<f64>().ok())
                .collect(),
            _ => Vec::new(),
        })
        .filter(|number| number.is_finite())
        .collect()
}

/// The first value of a numeric attribute.
pub fn number(object: &Value, tag: &str) -> Option<f64> {
    numbers(object, tag).into_iter().next()
}

/// The first value as a non-negative integer that fits `u32`.
pub fn unsigned(object: &Value, tag: &str) -> Option<u32> {
    number(object, tag)
        .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX) && n.fract() == 0.0)
        .map(|n| n as u32)
}

/// The first value as an integer that fits `i32`.
pub fn integer(object: &Value, tag: &str) -> Option<i32> {
    number(object, tag)
        .filter(|n| *n >= f64::from(i32::MIN) && *n <= f64::from(i32::MAX) && n.fract() == 0.0)
        .map(|n| n as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strings_numbers_and_names_leniently() {
        let object = serde_json::json!({
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "TRAINING^ALEX"}]},
            "00200013": {"vr": "IS", "Value": ["12"]},
            "00281050": {"vr": "DS", "Value": ["40\\400"]},
            "00280030": {"vr": "DS", "Value": [0.5, 0.5]},
            "00080060": {"vr": "CS", "Value": ["CT"]},
            "00280010": {"vr": "US"}
        });
        assert_eq!(
            string(&object, "00100010").as_deref(),
            Some("TRAINING^ALEX")
        );
        assert_eq!(unsigned(&object, tag::INSTANCE_NUMBER), Some(12));
        assert_eq!(numbers(&object, tag::WINDOW_CENTER), vec![40.0, 400.0]);
        assert_eq!(numbers(&object, tag::PIXEL_SPACING), vec![0.5, 0.5]);
        assert_eq!(string(&object, tag::MODALITY).as_deref(), Some("CT"));
        assert_eq!(unsigned(&object, tag::ROWS), None);
        assert_eq!(string(&object, tag::PATIENT_ID), None);
    }

    #[test]
    fn rejects_numbers_out_of_range() {
        let object = serde_json::json!({"00200013": {"vr": "IS", "Value": [-3]}});
        assert_eq!(unsigned(&object, tag::INSTANCE_NUMBER), None);
        assert_eq!(integer(&object, tag::INSTANCE_NUMBER), Some(-3));
    }
}
