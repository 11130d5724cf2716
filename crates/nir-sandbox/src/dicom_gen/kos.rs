//! The DICOM Key Object Selection (KOS) manifest an ITI-39 retrieve returns for a study:
//! an SR document listing every instance of the study (Current Requested Procedure
//! Evidence Sequence) with the network's WADO-RS base as Retrieve URL.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::elements::sequence;
use super::header::{sop_class_uid, InstanceRef};
use super::DicomGenError;
use crate::catalogue::{StudyDef, TS_EXPLICIT_LE};
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
