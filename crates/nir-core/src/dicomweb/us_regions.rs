//! The calibrated regions of an ultrasound image, from the US Region Calibration Module
//! (DICOM PS3.3 C.8.5.5): each item of the Sequence of Ultrasound Regions (0018,6011) names
//! a rectangle of the image, what it shows (Region Spatial Format (0018,6012), Region Data
//! Type (0018,6014)) and what one pixel step means along each axis (Physical Units X/Y
//! Direction (0018,6024/6026) and Physical Delta X/Y (0018,602C/602E)). Only a 2D region in
//! centimetres along both axes measures distances; a Doppler spectrum (seconds × cm/s), an
//! M-mode trace or a waveform is reported but never gives a length. The count of regions is
//! bounded and a malformed item is kept without a spacing rather than failing the image.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::dicom_json;

/// DICOM JSON keys of the US Region Calibration Module (PS3.3 C.8.5.5).
pub mod tag {
    #![allow(missing_docs)]
    pub const SEQUENCE_OF_ULTRASOUND_REGIONS: &str = "00186011";
    pub const REGION_SPATIAL_FORMAT: &str = "00186012";
    pub const REGION_DATA_TYPE: &str = "00186014";
    pub const REGION_LOCATION_MIN_X0: &str = "00186018";
    pub const REGION_LOCATION_MIN_Y0: &str = "0018601A";
    pub const REGION_LOCATION_MAX_X1: &str = "0018601C";
    pub const REGION_LOCATION_MAX_Y1: &str = "0018601E";
    pub const PHYSICAL_UNITS_X_DIRECTION: &str = "00186024";
    pub const PHYSICAL_UNITS_Y_DIRECTION: &str = "00186026";
    pub const PHYSICAL_DELTA_X: &str = "0018602C";
    pub const PHYSICAL_DELTA_Y: &str = "0018602E";
}

/// Most regions read per image; further items are ignored (a real image has a handful).
pub const MAX_REGIONS: usize = 16;

/// Region Spatial Format 0001H: a 2D image, tissue or flow (PS3.3 C.8.5.5.1.1).
pub const SPATIAL_FORMAT_2D: u16 = 1;

/// Physical Units 0003H: centimetres (PS3.3 C.8.5.5.1.15), the only unit of distance.
pub const UNITS_CM: u16 = 3;

/// One item of the Sequence of Ultrasound Regions, as the viewer uses it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UltrasoundRegion {
    /// Region Location Min X0, Min Y0, Max X1, Max Y1: the pixels the region covers
    /// (column and row, both ends included).
    pub bounds: [u32; 4],
    /// Region Spatial Format (0 none, 1 2D, 2 M-mode, 3 spectral, 4 waveform, 5 graphics).
    pub spatial_format: u16,
    /// Region Data Type (1 tissue, 2 colour flow, 3 PW spectral Doppler, 4 CW spectral
    /// Doppler, ...; PS3.3 C.8.5.5.1.2).
    pub data_type: u16,
    /// Physical Units X and Y Direction (3 cm, 4 seconds, 7 cm/s, ...; C.8.5.5.1.15).
    pub units: [u16; 2],
    /// Row and column spacing in mm when the region measures distances (2D, cm along both
    /// axes, both deltas positive and finite); `None` otherwise, so lengths there are in px.
    pub spacing: Option<[f64; 2]>,
    /// What the region shows, in words for a label ("2D tissue", "PW spectral Doppler").
    pub kind: String,
}

/// The ultrasound regions of an instance's DICOM JSON object: at most [`MAX_REGIONS`], each
/// with its bounds in order; an item without all four bounds (or with min above max) is
/// dropped, as it cannot say which pixels it covers.
pub fn regions_of(object: &Value) -> Vec<UltrasoundRegion> {
    dicom_json::items(object, tag::SEQUENCE_OF_ULTRASOUND_REGIONS)
        .take(MAX_REGIONS)
        .filter_map(region_of)
        .collect()
}

fn region_of(item: &Value) -> Option<UltrasoundRegion> {
    let bound = |tag| dicom_json::unsigned(item, tag);
    let bounds = [
        bound(tag::REGION_LOCATION_MIN_X0)?,
        bound(tag::REGION_LOCATION_MIN_Y0)?,
        bound(tag::REGION_LOCATION_MAX_X1)?,
        bound(tag::REGION_LOCATION_MAX_Y1)?,
    ];
    if bounds[0] > bounds[2] || bounds[1] > bounds[3] {
        return None;
    }
    let code = |tag| {
        dicom_json::unsigned(item, tag)
            .and_then(|v| u16::try_from(v).ok())
            .unwrap_or(0)
    };
    let spatial_format = code(tag::REGION_SPATIAL_FORMAT);
    let data_type = code(tag::REGION_DATA_TYPE);
    let units = [
        code(tag::PHYSICAL_UNITS_X_DIRECTION),
        code(tag::PHYSICAL_UNITS_Y_DIRECTION),
    ];
    let delta = |tag| dicom_json::number(item, tag).filter(|d| d.is_finite() && *d > 0.0);
    let spacing = match (delta(tag::PHYSICAL_DELTA_X), delta(tag::PHYSICAL_DELTA_Y)) {
        (Some(dx), Some(dy))
            if spatial_format == SPATIAL_FORMAT_2D && units == [UNITS_CM, UNITS_CM] =>
        {
            // Physical Delta is the physical value per pixel step (C.8.5.5.1.13/14): cm to mm.
            Some([dy * 10.0, dx * 10.0])
        }
        _ => None,
    };
    Some(UltrasoundRegion {
        bounds,
        spatial_format,
        data_type,
        units,
        spacing,
        kind: kind_of(spatial_format, data_type),
    })
}

/// The region in words, from Region Data Type (PS3.3 C.8.5.5.1.2), else its spatial format.
fn kind_of(spatial_format: u16, data_type: u16) -> String {
    let by_type = match data_type {
        1 => Some("2D tissue"),
        2 => Some("colour flow"),
        3 => Some("PW spectral Doppler"),
        4 => Some("CW spectral Doppler"),
        5 => Some("Doppler mean trace"),
        6 => Some("Doppler mode trace"),
        7 => Some("Doppler max trace"),
        8 => Some("volume trace"),
        0xA => Some("ECG trace"),
        0xB => Some("pulse trace"),
        0xC => Some("phonocardiogram trace"),
        0xD => Some("grey bar"),
        0xE => Some("colour bar"),
        0xF => Some("integrated backscatter"),
        0x10 => Some("area trace"),
        0x11 => Some("d(area)/dt"),
        0x12 => Some("other physiological input"),
        _ => None,
    };
    let by_format = match spatial_format {
        1 => "2D",
        2 => "M-mode",
        3 => "spectral",
        4 => "waveform",
        5 => "graphics",
        _ => "unspecified",
    };
    by_type.unwrap_or(by_format).to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn region(format: u16, data: u16, units: [u16; 2], deltas: [Value; 2]) -> Value {
        json!({
            "00186012": {"vr": "US", "Value": [format]},
            "00186014": {"vr": "US", "Value": [data]},
            "00186018": {"vr": "UL", "Value": [10]},
            "0018601A": {"vr": "UL", "Value": [20]},
            "0018601C": {"vr": "UL", "Value": [200]},
            "0018601E": {"vr": "UL", "Value": [150]},
            "00186024": {"vr": "US", "Value": [units[0]]},
            "00186026": {"vr": "US", "Value": [units[1]]},
            "0018602C": {"vr": "FD", "Value": [deltas[0]]},
            "0018602E": {"vr": "FD", "Value": [deltas[1]]}
        })
    }

    fn object(items: Vec<Value>) -> Value {
        json!({"00186011": {"vr": "SQ", "Value": items}})
    }

    #[test]
    fn a_2d_region_in_cm_gives_mm_spacing_row_then_column() {
        let regions = regions_of(&object(vec![region(
            1,
            1,
            [3, 3],
            [json!(0.02), json!(0.03)],
        )]));
        assert_eq!(regions.len(), 1);
        let r = &regions[0];
        assert_eq!(r.bounds, [10, 20, 200, 150]);
        assert_eq!(r.kind, "2D tissue");
        let [row, column] = r.spacing.unwrap();
        assert!((row - 0.3).abs() < 1e-9 && (column - 0.2).abs() < 1e-9);
    }

    #[test]
    fn a_doppler_spectrum_is_reported_but_never_measures_length() {
        // Seconds across, cm/s up (negative delta: velocity rises up the screen).
        let regions = regions_of(&object(vec![region(
            3,
            3,
            [4, 7],
            [json!(0.01), json!(-2.5)],
        )]));
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].spacing, None);
        assert_eq!(regions[0].kind, "PW spectral Doppler");
        assert_eq!(regions[0].units, [4, 7]);
        // Even in cm, a spectral region is not a picture of the patient.
        let spectral_cm = regions_of(&object(vec![region(
            3,
            3,
            [3, 3],
            [json!(0.1), json!(0.1)],
        )]));
        assert_eq!(spectral_cm[0].spacing, None);
    }

    #[test]
    fn malformed_values_give_no_spacing_or_no_region_never_a_panic() {
        let zero = regions_of(&object(vec![region(1, 1, [3, 3], [json!(0), json!(0.02)])]));
        assert_eq!(zero[0].spacing, None);
        let text = regions_of(&object(vec![region(
            1,
            1,
            [3, 3],
            [json!("abc"), json!(0.02)],
        )]));
        assert_eq!(text[0].spacing, None);
        let mut inverted = region(1, 1, [3, 3], [json!(0.02), json!(0.02)]);
        inverted["00186018"] = json!({"vr": "UL", "Value": [500]});
        assert!(regions_of(&object(vec![inverted])).is_empty());
        let mut unbounded = region(1, 1, [3, 3], [json!(0.02), json!(0.02)]);
        unbounded["0018601E"] = json!({"vr": "UL", "Value": [-4]});
        assert!(regions_of(&object(vec![unbounded])).is_empty());
        assert!(regions_of(&json!({"00186011": {"vr": "SQ", "Value": ["x", 3]}})).is_empty());
        assert!(regions_of(&json!({})).is_empty());
    }

    #[test]
    fn reads_at_most_the_bounded_count() {
        let many = vec![region(1, 1, [3, 3], [json!(0.02), json!(0.02)]); MAX_REGIONS + 5];
        assert_eq!(regions_of(&object(many)).len(), MAX_REGIONS);
    }
}
