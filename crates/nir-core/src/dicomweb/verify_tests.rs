use super::*;
use crate::dicomweb::synthetic::SyntheticInstance;

const NHS: &str = "9912003888";
const STUDY: &str = "2.25.77";

fn expectations() -> Expectations {
    Expectations {
        nhs_number: NhsNumber::parse(NHS).unwrap(),
        study_uid: STUDY.into(),
    }
}

fn slice() -> SyntheticInstance {
    SyntheticInstance::slice(NHS, STUDY, 1, 1, 8)
}

#[test]
fn admits_a_matching_instance() {
    let facts = verify_instance(&slice().to_part10().unwrap(), &expectations()).unwrap();
    assert_eq!(facts.sop_instance_uid, "2.25.77.1.1");
    assert_eq!(facts.series_uid, "2.25.77.1");
    assert_eq!(facts.transfer_syntax, "1.2.840.10008.1.2.1");
}

#[test]
fn quarantines_another_patients_instance() {
    let mut other = slice();
    other.patient_id = "9000000009".into();
    assert_eq!(
        verify_instance(&other.to_part10().unwrap(), &expectations()),
        Err(QuarantineReason::WrongPatient)
    );
    let mut foreign_issuer = slice();
    foreign_issuer.issuer = "HOSPITAL-MRN".into();
    assert_eq!(
        verify_instance(&foreign_issuer.to_part10().unwrap(), &expectations()),
        Err(QuarantineReason::WrongIssuer)
    );
}

#[test]
fn admits_a_local_patient_id_with_the_nhs_number_in_other_patient_ids() {
    let mut local = slice();
    local.patient_id = "RX1-0042137".into();
    local.issuer = "RX1-PAS".into();
    local.other_patient_ids = vec![
        ("RX1-0042137".into(), "RX1-PAS".into()),
        (NHS.into(), "NHS".into()),
    ];
    let facts = verify_instance(&local.to_part10().unwrap(), &expectations()).unwrap();
    assert_eq!(facts.matched_by, Some(IdentityMatch::OtherPatientIds));
    let plain = verify_instance(&slice().to_part10().unwrap(), &expectations()).unwrap();
    assert_eq!(plain.matched_by, Some(IdentityMatch::PatientId));
}

#[test]
fn still_quarantines_a_real_mismatch_in_other_patient_ids() {
    let mut local = slice();
    local.patient_id = "RX1-0042137".into();
    local.issuer = "RX1-PAS".into();
    local.other_patient_ids = vec![("9000000009".into(), "NHS".into())];
    assert_eq!(
        verify_instance(&local.to_part10().unwrap(), &expectations()),
        Err(QuarantineReason::WrongPatient)
    );
    let mut matching_but_contradicted = slice();
    matching_but_contradicted.other_patient_ids = vec![("9000000009".into(), "NHS".into())];
    assert_eq!(
        verify_instance(
            &matching_but_contradicted.to_part10().unwrap(),
            &expectations()
        ),
        Err(QuarantineReason::WrongPatient)
    );
}

#[test]
fn quarantines_an_instance_of_another_study() {
    let other = SyntheticInstance::slice(NHS, "2.25.78", 1, 1, 8);
    assert_eq!(
        verify_instance(&other.to_part10().unwrap(), &expectations()),
        Err(QuarantineReason::WrongStudy)
    );
}

#[test]
fn quarantines_short_pixel_data() {
    let mut corrupt = slice();
    corrupt.pixel_bytes_missing = 20;
    assert_eq!(
        verify_instance(&corrupt.to_part10().unwrap(), &expectations()),
        Err(QuarantineReason::PixelDataLength {
            expected: 128,
            actual: 108
        })
    );
}

#[test]
fn quarantines_bytes_that_are_not_dicom_or_cut_short() {
    let bytes = slice().to_part10().unwrap();
    for broken in [
        &b"not dicom at all"[..],
        &bytes[..bytes.len() - 40],
        &bytes[..200],
    ] {
        assert!(verify_instance(broken, &expectations()).is_err());
    }
}
