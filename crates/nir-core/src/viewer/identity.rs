//! Who the images say they show. NIR pointers carry only the NHS number; the images carry
//! the Patient module (ID, name, date of birth, sex). The banner's name, birth date and sex
//! come from the first instance of each study's metadata, and every study is checked: any
//! instance labelled with another Patient ID, or studies that disagree on name, birth date
//! or sex, become one plain warning for the banner. Nothing here is logged, and every name
//! read is registered for log redaction while its patient is open, in case one slips into
//! a message elsewhere.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::views::{IdentityView, PatientView};
use super::{PointerKind, ViewerError, ViewerSession};
use crate::dicomweb::identity_match::{match_identity, StatedIdentifier};
use crate::dicomweb::{PatientIdentity, StudyLayout};
use crate::nhs_number::NhsNumber;

/// Most studies whose metadata the identity check reads.
const MAX_STUDIES: usize = 8;
/// The whole check gives up after this long (what has arrived by then still counts).
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// What one study's metadata says about the patient.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StudyIdentity {
    /// The study's description, to name it in warnings.
    pub description: String,
    /// The Patient module of its first instance.
    pub first: PatientIdentity,
    /// Whether any instance carries a Patient ID other than the NHS number looked up.
    pub foreign_id: bool,
    /// Whether its instances disagree among themselves on name, birth date or sex.
    pub inconsistent: bool,
}

fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim_end_matches('^').trim().to_uppercase();
    norm(a) == norm(b)
}

fn same_field(a: &Option<String>, b: &Option<String>, names: bool) -> bool {
    match (a, b) {
        (Some(a), Some(b)) if names => same_name(a, b),
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => true,
    }
}

fn same_person(a: &PatientIdentity, b: &PatientIdentity) -> bool {
    same_field(&a.name, &b.name, true)
        && same_field(&a.birth_date, &b.birth_date, false)
        && same_field(&a.sex, &b.sex, false)
}

fn digits(id: &str) -> String {
    id.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Whether an instance's identifiers, as its metadata gives them, fail the check retrieval
/// applies to its bytes ([`match_identity`]): the NHS number neither in Patient ID nor in
/// an NHS-issued Other Patient ID, or another person's NHS number anywhere. Spaces and
/// hyphens in the numbers are ignored here; an instance stating no identifier at all is
/// left to that check.
fn labelled_for_someone_else(patient: &PatientIdentity, expected: &str) -> bool {
    if patient.patient_id.is_none() && patient.other_ids.is_empty() {
        return false;
    }
    let primary = StatedIdentifier {
        id: digits(patient.patient_id.as_deref().unwrap_or_default()),
        issuer: patient.issuer.clone().unwrap_or_default(),
        universal_issuer: String::new(),
    };
    let others: Vec<StatedIdentifier> = patient
        .other_ids
        .iter()
        .map(|other| StatedIdentifier {
            id: digits(&other.id),
            ..other.clone()
        })
        .collect();
    match_identity(expected, &primary, &others).is_err()
}

/// Reads the identity of a study from its layout, against the NHS number looked up.
pub(super) fn study_identity(
    layout: &StudyLayout,
    description: &str,
    nhs: &NhsNumber,
) -> StudyIdentity {
    let expected = nhs.as_digits();
    let instances = || layout.series.iter().flat_map(|s| s.instances.iter());
    let first = instances()
        .map(|i| i.patient.clone())
        .next()
        .unwrap_or_default();
    StudyIdentity {
        description: layout
            .description
            .clone()
            .unwrap_or_else(|| description.to_owned()),
        foreign_id: instances().any(|i| labelled_for_someone_else(&i.patient, &expected)),
        inconsistent: instances().any(|i| !same_person(&i.patient, &first)),
        first,
    }
}

/// Every word of every Patient's Name in a study (family, given and middle names of each
/// component group; prefixes and suffixes such as "Dr" are left), for log redaction.
pub(super) fn name_words(layout: &StudyLayout) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for instance in layout.series.iter().flat_map(|s| s.instances.iter()) {
        let Some(name) = instance.patient.name.as_deref() else {
            continue;
        };
        for group in name.split('=') {
            for component in group.split('^').take(3) {
                words.extend(
                    component
                        .split(|c: char| c.is_whitespace() || c == ',')
                        .map(|w| w.trim_matches(['\0', '.']))
                        .filter(|w| w.chars().count() >= 2)
                        .map(str::to_owned),
                );
            }
        }
    }
    words
}

/// The banner's verdict over every study read so far (newest first).
pub(super) fn verdict(nhs: &NhsNumber, studies: &[StudyIdentity]) -> IdentityView {
    let reference = studies.iter().find(|s| s.first.name.is_some());
    let mut problems = Vec::new();
    for study in studies {
        if study.foreign_id {
            problems.push(format!(
                "Images in “{}” are labelled with a different patient ID from NHS number {}; \
                 the viewer withholds them.",
                study.description,
                nhs.formatted()
            ));
        }
        if study.inconsistent {
            problems.push(format!(
                "The images in “{}” disagree about the patient's name, date of birth or sex.",
                study.description
            ));
        }
        if let Some(reference) = reference {
            if !std::ptr::eq(reference, study) && !same_person(&reference.first, &study.first) {
                problems.push(format!(
                    "“{}” names a different patient ({}) from “{}”.",
                    study.description,
                    describe(&study.first),
                    reference.description
                ));
            }
        }
    }
    let first = reference.map(|s| s.first.clone()).unwrap_or_default();
    IdentityView {
        patient: PatientView {
            nhs_number: nhs.formatted(),
            name: first.name.as_deref().map(display_name),
            birth_date: first.birth_date.as_deref().map(display_date),
            sex: first.sex.as_deref().map(display_sex),
        },
        mismatch: (!problems.is_empty()).then(|| {
            format!(
                "Identity check: {} Confirm the patient before relying on these images.",
                problems.join(" ")
            )
        }),
        studies_checked: studies.len(),
    }
}

fn describe(identity: &PatientIdentity) -> String {
    let parts: Vec<String> = [
        identity.name.as_deref().map(display_name),
        identity.birth_date.as_deref().map(display_date),
        identity.sex.as_deref().map(display_sex),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "no name given".into()
    } else {
        parts.join(", ")
    }
}

/// `FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX` → `FAMILY, Given Middle` (the NHS banner style).
pub fn display_name(dicom: &str) -> String {
    let parts: Vec<&str> = dicom.split('^').map(str::trim).collect();
    let family = parts.first().copied().unwrap_or_default().to_uppercase();
    let given: Vec<String> = parts
        .iter()
        .skip(1)
        .take(2)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = p.to_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    match (family.is_empty(), given.is_empty()) {
        (_, true) => family,
        (true, false) => given.join(" "),
        (false, false) => format!("{family}, {}", given.join(" ")),
    }
}

/// `YYYYMMDD` → `14-Feb-1958`; anything else is shown as given.
pub fn display_date(dicom: &str) -> String {
    chrono::NaiveDate::parse_from_str(dicom.trim(), "%Y%m%d")
        .map(|d| d.format("%d-%b-%Y").to_string())
        .unwrap_or_else(|_| dicom.trim().to_owned())
}

/// `M`/`F`/`O` → words.
pub fn display_sex(dicom: &str) -> String {
    match dicom.trim().to_ascii_uppercase().as_str() {
        "M" => "Male".into(),
        "F" => "Female".into(),
        "O" => "Other".into(),
        _ => "Not known".into(),
    }
}

impl ViewerSession {
    /// Reads the metadata of the patient's imaging studies (newest first, at most
    /// [`MAX_STUDIES`]), keeps the layouts for opening them later, and answers the banner.
    pub async fn confirm_identity(&self) -> Result<IdentityView, ViewerError> {
        let (nhs, key, mut todo) = {
            let guard = self.patient();
            let state = guard.as_ref().ok_or(ViewerError::NoPatient)?;
            let mut todo: Vec<_> = state
                .pointers
                .values()
                .filter(|p| p.kind == PointerKind::ImagingStudy)
                .filter(|p| p.url.is_some() || p.xca.is_some())
                .filter(|p| !state.identities.iter().any(|(id, _, _)| *id == p.id))
                .cloned()
                .collect();
            todo.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
            (state.nhs_number.clone(), state.key.clone(), todo)
        };
        todo.truncate(MAX_STUDIES);
        let began_for = &key;
        let fetches = todo.iter().map(|pointer| async move {
            let url = self.study_metadata_url(pointer, began_for).await.ok()?;
            let layout = self.dicomweb.study_metadata(&url).await.ok()?;
            Some((pointer.clone(), Arc::new(layout)))
        });
        let fetched = tokio::time::timeout(CHECK_TIMEOUT, futures_util::future::join_all(fetches))
            .await
            .unwrap_or_default();
        let mut guard = self.patient();
        // Bound to the patient it began for: another patient's (or no patient's) session
        // gets nothing of what was read.
        let state = guard
            .as_mut()
            .filter(|s| s.key == key)
            .ok_or(ViewerError::PatientChanged)?;
        for (pointer, layout) in fetched.into_iter().flatten() {
            state.protect_names(&layout);
            let identity = study_identity(&layout, &pointer.description, &nhs);
            state.remember_identity(&pointer, identity);
            state.layouts.insert(pointer.id.clone(), layout);
        }
        Ok(state.identity_verdict())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dicomweb::{InstanceLayout, SeriesLayout};

    fn nhs() -> NhsNumber {
        NhsNumber::parse("9912003888").unwrap()
    }

    fn who(id: &str, name: &str, birth: &str, sex: &str) -> PatientIdentity {
        PatientIdentity {
            patient_id: Some(id.into()),
            issuer: None,
            other_ids: Vec::new(),
            name: Some(name.into()),
            birth_date: Some(birth.into()),
            sex: Some(sex.into()),
        }
    }

    fn layout(description: &str, patients: &[PatientIdentity]) -> StudyLayout {
        let instances = patients
            .iter()
            .enumerate()
            .map(|(n, patient)| InstanceLayout {
                sop_instance_uid: format!("1.2.{n}"),
                instance_number: Some(n as i32 + 1),
                rows: 1,
                columns: 1,
                bits_allocated: 16,
                samples_per_pixel: 1,
                frames: 1,
                patient: patient.clone(),
                ..InstanceLayout::default()
            })
            .collect();
        StudyLayout {
            study_url: url::Url::parse("http://h/studies/1").unwrap(),
            study_uid: "1".into(),
            accession_number: None,
            study_date: None,
            description: Some(description.into()),
            series: vec![SeriesLayout {
                series_uid: "1.1".into(),
                number: Some(1),
                modality: Some("CT".into()),
                description: None,
                instances,
                window_presets: Vec::new(),
            }],
        }
    }

    const ALEX: (&str, &str, &str, &str) = ("9912003888", "TRAINING^ALEX", "19580214", "F");

    fn alex() -> PatientIdentity {
        who(ALEX.0, ALEX.1, ALEX.2, ALEX.3)
    }

    #[test]
    fn agreeing_studies_fill_the_banner_without_a_warning() {
        let studies = [
            study_identity(&layout("CT", &[alex(), alex()]), "", &nhs()),
            study_identity(
                &layout(
                    "MR",
                    &[who("991 200 3888", "training^alex^", "19580214", "f")],
                ),
                "",
                &nhs(),
            ),
        ];
        let view = verdict(&nhs(), &studies);
        assert_eq!(view.patient.nhs_number, "991 200 3888");
        assert_eq!(view.patient.name.as_deref(), Some("TRAINING, Alex"));
        assert_eq!(view.patient.birth_date.as_deref(), Some("14-Feb-1958"));
        assert_eq!(view.patient.sex.as_deref(), Some("Female"));
        assert_eq!(view.mismatch, None);
        assert_eq!(view.studies_checked, 2);
    }

    #[test]
    fn an_instance_of_another_patient_is_named_in_the_warning() {
        let stranger = who("9000000009", ALEX.1, ALEX.2, ALEX.3);
        let studies = [study_identity(
            &layout("CT Head", &[alex(), stranger, alex()]),
            "",
            &nhs(),
        )];
        let view = verdict(&nhs(), &studies);
        let warning = view.mismatch.expect("a warning");
        assert!(warning.contains("“CT Head”"), "{warning}");
        assert!(warning.contains("different patient ID"), "{warning}");
        assert!(
            !warning.contains("9000000009"),
            "another patient's number is never shown"
        );
        assert_eq!(view.patient.name.as_deref(), Some("TRAINING, Alex"));
    }

    #[test]
    fn a_local_patient_id_with_the_nhs_number_in_other_patient_ids_is_no_mismatch() {
        let local = |other: &str| PatientIdentity {
            patient_id: Some("RX1-0042137".into()),
            issuer: Some("RX1-PAS".into()),
            other_ids: vec![StatedIdentifier {
                id: other.into(),
                issuer: "NHS".into(),
                universal_issuer: String::new(),
            }],
            ..alex()
        };
        let same = study_identity(&layout("US Abdomen", &[local("991 200 3888")]), "", &nhs());
        assert!(!same.foreign_id);
        assert_eq!(verdict(&nhs(), &[same]).mismatch, None);
        let stranger = study_identity(&layout("US Abdomen", &[local("9000000009")]), "", &nhs());
        assert!(
            stranger.foreign_id,
            "another NHS number in Other Patient IDs"
        );
        let unissued = PatientIdentity {
            other_ids: Vec::new(),
            ..local("9912003888")
        };
        let alone = study_identity(&layout("US Abdomen", &[unissued]), "", &nhs());
        assert!(
            alone.foreign_id,
            "a local number alone does not name the patient"
        );
    }

    #[test]
    fn studies_that_disagree_on_demographics_are_reported() {
        let studies = [
            study_identity(&layout("CT", &[alex()]), "", &nhs()),
            study_identity(
                &layout("US", &[who(ALEX.0, "OTHER^SAM", "19600101", "M")]),
                "",
                &nhs(),
            ),
        ];
        let warning = verdict(&nhs(), &studies).mismatch.expect("a warning");
        assert!(
            warning.contains(
                "“US” names a different patient (OTHER, Sam, 01-Jan-1960, Male) from “CT”"
            ),
            "{warning}"
        );
        let mixed = study_identity(
            &layout("MR", &[alex(), who(ALEX.0, ALEX.1, "19580215", ALEX.3)]),
            "",
            &nhs(),
        );
        assert!(mixed.inconsistent && !mixed.foreign_id);
    }

    #[test]
    fn no_studies_leave_the_banner_to_the_nhs_number() {
        let view = verdict(&nhs(), &[]);
        assert_eq!(view.patient.name, None);
        assert_eq!(view.mismatch, None);
        assert_eq!(view.studies_checked, 0);
    }

    #[test]
    fn names_dates_and_sexes_read_as_words() {
        assert_eq!(display_name("SMITH^JOHN^PAUL^DR"), "SMITH, John Paul");
        assert_eq!(display_name("SMITH"), "SMITH");
        assert_eq!(display_name("^JO"), "Jo");
        assert_eq!(display_date("20010301"), "01-Mar-2001");
        assert_eq!(display_date("2001"), "2001");
        assert_eq!(display_sex("m"), "Male");
        assert_eq!(display_sex(""), "Not known");
    }
}
