//! The embedded NIR sandbox: an HTTP server bound to loopback only that speaks the NIR
//! consumer contract (FHIR and XCA discovery, per-network WADO-RS/QIDO-RS, report
//! resources) for a fixed table of synthetic patients, one per named scenario. Content is
//! generated deterministically in memory, lazily on first request, and never written to
//! disk. Used by every client test, by training mode and by `nir-viewer sandbox`.

pub mod auth_gate;
pub mod catalogue;
pub mod cis2;
pub mod cli_command;
pub mod dicom_gen;
pub mod dicom_json;
pub mod discovery_doc;
pub mod fhir;
pub mod fhir_resources;
pub mod fhir_search;
pub mod history_plans;
pub mod injected;
pub mod instance_cache;
pub mod multipart;
pub mod networks;
pub mod patients;
pub mod qido;
pub mod record_types;
pub mod scenarios;
pub mod smart_ehr;
pub mod tally;
pub mod wado;
pub mod wado_accept;
pub mod xca;
pub mod xca_documents;
pub mod xca_xml;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;
use url::Url;

use auth_gate::{AuthGate, BearerVerifier};
pub use catalogue::Catalogue;
use nir_core::error::{ErrorCode, UserFacing};

/// How to run a sandbox.
#[derive(Debug, Clone, Copy)]
pub struct SandboxOptions {
    /// Loopback address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Demand a valid bearer token on every data endpoint.
    pub require_auth: bool,
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The address is not a loopback address.
    #[error("the sandbox only listens on loopback addresses, not {0}")]
    NotLoopback(SocketAddr),
    /// The address could not be parsed.
    #[error("'{0}' is not an address and port such as 127.0.0.1:8080")]
    BadAddress(String),
    /// Binding failed.
    #[error("could not listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// The mock CIS2 identity provider could not start.
    #[error("the mock identity provider could not start: {0}")]
    IdentityProvider(String),
}

impl UserFacing for SandboxError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NotLoopback(_) => ErrorCode::SandboxNotLoopback,
            Self::BadAddress(_) => ErrorCode::SandboxBadAddress,
            Self::Bind(..) => ErrorCode::SandboxBindFailed,
            Self::IdentityProvider(_) => ErrorCode::SandboxIdentityProvider,
        }
    }

    fn user_message(&self) -> String {
        format!("The training sandbox could not start: {self}.")
    }
}

/// Shared state of one running sandbox.
pub struct SandboxState {
    /// Base URL, `http://127.0.0.1:PORT/`.
    pub base: Url,
    /// Everything on record.
    pub catalogue: Catalogue,
    /// Scenario state.
    pub faults: scenarios::Faults,
    /// Generated instances.
    pub cache: instance_cache::InstanceCache,
    /// FHIR search pages.
    pub pages: fhir_search::PageStore,
    /// The bearer-token gate.
    pub auth: Arc<AuthGate>,
}

impl SandboxState {
    /// State for a sandbox served at `base`.
    pub fn new(base: Url, require_auth: bool, verifier: Arc<dyn BearerVerifier>) -> Arc<Self> {
        Arc::new(Self {
            base,
            catalogue: Catalogue::build(),
            faults: scenarios::Faults::default(),
            cache: instance_cache::InstanceCache::default(),
            pages: fhir_search::PageStore::default(),
            auth: Arc::new(AuthGate::new(require_auth, verifier)),
        })
    }

    /// The base URL without its trailing slash (`B` of the contract).
    pub fn base_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// An absolute URL under the base.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_str())
    }

    /// The FHIR discovery base `B/fhir/R4`.
    pub fn fhir_base(&self) -> String {
        self.url("/fhir/R4")
    }

    /// The WADO-RS base of a network.
    pub fn wado_base(&self, network: usize) -> String {
        let id = networks::NETWORKS.get(network).map_or("north", |n| n.id);
        self.url(&format!("/networks/{id}/dicomweb"))
    }

    /// The report FHIR base of a network.
    pub fn network_fhir_base(&self, network: usize) -> String {
        let id = networks::NETWORKS.get(network).map_or("north", |n| n.id);
        self.url(&format!("/networks/{id}/fhir"))
    }
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The sandbox's routes (without the mock CIS2 provider, which is nested at `/oidc`).
pub fn router(state: Arc<SandboxState>) -> Router {
    let data = Router::new()
        .route("/fhir/R4/DocumentReference", get(fhir::search_get))
        .route(
            "/fhir/R4/DocumentReference/_search",
            post(fhir::search_post),
        )
        .route(
            "/networks/{network}/fhir/{resource}/{id}",
            get(fhir::read_report),
        )
        .route("/xca/iti38", post(xca::query))
        .route("/xca/iti39", post(xca::retrieve))
        .nest("/networks/{network}/dicomweb", wado::routes())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.auth),
            auth_gate::require_bearer,
        ));
    Router::new()
        .route("/.well-known/nir-sandbox.json", get(discovery_doc::handler))
        .merge(data)
        .layer(middleware::map_response(no_store))
        .with_state(state)
}

/// A running sandbox; dropping it (or [`SandboxHandle::shutdown`]) stops the server.
pub struct SandboxHandle {
    base: Url,
    injected: Arc<injected::Injected>,
    tally: Arc<tally::RequestTally>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Turns on a fault for every matching request from now on (see [`injected`]).
    pub fn inject(&self, fault: injected::InjectedFault) {
        self.injected.add(fault);
    }

    /// The WADO-RS requests served so far, counted per path.
    pub fn requests(&self) -> &tally::RequestTally {
        &self.tally
    }

    /// Stops the server and waits (a few seconds at most) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a sandbox with its mock CIS2 provider at `/oidc`; under `--require-auth` the data
/// endpoints accept the provider's live access tokens.
pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, SandboxError> {
    launch(options, None).await
}

/// Starts a sandbox whose `--require-auth` gate uses `verifier` instead of the mock CIS2
/// (which is still served at `/oidc`).
pub async fn start_with_verifier(
    options: SandboxOptions,
    verifier: Arc<dyn BearerVerifier>,
) -> Result<SandboxHandle, SandboxError> {
    launch(options, Some(verifier)).await
}

async fn launch(
    options: SandboxOptions,
    verifier: Option<Arc<dyn BearerVerifier>>,
) -> Result<SandboxHandle, SandboxError> {
    if !options.listen.ip().is_loopback() {
        return Err(SandboxError::NotLoopback(options.listen));
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| SandboxError::Bind(options.listen, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| SandboxError::Bind(options.listen, e))?;
    let base = Url::parse(&format!("http://{local}/"))
        .map_err(|_| SandboxError::BadAddress(local.to_string()))?;
    let issuer = base
        .join("oidc")
        .map_err(|e| SandboxError::IdentityProvider(e.to_string()))?;
    let provider = Arc::new(
        cis2::MockCis2::new(issuer).map_err(|e| SandboxError::IdentityProvider(e.to_string()))?,
    );
    let verifier = verifier.unwrap_or_else(|| Arc::clone(&provider) as Arc<dyn BearerVerifier>);
    let state = SandboxState::new(base.clone(), options.require_auth, verifier);
    let injected = Arc::new(injected::Injected::default());
    let tally = Arc::new(tally::RequestTally::default());
    let app = router(state)
        .nest("/oidc", provider.router())
        .nest("/smart-ehr", smart_ehr::router())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&injected),
            injected::layer,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&tally),
            tally::layer,
        ));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "sandbox server stopped with an error");
        }
    });
    tracing::info!(port = local.port(), "sandbox listening on loopback");
    Ok(SandboxHandle {
        base,
        injected,
        tally,
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests;
