//! DICOM Key Object Selection (KOS) documents (PS3.3 A.35.4): the manifest an ITI-39
//! retrieve returns for a study, an SR document listing every instance of the study
//! (Current Requested Procedure Evidence Sequence) with the network's WADO-RS base as
//! Retrieve URL; and, apart from it, the key-image KOS a study holds as its own series
//! ([`put_key_images`]), flagging a few slices of its CT as "Of Interest".

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::elements::{code_item, put_str, sequence};
use super::header::{sop_class_uid, InstanceRef};
use super::DicomGenError;
use crate::catalogue::{SeriesKind, StudyDef, TS_EXPLICIT_LE};
use crate::patients::PATIENTS;

/// SOP Class UID of Key Object Selection Document.
pub const KOS_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.88.59";

fn item(elements: Vec<(Tag, VR, String)>) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    for (tag, vr, value) in elements {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }
    obj
}

/// The Part-10 bytes of the KOS manifest of `study`, pointing at `wado_base`.
pub fn kos_manifest(study: &StudyDef, wado_base: &str) -> Result<Vec<u8>, DicomGenError> {
    let patient = PATIENTS.get(study.patient).copied().unwrap_or(PATIENTS[0]);
    let s = |v: &str| v.to_string();
    let mut obj = item(vec![
        (tags::SOP_CLASS_UID, VR::UI, s(KOS_SOP_CLASS)),
        (tags::SOP_INSTANCE_UID, VR::UI, study.manifest_uid.clone()),
        (tags::STUDY_DATE, VR::DA, s(study.date)),
        (tags::CONTENT_DATE, VR::DA, s(study.date)),
        (tags::STUDY_TIME, VR::TM, s("093000")),
        (tags::CONTENT_TIME, VR::TM, s("093000")),
        (tags::ACCESSION_NUMBER, VR::SH, study.accession.clone()),
        (tags::MODALITY, VR::CS, s("KO")),
        (tags::MANUFACTURER, VR::LO, s("NIR Sandbox")),
        (tags::REFERRING_PHYSICIAN_NAME, VR::PN, String::new()),
        (tags::PATIENT_NAME, VR::PN, s(patient.dicom_name)),
        (tags::PATIENT_ID, VR::LO, s(patient.nhs_number)),
        (tags::ISSUER_OF_PATIENT_ID, VR::LO, s("NHS")),
        (tags::PATIENT_BIRTH_DATE, VR::DA, s(patient.birth_date)),
        (tags::PATIENT_SEX, VR::CS, s(patient.sex)),
        (tags::STUDY_INSTANCE_UID, VR::UI, study.uid.clone()),
        (
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            format!("{}.0", study.manifest_uid),
        ),
        (tags::STUDY_ID, VR::SH, s("1")),
        (tags::SERIES_NUMBER, VR::IS, s("999")),
        (tags::INSTANCE_NUMBER, VR::IS, s("1")),
        (tags::VALUE_TYPE, VR::CS, s("CONTAINER")),
        (tags::CONTINUITY_OF_CONTENT, VR::CS, s("SEPARATE")),
    ]);
    sequence(
        &mut obj,
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![item(vec![
            (tags::CODE_VALUE, VR::SH, s("113030")),
            (tags::CODING_SCHEME_DESIGNATOR, VR::SH, s("DCM")),
            (tags::CODE_MEANING, VR::LO, s("Manifest")),
        ])],
    );
    sequence(
        &mut obj,
        tags::CONTENT_TEMPLATE_SEQUENCE,
        vec![item(vec![
            (tags::MAPPING_RESOURCE, VR::CS, s("DCMR")),
            (tags::TEMPLATE_IDENTIFIER, VR::CS, s("2010")),
        ])],
    );
    let mut series_items = Vec::new();
    let mut content = Vec::new();
    for series in &study.series {
        let mut sops = Vec::new();
        for number in 1..=series.instances {
            let sop = InstanceRef {
                study,
                series,
                number,
            }
            .sop_uid();
            let class = s(sop_class_uid(series.kind));
            sops.push(item(vec![
                (tags::REFERENCED_SOP_CLASS_UID, VR::UI, class.clone()),
                (tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, sop.clone()),
            ]));
            let mut entry = item(vec![
                (tags::RELATIONSHIP_TYPE, VR::CS, s("CONTAINS")),
                (tags::VALUE_TYPE, VR::CS, s("IMAGE")),
            ]);
            sequence(
                &mut entry,
                tags::REFERENCED_SOP_SEQUENCE,
                vec![item(vec![
                    (tags::REFERENCED_SOP_CLASS_UID, VR::UI, class),
                    (tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, sop),
                ])],
            );
            content.push(entry);
        }
        let mut series_item = item(vec![
            (tags::SERIES_INSTANCE_UID, VR::UI, series.uid.clone()),
            (tags::RETRIEVE_URL, VR::UR, s(wado_base)),
        ]);
        sequence(&mut series_item, tags::REFERENCED_SOP_SEQUENCE, sops);
        series_items.push(series_item);
    }
    let mut evidence = item(vec![(tags::STUDY_INSTANCE_UID, VR::UI, study.uid.clone())]);
    sequence(
        &mut evidence,
        tags::REFERENCED_SERIES_SEQUENCE,
        series_items,
    );
    sequence(
        &mut obj,
        tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
        vec![evidence],
    );
    sequence(&mut obj, tags::CONTENT_SEQUENCE, content);
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(TS_EXPLICIT_LE))
        .map_err(|e| DicomGenError::Build(study.manifest_uid.clone(), e.to_string()))?;
    let mut out = Vec::new();
    file.write_all(&mut out)
        .map_err(|e| DicomGenError::Build(study.manifest_uid.clone(), e.to_string()))?;
    Ok(out)
}

/// Instance Numbers of the CT slices the key-image KOS flags (the liver lesion's three).
pub const KEY_SLICES: [u32; 3] = [212, 214, 216];
/// Its document title (PS3.16 CID 7010 Key Object Selection Document Title).
pub const KEY_TITLE: (&str, &str) = ("113000", "Of Interest");
/// Its Key Object Description (PS3.16 TID 2010, concept (113012, DCM)).
pub const KEY_DESCRIPTION: &str =
    "Synthetic key images: 14 mm hypodense lesion in segment VI of the liver.";

/// Adds a key-image KOS's Key Object Document and SR Document Content modules (PS3.3
/// C.17.6, C.17.3) to `obj` (a header without an image module): the root CONTAINER titled
/// "Of Interest" (TID 2010), a TEXT Key Object Description and one IMAGE item per flagged
/// slice of the study's first CT series, each with its Referenced SOP Sequence; the
/// Current Requested Procedure Evidence Sequence lists the same instances (C.17.6.2.1).
pub fn put_key_images(obj: &mut InMemDicomObject, study: &StudyDef) {
    let (title_code, title) = KEY_TITLE;
    put_str(obj, tags::VALUE_TYPE, VR::CS, "CONTAINER");
    put_str(obj, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
    sequence(
        obj,
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code_item(title_code, "DCM", title)],
    );
    sequence(
        obj,
        tags::CONTENT_TEMPLATE_SEQUENCE,
        vec![item(vec![
            (tags::MAPPING_RESOURCE, VR::CS, "DCMR".into()),
            (tags::TEMPLATE_IDENTIFIER, VR::CS, "2010".into()),
        ])],
    );
    let mut description = InMemDicomObject::new_empty();
    put_str(
        &mut description,
        tags::RELATIONSHIP_TYPE,
        VR::CS,
        "CONTAINS",
    );
    put_str(&mut description, tags::VALUE_TYPE, VR::CS, "TEXT");
    sequence(
        &mut description,
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code_item("113012", "DCM", "Key Object Description")],
    );
    put_str(&mut description, tags::TEXT_VALUE, VR::UT, KEY_DESCRIPTION);
    let mut content = vec![description];
    let mut evidence = Vec::new();
    if let Some(ct) = study.series.iter().find(|s| s.kind == SeriesKind::Ct) {
        let class = sop_class_uid(ct.kind).to_owned();
        let reference = |number: u32| {
            let sop = InstanceRef {
                study,
                series: ct,
                number,
            }
            .sop_uid();
            item(vec![
                (tags::REFERENCED_SOP_CLASS_UID, VR::UI, class.clone()),
                (tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, sop),
            ])
        };
        let slices = KEY_SLICES.iter().copied().filter(|n| *n <= ct.instances);
        for number in slices.clone() {
            let mut entry = InMemDicomObject::new_empty();
            put_str(&mut entry, tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS");
            put_str(&mut entry, tags::VALUE_TYPE, VR::CS, "IMAGE");
            sequence(
                &mut entry,
                tags::REFERENCED_SOP_SEQUENCE,
                vec![reference(number)],
            );
            content.push(entry);
        }
        let mut series_item = item(vec![(tags::SERIES_INSTANCE_UID, VR::UI, ct.uid.clone())]);
        sequence(
            &mut series_item,
            tags::REFERENCED_SOP_SEQUENCE,
            slices.map(reference).collect(),
        );
        let mut study_item = item(vec![(tags::STUDY_INSTANCE_UID, VR::UI, study.uid.clone())]);
        sequence(
            &mut study_item,
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![series_item],
        );
        evidence.push(study_item);
    }
    sequence(
        obj,
        tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
        evidence,
    );
    sequence(obj, tags::CONTENT_SEQUENCE, content);
}
