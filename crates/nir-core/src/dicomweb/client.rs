//! The HTTP side of DICOMweb: one [`DicomWebClient`] per session, built on the client from
//! [`crate::net::build_client`] with the bearer token from [`AccessTokens`]. Every request
//! says `Cache-Control: no-store`; bodies are streamed into zeroising memory with a size
//! cap and never touch disk, growing with the bytes that arrive rather than with the
//! `Content-Length` the server announces (RFC 9110 8.6: a sender's statement that a
//! transfer may still contradict). Instance requests walk the Accept fallback list and
//! remember per server what worked. Multipart bodies are handed part by part to the
//! caller. Where retrieval goes through NIR, each request also carries NIR's headers (the
//! consuming organisation's ODS code, a fresh `X-Request-ID` and the session's
//! `X-Correlation-ID`). Before anything is sent, the address is checked against the
//! session's [`OriginPolicy`]: the token goes only to the origins it lists.
//! A busy server (503/429) is waited for as its `Retry-After` asks, within the bounds of
//! the [`BusyPolicy`]. Bulk transfers (instances, series, frames) are limited by the
//! client's idle (read) timeout and a generous ceiling rather than the short total
//! timeout of API calls, so a large series arriving slowly but steadily over a thin link
//! completes, while one that stalls is given up.

use crate::observability::{global, target_of, Stage};
use std::sync::Arc;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use super::accept::{origin_of, AcceptList, AcceptMemory};
use super::busy::BusyPolicy;
use super::byte_gate::ByteGate;
use super::error::{DicomWebError, Resource};
use super::metadata::StudyLayout;
use super::multipart::{MultipartParser, Part};
use super::schedule::ServerLimits;
use super::zeroizing_vec;
use crate::net::{retry_after, AccessTokens, Grant, OriginPolicy};
use crate::net::{CORRELATION_ID_HEADER, ODS_HEADER, REQUEST_ID_HEADER};

/// Default cap on one response body: 4 GiB.
const DEFAULT_RESPONSE_LIMIT: usize = 4 << 30;
/// Cap on a JSON (metadata or search) body: 256 MiB.
const JSON_LIMIT: usize = 256 << 20;
/// The longest a bulk transfer (one series, instance or frame set) may take in all: it
/// replaces the client's total timeout, which is sized for API calls. Stalls are caught
/// sooner by the client's idle timeout ([`crate::net::NetworkSettings::idle_timeout`]).
const BULK_TRANSFER_CEILING: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

/// How long one request may take in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ceiling {
    /// The HTTP client's total timeout (API calls, JSON).
    ClientDefault,
    /// [`BULK_TRANSFER_CEILING`] (pixel data).
    BulkTransfer,
}

/// A DICOMweb (WADO-RS / QIDO-RS) client that keeps everything in memory.
pub struct DicomWebClient {
    http: reqwest::Client,
    tokens: Arc<dyn AccessTokens>,
    accept: AcceptMemory,
    pub(crate) limits: ServerLimits,
    response_limit: usize,
    /// NIR's request headers: `(ODS code, correlation id)`.
    nir_headers: Option<(String, String)>,
    /// Where requests (and the token) may go; tokenless unless the session sets one.
    origins: OriginPolicy,
    /// How long to wait for a busy server.
    busy: BusyPolicy,
}

impl DicomWebClient {
    /// A client over `http` (from [`crate::net::build_client`]) taking bearer tokens from `tokens`.
    pub fn new(http: reqwest::Client, tokens: Arc<dyn AccessTokens>) -> Self {
        Self {
            http,
            tokens,
            accept: AcceptMemory::new(),
            limits: ServerLimits::default(),
            response_limit: DEFAULT_RESPONSE_LIMIT,
            nir_headers: None,
            origins: OriginPolicy::tokenless(),
            busy: BusyPolicy::default(),
        }
    }

    /// Waits for a busy server as `policy` says.
    pub fn with_busy_policy(mut self, policy: BusyPolicy) -> Self {
        self.busy = policy;
        self
    }

    /// Sends requests (with the token) only where `origins` allows.
    pub fn with_origin_policy(mut self, origins: OriginPolicy) -> Self {
        self.origins = origins;
        self
    }

    /// Sends NIR's request headers with every request: `NHSD-End-User-Organisation-ODS`,
    /// a fresh UUID `X-Request-ID` and `X-Correlation-ID`.
    pub fn with_nir_headers(mut self, ods_code: &str, correlation_id: &str) -> Self {
        self.nir_headers = Some((ods_code.to_owned(), correlation_id.to_owned()));
        self
    }

    /// Caps the size of any one response body.
    pub fn with_response_limit(mut self, bytes: usize) -> Self {
        self.response_limit = bytes;
        self
    }

    /// Fetches `.../studies/{uid}/metadata` and lays the study out.
    pub async fn study_metadata(&self, url: &url::Url) -> Result<StudyLayout, DicomWebError> {
        let json = self.get_json(url, Resource::Metadata).await?;
        StudyLayout::from_metadata(url, &json)
    }

    /// GETs DICOM JSON (`application/dicom+json`).
    pub(crate) async fn get_json(
        &self,
        url: &url::Url,
        resource: Resource,
    ) -> Result<serde_json::Value, DicomWebError> {
        let accept = HeaderValue::from_static("application/dicom+json, application/json");
        let never = CancellationToken::new();
        let mut response = self
            .send_when_ready(url, resource, accept, Ceiling::ClientDefault, &never)
            .await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(serde_json::Value::Array(Vec::new()));
        }
        let status = response.status();
        if status == StatusCode::NOT_ACCEPTABLE || status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return Err(DicomWebError::NotAcceptable { resource });
        }
        check_status(&response, resource)?;
        let mut body = Zeroizing::new(Vec::new());
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| DicomWebError::from_reqwest(resource, error))?
        {
            if body.len() + chunk.len() > JSON_LIMIT {
                return Err(DicomWebError::ResponseTooLarge {
                    resource,
                    limit_bytes: JSON_LIMIT,
                });
            }
            zeroizing_vec::append(&mut body, &chunk);
        }
        global().bytes(Stage::Retrieval, &target_of(url), body.len() as u64);
        serde_json::from_slice(&body).map_err(|error| DicomWebError::InvalidJson {
            resource,
            reason: error.to_string(),
        })
    }

    /// GETs a WADO-RS resource and hands each part of the answer to `on_part` as it
    /// completes; returns how many parts there were. A non-multipart answer (plain
    /// `application/dicom`) counts as one part. 406/415 move along the Accept list.
    pub async fn fetch_parts(
        &self,
        url: &url::Url,
        resource: Resource,
        list: AcceptList,
        cancel: &CancellationToken,
        on_part: &mut (dyn FnMut(Part) -> Result<(), DicomWebError> + Send),
    ) -> Result<usize, DicomWebError> {
        self.fetch_parts_gated(url, resource, list, cancel, None, on_part)
            .await
    }

    /// [`Self::fetch_parts`], waiting at `gate` (when given) before taking in each chunk of
    /// the body, so no more arrives than the gate allows.
    pub(crate) async fn fetch_parts_gated(
        &self,
        url: &url::Url,
        resource: Resource,
        list: AcceptList,
        cancel: &CancellationToken,
        gate: Option<&ByteGate>,
        on_part: &mut (dyn FnMut(Part) -> Result<(), DicomWebError> + Send),
    ) -> Result<usize, DicomWebError> {
        let origin = origin_of(url);
        let mut index = self.accept.first(&origin, list);
        let response = loop {
            let accept = HeaderValue::from_static(list.values()[index]);
            let response = self
                .send_when_ready(url, resource, accept, Ceiling::BulkTransfer, cancel)
                .await?;
            let status = response.status();
            if status != StatusCode::NOT_ACCEPTABLE && status != StatusCode::UNSUPPORTED_MEDIA_TYPE
            {
                break response;
            }
            index = self
                .accept
                .refused(&origin, list, index)
                .ok_or(DicomWebError::NotAcceptable { resource })?;
        };
        check_status(&response, resource)?;
        self.stream_parts(response, resource, cancel, gate, on_part)
            .await
    }

    /// Collects every part of a WADO-RS resource (for callers that want them all at once).
    pub async fn fetch_all_parts(
        &self,
        url: &url::Url,
        resource: Resource,
        list: AcceptList,
        cancel: &CancellationToken,
    ) -> Result<Vec<Part>, DicomWebError> {
        let mut parts = Vec::new();
        self.fetch_parts(url, resource, list, cancel, &mut |part| {
            parts.push(part);
            Ok(())
        })
        .await?;
        Ok(parts)
    }

    /// Reads the parts of a response; a transfer that fails part-way (cut, timed out, not
    /// valid multipart, too large) counts as a retrieval error in the metrics.
    async fn stream_parts(
        &self,
        response: reqwest::Response,
        resource: Resource,
        cancel: &CancellationToken,
        gate: Option<&ByteGate>,
        on_part: &mut (dyn FnMut(Part) -> Result<(), DicomWebError> + Send),
    ) -> Result<usize, DicomWebError> {
        let target = target_of(response.url());
        let outcome = self
            .read_parts(response, &target, resource, cancel, gate, on_part)
            .await;
        if matches!(&outcome, Err(error) if !matches!(error, DicomWebError::Cancelled)) {
            global().error(Stage::Retrieval, &target);
        }
        outcome
    }

    async fn read_parts(
        &self,
        mut response: reqwest::Response,
        target: &str,
        resource: Resource,
        cancel: &CancellationToken,
        gate: Option<&ByteGate>,
        on_part: &mut (dyn FnMut(Part) -> Result<(), DicomWebError> + Send),
    ) -> Result<usize, DicomWebError> {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut parser = if content_type.to_ascii_lowercase().starts_with("multipart/") {
            Some(
                MultipartParser::for_content_type(&content_type)
                    .map_err(|source| DicomWebError::Multipart { resource, source })?,
            )
        } else {
            None
        };
        // `Content-Length` is the server's claim: it sizes nothing beyond a few MiB until
        // the bytes arrive.
        let declared = response.content_length();
        let mut single =
            zeroizing_vec::for_declared_length(if parser.is_none() { declared } else { None });
        let mut received = 0usize;
        let mut parts = 0usize;
        loop {
            let chunk = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
                chunk = response.chunk() => chunk,
            };
            let chunk = match chunk {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(error) if error.is_timeout() => {
                    return Err(DicomWebError::Timeout { resource });
                }
                Err(_) => {
                    return Err(DicomWebError::Interrupted {
                        resource,
                        complete_parts: parts,
                    });
                }
            };
            if let Some(gate) = gate {
                gate.admit(chunk.len(), cancel).await?;
            }
            received += chunk.len();
            global().bytes(Stage::Retrieval, target, chunk.len() as u64);
            if received > self.response_limit {
                return Err(DicomWebError::ResponseTooLarge {
                    resource,
                    limit_bytes: self.response_limit,
                });
            }
            match parser.as_mut() {
                Some(parser) => {
                    let done = parser
                        .push(&chunk)
                        .map_err(|source| DicomWebError::Multipart { resource, source })?;
                    for part in done {
                        parts += 1;
                        on_part(part)?;
                    }
                }
                None => zeroizing_vec::append_toward(&mut single, &chunk, declared),
            }
        }
        match parser {
            Some(parser) => parser
                .finish()
                .map_err(|source| DicomWebError::Multipart { resource, source })?,
            None => {
                let headers = vec![("content-type".to_string(), content_type)];
                on_part(Part {
                    headers,
                    body: single,
                })?;
                parts = 1;
            }
        }
        Ok(parts)
    }

    /// Sends a GET as [`Self::send`] does and, while the server answers 503 or 429, waits
    /// as the [`BusyPolicy`] allows and asks again; cancelling stops the wait.
    async fn send_when_ready(
        &self,
        url: &url::Url,
        resource: Resource,
        accept: HeaderValue,
        ceiling: Ceiling,
        cancel: &CancellationToken,
    ) -> Result<reqwest::Response, DicomWebError> {
        let mut waits = 0;
        loop {
            let response = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
                response = self.send(url, resource, accept.clone(), ceiling) => response?,
            };
            let status = response.status();
            if !BusyPolicy::is_busy(status) {
                return Ok(response);
            }
            let asked = retry_after(response.headers());
            drop(response);
            let Some(wait) = self.busy.next_wait(waits, asked) else {
                return Err(DicomWebError::Busy {
                    resource,
                    status: status.as_u16(),
                    retry_after_seconds: asked.map(|wait| wait.as_secs()),
                });
            };
            waits += 1;
            global().retry(Stage::Retrieval, &target_of(url));
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends a GET with the bearer token, `Accept` and `Cache-Control: no-store`.
    async fn send(
        &self,
        url: &url::Url,
        resource: Resource,
        accept: HeaderValue,
        ceiling: Ceiling,
    ) -> Result<reqwest::Response, DicomWebError> {
        let grant = self
            .origins
            .check(url)
            .map_err(|refusal| DicomWebError::OriginRefused { resource, refusal })?;
        let mut request = self
            .http
            .get(url.clone())
            .header(ACCEPT, accept)
            .header(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if ceiling == Ceiling::BulkTransfer {
            request = request.timeout(BULK_TRANSFER_CEILING);
        }
        if let (Some((ods_code, correlation_id)), Grant::WithToken) = (&self.nir_headers, grant) {
            request = request
                .header(REQUEST_ID_HEADER, uuid::Uuid::new_v4().to_string())
                .header(CORRELATION_ID_HEADER, correlation_id)
                .header(ODS_HEADER, ods_code);
        }
        if let Some(token) = self.tokens.bearer().filter(|_| grant == Grant::WithToken) {
            let value = Zeroizing::new(format!("Bearer {}", token.as_str()));
            let mut header = HeaderValue::from_str(&value).map_err(|_| DicomWebError::BadUrl {
                resource,
                reason: "the access token cannot be sent in a header".into(),
            })?;
            header.set_sensitive(true);
            request = request.header(AUTHORIZATION, header);
        }
        let target = target_of(url);
        let started = std::time::Instant::now();
        let outcome = request.send().await;
        let ok = matches!(&outcome, Ok(response) if response.status().is_success());
        global().request(Stage::Retrieval, &target, started.elapsed(), 0, ok);
        outcome.map_err(|error| DicomWebError::from_reqwest(resource, error))
    }
}

/// Turns an unsuccessful status into the matching error.
fn check_status(response: &reqwest::Response, resource: Resource) -> Result<(), DicomWebError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(match status {
        StatusCode::UNAUTHORIZED => DicomWebError::Unauthorized {
            resource,
            detail: response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|value| value.to_str().ok())
                .and_then(error_description),
        },
        StatusCode::FORBIDDEN => DicomWebError::Forbidden { resource },
        StatusCode::NOT_FOUND => DicomWebError::NotFound { resource },
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
            DicomWebError::Timeout { resource }
        }
        _ => DicomWebError::Status {
            resource,
            status: status.as_u16(),
        },
    })
}

/// `error_description="..."` from a `WWW-Authenticate: Bearer ...` challenge.
fn error_description(challenge: &str) -> Option<String> {
    const KEY: &str = "error_description=\"";
    let start = challenge.find(KEY)? + KEY.len();
    let rest = &challenge[start..];
    let end = rest.find('"')?;
    Some(
        rest[..end]
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect(),
    )
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
