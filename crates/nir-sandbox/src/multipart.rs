//! Writing `multipart/related` bodies (RFC 2387) for WADO-RS and MTOM responses, and
//! turning a list of parts into a streamed body that may trickle (slow-network) or stop
//! mid-part (truncated-transfer).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};

/// A fresh boundary string (never occurs in generated content by construction: random).
pub fn new_boundary() -> String {
    format!("nir-sandbox-{}", uuid::Uuid::new_v4().simple())
}

/// The bytes of one part: delimiter, headers, blank line, body, CRLF.
pub fn part(boundary: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 256);
    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
    out
}

/// The closing delimiter.
pub fn close(boundary: &str) -> Vec<u8> {
    format!("--{boundary}--\r\n").into_bytes()
}

/// How a response body is delivered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delivery {
    /// Cut into pieces with pauses between them.
    pub trickle: Option<(usize, Duration)>,
    /// Stop after this many bytes (mid-part), without the closing delimiter.
    pub cut_at: Option<usize>,
}

/// A body from complete bytes, delivered as `delivery` says.
pub fn body(bytes: Vec<u8>, delivery: Delivery) -> Body {
    let mut bytes = bytes;
    if let Some(cut) = delivery.cut_at {
        bytes.truncate(cut);
    }
    let Some((pieces, pause)) = delivery.trickle else {
        return Body::from(bytes);
    };
    let piece_len = bytes.len().div_ceil(pieces.max(1)).max(1);
    let chunks: Vec<Bytes> = bytes
        .chunks(piece_len)
        .map(Bytes::copy_from_slice)
        .collect();
    let stream = futures_util::stream::unfold(
        (chunks.into_iter(), true),
        move |(mut rest, first)| async move {
            let next = rest.next()?;
            if !first {
                tokio::time::sleep(pause).await;
            }
            Some((Ok::<_, Infallible>(next), (rest, false)))
        },
    );
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_delimited_and_closed() {
        let mut body = part(
            "b1",
            &[("Content-Type", "application/dicom".into())],
            b"DATA",
        );
        body.extend(close("b1"));
        assert_eq!(
            body,
            b"--b1\r\nContent-Type: application/dicom\r\n\r\nDATA\r\n--b1--\r\n"
        );
        assert_ne!(new_boundary(), new_boundary());
    }

    #[tokio::test]
    async fn trickled_and_cut_bodies_keep_their_bytes() {
        let data: Vec<u8> = (0..100u8).collect();
        let trickled = body(
            data.clone(),
            Delivery {
                trickle: Some((4, Duration::from_millis(1))),
                cut_at: None,
            },
        );
        assert_eq!(axum::body::to_bytes(trickled, 1000).await.unwrap(), data);
        let cut = body(
            data.clone(),
            Delivery {
                trickle: None,
                cut_at: Some(37),
            },
        );
        assert_eq!(axum::body::to_bytes(cut, 1000).await.unwrap(), &data[..37]);
    }
}
