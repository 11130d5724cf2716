//! What each synthetic patient has on record: studies (with series and their encodings),
//! diagnostic reports, MDT outcomes and care plans, each held by one network. The catalogue
//! is pure metadata, built deterministically at start-up in microseconds; pixels are made
//! later, per instance, by `dicom_gen`. UIDs live under the ITU-T example arc `2.999`.

use std::collections::HashMap;

use super::history_plans::{
    amended_reports, coronal_series, plans_for, shared_frames, table_offsets, voi_lut_studies,
    xca_formats, ReportPlan, SeriesPlan, StudyPlan,
};
use super::networks::UNAVAILABLE_NETWORK;
use super::patients::{Scenario, PATIENTS};

/// Explicit VR little endian.
pub const TS_EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
/// RLE lossless.
pub const TS_RLE: &str = "1.2.840.10008.1.2.5";
/// JPEG-LS lossless.
pub const TS_JPEG_LS: &str = "1.2.840.10008.1.2.4.80";
/// JPEG baseline (process 1), lossy 8-bit.
pub const TS_JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";

/// What kind of images a series holds (decides the phantom and the IOD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// CT body, signed 16-bit with rescale.
    Ct,
    /// MR head, unsigned 16-bit.
    Mr,
    /// Computed radiography chest, MONOCHROME1.
    Cr,
    /// Digital radiography extremity, MONOCHROME1.
    Dx,
    /// Colour ultrasound cine, one multi-frame instance.
    Us,
    /// Encapsulated PDF document.
    Pdf,
    /// Basic Text structured report.
    Sr,
    /// Grayscale Softcopy Presentation State on the study's radiograph.
    Pr,
    /// Key Object Selection document flagging key images of the study's CT.
    Ko,
}

/// The plane of a cross-sectional series' slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// Slices across the body, stacked foot to head.
    Axial,
    /// Slices front to back, stacked along the patient's posterior axis.
    Coronal,
}

/// One series of a study.
#[derive(Debug, Clone)]
pub struct SeriesDef {
    /// Series Instance UID.
    pub uid: String,
    /// Series Number.
    pub number: u32,
    /// Modality code.
    pub modality: &'static str,
    /// Series Description.
    pub description: &'static str,
    /// Phantom kind.
    pub kind: SeriesKind,
    /// Number of instances.
    pub instances: u32,
    /// Rows and columns of each frame.
    pub rows: u16,
    /// Columns of each frame.
    pub cols: u16,
    /// Frames per instance.
    pub frames: u32,
    /// Plane of its slices (CT and MR; others ignore it).
    pub plane: Plane,
    /// Transfer syntax the instances are stored in.
    pub transfer_syntax: &'static str,
}

/// One study.
#[derive(Debug, Clone)]
pub struct StudyDef {
    /// Index of the owning patient in `PATIENTS`.
    pub patient: usize,
    /// Position among the patient's studies (0 is the first planned, the scenarios' target).
    pub index: usize,
    /// Study Instance UID.
    pub uid: String,
    /// Accession number.
    pub accession: String,
    /// Index of the holding network.
    pub network: usize,
    /// Study date, DICOM `YYYYMMDD`.
    pub date: &'static str,
    /// Modality shown in pointers.
    pub modality: &'static str,
    /// Study Description.
    pub description: &'static str,
    /// Unique id of the KOS manifest document (XCA uniqueId).
    pub manifest_uid: String,
    /// Frame of Reference UID of its cross-sectional series (one per study, unless a
    /// prior shares its current study's).
    pub frame_of_reference: String,
    /// Millimetres added to the z of every Image Position (Patient) of its cross-sectional
    /// series (another scanner's table origin; 0 for most studies).
    pub table_offset_mm: f64,
    /// Whether its radiographs carry a VOI LUT Sequence.
    pub voi_lut: bool,
    /// The series.
    pub series: Vec<SeriesDef>,
}

/// Which of the four record types a report-like record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Imaging report (DiagnosticReport).
    DiagnosticReport,
    /// MDT outcome (DiagnosticReport).
    MdtOutcome,
    /// Imaging-related care plan (CarePlan).
    CarePlan,
}

/// The document an XCA retrieve (ITI-39) answers for a report; the FHIR flavour always
/// serves the FHIR resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XcaFormat {
    /// The FHIR resource as JSON.
    Fhir,
    /// Only a PDF rendition.
    Pdf,
    /// Plain text.
    Text,
    /// An HL7 CDA R2 document.
    Cda,
}

/// One report, MDT outcome or care plan.
#[derive(Debug, Clone)]
pub struct ReportDef {
    /// Index of the owning patient.
    pub patient: usize,
    /// FHIR resource id.
    pub id: String,
    /// XDS document unique id (an OID).
    pub unique_id: String,
    /// Index of the holding network.
    pub network: usize,
    /// Date, `YYYY-MM-DD`.
    pub date: &'static str,
    /// Kind of record.
    pub kind: ReportKind,
    /// Title.
    pub title: &'static str,
    /// Conclusion or plan text.
    pub text: &'static str,
    /// Accession number of the study it reports on, if any.
    pub accession: Option<String>,
    /// Study Instance UID it reports on, if any.
    pub study_uid: Option<String>,
    /// Whether a PDF rendition goes in `presentedForm`.
    pub with_pdf: bool,
    /// FHIR status code of the report (`final`, or `amended`); for care plans unused.
    pub status: &'static str,
    /// What the XCA flavour serves for it.
    pub xca_format: XcaFormat,
}

/// A pointer-worthy record of a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordRef {
    /// `(patient, study index)`.
    Study(usize, usize),
    /// `(patient, report index)`.
    Report(usize, usize),
}

/// Everything on record for every patient, with lookups by UID.
#[derive(Debug)]
pub struct Catalogue {
    /// Per patient (same order as `PATIENTS`): studies.
    pub studies: Vec<Vec<StudyDef>>,
    /// Per patient: reports.
    pub reports: Vec<Vec<ReportDef>>,
    study_by_uid: HashMap<String, (usize, usize)>,
    by_unique_id: HashMap<String, RecordRef>,
}

impl Catalogue {
    /// Builds the whole catalogue (metadata only).
    pub fn build() -> Self {
        let mut catalogue = Self {
            studies: Vec::new(),
            reports: Vec::new(),
            study_by_uid: HashMap::new(),
            by_unique_id: HashMap::new(),
        };
        for (p, patient) in PATIENTS.iter().enumerate() {
            let (study_plans, report_plans) = plans_for(patient.scenario);
            let mut studies: Vec<StudyDef> = study_plans
                .into_iter()
                .enumerate()
                .map(|(s, plan)| study_from_plan(p, s + 1, plan))
                .collect();
            for (prior, current) in shared_frames(patient.scenario) {
                if let Some(frame) = studies.get(current).map(|s| s.frame_of_reference.clone()) {
                    if let Some(prior) = studies.get_mut(prior) {
                        prior.frame_of_reference = frame;
                    }
                }
            }
            for (study, offset) in table_offsets(patient.scenario) {
                if let Some(study) = studies.get_mut(study) {
                    study.table_offset_mm = offset;
                }
            }
            for study in voi_lut_studies(patient.scenario) {
                if let Some(study) = studies.get_mut(study) {
                    study.voi_lut = true;
                }
            }
            let mut reports: Vec<ReportDef> = report_plans
                .into_iter()
                .enumerate()
                .map(|(r, plan)| report_from_plan(p, r + 1, plan, &studies))
                .collect();
            for (study, series) in coronal_series(patient.scenario) {
                if let Some(series) = studies
                    .get_mut(study)
                    .and_then(|s| s.series.get_mut(series))
                {
                    series.plane = Plane::Coronal;
                }
            }
            for amended in amended_reports(patient.scenario) {
                if let Some(report) = reports.get_mut(amended) {
                    report.status = "amended";
                }
            }
            for (r, format) in xca_formats(patient.scenario) {
                if let Some(report) = reports.get_mut(r) {
                    report.xca_format = format;
                }
            }
            for (s, study) in studies.iter().enumerate() {
                catalogue.study_by_uid.insert(study.uid.clone(), (p, s));
                let record = RecordRef::Study(p, s);
                catalogue
                    .by_unique_id
                    .insert(study.manifest_uid.clone(), record);
            }
            for (r, report) in reports.iter().enumerate() {
                let record = RecordRef::Report(p, r);
                catalogue
                    .by_unique_id
                    .insert(report.unique_id.clone(), record);
            }
            catalogue.studies.push(studies);
            catalogue.reports.push(reports);
        }
        catalogue
    }

    /// The study with this Study Instance UID.
    pub fn study(&self, uid: &str) -> Option<&StudyDef> {
        let (p, s) = self.study_by_uid.get(uid)?;
        self.studies.get(*p)?.get(*s)
    }

    /// The record whose XDS document unique id this is.
    pub fn record_by_unique_id(&self, unique_id: &str) -> Option<RecordRef> {
        self.by_unique_id.get(unique_id).copied()
    }

    /// The report with this FHIR id.
    pub fn report(&self, id: &str) -> Option<&ReportDef> {
        self.reports.iter().flatten().find(|r| r.id == id)
    }

    /// A patient's records as discovery lists them (newest first), leaving out networks
    /// that do not answer for this patient.
    pub fn records_of(&self, patient: usize) -> Vec<RecordRef> {
        let hidden = hidden_network(patient);
        let mut dated: Vec<(String, RecordRef)> = Vec::new();
        for (s, study) in self.studies.get(patient).into_iter().flatten().enumerate() {
            if Some(study.network) != hidden {
                dated.push((study.date.to_string(), RecordRef::Study(patient, s)));
            }
        }
        for (r, report) in self.reports.get(patient).into_iter().flatten().enumerate() {
            if Some(report.network) != hidden {
                dated.push((report.date.replace('-', ""), RecordRef::Report(patient, r)));
            }
        }
        dated.sort_by(|a, b| b.0.cmp(&a.0));
        dated.into_iter().map(|(_, r)| r).collect()
    }
}

/// The network that never answers for this patient, if any.
pub fn hidden_network(patient: usize) -> Option<usize> {
    let scenario = PATIENTS.get(patient)?.scenario;
    (scenario == Scenario::NetworkUnavailable).then_some(UNAVAILABLE_NETWORK)
}

fn study_from_plan(p: usize, s: usize, plan: StudyPlan) -> StudyDef {
    let StudyPlan(network, date, modality, description, series) = plan;
    let uid = format!("2.999.1.{}.{s}", p + 1);
    let series = series
        .into_iter()
        .enumerate()
        .map(
            |(i, SeriesPlan(modality, description, kind, instances, size, frames, ts))| {
                let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let (rows, cols) = match kind {
                    SeriesKind::Cr => (size, size - size / 8),
                    SeriesKind::Us => (size, size + size / 3),
                    _ => (size, size),
                };
                SeriesDef {
                    uid: format!("{uid}.{number}"),
                    number,
                    modality,
                    description,
                    kind,
                    instances,
                    rows,
                    cols,
                    frames,
                    plane: Plane::Axial,
                    transfer_syntax: ts,
                }
            },
        )
        .collect();
    StudyDef {
        patient: p,
        index: s - 1,
        accession: format!("SBX{:02}{s:04}", p + 1),
        manifest_uid: format!("2.999.3.{}.{s}", p + 1),
        frame_of_reference: format!("{uid}.0"),
        table_offset_mm: 0.0,
        voi_lut: false,
        uid,
        network,
        date,
        modality,
        description,
        series,
    }
}

fn report_from_plan(p: usize, r: usize, plan: ReportPlan, studies: &[StudyDef]) -> ReportDef {
    let ReportPlan(network, date, kind, title, text, study, with_pdf) = plan;
    let study = study.and_then(|s| studies.get(s));
    let prefix = match kind {
        ReportKind::CarePlan => "cp",
        ReportKind::MdtOutcome => "mdt",
        ReportKind::DiagnosticReport => "dr",
    };
    ReportDef {
        patient: p,
        id: format!("{prefix}-{}-{r}", p + 1),
        unique_id: format!("2.999.4.{}.{r}", p + 1),
        network,
        date,
        kind,
        title,
        text,
        accession: study.map(|s| s.accession.clone()),
        study_uid: study.map(|s| s.uid.clone()),
        with_pdf,
        status: "final",
        xca_format: XcaFormat::Fhir,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patients::patient_index;

    #[test]
    fn rich_history_spans_three_networks_and_has_a_400_slice_ct() {
        let c = Catalogue::build();
        let p = patient_index("9912003888").unwrap();
        let networks: std::collections::HashSet<usize> =
            c.studies[p].iter().map(|s| s.network).collect();
        assert_eq!(networks.len(), 3);
        let ct = &c.studies[p][0].series[0];
        assert_eq!((ct.instances, ct.rows, ct.cols), (400, 512, 512));
        assert_eq!(
            c.study(&c.studies[p][0].uid).unwrap().accession,
            c.studies[p][0].accession
        );
    }

    #[test]
    fn network_unavailable_hides_south_and_report_only_has_no_studies() {
        let c = Catalogue::build();
        let p = patient_index("9000000017").unwrap();
        assert!(c.records_of(p).iter().all(|r| match r {
            RecordRef::Study(p, s) => c.studies[*p][*s].network != UNAVAILABLE_NETWORK,
            RecordRef::Report(p, r) => c.reports[*p][*r].network != UNAVAILABLE_NETWORK,
        }));
        assert!(c.studies[p]
            .iter()
            .any(|s| s.network == UNAVAILABLE_NETWORK));
        let p = patient_index("9912003942").unwrap();
        assert!(c
            .records_of(p)
            .iter()
            .all(|r| matches!(r, RecordRef::Report(..))));
        assert!(!c.records_of(p).is_empty());
    }

    #[test]
    fn the_rich_prior_ct_shares_the_current_cts_frame_of_reference_only() {
        let c = Catalogue::build();
        let p = patient_index("9912003888").unwrap();
        let cts: Vec<&StudyDef> = c.studies[p].iter().filter(|s| s.modality == "CT").collect();
        assert_eq!(cts.len(), 3);
        assert_eq!(cts[0].frame_of_reference, cts[1].frame_of_reference);
        assert_ne!(cts[0].frame_of_reference, cts[2].frame_of_reference);
        let mut frames: Vec<&str> = c
            .studies
            .iter()
            .flatten()
            .map(|s| s.frame_of_reference.as_str())
            .collect();
        let all = frames.len();
        frames.sort_unstable();
        frames.dedup();
        assert_eq!(frames.len(), all - 1, "only the one pair shares");
    }

    #[test]
    fn the_outside_prior_ct_is_offset_and_only_the_portable_chest_has_a_voi_lut() {
        let c = Catalogue::build();
        let p = patient_index("9912003888").unwrap();
        let offset: Vec<(&str, f64)> = c
            .studies
            .iter()
            .flatten()
            .filter(|s| s.table_offset_mm != 0.0)
            .map(|s| (s.description, s.table_offset_mm))
            .collect();
        assert_eq!(
            offset,
            vec![("CT Chest Abdomen Pelvis (outside prior)", 500.0)]
        );
        let with_lut: Vec<(usize, &str)> = c
            .studies
            .iter()
            .flatten()
            .filter(|s| s.voi_lut)
            .map(|s| (s.patient, s.description))
            .collect();
        assert_eq!(with_lut, vec![(p, "Portable chest AP")]);
    }

    #[test]
    fn the_rich_histories_mr_head_report_is_amended_and_the_others_final() {
        let c = Catalogue::build();
        let p = patient_index("9912003888").unwrap();
        let statuses: Vec<(&str, &str)> =
            c.reports[p].iter().map(|r| (r.title, r.status)).collect();
        assert!(
            statuses.contains(&("MR Head report", "amended")),
            "{statuses:?}"
        );
        assert_eq!(statuses.iter().filter(|(_, s)| *s == "amended").count(), 1);
    }

    #[test]
    fn uids_are_unique_and_short() {
        let c = Catalogue::build();
        let mut seen = std::collections::HashSet::new();
        for study in c.studies.iter().flatten() {
            assert!(seen.insert(study.uid.clone()));
            for series in &study.series {
                assert!(seen.insert(series.uid.clone()));
                assert!(series.uid.len() < 55);
            }
            assert!(c.record_by_unique_id(&study.manifest_uid).is_some());
        }
    }
}
