//! Retrieval benchmark driver, run by `bench/retrieve.sh` (see docs/benchmarks.md).
//!
//! `load --base URL --count N` stores a synthetic N-slice 512×512 CT in a DICOMweb server
//! over STOW-RS and prints its metadata URL. `measure --metadata URL --nhs N --mode M`
//! measures one thing per process, so peak memory belongs to that measurement alone:
//! `study` (the viewer's real path: metadata, then the scheduled, verified retrieval, each
//! instance handed over as it arrives; also prints when the first image shown arrived, counted from
//! before the metadata request),
//! `raw` (the single study-level multipart request `curl` makes, through our parser),
//! `series` (one request per series), `instances` (one request per instance,
//! `--concurrency N` at once, `--pooled` to keep connections alive between them, which the
//! viewer's client does not; `--list-urls` prints them as a curl config instead), `first`
//! (from "open study" to the first decoded image, the first instance asked for after the
//! metadata) and `open` (the viewer's open: the first series asked for beside the
//! metadata, its first image decoded as the preview, then the retrieval adopting that
//! request; prints when the preview was decoded, when the first image shown and the whole
//! study were admitted).
//! `study` also takes `--concurrency N` (the viewer uses 4). Results are `key=value` lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/integration/support/dicomweb_bulk.rs"]
mod dicomweb_bulk;

use std::sync::Arc;
use std::time::Instant;

use dicom_pixeldata::PixelDecoder;
use futures_util::StreamExt;
use nir_viewer::dicomweb::accept::AcceptList;
use nir_viewer::dicomweb::synthetic::SyntheticInstance;
use nir_viewer::dicomweb::Resource;
use nir_viewer::dicomweb::{DicomWebClient, Expectations, InstanceOutcome, RetrieveOptions};
use nir_viewer::net::{build_client, NetworkSettings, NoToken};
use nir_viewer::nhs_number::NhsNumber;
use tokio_util::sync::CancellationToken;

/// The viewer's own allocator (`src/main.rs`), so instances are kept as the viewer keeps
/// them: large blocks mapped on their own, the rest wiped when freed.
#[global_allocator]
static ALLOCATOR: nir_viewer::vault::ZeroOnFree = nir_viewer::vault::ZeroOnFree;

/// Keeps every admitted instance in memory and notes when the first image shown (the
/// stack's first of the first series) arrived.
#[derive(Default)]
struct FirstArrival {
    first_shown: String,
    first: std::sync::OnceLock<Instant>,
    kept: std::sync::Mutex<Vec<nir_viewer::dicomweb::RetrievedInstance>>,
}

impl nir_viewer::dicomweb::InstanceSink for FirstArrival {
    fn keep(
        &self,
        instance: nir_viewer::dicomweb::RetrievedInstance,
    ) -> Result<(), nir_viewer::dicomweb::DicomWebError> {
        if instance.sop_instance_uid == self.first_shown {
            let _ = self.first.set(Instant::now());
        }
        self.kept.lock().unwrap().push(instance);
        Ok(())
    }

    fn kept_equals(&self, sop_instance_uid: &str, bytes: &[u8]) -> Option<bool> {
        let kept = self.kept.lock().unwrap();
        let held = kept
            .iter()
            .find(|i| i.sop_instance_uid == sop_instance_uid)?;
        Some(held.bytes[..] == *bytes)
    }
}

fn argument(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn required(name: &str) -> String {
    argument(name).unwrap_or_else(|| panic!("missing {name}"))
}

/// Peak resident set size of this process, from /proc (Linux).
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// `base` with path segments appended (WADO-RS resource paths, PS3.18 10.4.1).
fn below(base: &url::Url, segments: &[&str]) -> url::Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .unwrap()
        .pop_if_empty()
        .extend(segments);
    url
}

fn settings() -> NetworkSettings {
    NetworkSettings {
        request_timeout: std::time::Duration::from_secs(600),
        ..NetworkSettings::default()
    }
}

#[tokio::main]
async fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("load") => load().await,
        // Every measurement runs where the viewer runs its retrievals.
        Some("measure") => nir_viewer::dicomweb::spawn_transfer(measure())
            .await
            .unwrap(),
        _ => eprintln!("usage: retrieve_bench load|measure ..."),
    }
}

async fn load() {
    let base = url::Url::parse(&required("--base")).unwrap();
    let count: i32 = required("--count").parse().unwrap();
    let nhs = argument("--nhs").unwrap_or_else(|| "9912003888".into());
    let study = format!("2.25.{}", uuid::Uuid::new_v4().as_u128());
    let http = build_client(&settings()).unwrap();
    let numbers: Vec<i32> = (1..=count).collect();
    for batch in numbers.chunks(25) {
        let files: Vec<Vec<u8>> = batch
            .iter()
            .map(|number| {
                SyntheticInstance::slice(&nhs, &study, 1, *number, 512)
                    .to_part10()
                    .unwrap()
            })
            .collect();
        let response = dicomweb_bulk::stow(&http, base.join("studies").unwrap(), &files)
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "STOW-RS answered {}",
            response.status()
        );
    }
    println!(
        "metadata={}",
        base.join(&format!("studies/{study}/metadata")).unwrap()
    );
}

async fn measure() {
    let metadata = url::Url::parse(&required("--metadata")).unwrap();
    let nhs = NhsNumber::parse(&required("--nhs")).unwrap();
    let mode = required("--mode");
    let concurrency: usize = argument("--concurrency").map_or(4, |n| n.parse().unwrap());
    let pooled = std::env::args().any(|a| a == "--pooled");
    let http = build_client(&settings()).unwrap();
    let http = if pooled {
        reqwest::Client::builder()
            .timeout(settings().request_timeout)
            .build()
            .unwrap()
    } else {
        http
    };
    let client = Arc::new(DicomWebClient::new(http, Arc::new(NoToken)));
    let cancel = CancellationToken::new();
    let baseline = peak_rss_bytes();
    if mode == "open" {
        return open_study(&client, &metadata, nhs, baseline).await;
    }
    let start = Instant::now();
    let layout = client.study_metadata(&metadata).await.unwrap();
    println!("metadata_seconds={:.3}", start.elapsed().as_secs_f64());
    let after_metadata = Instant::now();
    let expectations = Expectations {
        nhs_number: nhs,
        study_uid: layout.study_uid.clone(),
    };
    match mode.as_str() {
        "study" => {
            let (progress, _receiver) = tokio::sync::mpsc::unbounded_channel();
            let options = RetrieveOptions {
                current_series: None,
                current_index: 0,
                concurrency,
                budget_bytes: 8 << 30,
            };
            // As the viewer keeps them: each instance handed over as it is admitted.
            let sink = FirstArrival {
                first_shown: layout.series[0].instances[0].sop_instance_uid.clone(),
                ..FirstArrival::default()
            };
            let study = client
                .retrieve_study_into(
                    &layout,
                    &expectations,
                    options,
                    Some(&sink),
                    progress,
                    cancel,
                )
                .await
                .unwrap();
            let elapsed = after_metadata.elapsed();
            assert!(!study.is_flagged(), "{:?}", study.warnings);
            let kept = sink.kept.lock().unwrap();
            let first = sink.first.get().expect("an instance arrived");
            println!("instances={}", study.instance_count());
            println!("seconds={:.3}", elapsed.as_secs_f64());
            println!(
                "first_shown_seconds={:.3}",
                first.duration_since(start).as_secs_f64()
            );
            println!(
                "received_bytes={}",
                kept.iter().map(|i| i.bytes.len()).sum::<usize>()
            );
        }
        "raw" => {
            let parts = dicomweb_bulk::every_instance(&client, &layout, &cancel)
                .await
                .unwrap();
            println!("instances={}", parts.len());
            println!("seconds={:.3}", after_metadata.elapsed().as_secs_f64());
        }
        "series" => {
            let mut parts = 0;
            for series in &layout.series {
                let url = below(&layout.study_url, &["series", &series.series_uid]);
                parts += client
                    .fetch_all_parts(&url, Resource::Series, AcceptList::Instances, &cancel)
                    .await
                    .unwrap()
                    .len();
            }
            println!("instances={parts}");
            println!("seconds={:.3}", after_metadata.elapsed().as_secs_f64());
        }
        "instances" => {
            let urls: Vec<url::Url> = layout
                .series
                .iter()
                .flat_map(|series| {
                    series.instances.iter().map(|instance| {
                        below(
                            &layout.study_url,
                            &[
                                "series",
                                &series.series_uid,
                                "instances",
                                &instance.sop_instance_uid,
                            ],
                        )
                    })
                })
                .collect();
            if std::env::args().any(|a| a == "--list-urls") {
                // A curl config file (`curl -K`): every instance's URL, to /dev/null.
                for url in &urls {
                    println!("url = \"{url}\"\noutput = \"/dev/null\"");
                }
                return;
            }
            let parts: usize = futures_util::stream::iter(urls)
                .map(|url| {
                    let (client, cancel) = (&client, &cancel);
                    async move {
                        client
                            .fetch_all_parts(
                                &url,
                                Resource::Instance,
                                AcceptList::Instances,
                                cancel,
                            )
                            .await
                            .unwrap()
                            .len()
                    }
                })
                .buffer_unordered(concurrency)
                .fold(0, |sum, n| async move { sum + n })
                .await;
            println!("instances={parts}");
            println!("seconds={:.3}", after_metadata.elapsed().as_secs_f64());
        }
        "first" => {
            let series = &layout.series[0];
            let sop = &series.instances[0].sop_instance_uid;
            let outcome = client
                .retrieve_instance(&layout, &expectations, &series.series_uid, sop, &cancel)
                .await
                .unwrap();
            let InstanceOutcome::Admitted(instance) = outcome else {
                panic!("the first instance was withheld");
            };
            let object = dicom_object::OpenFileOptions::new()
                .from_reader(&instance.bytes[128..])
                .unwrap();
            let decoded = object.decode_pixel_data().unwrap();
            let samples = decoded.data().len();
            println!("seconds={:.3}", start.elapsed().as_secs_f64());
            println!(
                "after_metadata_seconds={:.3}",
                after_metadata.elapsed().as_secs_f64()
            );
            println!("decoded_bytes_first={samples}");
        }
        other => panic!("unknown mode {other}"),
    }
    println!("decoded_bytes={}", layout.decoded_bytes());
    println!("baseline_rss_bytes={baseline}");
    println!("peak_rss_bytes={}", peak_rss_bytes());
}

/// The viewer's open, as `viewer::study` runs it on the transfer runtime: the first series
/// asked for beside the metadata (its first part, once verified, decoded for the preview
/// exactly as the viewer decodes it), then the retrieval adopting that request. Prints when
/// the preview was decoded, when the first image shown was admitted and when the whole
/// study was, each counted from before the metadata request.
async fn open_study(
    client: &Arc<DicomWebClient>,
    metadata: &url::Url,
    nhs: NhsNumber,
    baseline: u64,
) {
    let study_uid = metadata
        .path_segments()
        .and_then(|s| s.rev().nth(1).map(str::to_owned))
        .expect("a metadata URL ends .../studies/{uid}/metadata");
    let expectations = Expectations {
        nhs_number: nhs,
        study_uid,
    };
    let start = Instant::now();
    let preview = Arc::new(std::sync::OnceLock::<Instant>::new());
    let decoded_preview = Arc::clone(&preview);
    let early_start = nir_viewer::dicomweb::EarlyStart {
        metadata_url: metadata.clone(),
        expectations: expectations.clone(),
        hold_bytes: 64 << 20,
        cancel: CancellationToken::new(),
        first_part: Some(Box::new(move |part, _facts| {
            let decoded = nir_viewer::imaging::decode_image(
                &part.body,
                &nir_viewer::imaging::DecodeLimits::default(),
                Some(0),
            )
            .unwrap();
            let frame = nir_viewer::viewer::to_display_frame(
                &decoded.frames[0],
                decoded.rows,
                decoded.columns,
            );
            assert!(!frame.bytes.is_empty());
            let _ = decoded_preview.set(Instant::now());
        })),
    };
    let early_client = Arc::clone(client);
    let early = nir_viewer::dicomweb::spawn_transfer(async move {
        early_client.start_early_series(early_start).await.unwrap()
    });
    let layout = client.study_metadata(metadata).await.unwrap();
    let metadata_seconds = start.elapsed().as_secs_f64();
    let early = if early.is_finished() {
        early.await.unwrap()
    } else {
        early.abort();
        None
    };
    let adopted = early.is_some();
    let (progress, _receiver) = tokio::sync::mpsc::unbounded_channel();
    let options = RetrieveOptions {
        current_series: None,
        current_index: 0,
        concurrency: 4,
        budget_bytes: 8 << 30,
    };
    let queue = nir_viewer::dicomweb::SharedQueue::new(nir_viewer::dicomweb::RetrievalQueue::new(
        &layout,
        options.focus(&layout),
    ));
    let sink = Arc::new(FirstArrival {
        first_shown: layout.series[0].instances[0].sop_instance_uid.clone(),
        ..FirstArrival::default()
    });
    let (client, layout, held) = (Arc::clone(client), Arc::new(layout), Arc::clone(&sink));
    let retrieval_layout = Arc::clone(&layout);
    let study = nir_viewer::dicomweb::spawn_transfer(async move {
        client
            .retrieve_study_adopting(
                &retrieval_layout,
                &expectations,
                options,
                &queue,
                Some(&*held),
                early,
                progress,
                CancellationToken::new(),
            )
            .await
            .unwrap()
    })
    .await
    .unwrap();
    let whole = start.elapsed().as_secs_f64();
    assert!(!study.is_flagged(), "{:?}", study.warnings);
    let since = |at: Option<&Instant>| at.map_or(-1.0, |t| t.duration_since(start).as_secs_f64());
    println!("adopted={adopted}");
    println!("instances={}", study.instance_count());
    println!("metadata_seconds={metadata_seconds:.3}");
    println!("preview_seconds={:.3}", since(preview.get()));
    println!("first_shown_seconds={:.3}", since(sink.first.get()));
    println!("whole_seconds={whole:.3}");
    println!("decoded_bytes={}", layout.decoded_bytes());
    println!("baseline_rss_bytes={baseline}");
    println!("peak_rss_bytes={}", peak_rss_bytes());
}
