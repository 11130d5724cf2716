//! Tests of reading presentation states: what is applied, what is converted, what is
//! bounded, skipped or named as not applied.

use super::*;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn floats(obj: &mut InMemDicomObject, tag: Tag, values: &[f32]) {
    obj.put(DataElement::new(
        tag,
        VR::FL,
        PrimitiveValue::F32(values.iter().copied().collect()),
    ));
}

fn count(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

fn seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

fn image(sop: &str) -> InMemDicomObject {
    let mut image = InMemDicomObject::new_empty();
    put(
        &mut image,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.1.1",
    );
    put(&mut image, tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, sop);
    image
}

pub(crate) fn graphic(kind: &str, units: &str, points: &[f32]) -> InMemDicomObject {
    let mut object = InMemDicomObject::new_empty();
    put(&mut object, tags::GRAPHIC_ANNOTATION_UNITS, VR::CS, units);
    count(&mut object, tags::GRAPHIC_DIMENSIONS, 2);
    count(
        &mut object,
        tags::NUMBER_OF_GRAPHIC_POINTS,
        u16::try_from(points.len() / 2).unwrap(),
    );
    floats(&mut object, tags::GRAPHIC_DATA, points);
    put(&mut object, tags::GRAPHIC_TYPE, VR::CS, kind);
    object
}

/// A state on images "1.1" and "1.2" of series "1": label FRACTURE, a window on 1.1 only,
/// a PIXEL note and arrow and a DISPLAY-unit point on every image.
pub(crate) fn state_object(graphics: Vec<InMemDicomObject>) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    put(&mut obj, tags::SOP_CLASS_UID, VR::UI, GSPS_CLASS);
    put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "9.9");
    put(&mut obj, tags::CONTENT_LABEL, VR::CS, "FRACTURE");
    put(
        &mut obj,
        tags::CONTENT_DESCRIPTION,
        VR::LO,
        "Fracture marked",
    );
    put(
        &mut obj,
        tags::PRESENTATION_CREATION_DATE,
        VR::DA,
        "20210920",
    );
    put(&mut obj, tags::CONTENT_CREATOR_NAME, VR::PN, "Smith^Jo");
    let mut series = InMemDicomObject::new_empty();
    put(&mut series, tags::SERIES_INSTANCE_UID, VR::UI, "1");
    seq(
        &mut series,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image("1.1"), image("1.2")],
    );
    seq(&mut obj, tags::REFERENCED_SERIES_SEQUENCE, vec![series]);
    let mut voi = InMemDicomObject::new_empty();
    seq(
        &mut voi,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image("1.1")],
    );
    put(&mut voi, tags::WINDOW_CENTER, VR::DS, "1800");
    put(&mut voi, tags::WINDOW_WIDTH, VR::DS, "1200");
    seq(&mut obj, tags::SOFTCOPY_VOILUT_SEQUENCE, vec![voi]);
    let mut area = InMemDicomObject::new_empty();
    area.put(DataElement::new(
        tags::DISPLAYED_AREA_TOP_LEFT_HAND_CORNER,
        VR::SL,
        PrimitiveValue::I32([1, 1].into_iter().collect()),
    ));
    area.put(DataElement::new(
        tags::DISPLAYED_AREA_BOTTOM_RIGHT_HAND_CORNER,
        VR::SL,
        PrimitiveValue::I32([200, 100].into_iter().collect()),
    ));
    put(
        &mut area,
        tags::PRESENTATION_SIZE_MODE,
        VR::CS,
        "SCALE TO FIT",
    );
    seq(
        &mut obj,
        tags::DISPLAYED_AREA_SELECTION_SEQUENCE,
        vec![area],
    );
    let mut text = InMemDicomObject::new_empty();
    put(&mut text, tags::UNFORMATTED_TEXT_VALUE, VR::ST, "Fracture");
    put(
        &mut text,
        tags::ANCHOR_POINT_ANNOTATION_UNITS,
        VR::CS,
        "PIXEL",
    );
    floats(&mut text, tags::ANCHOR_POINT, &[50.0, 60.0]);
    put(&mut text, tags::ANCHOR_POINT_VISIBILITY, VR::CS, "Y");
    let mut annotation = InMemDicomObject::new_empty();
    put(&mut annotation, tags::GRAPHIC_LAYER, VR::CS, "FINDINGS");
    seq(&mut annotation, tags::TEXT_OBJECT_SEQUENCE, vec![text]);
    seq(&mut annotation, tags::GRAPHIC_OBJECT_SEQUENCE, graphics);
    seq(
        &mut obj,
        tags::GRAPHIC_ANNOTATION_SEQUENCE,
        vec![annotation],
    );
    obj
}

fn arrow() -> InMemDicomObject {
    graphic("POLYLINE", "PIXEL", &[10.0, 20.0, 50.0, 60.0])
}

#[test]
fn reads_identification_window_and_pixel_annotations() {
    let state = read_object(&state_object(vec![arrow()])).unwrap();
    assert_eq!(state.label, "FRACTURE");
    assert_eq!(state.description.as_deref(), Some("Fracture marked"));
    assert_eq!(state.date.as_deref(), Some("2021-09-20"));
    assert!(state.creator.is_some());
    assert_eq!(state.images.len(), 2);
    assert_eq!(state.window_on("1.1", 1), Some((1800.0, 1200.0)));
    // The window names one image: the other keeps its own.
    assert_eq!(state.window_on("1.2", 1), None);
    let (texts, graphics) = state.objects_on("1.2", 1, (200, 100));
    assert_eq!(texts[0].text, "Fracture");
    assert_eq!(texts[0].anchor, Some([50.0, 60.0]));
    assert!(texts[0].anchor_visible);
    assert_eq!(graphics[0].kind, GraphicKind::Polyline);
    assert_eq!(graphics[0].points, vec![[10.0, 20.0], [50.0, 60.0]]);
    assert_eq!(graphics[0].layer, "FINDINGS");
    assert!(state.notes.is_empty(), "{:?}", state.notes);
    // Nothing of it is on an image it does not name.
    assert_eq!(state.objects_on("7.7", 1, (200, 100)), (vec![], vec![]));
}

#[test]
fn display_units_are_placed_on_the_displayed_area() {
    let state = read_object(&state_object(vec![graphic(
        "ELLIPSE",
        "DISPLAY",
        &[0.0, 0.5, 1.0, 0.5, 0.5, 0.25, 0.5, 0.75],
    )]))
    .unwrap();
    let (_, graphics) = state.objects_on("1.1", 1, (200, 100));
    // The displayed area runs over pixels 1..200 × 1..100: 0..200 × 0..100 in image units.
    assert_eq!(
        graphics[0].points,
        vec![[0.0, 50.0], [200.0, 50.0], [100.0, 25.0], [100.0, 75.0]]
    );
}

#[test]
fn malformed_graphics_are_skipped_with_a_note() {
    let mut wrong_count = arrow();
    count(&mut wrong_count, tags::NUMBER_OF_GRAPHIC_POINTS, 3);
    let circle_of_three = graphic("CIRCLE", "PIXEL", &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
    let unknown_units = graphic("POINT", "MATRIX", &[1.0, 1.0]);
    let not_finite = graphic("POINT", "PIXEL", &[f32::NAN, 1.0]);
    let state = read_object(&state_object(vec![
        wrong_count,
        circle_of_three,
        unknown_units,
        not_finite,
        arrow(),
    ]))
    .unwrap();
    let (_, graphics) = state.objects_on("1.1", 1, (200, 100));
    assert_eq!(graphics.len(), 1);
    assert!(state
        .notes
        .iter()
        .any(|n| n.starts_with("4 of its annotations")));
}

#[test]
fn point_counts_are_bounded() {
    let many: Vec<f32> = (0..2 * (MAX_POINTS_PER_OBJECT + 1))
        .map(|i| i as f32)
        .collect();
    let mut too_many = graphic("POLYLINE", "PIXEL", &many);
    count(
        &mut too_many,
        tags::NUMBER_OF_GRAPHIC_POINTS,
        u16::try_from(MAX_POINTS_PER_OBJECT + 1).unwrap(),
    );
    let state = read_object(&state_object(vec![too_many])).unwrap();
    assert!(state.objects_on("1.1", 1, (200, 100)).1.is_empty());
    let objects: Vec<_> = (0..MAX_OBJECTS + 5).map(|_| arrow()).collect();
    let state = read_object(&state_object(objects)).unwrap();
    assert!(state.objects_on("1.1", 1, (200, 100)).1.len() < MAX_OBJECTS);
    assert!(state.notes.iter().any(|n| n.contains("more annotations")));
}

#[test]
fn unsupported_parts_are_named() {
    let mut obj = state_object(vec![graphic("POINT", "DISPLAY", &[0.5, 0.5]), arrow()]);
    put(&mut obj, tags::IMAGE_ROTATION, VR::US, "90");
    put(&mut obj, tags::SHUTTER_SHAPE, VR::CS, "RECTANGULAR");
    put(&mut obj, tags::PRESENTATION_LUT_SHAPE, VR::CS, "INVERSE");
    put(&mut obj, Tag(0x6000, 0x0010), VR::US, "1");
    let state = read_object(&obj).unwrap();
    let notes = state.notes.join(" ");
    for words in [
        "rotation or flip",
        "shutter",
        "overlay",
        "inverted",
        "placed on the display",
    ] {
        assert!(notes.contains(words), "{words} missing from {notes}");
    }
    // The DISPLAY-unit point is not drawn without the rotation it assumes; the arrow is.
    assert_eq!(state.objects_on("1.1", 1, (200, 100)).1.len(), 1);
}

#[test]
fn other_objects_and_states_naming_nothing_are_refused() {
    let mut other = state_object(vec![]);
    put(
        &mut other,
        tags::SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.2",
    );
    assert_eq!(
        read_object(&other),
        Err(PresentationStateError::NotAPresentationState)
    );
    let mut empty = state_object(vec![]);
    empty.remove_element(tags::REFERENCED_SERIES_SEQUENCE);
    assert_eq!(read_object(&empty), Err(PresentationStateError::NoImages));
    assert!(matches!(
        read_presentation_state(b"not dicom"),
        Err(PresentationStateError::Unreadable(_))
    ));
}

#[test]
fn a_referenced_frame_limits_it_to_that_frame() {
    let reference = ImageRef {
        sop_instance_uid: "1.1".into(),
        frames: vec![2],
    };
    assert!(reference.names("1.1", 2));
    assert!(!reference.names("1.1", 1));
    assert!(!reference.names("1.2", 2));
}
