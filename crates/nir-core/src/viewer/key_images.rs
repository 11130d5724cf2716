//! Key images: a Key Object Selection (KOS) document held in a study (PS3.3 A.35.4, SOP
//! class 1.2.840.10008.5.1.4.1.1.88.59) read into sets of flagged images, each with its
//! title (the root concept, PS3.16 CID 7010, e.g. (113000, DCM, "Of Interest")), its Key
//! Object Description (TID 2010, TEXT item (113012, DCM)) and the images its IMAGE items
//! reference, mapped to the places (series and image index) of the open study's stacks.
//!
//! The document is read from the retrieved instance (from the vault, or fetched into it),
//! not from the study's metadata: the instance has passed the same identity and study
//! checks as every image before it is read, the full content tree is always in it (a
//! DICOMweb server may leave long sequences out of metadata), and the study layout stays
//! a flat list of images. A reference to an image the study does not hold is left out and
//! counted; a malformed document gives a warning, never a panic; every count is bounded.

use std::collections::{HashMap, HashSet};

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::document::{code_meaning, items, text};
use super::study::StackEntry;
use super::views::{KeyImageSetView, KeyImageView, KeyImagesView};
use super::{ViewerError, ViewerSession};
use crate::dicomweb::StudyLayout;
use crate::imaging::source::parse_dicom;

/// Key Object Selection Document Storage (PS3.4 B.5).
pub const KEY_OBJECT_SELECTION: &str = "1.2.840.10008.5.1.4.1.1.88.59";
/// Concept name of the Key Object Description TEXT item (PS3.16 TID 2010, DCM 113012).
const KEY_OBJECT_DESCRIPTION: &str = "113012";
/// Document titles of rejection notes (PS3.16 CID 7011, IHE IOCM): such a KOS withdraws the
/// images it names rather than flagging them as key images.
const REJECTION_TITLES: [&str; 4] = ["113001", "113037", "113038", "113039"];
/// Most KOS instances read from one study.
pub const MAX_DOCUMENTS: usize = 32;
/// Most image references read from one document.
pub const MAX_REFERENCES: usize = 2_000;
/// Most content items visited in one document.
const MAX_ITEMS: usize = 10_000;
/// Deepest content tree level walked (TID 2010 puts images at the first level).
const MAX_DEPTH: usize = 8;
/// Longest title or description kept, in characters.
const MAX_TEXT: usize = 1_024;

/// One IMAGE content item: the instance and, for a multi-frame image, its frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ImageReference {
    /// Referenced SOP Instance UID (0008,1155).
    pub sop_instance_uid: String,
    /// Referenced Frame Number (0008,1160), 1-based; empty for every frame (PS3.3 Table
    /// 10-3, Image SOP Instance Reference Macro).
    pub frames: Vec<u32>,
}

/// A key object document as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyObjectDocument {
    /// Document title: the root Concept Name's Code Meaning.
    pub title: String,
    /// Whether the title is a rejection note's (CID 7011), not a key image selection's.
    pub rejection: bool,
    /// Key Object Description, when present.
    pub description: Option<String>,
    /// The images referenced, in document order.
    pub references: Vec<ImageReference>,
    /// Instances listed in the Current Requested Procedure Evidence Sequence (0040,A375)
    /// (PS3.3 C.17.6.2.1: every instance the content references is listed there).
    pub evidence: HashSet<String>,
    /// References left out because the document held more than [`MAX_REFERENCES`].
    pub dropped: usize,
}

fn clip(text: String) -> String {
    if text.chars().count() > MAX_TEXT {
        text.chars().take(MAX_TEXT).collect()
    } else {
        text
    }
}

/// Reads a KOS instance held in memory.
pub(super) fn read_key_objects(bytes: &[u8]) -> Result<KeyObjectDocument, ViewerError> {
    let parsed = parse_dicom(bytes)?;
    let obj = &parsed.dataset;
    let unreadable = |why: &str| ViewerError::Report(why.to_owned());
    if text(obj, tags::SOP_CLASS_UID).as_deref() != Some(KEY_OBJECT_SELECTION) {
        return Err(unreadable("it is not a key object selection"));
    }
    // PS3.3 C.17.3: the root content item is a CONTAINER; its concept is the title.
    if text(obj, tags::VALUE_TYPE).as_deref() != Some("CONTAINER") {
        return Err(unreadable("its root content item is not a container"));
    }
    let title = code_meaning(obj, tags::CONCEPT_NAME_CODE_SEQUENCE)
        .ok_or_else(|| unreadable("it has no document title"))?;
    let title_code = items(obj, tags::CONCEPT_NAME_CODE_SEQUENCE)
        .first()
        .and_then(|c| text(c, tags::CODE_VALUE))
        .unwrap_or_default();
    let mut document = KeyObjectDocument {
        title: clip(title),
        rejection: REJECTION_TITLES.contains(&title_code.as_str()),
        description: None,
        references: Vec::new(),
        evidence: evidence_of(obj),
        dropped: 0,
    };
    let mut budget = MAX_ITEMS;
    walk(obj, 0, &mut document, &mut budget);
    if document.references.is_empty() {
        return Err(unreadable("it references no images"));
    }
    Ok(document)
}

/// The SOP Instance UIDs of the Hierarchical SOP Instance Reference Macro (PS3.3 Table
/// C.17-3) in the Current Requested Procedure Evidence Sequence, bounded.
fn evidence_of(obj: &InMemDicomObject) -> HashSet<String> {
    let mut out = HashSet::new();
    for study in items(obj, tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE) {
        for series in items(study, tags::REFERENCED_SERIES_SEQUENCE) {
            for sop in items(series, tags::REFERENCED_SOP_SEQUENCE) {
                if out.len() >= MAX_ITEMS {
                    return out;
                }
                if let Some(uid) = text(sop, tags::REFERENCED_SOP_INSTANCE_UID) {
                    out.insert(uid);
                }
            }
        }
    }
    out
}

/// Collects the description and the IMAGE items below `node` (TID 2010 rows 3 and 4).
fn walk(
    node: &InMemDicomObject,
    depth: usize,
    document: &mut KeyObjectDocument,
    budget: &mut usize,
) {
    if depth >= MAX_DEPTH {
        return;
    }
    for item in items(node, tags::CONTENT_SEQUENCE) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match text(item, tags::VALUE_TYPE).as_deref() {
            Some("TEXT") if document.description.is_none() => {
                let concept = items(item, tags::CONCEPT_NAME_CODE_SEQUENCE)
                    .first()
                    .and_then(|c| text(c, tags::CODE_VALUE));
                if concept.as_deref() == Some(KEY_OBJECT_DESCRIPTION) {
                    document.description = text(item, tags::TEXT_VALUE).map(clip);
                }
            }
            Some("IMAGE") => {
                for sop in items(item, tags::REFERENCED_SOP_SEQUENCE) {
                    let Some(uid) = text(sop, tags::REFERENCED_SOP_INSTANCE_UID) else {
                        continue;
                    };
                    if document.references.len() >= MAX_REFERENCES {
                        document.dropped += 1;
                        continue;
                    }
                    document.references.push(ImageReference {
                        sop_instance_uid: uid,
                        frames: frame_numbers(sop),
                    });
                }
            }
            _ => {}
        }
        walk(item, depth + 1, document, budget);
    }
}

/// Referenced Frame Number (IS, multi-valued), bounded; values that are not positive
/// integers are left out.
fn frame_numbers(sop: &InMemDicomObject) -> Vec<u32> {
    text(sop, tags::REFERENCED_FRAME_NUMBER)
        .map(|raw| {
            raw.split('\\')
                .take(MAX_REFERENCES)
                .filter_map(|n| n.trim().parse::<u32>().ok())
                .filter(|n| *n > 0)
                .collect()
        })
        .unwrap_or_default()
}

/// Where one image of the study sits: series index, index in its stack, frame (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    pub series: usize,
    pub index: usize,
    pub frame: u32,
}

/// The places of every image of the study, by SOP Instance UID.
pub(super) fn places_of(
    layout: &StudyLayout,
    stacks: &[Vec<StackEntry>],
) -> HashMap<String, Vec<Place>> {
    let mut out: HashMap<String, Vec<Place>> = HashMap::new();
    for (series_index, (series, stack)) in layout.series.iter().zip(stacks).enumerate() {
        for (index, entry) in stack.iter().enumerate() {
            if let Some(instance) = series.instances.get(entry.instance) {
                out.entry(instance.sop_instance_uid.clone())
                    .or_default()
                    .push(Place {
                        series: series_index,
                        index,
                        frame: entry.frame,
                    });
            }
        }
    }
    out
}

/// The places a document's references point at, in document order without repeats, and
/// how many references (or referenced frames) the study does not hold.
pub(super) fn resolve(
    document: &KeyObjectDocument,
    places: &HashMap<String, Vec<Place>>,
) -> (Vec<Place>, usize) {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut missing = 0;
    for reference in &document.references {
        let Some(held) = places.get(&reference.sop_instance_uid) else {
            missing += 1;
            continue;
        };
        let chosen: Vec<Place> = if reference.frames.is_empty() {
            held.clone()
        } else {
            reference
                .frames
                .iter()
                .filter_map(|n| {
                    let place = held.iter().find(|p| p.frame + 1 == *n).copied();
                    if place.is_none() {
                        missing += 1;
                    }
                    place
                })
                .collect()
        };
        for place in chosen {
            if found.len() < MAX_REFERENCES && seen.insert((place.series, place.index)) {
                found.push(place);
            }
        }
    }
    (found, missing)
}

/// Whether the instances of a series are key object documents (all its instances).
fn is_key_object_series(series: &crate::dicomweb::SeriesLayout) -> bool {
    !series.instances.is_empty()
        && series.instances.iter().all(|i| {
            i.sop_class_uid
                .as_deref()
                .is_some_and(|c| c.trim_end_matches(['\0', ' ']) == KEY_OBJECT_SELECTION)
        })
}

impl ViewerSession {
    /// Reads the key object documents of an open study into sets of key images, with a
    /// warning for each document that cannot be read and for references the study does
    /// not hold. A study without a KOS answers no sets.
    pub async fn key_images(&self, study_key: &str) -> Result<KeyImagesView, ViewerError> {
        let (layout, stacks) = self.with_study(study_key, |_, study| {
            (std::sync::Arc::clone(&study.layout), study.stacks.clone())
        })?;
        let places = places_of(&layout, &stacks);
        let mut view = KeyImagesView::default();
        let mut read = 0;
        for (series_index, series) in layout.series.iter().enumerate() {
            if !is_key_object_series(series) {
                continue;
            }
            for (index, _) in stacks.get(series_index).into_iter().flatten().enumerate() {
                if read >= MAX_DOCUMENTS {
                    view.warnings.push(format!(
                        "This study holds more than {MAX_DOCUMENTS} key image notes; only the first {MAX_DOCUMENTS} are shown."
                    ));
                    return Ok(view);
                }
                read += 1;
                let document = match self.instance_bytes(study_key, series_index, index).await {
                    Ok((_, bytes, _, _)) => {
                        super::study::blocking(move || read_key_objects(bytes.as_bytes())).await
                    }
                    Err(e) => Err(e),
                };
                let document = match document {
                    Ok(document) => document,
                    Err(ViewerError::PatientChanged) => return Err(ViewerError::PatientChanged),
                    Err(ViewerError::StudyClosed) => return Err(ViewerError::StudyClosed),
                    Err(e) => {
                        let why = match e {
                            ViewerError::Report(why) => why,
                            other => other.to_string(),
                        };
                        view.warnings.push(format!(
                            "A key image note in this study could not be read: {why}."
                        ));
                        continue;
                    }
                };
                if document.rejection {
                    // Not key images: the provider has withdrawn these images. They are
                    // still shown (hiding them is not done yet), so the clinician is told.
                    view.warnings.push(format!(
                        "This study holds a note marking {} image(s) \u{201c}{}\u{201d}; they are still shown here. Check with the provider before relying on them.",
                        document.references.len() + document.dropped,
                        document.title
                    ));
                    continue;
                }
                let (found, missing) = resolve(&document, &places);
                if missing + document.dropped > 0 {
                    view.warnings.push(format!(
                        "The key image note \u{201c}{}\u{201d} refers to {} image(s) not in this study; they are not marked.",
                        document.title,
                        missing + document.dropped
                    ));
                }
                let unlisted = document
                    .references
                    .iter()
                    .filter(|r| !document.evidence.contains(&r.sop_instance_uid))
                    .count();
                if unlisted > 0 {
                    view.warnings.push(format!(
                        "The key image note \u{201c}{}\u{201d} does not list {unlisted} of its images in its evidence; check them against the report.",
                        document.title
                    ));
                }
                view.sets.push(KeyImageSetView {
                    series_key: series_index.to_string(),
                    title: document.title,
                    description: document.description,
                    images: found
                        .into_iter()
                        .map(|p| KeyImageView {
                            series_key: p.series.to_string(),
                            index: p.index,
                        })
                        .collect(),
                });
            }
        }
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, Tag, VR};

    fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }

    fn seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
        obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
    }

    fn code(value: &str, meaning: &str) -> InMemDicomObject {
        let mut c = InMemDicomObject::new_empty();
        put(&mut c, tags::CODE_VALUE, VR::SH, value);
        put(&mut c, tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM");
        put(&mut c, tags::CODE_MEANING, VR::LO, meaning);
        c
    }

    fn sop(uid: &str, frames: Option<&str>) -> InMemDicomObject {
        let mut s = InMemDicomObject::new_empty();
        put(
            &mut s,
            tags::REFERENCED_SOP_CLASS_UID,
            VR::UI,
            "1.2.840.10008.5.1.4.1.1.2",
        );
        put(&mut s, tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, uid);
        if let Some(frames) = frames {
            put(&mut s, tags::REFERENCED_FRAME_NUMBER, VR::IS, frames);
        }
        s
    }

    fn image(uid: &str, frames: Option<&str>) -> InMemDicomObject {
        let mut item = InMemDicomObject::new_empty();
        put(&mut item, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
        put(&mut item, tags::VALUE_TYPE, VR::CS, "IMAGE");
        seq(
            &mut item,
            tags::REFERENCED_SOP_SEQUENCE,
            vec![sop(uid, frames)],
        );
        item
    }

    fn description(text: &str) -> InMemDicomObject {
        let mut item = InMemDicomObject::new_empty();
        put(&mut item, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
        put(&mut item, tags::VALUE_TYPE, VR::CS, "TEXT");
        seq(
            &mut item,
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("113012", "Key Object Description")],
        );
        put(&mut item, tags::TEXT_VALUE, VR::UT, text);
        item
    }

    /// A KOS titled "Of Interest" with `content`, listing `evidence` as its evidence.
    fn kos(content: Vec<InMemDicomObject>, evidence: &[&str]) -> Vec<u8> {
        titled(("113000", "Of Interest"), content, evidence)
    }

    fn titled(
        (value, meaning): (&str, &str),
        content: Vec<InMemDicomObject>,
        evidence: &[&str],
    ) -> Vec<u8> {
        let mut obj = InMemDicomObject::new_empty();
        put(&mut obj, tags::SOP_CLASS_UID, VR::UI, KEY_OBJECT_SELECTION);
        put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "2.999.9.7");
        put(&mut obj, tags::VALUE_TYPE, VR::CS, "CONTAINER");
        seq(
            &mut obj,
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code(value, meaning)],
        );
        let mut series = InMemDicomObject::new_empty();
        put(&mut series, tags::SERIES_INSTANCE_UID, VR::UI, "2.999.9.2");
        seq(
            &mut series,
            tags::REFERENCED_SOP_SEQUENCE,
            evidence.iter().map(|u| sop(u, None)).collect(),
        );
        let mut study = InMemDicomObject::new_empty();
        seq(&mut study, tags::REFERENCED_SERIES_SEQUENCE, vec![series]);
        seq(
            &mut obj,
            tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
            vec![study],
        );
        seq(&mut obj, tags::CONTENT_SEQUENCE, content);
        crate::dicomweb::synthetic::part10(obj).unwrap()
    }

    #[test]
    fn reads_the_title_description_and_referenced_images() {
        let bytes = kos(
            vec![
                description("Liver lesion"),
                image("1.1", None),
                image("1.2", Some("2\\3")),
            ],
            &["1.1", "1.2"],
        );
        let document = read_key_objects(&bytes).unwrap();
        assert_eq!(document.title, "Of Interest");
        assert!(!document.rejection);
        assert_eq!(document.description.as_deref(), Some("Liver lesion"));
        assert_eq!(
            document.references,
            vec![
                ImageReference {
                    sop_instance_uid: "1.1".into(),
                    frames: vec![]
                },
                ImageReference {
                    sop_instance_uid: "1.2".into(),
                    frames: vec![2, 3]
                },
            ]
        );
        assert!(document.evidence.contains("1.2"));
    }

    #[test]
    fn malformed_documents_are_refused_with_a_reason() {
        let no_images = kos(vec![description("Nothing")], &[]);
        assert!(matches!(
            read_key_objects(&no_images),
            Err(ViewerError::Report(why)) if why.contains("no images")
        ));
        let mut not_kos = InMemDicomObject::new_empty();
        put(
            &mut not_kos,
            tags::SOP_CLASS_UID,
            VR::UI,
            "1.2.840.10008.5.1.4.1.1.2",
        );
        put(&mut not_kos, tags::SOP_INSTANCE_UID, VR::UI, "2.999.9.8");
        let not_kos = crate::dicomweb::synthetic::part10(not_kos).unwrap();
        assert!(read_key_objects(&not_kos).is_err());
        assert!(read_key_objects(b"not dicom at all").is_err());
        let bytes = kos(vec![image("1.1", None)], &["1.1"]);
        for cut in [0, 10, 132, bytes.len() / 2, bytes.len() - 3] {
            let _ = read_key_objects(&bytes[..cut]);
        }
    }

    #[test]
    fn a_rejection_note_is_not_read_as_key_images() {
        let bytes = titled(
            ("113001", "Rejected for Quality Reasons"),
            vec![image("1.1", None)],
            &["1.1"],
        );
        let document = read_key_objects(&bytes).unwrap();
        assert!(document.rejection);
        assert_eq!(document.title, "Rejected for Quality Reasons");
    }

    #[test]
    fn references_are_bounded() {
        let many: Vec<_> = (0..MAX_REFERENCES + 5)
            .map(|n| image(&format!("1.{n}"), None))
            .collect();
        let document = read_key_objects(&kos(many, &[])).unwrap();
        assert_eq!(document.references.len(), MAX_REFERENCES);
        assert_eq!(document.dropped, 5);
    }

    fn places() -> HashMap<String, Vec<Place>> {
        let at = |series, index, frame| Place {
            series,
            index,
            frame,
        };
        HashMap::from([
            ("1.1".to_owned(), vec![at(0, 4, 0)]),
            (
                "1.2".to_owned(),
                vec![at(1, 0, 0), at(1, 1, 1), at(1, 2, 2)],
            ),
        ])
    }

    #[test]
    fn references_map_to_the_slices_and_frames_they_name() {
        let document = read_key_objects(&kos(
            vec![
                image("1.2", Some("3")),
                image("1.1", None),
                image("1.1", None),
            ],
            &["1.1", "1.2"],
        ))
        .unwrap();
        let (found, missing) = resolve(&document, &places());
        let at: Vec<(usize, usize)> = found.iter().map(|p| (p.series, p.index)).collect();
        // The third frame of the multi-frame image is its stack's third entry, not its first.
        assert_eq!(at, vec![(1, 2), (0, 4)]);
        assert_eq!(missing, 0);
        // No frame numbers: every frame of the instance.
        let whole = read_key_objects(&kos(vec![image("1.2", None)], &["1.2"])).unwrap();
        assert_eq!(resolve(&whole, &places()).0.len(), 3);
    }

    #[test]
    fn references_outside_the_study_are_counted_not_mapped() {
        let document = read_key_objects(&kos(
            vec![
                image("9.9", None),
                image("1.2", Some("7")),
                image("1.1", None),
            ],
            &["9.9", "1.2", "1.1"],
        ))
        .unwrap();
        let (found, missing) = resolve(&document, &places());
        assert_eq!(found.len(), 1);
        assert_eq!(missing, 2);
    }
}
