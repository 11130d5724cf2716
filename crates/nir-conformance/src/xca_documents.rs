//! The XCA retrieval checks of the live path: after discovery, the first study's KOS
//! manifest and the first report of the test patient are fetched through the configured
//! Cross Gateway Retrieve (IHE ITI TF-2 §3.39, MTOM/XOP per Appendix V), the way the viewer
//! opens them. The manifest must be a DICOM Key Object Selection document (DICOM PS3.3
//! A.35.4) whose evidence leads to a WADO-RS study address; the report must be the document
//! asked for, of its stated media type. Only sizes, media types and hosts are reported.

use tokio_util::sync::CancellationToken;

use super::discovery_checks::{Flavour, Target};
use super::{Check, Report};
use nir_core::error::UserFacing;
use nir_core::imaging::source::parse_dicom;
use nir_core::registry::xca::RetrievedDocument;
use nir_core::registry::{DiscoveryBackend, HistoryQuery, HistoryRecord, RecordKind, RetryPolicy};

/// SOP Class UID of Key Object Selection Document Storage.
const KOS_SOP_CLASS: &str = "1.2.840.10008.5.1.4.1.1.88.59";

/// Name of the manifest check.
pub const MANIFEST_CHECK: &str = "retrieval (xca): first KOS manifest";
/// Name of the report check.
pub const REPORT_CHECK: &str = "retrieval (xca): first report";

/// Discovers the test patient's history through XCA and retrieves its first manifest and
/// first report.
pub async fn run(target: &Target, nhs: &str, report: &mut Report) {
    let backend = target.backend(Flavour::Xca, RetryPolicy::default());
    let history = match HistoryQuery::for_patient(nhs) {
        Ok(query) => backend.discover(&query, &CancellationToken::new()).await,
        Err(error) => Err(error),
    };
    let failed = |why: String, report: &mut Report| {
        report.record(Check::fail(MANIFEST_CHECK, why.clone()));
        report.record(Check::fail(REPORT_CHECK, why));
    };
    let records = match history {
        Ok(history) if history.networks.iter().any(|n| n.status.is_complete()) => history.records,
        Ok(history) => {
            return failed(
                format!("no network answered: {}", history.summary_message()),
                report,
            )
        }
        Err(error) => {
            return failed(
                format!("discovery failed: {}", error.user_message()),
                report,
            )
        }
    };
    report.record(manifest_check(&*backend, &records).await);
    report.record(report_check(&*backend, &records).await);
}

/// The first record of `kind` that can be opened, or why there is none.
fn first_of(records: &[HistoryRecord], kind: RecordKind) -> Result<&HistoryRecord, Check> {
    let (check, what) = match kind {
        RecordKind::ImagingStudy => (MANIFEST_CHECK, "study"),
        _ => (REPORT_CHECK, "report"),
    };
    let mut of_kind = records.iter().filter(|r| r.kind == kind).peekable();
    let Some(first) = of_kind.peek().copied() else {
        return Err(Check::not_run(
            check,
            format!("the test patient's history lists no {what}: give a test patient with one"),
        ));
    };
    of_kind
        .find(|r| r.retrieval.unopenable_reason().is_none())
        .ok_or_else(|| {
            Check::fail(
                check,
                format!(
                    "no {what} can be opened: {}",
                    first.retrieval.unopenable_reason().unwrap_or_default()
                ),
            )
        })
}

async fn retrieve(
    backend: &dyn DiscoveryBackend,
    record: &HistoryRecord,
) -> Result<RetrievedDocument, String> {
    backend
        .retrieve_document(&record.retrieval, &CancellationToken::new())
        .await
        .map_err(|e| e.user_message())
}

/// Retrieves the first study's manifest and checks it leads to the study's images.
pub async fn manifest_check(backend: &dyn DiscoveryBackend, records: &[HistoryRecord]) -> Check {
    let record = match first_of(records, RecordKind::ImagingStudy) {
        Ok(record) => record,
        Err(check) => return check,
    };
    let document = match retrieve(backend, record).await {
        Ok(document) => document,
        Err(why) => return Check::fail(MANIFEST_CHECK, why),
    };
    let sop_class = parse_dicom(&document.content).ok().and_then(|parsed| {
        parsed
            .dataset
            .element(dicom_dictionary_std::tags::SOP_CLASS_UID)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
    });
    if sop_class.as_deref() != Some(KOS_SOP_CLASS) {
        return Check::fail(
            MANIFEST_CHECK,
            format!(
                "the document ({} bytes, {}) is not a DICOM Key Object Selection manifest",
                document.content.len(),
                document.mime_type
            ),
        );
    }
    match nir_core::viewer::metadata_url_from_kos(&document.content) {
        Ok(url) => Check::pass(
            MANIFEST_CHECK,
            format!(
                "ITI-39 returned a {}-byte KOS manifest; its evidence leads to WADO-RS at {}",
                document.content.len(),
                url.host_str().unwrap_or("an unnamed host")
            ),
        ),
        Err(error) => Check::fail(MANIFEST_CHECK, error.user_message()),
    }
}

/// Retrieves the first report and checks it is the document of its stated media type.
pub async fn report_check(backend: &dyn DiscoveryBackend, records: &[HistoryRecord]) -> Check {
    let record = match first_of(records, RecordKind::DiagnosticReport) {
        Ok(record) => record,
        Err(check) => return check,
    };
    let document = match retrieve(backend, record).await {
        Ok(document) => document,
        Err(why) => return Check::fail(REPORT_CHECK, why),
    };
    let mime = document
        .mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let content = &document.content[..];
    let listed = match &record.retrieval {
        nir_core::registry::RetrievalRef::XcaDocument { mime_type, .. } => mime_type.trim(),
        _ => "",
    };
    let readable = match mime.as_str() {
        _ if !listed.is_empty() && !mime.is_empty() && !listed.eq_ignore_ascii_case(&mime) => {
            Err(format!("the registry listed it as {listed}"))
        }
        "" => Err("the answer gives no media type".to_owned()),
        _ if content.is_empty() => Err("the document is empty".to_owned()),
        "application/pdf" => content
            .starts_with(b"%PDF-")
            .then_some(())
            .ok_or_else(|| "it is labelled PDF but is not one".to_owned()),
        "application/fhir+json" | "application/json" => {
            serde_json::from_slice::<serde_json::Value>(content)
                .ok()
                .filter(|v| v["resourceType"].is_string())
                .map(|_| ())
                .ok_or_else(|| "it is labelled FHIR JSON but holds no FHIR resource".to_owned())
        }
        "application/dicom" => parse_dicom(content)
            .map(|_| ())
            .map_err(|_| "it is labelled DICOM but is not DICOM".to_owned()),
        _ => Ok(()),
    };
    match readable {
        Ok(()) => Check::pass(
            REPORT_CHECK,
            format!(
                "ITI-39 returned the report: {mime}, {} bytes",
                content.len()
            ),
        ),
        Err(why) => Check::fail(REPORT_CHECK, format!("the report ({mime}): {why}")),
    }
}
