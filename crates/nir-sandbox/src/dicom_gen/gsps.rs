//! A Grayscale Softcopy Presentation State (DICOM PS3.3 A.33.1) for a synthetic radiograph:
//! what a radiologist saved on the first image of the study's DX series — a label
//! ("FRACTURE"), a text note anchored at the finding, an arrow and an ellipse in image pixel
//! units (C.10.5), one graphic layer (C.10.7), a window unlike the image's own (Softcopy VOI
//! LUT, C.11.8) and the whole image as the displayed area (C.10.4) — so that viewers can be
//! tested on presentation states held inside a study.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::elements::{put_str as put, sequence};
use crate::catalogue::{SeriesKind, StudyDef};

/// Grayscale Softcopy Presentation State Storage.
pub const GSPS: &str = "1.2.840.10008.5.1.4.1.1.11.1";

/// The presentation state's window (Softcopy VOI LUT), unlike the image's own 2048/4096.
pub const WINDOW: (f64, f64) = (1800.0, 1200.0);
/// Its Content Label (C.11.10: a code string, upper case).
pub const LABEL: &str = "FRACTURE";
/// Its text annotation.
pub const NOTE: &str = "Undisplaced fracture of the distal radius";

fn floats(obj: &mut InMemDicomObject, tag: Tag, values: &[f32]) {
    obj.put(DataElement::new(
        tag,
        VR::FL,
        PrimitiveValue::F32(values.iter().copied().collect()),
    ));
}

fn us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// The image the state applies to: the first instance of the study's first DX series.
fn referenced_image(study: &StudyDef) -> Option<(String, InMemDicomObject)> {
    let series = study.series.iter().find(|s| s.kind == SeriesKind::Dx)?;
    let mut image = InMemDicomObject::new_empty();
    put(
        &mut image,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        super::header::sop_class_uid(SeriesKind::Dx),
    );
    put(
        &mut image,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        &format!("{}.1", series.uid),
    );
    Some((series.uid.clone(), image))
}

/// A graphic object (C.10.5.1.2) in PIXEL units, open and unfilled.
fn graphic(kind: &str, points: &[f32]) -> InMemDicomObject {
    let mut object = InMemDicomObject::new_empty();
    put(&mut object, tags::GRAPHIC_ANNOTATION_UNITS, VR::CS, "PIXEL");
    us(&mut object, tags::GRAPHIC_DIMENSIONS, 2);
    us(
        &mut object,
        tags::NUMBER_OF_GRAPHIC_POINTS,
        u16::try_from(points.len() / 2).unwrap_or(0),
    );
    floats(&mut object, tags::GRAPHIC_DATA, points);
    put(&mut object, tags::GRAPHIC_TYPE, VR::CS, kind);
    put(&mut object, tags::GRAPHIC_FILLED, VR::CS, "N");
    object
}

/// Adds the presentation state modules to `obj` (a header without an image module).
pub fn put_presentation_state(obj: &mut InMemDicomObject, study: &StudyDef) {
    // C.11.10 Presentation State Identification.
    put(obj, tags::CONTENT_LABEL, VR::CS, LABEL);
    put(
        obj,
        tags::CONTENT_DESCRIPTION,
        VR::LO,
        "Fracture marked on the PA view",
    );
    put(obj, tags::PRESENTATION_CREATION_DATE, VR::DA, study.date);
    put(obj, tags::PRESENTATION_CREATION_TIME, VR::TM, "101500");
    put(
        obj,
        tags::CONTENT_CREATOR_NAME,
        VR::PN,
        "Training^Radiologist",
    );
    // C.11.12 Presentation State Shape: Presentation LUT Shape (C.11.6) IDENTITY.
    put(obj, tags::PRESENTATION_LUT_SHAPE, VR::CS, "IDENTITY");
    let Some((series_uid, image)) = referenced_image(study) else {
        return;
    };
    // C.11.11 Presentation State Relationship.
    let mut series = InMemDicomObject::new_empty();
    put(&mut series, tags::SERIES_INSTANCE_UID, VR::UI, &series_uid);
    sequence(
        &mut series,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image.clone()],
    );
    sequence(obj, tags::REFERENCED_SERIES_SEQUENCE, vec![series]);
    // C.10.4 Displayed Area: the whole 512 × 512 image, scaled to fit.
    let mut area = InMemDicomObject::new_empty();
    sequence(
        &mut area,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image.clone()],
    );
    obj_put_sl(&mut area, tags::DISPLAYED_AREA_TOP_LEFT_HAND_CORNER, [1, 1]);
    obj_put_sl(
        &mut area,
        tags::DISPLAYED_AREA_BOTTOM_RIGHT_HAND_CORNER,
        [512, 512],
    );
    put(
        &mut area,
        tags::PRESENTATION_SIZE_MODE,
        VR::CS,
        "SCALE TO FIT",
    );
    put(
        &mut area,
        tags::PRESENTATION_PIXEL_SPACING,
        VR::DS,
        "0.2\\0.2",
    );
    sequence(obj, tags::DISPLAYED_AREA_SELECTION_SEQUENCE, vec![area]);
    // C.11.8 Softcopy VOI LUT.
    let mut voi = InMemDicomObject::new_empty();
    sequence(
        &mut voi,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image.clone()],
    );
    put(&mut voi, tags::WINDOW_CENTER, VR::DS, &WINDOW.0.to_string());
    put(&mut voi, tags::WINDOW_WIDTH, VR::DS, &WINDOW.1.to_string());
    put(
        &mut voi,
        tags::WINDOW_CENTER_WIDTH_EXPLANATION,
        VR::LO,
        "Bone",
    );
    sequence(obj, tags::SOFTCOPY_VOILUT_SEQUENCE, vec![voi]);
    // C.10.5 Graphic Annotation: a note at the finding, an arrow pointing at it and an
    // ellipse around it, all in image pixels (column, row).
    let mut text = InMemDicomObject::new_empty();
    put(
        &mut text,
        tags::BOUNDING_BOX_ANNOTATION_UNITS,
        VR::CS,
        "PIXEL",
    );
    put(
        &mut text,
        tags::ANCHOR_POINT_ANNOTATION_UNITS,
        VR::CS,
        "PIXEL",
    );
    put(&mut text, tags::UNFORMATTED_TEXT_VALUE, VR::ST, NOTE);
    floats(
        &mut text,
        tags::BOUNDING_BOX_TOP_LEFT_HAND_CORNER,
        &[300.0, 90.0],
    );
    floats(
        &mut text,
        tags::BOUNDING_BOX_BOTTOM_RIGHT_HAND_CORNER,
        &[500.0, 120.0],
    );
    put(
        &mut text,
        tags::BOUNDING_BOX_TEXT_HORIZONTAL_JUSTIFICATION,
        VR::CS,
        "LEFT",
    );
    floats(&mut text, tags::ANCHOR_POINT, &[256.0, 300.0]);
    put(&mut text, tags::ANCHOR_POINT_VISIBILITY, VR::CS, "N");
    let arrow = graphic("POLYLINE", &[340.0, 130.0, 270.0, 280.0]);
    let head = graphic("POLYLINE", &[268.0, 258.0, 270.0, 280.0, 286.0, 265.0]);
    let ellipse = graphic(
        "ELLIPSE",
        &[216.0, 300.0, 296.0, 300.0, 256.0, 280.0, 256.0, 320.0],
    );
    let mut annotation = InMemDicomObject::new_empty();
    sequence(
        &mut annotation,
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![image],
    );
    put(&mut annotation, tags::GRAPHIC_LAYER, VR::CS, "FINDINGS");
    sequence(&mut annotation, tags::TEXT_OBJECT_SEQUENCE, vec![text]);
    sequence(
        &mut annotation,
        tags::GRAPHIC_OBJECT_SEQUENCE,
        vec![arrow, head, ellipse],
    );
    sequence(obj, tags::GRAPHIC_ANNOTATION_SEQUENCE, vec![annotation]);
    // C.10.7 Graphic Layer.
    let mut layer = InMemDicomObject::new_empty();
    put(&mut layer, tags::GRAPHIC_LAYER, VR::CS, "FINDINGS");
    obj_put_is(&mut layer, tags::GRAPHIC_LAYER_ORDER, 1);
    put(
        &mut layer,
        tags::GRAPHIC_LAYER_DESCRIPTION,
        VR::LO,
        "Radiologist's findings",
    );
    sequence(obj, tags::GRAPHIC_LAYER_SEQUENCE, vec![layer]);
}

fn obj_put_sl(obj: &mut InMemDicomObject, tag: Tag, values: [i32; 2]) {
    obj.put(DataElement::new(
        tag,
        VR::SL,
        PrimitiveValue::I32(values.into_iter().collect()),
    ));
}

fn obj_put_is(obj: &mut InMemDicomObject, tag: Tag, value: i32) {
    put(obj, tag, VR::IS, &value.to_string());
}
