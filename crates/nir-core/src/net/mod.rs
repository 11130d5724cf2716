//! Outbound HTTP for every module that talks to NIR, its providers or CIS2: one way to
//! build a client, so the rules of the Data Sharing Arrangement hold everywhere — rustls
//! only, TLS 1.2 or newer, a proxy only when the configuration names one (environment
//! variables, WPAD and PAC are never consulted), an optional organisation CA bundle and
//! mTLS client certificate, no cookie store and no HTTP cache. It also defines how callers
//! obtain the current bearer token without knowing how sign-in works, and
//! ([`origin_policy`]) the origins that token may be sent to.

pub mod origin_policy;
pub mod retry_after;

use std::time::Duration;

use zeroize::Zeroizing;

pub use origin_policy::{Grant, OriginPolicy, OriginRefusal, RefusalReason};
pub use retry_after::retry_after;

use crate::error::{ErrorCode, UserFacing};

/// NIR's header carrying the consuming organisation's ODS code (NRL v3 consumer API).
pub const ODS_HEADER: &str = "NHSD-End-User-Organisation-ODS";
/// NIR's header carrying the per-request id (a UUID).
pub const REQUEST_ID_HEADER: &str = "X-Request-ID";
/// NIR's header carrying the session's correlation id.
pub const CORRELATION_ID_HEADER: &str = "X-Correlation-ID";

/// Network settings from the managed configuration.
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    /// An explicit proxy for all traffic; `None` means direct connections.
    pub proxy: Option<url::Url>,
    /// PEM bundle of CAs to trust instead of the platform's roots.
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// PEM holding the mTLS client certificate chain and its PKCS#8 private key.
    pub client_identity_pem: Option<Zeroizing<Vec<u8>>>,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for a whole request, body included, for API calls (registry, sign-in,
    /// audit, DICOM JSON). Bulk image transfers use the idle timeout instead.
    pub request_timeout: Duration,
    /// Longest silence while waiting for or reading an answer: a transfer that stops
    /// sending for this long is given up, however long it has run.
    pub idle_timeout: Duration,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            proxy: None,
            ca_bundle_pem: None,
            client_identity_pem: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Why an HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The proxy URL is not usable.
    #[error("the configured proxy is not valid: {0}")]
    Proxy(String),
    /// The CA bundle holds no usable certificate.
    #[error("the configured CA bundle is not valid PEM: {0}")]
    CaBundle(String),
    /// The client certificate or key is not usable.
    #[error("the configured client certificate is not valid: {0}")]
    ClientCertificate(String),
    /// The TLS stack refused the settings.
    #[error("the HTTP client could not be set up: {0}")]
    Client(String),
}

impl UserFacing for NetError {
    fn code(&self) -> ErrorCode {
        ErrorCode::NetworkConfiguration
    }
    fn user_message(&self) -> String {
        format!(
            "The viewer's network settings are not usable ({self}). Contact your IT service desk."
        )
    }
}

/// Builds the one kind of HTTP client the viewer uses.
pub fn build_client(settings: &NetworkSettings) -> Result<reqwest::Client, NetError> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .tls_backend_rustls()
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .no_proxy()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .read_timeout(settings.idle_timeout)
        .user_agent(concat!("nir-viewer/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::limited(5))
        .referer(false)
        // No idle connections: a pooled connection keeps its read buffer, which holds the
        // tail of the last response (a patient's FHIR search, a DICOM instance), alive and
        // unwiped after the patient is closed. The cost is a new connection per request on
        // HTTP/1.1; HTTP/2 servers still multiplex the requests made at the same time.
        .pool_max_idle_per_host(0);
    if let Some(proxy) = &settings.proxy {
        if !matches!(proxy.scheme(), "http" | "https") {
            return Err(NetError::Proxy(format!(
                "unsupported scheme {}",
                proxy.scheme()
            )));
        }
        let proxy =
            reqwest::Proxy::all(proxy.as_str()).map_err(|e| NetError::Proxy(e.to_string()))?;
        builder = builder.proxy(proxy);
    }
    if let Some(pem) = &settings.ca_bundle_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| NetError::CaBundle(e.to_string()))?;
        if certs.is_empty() {
            return Err(NetError::CaBundle("no certificate found".into()));
        }
        builder = builder.tls_certs_only(certs);
    }
    if let Some(pem) = &settings.client_identity_pem {
        let identity = reqwest::Identity::from_pem(pem)
            .map_err(|e| NetError::ClientCertificate(e.to_string()))?;
        builder = builder.identity(identity);
    }
    builder.build().map_err(|e| NetError::Client(e.to_string()))
}

/// rustls needs a process-wide crypto provider; installing it twice is harmless.
fn install_crypto_provider() {
    let _already_installed = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Where clients get the bearer token for a request. Implemented by the sign-in module;
/// tokens never pass through the WebView, URLs or logs.
pub trait AccessTokens: Send + Sync {
    /// The current access token, or `None` when the endpoint is used without one
    /// (the sandbox's open-access default).
    fn bearer(&self) -> Option<Zeroizing<String>>;
}

/// No token at all: for open-access endpoints and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoToken;

impl AccessTokens for NoToken {
    fn bearer(&self) -> Option<Zeroizing<String>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_default_client() {
        assert!(build_client(&NetworkSettings::default()).is_ok());
    }

    #[test]
    fn rejects_a_ca_bundle_without_certificates() {
        let settings = NetworkSettings {
            ca_bundle_pem: Some(b"not a certificate".to_vec()),
            ..NetworkSettings::default()
        };
        assert!(matches!(
            build_client(&settings),
            Err(NetError::CaBundle(_))
        ));
    }

    #[test]
    fn rejects_a_bad_proxy() {
        let settings = NetworkSettings {
            proxy: Some(url::Url::parse("ftp://proxy.example:21").unwrap()),
            ..NetworkSettings::default()
        };
        assert!(build_client(&settings).is_err());
    }

    #[tokio::test]
    async fn ignores_proxy_environment_variables() {
        // A proxy that does not exist: if the client honoured it, the request would fail
        // with a proxy error instead of reaching the local listener.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await.unwrap();
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
        });
        // nextest runs each test in its own process, so these variables touch no other test.
        std::env::set_var("HTTP_PROXY", "http://127.0.0.1:9");
        std::env::set_var("http_proxy", "http://127.0.0.1:9");
        let client = build_client(&NetworkSettings::default()).unwrap();
        let response = client
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap();
        std::env::remove_var("HTTP_PROXY");
        std::env::remove_var("http_proxy");
        assert_eq!(response.status(), 204);
        server.await.unwrap();
    }
}
