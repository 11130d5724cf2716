//! Shared set-up: a sandbox on loopback, its discovery document turned into known
//! networks, and a backend of either flavour built exactly as the app builds one.

use std::sync::Arc;
use std::time::Duration;

use nir_viewer::net::{build_client, AccessTokens, NetworkSettings, NoToken};
use nir_viewer::registry::{
    DiscoveryBackend, FhirBackend, FhirSettings, HistoryQuery, ImagingHistory, KnownNetwork,
    NetworkStatus, RequestContext, RetryPolicy, XcaBackend, XcaSettings,
};
use nir_viewer::sandbox::SandboxHandle;

use crate::support::{loopback_sandbox, sandbox_accepting};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

/// Which discovery flavour a behaviour test runs through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Fhir,
    Xca,
}

pub struct Env {
    /// Kept for the life of the test: dropping it stops the server.
    _sandbox: SandboxHandle,
    pub doc: Value,
    pub networks: Vec<KnownNetwork>,
}

pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        deadline: Duration::from_secs(30),
    }
}

impl Env {
    pub async fn start() -> Self {
        Self::from_handle(loopback_sandbox(false).await).await
    }

    pub async fn start_requiring(tokens: &[&str]) -> Self {
        Self::from_handle(sandbox_accepting(tokens).await).await
    }

    async fn from_handle(sandbox: SandboxHandle) -> Self {
        let url = sandbox
            .base_url()
            .join(".well-known/nir-sandbox.json")
            .unwrap();
        let doc: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        let networks = doc["networks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| KnownNetwork {
                home_community_id: n["home_community_id"].as_str().unwrap().into(),
                name: n["name"].as_str().unwrap().into(),
                ods_codes: vec![n["ods_code"].as_str().unwrap().into()],
                care_setting: n["care_setting"].as_str().unwrap().into(),
            })
            .collect();
        Self {
            _sandbox: sandbox,
            doc,
            networks,
        }
    }

    pub fn url(&self, key: &str) -> url::Url {
        url::Url::parse(self.doc[key].as_str().unwrap()).unwrap()
    }

    pub fn network_named(&self, id: &str) -> KnownNetwork {
        let hcid = self.doc["networks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap()["home_community_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.networks
            .iter()
            .find(|n| n.home_community_id == hcid)
            .unwrap()
            .clone()
    }

    pub fn session(&self, tokens: Arc<dyn AccessTokens>) -> RequestContext {
        RequestContext {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            ods_code: "X26".into(),
            tokens,
        }
    }

    pub fn fhir(&self, session: RequestContext, retry: RetryPolicy) -> FhirBackend {
        let mut settings = FhirSettings::new(self.url("fhir"), self.networks.clone());
        settings.retry = retry;
        FhirBackend::new(
            build_client(&NetworkSettings::default()).unwrap(),
            settings,
            session,
        )
    }

    pub fn xca(&self, session: RequestContext, retry: RetryPolicy) -> XcaBackend {
        let mut settings = XcaSettings::new(
            self.url("xca_query"),
            self.url("xca_retrieve"),
            self.networks.clone(),
        );
        settings.retry = retry;
        XcaBackend::new(
            build_client(&NetworkSettings::default()).unwrap(),
            settings,
            session,
        )
    }

    /// A backend of the given flavour, held the way the app holds it.
    pub fn backend(&self, flavour: Flavour, retry: RetryPolicy) -> Arc<dyn DiscoveryBackend> {
        self.backend_with(flavour, retry, Arc::new(NoToken))
    }

    pub fn backend_with(
        &self,
        flavour: Flavour,
        retry: RetryPolicy,
        tokens: Arc<dyn AccessTokens>,
    ) -> Arc<dyn DiscoveryBackend> {
        let session = self.session(tokens);
        match flavour {
            Flavour::Fhir => Arc::new(self.fhir(session, retry)),
            Flavour::Xca => Arc::new(self.xca(session, retry)),
        }
    }
}

/// Runs discovery for one NHS number with no filters.
pub async fn discover(backend: &Arc<dyn DiscoveryBackend>, nhs: &str) -> ImagingHistory {
    let query = HistoryQuery::for_patient(nhs).unwrap();
    backend
        .discover(&query, &CancellationToken::new())
        .await
        .unwrap()
}

/// The status of each network, by name, for readable assertions.
pub fn statuses(history: &ImagingHistory) -> Vec<(String, NetworkStatus)> {
    history
        .networks
        .iter()
        .map(|n| (n.name.clone(), n.status))
        .collect()
}

/// A token source with one fixed token.
pub struct Token(pub &'static str);

impl AccessTokens for Token {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new(self.0.to_string()))
    }
}

/// One behaviour function, run as two tests: through FHIR and through XCA.
#[macro_export]
macro_rules! through_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn fhir() {
                super::$name(super::Flavour::Fhir).await
            }
            #[tokio::test]
            async fn xca() {
                super::$name(super::Flavour::Xca).await
            }
        }
    )*};
}
