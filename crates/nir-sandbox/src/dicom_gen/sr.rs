//! A Basic Text SR report for a synthetic study: the SR Document module (a CONTAINER titled
//! "Diagnostic imaging report") holding Findings and Impressions as TEXT content items, so
//! that viewers can be tested on structured reports held inside a study.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Basic Text SR Storage.
pub const BASIC_TEXT_SR: &str = "1.2.840.10008.5.1.4.1.1.88.11";

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    put(&mut item, tags::CODE_VALUE, VR::SH, value);
    put(&mut item, tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    put(&mut item, tags::CODE_MEANING, VR::LO, meaning);
    item
}

fn sequence(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

fn named(value_type: &str, concept: InMemDicomObject) -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    put(&mut item, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
    put(&mut item, tags::VALUE_TYPE, VR::CS, value_type);
    sequence(&mut item, tags::CONCEPT_NAME_CODE_SEQUENCE, vec![concept]);
    item
}

fn section(title: InMemDicomObject, entry: InMemDicomObject, text: &str) -> InMemDicomObject {
    let mut container = named("CONTAINER", title);
    put(
        &mut container,
        tags::CONTINUITY_OF_CONTENT,
        VR::CS,
        "SEPARATE",
    );
    let mut item = named("TEXT", entry);
    put(&mut item, tags::TEXT_VALUE, VR::UT, text);
    sequence(&mut container, tags::CONTENT_SEQUENCE, vec![item]);
    container
}

/// Adds the SR Document module to `obj` (a header without an image module).
pub fn put_report(obj: &mut InMemDicomObject, findings: &str, impression: &str) {
    put(obj, tags::VALUE_TYPE, VR::CS, "CONTAINER");
    put(obj, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
    put(obj, tags::COMPLETION_FLAG, VR::CS, "COMPLETE");
    put(obj, tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED");
    sequence(
        obj,
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code("18748-4", "LN", "Diagnostic imaging report")],
    );
    sequence(
        obj,
        tags::CONTENT_SEQUENCE,
        vec![
            section(
                code("121070", "DCM", "Findings"),
                code("121071", "DCM", "Finding"),
                findings,
            ),
            section(
                code("121072", "DCM", "Impressions"),
                code("121073", "DCM", "Impression"),
                impression,
            ),
        ],
    );
}
