//! Helpers shared between the areas' loopback stand-ins.

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
