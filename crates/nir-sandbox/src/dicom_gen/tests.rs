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
    let small = study(&c, "9912003950", 0);
    decoded_matches_native(InstanceRef {
        study: small,
        series: &small.series[0],
        number: 2,
    });
    let cr = study(&c, "9912003950", 1);
    assert_eq!(cr.series[0].transfer_syntax, TS_RLE);
    decoded_matches_native(InstanceRef {
        study: cr,
        series: &cr.series[0],
        number: 1,
    });
    let mr = study(&c, "9912003950", 2);
    assert_eq!(mr.series[0].transfer_syntax, TS_JPEG_LS);
    decoded_matches_native(InstanceRef {
        study: mr,
        series: &mr.series[0],
        number: 1,
    });
    let us = study(&c, "9912003888", 1);
    assert_eq!(us.series[0].transfer_syntax, TS_JPEG_BASELINE);
    decoded_matches_native(InstanceRef {
        study: us,
        series: &us.series[0],
        number: 1,
    });
}

#[test]
fn native_encoding_and_patient_identity() {
    let c = Catalogue::build();
    let mr = study(&c, "9912003950", 2);
    let at = InstanceRef {
        study: mr,
        series: &mr.series[0],
        number: 3,
    };
    let obj = parse(&part10(at, Encoding::Native).unwrap());
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        TS_EXPLICIT_LE
    );
    assert_eq!(
        obj.element(tags::PATIENT_ID).unwrap().to_str().unwrap(),
        "9912003950"
    );
    assert_eq!(
        obj.element(tags::ISSUER_OF_PATIENT_ID)
            .unwrap()
            .to_str()
            .unwrap(),
        "NHS"
    );
    assert_eq!(
        obj.element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .len(),
        192 * 192 * 2
    );
}

#[test]
fn wrong_patient_and_corrupt_instances_are_as_named() {
    let c = Catalogue::build();
    let ct = study(&c, "9912003918", 0);
    let ids: Vec<String> = (1..=ct.series[0].instances)
        .map(|n| {
            let at = InstanceRef {
                study: ct,
                series: &ct.series[0],
                number: n,
            };
            header::instance_header(at)
                .element(tags::PATIENT_ID)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.iter().filter(|id| *id == "9000000009").count(), 1);
    let ct = study(&c, "9912003934", 0);
    let at = InstanceRef {
        study: ct,
        series: &ct.series[0],
        number: 2,
    };
    let obj = parse(&part10(at, Encoding::Stored).unwrap());
    let len = obj
        .element(tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .len();
    assert!(len < 256 * 256 * 2);
}

#[test]
fn pdf_and_kos_documents() {
    let c = Catalogue::build();
    let doc = study(&c, "9912003888", 4);
    let at = InstanceRef {
        study: doc,
        series: &doc.series[0],
        number: 1,
    };
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
    let at = InstanceRef {
        study: dx,
        series: &dx.series[0],
        number: 1,
    };
    let bytes = part10(at, Encoding::Native).unwrap();
    let obj = parse(&bytes);
    let text = |tag| {
        obj.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(text(tags::PATIENT_ID), "H9912003");
    assert_ne!(text(tags::ISSUER_OF_PATIENT_ID), "NHS");
    let expectations = Expectations {
        nhs_number: nir_core::nhs_number::NhsNumber::parse("9912003888").unwrap(),
        study_uid: dx.uid.clone(),
    };
    let facts = verify_instance(&bytes, &expectations).unwrap();
    assert_eq!(facts.matched_by, Some(IdentityMatch::OtherPatientIds));
    // The patient's other studies still carry the NHS number as Patient ID.
    let ct = study(&c, "9912003888", 0);
    let ct_at = InstanceRef {
        study: ct,
        series: &ct.series[0],
        number: 1,
    };
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
