//! The histories behind each scenario: which studies (with their series, sizes and
//! stored transfer syntaxes) and which reports each kind of patient has. Pure data,
//! turned into UIDs and accession numbers by the catalogue.

use super::catalogue::{
    ReportKind, SeriesKind, XcaFormat, TS_EXPLICIT_LE, TS_JPEG_BASELINE, TS_JPEG_LS, TS_RLE,
};
use super::patients::Scenario;

/// A series to make: modality, description, kind, instances, matrix size, frames, syntax.
pub struct SeriesPlan(
    pub &'static str,
    pub &'static str,
    pub SeriesKind,
    pub u32,
    pub u16,
    pub u32,
    pub &'static str,
);
/// A study to make: network, date, modality, description, series.
pub struct StudyPlan(
    pub usize,
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub Vec<SeriesPlan>,
);
/// A report to make: network, date, kind, title, text, reported study index, with PDF.
pub struct ReportPlan(
    pub usize,
    pub &'static str,
    pub ReportKind,
    pub &'static str,
    pub &'static str,
    pub Option<usize>,
    pub bool,
);

/// The rich-history study (its position in [`plans_for`]'s list, the DX wrist) whose
/// provider files images under a local hospital number in Patient ID and puts the NHS
/// number in Other Patient IDs Sequence, as many trusts' PACS do.
pub const LOCAL_PATIENT_ID_STUDY: usize = 3;

/// The studies and reports a scenario's patient has.
pub fn plans_for(scenario: Scenario) -> (Vec<StudyPlan>, Vec<ReportPlan>) {
    match scenario {
        Scenario::RichHistory => (rich_studies(), rich_reports()),
        Scenario::NoRecords => (Vec::new(), Vec::new()),
        Scenario::ReportOnly => (Vec::new(), report_only_reports()),
        _ => (small_studies(), small_reports()),
    }
}

fn rich_studies() -> Vec<StudyPlan> {
    use SeriesKind::*;
    vec![
        StudyPlan(
            0,
            "20240312",
            "CT",
            "CT Chest Abdomen Pelvis with contrast",
            vec![
                SeriesPlan(
                    "CT",
                    "Axial 1.25mm portal venous",
                    Ct,
                    400,
                    512,
                    1,
                    TS_JPEG_LS,
                ),
                SeriesPlan("KO", "Key images", Ko, 1, 0, 0, TS_EXPLICIT_LE),
            ],
        ),
        StudyPlan(
            1,
            "20230502",
            "US",
            "US Abdomen",
            vec![SeriesPlan(
                "US",
                "Liver colour Doppler cine",
                Us,
                1,
                240,
                12,
                TS_JPEG_BASELINE,
            )],
        ),
        StudyPlan(
            1,
            "20220607",
            "MR",
            "MR Head without contrast",
            vec![
                SeriesPlan("MR", "T1 axial", Mr, 24, 256, 1, TS_EXPLICIT_LE),
                SeriesPlan("MR", "T2 axial", Mr, 24, 256, 1, TS_RLE),
                SeriesPlan("MR", "FLAIR axial", Mr, 24, 256, 1, TS_JPEG_LS),
                SeriesPlan("MR", "FLAIR coronal", Mr, 24, 256, 1, TS_EXPLICIT_LE),
            ],
        ),
        StudyPlan(
            0,
            "20210920",
            "DX",
            "DX Left wrist",
            vec![
                SeriesPlan("DX", "PA and lateral", Dx, 2, 512, 1, TS_EXPLICIT_LE),
                // A radiologist's presentation state on the PA view (see dicom_gen::gsps).
                SeriesPlan("PR", "Presentation state", Pr, 1, 0, 0, TS_EXPLICIT_LE),
            ],
        ),
        StudyPlan(
            2,
            "20200811",
            "DOC",
            "Outside imaging report (PDF)",
            vec![SeriesPlan(
                "DOC",
                "Encapsulated report",
                Pdf,
                1,
                0,
                0,
                TS_EXPLICIT_LE,
            )],
        ),
        StudyPlan(
            2,
            "20190115",
            "CR",
            "CR Chest PA",
            vec![
                SeriesPlan("CR", "Chest PA", Cr, 1, 768, 1, TS_RLE),
                SeriesPlan("SR", "Radiology report", Sr, 1, 0, 0, TS_EXPLICIT_LE),
            ],
        ),
        StudyPlan(
            0,
            "20231108",
            "CT",
            "CT Chest Abdomen Pelvis (prior)",
            vec![SeriesPlan(
                "CT",
                "Axial 5mm portal venous",
                Ct,
                100,
                512,
                1,
                TS_RLE,
            )],
        ),
        StudyPlan(
            1,
            "20180604",
            "CR",
            "Portable chest AP",
            vec![SeriesPlan("CR", "Chest AP", Cr, 1, 512, 1, TS_EXPLICIT_LE)],
        ),
        StudyPlan(
            2,
            "20220915",
            "CT",
            "CT Chest Abdomen Pelvis (outside prior)",
            vec![SeriesPlan(
                "CT",
                "Axial 5mm portal venous",
                Ct,
                100,
                512,
                1,
                TS_RLE,
            )],
        ),
    ]
}

/// Study indices whose radiographs carry a VOI LUT Sequence (PS3.3 C.11.2.1.1): the rich
/// history's portable chest CR, its table an S-shaped curve over the 12-bit stored range, beside a
/// Window Center/Width, so the viewer's choice of the table over the window can be seen.
pub fn voi_lut_studies(scenario: Scenario) -> Vec<usize> {
    match scenario {
        Scenario::RichHistory => vec![7],
        _ => Vec::new(),
    }
}

/// `(study, mm)`: studies acquired on another scanner, in their own Frame of Reference,
/// whose table positions are offset by `mm` in z from the rest of the history: the rich
/// history's outside CT prior, which only "link by table position" can pair with the
/// current CT.
pub fn table_offsets(scenario: Scenario) -> Vec<(usize, f64)> {
    match scenario {
        Scenario::RichHistory => vec![(8, 500.0)],
        _ => Vec::new(),
    }
}

/// Report indices whose report was amended after it was made final (the rest are final):
/// the MR head report of the rich history, so the viewer's "Amended" label can be seen.
pub fn amended_reports(scenario: Scenario) -> Vec<usize> {
    match scenario {
        Scenario::RichHistory => vec![3],
        _ => Vec::new(),
    }
}

/// Report indices whose XCA document is not the FHIR resource: the rich history's CT
/// report is held only as a PDF, its MDT outcome as plain text and its (amended) MR head
/// report as an HL7 CDA R2 document, as XDS-I.b repositories hold reports (IHE RAD TF-3
/// §4.68.4.1.2.3 formatCodes `urn:ihe:rad:PDF`, `urn:ihe:rad:TEXT`,
/// `urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013`).
pub fn xca_formats(scenario: Scenario) -> Vec<(usize, XcaFormat)> {
    match scenario {
        Scenario::RichHistory => vec![
            (0, XcaFormat::Pdf),
            (1, XcaFormat::Text),
            (3, XcaFormat::Cda),
        ],
        _ => Vec::new(),
    }
}

/// `(study, series)` indices of series acquired coronally (the rest are axial): the rich
/// history's MR head has a FLAIR coronal in the same Frame of Reference as its axials, so
/// the viewer must refuse to scroll them together by position.
pub fn coronal_series(scenario: Scenario) -> Vec<(usize, usize)> {
    match scenario {
        Scenario::RichHistory => vec![(2, 3)],
        _ => Vec::new(),
    }
}

/// Pairs `(prior, current)` of study indices whose images share one Frame of Reference:
/// the prior was registered to the current study on the same scanner, so slice positions
/// compare directly and the viewer can scroll them together.
pub fn shared_frames(scenario: Scenario) -> Vec<(usize, usize)> {
    match scenario {
        Scenario::RichHistory => vec![(6, 0)],
        _ => Vec::new(),
    }
}

fn rich_reports() -> Vec<ReportPlan> {
    use ReportKind::*;
    vec![
        ReportPlan(
            0,
            "2024-03-13",
            DiagnosticReport,
            "CT Chest Abdomen Pelvis report",
            "Synthetic report. 14 mm hypodense lesion in segment VI of the liver, new since \
             the ultrasound of May 2023. No lymphadenopathy. Lungs clear.",
            Some(0),
            true,
        ),
        ReportPlan(
            0,
            "2024-03-20",
            MdtOutcome,
            "Hepatobiliary MDT outcome",
            "Synthetic MDT outcome. Lesion likely benign haemangioma; MR liver in 6 months.",
            Some(0),
            false,
        ),
        ReportPlan(
            0,
            "2024-04-02",
            CarePlan,
            "Imaging follow-up care plan",
            "Synthetic care plan. MR liver with contrast in September 2024; GP to review.",
            Some(0),
            false,
        ),
        ReportPlan(
            1,
            "2022-06-08",
            DiagnosticReport,
            "MR Head report",
            "Synthetic report. Normal appearances of the brain for age.",
            Some(2),
            false,
        ),
    ]
}

fn small_studies() -> Vec<StudyPlan> {
    use SeriesKind::*;
    vec![
        StudyPlan(
            0,
            "20230918",
            "CT",
            "CT Head without contrast",
            vec![SeriesPlan(
                "CT",
                "Axial 5mm brain",
                Ct,
                12,
                256,
                1,
                TS_EXPLICIT_LE,
            )],
        ),
        StudyPlan(
            1,
            "20210404",
            "CR",
            "CR Chest PA",
            vec![SeriesPlan("CR", "Chest PA", Cr, 1, 384, 1, TS_RLE)],
        ),
        StudyPlan(
            2,
            "20190725",
            "MR",
            "MR Right knee",
            vec![SeriesPlan("MR", "PD sagittal", Mr, 8, 192, 1, TS_JPEG_LS)],
        ),
    ]
}

fn small_reports() -> Vec<ReportPlan> {
    vec![ReportPlan(
        0,
        "2023-09-18",
        ReportKind::DiagnosticReport,
        "CT Head report",
        "Synthetic report. No acute intracranial abnormality.",
        Some(0),
        true,
    )]
}

fn report_only_reports() -> Vec<ReportPlan> {
    use ReportKind::*;
    vec![
        ReportPlan(
            1,
            "2022-01-11",
            DiagnosticReport,
            "Outside CT Thorax report",
            "Synthetic report. Images held outside the registry. Small pleural effusion.",
            None,
            true,
        ),
        ReportPlan(
            0,
            "2022-02-03",
            MdtOutcome,
            "Lung MDT outcome",
            "Synthetic MDT outcome. Effusion resolved clinically; no further imaging.",
            None,
            false,
        ),
    ]
}
