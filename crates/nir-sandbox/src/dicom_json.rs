//! DICOM JSON (PS3.18 F.2) for the attributes the sandbox generates: strings, person
//! names, numbers (IS/DS and binary integers as JSON numbers), attribute tags and
//! sequences. Bulk data (OB/OW/UN) is left out, as metadata responses omit pixels.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::{PrimitiveValue, VR};
use dicom_object::InMemDicomObject;
use serde_json::{json, Map, Value as Json};

/// The DICOM JSON object of a data set.
pub fn to_dicom_json(obj: &InMemDicomObject) -> Json {
    let mut map = Map::new();
    for element in obj {
        let tag = element.tag();
        let key = format!("{:04X}{:04X}", tag.group(), tag.element());
        let vr = element.vr();
        if matches!(
            vr,
            VR::OB | VR::OW | VR::OF | VR::OD | VR::OL | VR::OV | VR::UN
        ) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("vr".into(), Json::String(vr.to_string().to_string()));
        if let Some(values) = values_of(element.value(), vr) {
            if !values.is_empty() {
                entry.insert("Value".into(), Json::Array(values));
            }
        }
        map.insert(key, Json::Object(entry));
    }
    Json::Object(map)
}

/// A single attribute entry, for adding file-meta attributes such as TransferSyntaxUID.
pub fn string_attribute(vr: &str, value: &str) -> Json {
    json!({ "vr": vr, "Value": [value] })
}

fn values_of(value: &Value<InMemDicomObject, Vec<u8>>, vr: VR) -> Option<Vec<Json>> {
    match value {
        Value::Sequence(seq) => Some(seq.items().iter().map(to_dicom_json).collect()),
        Value::PixelSequence(_) => None,
        Value::Primitive(_) => Some(match vr {
            _ if strings(value).iter().all(String::is_empty) && !matches!(vr, VR::AT) => Vec::new(),
            VR::PN => strings(value)
                .into_iter()
                .map(|s| json!({ "Alphabetic": s }))
                .collect(),
            VR::IS | VR::SS | VR::US | VR::SL | VR::UL | VR::SV | VR::UV => value
                .to_multi_int::<i64>()
                .map(|v| v.into_iter().map(Json::from).collect())
                .unwrap_or_default(),
            // A DS written as one backslash-joined string still holds several values.
            VR::DS => strings(value)
                .iter()
                .flat_map(|s| s.split('\\'))
                .filter_map(|piece| piece.trim().parse::<f64>().ok())
                .map(Json::from)
                .collect(),
            VR::FL | VR::FD => value
                .to_multi_float64()
                .map(|v| v.into_iter().map(Json::from).collect())
                .unwrap_or_default(),
            VR::AT => match value.primitive() {
                Some(PrimitiveValue::Tags(tags)) => tags
                    .iter()
                    .map(|t| Json::String(format!("{:04X}{:04X}", t.group(), t.element())))
                    .collect(),
                _ => Vec::new(),
            },
            _ => strings(value).into_iter().map(Json::String).collect(),
        }),
    }
}

fn strings(value: &Value<InMemDicomObject, Vec<u8>>) -> Vec<String> {
    value
        .to_multi_str()
        .map(|v| {
            v.iter()
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                .collect()
        })
        .unwrap_or_default()
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
}
