//! The first series asked for beside the study's metadata ([`DicomWebClient::start_early_series`]):
//! against a fake server that is slow to start its metadata answer (as a server writing every
//! instance's header is), the first image arrives and is offered for a preview before the
//! metadata does; the retrieval then adopts the request, so every instance still comes once;
//! a request checked against other expectations is not adopted and brings nothing into the
//! study; and a first part that fails the pointer checks is never offered, nor any part after it.

use std::sync::{mpsc as std_mpsc, Arc};
use std::time::{Duration, Instant};

use nir_viewer::dicomweb::synthetic::SyntheticInstance;
use nir_viewer::dicomweb::{
    DicomWebClient, EarlySeries, EarlyStart, Focus, QuarantineReason, RetrievalQueue,
    RetrievedStudy, SharedQueue, StudyLayout,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::fake_study::FakeStudy;
use super::{client, expectations, options, request_shapes, serve, NHS, STUDY};

const SLOW_METADATA: Duration = Duration::from_millis(400);

/// Starts the early request for the study at `url`, checked against `nhs`; the offered
/// first part's SOP Instance UID and when it was offered go to the returned receiver.
async fn start(
    client: &Arc<DicomWebClient>,
    url: &url::Url,
    nhs: &str,
) -> (EarlySeries, std_mpsc::Receiver<(String, Instant)>) {
    let (offered_tx, offered) = std_mpsc::channel();
    let early = client
        .start_early_series(EarlyStart {
            metadata_url: url.clone(),
            expectations: expectations(nhs, STUDY),
            hold_bytes: 4 << 10,
            cancel: CancellationToken::new(),
            first_part: Some(Box::new(move |_part, facts| {
                let _ = offered_tx.send((facts.sop_instance_uid.clone(), Instant::now()));
            })),
        })
        .await
        .unwrap()
        .expect("the series search finds the study's series");
    (early, offered)
}

/// Retrieves `layout`, adopting `early` if the retrieval's first request is for its series.
async fn retrieve_adopting(
    client: &DicomWebClient,
    layout: &StudyLayout,
    early: EarlySeries,
) -> RetrievedStudy {
    let queue = SharedQueue::new(RetrievalQueue::new(
        layout,
        Focus {
            series: 0,
            instance: 0,
            direction: Default::default(),
        },
    ));
    let (progress, _receiver) = mpsc::unbounded_channel();
    client
        .retrieve_study_adopting(
            layout,
            &expectations(NHS, STUDY),
            options(),
            &queue,
            None,
            Some(early),
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_image_arrives_before_slow_metadata_and_every_instance_still_comes_once() {
    let mut study = FakeStudy::new(NHS, STUDY, &[12, 3]);
    study.behaviour.slow_metadata = Some(SLOW_METADATA);
    let (server, url) = serve(study).await;
    let client = Arc::new(client());
    let (early, offered) = start(&client, &url, NHS).await;
    assert_eq!(early.series_uid(), format!("{STUDY}.1"));
    let layout = client.study_metadata(&url).await.unwrap();
    let metadata_in = Instant::now();
    let (sop, when) = offered
        .recv_timeout(Duration::from_secs(5))
        .expect("the first verified part is offered");
    assert!(
        when < metadata_in,
        "offered {:?} after the metadata",
        when - metadata_in
    );
    assert_eq!(
        sop, layout.series[0].instances[0].sop_instance_uid,
        "the stack's first image, which this server sends first"
    );
    let retrieved = retrieve_adopting(&client, &layout, early).await;
    assert!(!retrieved.is_flagged(), "{:?}", retrieved.warnings);
    assert_eq!(retrieved.instance_count(), 15);
    let (singles, per_series) = request_shapes(&server);
    assert!(singles.is_empty(), "{singles:?}");
    assert_eq!(
        per_series,
        [1, 1],
        "the early request is the series' only one"
    );
}

#[tokio::test]
async fn an_early_request_checked_for_another_patient_is_not_adopted_and_brings_nothing() {
    let mut study = FakeStudy::new(NHS, STUDY, &[4, 2]);
    study.behaviour.slow_metadata = Some(Duration::from_millis(100));
    let (server, url) = serve(study).await;
    let client = Arc::new(client());
    // Another valid NHS number: every part fails the early request's check.
    let (early, offered) = start(&client, &url, "9434765919").await;
    let layout = client.study_metadata(&url).await.unwrap();
    let retrieved = retrieve_adopting(&client, &layout, early).await;
    assert!(
        offered.try_recv().is_err(),
        "no part of another patient is offered"
    );
    assert!(!retrieved.is_flagged(), "{:?}", retrieved.warnings);
    assert_eq!(retrieved.instance_count(), 6);
    let (_, per_series) = request_shapes(&server);
    assert_eq!(
        per_series,
        [2, 1],
        "the retrieval asks for the series itself"
    );
}

#[tokio::test]
async fn a_first_part_failing_the_pointer_checks_is_never_offered_nor_any_after_it() {
    let mut study = FakeStudy::new(NHS, STUDY, &[5]);
    study.behaviour.slow_metadata = Some(Duration::from_millis(100));
    let mut impostor = SyntheticInstance::slice("9434765919", STUDY, 1, 1, 8);
    impostor.sop_uid = study.instances[0].sop_uid.clone();
    study.serve_instead(&impostor);
    let (_server, url) = serve(study).await;
    let client = Arc::new(client());
    let (early, offered) = start(&client, &url, NHS).await;
    let layout = client.study_metadata(&url).await.unwrap();
    let retrieved = retrieve_adopting(&client, &layout, early).await;
    assert!(
        offered.try_recv().is_err(),
        "only the first part may be offered, and it is another patient's"
    );
    assert_eq!(retrieved.instance_count(), 4);
    assert!(retrieved
        .quarantined
        .iter()
        .any(|q| q.reason == QuarantineReason::WrongPatient));
}
