//! One HTTP exchange for discovery: send, classify transport failures and retryable
//! statuses for [`super::retry`], and read the body under a hard size cap while it
//! streams, so no answer can exhaust memory.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::net::retry_after;

use super::error::RegistryError;
use super::retry::AttemptError;
use crate::observability::{metrics, Stage};
use std::time::Instant;

/// Default cap for a discovery response body.
pub const DISCOVERY_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Default cap for a retrieved document (manifest or report).
pub const DOCUMENT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A response whose body has been read in full.
#[derive(Debug)]
pub struct CappedResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl CappedResponse {
    /// The `Content-Type` header, or empty.
    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// This response if it is 200 OK; otherwise the error `refusal` reads from it, which
    /// ends the attempt (a refusal is not retried).
    pub fn ok_or_fatal(
        self,
        refusal: impl FnOnce(&CappedResponse) -> RegistryError,
    ) -> Result<CappedResponse, AttemptError> {
        if self.status == StatusCode::OK {
            Ok(self)
        } else {
            Err(AttemptError::Fatal(refusal(&self)))
        }
    }
}

/// Sends a request and reads its body, mapping connection failures, 429 and
/// 502/503/504 to retryable errors named after `service`.
pub async fn exchange(
    request: reqwest::RequestBuilder,
    service: &str,
    limit: usize,
) -> Result<CappedResponse, AttemptError> {
    let started = Instant::now();
    // Every exchange is measured (latency, bytes, failure), named by service, never by URL.
    let failed =
        || metrics::global().request(Stage::Discovery, service, started.elapsed(), 0, false);
    let response = request.send().await.map_err(|e| {
        failed();
        transport_error(&e, service)
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            failed();
            return Err(AttemptError::Retryable {
                error: RegistryError::RateLimited(service.into()),
                after: retry_after(&headers),
            });
        }
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            failed();
            return Err(AttemptError::Retryable {
                error: RegistryError::Unavailable(service.into()),
                after: retry_after(&headers),
            });
        }
        _ => {}
    }
    let body = read_capped(response, service, limit)
        .await
        .inspect_err(|_| failed())?;
    metrics::global().request(
        Stage::Discovery,
        service,
        started.elapsed(),
        body.len() as u64,
        status.is_success(),
    );
    Ok(CappedResponse {
        status,
        headers,
        body,
    })
}

fn transport_error(error: &reqwest::Error, service: &str) -> AttemptError {
    if error.is_connect() {
        AttemptError::Retryable {
            error: RegistryError::Unavailable(service.into()),
            after: None,
        }
    } else if error.is_timeout() {
        AttemptError::Retryable {
            error: RegistryError::TimedOut(service.into()),
            after: None,
        }
    } else if error.is_builder() {
        AttemptError::Fatal(RegistryError::Client(error.without_url_text()))
    } else {
        AttemptError::Retryable {
            error: RegistryError::Unavailable(service.into()),
            after: None,
        }
    }
}

trait WithoutUrlText {
    fn without_url_text(&self) -> String;
}

impl WithoutUrlText for reqwest::Error {
    fn without_url_text(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        text
    }
}

async fn read_capped(
    mut response: reqwest::Response,
    service: &str,
    limit: usize,
) -> Result<Vec<u8>, AttemptError> {
    let too_large = || {
        AttemptError::Fatal(RegistryError::TooLarge {
            service: service.into(),
            limit,
        })
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport_error(&e, service)),
        }
    }
}
