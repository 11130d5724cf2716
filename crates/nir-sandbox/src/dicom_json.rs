//! DICOM JSON (PS3.18 F.2) for the data sets the sandbox generates, written by dicom-rs's
//! `dicom-json`. A data set is first put in the form PS3.18 F.2 asks for where dicom-json
//! would write it otherwise: IS and DS held as text become numbers (F.2.3, Table F.2.3-1),
//! empty values and empty sequences lose their "Value" (F.2.5), trailing padding goes, and
//! bulk data (OB/OW/UN...) is left out, as metadata responses omit pixels.

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_object::InMemDicomObject;
use serde_json::{json, Value as Json};

/// The DICOM JSON object of a data set.
pub fn to_dicom_json(obj: &InMemDicomObject) -> Json {
    // dicom-json refuses only a primitive value marked SQ, which `conformant` leaves out.
    dicom_json::to_value(&conformant(obj)).unwrap_or(Json::Null)
}

/// A single attribute entry, for adding file-meta attributes such as TransferSyntaxUID.
pub fn string_attribute(vr: &str, value: &str) -> Json {
    json!({ "vr": vr, "Value": [value] })
}

/// A copy of `obj` that dicom-json writes as PS3.18 F.2 says.
fn conformant(obj: &InMemDicomObject) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(obj.iter().filter_map(|element| {
        let vr = element.vr();
        let value: Value<InMemDicomObject, Vec<u8>> = match element.value() {
            Value::Sequence(seq) if seq.items().is_empty() => PrimitiveValue::Empty.into(),
            Value::Sequence(seq) => Value::Sequence(DataSetSequence::from(
                seq.items().iter().map(conformant).collect::<Vec<_>>(),
            )),
            Value::PixelSequence(_) => return None,
            Value::Primitive(_) if is_bulk(vr) || vr == VR::SQ => return None,
            Value::Primitive(primitive) => primitive_of(primitive, vr).into(),
        };
        Some(DataElement::new(element.tag(), vr, value))
    }))
}

fn is_bulk(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB | VR::OW | VR::OF | VR::OD | VR::OL | VR::OV | VR::UN
    )
}

/// The value as dicom-json should see it: numbers where F.2.3 wants JSON numbers, unpadded
/// strings otherwise, and `Empty` for a value with nothing in it.
fn primitive_of(value: &PrimitiveValue, vr: VR) -> PrimitiveValue {
    let texts = strings(value);
    let text = matches!(value, PrimitiveValue::Str(_) | PrimitiveValue::Strs(_));
    let primitive = match vr {
        VR::AT => return value.clone(),
        _ if texts.iter().all(String::is_empty) => PrimitiveValue::Empty,
        // A value written as one backslash-joined string still holds several values.
        VR::IS | VR::SS | VR::US | VR::SL | VR::UL | VR::SV | VR::UV if text => {
            PrimitiveValue::I64(pieces(&texts).filter_map(|p| p.parse().ok()).collect())
        }
        VR::DS | VR::FL | VR::FD if text => {
            PrimitiveValue::F64(pieces(&texts).filter_map(|p| p.parse().ok()).collect())
        }
        VR::IS | VR::DS | VR::SS | VR::US | VR::SL | VR::UL | VR::SV | VR::UV | VR::FL | VR::FD => {
            value.clone()
        }
        _ => PrimitiveValue::Strs(texts.into_iter().collect()),
    };
    if primitive.multiplicity() == 0 {
        PrimitiveValue::Empty
    } else {
        primitive
    }
}

fn pieces(texts: &[String]) -> impl Iterator<Item = &str> {
    texts.iter().flat_map(|s| s.split('\\')).map(str::trim)
}

fn strings(value: &PrimitiveValue) -> Vec<String> {
    value
        .to_multi_str()
        .iter()
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::dicom_gen::header::{instance_header, InstanceRef};

    #[test]
    fn a_backslash_joined_decimal_string_gives_every_value() {
        let mut obj = InMemDicomObject::new_empty();
        obj.put(dicom_core::DataElement::new(
            dicom_dictionary_std::tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::from("0.78125\\0.5"),
        ));
        let json = to_dicom_json(&obj);
        assert_eq!(json["00280030"]["Value"], json!([0.78125, 0.5]));
    }

    #[test]
    fn an_empty_sequence_has_no_value_and_bulk_data_is_left_out() {
        let mut obj = InMemDicomObject::new_empty();
        obj.put(dicom_core::DataElement::new(
            dicom_dictionary_std::tags::OTHER_PATIENT_I_DS_SEQUENCE,
            VR::SQ,
            DataSetSequence::<InMemDicomObject>::from(Vec::new()),
        ));
        obj.put(dicom_core::DataElement::new(
            dicom_dictionary_std::tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16([1, 2].into_iter().collect()),
        ));
        let json = to_dicom_json(&obj);
        assert_eq!(json, json!({ "00101002": { "vr": "SQ" } }));
    }

    #[test]
    fn header_becomes_dicom_json_with_numbers_and_names() {
        let c = Catalogue::build();
        let study = &c.studies[0][1];
        let json = to_dicom_json(&instance_header(InstanceRef {
            study,
            series: &study.series[0],
            number: 1,
        }));
        assert_eq!(json["00100010"]["Value"][0]["Alphabetic"], "TRAINING^ALEX");
        assert_eq!(json["00100020"]["Value"][0], "9912003888");
        assert_eq!(json["00280010"]["Value"][0], 240);
        assert_eq!(json["00280008"]["Value"][0], 12);
        assert_eq!(json["00280009"]["Value"][0], "00181063");
        assert_eq!(json["00080090"], json!({"vr": "PN"}));
        assert!(json.get("7FE00010").is_none());
    }

    /// The rich-history cine carries a 2D tissue region in cm and a Doppler spectrum in
    /// seconds × cm/s below it (PS3.3 C.8.5.5); the metadata carries both as numbers.
    #[test]
    fn the_rich_history_cine_has_a_tissue_and_a_doppler_region() {
        let c = Catalogue::build();
        let study = &c.studies[0][1];
        let json = to_dicom_json(&instance_header(InstanceRef {
            study,
            series: &study.series[0],
            number: 1,
        }));
        let regions = json["00186011"]["Value"].as_array().unwrap();
        assert_eq!(regions.len(), 2);
        let (tissue, doppler) = (&regions[0], &regions[1]);
        assert_eq!(tissue["00186012"]["Value"][0], 1);
        assert_eq!(tissue["00186024"]["Value"][0], 3);
        assert_eq!(tissue["00186026"]["Value"][0], 3);
        assert_eq!(tissue["0018602C"]["Value"][0], 0.05);
        assert_eq!(tissue["0018601E"]["Value"][0], 179);
        assert_eq!(doppler["00186012"]["Value"][0], 3);
        assert_eq!(doppler["00186024"]["Value"][0], 4);
        assert_eq!(doppler["00186026"]["Value"][0], 7);
        assert_eq!(doppler["0018601A"]["Value"][0], 180);
        assert_eq!(doppler["0018601C"]["Value"][0], 319);
        // Another patient's cine is left as it was.
        let other = &c.studies[1]
            .iter()
            .find(|s| s.series.iter().any(|x| x.modality == "US"));
        if let Some(other) = other {
            let json = to_dicom_json(&instance_header(InstanceRef {
                study: other,
                series: &other.series[0],
                number: 1,
            }));
            assert!(json.get("00186011").is_none());
        }
    }
}
