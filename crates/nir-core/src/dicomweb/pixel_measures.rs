//! Pixel spacing of the frames of an enhanced multi-frame image, from the Multi-frame
//! Functional Groups Module (DICOM PS3.3 C.7.6.16): the Pixel Measures Sequence
//! (0028,9110, C.7.6.16.2.1) carries Pixel Spacing either once for every frame in the
//! Shared Functional Groups Sequence (5200,9229) or per frame in the Per-frame Functional
//! Groups Sequence (5200,9230), whose item for a frame overrides the shared one. The count
//! of frames read is bounded; a spacing that is not two positive numbers is none.

use serde_json::Value;

use super::dicom_json;

/// DICOM JSON keys of the functional groups read here.
pub mod tag {
    #![allow(missing_docs)]
    pub const SHARED_FUNCTIONAL_GROUPS_SEQUENCE: &str = "52009229";
    pub const PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE: &str = "52009230";
    pub const PIXEL_MEASURES_SEQUENCE: &str = "00289110";
}

/// Most frames whose spacing is read; later frames of a longer image have none (lengths on
/// them are in pixels) rather than letting a claimed frame count size an allocation.
pub const MAX_FRAMES: usize = 4096;

/// Pixel Spacing (row, column) of a functional group item's Pixel Measures Sequence.
fn measured(group: &Value) -> Option<[f64; 2]> {
    let measures = dicom_json::items(group, tag::PIXEL_MEASURES_SEQUENCE).next()?;
    let spacing = <[f64; 2]>::try_from(dicom_json::numbers(
        measures,
        super::dicom_json::tag::PIXEL_SPACING,
    ))
    .ok()?;
    spacing.iter().all(|v| *v > 0.0).then_some(spacing)
}

/// The spacing of a multi-frame image's frames, one entry per frame (at most `frames` and
/// [`MAX_FRAMES`]), each the frame's own Pixel Measures or else the shared one. Empty when
/// the image has no Pixel Measures in its functional groups at all.
pub fn frame_spacings(object: &Value, frames: u32) -> Vec<Option<[f64; 2]>> {
    let shared = dicom_json::items(object, tag::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
        .next()
        .and_then(measured);
    let count = usize::try_from(frames)
        .unwrap_or(usize::MAX)
        .min(MAX_FRAMES);
    let mut per_frame = dicom_json::items(object, tag::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .take(count)
        .map(measured)
        .peekable();
    if shared.is_none() && per_frame.peek().is_none() {
        return Vec::new();
    }
    let mut spacings: Vec<Option<[f64; 2]>> = per_frame.map(|own| own.or(shared)).collect();
    if spacings.iter().all(Option::is_none) && shared.is_none() {
        return Vec::new();
    }
    // Frames the per-frame sequence does not reach still have the shared spacing.
    while spacings.len() < count {
        spacings.push(shared);
    }
    spacings
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn group(spacing: Value) -> Value {
        json!({"00289110": {"vr": "SQ", "Value": [{"00280030": {"vr": "DS", "Value": spacing}}]}})
    }

    #[test]
    fn a_frame_s_own_pixel_measures_override_the_shared_ones() {
        let object = json!({
            "52009229": {"vr": "SQ", "Value": [group(json!([0.5, 0.5]))]},
            "52009230": {"vr": "SQ", "Value": [
                group(json!([0.7, 0.7])),
                {"00209111": {"vr": "SQ", "Value": []}},
                group(json!([0, 0.7]))
            ]}
        });
        assert_eq!(
            frame_spacings(&object, 4),
            vec![
                Some([0.7, 0.7]),
                Some([0.5, 0.5]),
                Some([0.5, 0.5]),
                Some([0.5, 0.5])
            ]
        );
    }

    #[test]
    fn per_frame_alone_leaves_frames_without_one_uncalibrated() {
        let object = json!({
            "52009230": {"vr": "SQ", "Value": [group(json!([0.7, 0.8])), group(json!(["x"]))]}
        });
        assert_eq!(frame_spacings(&object, 2), vec![Some([0.7, 0.8]), None]);
    }

    #[test]
    fn nothing_without_pixel_measures_and_never_more_than_the_bound() {
        assert!(frame_spacings(&json!({}), 10).is_empty());
        let bare = json!({"52009230": {"vr": "SQ", "Value": [{}, {}]}});
        assert!(frame_spacings(&bare, 2).is_empty());
        let shared = json!({"52009229": {"vr": "SQ", "Value": [group(json!([1, 1]))]}});
        assert_eq!(frame_spacings(&shared, u32::MAX).len(), MAX_FRAMES);
        assert_eq!(frame_spacings(&shared, 3).len(), 3);
    }
}
