//! Generated instances parse back as DICOM and decode to the phantom pixels.

use dicom_dictionary_std::tags;
use dicom_object::from_reader;
use dicom_pixeldata::PixelDecoder;

use super::header::InstanceRef;
use super::*;
use crate::catalogue::{Catalogue, StudyDef};
use crate::patients::patient_index;

fn study<'a>(c: &'a Catalogue, nhs: &str, index: usize) -> &'a StudyDef {
    &c.studies[patient_index(nhs).unwrap()][index]
}

/// Instance `number` of the study's first series.
fn first_series(study: &StudyDef, number: u32) -> InstanceRef<'_> {
    InstanceRef {
        study,
        series: &study.series[0],
        number,
    }
}

/// An element's value as text, padding trimmed.
fn text(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim()
        .to_string()
}

fn pixel_data_len(obj: &dicom_object::InMemDicomObject) -> usize {
    obj.element(tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .len()
}

fn parse(bytes: &[u8]) -> dicom_object::DefaultDicomObject {
    assert_eq!(&bytes[128..132], b"DICM");
    from_reader(&bytes[128..]).unwrap()
}

fn decoded_matches_native(at: InstanceRef<'_>) {
    let obj = parse(&part10(at, Encoding::Stored).unwrap());
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        at.series.transfer_syntax
    );
    let decoded = obj.decode_pixel_data().unwrap();
    let native = native_frames(at).concat();
    assert_eq!(decoded.data().len(), native.len());
    if at.series.transfer_syntax != TS_JPEG_BASELINE {
        assert_eq!(decoded.data(), &native[..]);
    }
}

#[test]
fn every_stored_syntax_decodes_back() {
    let c = Catalogue::build();
    let cases = [
        ("9912003950", 0, 2, None),
        ("9912003950", 1, 1, Some(TS_RLE)),
        ("9912003950", 2, 1, Some(TS_JPEG_LS)),
        ("9912003888", 1, 1, Some(TS_JPEG_BASELINE)),
    ];
    for (nhs, index, number, syntax) in cases {
        let at = first_series(study(&c, nhs, index), number);
        if let Some(syntax) = syntax {
            assert_eq!(at.series.transfer_syntax, syntax);
        }
        decoded_matches_native(at);
    }
}

#[test]
fn native_encoding_and_patient_identity() {
    let c = Catalogue::build();
    let mr = study(&c, "9912003950", 2);
    let at = first_series(mr, 3);
    let obj = parse(&part10(at, Encoding::Native).unwrap());
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        TS_EXPLICIT_LE
    );
    assert_eq!(text(&obj, tags::PATIENT_ID), "9912003950");
    assert_eq!(text(&obj, tags::ISSUER_OF_PATIENT_ID), "NHS");
    assert_eq!(pixel_data_len(&obj), 192 * 192 * 2);
}

#[test]
fn wrong_patient_and_corrupt_instances_are_as_named() {
    let c = Catalogue::build();
    let ct = study(&c, "9912003918", 0);
    let ids: Vec<String> = (1..=ct.series[0].instances)
        .map(|n| {
            text(
                &header::instance_header(first_series(ct, n)),
                tags::PATIENT_ID,
            )
        })
        .collect();
    assert_eq!(ids.iter().filter(|id| *id == "9000000009").count(), 1);
    let ct = study(&c, "9912003934", 0);
    let at = first_series(ct, 2);
    let obj = parse(&part10(at, Encoding::Stored).unwrap());
    assert!(pixel_data_len(&obj) < 256 * 256 * 2);
}

#[test]
fn pdf_and_kos_documents() {
    let c = Catalogue::build();
    let doc = study(&c, "9912003888", 4);
    let at = first_series(doc, 1);
    let obj = parse(&part10(at, Encoding::Stored).unwrap());
    let pdf = obj
        .element(tags::ENCAPSULATED_DOCUMENT)
        .unwrap()
        .to_bytes()
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let mr = study(&c, "9912003888", 2);
    let kos =
        parse(&kos::kos_manifest(mr, "http://127.0.0.1:1/networks/midlands/dicomweb").unwrap());
    assert_eq!(
        kos.element(tags::SOP_CLASS_UID).unwrap().to_str().unwrap(),
        kos::KOS_SOP_CLASS
    );
    let evidence = kos
        .element(tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE)
        .unwrap();
    let items = evidence.items().unwrap();
    let series = items[0]
        .element(tags::REFERENCED_SERIES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(series.len(), 4);
    assert!(series[0]
        .element(tags::RETRIEVE_URL)
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("/dicomweb"));
    assert_eq!(
        series[0]
            .element(tags::REFERENCED_SOP_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
            .len(),
        24
    );
}

#[test]
fn the_rich_history_dx_carries_a_local_patient_id_and_the_nhs_number_in_other_ids() {
    use crate::history_plans::LOCAL_PATIENT_ID_STUDY;
    use nir_core::dicomweb::identity_match::IdentityMatch;
    use nir_core::dicomweb::verify::{verify_instance, Expectations};

    let c = Catalogue::build();
    let dx = study(&c, "9912003888", LOCAL_PATIENT_ID_STUDY);
    assert_eq!(dx.modality, "DX");
    let at = first_series(dx, 1);
    let bytes = part10(at, Encoding::Native).unwrap();
    let obj = parse(&bytes);
    assert_eq!(text(&obj, tags::PATIENT_ID), "H9912003");
    assert_ne!(text(&obj, tags::ISSUER_OF_PATIENT_ID), "NHS");
    let expectations = Expectations {
        nhs_number: nir_core::nhs_number::NhsNumber::parse("9912003888").unwrap(),
        study_uid: dx.uid.clone(),
    };
    let facts = verify_instance(&bytes, &expectations).unwrap();
    assert_eq!(facts.matched_by, Some(IdentityMatch::OtherPatientIds));
    // The patient's other studies still carry the NHS number as Patient ID.
    let ct = study(&c, "9912003888", 0);
    let ct_at = first_series(ct, 1);
    let ct_facts = verify_instance(
        &part10(ct_at, Encoding::Native).unwrap(),
        &Expectations {
            study_uid: ct.uid.clone(),
            ..expectations
        },
    )
    .unwrap();
    assert_eq!(ct_facts.matched_by, Some(IdentityMatch::PatientId));
}

#[test]
fn the_rich_cts_key_object_selection_flags_three_of_its_slices() {
    let c = Catalogue::build();
    let ct = study(&c, "9912003888", 0);
    let ko = &ct.series[1];
    assert_eq!((ko.modality, ko.instances), ("KO", 1));
    let at = InstanceRef {
        study: ct,
        series: ko,
        number: 1,
    };
    let obj = parse(&part10(at, Encoding::Stored).unwrap());
    assert_eq!(text(&obj, tags::SOP_CLASS_UID), kos::KOS_SOP_CLASS);
    assert_eq!(text(&obj, tags::MODALITY), "KO");
    let title = &obj
        .element(tags::CONCEPT_NAME_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0];
    assert_eq!(text(title, tags::CODE_MEANING), "Of Interest");
    let content = obj
        .element(tags::CONTENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    assert_eq!(text(&content[0], tags::VALUE_TYPE), "TEXT");
    assert_eq!(text(&content[0], tags::TEXT_VALUE), kos::KEY_DESCRIPTION);
    let referenced: Vec<String> = content[1..]
        .iter()
        .map(|item| {
            assert_eq!(text(item, tags::VALUE_TYPE), "IMAGE");
            let sop = &item
                .element(tags::REFERENCED_SOP_SEQUENCE)
                .unwrap()
                .items()
                .unwrap()[0];
            text(sop, tags::REFERENCED_SOP_INSTANCE_UID)
        })
        .collect();
    let expected: Vec<String> = kos::KEY_SLICES
        .iter()
        .map(|n| first_series(ct, *n).sop_uid())
        .collect();
    assert_eq!(referenced, expected);
    assert!(obj.element(tags::PIXEL_DATA).is_err());
}
