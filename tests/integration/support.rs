//! Helpers shared between the areas' loopback stand-ins.

use std::sync::Arc;

use nir_viewer::registry::{DiscoveryBackend, KnownNetwork, SessionContext};
use nir_viewer::viewer::discovery::{fhir_backend, xca_backend};
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
    context: SessionContext,
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
