//! Whole studies into and out of a DICOMweb server, for the tests against Orthanc and for
//! the retrieval benchmark (`src-tauri/examples/retrieve_bench.rs` includes this file by
//! path): storing Part-10 files in one STOW-RS request (PS3.18 10.5, a multipart/related
//! body of `application/dicom` parts), and fetching a whole study as raw parts.

use nir_viewer::dicomweb::accept::AcceptList;
use nir_viewer::dicomweb::multipart::Part;
use nir_viewer::dicomweb::{DicomWebClient, DicomWebError, Resource, StudyLayout};
use tokio_util::sync::CancellationToken;

const BOUNDARY: &str = "nir-stow-boundary-7f3a";

/// Posts `files` to `studies` (a server's `/studies` endpoint) as one STOW-RS request asking
/// for a DICOM JSON answer; the server's response is returned as it came.
pub async fn stow(
    http: &reqwest::Client,
    studies: url::Url,
    files: &[Vec<u8>],
) -> reqwest::Result<reqwest::Response> {
    let mut body = Vec::new();
    for file in files {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    http.post(studies)
        .header(
            "Content-Type",
            format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}"),
        )
        .header("Accept", "application/dicom+json")
        .body(body)
        .send()
        .await
}

/// Every instance of the study `layout` describes, asked for at the study's URL and kept as
/// the raw parts the server sent, before any of the viewer's checks.
pub async fn every_instance(
    client: &DicomWebClient,
    layout: &StudyLayout,
    cancel: &CancellationToken,
) -> Result<Vec<Part>, DicomWebError> {
    client
        .fetch_all_parts(
            &layout.study_url,
            Resource::Series,
            AcceptList::Instances,
            cancel,
        )
        .await
}
