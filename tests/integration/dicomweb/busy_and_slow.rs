//! Retrieval from servers that are busy or slow, as real ones are: a PACS answering
//! `503 Service Unavailable` with `Retry-After` (RFC 9110 sections 15.6.4 and 10.2.3) to the
//! first request for each address must still yield the whole study; one that stays busy
//! must be reported as busy after a bounded number of waits; a large series trickling in
//! slowly but steadily must complete even when it takes longer than the total timeout of
//! API calls, while one that stops sending is given up by the idle timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nir_viewer::dicomweb::busy::BusyPolicy;
use nir_viewer::dicomweb::{DicomWebClient, DicomWebError, Resource};
use nir_viewer::net::{build_client, NetworkSettings, NoToken};

use super::fake_server::{FakeServer, Reply};
use super::fake_study::FakeStudy;
use super::{options, retrieve, NHS, STUDY};

fn client_over(settings: &NetworkSettings) -> DicomWebClient {
    DicomWebClient::new(build_client(settings).unwrap(), Arc::new(NoToken))
}

/// Every instance of `fake` arrived, byte for byte.
fn assert_intact(fake: &FakeStudy, study: &nir_viewer::dicomweb::RetrievedStudy) {
    let arrived: HashMap<_, _> = study
        .series
        .iter()
        .flat_map(|series| &series.instances)
        .map(|instance| (instance.sop_instance_uid.clone(), instance.bytes.to_vec()))
        .collect();
    assert_eq!(
        arrived.len(),
        fake.instances.len(),
        "every instance arrived"
    );
    for (sop, bytes) in &fake.served {
        assert_eq!(arrived.get(sop), Some(bytes), "instance {sop} intact");
    }
    assert!(study.quarantined.is_empty() && study.warnings.is_empty());
}

#[tokio::test]
async fn a_server_answering_503_with_retry_after_to_each_first_request_still_gives_the_study() {
    let fake = Arc::new(FakeStudy::new(NHS, STUDY, &[6, 4]));
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let server = {
        let (fake, seen) = (fake.clone(), seen.clone());
        FakeServer::start(move |request| {
            let mut seen = seen.lock().unwrap();
            let count = seen.entry(request.path.clone()).or_default();
            *count += 1;
            if *count == 1 {
                return Reply::new(503, "text/plain", b"busy".to_vec())
                    .with_header("Retry-After", "1");
            }
            fake.route(request)
        })
        .await
    };
    let url = server.url(&fake.metadata_path());
    let started = Instant::now();
    let (_, study) = retrieve(
        &client_over(&NetworkSettings::default()),
        &url,
        NHS,
        options(),
    )
    .await;
    assert_intact(&fake, &study);
    // Each address was asked twice: the busy answer, then the real one after the wait.
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "metadata and at least one series");
    assert!(seen.values().all(|&count| count == 2), "{seen:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the Retry-After was honoured"
    );
}

#[tokio::test]
async fn a_server_that_stays_busy_is_reported_busy_after_a_bounded_number_of_waits() {
    let server = FakeServer::start(|_| {
        Reply::new(429, "text/plain", Vec::new()).with_header("Retry-After", "0")
    })
    .await;
    let policy = BusyPolicy {
        max_waits: 2,
        ..BusyPolicy::default()
    };
    let client = client_over(&NetworkSettings::default()).with_busy_policy(policy);
    let error = client
        .study_metadata(&server.url("w/studies/1.2/metadata"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            DicomWebError::Busy {
                resource: Resource::Metadata,
                status: 429,
                retry_after_seconds: Some(0)
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 3, "one request and two waits");
}

#[tokio::test]
async fn a_server_asking_for_an_hour_is_reported_busy_without_waiting() {
    let server = FakeServer::start(|_| {
        Reply::new(503, "text/plain", Vec::new()).with_header("Retry-After", "3600")
    })
    .await;
    let error = client_over(&NetworkSettings::default())
        .study_metadata(&server.url("w/studies/1.2/metadata"))
        .await
        .unwrap_err();
    assert!(error.is_busy(), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_series_trickling_in_for_longer_than_the_api_timeout_still_completes() {
    let mut fake = FakeStudy::new(NHS, STUDY, &[120]);
    // About 20 chunks of 4 KiB, 120 ms apart: over two seconds for the one series request.
    fake.behaviour.slow = Some(Duration::from_millis(120));
    let fake = Arc::new(fake);
    let server = {
        let fake = fake.clone();
        FakeServer::start(move |request| fake.route(request)).await
    };
    let settings = NetworkSettings {
        request_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        ..NetworkSettings::default()
    };
    let url = server.url(&fake.metadata_path());
    let (_, study) = retrieve(&client_over(&settings), &url, NHS, options()).await;
    assert_intact(&fake, &study);
}

#[tokio::test]
async fn a_transfer_that_stops_sending_is_given_up_as_a_timeout() {
    let server = FakeServer::start(|_| {
        let mut reply = Reply::new(200, "application/dicom", vec![0; 64]);
        reply.chunk_size = 16;
        reply.chunk_delay = Some(Duration::from_secs(5));
        reply
    })
    .await;
    let settings = NetworkSettings {
        idle_timeout: Duration::from_millis(300),
        ..NetworkSettings::default()
    };
    let url = server.url("w/studies/1.2/series/1.3/instances/1.4");
    let error = client_over(&settings)
        .fetch_all_parts(
            &url,
            Resource::Instance,
            nir_viewer::dicomweb::accept::AcceptList::Instances,
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}
