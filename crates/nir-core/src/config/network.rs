//! The outbound network settings a configuration asks for (proxy, trust anchors, client
//! certificate), with the PEM files it names read from disk. Shared by the window and the
//! conformance suite so that both reach NIR exactly the same way.

use std::path::Path;

use super::Config;
use crate::net::NetworkSettings;

/// The outbound network settings a configuration asks for, its PEM files read from disk.
pub fn network_settings(config: &Config) -> Result<NetworkSettings, String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    Ok(NetworkSettings {
        proxy: config.network.proxy.clone(),
        ca_bundle_pem: config.network.ca_bundle.as_deref().map(read).transpose()?,
        client_identity_pem: config
            .network
            .client_certificate
            .as_deref()
            .map(read)
            .transpose()?
            .map(zeroize::Zeroizing::new),
        ..NetworkSettings::default()
    })
}
