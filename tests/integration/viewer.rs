//! The viewer session against the sandbox, for what the clinician sees around the images:
//! the banner's demographics read from the images (and the warning when an instance names
//! another patient), frames of reference shared by a prior CT, reports held inside a
//! study, key images flagged by a Key Object Selection in a study, records found through
//! XCA opened like FHIR ones (and XCA reports held as PDF, plain text and CDA), and a
//! report's status.

use std::sync::Arc;

use nir_viewer::net::{build_client, NetworkSettings};
use nir_viewer::registry::{DocumentStatus, HistoryQuery};
use nir_viewer::sandbox::SandboxHandle;
use nir_viewer::viewer::report_format::ReportFormat;
use nir_viewer::viewer::views::{HistoryView, StudyView};
use nir_viewer::viewer::{PointerKind, SessionParts, ViewerSession};

use crate::support::{loopback_sandbox, sandbox_viewer, training_parts};

struct Env {
    _sandbox: SandboxHandle,
    session: Arc<ViewerSession>,
    history: HistoryView,
}

async fn look_up(nhs: &str) -> Env {
    look_up_with(nhs, false).await
}

async fn look_up_with(nhs: &str, xca: bool) -> Env {
    look_up_within(nhs, xca, 2 << 30).await
}

async fn look_up_within(nhs: &str, xca: bool, budget_bytes: u64) -> Env {
    let sandbox = loopback_sandbox(false).await;
    let http = build_client(&NetworkSettings::default()).unwrap();
    let parts = SessionParts {
        budget_bytes,
        ..training_parts(&http, sandbox.base_url())
    };
    let (session, backend) = sandbox_viewer(parts, sandbox.base_url(), xca).await;
    let history = session
        .lookup(&*backend, HistoryQuery::for_patient(nhs).unwrap())
        .await
        .unwrap();
    Env {
        _sandbox: sandbox,
        session,
        history,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_banner_shows_the_images_demographics() {
    let env = look_up("9912003888").await;
    assert_eq!(env.history.patient.name, None, "pointers carry no name");
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.nhs_number, "991 200 3888");
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Alex"));
    assert_eq!(identity.patient.birth_date.as_deref(), Some("14-Feb-1958"));
    assert_eq!(identity.patient.sex.as_deref(), Some("Female"));
    assert_eq!(identity.mismatch, None);
    assert!(
        identity.studies_checked >= 5,
        "{}",
        identity.studies_checked
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_of_another_patient_is_flagged_in_the_banner() {
    let env = look_up("9912003918").await;
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Gray"));
    let warning = identity.mismatch.expect("a warning");
    assert!(warning.contains("CT Head"), "{warning}");
    assert!(
        !warning.contains("CR Chest"),
        "only the CT holds the mislabelled instance"
    );
    assert!(!warning.contains("9000000009"), "{warning}");
    let ct = study_record(&env.history, "CT", 0);
    let study = env.session.open_study(ct, |_| {}).await.unwrap();
    assert!(study.demographics_mismatch.is_some());
}

fn study_record<'a>(history: &'a HistoryView, modality: &str, nth: usize) -> &'a str {
    &history
        .records
        .iter()
        .filter(|r| r.modality.as_deref() == Some(modality))
        .nth(nth)
        .unwrap_or_else(|| panic!("no {modality} study {nth}"))
        .id
}

/// The first report in the history.
fn first_report(history: &HistoryView) -> &str {
    &history
        .records
        .iter()
        .find(|r| r.kind == PointerKind::DiagnosticReport)
        .expect("a report")
        .id
}

impl Env {
    /// Opens the `nth` study of `modality` in the history.
    async fn open(&self, modality: &str, nth: usize) -> StudyView {
        let id = study_record(&self.history, modality, nth);
        self.session.open_study(id, |_| {}).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_prior_ct_shares_the_current_cts_frame_of_reference() {
    let env = look_up("9912003888").await;
    let current = env.open("CT", 0).await;
    let prior = env.open("CT", 1).await;
    let (current, prior) = (&current.series[0], &prior.series[0]);
    assert!(current.frame_of_reference.is_some());
    assert_eq!(current.frame_of_reference, prior.frame_of_reference);
    assert_eq!((current.instance_count, prior.instance_count), (400, 100));
    let ends = |p: &[Option<f64>]| (p[0].unwrap(), p[p.len() - 1].unwrap());
    // Each stack starts where it was acquired from: slice 1, at the top.
    assert_eq!(ends(&current.slice_positions), (-1.25, -500.0));
    assert_eq!(ends(&prior.slice_positions), (-5.0, -500.0));
    // Both axial: the normal is row × column cosines, (1,0,0) × (0,1,0).
    assert_eq!(current.slice_normal, Some([0.0, 0.0, 1.0]));
    assert_eq!(prior.slice_normal, current.slice_normal);
    let mr = env.open("MR", 0).await;
    assert!(mr.series[0].frame_of_reference.is_some());
    assert_ne!(mr.series[0].frame_of_reference, current.frame_of_reference);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mr_heads_coronal_series_shares_its_frame_of_reference_but_not_its_plane() {
    let env = look_up("9912003888").await;
    let mr = env.open("MR", 0).await;
    let (axial, coronal) = (&mr.series[0], &mr.series[3]);
    assert_eq!(coronal.description, "FLAIR coronal");
    assert!(axial.frame_of_reference.is_some());
    assert_eq!(axial.frame_of_reference, coronal.frame_of_reference);
    // Row × column cosines: (1,0,0) × (0,1,0) and (1,0,0) × (0,0,-1).
    assert_eq!(axial.slice_normal, Some([0.0, 0.0, 1.0]));
    assert_eq!(coronal.slice_normal, Some([0.0, 1.0, 0.0]));
    // Their distances overlap as numbers (z and y in mm) though they measure different
    // axes: only the normals keep the viewer from pairing them.
    let range = |p: &[Option<f64>]| {
        let values: Vec<f64> = p.iter().flatten().copied().collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    };
    let (a, c) = (
        range(&axial.slice_positions),
        range(&coronal.slice_positions),
    );
    assert!(a.0 < c.1 && c.0 < a.1, "{a:?} {c:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_inside_studies_are_read_from_memory() {
    let env = look_up("9912003888").await;
    let doc = env.open("DOC", 0).await;
    assert_eq!(doc.series[0].document, Some("pdf"));
    let pdf = env.session.open_study_document(&doc.key, 0).await.unwrap();
    assert_eq!(pdf.pdf_url, Some(format!("/document/{}/0", doc.key)));
    let bytes = env.session.study_document_pdf(&doc.key, 0).unwrap();
    assert!(bytes.as_bytes().starts_with(b"%PDF-"));
    let cr = env.open("CR", 0).await;
    let sr = cr
        .series
        .iter()
        .position(|s| s.document == Some("sr"))
        .expect("an SR series");
    assert_eq!(cr.series[0].document, None);
    let report = env.session.open_study_document(&cr.key, sr).await.unwrap();
    assert_eq!(report.title, "Diagnostic imaging report");
    assert!(report
        .text
        .contains("Findings\n  Finding: Synthetic structured report."));
    assert!(report.text.contains("Impression: Normal chest radiograph."));
    assert_eq!(report.pdf_url, None);
    env.session.close_study(&doc.key).unwrap();
    assert!(env.session.study_document_pdf(&doc.key, 0).is_err());
    assert!(env.session.open_study_document(&cr.key, 0).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cts_key_images_map_to_the_slices_its_key_object_selection_flags() {
    let env = look_up("9912003888").await;
    let ct = env.open("CT", 0).await;
    let ko = ct
        .series
        .iter()
        .find(|s| s.document == Some("ko"))
        .expect("the KO series is not an image series");
    assert_eq!(ko.modality, "KO");
    assert_eq!(ct.series[0].document, None);
    let key = env.session.key_images(&ct.key).await.unwrap();
    assert_eq!(key.warnings, Vec::<String>::new());
    let [set] = key.sets.as_slice() else {
        panic!("one key image set: {:?}", key.sets);
    };
    assert_eq!(set.series_key, ko.key);
    assert_eq!(set.title, "Of Interest");
    assert!(set.description.as_deref().unwrap().contains("liver"));
    let mut shown = Vec::new();
    for image in &set.images {
        assert_eq!(image.series_key, ct.series[0].key);
        let (_, facts) = env.session.frame(&ct.key, 0, image.index).await.unwrap();
        shown.push(facts.instance_number.unwrap());
    }
    // The slices the document names, not their neighbours.
    let planned: Vec<i32> = nir_viewer::sandbox::dicom_gen::kos::KEY_SLICES
        .iter()
        .map(|n| i32::try_from(*n).unwrap())
        .collect();
    assert_eq!(shown, planned);
    // A study without a KOS has no key images.
    let mr = env.open("MR", 0).await;
    assert!(env
        .session
        .key_images(&mr.key)
        .await
        .unwrap()
        .sets
        .is_empty());
    env.session.close_study(&ct.key).unwrap();
    assert!(env.session.key_images(&ct.key).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn records_found_through_xca_open_like_fhir_ones() {
    let env = look_up_with("9912003888", true).await;
    assert!(env.history.records.iter().all(|r| r.openable));
    let identity = env.session.confirm_identity().await.unwrap();
    assert_eq!(identity.patient.name.as_deref(), Some("TRAINING, Alex"));
    let study = env.open("MR", 0).await;
    assert_eq!(study.series.len(), 4);
    let (frame, _) = env.session.frame(&study.key, 0, 0).await.unwrap();
    assert!(!frame.bytes.is_empty());
    let care_plan = record_titled(&env.history, "Imaging follow-up care plan");
    let report = env.session.open_report(care_plan).await.unwrap();
    assert_eq!(report.format, ReportFormat::Fhir);
    assert!(report.text.contains("Synthetic"), "{}", report.text);
}

fn record_titled<'a>(history: &'a HistoryView, title: &str) -> &'a str {
    &history
        .records
        .iter()
        // XCA entries describe a report as "Report: <title>".
        .find(|r| r.description.ends_with(title))
        .unwrap_or_else(|| panic!("no record {title}"))
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn xca_reports_held_as_pdf_plain_text_and_cda_open_by_their_media_type() {
    let env = look_up_with("9912003888", true).await;
    // The CT report is held only as a PDF: kept in memory and served to the window.
    let ct = record_titled(&env.history, "CT Chest Abdomen Pelvis report");
    let pdf = env.session.open_report(ct).await.unwrap();
    assert_eq!(pdf.format, ReportFormat::Pdf);
    assert_eq!(
        pdf.pdf_url.as_deref(),
        Some(format!("/report/{ct}").as_str())
    );
    assert!(pdf.sections.is_empty());
    let bytes = env.session.report_pdf(ct).unwrap();
    assert!(bytes.as_bytes().starts_with(b"%PDF-"));
    // The MDT outcome is plain text.
    let mdt = record_titled(&env.history, "Hepatobiliary MDT outcome");
    let text = env.session.open_report(mdt).await.unwrap();
    assert_eq!(text.format, ReportFormat::Text);
    assert_eq!(text.pdf_url, None);
    assert!(
        text.text
            .starts_with("Hepatobiliary MDT outcome\nDate: 2024-03-20"),
        "{}",
        text.text
    );
    assert!(
        text.text.contains("Synthetic MDT outcome."),
        "{}",
        text.text
    );
    // The MR head report is a CDA document that replaces an earlier one: amended.
    let mr = record_titled(&env.history, "MR Head report");
    let cda = env.session.open_report(mr).await.unwrap();
    assert_eq!(cda.format, ReportFormat::Cda);
    assert_eq!(cda.title, "MR Head report");
    assert_eq!(cda.date.as_deref(), Some("2022-06-08"));
    assert_eq!(cda.author.as_deref(), Some("Dr Synthetic Reporter"));
    assert_eq!(cda.status, Some(DocumentStatus::Amended));
    let headings: Vec<&str> = cda.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["Clinical information", "Findings", "Impression"]);
    assert!(cda.sections[1]
        .text
        .contains("• Ventricles of normal size."));
    assert!(cda.sections[1]
        .text
        .contains("Sequence | Plane\nT2 | Axial"));
    assert!(cda.sections[2].text.starts_with("1. Normal MR head"));
    assert!(
        cda.text.contains("Findings\nSynthetic report."),
        "{}",
        cda.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_amended_report_says_so_in_the_history_and_when_opened() {
    let env = look_up("9912003888").await;
    let status_of = |title: &str| {
        let record = env
            .history
            .records
            .iter()
            .find(|r| r.description == title)
            .unwrap_or_else(|| panic!("no record {title}"));
        (record.id.clone(), record.status)
    };
    let (amended, status) = status_of("MR Head report");
    assert_eq!(status, Some(DocumentStatus::Amended));
    assert_eq!(
        status_of("CT Chest Abdomen Pelvis report").1,
        Some(DocumentStatus::Final)
    );
    // A care plan has no report status.
    assert_eq!(status_of("Imaging follow-up care plan").1, None);
    let report = env.session.open_report(&amended).await.unwrap();
    assert_eq!(report.status, Some(DocumentStatus::Amended));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_study_larger_than_the_budget_is_refused_before_any_image_is_fetched_and_says_so() {
    let env = look_up_within("9912003888", false, 4 << 20).await;
    let ct = study_record(&env.history, "CT", 0);
    let error = env.session.open_study(ct, |_| {}).await.unwrap_err();
    use nir_viewer::error::UserFacing;
    assert_eq!(error.code(), "study-too-large");
    assert!(
        error
            .user_message()
            .contains("larger than the memory allowed"),
        "{}",
        error.user_message()
    );
    assert!(
        env.session.vault().is_empty(),
        "nothing was fetched or kept"
    );
    // The rest of the session is intact: a report still opens.
    let report = first_report(&env.history);
    env.session.open_report(report).await.unwrap();
}

/// Every instance path the sandbox has served on its own, with its count.
fn instance_requests(sandbox: &SandboxHandle) -> Vec<(String, usize)> {
    sandbox
        .requests()
        .all()
        .into_iter()
        .filter(|(path, _)| path.contains("/instances/") && !path.contains("/frames/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn images_that_have_arrived_are_shown_without_fetching_them_again() {
    let env = look_up("9912003888").await;
    let ct = study_record(&env.history, "CT", 0);
    let (progress_tx, mut progress) = tokio::sync::watch::channel((0usize, false));
    let study = env
        .session
        .open_study(ct, move |p| {
            let _ = progress_tx.send((p.loaded, p.done));
        })
        .await
        .unwrap();
    assert_eq!(study.series[0].instance_count, 400);
    // The retrieval fetches the series on screen as one request and files each image as
    // it arrives; wait until five have been filed while the rest are still arriving.
    tokio::time::timeout(
        std::time::Duration::from_secs(120),
        progress.wait_for(|(loaded, _)| *loaded >= 5),
    )
    .await
    .expect("five images within two minutes")
    .unwrap();
    let before = bulk_requests(&env._sandbox);
    assert!(
        before.iter().any(|(path, _)| path.ends_with(".1.1.1")),
        "the series on screen was requested whole: {before:?}"
    );
    // (The rest of the series may or may not still be arriving by the time these are
    // decoded: on the transfer runtime the sandbox's 400 slices can all land first.)
    for index in 0..5 {
        env.session.frame(&study.key, 0, index).await.unwrap();
    }
    // Shown from what had arrived: nothing was asked for on its own (the sandbox sends
    // the series from slice 1, where the stack starts), and the series request was not
    // made again.
    let singly = instance_requests(&env._sandbox);
    assert!(singly.is_empty(), "nothing on its own: {singly:?}");
    assert!(
        bulk_requests(&env._sandbox)
            .iter()
            .all(|(_, count)| *count == 1),
        "no series was asked for twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_image_asked_for_at_once_is_fetched_only_once() {
    let env = look_up("9912003888").await;
    let ct = study_record(&env.history, "CT", 0);
    let study = env.session.open_study(ct, |_| {}).await.unwrap();
    // Asked for as the window does, the moment the study opens: the retrieval's series
    // request brings the same image first, and this request waits for it instead of
    // racing it.
    env.session.frame(&study.key, 0, 0).await.unwrap();
    let singly = instance_requests(&env._sandbox);
    assert!(
        singly.is_empty(),
        "nothing asked for on its own: {singly:?}"
    );
    let bulk = bulk_requests(&env._sandbox);
    assert!(
        bulk.iter().any(|(path, _)| path.ends_with(".1.1.1")),
        "{bulk:?}"
    );
    assert!(bulk.iter().all(|(_, count)| *count == 1), "{bulk:?}");
}

/// Every retrieval path the sandbox was asked for, with the instances each brought: an
/// instance path brings one, a series or study path all of its instances.
fn transfers_per_instance(sandbox: &SandboxHandle) -> Vec<(String, usize)> {
    let all = sandbox.requests().all();
    let instances: Vec<&(String, usize)> = all
        .iter()
        .filter(|(path, _)| path.contains("/instances/") && !path.contains("/frames/"))
        .collect();
    instances
        .iter()
        .map(|(path, count)| {
            let within: usize = all
                .iter()
                .filter(|(other, _)| {
                    // Searches (QIDO-RS) and metadata bring no instance.
                    !other.ends_with("/metadata")
                        && !other.ends_with("/series")
                        && !other.contains("/instances/")
                        && path.starts_with(&format!("{other}/"))
                })
                .map(|(_, n)| n)
                .sum();
            (path.clone(), count + within)
        })
        .collect()
}

/// The sandbox's study and series retrievals (WADO-RS requests that bring more than one
/// instance), with how often each was made.
fn bulk_requests(sandbox: &SandboxHandle) -> Vec<(String, usize)> {
    sandbox
        .requests()
        .all()
        .into_iter()
        .filter(|(path, _)| {
            path.contains("/studies/")
                && !path.contains("/instances")
                && !path.ends_with("/metadata")
                && !path.ends_with("/series")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_instance_is_fetched_twice_while_the_screen_asks_for_images_during_retrieval() {
    use nir_viewer::dicomweb::Direction;
    let env = look_up("9912003888").await;
    let ct = study_record(&env.history, "CT", 0);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let study = env
        .session
        .open_study(ct, move |progress| {
            if progress.done {
                let _ = done_tx.send(progress);
            }
        })
        .await
        .unwrap();
    let count = study.series[0].instance_count;
    assert_eq!(count, 400);
    // The screen shows the first image and, at once, asks for images the retrieval is far
    // from (a second viewport, say); then it jumps to the middle and scrolls back from
    // there, telling the retrieval each time, while the study is still arriving.
    let (first, last, middle) = tokio::join!(
        env.session.frame(&study.key, 0, 0),
        env.session.frame(&study.key, 0, 399),
        env.session.frame(&study.key, 0, 200),
    );
    first.unwrap();
    last.unwrap();
    middle.unwrap();
    env.session
        .focus_study(&study.key, 0, 250, Direction::Still)
        .unwrap();
    for index in (240..=250).rev() {
        env.session.frame(&study.key, 0, index).await.unwrap();
        env.session
            .focus_study(&study.key, 0, index, Direction::Backward)
            .unwrap();
    }
    // And asks for some the retrieval may not have reached.
    for index in [398, 120, 121, 330] {
        env.session.frame(&study.key, 0, index).await.unwrap();
    }
    let done = tokio::task::spawn_blocking(move || {
        done_rx.recv_timeout(std::time::Duration::from_secs(120))
    })
    .await
    .unwrap()
    .expect("the retrieval finishes");
    assert_eq!(done.error, None);
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);
    assert_eq!(done.loaded, done.total, "every instance arrived");
    let transfers = transfers_per_instance(&env._sandbox);
    // The sandbox sends a series in acquisition order, where the stack starts, so the
    // first image shown is the series response's first part and is not asked for again.
    let twice: Vec<_> = transfers.iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "fetched twice: {twice:?}");
    let bulk = bulk_requests(&env._sandbox);
    let repeated: Vec<_> = bulk.iter().filter(|(_, n)| *n > 1).collect();
    assert!(
        repeated.is_empty(),
        "a series asked for twice: {repeated:?}"
    );
    // The series on screen came as one series request, which the screen waited for
    // instead of asking for its images one by one.
    let on_screen_singly = transfers
        .iter()
        .filter(|(path, _)| path.contains(".1.1.1/instances/"))
        .count();
    assert_eq!(on_screen_singly, 0, "{transfers:?}");
    assert!(
        bulk.iter().any(|(path, _)| path.ends_with(".1.1.1")),
        "{bulk:?}"
    );
    for index in [0, 399, 245] {
        env.session.frame(&study.key, 0, index).await.unwrap();
    }
    assert_eq!(
        transfers_per_instance(&env._sandbox),
        transfers,
        "shown from the vault"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_study_filed_under_a_local_number_says_which_identifier_matched() {
    let env = look_up("9912003888").await;
    let dx = study_record(&env.history, "DX", 0);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    env.session
        .open_study(dx, move |progress| {
            if progress.done {
                let _ = done_tx.send(progress);
            }
        })
        .await
        .unwrap();
    let done = tokio::task::spawn_blocking(move || {
        done_rx.recv_timeout(std::time::Duration::from_secs(60))
    })
    .await
    .unwrap()
    .expect("the retrieval finishes");
    assert_eq!(done.error, None);
    let note = done
        .identity_note
        .expect("a note on the identifier that matched");
    assert!(note.contains("Other Patient IDs"), "{note}");
}
