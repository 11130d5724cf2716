//! Helpers shared between the areas: reading a request in the loopback stand-ins, starting
//! the sandbox on loopback, wiring a viewer session to it as the window does, and finding
//! records in a history.

pub mod dicomweb_bulk;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use nir_viewer::audit::AuditTrail;
use nir_viewer::net::OriginPolicy;
use nir_viewer::registry::{
    DiscoveryBackend, HistoryRecord, ImagingHistory, KnownNetwork, RecordKind, RequestContext,
};
use nir_viewer::sandbox::auth_gate::FixedTokensVerifier;
use nir_viewer::sandbox::{start, start_with_verifier, SandboxHandle, SandboxOptions};
use nir_viewer::viewer::discovery::{fhir_backend, sandbox_networks, xca_backend};
use nir_viewer::viewer::{SessionParts, TokenSlot, ViewerSession};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The most bytes a stand-in reads of one request.
const REQUEST_LIMIT: usize = 1 << 20;

/// Reads one HTTP/1.1 request: its head and as much body as `content-length` announces,
/// bounded in size and in the number of reads. What arrived is returned even if the peer
/// stopped early.
pub async fn read_http_request<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    for _ in 0..256 {
        let Ok(n) = stream.read(&mut buffer).await else {
            break;
        };
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
        if request.len() > REQUEST_LIMIT {
            break;
        }
    }
    request
}

/// The discovery backend of either flavour for the sandbox at `base`, as the window builds
/// it in training mode (XCA with the default patient identifier form).
pub fn sandbox_backend(
    http: reqwest::Client,
    base: &url::Url,
    networks: Vec<KnownNetwork>,
    context: RequestContext,
    xca: bool,
) -> Arc<dyn DiscoveryBackend> {
    if xca {
        xca_backend(
            http,
            base.join("xca/iti38").unwrap(),
            base.join("xca/iti39").unwrap(),
            networks,
            nir_viewer::config::PatientIdForm::default(),
            context,
        )
    } else {
        fhir_backend(http, base.join("fhir/R4/").unwrap(), networks, context)
    }
}

/// The first record of `kind` in `history`; the test fails if there is none.
pub fn record_of_kind(history: &ImagingHistory, kind: RecordKind) -> &HistoryRecord {
    history
        .records
        .iter()
        .find(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} among {:?}", history.records))
}

/// The record whose id is `id` in `history`; the test fails if there is none.
pub fn record_with_id<'a>(history: &'a ImagingHistory, id: &str) -> &'a HistoryRecord {
    history
        .records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no record {id} among {:?}", history.records))
}

/// Options for a sandbox on a free loopback port, demanding sign-in or not.
fn loopback_options(require_auth: bool) -> SandboxOptions {
    SandboxOptions {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        require_auth,
    }
}

/// The sandbox on a free loopback port, demanding sign-in or not; it stops when dropped.
pub async fn loopback_sandbox(require_auth: bool) -> SandboxHandle {
    start(loopback_options(require_auth)).await.unwrap()
}

/// The sandbox on a free loopback port that takes only the bearer tokens `tokens`.
pub async fn sandbox_accepting(tokens: &[&str]) -> SandboxHandle {
    let verifier = Arc::new(FixedTokensVerifier(
        tokens.iter().map(|t| t.to_string()).collect(),
    ));
    start_with_verifier(loopback_options(true), verifier)
        .await
        .unwrap()
}

/// The parts of a training session over the sandbox at `base`, as the window builds them:
/// ODS code TRAIN1, a 2 GiB budget, an audit trail of its own, no token yet, and only the
/// sandbox's origin allowed. Tests change what they need with struct update syntax.
pub fn training_parts(http: &reqwest::Client, base: &url::Url) -> SessionParts {
    SessionParts {
        http: http.clone(),
        tokens: Arc::new(TokenSlot::default()),
        ods_code: "TRAIN1".into(),
        budget_bytes: 2 << 30,
        audit: Arc::new(AuditTrail::new(None)),
        training: true,
        origins: OriginPolicy::for_training(base),
    }
}

/// A viewer session made of `parts` and the discovery backend it looks patients up through
/// at the sandbox at `base` (XCA or FHIR), wired as the window wires them: the backend asks
/// under the session's correlation id, ODS code and tokens, and XCA records are fetched
/// through it.
pub async fn sandbox_viewer(
    parts: SessionParts,
    base: &url::Url,
    xca: bool,
) -> (Arc<ViewerSession>, Arc<dyn DiscoveryBackend>) {
    let http = parts.http.clone();
    let tokens = Arc::clone(&parts.tokens);
    let ods_code = parts.ods_code.clone();
    let session = Arc::new(ViewerSession::new(parts));
    let networks = sandbox_networks(&http, base).await.unwrap();
    let context = RequestContext {
        correlation_id: session.correlation_id().to_owned(),
        ods_code,
        tokens,
    };
    let backend = sandbox_backend(http, base, networks, context, xca);
    session.use_document_source(Arc::clone(&backend));
    (session, backend)
}
