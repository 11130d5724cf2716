//! Where audit events go: the organisation's FHIR server (`POST [base]/AuditEvent`) or a
//! syslog collector speaking RFC 5424 messages over TLS with RFC 5425 octet-counting frames.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::AsyncWriteExt;

use super::{to_fhir_audit_event, AuditEvent};
use crate::net::AccessTokens;

/// Why an event could not be delivered (it stays queued).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The endpoint could not be reached or answered with an error status.
    #[error("the audit endpoint did not accept the event: {0}")]
    Delivery(String),
    /// The sink's configuration cannot work (bad CA bundle, host name).
    #[error("the audit endpoint is misconfigured: {0}")]
    Configuration(String),
}

/// Boxed future returned by sinks.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SinkError>> + Send + 'a>>;

/// A destination for audit events.
pub trait AuditSink: Send + Sync {
    /// Delivers one event.
    fn send<'a>(&'a self, event: &'a AuditEvent) -> SendFuture<'a>;
}

/// FHIR REST delivery.
pub struct FhirAuditSink {
    client: reqwest::Client,
    endpoint: url::Url,
    tokens: Arc<dyn AccessTokens>,
}

impl FhirAuditSink {
    /// Sends to `base` + `AuditEvent` with the given client and bearer token source.
    pub fn new(
        client: reqwest::Client,
        base: &url::Url,
        tokens: Arc<dyn AccessTokens>,
    ) -> Result<Self, SinkError> {
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let endpoint = base
            .join("AuditEvent")
            .map_err(|e| SinkError::Configuration(e.to_string()))?;
        Ok(Self {
            client,
            endpoint,
            tokens,
        })
    }
}

impl AuditSink for FhirAuditSink {
    fn send<'a>(&'a self, event: &'a AuditEvent) -> SendFuture<'a> {
        Box::pin(async move {
            let body = to_fhir_audit_event(event).to_string();
            let mut request = self
                .client
                .post(self.endpoint.clone())
                .header("content-type", "application/fhir+json")
                .header("x-correlation-id", &event.correlation_id)
                .body(body);
            if let Some(token) = self.tokens.bearer() {
                request = request.bearer_auth(token.as_str());
            }
            let response = request
                .send()
                .await
                .map_err(|e| SinkError::Delivery(e.without_url().to_string()))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(SinkError::Delivery(format!("status {}", response.status())))
            }
        })
    }
}

/// Syslog over TLS (RFC 5425), one RFC 5424 message per event holding the FHIR JSON.
pub struct SyslogTlsSink {
    host: String,
    port: u16,
    connector: tokio_rustls::TlsConnector,
}

impl SyslogTlsSink {
    /// A sink trusting the CAs in `ca_bundle_pem`.
    pub fn new(host: &str, port: u16, ca_bundle_pem: &[u8]) -> Result<Self, SinkError> {
        let _already = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_bundle_pem) {
            let cert = cert.map_err(|e| SinkError::Configuration(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| SinkError::Configuration(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(SinkError::Configuration(
                "the CA bundle holds no certificate".into(),
            ));
        }
        let config = rustls::ClientConfig::builder_with_protocol_versions(&[
            &rustls::version::TLS13,
            &rustls::version::TLS12,
        ])
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self {
            host: host.to_owned(),
            port,
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
        })
    }
}

/// Formats one RFC 5424 message (facility 13 "log audit", severity 5 "notice") and frames
/// it with its octet count as RFC 5425 requires.
pub fn syslog_frame(event: &AuditEvent, hostname: &str) -> Vec<u8> {
    let priority = 13 * 8 + 5;
    let message = format!(
        "<{priority}>1 {} {} nir-viewer {} AuditEvent - {}",
        event
            .recorded
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        if hostname.is_empty() { "-" } else { hostname },
        std::process::id(),
        to_fhir_audit_event(event)
    );
    let mut framed = format!("{} ", message.len()).into_bytes();
    framed.extend_from_slice(message.as_bytes());
    framed
}

impl AuditSink for SyslogTlsSink {
    fn send<'a>(&'a self, event: &'a AuditEvent) -> SendFuture<'a> {
        Box::pin(async move {
            let server = ServerName::try_from(self.host.clone())
                .map_err(|e| SinkError::Configuration(e.to_string()))?;
            let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| SinkError::Delivery(e.to_string()))?;
            let mut tls = self
                .connector
                .connect(server, tcp)
                .await
                .map_err(|e| SinkError::Delivery(e.to_string()))?;
            let hostname = std::env::var("HOSTNAME").unwrap_or_default();
            tls.write_all(&syslog_frame(event, &hostname))
                .await
                .map_err(|e| SinkError::Delivery(e.to_string()))?;
            tls.shutdown()
                .await
                .map_err(|e| SinkError::Delivery(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Action, Outcome};

    #[test]
    fn syslog_frames_carry_their_length_and_rfc5424_header() {
        let event = AuditEvent::new(Action::SignOut, Outcome::Success, "c");
        let frame = syslog_frame(&event, "ws01");
        let text = String::from_utf8(frame).unwrap();
        let (length, message) = text.split_once(' ').unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), message.len());
        assert!(message.starts_with("<109>1 "));
        assert!(message.contains(" ws01 nir-viewer "));
        assert!(message.contains("\"resourceType\":\"AuditEvent\""));
    }

    #[test]
    fn syslog_refuses_a_bundle_without_certificates() {
        assert!(matches!(
            SyslogTlsSink::new("audit.example", 6514, b"nothing here"),
            Err(SinkError::Configuration(_))
        ));
    }
}
