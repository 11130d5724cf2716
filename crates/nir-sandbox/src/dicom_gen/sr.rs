//! A Basic Text SR report for a synthetic study: the SR Document module (a CONTAINER titled
//! "Diagnostic imaging report") holding Findings and Impressions as TEXT content items, so
//! that viewers can be tested on structured reports held inside a study.

use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::elements::{code_item as code, put_str as put, sequence};

/// Basic Text SR Storage.
pub const BASIC_TEXT_SR: &str = "1.2.840.10008.5.1.4.1.1.88.11";

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
