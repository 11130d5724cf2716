//! Which of an instance's patient identifiers carries the pointer's NHS number. Many
//! providers keep their local hospital number in Patient ID (0010,0020), with their own
//! Issuer of Patient ID (0010,0021), and the NHS number in an item of Other Patient IDs
//! Sequence (0010,1002) whose issuer is the NHS (DICOM PS3.3 C.7.1.1, Patient Module: each
//! item holds a Patient ID, its Issuer of Patient ID and optionally the Issuer of Patient
//! ID Qualifiers Sequence (0010,0024) with a Universal Entity ID (0040,0032), here the NHS
//! number OID 2.16.840.1.113883.2.1.4.1). Such an instance belongs to the patient. An
//! NHS-issued identifier anywhere that names someone else is a real mismatch and always
//! quarantines, whichever identifier matched; a number found only without an NHS issuer
//! in Other Patient IDs proves nothing and is not used.

use serde::Serialize;

use super::verify::QuarantineReason;

/// Issuers under which a patient identifier is an NHS number: the text form, the NHS
/// number OID (as Issuer of Patient ID or Universal Entity ID) and the FHIR system.
pub const NHS_ISSUERS: &[&str] = &[
    "NHS",
    "2.16.840.1.113883.2.1.4.1",
    "https://fhir.nhs.uk/Id/nhs-number",
];

/// One patient identifier as the instance states it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatedIdentifier {
    /// Patient ID (0010,0020), trimmed.
    pub id: String,
    /// Issuer of Patient ID (0010,0021), trimmed; empty when absent.
    pub issuer: String,
    /// Universal Entity ID (0040,0032) of the Issuer of Patient ID Qualifiers Sequence.
    pub universal_issuer: String,
}

impl StatedIdentifier {
    /// Whether an issuer is stated at all.
    fn has_issuer(&self) -> bool {
        !self.issuer.is_empty() || !self.universal_issuer.is_empty()
    }

    /// Whether a stated issuer is the NHS.
    fn issued_by_nhs(&self) -> bool {
        [&self.issuer, &self.universal_issuer].iter().any(|issuer| {
            NHS_ISSUERS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(issuer))
        })
    }
}

/// Which identifier carried the NHS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityMatch {
    /// Patient ID itself (with an NHS issuer, or none stated).
    PatientId,
    /// An NHS-issued item of Other Patient IDs Sequence; Patient ID is a local number.
    OtherPatientIds,
}

/// Decides whether the instance stating `primary` and `others` belongs to the patient with
/// `nhs_digits`.
pub fn match_identity(
    nhs_digits: &str,
    primary: &StatedIdentifier,
    others: &[StatedIdentifier],
) -> Result<IdentityMatch, QuarantineReason> {
    let nhs_others: Vec<&StatedIdentifier> = others
        .iter()
        .filter(|other| other.issued_by_nhs())
        .collect();
    // An NHS-issued identifier of someone else is a mismatch, whatever else matches.
    let primary_is_nhs = primary.issued_by_nhs();
    if (primary_is_nhs && primary.id != nhs_digits)
        || nhs_others.iter().any(|other| other.id != nhs_digits)
    {
        return Err(QuarantineReason::WrongPatient);
    }
    // Patient ID without a stated issuer has always been read as the NHS number.
    if primary.id == nhs_digits && (primary_is_nhs || !primary.has_issuer()) {
        return Ok(IdentityMatch::PatientId);
    }
    if !nhs_others.is_empty() {
        return Ok(IdentityMatch::OtherPatientIds);
    }
    Err(if primary.has_issuer() {
        QuarantineReason::WrongIssuer
    } else {
        QuarantineReason::WrongPatient
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NHS: &str = "9912003888";

    fn id(id: &str, issuer: &str) -> StatedIdentifier {
        StatedIdentifier {
            id: id.into(),
            issuer: issuer.into(),
            universal_issuer: String::new(),
        }
    }

    #[test]
    fn patient_id_with_an_nhs_issuer_or_none_matches() {
        for issuer in ["NHS", "nhs", "2.16.840.1.113883.2.1.4.1", ""] {
            assert_eq!(
                match_identity(NHS, &id(NHS, issuer), &[]),
                Ok(IdentityMatch::PatientId),
                "{issuer:?}"
            );
        }
    }

    #[test]
    fn a_local_patient_id_with_the_nhs_number_in_other_patient_ids_matches() {
        let local = id("RX1-0042137", "RX1-PAS");
        assert_eq!(
            match_identity(NHS, &local, &[id(NHS, "NHS")]),
            Ok(IdentityMatch::OtherPatientIds)
        );
        let qualified = StatedIdentifier {
            id: NHS.into(),
            issuer: String::new(),
            universal_issuer: "2.16.840.1.113883.2.1.4.1".into(),
        };
        assert_eq!(
            match_identity(NHS, &local, &[id("123", "OTHER-PAS"), qualified]),
            Ok(IdentityMatch::OtherPatientIds)
        );
    }

    #[test]
    fn a_local_patient_id_alone_is_the_wrong_issuer() {
        assert_eq!(
            match_identity(NHS, &id("RX1-0042137", "RX1-PAS"), &[]),
            Err(QuarantineReason::WrongIssuer)
        );
        // The NHS number without an NHS issuer in Other Patient IDs proves nothing.
        assert_eq!(
            match_identity(NHS, &id("RX1-0042137", "RX1-PAS"), &[id(NHS, "")]),
            Err(QuarantineReason::WrongIssuer)
        );
    }

    #[test]
    fn an_nhs_number_of_someone_else_anywhere_is_a_mismatch() {
        let other = "9000000009";
        assert_eq!(
            match_identity(NHS, &id(other, "NHS"), &[id(NHS, "NHS")]),
            Err(QuarantineReason::WrongPatient)
        );
        assert_eq!(
            match_identity(NHS, &id(NHS, "NHS"), &[id(other, "NHS")]),
            Err(QuarantineReason::WrongPatient)
        );
        assert_eq!(
            match_identity(
                NHS,
                &id("RX1-1", "RX1-PAS"),
                &[id(NHS, "NHS"), id(other, "NHS")]
            ),
            Err(QuarantineReason::WrongPatient)
        );
        assert_eq!(
            match_identity(NHS, &id(other, ""), &[]),
            Err(QuarantineReason::WrongPatient)
        );
    }
}
