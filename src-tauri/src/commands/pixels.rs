//! The `nirpx` URI scheme: pixels and report PDFs from memory to the WebView as raw bytes,
//! with geometry in headers and `Cache-Control: no-store`, so nothing reaches WebKit's disk
//! cache. Paths: `/frame/{study}/{series}/{index}`, `/preview/{record}` (a study's
//! first image while it still opens), `/report/{record}` and
//! `/document/{study}/{series}` (a PDF held inside a study). A frame's VOI LUT Sequence
//! table, when it has one, follows the samples in the body, its first value mapped, bits and
//! entry count in `x-voi-lut`.

use std::sync::Arc;

use tauri::http::{header, Request, Response, StatusCode};

use nir_core::error::UserFacing;
use nir_core::viewer::slice_position;
use nir_core::viewer::{DisplayFrame, FrameFacts, ViewerError, ViewerSession};

/// The scheme's name.
pub const PIXEL_SCHEME: &str = "nirpx";

const EXPOSED: &str = "x-format, x-rows, x-columns, x-rescale-slope, x-rescale-intercept, \
x-window-center, x-window-width, x-invert, x-instance-number, x-slice-location, \
x-image-position, x-image-orientation, x-voi-function, x-voi-lut";

/// Answers one request of the scheme.
pub async fn handle(session: Arc<ViewerSession>, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| matches!(*o, "tauri://localhost" | "http://tauri.localhost"))
        .unwrap_or("tauri://localhost")
        .to_owned();
    let path = percent_decode(request.uri().path());
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = match segments.as_slice() {
        ["frame", study, series, index] => {
            match (series.parse::<usize>(), index.parse::<usize>()) {
                (Ok(series), Ok(index)) => frame_response(&session, study, series, index).await,
                _ => Err((
                    StatusCode::BAD_REQUEST,
                    "That image address is not valid.".to_owned(),
                )),
            }
        }
        ["document", study, series] => match series
            .parse::<usize>()
            .map_err(|_| ViewerError::NoSuchImage)
            .and_then(|series| session.study_document_pdf(study, series))
        {
            Ok(pdf) => Ok(Response::builder()
                .header(header::CONTENT_TYPE, "application/pdf")
                .body(pdf.as_bytes().to_vec())),
            Err(error) => Err((StatusCode::NOT_FOUND, error.user_message())),
        },
        ["preview", record] => preview_response(&session, record),
        ["report", record] => match session.report_pdf(record) {
            Ok(pdf) => Ok(Response::builder()
                .header(header::CONTENT_TYPE, "application/pdf")
                .body(pdf.as_bytes().to_vec())),
            Err(error) => Err((StatusCode::NOT_FOUND, error.user_message())),
        },
        _ => Err((
            StatusCode::NOT_FOUND,
            "Nothing is served at that address.".to_owned(),
        )),
    };
    let builder = match result {
        Ok(builder) => builder,
        Err((status, message)) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(message.into_bytes()),
    };
    let mut response = builder.unwrap_or_else(|_| Response::new(Vec::new()));
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if let Ok(value) = header::HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::HeaderValue::from_static(EXPOSED),
    );
    headers.insert(
        "content-disposition",
        header::HeaderValue::from_static("inline"),
    );
    response
}

type Built = Result<Response<Vec<u8>>, tauri::http::Error>;

async fn frame_response(
    session: &ViewerSession,
    study: &str,
    series: usize,
    index: usize,
) -> Result<Built, (StatusCode, String)> {
    let (frame, facts) = session
        .frame(study, series, index)
        .await
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.user_message()))?;
    Ok(frame_body(frame, &facts))
}

/// The provisional first image of a study still opening (served once; see
/// `ViewerSession::take_preview`): its pixels, without a place in a stack.
fn preview_response(session: &ViewerSession, record: &str) -> Result<Built, (StatusCode, String)> {
    let frame = session
        .take_preview(record)
        .map_err(|e| (StatusCode::NOT_FOUND, e.user_message()))?;
    Ok(frame_body(frame, &FrameFacts::default()))
}

/// A frame's samples (and VOI LUT table) as the body, what describes them in headers.
fn frame_body(frame: DisplayFrame, facts: &FrameFacts) -> Built {
    let DisplayFrame {
        format,
        rows,
        columns,
        slope,
        intercept,
        window_center,
        window_width,
        invert,
        voi_function,
        voi_lut,
        mut bytes,
    } = frame;
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("x-format", format)
        .header("x-rows", rows.to_string())
        .header("x-columns", columns.to_string())
        .header("x-rescale-slope", slope.to_string())
        .header("x-rescale-intercept", intercept.to_string())
        .header("x-window-center", window_center.to_string())
        .header("x-window-width", window_width.to_string())
        .header("x-invert", if invert { "1" } else { "0" })
        .header("x-voi-function", voi_function);
    if let Some(table) = voi_lut {
        builder = builder.header("x-voi-lut", table.header_value());
        bytes.extend_from_slice(&table.entries);
    }
    if let Some(number) = facts.instance_number {
        builder = builder.header("x-instance-number", number.to_string());
    }
    if let Some(position) = facts.position {
        builder = builder.header("x-image-position", join(&position));
        if let Some(location) = slice_position(Some(position), facts.orientation) {
            builder = builder.header("x-slice-location", format!("{location:.2}"));
        }
        if let Some(orientation) = facts.orientation {
            builder = builder.header("x-image-orientation", join(&orientation));
        }
    } else if let Some(orientation) = facts.orientation {
        builder = builder.header("x-image-orientation", join(&orientation));
    }
    builder.body(bytes)
}

fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\\")
}

/// `convertFileSrc`-style URLs arrive percent-encoded; our keys are plain but decode anyway.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_percent_escapes_in_paths() {
        assert_eq!(percent_decode("/frame/ab%2Dc/0/1"), "/frame/ab-c/0/1");
        assert_eq!(percent_decode("/report/r+1"), "/report/r+1");
    }
}
