//! Small builders the generators share: a text attribute, a sequence of items, and a Code
//! Sequence Macro item (DICOM PS3.3 Table 8.8-1: Code Value, Coding Scheme Designator,
//! Code Meaning).

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Puts a text value (or an empty one) under `tag`.
pub fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

/// Puts a sequence of `items` under `tag`.
pub fn sequence(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// One coded concept, as an item of a code sequence.
pub fn code_item(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(
        [
            (tags::CODE_VALUE, VR::SH, value),
            (tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
            (tags::CODE_MEANING, VR::LO, meaning),
        ]
        .map(|(tag, vr, text)| DataElement::new(tag, vr, PrimitiveValue::from(text))),
    )
}
