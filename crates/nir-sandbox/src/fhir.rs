//! The FHIR discovery endpoint (MHD ITI-67 / NRL v3 style) at `B/fhir/R4`: GET and POST
//! DocumentReference searches with NRL's required headers, Spine error codes, paging and
//! scenario faults; plus the per-network DiagnosticReport/CarePlan reads that report
//! pointers lead to.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::auth_gate::{unauthorized, TokenUse};
use super::catalogue::{hidden_network, ReportKind};
use super::fhir_resources::{
    document_reference, error_outcome, report_resource, unavailable_network_entry,
};
use super::fhir_search::{self, Page, Search, SearchError};
use super::networks::{network_index, NETWORKS};
use super::patients::patient_index;
use super::scenarios::{self, DiscoveryFault, Flavour, SLOW_DISCOVERY};
use super::SandboxState;

/// FHIR JSON media type with NRL's version parameter.
pub const FHIR_JSON: &str = "application/fhir+json;version=1";

/// A FHIR response echoing the request and correlation ids.
fn respond(status: StatusCode, body: &Value, request_headers: &HeaderMap) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    for name in ["x-request-id", "x-correlation-id"] {
        if let Some(value) = request_headers.get(name) {
            headers.insert(name, value.clone());
        }
    }
    response
}

fn bad_request(code: &str, display: &str, diagnostics: &str, headers: &HeaderMap) -> Response {
    let fhir_code = if code == "INVALID_NHS_NUMBER" || code == "INVALID_PARAMETER" {
        "invalid"
    } else {
        "value"
    };
    respond(
        StatusCode::BAD_REQUEST,
        &error_outcome(fhir_code, code, display, diagnostics),
        headers,
    )
}

/// Checks NRL's required headers.
// An error here is the finished response; boxing it would only add noise.
#[allow(clippy::result_large_err)]
fn check_headers(headers: &HeaderMap) -> Result<(), Response> {
    let ods = headers
        .get("nhsd-end-user-organisation-ods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ods.trim().is_empty() {
        return Err(bad_request(
            "PRECONDITION_FAILED",
            "Precondition failed",
            "Required header NHSD-End-User-Organisation-ODS is missing",
            headers,
        ));
    }
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if uuid::Uuid::parse_str(request_id.trim()).is_err() {
        return Err(bad_request(
            "MISSING_OR_INVALID_HEADER",
            "There is a required header that is missing or invalid",
            "X-Request-ID must be a UUID",
            headers,
        ));
    }
    Ok(())
}

/// `GET F/DocumentReference?...`
pub async fn search_get(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = form_pairs(query.as_deref().unwrap_or("").as_bytes());
    search(state, token, headers, params).await
}

/// `POST F/DocumentReference/_search` with a form or NRL JSON body.
pub async fn search_post(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = form_pairs(query.as_deref().unwrap_or("").as_bytes());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        params.extend(form_pairs(&body));
    } else if content_type.contains("json") {
        match serde_json::from_slice::<serde_json::Map<String, Value>>(&body) {
            Ok(map) => params.extend(map.into_iter().map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })),
            Err(_) => {
                return bad_request(
                    "BAD_REQUEST",
                    "Bad request",
                    "The body is not a JSON object",
                    &headers,
                )
            }
        }
    } else if !body.is_empty() {
        return bad_request(
            "BAD_REQUEST",
            "Bad request",
            "Send the search as application/x-www-form-urlencoded or application/json",
            &headers,
        );
    }
    search(state, token, headers, params).await
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn search(
    state: Arc<SandboxState>,
    token: TokenUse,
    headers: HeaderMap,
    params: Vec<(String, String)>,
) -> Response {
    if let Err(response) = check_headers(&headers) {
        return response;
    }
    let page = match fhir_search::parse(&params) {
        Err(SearchError::InvalidNhsNumber) => {
            return bad_request(
                "INVALID_NHS_NUMBER",
                "Invalid NHS number",
                "The NHS number is not valid",
                &headers,
            )
        }
        Err(SearchError::InvalidParameter(name)) => {
            return bad_request(
                "INVALID_PARAMETER",
                "Invalid parameter",
                &format!("Invalid query parameter {name}"),
                &headers,
            )
        }
        Err(SearchError::UnknownPage) => {
            return bad_request(
                "INVALID_PARAMETER",
                "Invalid parameter",
                "Unknown or expired page token",
                &headers,
            )
        }
        Ok(Search::Page(token_id)) => match state.pages.get(&token_id) {
            Ok(page) => {
                if scenarios::token_expired(page.patient, token) {
                    return unauthorized("invalid_token", "The access token expired");
                }
                page
            }
            Err(_) => {
                return bad_request(
                    "INVALID_PARAMETER",
                    "Invalid parameter",
                    "Unknown or expired page token",
                    &headers,
                )
            }
        },
        Ok(Search::New {
            nhs,
            filters,
            count,
        }) => {
            let Some(patient) = patient_index(&nhs) else {
                return respond(StatusCode::OK, &empty_bundle(&state), &headers);
            };
            match state.faults.discovery(patient, Flavour::Fhir, token) {
                DiscoveryFault::TokenExpired => {
                    return unauthorized("invalid_token", "The access token expired")
                }
                DiscoveryFault::Denied => {
                    let outcome = error_outcome(
                        "forbidden",
                        "ACCESS_DENIED",
                        "Access has been denied to process this request",
                        "Access to this patient's records is not permitted",
                    );
                    return respond(StatusCode::FORBIDDEN, &outcome, &headers);
                }
                DiscoveryFault::RateLimited => {
                    let outcome = error_outcome(
                        "throttled",
                        "TOO_MANY_REQUESTS",
                        "Too many requests",
                        "Rate limit exceeded; retry after the delay in Retry-After",
                    );
                    return scenarios::with_retry_after(respond(
                        StatusCode::TOO_MANY_REQUESTS,
                        &outcome,
                        &headers,
                    ));
                }
                DiscoveryFault::Slow => tokio::time::sleep(SLOW_DISCOVERY).await,
                DiscoveryFault::None => {}
            }
            let records = state
                .catalogue
                .records_of(patient)
                .into_iter()
                .filter(|r| fhir_search::matches(&state, *r, &filters))
                .collect();
            Page {
                patient,
                records,
                offset: 0,
                count,
            }
        }
    };
    respond(StatusCode::OK, &bundle(&state, page), &headers)
}

fn empty_bundle(state: &SandboxState) -> Value {
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "searchset",
        "total": 0,
        "link": [{ "relation": "self", "url": format!("{}/DocumentReference/_search", state.fhir_base()) }],
        "entry": [],
    })
}

fn bundle(state: &SandboxState, page: Page) -> Value {
    let base = state.fhir_base();
    let total = page.records.len();
    let end = (page.offset + page.count).min(total);
    let slice = page.records.get(page.offset..end).unwrap_or(&[]).to_vec();
    let mut entries: Vec<Value> = slice
        .into_iter()
        .map(|record| {
            let resource = document_reference(state, record);
            json!({
                "fullUrl": format!("{base}/DocumentReference/{}", resource["id"].as_str().unwrap_or("")),
                "resource": resource,
                "search": { "mode": "match" },
            })
        })
        .collect();
    if page.offset == 0 {
        if let Some(network) = hidden_network(page.patient).and_then(|n| NETWORKS.get(n)) {
            entries.push(unavailable_network_entry(network));
        }
    }
    let this = state.pages.put(page.clone());
    let mut links = vec![
        json!({ "relation": "self", "url": format!("{base}/DocumentReference?_page_token={this}") }),
    ];
    if end < total {
        let next = state.pages.put(Page {
            offset: end,
            ..page
        });
        links.push(json!({ "relation": "next", "url": format!("{base}/DocumentReference?_page_token={next}") }));
    }
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": entries,
    })
}

/// `GET B/networks/<id>/fhir/{DiagnosticReport|CarePlan}/<id>`.
pub async fn read_report(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    headers: HeaderMap,
    Path((network, resource, id)): Path<(String, String, String)>,
) -> Response {
    let not_found = |headers: &HeaderMap| {
        let outcome = error_outcome(
            "not-found",
            "RESOURCE_NOT_FOUND",
            "Resource not found",
            "No such resource on this network",
        );
        respond(StatusCode::NOT_FOUND, &outcome, headers)
    };
    let Some(network) = network_index(&network) else {
        return not_found(&headers);
    };
    let Some(report) = state.catalogue.report(&id).filter(|r| r.network == network) else {
        return not_found(&headers);
    };
    let expected = if report.kind == ReportKind::CarePlan {
        "CarePlan"
    } else {
        "DiagnosticReport"
    };
    if resource != expected {
        return not_found(&headers);
    }
    if scenarios::token_expired(report.patient, token) {
        return unauthorized("invalid_token", "The access token expired");
    }
    respond(StatusCode::OK, &report_resource(report), &headers)
}
