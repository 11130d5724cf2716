//! The XCA discovery backend: ITI-38 Cross Gateway Query over SOAP 1.2 with WS-Addressing
//! (IHE ITI TF-2 §3.38, Appendix V; FindDocuments for the patient), PartialSuccess and the
//! RegistryErrorList read into per-network statuses, and ITI-39 Cross Gateway Retrieve
//! (§3.39) with MTOM/XOP to fetch a KOS manifest or a report. An answer whose `RelatesTo`
//! names another request than the one sent is refused (WS-Addressing 1.0 Core §3.4). Queries
//! are safe to repeat, so they run under the retry policy.

mod community;
mod entry;
mod mtom;
mod request;
mod response;
#[cfg(test)]
mod response_tests;
pub mod xml_tree;

use async_trait::async_trait;
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

pub use community::normalise_community_id;
pub use mtom::{parse_retrieve_response, RetrieveAnswer, RetrievedDocument};
pub use request::{
    adhoc_query_request, envelope, escape, patient_id, retrieve_request, FIND_DOCUMENTS,
    NHS_NUMBER_OID, QUERY_ACTION, RETRIEVE_ACTION,
};
pub use response::{
    parse_query_envelope, parse_query_response, QueryAnswer, RegistryErrorEntry, ResponseStatus,
};

use super::backend::{assemble, history_for_failure, DiscoveryBackend};
use super::error::RegistryError;
use super::http::{exchange, CappedResponse, DISCOVERY_BODY_LIMIT, DOCUMENT_BODY_LIMIT};
use super::model::{ImagingHistory, KnownNetwork, RetrievalRef};
use super::query::HistoryQuery;
use super::request_context::RequestContext;
use super::retry::RetryPolicy;
use crate::config::PatientIdForm;

const SERVICE: &str = "The National Imaging Registry";

/// Settings of the XCA backend.
#[derive(Debug, Clone)]
pub struct XcaSettings {
    /// Initiating gateway endpoint for ITI-38.
    pub query_url: url::Url,
    /// Initiating gateway endpoint for ITI-39.
    pub retrieve_url: url::Url,
    /// Networks expected to answer.
    pub networks: Vec<KnownNetwork>,
    /// Retry policy and deadline.
    pub retry: RetryPolicy,
    /// Cap on a query response body.
    pub body_limit: usize,
    /// How the NHS number is written in `$XDSDocumentEntryPatientId`.
    pub patient_id_form: PatientIdForm,
}

impl XcaSettings {
    /// Settings with the default policy and limits.
    pub fn new(query_url: url::Url, retrieve_url: url::Url, networks: Vec<KnownNetwork>) -> Self {
        Self {
            query_url,
            retrieve_url,
            networks,
            retry: RetryPolicy::default(),
            body_limit: DISCOVERY_BODY_LIMIT,
            patient_id_form: PatientIdForm::default(),
        }
    }

    /// The same settings, naming the patient in `form`.
    pub fn with_patient_id_form(mut self, form: PatientIdForm) -> Self {
        self.patient_id_form = form;
        self
    }
}

/// XCA discovery and retrieval.
#[derive(Debug)]
pub struct XcaBackend {
    client: reqwest::Client,
    settings: XcaSettings,
    session: RequestContext,
}

fn soap_content_type(action: &str) -> String {
    format!("application/soap+xml; charset=UTF-8; action=\"{action}\"")
}

/// Refuses an answer that says it relates to another message than the request sent. An
/// answer without `RelatesTo` is read (some gateways omit it on synchronous exchanges).
fn check_relates_to(relates: Option<&str>, message_id: &str) -> Result<(), RegistryError> {
    match relates {
        Some(relates) if relates != message_id => Err(RegistryError::malformed(
            SERVICE,
            "the answer relates to another request (WS-Addressing RelatesTo)",
        )),
        _ => Ok(()),
    }
}

/// Maps an HTTP answer that is not 200 to an error, reading a SOAP fault if there is one.
fn error_for_status(response: &CappedResponse) -> RegistryError {
    let fault = xml_tree::parse(&response.body)
        .ok()
        .and_then(|root| response::fault_of(&root));
    match response.status {
        StatusCode::UNAUTHORIZED => RegistryError::TokenExpired,
        StatusCode::FORBIDDEN => RegistryError::AccessDenied(SERVICE.into()),
        status if status.is_server_error() => RegistryError::Unavailable(SERVICE.into()),
        status => {
            let (code, detail) =
                fault.unwrap_or_else(|| (format!("HTTP {}", status.as_u16()), String::new()));
            RegistryError::Rejected { code, detail }
        }
    }
}

impl XcaBackend {
    /// A backend using `client` (built with `net::build_client`).
    pub fn new(
        client: reqwest::Client,
        mut settings: XcaSettings,
        session: RequestContext,
    ) -> Self {
        for network in &mut settings.networks {
            network.home_community_id = normalise_community_id(&network.home_community_id);
        }
        Self {
            client,
            settings,
            session,
        }
    }

    /// Sends one SOAP request (retried under the policy) and returns the answer with the
    /// `MessageID` of the attempt that produced it.
    async fn soap_call(
        &self,
        url: &url::Url,
        action: &str,
        body: &str,
        limit: usize,
        cancel: &CancellationToken,
    ) -> Result<(CappedResponse, String), RegistryError> {
        self.settings
            .retry
            .run(SERVICE, true, cancel, || async {
                let message_id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
                let xml = envelope(action, url.as_str(), &message_id, body);
                let builder = self
                    .client
                    .post(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, soap_content_type(action))
                    .body(xml);
                let response = exchange(self.session.apply(builder), SERVICE, limit)
                    .await?
                    .ok_or_fatal(error_for_status)?;
                Ok((response, message_id))
            })
            .await
    }

    async fn query(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<ImagingHistory, RegistryError> {
        let body = adhoc_query_request(query, self.settings.patient_id_form);
        let (response, message_id) = self
            .soap_call(
                &self.settings.query_url,
                QUERY_ACTION,
                &body,
                self.settings.body_limit,
                cancel,
            )
            .await?;
        let (answer, relates) = parse_query_envelope(&response.body, &self.settings.networks)
            .map_err(|e| RegistryError::malformed(SERVICE, e))?;
        check_relates_to(relates.as_deref(), &message_id)?;
        let failures = answer.failures();
        let named = failures.iter().any(|f| !f.home_community_id.is_empty());
        match answer {
            QueryAnswer::Fault { code, reason } => Err(match code.as_str() {
                "ACCESS_DENIED" => RegistryError::AccessDenied(SERVICE.into()),
                _ => RegistryError::Rejected {
                    code,
                    detail: reason,
                },
            }),
            QueryAnswer::Response {
                status: ResponseStatus::Failure,
                errors,
                ..
            } if !named => {
                let first = errors.into_iter().next();
                Err(RegistryError::Rejected {
                    code: first
                        .as_ref()
                        .map_or_else(|| "Failure".into(), |e| e.code.clone()),
                    detail: first.map(|e| e.context).unwrap_or_default(),
                })
            }
            QueryAnswer::Response { records, .. } => {
                Ok(assemble(query, &self.settings.networks, records, &failures))
            }
        }
    }

    /// Retrieves the document an XCA record points to (ITI-39): a KOS manifest for a
    /// study, the report for a report.
    pub async fn retrieve_document(
        &self,
        retrieval: &RetrievalRef,
        cancel: &CancellationToken,
    ) -> Result<RetrievedDocument, RegistryError> {
        let (home_community_id, repository_id, document_id) = match retrieval {
            RetrievalRef::XcaDocument {
                home_community_id,
                repository_id,
                document_id,
                ..
            } => (home_community_id, repository_id, document_id),
            RetrievalRef::Unopenable { reason } => {
                return Err(RegistryError::InvalidQuery(format!(
                    "the record cannot be opened: {reason}"
                )))
            }
            _ => {
                return Err(RegistryError::InvalidQuery(
                    "the record is not an XCA document".into(),
                ))
            }
        };
        let body = retrieve_request(home_community_id, repository_id, document_id);
        let (response, message_id) = self
            .soap_call(
                &self.settings.retrieve_url,
                RETRIEVE_ACTION,
                &body,
                DOCUMENT_BODY_LIMIT,
                cancel,
            )
            .await?;
        let answer = parse_retrieve_response(response.content_type(), &response.body)
            .map_err(|e| RegistryError::malformed(SERVICE, e))?;
        check_relates_to(answer.relates_to.as_deref(), &message_id)?;
        answer
            .documents
            .into_iter()
            .find(|d| &d.document_id == document_id)
            .ok_or_else(|| {
                let code = answer
                    .errors
                    .first()
                    .map_or("no document", |e| e.code.as_str());
                RegistryError::malformed(SERVICE, format!("the document was not returned ({code})"))
            })
    }
}

#[async_trait]
impl DiscoveryBackend for XcaBackend {
    fn flavour(&self) -> &'static str {
        "xca"
    }

    async fn discover(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<ImagingHistory, RegistryError> {
        query.validate()?;
        match self.query(query, cancel).await {
            Ok(history) => Ok(history),
            Err(error) => history_for_failure(&self.settings.networks, error),
        }
    }

    async fn retrieve_document(
        &self,
        retrieval: &RetrievalRef,
        cancel: &CancellationToken,
    ) -> Result<RetrievedDocument, RegistryError> {
        XcaBackend::retrieve_document(self, retrieval, cancel).await
    }
}
