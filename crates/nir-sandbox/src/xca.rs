//! The XCA flavour: ITI-38 Cross Gateway Query (FindDocuments over SOAP 1.2, answering
//! ExtrinsicObjects with home community ids, PartialSuccess naming a silent community,
//! faults for refused or rate-limited requests) and ITI-39 Cross Gateway Retrieve
//! (MTOM/XOP with a KOS manifest for a study, and for a report the FHIR JSON, a PDF, plain
//! text or an HL7 CDA document, each with its `mimeType`; see `xca_documents`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use nir_core::registry::xca::xml_tree::Element;

use super::auth_gate::{unauthorized, TokenUse};
use super::catalogue::{hidden_network, RecordRef};
use super::dicom_gen::kos::kos_manifest;
use super::fhir_resources::{record_date, record_network};
use super::multipart;
use super::networks::{network_by_home_community, NETWORKS};
use super::patients::{patient_index, PATIENTS};
use super::scenarios::{self, DiscoveryFault, Flavour, SLOW_DISCOVERY};
use super::xca_documents::report_document;
use super::xca_xml::{
    element_texts, envelope, escape, extrinsic_object, fault, parse_request, registry_error,
    slot_values, FIND_DOCUMENTS, NHS_NUMBER_OID, STATUS,
};
use super::SandboxState;

const QUERY_RESPONSE: &str = "urn:ihe:iti:2007:CrossGatewayQueryResponse";
const RETRIEVE_RESPONSE: &str = "urn:ihe:iti:2007:CrossGatewayRetrieveResponse";

fn soap(status: StatusCode, action: &str, xml: String) -> Response {
    let mut response = (status, xml).into_response();
    let content_type = format!("application/soap+xml; charset=UTF-8; action=\"{action}\"");
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// The `rs:RegistryErrorList` of a response (ebRS 3.0 RegistryResponse), empty without errors.
fn registry_error_list(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!(
            "<rs:RegistryErrorList>{}</rs:RegistryErrorList>",
            errors.concat()
        )
    }
}

/// An ITI-38 or ITI-39 request, read with the viewer's XML reader, and its WS-Addressing
/// `MessageID`; XML that cannot be read is answered with a fault.
pub struct SoapRequest {
    xml: Element,
    message_id: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for SoapRequest {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let xml = parse_request(&body).map_err(|reason| not_well_formed(None, &reason))?;
        let message_id = element_texts(&xml, "MessageID").into_iter().next();
        Ok(SoapRequest { xml, message_id })
    }
}

/// A SOAP fault for a request that could not be read.
fn not_well_formed(relates: Option<&str>, reason: &str) -> Response {
    soap(
        StatusCode::BAD_REQUEST,
        "http://www.w3.org/2005/08/addressing/soap/fault",
        fault(relates, "MESSAGE_NOT_WELL_FORMED", reason),
    )
}

fn query_response(
    relates: Option<&str>,
    status: &str,
    errors: &[String],
    objects: &[String],
) -> Response {
    let error_list = registry_error_list(errors);
    let body = format!(
        "<query:AdhocQueryResponse xmlns:query=\"urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0\" xmlns:rim=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\" \
xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\" status=\"{STATUS}{status}\">{error_list}<rim:RegistryObjectList>{}</rim:RegistryObjectList></query:AdhocQueryResponse>",
        objects.concat()
    );
    soap(
        StatusCode::OK,
        QUERY_RESPONSE,
        envelope(QUERY_RESPONSE, relates, &body),
    )
}

/// Reads `N^^^NHS^NH` or `N^^^&2.16.840.1.113883.2.1.4.1&ISO`; the ten digits when valid.
pub fn parse_patient_id(value: &str) -> Option<String> {
    let (id, authority) = value.split_once("^^^")?;
    let authority_ok = authority == "NHS^NH" || authority == format!("&{NHS_NUMBER_OID}&ISO");
    if !authority_ok {
        return None;
    }
    nir_core::nhs_number::NhsNumber::parse(id)
        .ok()
        .map(|n| n.as_digits())
}

/// `POST B/xca/iti38`.
pub async fn query(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    SoapRequest { xml, message_id }: SoapRequest,
) -> Response {
    let relates = message_id.as_deref();
    let mut queries = Vec::new();
    xml.descendants("AdhocQuery", &mut queries);
    let query_ids: Vec<&str> = queries.iter().filter_map(|q| q.attr("id")).collect();
    if query_ids.iter().any(|id| *id != FIND_DOCUMENTS) {
        let error = registry_error(
            "XDSUnknownStoredQuery",
            "Only FindDocuments is supported",
            "",
        );
        return query_response(relates, "Failure", &[error], &[]);
    }
    let Some(raw_id) = slot_values(&xml, "$XDSDocumentEntryPatientId")
        .into_iter()
        .next()
    else {
        let error = registry_error(
            "XDSRegistryError",
            "$XDSDocumentEntryPatientId is missing",
            "",
        );
        return query_response(relates, "Failure", &[error], &[]);
    };
    let Some(nhs) = parse_patient_id(&raw_id) else {
        let error = registry_error(
            "XDSRegistryError",
            "The patient id is not a valid NHS number with the NHS assigning authority",
            "",
        );
        return query_response(relates, "Failure", &[error], &[]);
    };
    let Some(patient) = patient_index(&nhs) else {
        return query_response(relates, "Success", &[], &[]);
    };
    match state.faults.discovery(patient, Flavour::Xca, token) {
        DiscoveryFault::TokenExpired => {
            return unauthorized("invalid_token", "The access token expired")
        }
        DiscoveryFault::Denied => {
            return soap(
                StatusCode::FORBIDDEN,
                "http://www.w3.org/2005/08/addressing/soap/fault",
                fault(
                    relates,
                    "ACCESS_DENIED",
                    "Access to this patient's records is not permitted",
                ),
            );
        }
        DiscoveryFault::RateLimited => {
            return scenarios::with_retry_after(soap(
                StatusCode::TOO_MANY_REQUESTS,
                "http://www.w3.org/2005/08/addressing/soap/fault",
                fault(
                    relates,
                    "TOO_MANY_REQUESTS",
                    "Rate limit exceeded; retry after the delay in Retry-After",
                ),
            ));
        }
        DiscoveryFault::Slow => tokio::time::sleep(SLOW_DISCOVERY).await,
        DiscoveryFault::None => {}
    }
    let from = slot_values(&xml, "$XDSDocumentEntryCreationTimeFrom")
        .into_iter()
        .next();
    let to = slot_values(&xml, "$XDSDocumentEntryCreationTimeTo")
        .into_iter()
        .next();
    let objects: Vec<String> = state
        .catalogue
        .records_of(patient)
        .into_iter()
        .filter(|record| {
            let date = record_date(&state, *record).replace('-', "");
            let from_ok = from
                .as_deref()
                .is_none_or(|f| date.as_str() >= f.get(..8).unwrap_or(f));
            let to_ok = to
                .as_deref()
                .is_none_or(|t| date.as_str() <= t.get(..8).unwrap_or(t));
            from_ok && to_ok
        })
        .map(|record| extrinsic_object(&state, record))
        .collect();
    match hidden_network(patient).and_then(|n| NETWORKS.get(n)) {
        Some(network) => {
            let error = registry_error(
                "XDSUnavailableCommunity",
                &format!("{} did not respond", network.name),
                network.home_community_id,
            );
            query_response(relates, "PartialSuccess", &[error], &objects)
        }
        None => query_response(relates, "Success", &[], &objects),
    }
}

/// `POST B/xca/iti39`.
pub async fn retrieve(
    State(state): State<Arc<SandboxState>>,
    Extension(token): Extension<TokenUse>,
    SoapRequest {
        xml,
        message_id: relates,
    }: SoapRequest,
) -> Response {
    let mut requests = Vec::new();
    xml.descendants("DocumentRequest", &mut requests);
    if requests.is_empty() {
        return not_well_formed(relates.as_deref(), "No DocumentRequest found");
    }
    let boundary = multipart::new_boundary();
    let mut responses = String::new();
    let mut attachments = Vec::new();
    let mut errors = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        let first = |name| {
            element_texts(request, name)
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        let (home, repository, unique_id) = (
            first("HomeCommunityId"),
            first("RepositoryUniqueId"),
            first("DocumentUniqueId"),
        );
        let record = state.catalogue.record_by_unique_id(&unique_id).filter(|r| {
            let network = record_network(&state, *r);
            network_by_home_community(&home) == Some(network)
                && NETWORKS
                    .get(network)
                    .is_some_and(|n| n.repository_unique_id == repository)
        });
        let Some(record) = record else {
            errors.push(registry_error(
                "XDSDocumentUniqueIdError",
                &format!("No document {unique_id} in that community and repository"),
                &home,
            ));
            continue;
        };
        let patient = match record {
            RecordRef::Study(p, _) | RecordRef::Report(p, _) => p,
        };
        if scenarios::token_expired(patient, token) {
            return unauthorized("invalid_token", "The access token expired");
        }
        let (mime, document) = match record {
            RecordRef::Study(p, s) => {
                let study = &state.catalogue.studies[p][s];
                match kos_manifest(study, &state.wado_base(study.network)) {
                    Ok(bytes) => ("application/dicom", bytes),
                    Err(_) => {
                        errors.push(registry_error(
                            "XDSRepositoryError",
                            "The manifest could not be built",
                            &home,
                        ));
                        continue;
                    }
                }
            }
            RecordRef::Report(p, r) => {
                let report = &state.catalogue.reports[p][r];
                let nhs = PATIENTS.get(p).map_or("", |patient| patient.nhs_number);
                let author = NETWORKS.get(report.network).map_or("", |n| n.name);
                report_document(report, nhs, author)
            }
        };
        let cid = format!("doc{i}@nir-sandbox");
        responses += &format!(
            "<xdsb:DocumentResponse><xdsb:HomeCommunityId>{}</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>{}</xdsb:RepositoryUniqueId>\
<xdsb:DocumentUniqueId>{}</xdsb:DocumentUniqueId><xdsb:mimeType>{mime}</xdsb:mimeType><xdsb:Document>\
<xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:{cid}\"/></xdsb:Document></xdsb:DocumentResponse>",
            escape(&home), escape(&repository), escape(&unique_id)
        );
        attachments.push((cid, mime, document));
    }
    let status = match (attachments.is_empty(), errors.is_empty()) {
        (_, true) => "Success",
        (false, false) => "PartialSuccess",
        (true, false) => "Failure",
    };
    let error_list = registry_error_list(&errors);
    let soap_body = format!(
        "<xdsb:RetrieveDocumentSetResponse xmlns:xdsb=\"urn:ihe:iti:xds-b:2007\" xmlns:rs=\"urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0\">\
<rs:RegistryResponse status=\"{STATUS}{status}\">{error_list}</rs:RegistryResponse>{responses}</xdsb:RetrieveDocumentSetResponse>"
    );
    let root = envelope(RETRIEVE_RESPONSE, relates.as_deref(), &soap_body);
    let mut bytes = multipart::part(
        &boundary,
        &[
            (
                "Content-Type",
                "application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"".to_string(),
            ),
            ("Content-Transfer-Encoding", "binary".to_string()),
            ("Content-ID", "<root@nir-sandbox>".to_string()),
        ],
        root.as_bytes(),
    );
    for (cid, mime, document) in attachments {
        bytes.extend(multipart::part(
            &boundary,
            &[
                (
                    "Content-Type",
                    if mime.starts_with("text/") {
                        format!("{mime}; charset=UTF-8")
                    } else {
                        mime.to_string()
                    },
                ),
                ("Content-Transfer-Encoding", "binary".to_string()),
                ("Content-ID", format!("<{cid}>")),
            ],
            &document,
        ));
    }
    bytes.extend(multipart::close(&boundary));
    let mut response = (StatusCode::OK, bytes).into_response();
    let content_type = format!(
        "multipart/related; boundary={boundary}; type=\"application/xop+xml\"; start=\"<root@nir-sandbox>\"; start-info=\"application/soap+xml\"; action=\"{RETRIEVE_RESPONSE}\""
    );
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patient_id_forms() {
        assert_eq!(
            parse_patient_id("9912003888^^^NHS^NH").as_deref(),
            Some("9912003888")
        );
        assert_eq!(
            parse_patient_id("9912003888^^^&2.16.840.1.113883.2.1.4.1&ISO").as_deref(),
            Some("9912003888")
        );
        assert_eq!(parse_patient_id("9912003887^^^NHS^NH"), None);
        assert_eq!(parse_patient_id("9912003888^^^&1.2.3&ISO"), None);
        assert_eq!(parse_patient_id("9912003888"), None);
    }
}
