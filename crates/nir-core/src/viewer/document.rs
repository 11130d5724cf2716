//! Reports held inside a study as DICOM instances: an Encapsulated PDF (its document served
//! to the in-window PDF renderer from memory) and Structured Reports (Basic Text, Enhanced
//! and Comprehensive SR), whose content tree is turned into readable indented text. The
//! instance comes from the vault or is fetched into it; nothing is written to disk.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::ViewerError;
use crate::imaging::source::parse_dicom;

/// Encapsulated PDF Storage.
pub const ENCAPSULATED_PDF: &str = "1.2.840.10008.5.1.4.1.1.104.1";
/// Structured report classes read as text: Basic Text, Enhanced, Comprehensive,
/// Comprehensive 3D.
pub const SR_CLASSES: [&str; 4] = [
    "1.2.840.10008.5.1.4.1.1.88.11",
    "1.2.840.10008.5.1.4.1.1.88.22",
    "1.2.840.10008.5.1.4.1.1.88.33",
    "1.2.840.10008.5.1.4.1.1.88.34",
];

/// Deepest content tree level read (SR trees may nest by reference; this bounds the walk).
const MAX_DEPTH: usize = 16;
/// Most content items read from one SR.
const MAX_ITEMS: usize = 10_000;

/// What kind of non-image instance a SOP class is, if the viewer shows it: a report (`pdf`,
/// `sr`), a presentation state (`pr`) or a Key Object Selection (`ko`: its key images, not
/// a report).
pub fn document_kind(sop_class: &str) -> Option<&'static str> {
    let class = sop_class.trim_end_matches(['\0', ' ']);
    if class == ENCAPSULATED_PDF {
        Some("pdf")
    } else if SR_CLASSES.contains(&class) {
        Some("sr")
    } else if class == super::presentation_state::GSPS_CLASS {
        // Not a report: a presentation state, offered on the images it names.
        Some("pr")
    } else if class == super::key_images::KEY_OBJECT_SELECTION {
        // Key images (PS3.3 A.35.4): read by `key_images`, never drawn as an image series.
        Some("ko")
    } else {
        None
    }
}

/// A document read from an instance.
#[derive(Debug, Default, PartialEq)]
pub(super) struct StudyDocument {
    pub title: Option<String>,
    pub date: Option<String>,
    pub author: Option<String>,
    pub text: String,
    pub pdf: Option<Vec<u8>>,
}

pub(super) fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.element(tag).ok()?.to_str().ok()?;
    let value = value.trim_end_matches(['\0', ' ']).trim().to_owned();
    (!value.is_empty()).then_some(value)
}

pub(super) fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.element(tag)
        .ok()
        .and_then(|e| e.items())
        .unwrap_or_default()
}

pub(super) fn code_meaning(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    items(obj, tag)
        .first()
        .and_then(|item| text(item, tags::CODE_MEANING))
}

fn date_of(obj: &InMemDicomObject) -> Option<String> {
    let raw = text(obj, tags::CONTENT_DATE).or_else(|| text(obj, tags::STUDY_DATE))?;
    Some(match raw.len() {
        8 => format!("{}-{}-{}", &raw[..4], &raw[4..6], &raw[6..]),
        _ => raw,
    })
}

/// Reads a PDF or SR instance held in memory.
pub(super) fn read_document(bytes: &[u8]) -> Result<StudyDocument, ViewerError> {
    let parsed = parse_dicom(bytes)?;
    let obj = &parsed.dataset;
    let sop_class = text(obj, tags::SOP_CLASS_UID).unwrap_or_default();
    let unreadable = |why: &str| ViewerError::Report(why.to_owned());
    match document_kind(&sop_class) {
        Some("pdf") => {
            let pdf = obj
                .element(tags::ENCAPSULATED_DOCUMENT)
                .ok()
                .and_then(|e| e.to_bytes().ok())
                .ok_or_else(|| unreadable("the encapsulated document is missing"))?
                .into_owned();
            // The document may carry one padding byte; a PDF still starts with its header.
            if !pdf.starts_with(b"%PDF-") {
                return Err(unreadable("its encapsulated document is not a PDF"));
            }
            Ok(StudyDocument {
                title: text(obj, tags::DOCUMENT_TITLE),
                date: date_of(obj),
                author: text(obj, tags::INSTITUTION_NAME),
                text: String::new(),
                pdf: Some(pdf),
            })
        }
        Some("sr") => {
            let mut lines = Vec::new();
            let mut budget = MAX_ITEMS;
            for item in items(obj, tags::CONTENT_SEQUENCE) {
                walk(item, 0, &mut lines, &mut budget);
            }
            if lines.is_empty() {
                return Err(unreadable(
                    "its structured report holds no readable content",
                ));
            }
            let author = items(obj, tags::AUTHOR_OBSERVER_SEQUENCE)
                .first()
                .and_then(|a| text(a, tags::PERSON_NAME))
                .or_else(|| text(obj, tags::INSTITUTION_NAME));
            Ok(StudyDocument {
                title: code_meaning(obj, tags::CONCEPT_NAME_CODE_SEQUENCE),
                date: date_of(obj),
                author,
                text: lines.join("\n"),
                pdf: None,
            })
        }
        _ => Err(unreadable("it is neither a PDF nor a structured report")),
    }
}

/// One content item as a line (`Name: value`), its children indented below it.
fn walk(item: &InMemDicomObject, depth: usize, lines: &mut Vec<String>, budget: &mut usize) {
    if depth > MAX_DEPTH || *budget == 0 {
        return;
    }
    *budget -= 1;
    let name = code_meaning(item, tags::CONCEPT_NAME_CODE_SEQUENCE);
    let value_type = text(item, tags::VALUE_TYPE).unwrap_or_default();
    let value = match value_type.as_str() {
        "TEXT" => text(item, tags::TEXT_VALUE),
        "CODE" => code_meaning(item, tags::CONCEPT_CODE_SEQUENCE),
        "NUM" => items(item, tags::MEASURED_VALUE_SEQUENCE).first().map(|m| {
            let number = text(m, tags::NUMERIC_VALUE).unwrap_or_default();
            let units = items(m, tags::MEASUREMENT_UNITS_CODE_SEQUENCE)
                .first()
                .and_then(|u| text(u, tags::CODE_VALUE));
            match units.as_deref() {
                Some(units) if units != "1" => format!("{number} {units}"),
                _ => number,
            }
        }),
        "DATE" => text(item, tags::DATE),
        "TIME" => text(item, tags::TIME),
        "DATETIME" => text(item, tags::DATE_TIME),
        "PNAME" => text(item, tags::PERSON_NAME).map(|n| super::display_name(&n)),
        "UIDREF" => text(item, tags::UID),
        _ => None,
    };
    let indent = "  ".repeat(depth);
    match (name, value) {
        (Some(name), Some(value)) => lines.push(format!("{indent}{name}: {value}")),
        (None, Some(value)) => lines.push(format!("{indent}{value}")),
        (Some(name), None) if value_type == "CONTAINER" => lines.push(format!("{indent}{name}")),
        _ => {}
    }
    for child in items(item, tags::CONTENT_SEQUENCE) {
        walk(child, depth + 1, lines, budget);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, VR};

    fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }

    fn code(meaning: &str) -> InMemDicomObject {
        let mut c = InMemDicomObject::new_empty();
        put(&mut c, tags::CODE_VALUE, VR::SH, "X");
        put(&mut c, tags::CODING_SCHEME_DESIGNATOR, VR::SH, "99TEST");
        put(&mut c, tags::CODE_MEANING, VR::LO, meaning);
        c
    }

    fn seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
        obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
    }

    fn content(value_type: &str, name: &str) -> InMemDicomObject {
        let mut item = InMemDicomObject::new_empty();
        put(&mut item, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
        put(&mut item, tags::VALUE_TYPE, VR::CS, value_type);
        seq(
            &mut item,
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code(name)],
        );
        item
    }

    fn part10(obj: InMemDicomObject, sop_class: &str) -> Vec<u8> {
        let mut obj = obj;
        put(&mut obj, tags::SOP_CLASS_UID, VR::UI, sop_class);
        put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "2.999.9.1");
        crate::dicomweb::synthetic::part10(obj).unwrap()
    }

    #[test]
    fn an_sr_content_tree_reads_as_indented_text() {
        let mut root = InMemDicomObject::new_empty();
        put(&mut root, tags::VALUE_TYPE, VR::CS, "CONTAINER");
        put(&mut root, tags::CONTENT_DATE, VR::DA, "20220607");
        seq(
            &mut root,
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("Imaging report")],
        );
        let mut findings = content("CONTAINER", "Findings");
        let mut finding = content("TEXT", "Finding");
        put(&mut finding, tags::TEXT_VALUE, VR::UT, "Normal brain.");
        let mut size = content("NUM", "Lesion size");
        let mut measured = InMemDicomObject::new_empty();
        put(&mut measured, tags::NUMERIC_VALUE, VR::DS, "14");
        let mut mm = code("millimetre");
        put(&mut mm, tags::CODE_VALUE, VR::SH, "mm");
        seq(
            &mut measured,
            tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
            vec![mm],
        );
        seq(&mut size, tags::MEASURED_VALUE_SEQUENCE, vec![measured]);
        seq(&mut findings, tags::CONTENT_SEQUENCE, vec![finding, size]);
        let mut impression = content("CODE", "Impression");
        seq(
            &mut impression,
            tags::CONCEPT_CODE_SEQUENCE,
            vec![code("Normal")],
        );
        seq(
            &mut root,
            tags::CONTENT_SEQUENCE,
            vec![findings, impression],
        );
        let document = read_document(&part10(root, SR_CLASSES[2])).unwrap();
        assert_eq!(document.title.as_deref(), Some("Imaging report"));
        assert_eq!(document.date.as_deref(), Some("2022-06-07"));
        assert_eq!(
            document.text,
            "Findings\n  Finding: Normal brain.\n  Lesion size: 14 mm\nImpression: Normal"
        );
        assert_eq!(document.pdf, None);
    }

    #[test]
    fn an_encapsulated_pdf_gives_its_document() {
        let mut obj = InMemDicomObject::new_empty();
        put(&mut obj, tags::DOCUMENT_TITLE, VR::ST, "Outside report");
        obj.put(DataElement::new(
            tags::ENCAPSULATED_DOCUMENT,
            VR::OB,
            PrimitiveValue::from(b"%PDF-1.4 x\n".to_vec()),
        ));
        let document = read_document(&part10(obj, ENCAPSULATED_PDF)).unwrap();
        assert_eq!(document.title.as_deref(), Some("Outside report"));
        assert!(document.pdf.unwrap().starts_with(b"%PDF-1.4"));
    }

    #[test]
    fn other_instances_and_fake_pdfs_are_refused() {
        let mut obj = InMemDicomObject::new_empty();
        obj.put(DataElement::new(
            tags::ENCAPSULATED_DOCUMENT,
            VR::OB,
            PrimitiveValue::from(b"<html>".to_vec()),
        ));
        assert!(read_document(&part10(obj, ENCAPSULATED_PDF)).is_err());
        let image = InMemDicomObject::new_empty();
        assert!(read_document(&part10(image, "1.2.840.10008.5.1.4.1.1.2")).is_err());
        assert!(read_document(b"not dicom").is_err());
        let empty_sr = InMemDicomObject::new_empty();
        assert!(read_document(&part10(empty_sr, SR_CLASSES[0])).is_err());
        assert_eq!(document_kind("1.2.840.10008.5.1.4.1.1.88.22"), Some("sr"));
        assert_eq!(document_kind("1.2.840.10008.5.1.4.1.1.88.59"), Some("ko"));
        assert_eq!(document_kind("1.2.840.10008.5.1.4.1.1.2"), None);
        assert_eq!(document_kind("1.2.840.10008.5.1.4.1.1.11.1"), Some("pr"));
        // A presentation state is not read as a report.
        let state = InMemDicomObject::new_empty();
        assert!(read_document(&part10(state, "1.2.840.10008.5.1.4.1.1.11.1")).is_err());
    }
}
