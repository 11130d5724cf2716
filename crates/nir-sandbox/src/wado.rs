//! WADO-RS per network (`B/networks/<id>/dicomweb`): study/series/instance metadata as
//! DICOM JSON, retrieves as `multipart/related` Part-10 instances (streamed as they are
//! generated, or trickled / cut short for the slow-network and truncated-transfer
//! scenarios), and native frames. QIDO-RS searches are routed to [`super::qido`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value;

use super::auth_gate::{unauthorized, TokenUse};
use super::catalogue::{hidden_network, StudyDef, TS_EXPLICIT_LE};
use super::dicom_gen::header::{instance_header, InstanceRef};
use super::dicom_gen::{native_frames, stored_transfer_syntax, transfer_syntax_for, Encoding};
use super::dicom_json::{string_attribute, to_dicom_json};
use super::multipart::{self, Delivery};
use super::networks::network_index;
use super::scenarios::{self, TRICKLE_PAUSE, TRICKLE_PIECES};
use super::{qido, wado_accept, SandboxState};

/// The routes under `B/networks/{network}/dicomweb`.
pub fn routes() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/studies", get(qido::studies))
        .route("/studies/{study}", get(retrieve))
        .route("/studies/{study}/metadata", get(metadata))
        .route("/studies/{study}/series", get(qido::series))
        .route("/studies/{study}/series/{series}", get(retrieve))
        .route("/studies/{study}/series/{series}/metadata", get(metadata))
        .route(
            "/studies/{study}/series/{series}/instances",
            get(qido::instances),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}",
            get(retrieve),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}/metadata",
            get(metadata),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
            get(frames),
        )
}

/// How many instances of a retrieve are generated at the same time.
const PARALLEL_GENERATION: usize = 2;

/// A plain-text error response.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

/// The instances a WADO path names, after checking network, scenario and token.
pub struct Selection {
    /// Patient index.
    pub patient: usize,
    /// Study index within the patient.
    pub study_index: usize,
    /// `(series index, instance number)` pairs.
    pub instances: Vec<(usize, u32)>,
    /// Which level was asked for: 0 study, 1 series, 2 instance.
    pub level: u8,
}

/// Resolves a WADO path to a selection, or the error response to send.
#[allow(clippy::result_large_err)] // the error is the finished response
pub fn select(
    state: &SandboxState,
    params: &HashMap<String, String>,
    token: TokenUse,
) -> Result<Selection, Response> {
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "no such study, series or instance on this network",
        )
    };
    let network = params
        .get("network")
        .and_then(|n| network_index(n))
        .ok_or_else(not_found)?;
    let study_uid = params.get("study").ok_or_else(not_found)?;
    let study: &StudyDef = state
        .catalogue
        .study(study_uid)
        .filter(|s| s.network == network)
        .ok_or_else(not_found)?;
    if hidden_network(study.patient) == Some(network) {
        return Err(error(
            StatusCode::GATEWAY_TIMEOUT,
            "this network did not answer",
        ));
    }
    if scenarios::token_expired(study.patient, token) {
        return Err(unauthorized("invalid_token", "The access token expired"));
    }
    let study_index = state.catalogue.studies[study.patient]
        .iter()
        .position(|s| s.uid == study.uid)
        .unwrap_or(0);
    let mut instances = Vec::new();
    let mut level = 0;
    for (se, series) in study.series.iter().enumerate() {
        if params.get("series").is_some_and(|uid| *uid != series.uid) {
            continue;
        }
        for number in 1..=series.instances {
            let at = InstanceRef {
                study,
                series,
                number,
            };
            if params.get("sop").is_some_and(|uid| *uid != at.sop_uid()) {
                continue;
            }
            instances.push((se, number));
        }
    }
    if params.contains_key("series") {
        level = 1;
    }
    if params.contains_key("sop") {
        level = 2;
    }
    if instances.is_empty() {
        return Err(not_found());
    }
    Ok(Selection {
        patient: study.patient,
        study_index,
        instances,
        level,
    })
}

/// A WADO or QIDO handler's selection: the path and the token's use, resolved by [`select`];
/// a path that names nothing servable is answered with the response `select` gives.
impl FromRequestParts<Arc<SandboxState>> for Selection {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SandboxState>,
    ) -> Result<Self, Self::Rejection> {
        let Extension(token) = Extension::<TokenUse>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        select(state, &params, token)
    }
}

/// The WADO-RS address of an instance (the Instance resource of PS3.18 10.4.1).
pub fn instance_url(state: &SandboxState, at: InstanceRef<'_>) -> String {
    format!(
        "{}/studies/{}/series/{}/instances/{}",
        state.wado_base(at.study.network),
        at.study.uid,
        at.series.uid,
        at.sop_uid()
    )
}

impl Selection {
    /// `(patient, study index)`: where the selected study sits in the catalogue.
    pub fn study_at(&self) -> (usize, usize) {
        (self.patient, self.study_index)
    }
}

/// Instance `item` (`(series index, instance number)`) of the study at `(patient, study
/// index)`.
pub fn instance_ref(
    state: &SandboxState,
    (patient, study_index): (usize, usize),
    item: (usize, u32),
) -> Option<InstanceRef<'_>> {
    let study = state.catalogue.studies.get(patient)?.get(study_index)?;
    let series = study.series.get(item.0)?;
    Some(InstanceRef {
        study,
        series,
        number: item.1,
    })
}

fn delivery(sel: &Selection, truncatable: bool) -> Delivery {
    Delivery {
        trickle: scenarios::trickles(sel.patient).then_some((TRICKLE_PIECES, TRICKLE_PAUSE)),
        // A marker only: `retrieve` replaces it with the offset mid-way through a part.
        cut_at: (truncatable
            && (sel.level < 2 || sel.instances.first().is_some_and(|(_, n)| *n == 2))
            && scenarios::truncates(sel.patient, sel.study_index))
        .then_some(0),
    }
}

async fn metadata(State(state): State<Arc<SandboxState>>, sel: Selection) -> Response {
    let objects: Vec<Value> = sel
        .instances
        .iter()
        .filter_map(|item| instance_ref(&state, sel.study_at(), *item))
        .map(|at| {
            let mut json = to_dicom_json(&instance_header(at));
            json["00020010"] = string_attribute("UI", stored_transfer_syntax(at));
            json
        })
        .collect();
    let bytes = Value::Array(objects).to_string().into_bytes();
    let mut response = Response::new(multipart::body(bytes, delivery(&sel, false)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/dicom+json"),
    );
    response
}

async fn retrieve(
    State(state): State<Arc<SandboxState>>,
    sel: Selection,
    headers: HeaderMap,
) -> Response {
    let stored: Vec<&str> = sel
        .instances
        .iter()
        .filter_map(|i| instance_ref(&state, sel.study_at(), *i))
        .map(stored_transfer_syntax)
        .collect();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(encoding) = wado_accept::instance_encoding(accept, &stored) else {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "none of the requested media types or transfer syntaxes can be served",
        );
    };
    let boundary = multipart::new_boundary();
    let content_type =
        format!("multipart/related; type=\"application/dicom\"; boundary={boundary}");
    let deliver = delivery(&sel, true);
    let body = if deliver.trickle.is_some() || deliver.cut_at.is_some() {
        let mut bytes = Vec::new();
        let mut cut = None;
        for (i, item) in sel.instances.iter().enumerate() {
            match instance_part(Arc::clone(&state), &sel, *item, encoding, &boundary).await {
                Ok(part) => {
                    if i == 1 || (sel.instances.len() == 1 && i == 0) {
                        cut = Some(bytes.len() + part.len() / 2);
                    }
                    bytes.extend_from_slice(&part);
                }
                Err(response) => return response,
            }
        }
        bytes.extend(multipart::close(&boundary));
        let cut_at = deliver.cut_at.and(cut);
        multipart::body(bytes, Delivery { cut_at, ..deliver })
    } else {
        streamed(state, sel, encoding, boundary)
    };
    let mut response = Response::new(body);
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

async fn instance_part(
    state: Arc<SandboxState>,
    sel: &Selection,
    item: (usize, u32),
    encoding: Encoding,
    boundary: &str,
) -> Result<Vec<u8>, Response> {
    let study_at = sel.study_at();
    let boundary = boundary.to_string();
    let generated = tokio::task::spawn_blocking(move || {
        let at =
            instance_ref(&state, study_at, item).ok_or_else(|| "instance vanished".to_string())?;
        let encoding =
            if encoding == Encoding::Native && stored_transfer_syntax(at) == TS_EXPLICIT_LE {
                Encoding::Stored
            } else {
                encoding
            };
        let bytes = state.cache.get(at, encoding).map_err(|e| e.to_string())?;
        let location = instance_url(&state, at);
        let headers = [
            (
                "Content-Type",
                format!(
                    "application/dicom; transfer-syntax={}",
                    transfer_syntax_for(at, encoding)
                ),
            ),
            ("Content-Location", location),
            ("Content-Length", bytes.len().to_string()),
        ];
        Ok::<_, String>(multipart::part(&boundary, &headers, &bytes))
    })
    .await;
    match generated {
        Ok(Ok(part)) => Ok(part),
        Ok(Err(message)) => {
            tracing::warn!(%message, "sandbox could not generate an instance");
            Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not generate the instance",
            ))
        }
        Err(_) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "instance generation stopped",
        )),
    }
}

fn streamed(
    state: Arc<SandboxState>,
    sel: Selection,
    encoding: Encoding,
    boundary: String,
) -> Body {
    use futures_util::StreamExt;
    let sel = Arc::new(sel);
    let closing = Bytes::from(multipart::close(&boundary));
    let mut items = sel.instances.clone().into_iter();
    let part = move |item| {
        let (state, sel, boundary) = (Arc::clone(&state), Arc::clone(&sel), boundary.clone());
        async move {
            instance_part(state, &sel, item, encoding, &boundary)
                .await
                .map(Bytes::from)
                .map_err(|_| std::io::Error::other("instance generation failed"))
        }
    };
    // The first part is made on its own, so it does not share the cores with the ones
    // behind it (the image a viewer shows first is usually the first part); then the next
    // instances are made while the current one is being sent.
    let first = futures_util::stream::iter(items.next()).then(part.clone());
    let rest = futures_util::stream::iter(items)
        .map(part)
        .buffered(PARALLEL_GENERATION);
    let stream = first
        .chain(rest)
        .chain(futures_util::stream::once(async move { Ok(closing) }));
    Body::from_stream(stream)
}

async fn frames(
    State(state): State<Arc<SandboxState>>,
    sel: Selection,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if !wado_accept::frames_acceptable(accept) {
        return error(
            StatusCode::NOT_ACCEPTABLE,
            "frames are served as application/octet-stream only",
        );
    }
    let list = params.get("frames").map(String::as_str).unwrap_or("");
    let numbers: Result<Vec<u32>, _> = list.split(',').map(|n| n.trim().parse::<u32>()).collect();
    let Ok(numbers) = numbers else {
        return error(
            StatusCode::BAD_REQUEST,
            "frame numbers must be a comma-separated list of positive integers",
        );
    };
    let Some(at) = sel
        .instances
        .first()
        .and_then(|i| instance_ref(&state, sel.study_at(), *i))
    else {
        return error(StatusCode::NOT_FOUND, "no such instance");
    };
    let frame_count = if matches!(
        at.series.kind,
        super::catalogue::SeriesKind::Pdf
            | super::catalogue::SeriesKind::Sr
            | super::catalogue::SeriesKind::Pr
            | super::catalogue::SeriesKind::Ko
    ) {
        0
    } else {
        at.series.frames.max(1)
    };
    if numbers.is_empty() || numbers.iter().any(|n| *n == 0 || *n > frame_count) {
        return error(StatusCode::NOT_FOUND, "frame number out of range");
    }
    let state2 = Arc::clone(&state);
    let (study_at, item) = (sel.study_at(), sel.instances[0]);
    let native = tokio::task::spawn_blocking(move || {
        instance_ref(&state2, study_at, item)
            .map(native_frames)
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    let boundary = multipart::new_boundary();
    let mut body = Vec::new();
    let location = format!("{}/frames", instance_url(&state, at));
    for n in numbers {
        let frame = native.get(n as usize - 1).map(Vec::as_slice).unwrap_or(&[]);
        let headers = [
            (
                "Content-Type",
                format!("application/octet-stream; transfer-syntax={TS_EXPLICIT_LE}"),
            ),
            ("Content-Location", format!("{location}/{n}")),
            ("Content-Length", frame.len().to_string()),
        ];
        body.extend(multipart::part(&boundary, &headers, frame));
    }
    body.extend(multipart::close(&boundary));
    let mut response = Response::new(multipart::body(body, delivery(&sel, false)));
    let content_type =
        format!("multipart/related; type=\"application/octet-stream\"; boundary={boundary}");
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
