//! The data-quality check every instance passes before it may be displayed: it belongs to
//! the patient of the pointer (Patient ID and issuer), to the study that was asked for,
//! is announced by the study's metadata, and — for native encodings — carries exactly the
//! pixel bytes its header promises (measured in place, see [`super::pixel_data_span`]).
//! Before the header is parsed, every length it declares is checked against the bytes that
//! arrived ([`crate::imaging::declared_lengths`]). An instance that fails is quarantined with
//! a [`QuarantineReason`]; it is never shown, and the study carries a warning.

use dicom_dictionary_std::tags;
use dicom_object::file::{OpenFileOptions, ReadPreamble};
use dicom_object::InMemDicomObject;
use serde::Serialize;

use super::identity_match::{match_identity, IdentityMatch, StatedIdentifier};
use super::pixel_data_span::{locate, PixelDataSpan};
use crate::imaging::declared_lengths::{check_declared_lengths, Scope};
use crate::nhs_number::NhsNumber;

/// What an instance must match.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// NHS number of the pointer the study came from.
    pub nhs_number: NhsNumber,
    /// Study Instance UID of the pointer.
    pub study_uid: String,
}

/// Most Other Patient IDs Sequence items looked at (a hostile header could list many).
const MAX_OTHER_IDS: usize = 32;

/// Transfer syntaxes whose Pixel Data is stored uncompressed.
const NATIVE_SYNTAXES: &[&str] = &[
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
];

/// Why an instance was not admitted. Texts name no patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum QuarantineReason {
    /// Not a readable DICOM Part-10 instance.
    #[error("the instance could not be read as DICOM: {detail}")]
    Unreadable {
        /// The parser's finding.
        detail: String,
    },
    /// Patient ID differs from the pointer's NHS number.
    #[error("the instance belongs to a different patient")]
    WrongPatient,
    /// Issuer of Patient ID is not the NHS.
    #[error("the instance's patient ID was issued by someone other than the NHS")]
    WrongIssuer,
    /// Study Instance UID differs from the pointer's.
    #[error("the instance belongs to a different study")]
    WrongStudy,
    /// The metadata does not list this instance.
    #[error("the instance is not listed in the study's metadata")]
    NotInMetadata,
    /// Another instance with the same SOP Instance UID but different content arrived.
    #[error("another instance with the same SOP Instance UID was already received")]
    DuplicateSopInstance,
    /// Native Pixel Data shorter or longer than rows × columns × frames × samples × bits.
    #[error("the pixel data holds {actual} bytes where {expected} were expected")]
    PixelDataLength {
        /// rows × columns × frames × samples × bits / 8.
        expected: u64,
        /// What the instance holds.
        actual: u64,
    },
    /// Encapsulated Pixel Data without any fragment.
    #[error("the compressed pixel data is empty")]
    EmptyPixelData,
    /// Received bytes are not a complete instance (the transfer was cut).
    #[error("the instance arrived incomplete")]
    Incomplete,
}

/// Identity of a received instance (fields empty when they could not be read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceFacts {
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// Series Instance UID.
    pub series_uid: String,
    /// Transfer syntax of the received bytes.
    pub transfer_syntax: String,
    /// Which identifier carried the NHS number (`None` when none did).
    pub matched_by: Option<IdentityMatch>,
}

/// The result of checking one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What could be read of its identity.
    pub facts: InstanceFacts,
    /// Why it must be withheld, if it must.
    pub problem: Option<QuarantineReason>,
}

/// [`check_instance`] as a `Result`.
pub fn verify_instance(
    bytes: &[u8],
    expectations: &Expectations,
) -> Result<InstanceFacts, QuarantineReason> {
    let verdict = check_instance(bytes, expectations);
    match verdict.problem {
        None => Ok(verdict.facts),
        Some(problem) => Err(problem),
    }
}

/// Reads `bytes` as a Part-10 instance and checks it against `expectations`. Checks that
/// need the whole study (announced by metadata, duplicates, counts) are the caller's.
pub fn check_instance(bytes: &[u8], expectations: &Expectations) -> Verdict {
    // Lengths the reader would allocate are checked against the bytes present first.
    if let Err(error) = check_declared_lengths(bytes, Scope::BeforePixelData) {
        return Verdict {
            facts: InstanceFacts::default(),
            problem: Some(QuarantineReason::Unreadable {
                detail: error.to_string(),
            }),
        };
    }
    // Only the header: Pixel Data is measured in place, never copied.
    let object = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Auto)
        .read_until(tags::PIXEL_DATA)
        .from_reader(bytes);
    let object = match object {
        Ok(object) => object,
        Err(error) => {
            return Verdict {
                facts: InstanceFacts::default(),
                problem: Some(QuarantineReason::Unreadable {
                    detail: error.to_string(),
                }),
            }
        }
    };
    let text = |tag| text_of(&object, tag);
    let number = |tag| {
        object
            .element_opt(tag)
            .ok()
            .flatten()
            .and_then(|element| element.to_int::<u64>().ok())
    };
    let primary = stated_identifier(&object);
    let others: Vec<StatedIdentifier> = object
        .element_opt(tags::OTHER_PATIENT_I_DS_SEQUENCE)
        .ok()
        .flatten()
        .and_then(|element| element.items())
        .map(|items| {
            items
                .iter()
                .take(MAX_OTHER_IDS)
                .map(stated_identifier)
                .collect()
        })
        .unwrap_or_default();
    let identity = match_identity(&expectations.nhs_number.as_digits(), &primary, &others);
    let study_uid = text(tags::STUDY_INSTANCE_UID).unwrap_or_default();
    let mut facts = InstanceFacts {
        sop_instance_uid: text(tags::SOP_INSTANCE_UID).unwrap_or_default(),
        series_uid: text(tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        transfer_syntax: object
            .meta()
            .transfer_syntax()
            .trim_end_matches(['\0', ' '])
            .to_string(),
        matched_by: None,
    };
    let expected_pixels = number(tags::ROWS).unwrap_or(0)
        * number(tags::COLUMNS).unwrap_or(0)
        * number(tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1)
        * number(tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1)
        * number(tags::BITS_ALLOCATED).unwrap_or(0)
        / 8;
    let pixel_check = check_pixel_data(
        locate(bytes, &facts.transfer_syntax),
        &facts.transfer_syntax,
        expected_pixels,
    );
    let matched_by = identity.as_ref().ok().copied();
    let problem = first_problem(expectations, &facts, identity, &study_uid, pixel_check);
    if problem.is_ok() {
        facts.matched_by = matched_by;
    }
    Verdict {
        facts,
        problem: problem.err(),
    }
}

/// A text attribute of `object`, padding trimmed; `None` when absent or unreadable.
fn text_of(object: &InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    object
        .element_opt(tag)
        .ok()
        .flatten()
        .and_then(|element| element.to_str().ok())
        .map(|value| value.trim_end_matches(['\0', ' ']).trim().to_string())
}

/// Patient ID, its issuer and the issuer's Universal Entity ID as `object` states them.
fn stated_identifier(object: &InMemDicomObject) -> StatedIdentifier {
    let text = |object: &InMemDicomObject, tag| text_of(object, tag).unwrap_or_default();
    let universal_issuer = object
        .element_opt(tags::ISSUER_OF_PATIENT_ID_QUALIFIERS_SEQUENCE)
        .ok()
        .flatten()
        .and_then(|element| element.items())
        .and_then(|items| items.first())
        .map(|qualifiers| text(qualifiers, tags::UNIVERSAL_ENTITY_ID))
        .unwrap_or_default();
    StatedIdentifier {
        id: text(object, tags::PATIENT_ID),
        issuer: text(object, tags::ISSUER_OF_PATIENT_ID),
        universal_issuer,
    }
}

fn first_problem(
    expectations: &Expectations,
    facts: &InstanceFacts,
    identity: Result<IdentityMatch, QuarantineReason>,
    study_uid: &str,
    pixel_check: Result<(), QuarantineReason>,
) -> Result<(), QuarantineReason> {
    identity?;
    if study_uid != expectations.study_uid {
        return Err(QuarantineReason::WrongStudy);
    }
    if facts.sop_instance_uid.is_empty() {
        return Err(QuarantineReason::Unreadable {
            detail: "no SOP Instance UID".into(),
        });
    }
    pixel_check
}

fn check_pixel_data(
    span: PixelDataSpan,
    transfer_syntax: &str,
    expected: u64,
) -> Result<(), QuarantineReason> {
    match span {
        PixelDataSpan::Absent if expected > 0 => Err(QuarantineReason::EmptyPixelData),
        PixelDataSpan::Absent => Ok(()),
        PixelDataSpan::Encapsulated { has_fragment } => {
            if has_fragment {
                Ok(())
            } else {
                Err(QuarantineReason::EmptyPixelData)
            }
        }
        PixelDataSpan::Native {
            declared,
            available,
        } => {
            if declared > available {
                return Err(QuarantineReason::Incomplete);
            }
            // Deflated data sets cannot be measured in place; their header parsed fine.
            if !NATIVE_SYNTAXES.contains(&transfer_syntax) || transfer_syntax.ends_with(".99") {
                return Ok(());
            }
            // One byte of padding keeps an odd-length value even.
            if declared == expected || (expected % 2 == 1 && declared == expected + 1) {
                Ok(())
            } else {
                Err(QuarantineReason::PixelDataLength {
                    expected,
                    actual: declared,
                })
            }
        }
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
