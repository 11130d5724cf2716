//! The FHIR discovery backend (MHD ITI-67 / NRL v3): `POST DocumentReference/_search` with
//! a form body so the NHS number never appears in a URL, then the `next` links (which
//! carry only an opaque token) or an older `next-page-token`, each page under the retry
//! policy and a body cap. Next links must stay on the registry's origin, so the bearer
//! token is never sent elsewhere.

mod bundle;
#[cfg(test)]
mod bundle_tests;
mod outcome;

use async_trait::async_trait;
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

pub use bundle::{parse_bundle, BundlePage, NextPage, HOME_COMMUNITY_EXTENSION};
pub use outcome::{error_for_status, parse_operation_outcome, OperationOutcome, SPINE_CODES};

use super::backend::{assemble, history_for_failure, DiscoveryBackend, NetworkFailure};
use super::error::RegistryError;
use super::http::{exchange, DISCOVERY_BODY_LIMIT};
use super::model::{HistoryRecord, ImagingHistory, KnownNetwork};
use super::query::HistoryQuery;
use super::retry::{AttemptError, RetryPolicy};
use super::session::SessionContext;

/// Media type NRL v3 answers with.
pub const FHIR_JSON: &str = "application/fhir+json;version=1";
/// Most pages followed for one search.
pub const MAX_PAGES: usize = 100;
const SERVICE: &str = "The National Imaging Registry";
const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// Settings of the FHIR backend.
#[derive(Debug, Clone)]
pub struct FhirSettings {
    /// FHIR base, e.g. `https://…/FHIR/R4`.
    pub base: url::Url,
    /// Networks expected to answer.
    pub networks: Vec<KnownNetwork>,
    /// Retry policy and deadline.
    pub retry: RetryPolicy,
    /// Cap on each response body.
    pub body_limit: usize,
}

impl FhirSettings {
    /// Settings with the default policy and limits.
    pub fn new(base: url::Url, networks: Vec<KnownNetwork>) -> Self {
        Self {
            base,
            networks,
            retry: RetryPolicy::default(),
            body_limit: DISCOVERY_BODY_LIMIT,
        }
    }
}

/// MHD / NRL discovery.
#[derive(Debug)]
pub struct FhirBackend {
    client: reqwest::Client,
    settings: FhirSettings,
    session: SessionContext,
}

impl FhirBackend {
    /// A backend using `client` (built with `net::build_client`).
    pub fn new(client: reqwest::Client, settings: FhirSettings, session: SessionContext) -> Self {
        Self {
            client,
            settings,
            session,
        }
    }

    fn search_url(&self) -> Result<url::Url, RegistryError> {
        let base = self.settings.base.as_str().trim_end_matches('/');
        url::Url::parse(&format!("{base}/DocumentReference/_search"))
            .map_err(|e| RegistryError::Client(e.to_string()))
    }

    /// The form body of the search; never logged.
    fn form(query: &HistoryQuery) -> Vec<(&'static str, String)> {
        let mut form = vec![(
            "subject:identifier",
            format!("{NHS_NUMBER_SYSTEM}|{}", query.nhs_number.as_digits()),
        )];
        let categories: Vec<String> = query
            .kinds()
            .iter()
            .map(|k| format!("http://snomed.info/sct|{}", k.snomed_code()))
            .collect();
        form.push(("category", categories.join(",")));
        if let Some(from) = query.from {
            form.push(("date", format!("ge{from}")));
        }
        if let Some(to) = query.to {
            form.push(("date", format!("le{to}")));
        }
        if let [only] = query.include_organisations.as_slice() {
            form.push(("custodian:identifier", format!("{ODS_SYSTEM}|{only}")));
        }
        form
    }

    async fn page(
        &self,
        request: &PageRequest,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<BundlePage, RegistryError> {
        self.settings
            .retry
            .run(SERVICE, true, cancel, || async {
                let builder = match request {
                    PageRequest::First(url) => {
                        self.client.post(url.clone()).form(&Self::form(query))
                    }
                    PageRequest::Next(url) => self.client.get(url.clone()),
                    PageRequest::Token(url, token) => {
                        let mut form = Self::form(query);
                        form.push(("next-page-token", token.clone()));
                        self.client.post(url.clone()).form(&form)
                    }
                };
                let builder = self
                    .session
                    .apply(builder.header(reqwest::header::ACCEPT, FHIR_JSON));
                let response = exchange(builder, SERVICE, self.settings.body_limit).await?;
                if response.status != StatusCode::OK {
                    return Err(AttemptError::Fatal(error_for_status(
                        response.status.as_u16(),
                        &response.body,
                        SERVICE,
                    )));
                }
                parse_bundle(&response.body, &self.settings.networks)
                    .map_err(|e| AttemptError::Fatal(RegistryError::malformed(SERVICE, e)))
            })
            .await
    }

    fn next_request(&self, next: NextPage, first: &url::Url) -> Result<PageRequest, RegistryError> {
        match next {
            NextPage::Token(token) => Ok(PageRequest::Token(first.clone(), token)),
            NextPage::Link(link) => {
                let url = url::Url::parse(&link)
                    .map_err(|e| RegistryError::malformed(SERVICE, format!("next link: {e}")))?;
                if url.origin() != self.settings.base.origin() {
                    return Err(RegistryError::malformed(
                        SERVICE,
                        "next link leaves the registry",
                    ));
                }
                Ok(PageRequest::Next(url))
            }
        }
    }

    async fn all_pages(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<(Vec<HistoryRecord>, Vec<NetworkFailure>), RegistryError> {
        let first = self.search_url()?;
        let mut request = PageRequest::First(first.clone());
        let mut records = Vec::new();
        let mut failures = Vec::new();
        for _ in 0..MAX_PAGES {
            let page = self.page(&request, query, cancel).await?;
            records.extend(page.records);
            failures.extend(page.failures);
            match page.next {
                Some(next) => request = self.next_request(next, &first)?,
                None => return Ok((records, failures)),
            }
        }
        Err(RegistryError::malformed(SERVICE, "too many pages"))
    }
}

enum PageRequest {
    First(url::Url),
    Next(url::Url),
    Token(url::Url, String),
}

#[async_trait]
impl DiscoveryBackend for FhirBackend {
    fn flavour(&self) -> &'static str {
        "fhir"
    }

    async fn discover(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<ImagingHistory, RegistryError> {
        query.validate()?;
        match self.all_pages(query, cancel).await {
            Ok((records, failures)) => {
                Ok(assemble(query, &self.settings.networks, records, &failures))
            }
            Err(error) => history_for_failure(&self.settings.networks, error),
        }
    }
}
