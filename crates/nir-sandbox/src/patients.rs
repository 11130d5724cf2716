//! The sandbox's synthetic patients: one fixed, valid NHS number per named scenario, with
//! a made-up name and the plain-language description published in the discovery document.
//! Nothing here is a real person; the numbers are the published NHS test numbers or
//! numbers chosen in the same unallocated ranges.

use serde::Serialize;

/// The behaviour a patient's records exhibit, named exactly as in the scenario table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Studies across three networks over years, reports, an MDT outcome and a care plan.
    RichHistory,
    /// Every network answers, with no records.
    NoRecords,
    /// The "south" network never answers; the others do.
    NetworkUnavailable,
    /// Discovery refuses with 403.
    AccessDenied,
    /// The first discovery request per flavour answers 429, later ones succeed.
    RateLimited,
    /// Discovery answers after about three seconds; WADO responses trickle.
    SlowNetwork,
    /// One instance of the first study carries another patient's PatientID.
    WrongPatientInstance,
    /// Series and study retrieves of the first study are cut mid-part.
    TruncatedTransfer,
    /// One instance's Pixel Data is shorter than its header says.
    CorruptPixels,
    /// Report pointers only, no studies.
    ReportOnly,
    /// With `--require-auth`, each token's first data request answers 401 (expired).
    TokenExpiry,
}

impl Scenario {
    /// The kebab-case name used in the discovery document and the docs.
    pub fn name(self) -> &'static str {
        match self {
            Self::RichHistory => "rich-history",
            Self::NoRecords => "no-records",
            Self::NetworkUnavailable => "network-unavailable",
            Self::AccessDenied => "access-denied",
            Self::RateLimited => "rate-limited",
            Self::SlowNetwork => "slow-network",
            Self::WrongPatientInstance => "wrong-patient-instance",
            Self::TruncatedTransfer => "truncated-transfer",
            Self::CorruptPixels => "corrupt-pixels",
            Self::ReportOnly => "report-only",
            Self::TokenExpiry => "token-expiry",
        }
    }
}

/// One synthetic patient.
#[derive(Debug, Clone, Copy)]
pub struct Patient {
    /// Ten digits, valid modulus-11.
    pub nhs_number: &'static str,
    /// What this patient's records are for.
    pub scenario: Scenario,
    /// DICOM person name (family^given).
    pub dicom_name: &'static str,
    /// Given name, for FHIR display text.
    pub given_name: &'static str,
    /// DICOM date of birth.
    pub birth_date: &'static str,
    /// DICOM sex (M/F/O).
    pub sex: &'static str,
    /// What a tester sees in the discovery document.
    pub description: &'static str,
}

/// The NHS number a wrong-patient instance carries instead of its own.
pub const WRONG_PATIENT_ID: &str = "9000000009";

/// The scenario table, in a fixed order (the index is used to derive UIDs).
pub const PATIENTS: [Patient; 11] = [
    Patient {
        nhs_number: "9912003888",
        scenario: Scenario::RichHistory,
        dicom_name: "TRAINING^ALEX",
        given_name: "Alex",
        birth_date: "19580214",
        sex: "F",
        description: "Imaging history across three networks over six years: CT (400 slices) \
                      and its prior CT sharing one frame of reference, MR (three series), CR \
                      with a structured report, DX filed under the provider's local number \
                      (the NHS number in Other Patient IDs), colour ultrasound cine, an encapsulated \
                      PDF, reports, an MDT outcome and a care plan",
    },
    Patient {
        nhs_number: "9000000009",
        scenario: Scenario::NoRecords,
        dicom_name: "TRAINING^BLAKE",
        given_name: "Blake",
        birth_date: "19711103",
        sex: "M",
        description: "Every network answers; no imaging records",
    },
    Patient {
        nhs_number: "9000000017",
        scenario: Scenario::NetworkUnavailable,
        dicom_name: "TRAINING^CASEY",
        given_name: "Casey",
        birth_date: "19830622",
        sex: "F",
        description: "South Imaging Network does not answer: partial results naming it",
    },
    Patient {
        nhs_number: "9278693472",
        scenario: Scenario::AccessDenied,
        dicom_name: "TRAINING^DREW",
        given_name: "Drew",
        birth_date: "19490930",
        sex: "M",
        description: "Discovery refuses access (HTTP 403)",
    },
    Patient {
        nhs_number: "6700028191",
        scenario: Scenario::RateLimited,
        dicom_name: "TRAINING^EDEN",
        given_name: "Eden",
        birth_date: "19900117",
        sex: "F",
        description: "First discovery request per flavour answers 429 with Retry-After: 1",
    },
    Patient {
        nhs_number: "4409815415",
        scenario: Scenario::SlowNetwork,
        dicom_name: "TRAINING^FINLEY",
        given_name: "Finley",
        birth_date: "19660405",
        sex: "M",
        description: "Discovery answers after about 3 s; image retrieval trickles in",
    },
    Patient {
        nhs_number: "9912003918",
        scenario: Scenario::WrongPatientInstance,
        dicom_name: "TRAINING^GRAY",
        given_name: "Gray",
        birth_date: "19771208",
        sex: "O",
        description: "One instance of the CT study carries another patient's PatientID",
    },
    Patient {
        nhs_number: "9912003926",
        scenario: Scenario::TruncatedTransfer,
        dicom_name: "TRAINING^HARPER",
        given_name: "Harper",
        birth_date: "19850719",
        sex: "F",
        description: "Series and study retrieves of the CT study are cut mid-part",
    },
    Patient {
        nhs_number: "9912003934",
        scenario: Scenario::CorruptPixels,
        dicom_name: "TRAINING^INDIGO",
        given_name: "Indigo",
        birth_date: "19620228",
        sex: "M",
        description: "One CT instance's Pixel Data is shorter than its header says",
    },
    Patient {
        nhs_number: "9912003942",
        scenario: Scenario::ReportOnly,
        dicom_name: "TRAINING^JORDAN",
        given_name: "Jordan",
        birth_date: "19550811",
        sex: "F",
        description: "Report pointers only (diagnostic report and MDT outcome), no studies",
    },
    Patient {
        nhs_number: "9912003950",
        scenario: Scenario::TokenExpiry,
        dicom_name: "TRAINING^KAI",
        given_name: "Kai",
        birth_date: "19940326",
        sex: "M",
        description: "With --require-auth, each access token's first data request answers \
                      401 (expired), forcing a refresh; otherwise a small normal history",
    },
];

/// The index of the patient with these ten digits, if the sandbox knows them.
pub fn patient_index(nhs_digits: &str) -> Option<usize> {
    PATIENTS.iter().position(|p| p.nhs_number == nhs_digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nir_core::nhs_number::NhsNumber;

    #[test]
    fn every_number_is_valid_and_unique() {
        for (i, p) in PATIENTS.iter().enumerate() {
            assert!(NhsNumber::parse(p.nhs_number).is_ok(), "{}", p.nhs_number);
            assert_eq!(patient_index(p.nhs_number), Some(i));
        }
        assert!(NhsNumber::parse(WRONG_PATIENT_ID).is_ok());
    }

    #[test]
    fn scenario_names_match_serde() {
        for p in PATIENTS {
            let json = serde_json::to_value(p.scenario).unwrap();
            assert_eq!(json, p.scenario.name());
        }
    }
}
