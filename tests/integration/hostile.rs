//! Hostile files and answers from providers, each run through the real binary as a child
//! whose peak resident memory is measured: a small DICOM whose Pixel Data declares 1 GiB,
//! 12-bit JPEGs whose frame header claims 16384×16384, and a WADO-RS answer that declares
//! `Content-Length: 2000000000` and sends 16 bytes. Each must end in a clear refusal (not a
//! panic, not the kernel's OOM killer), stay under [`PEAK_LIMIT_MIB`], and leave the rest of
//! the run intact: a valid file in the same `render` run still decodes, a valid series of
//! the same study is still retrieved and decoded.

mod fixtures;
mod peak_rss;

use std::process::Command;
use std::time::Duration;

use nir_viewer::dicomweb::synthetic::SyntheticInstance;

use crate::dicomweb::fake_server::{FakeServer, Reply};
use crate::dicomweb::fake_study::FakeStudy;
use peak_rss::{run_measured, Finished};

/// The most resident memory any of these runs may reach.
const PEAK_LIMIT_MIB: u64 = 200;
const DEADLINE: Duration = Duration::from_secs(120);

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nir-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `nir-viewer render` over `files` (written into a scratch directory) and a valid slice.
fn render_with_a_valid_file(name: &str, files: &[(&str, Vec<u8>)]) -> (Finished, bool) {
    let dir = scratch(name);
    let out = dir.join("out");
    let valid = SyntheticInstance::slice("9912003888", "2.25.77", 1, 1, 64)
        .to_part10()
        .unwrap();
    std::fs::write(dir.join("valid.dcm"), valid).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_nir-viewer"));
    command.arg("render");
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
        command.arg(dir.join(file));
    }
    command
        .arg(dir.join("valid.dcm"))
        .arg("--out")
        .arg(&out)
        .env_remove("DISPLAY");
    let finished = run_measured(command, DEADLINE);
    let valid_rendered = out.join("valid.npy").exists();
    std::fs::remove_dir_all(&dir).unwrap();
    (finished, valid_rendered)
}

fn assert_refused_within_limit(finished: &Finished, what: &str) {
    eprintln!("{what}: peak resident memory {} MiB", finished.peak_mib());
    assert!(
        finished.signal.is_none(),
        "{what}: killed by signal {:?} at {} MiB",
        finished.signal,
        finished.peak_mib()
    );
    assert!(
        !finished.stderr.contains("panicked"),
        "{what}: {}",
        finished.stderr
    );
    assert!(
        finished.peak_mib() < PEAK_LIMIT_MIB,
        "{what}: peak resident memory {} MiB (limit {PEAK_LIMIT_MIB} MiB)",
        finished.peak_mib()
    );
}

fn stderr_line<'a>(finished: &'a Finished, file: &str) -> &'a str {
    finished
        .stderr
        .lines()
        .find(|line| line.contains(&format!("/{file}: ")))
        .unwrap_or_else(|| panic!("no line for {file}:\n{}", finished.stderr))
}

#[test]
fn pixel_data_declaring_a_gibibyte_is_refused_before_it_is_allocated() {
    let hostile = fixtures::pixel_data_declaring_a_gibibyte();
    eprintln!("1 GiB Pixel Data: a file of {} bytes", hostile.len());
    assert!(hostile.len() < 512, "{} bytes", hostile.len());
    let (finished, valid_rendered) =
        render_with_a_valid_file("gibibyte", &[("declares-1gib.dcm", hostile)]);
    assert_refused_within_limit(&finished, "1 GiB Pixel Data");
    let line = stderr_line(&finished, "declares-1gib.dcm");
    assert!(
        line.contains("(7FE0,0010) declares 1073741824 bytes but only 16 follow"),
        "{line}"
    );
    assert_eq!(finished.exit_code, Some(1), "{}", finished.stderr);
    assert!(valid_rendered, "the valid file was not rendered");
}

#[test]
fn twelve_bit_jpegs_claiming_16384_squared_are_refused_before_decoding() {
    let jpeg = fixtures::twelve_bit_jpeg(16384, 16384);
    // Rows and Columns disagree with the frame header; and a file whose attributes agree
    // with it, which only the size of the codestream gives away.
    let disagreeing = fixtures::encapsulated(&jpeg, 64, 64);
    let agreeing = fixtures::encapsulated(&jpeg, 16384, 16384);
    eprintln!(
        "12-bit JPEG: a codestream of {} bytes in a file of {} bytes",
        jpeg.len(),
        disagreeing.len()
    );
    assert!(disagreeing.len() < 640, "{} bytes", disagreeing.len());
    let (finished, valid_rendered) = render_with_a_valid_file(
        "jpeg12",
        &[("disagreeing.dcm", disagreeing), ("agreeing.dcm", agreeing)],
    );
    assert_refused_within_limit(&finished, "12-bit JPEG");
    let line = stderr_line(&finished, "disagreeing.dcm");
    assert!(
        line.contains("16384x16384") && line.contains("64x64"),
        "{line}"
    );
    let line = stderr_line(&finished, "agreeing.dcm");
    assert!(line.contains("needs at least"), "{line}");
    assert_eq!(finished.exit_code, Some(1), "{}", finished.stderr);
    assert!(valid_rendered, "the valid file was not rendered");
}

/// A study of two series: series 1 is served properly, series 2 answers with a
/// `Content-Length` of 2,000,000,000 and 16 bytes, then closes the connection.
async fn study_with_a_lying_series() -> (FakeServer, String) {
    let study_uid = "2.25.4343";
    let study = FakeStudy::new("9912003888", study_uid, &[1, 1]);
    let lying_series = study.instances[1].series_uid.clone();
    let search = serde_json::to_vec(&serde_json::json!([
        { "0020000D": { "vr": "UI", "Value": [study_uid] } }
    ]))
    .unwrap();
    let server = FakeServer::start(move |request| {
        if request.path == "/w/studies" {
            return Reply::new(200, "application/dicom+json", search.clone());
        }
        if request.path.ends_with(&format!("/series/{lying_series}")) {
            return Reply::new(200, "application/dicom", vec![0x44; 16])
                .with_header("Content-Length", "2000000000");
        }
        study.route(request)
    })
    .await;
    let base = server.url("w/").to_string();
    (server, base)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wado_answer_declaring_two_gigabytes_and_sending_sixteen_bytes_is_refused() {
    let (server, base) = study_with_a_lying_series().await;
    let finished = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nir-viewer"));
        command
            .args(["conformance", "--dicomweb", &base])
            .env_remove("DISPLAY");
        run_measured(command, DEADLINE)
    })
    .await
    .unwrap();
    assert_refused_within_limit(&finished, "Content-Length 2000000000");
    let retrieval = finished
        .stdout
        .lines()
        .find(|line| line.contains("study 1 retrieval"))
        .unwrap_or_else(|| panic!("{}\n{}", finished.stdout, finished.stderr));
    assert!(retrieval.starts_with("FAIL "), "{retrieval}");
    assert!(
        retrieval.contains("1 of 2 instances; The images could not be loaded"),
        "{retrieval}"
    );
    // The other series of the study arrived and decodes.
    assert!(
        finished
            .stdout
            .contains("PASS dicomweb: study 1 decode: 1 of 1 images decoded"),
        "{}",
        finished.stdout
    );
    let asked: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(
        asked.iter().any(|p| p.ends_with("/series/2.25.4343.2")),
        "{asked:?}"
    );
}
