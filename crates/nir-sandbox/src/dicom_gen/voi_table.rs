//! The VOI LUT Sequence a radiograph may carry in place of a plain window (PS3.3 C.11.2,
//! VOI LUT Module): one item whose LUT Descriptor (0028,3002) gives the entry count, the
//! first stored value mapped and the output bits, whose LUT Data (0028,3006) is the table
//! and whose LUT Explanation (0028,3003) names it. The table is an S-shaped (logistic)
//! curve over the whole 12-bit stored range, as CR processing software sends, so a viewer
//! that falls back to a linear window draws visibly different grey levels.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::elements::{put_str, sequence};

/// Entries of the table: one per 12-bit stored value.
pub const ENTRIES: u16 = 4096;
/// The first stored value the table maps.
pub const FIRST_MAPPED: u16 = 0;
/// Bits of each output value.
pub const OUTPUT_BITS: u16 = 12;
/// The LUT Explanation written with the table.
pub const EXPLANATION: &str = "S-curve (synthetic CR processing)";

/// The table's output for each stored value `0..ENTRIES`: a logistic curve centred on
/// the middle of the range, rescaled so its ends reach 0 and the top output value.
pub fn s_curve() -> Vec<u16> {
    let top = f64::from((1u16 << OUTPUT_BITS) - 1);
    let logistic = |x: f64| 1.0 / (1.0 + (-(x - 2048.0) / 400.0).exp());
    let (low, high) = (logistic(0.0), logistic(f64::from(ENTRIES - 1)));
    (0..ENTRIES)
        .map(|x| {
            let y = (logistic(f64::from(x)) - low) / (high - low) * top;
            y.round().clamp(0.0, top) as u16
        })
        .collect()
}

/// Puts the VOI LUT Sequence (0028,3010) with the S-curve as its single item.
pub fn put_voi_lut_sequence(obj: &mut InMemDicomObject) {
    let mut item = InMemDicomObject::new_empty();
    item.put(DataElement::new(
        tags::LUT_DESCRIPTOR,
        VR::US,
        PrimitiveValue::U16([ENTRIES, FIRST_MAPPED, OUTPUT_BITS].into_iter().collect()),
    ));
    put_str(&mut item, tags::LUT_EXPLANATION, VR::LO, EXPLANATION);
    item.put(DataElement::new(
        tags::LUT_DATA,
        VR::US,
        PrimitiveValue::U16(s_curve().into_iter().collect()),
    ));
    sequence(obj, tags::VOILUT_SEQUENCE, vec![item]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_spans_the_output_range_and_is_s_shaped() {
        let curve = s_curve();
        assert_eq!(curve.len(), usize::from(ENTRIES));
        assert_eq!((curve[0], curve[4095]), (0, 4095));
        assert!(curve.windows(2).all(|w| w[0] <= w[1]), "monotonic");
        // Flat at the ends, steep in the middle: far from the identity a quarter in.
        assert!(curve[1024] < 400, "{}", curve[1024]);
        assert!(curve[3072] > 3695, "{}", curve[3072]);
        assert!((i32::from(curve[2048]) - 2048).abs() < 4);
    }
}
