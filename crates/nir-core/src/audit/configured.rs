//! Turns the `[audit]` section of the managed configuration into the live viewer's audit
//! trail: a FHIR `AuditEvent` endpoint (sent with the user's bearer token) or a syslog
//! collector over TLS trusting the configured CA bundle, delivered in the background every
//! few seconds and flushed at exit. An organisation that names no endpoint gets a trail
//! that keeps events in memory only, and is told so by `config check`.

use std::sync::Arc;
use std::time::Duration;

use super::{AuditSink, AuditTrail, FhirAuditSink, SinkError, SyslogTlsSink};
use crate::config::AuditSettings;
use crate::net::AccessTokens;

/// How often queued events are offered to the endpoint while the viewer runs.
pub const DELIVERY_INTERVAL: Duration = Duration::from_secs(5);

/// The syslog port RFC 5425 registers for syslog over TLS.
const SYSLOG_TLS_PORT: u16 = 6514;

/// The sink the settings name, or `None` when they name none. Naming both is refused, as
/// is a syslog collector without a CA bundle to trust it by.
pub fn sink_from_settings(
    settings: &AuditSettings,
    http: &reqwest::Client,
    tokens: Arc<dyn AccessTokens>,
) -> Result<Option<Arc<dyn AuditSink>>, SinkError> {
    match (&settings.fhir_endpoint, &settings.syslog) {
        (Some(_), Some(_)) => Err(SinkError::Configuration(
            "audit.fhir_endpoint and audit.syslog are both set; choose one".into(),
        )),
        (Some(endpoint), None) => Ok(Some(Arc::new(FhirAuditSink::new(
            http.clone(),
            endpoint,
            tokens,
        )?))),
        (None, Some(address)) => {
            let (host, port) = parse_syslog_address(address)?;
            let bundle = settings.syslog_ca_bundle.as_ref().ok_or_else(|| {
                SinkError::Configuration("audit.syslog needs audit.syslog_ca_bundle".into())
            })?;
            let pem = std::fs::read(bundle).map_err(|e| {
                SinkError::Configuration(format!(
                    "audit.syslog_ca_bundle {} cannot be read: {e}",
                    bundle.display()
                ))
            })?;
            Ok(Some(Arc::new(SyslogTlsSink::new(&host, port, &pem)?)))
        }
        (None, None) => Ok(None),
    }
}

/// A trail delivering to the configured sink, with background delivery started (it needs
/// a Tokio runtime). Without a sink, events stay in memory and are dropped at exit.
pub fn live_trail(
    settings: &AuditSettings,
    http: &reqwest::Client,
    tokens: Arc<dyn AccessTokens>,
) -> Result<Arc<AuditTrail>, SinkError> {
    let sink = sink_from_settings(settings, http, tokens)?;
    let delivers = sink.is_some();
    let trail = Arc::new(AuditTrail::new(sink));
    if delivers {
        trail.spawn_delivery(DELIVERY_INTERVAL);
    } else {
        tracing::warn!("no audit endpoint is configured: audit events are not sent anywhere");
    }
    Ok(trail)
}

/// Splits `host:port` (or `host`, `[v6]:port`) into a host name and a port.
fn parse_syslog_address(address: &str) -> Result<(String, u16), SinkError> {
    let invalid = || SinkError::Configuration(format!("audit.syslog {address:?} is not host:port"));
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(invalid)?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(invalid()),
        }
    } else {
        match address.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => return Err(invalid()),
            Some((host, port)) => (host, Some(port)),
            None => (address, None),
        }
    };
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(invalid)?,
        None => SYSLOG_TLS_PORT,
    };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NoToken;

    fn http() -> reqwest::Client {
        crate::net::build_client(&crate::net::NetworkSettings::default()).unwrap()
    }

    #[test]
    fn syslog_addresses_parse_with_or_without_a_port() {
        assert_eq!(
            parse_syslog_address("audit.example.nhs.uk:7514").unwrap(),
            ("audit.example.nhs.uk".into(), 7514)
        );
        assert_eq!(
            parse_syslog_address("audit.example.nhs.uk").unwrap(),
            ("audit.example.nhs.uk".into(), 6514)
        );
        assert_eq!(
            parse_syslog_address("[::1]:6514").unwrap(),
            ("::1".into(), 6514)
        );
        for bad in [
            "",
            ":6514",
            "host:",
            "host:0",
            "host:99999",
            "::1:6514",
            "[::1",
            "a b:1",
        ] {
            assert!(parse_syslog_address(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn no_endpoint_means_no_sink_and_both_are_refused() {
        let none = AuditSettings::default();
        assert!(sink_from_settings(&none, &http(), Arc::new(NoToken))
            .unwrap()
            .is_none());
        let both = AuditSettings {
            fhir_endpoint: Some("https://audit.example.nhs.uk/fhir/".parse().unwrap()),
            syslog: Some("audit.example.nhs.uk:6514".into()),
            syslog_ca_bundle: None,
        };
        let error = sink_from_settings(&both, &http(), Arc::new(NoToken))
            .err()
            .expect("both endpoints refused");
        assert!(error.to_string().contains("choose one"), "{error}");
    }

    #[test]
    fn syslog_without_a_readable_bundle_is_refused() {
        let missing_bundle = AuditSettings {
            syslog: Some("audit.example.nhs.uk".into()),
            ..AuditSettings::default()
        };
        let error = sink_from_settings(&missing_bundle, &http(), Arc::new(NoToken))
            .err()
            .expect("refused");
        assert!(error.to_string().contains("syslog_ca_bundle"), "{error}");
        let unreadable = AuditSettings {
            syslog_ca_bundle: Some("/nonexistent/ca.pem".into()),
            ..missing_bundle
        };
        assert!(sink_from_settings(&unreadable, &http(), Arc::new(NoToken)).is_err());
    }
}
