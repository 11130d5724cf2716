//! A small DICOM Key Object Selection document generated for the tests (DICOM PS3.3
//! A.35.4: Patient, General Study, Key Object Document Series, Key Object Document, SR
//! Document Content and SOP Common modules), naming one study, one series with its WADO-RS
//! Retrieve URL, and one image, with synthetic identifiers only; and the FHIR JSON of a
//! report.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub const KOS_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.88.59";
pub const STUDY_UID: &str = "2.999.9.77.1";
pub const WADO_BASE: &str = "https://pacs.example/dicomweb";

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn sequence(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// A code sequence item (PS3.3 Table 8.8-1): value, coding scheme and meaning.
fn code(value: &str, scheme: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(
        [
            (tags::CODE_VALUE, VR::SH, value),
            (tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme),
            (tags::CODE_MEANING, VR::LO, meaning),
        ]
        .map(|(tag, vr, text)| DataElement::new(tag, vr, PrimitiveValue::from(text))),
    )
}

/// The manifest's bytes (a Part 10 file, Explicit VR Little Endian).
pub fn manifest(nhs_number: &str) -> Vec<u8> {
    manifest_at(nhs_number, WADO_BASE)
}

/// The manifest, its series retrievable at `wado_base`.
pub fn manifest_at(nhs_number: &str, wado_base: &str) -> Vec<u8> {
    let image_class = "1.2.840.10008.5.1.4.1.1.2";
    let image_uid = "2.999.9.77.1.1.1";
    let mut sop = InMemDicomObject::new_empty();
    put(
        &mut sop,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        image_class,
    );
    put(
        &mut sop,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        image_uid,
    );
    let mut series = InMemDicomObject::new_empty();
    put(
        &mut series,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        "2.999.9.77.1.1",
    );
    put(&mut series, tags::RETRIEVE_URL, VR::UR, wado_base);
    sequence(
        &mut series,
        tags::REFERENCED_SOP_SEQUENCE,
        vec![sop.clone()],
    );
    let mut evidence = InMemDicomObject::new_empty();
    put(&mut evidence, tags::STUDY_INSTANCE_UID, VR::UI, STUDY_UID);
    sequence(
        &mut evidence,
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![series],
    );

    let mut image_item = InMemDicomObject::new_empty();
    put(&mut image_item, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
    put(&mut image_item, tags::VALUE_TYPE, VR::CS, "IMAGE");
    sequence(&mut image_item, tags::REFERENCED_SOP_SEQUENCE, vec![sop]);

    let mut kos = InMemDicomObject::new_empty();
    put(&mut kos, tags::SOP_CLASS_UID, VR::UI, KOS_SOP_CLASS);
    put(&mut kos, tags::SOP_INSTANCE_UID, VR::UI, "2.999.9.77.2");
    put(&mut kos, tags::STUDY_DATE, VR::DA, "20240102");
    put(&mut kos, tags::STUDY_TIME, VR::TM, "101500");
    put(&mut kos, tags::ACCESSION_NUMBER, VR::SH, "GW0001");
    put(&mut kos, tags::MODALITY, VR::CS, "KO");
    put(&mut kos, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "");
    put(&mut kos, tags::PATIENT_NAME, VR::PN, "TEST^GATEWAY");
    put(&mut kos, tags::PATIENT_ID, VR::LO, nhs_number);
    put(&mut kos, tags::PATIENT_BIRTH_DATE, VR::DA, "19700101");
    put(&mut kos, tags::PATIENT_SEX, VR::CS, "O");
    put(&mut kos, tags::STUDY_INSTANCE_UID, VR::UI, STUDY_UID);
    put(&mut kos, tags::STUDY_ID, VR::SH, "1");
    put(&mut kos, tags::SERIES_INSTANCE_UID, VR::UI, "2.999.9.77.3");
    put(&mut kos, tags::SERIES_NUMBER, VR::IS, "99");
    sequence(
        &mut kos,
        tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
        Vec::new(),
    );
    put(&mut kos, tags::INSTANCE_NUMBER, VR::IS, "1");
    put(&mut kos, tags::CONTENT_DATE, VR::DA, "20240102");
    put(&mut kos, tags::CONTENT_TIME, VR::TM, "101600");
    sequence(
        &mut kos,
        tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
        vec![evidence],
    );
    put(&mut kos, tags::VALUE_TYPE, VR::CS, "CONTAINER");
    sequence(
        &mut kos,
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code("113030", "DCM", "Manifest")],
    );
    put(&mut kos, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
    sequence(&mut kos, tags::CONTENT_SEQUENCE, vec![image_item]);
    let file = kos
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid(KOS_SOP_CLASS)
                .media_storage_sop_instance_uid("2.999.9.77.2"),
        )
        .unwrap();
    let mut out = Vec::new();
    file.write_all(&mut out).unwrap();
    out
}

/// A FHIR R4 DiagnosticReport, as a gateway may return a report.
pub fn report_json() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": {"text": "CT head report"},
        "conclusion": "Synthetic report for tests."
    }))
    .unwrap()
}
