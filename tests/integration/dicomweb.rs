//! DICOMweb retrieval end to end: against a small fake WADO-RS server that reproduces the
//! sandbox's retrieval scenarios, against the embedded sandbox, and against a real
//! Orthanc with its DICOMweb plugin (byte-for-byte round trip of the shared corpus).

mod busy_and_slow;
mod early_series;
pub(crate) mod fake_server;
pub(crate) mod fake_study;
pub(crate) mod orthanc;
mod sandbox_scenarios;

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::dicomweb::accept::INSTANCE_ACCEPT_FALLBACK;
use nir_viewer::dicomweb::{
    DicomWebClient, DicomWebError, Expectations, InstanceOutcome, QuarantineReason,
    RetrievalProgress, RetrieveOptions, RetrievedStudy, StudyLayout,
};
use nir_viewer::net::{build_client, AccessTokens, NetworkSettings, NoToken, OriginPolicy};
use nir_viewer::nhs_number::NhsNumber;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use fake_server::FakeServer;
use fake_study::{FakeStudy, SeriesCut};

const NHS: &str = "9912003888";
const STUDY: &str = "2.25.4242";

struct FixedToken(&'static str);

impl AccessTokens for FixedToken {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new(self.0.to_string()))
    }
}

fn client_with(tokens: Arc<dyn AccessTokens>) -> DicomWebClient {
    DicomWebClient::new(build_client(&NetworkSettings::default()).unwrap(), tokens)
}

fn client() -> DicomWebClient {
    client_with(Arc::new(NoToken))
}

fn expectations(nhs: &str, study: &str) -> Expectations {
    Expectations {
        nhs_number: NhsNumber::parse(nhs).unwrap(),
        study_uid: study.into(),
    }
}

fn options() -> RetrieveOptions {
    RetrieveOptions {
        current_series: None,
        current_index: 0,
        concurrency: 3,
        budget_bytes: 512 << 20,
    }
}

/// Every series of `study` holds its instances in the order `layout` displays them.
fn assert_display_order(study: &RetrievedStudy, layout: &StudyLayout) {
    for (series, laid_out) in study.series.iter().zip(&layout.series) {
        let got: Vec<_> = series
            .instances
            .iter()
            .map(|i| &i.sop_instance_uid)
            .collect();
        let want: Vec<_> = laid_out
            .instances
            .iter()
            .map(|i| &i.sop_instance_uid)
            .collect();
        assert_eq!(got, want, "display order of series {}", laid_out.series_uid);
    }
}

/// Starts retrieving `layout` on a task of its own, waits up to `wait` for its first progress
/// event, then cancels it; returns that event and the retrieval's outcome (waited for as
/// long again).
async fn cancel_after_first_progress(
    client: &Arc<DicomWebClient>,
    layout: StudyLayout,
    expectations: Expectations,
    options: RetrieveOptions,
    wait: Duration,
) -> (RetrievalProgress, Result<RetrievedStudy, DicomWebError>) {
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = {
        let (client, cancel) = (Arc::clone(client), cancel.clone());
        tokio::spawn(async move {
            client
                .retrieve_study(&layout, &expectations, options, progress_tx, cancel)
                .await
        })
    };
    let first = tokio::time::timeout(wait, progress_rx.recv())
        .await
        .expect("a progress event arrives")
        .expect("the channel is open");
    cancel.cancel();
    let outcome = tokio::time::timeout(wait, task)
        .await
        .expect("cancelling ends the retrieval")
        .unwrap();
    (first, outcome)
}

async fn serve(study: FakeStudy) -> (FakeServer, url::Url) {
    let metadata = study.metadata_path();
    let study = Arc::new(study);
    let server = FakeServer::start(move |request| study.route(request)).await;
    let url = server.url(&metadata);
    (server, url)
}

async fn retrieve(
    client: &DicomWebClient,
    url: &url::Url,
    nhs: &str,
    options: RetrieveOptions,
) -> (StudyLayout, RetrievedStudy) {
    let layout = client.study_metadata(url).await.unwrap();
    let (progress, _receiver) = mpsc::unbounded_channel();
    let study = client
        .retrieve_study(
            &layout,
            &expectations(nhs, &layout.study_uid.clone()),
            options,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    (layout, study)
}

#[tokio::test]
async fn retrieves_a_study_in_display_order_sending_no_store_and_the_bearer() {
    let mut study = FakeStudy::new(NHS, STUDY, &[12, 3]);
    study.behaviour.token = Some("good-token".into());
    let (server, url) = serve(study).await;
    let client = client_with(Arc::new(FixedToken("good-token")))
        .with_origin_policy(OriginPolicy::listed([&url], false));
    let options = RetrieveOptions {
        current_series: Some(format!("{STUDY}.1")),
        current_index: 5,
        ..options()
    };
    let (layout, study) = retrieve(&client, &url, NHS, options).await;
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    assert_eq!(study.instance_count(), 15);
    assert_display_order(&study, &layout);
    let requests = server.requests();
    // The series on screen first, whole. (Its first part is slice 1, not the slice on
    // screen, so that one may be asked for on its own as well, unless the whole series
    // has landed first: see the order tests below.)
    assert!(
        requests[1].path.ends_with(&format!("/series/{STUDY}.1")),
        "{:?}",
        requests[1]
    );
    for request in &requests {
        assert_eq!(request.header("cache-control"), Some("no-store"));
        assert_eq!(request.header("authorization"), Some("Bearer good-token"));
    }
}

/// Requests for single instances, and how many times each series was asked for.
fn request_shapes(server: &FakeServer) -> (Vec<fake_server::Request>, Vec<usize>) {
    let requests = server.requests();
    let singles = requests
        .iter()
        .filter(|r| r.path.contains("/instances/"))
        .cloned()
        .collect();
    let per_series = [".1", ".2"]
        .iter()
        .map(|suffix| {
            requests
                .iter()
                .filter(|r| r.path.ends_with(&format!("/series/{STUDY}{suffix}")))
                .count()
        })
        .collect();
    (singles, per_series)
}

#[tokio::test]
async fn a_server_sending_a_series_as_acquired_gives_every_instance_once() {
    // The stack starts at slice 1, which such a server sends first.
    let study = FakeStudy::new(NHS, STUDY, &[12, 3]);
    let (server, url) = serve(study).await;
    let (layout, study) = retrieve(&client(), &url, NHS, options()).await;
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    assert_eq!(study.instance_count(), 15);
    assert_display_order(&study, &layout);
    let (singles, per_series) = request_shapes(&server);
    assert!(singles.is_empty(), "{singles:?}");
    assert_eq!(per_series, [1, 1]);
}

#[tokio::test]
async fn a_server_sending_a_series_in_another_order_is_asked_for_the_image_on_screen_alone() {
    let mut study = FakeStudy::new(NHS, STUDY, &[30, 3]);
    study.behaviour.reverse_order = true;
    study.behaviour.slow = Some(Duration::from_millis(20));
    let (server, url) = serve(study).await;
    let (layout, study) = retrieve(&client(), &url, NHS, options()).await;
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    assert_eq!(
        study.instance_count(),
        33,
        "the repeat is dropped, not counted"
    );
    assert_display_order(&study, &layout);
    let (singles, per_series) = request_shapes(&server);
    assert_eq!(per_series, [1, 1]);
    assert_eq!(singles.len(), 1, "{singles:?}");
    let first_sop = &layout.series[0].instances[0].sop_instance_uid;
    assert!(singles[0]
        .path
        .ends_with(&format!("/instances/{first_sop}")));
    assert_eq!(
        singles[0].answers_streaming, 1,
        "asked for while the series was still arriving, not after it"
    );
}

#[tokio::test]
async fn an_instance_of_another_patient_is_quarantined_and_the_study_flagged() {
    let mut study = FakeStudy::new(NHS, STUDY, &[6]);
    let mut intruder = study.instances[3].clone();
    intruder.patient_id = "9000000009".into();
    study.serve_instead(&intruder);
    let (_server, url) = serve(study).await;
    let (_, study) = retrieve(&client(), &url, NHS, options()).await;
    assert_eq!(study.instance_count(), 5);
    assert_eq!(study.quarantined.len(), 1);
    assert_eq!(study.quarantined[0].reason, QuarantineReason::WrongPatient);
    assert_eq!(
        study.quarantined[0].sop_instance_uid.as_deref(),
        Some(intruder.sop_uid.as_str())
    );
    assert!(study.is_flagged());
    assert_eq!(study.warnings[0].code, "instances-quarantined");
}

#[tokio::test]
async fn a_series_cut_after_some_instances_is_finished_with_only_those_that_did_not_arrive() {
    // The series on screen comes whole; the other (20 slices) as one series request, which
    // the connection drops half way through its eighth part.
    let mut study = FakeStudy::new(NHS, STUDY, &[3, 20]);
    study.behaviour.cut_series = Some(SeriesCut {
        series: 2,
        after_parts: 7,
    });
    let (server, url) = serve(study).await;
    let (layout, study) = retrieve(&client(), &url, NHS, options()).await;
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    assert_eq!(study.instance_count(), 23, "every instance, each once");
    let (singles, per_series) = request_shapes(&server);
    assert_eq!(
        per_series,
        [1, 1],
        "the cut series is not asked for whole again"
    );
    // Exactly the thirteen that did not arrive whole, each asked for once.
    let sent_first: Vec<&str> = layout.series[1]
        .instances
        .iter()
        .map(|i| i.sop_instance_uid.as_str())
        .collect();
    let mut asked: Vec<&str> = singles
        .iter()
        .filter_map(|r| r.path.rsplit('/').next())
        .collect();
    asked.sort_unstable();
    let mut missing: Vec<&str> = sent_first[7..].to_vec();
    missing.sort_unstable();
    assert_eq!(asked, missing);
}

#[tokio::test]
async fn the_image_on_screen_asked_for_beside_a_series_that_is_cut_is_not_asked_for_again() {
    // The series comes in reverse, 4 KiB at a time, so the image on screen is asked for on
    // its own beside it once the first part is in; that answer is slower still, and the
    // series is cut in its second 4 KiB (after eight parts): the series is then finished
    // instance by instance while the image on screen is still arriving.
    let mut study = FakeStudy::new(NHS, STUDY, &[12, 3]);
    study.behaviour.reverse_order = true;
    study.behaviour.slow = Some(Duration::from_millis(50));
    study.behaviour.slow_single = Some(Duration::from_millis(60));
    study.behaviour.cut_series = Some(SeriesCut {
        series: 1,
        after_parts: 8,
    });
    let (server, url) = serve(study).await;
    let (layout, study) = retrieve(&client(), &url, NHS, options()).await;
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    assert_eq!(study.instance_count(), 15);
    let (singles, per_series) = request_shapes(&server);
    assert_eq!(per_series, [1, 1]);
    let mut asked: Vec<&str> = singles
        .iter()
        .filter_map(|r| r.path.rsplit('/').next())
        .collect();
    asked.sort_unstable();
    let before = asked.len();
    asked.dedup();
    assert_eq!(
        asked.len(),
        before,
        "an instance asked for twice: {asked:?}"
    );
    // The four slices that did not arrive whole (the last eight were sent first).
    assert_eq!(asked.len(), 4, "{asked:?}");
    let first_shown = &layout.series[0].instances[0].sop_instance_uid;
    assert!(asked.contains(&first_shown.as_str()));
}

#[tokio::test]
async fn a_series_cut_before_any_instance_arrived_is_retried_once_then_reported() {
    let mut study = FakeStudy::new(NHS, STUDY, &[3, 20]);
    study.behaviour.cut_series = Some(SeriesCut {
        series: 2,
        after_parts: 0,
    });
    let (server, url) = serve(study).await;
    let (_, study) = retrieve(&client(), &url, NHS, options()).await;
    let (singles, per_series) = request_shapes(&server);
    assert_eq!(per_series[1], 2, "one attempt and one retry");
    assert!(singles.is_empty(), "{singles:?}");
    let codes: Vec<_> = study.warnings.iter().map(|w| w.code).collect();
    assert!(codes.contains(&"transfer-failed"), "{codes:?}");
    assert!(codes.contains(&"series-incomplete"), "{codes:?}");
    assert!(
        study.quarantined.is_empty(),
        "a cut part is never admitted nor quarantined"
    );
}

#[tokio::test]
async fn an_instance_with_short_pixel_data_is_quarantined() {
    let mut study = FakeStudy::new(NHS, STUDY, &[4]);
    let mut corrupt = study.instances[2].clone();
    corrupt.pixel_bytes_missing = 32;
    study.serve_instead(&corrupt);
    let (_server, url) = serve(study).await;
    let (_, study) = retrieve(&client(), &url, NHS, options()).await;
    assert_eq!(study.instance_count(), 3);
    assert!(matches!(
        study.quarantined[0].reason,
        QuarantineReason::PixelDataLength {
            expected: 128,
            actual: 96
        }
    ));
}

#[tokio::test]
async fn a_slow_transfer_reports_progress_and_stops_when_cancelled() {
    let mut study = FakeStudy::new(NHS, STUDY, &[30]);
    study.behaviour.slow = Some(Duration::from_millis(40));
    let (server, url) = serve(study).await;
    let client = Arc::new(client());
    let layout = client.study_metadata(&url).await.unwrap();
    let (first, outcome) = cancel_after_first_progress(
        &client,
        layout,
        expectations(NHS, STUDY),
        options(),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(first.series_uid, format!("{STUDY}.1"));
    assert_eq!(first.expected, 30);
    assert!(first.received >= 1);
    assert!(outcome.unwrap_err().is_cancelled());
    let before = server.requests().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.requests().len(),
        before,
        "no request starts after cancel"
    );
}

#[tokio::test]
async fn an_expired_token_surfaces_as_unauthorized() {
    let mut study = FakeStudy::new(NHS, STUDY, &[2]);
    study.behaviour.token = Some("fresh".into());
    let (_server, url) = serve(study).await;
    let error = client_with(Arc::new(FixedToken("stale")))
        .with_origin_policy(OriginPolicy::listed([&url], false))
        .study_metadata(&url)
        .await
        .unwrap_err();
    assert!(error.is_unauthorized(), "{error}");
    assert!(error.to_string().contains("The access token expired"));
    use nir_viewer::error::UserFacing;
    assert_eq!(error.code(), "dicomweb-unauthorized");
}

#[tokio::test]
async fn the_accept_fallback_is_remembered_per_server() {
    let mut study = FakeStudy::new(NHS, STUDY, &[8]);
    study.behaviour.accept_only = Some(INSTANCE_ACCEPT_FALLBACK[2]);
    let (server, url) = serve(study).await;
    let (_, study) = retrieve(&client(), &url, NHS, options()).await;
    assert_eq!(study.instance_count(), 8);
    let refused = server
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/metadata"))
        .filter(|r| r.header("accept") != Some(INSTANCE_ACCEPT_FALLBACK[2]))
        .count();
    assert_eq!(refused, 2, "only the first request walks the list");
}

#[tokio::test]
async fn a_study_over_the_memory_budget_is_refused_before_any_pixel() {
    let (server, url) = serve(FakeStudy::new(NHS, STUDY, &[10])).await;
    let client = client();
    let layout = client.study_metadata(&url).await.unwrap();
    let (progress, _) = mpsc::unbounded_channel();
    let options = RetrieveOptions {
        budget_bytes: 1000,
        ..options()
    };
    let error = client
        .retrieve_study(
            &layout,
            &expectations(NHS, STUDY),
            options,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(error.is_over_budget());
    use nir_viewer::error::UserFacing;
    assert!(error
        .user_message()
        .contains("larger than the memory the viewer may use"));
    assert_eq!(server.requests().len(), 1, "only the metadata was fetched");
}

#[tokio::test]
async fn lf_only_multipart_instances_and_frames_on_demand() {
    let mut study = FakeStudy::new(NHS, STUDY, &[3]);
    study.behaviour.lf_only = true;
    let expected_pixels = {
        let bytes = study.served[&study.instances[1].sop_uid].clone();
        bytes[bytes.len() - 128..].to_vec()
    };
    let (_server, url) = serve(study).await;
    let client = client();
    let layout = client.study_metadata(&url).await.unwrap();
    let series = layout.series[0].series_uid.clone();
    let sop = format!("{STUDY}.1.2");
    let cancel = CancellationToken::new();
    let outcome = client
        .retrieve_instance(&layout, &expectations(NHS, STUDY), &series, &sop, &cancel)
        .await
        .unwrap();
    let InstanceOutcome::Admitted(instance) = outcome else {
        panic!("instance withheld: {outcome:?}");
    };
    assert_eq!(instance.sop_instance_uid, sop);
    let frames = client
        .retrieve_frames(&layout, &series, &sop, &[1], &cancel)
        .await
        .unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].as_slice(), expected_pixels.as_slice());
    let wrong_study = expectations(NHS, "2.25.1");
    let outcome = client
        .retrieve_instance(&layout, &wrong_study, &series, &sop, &cancel)
        .await
        .unwrap();
    assert!(
        matches!(outcome, InstanceOutcome::Quarantined(q) if q.reason == QuarantineReason::WrongStudy)
    );
}
