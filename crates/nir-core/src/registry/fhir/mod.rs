//! The FHIR discovery backend (MHD ITI-67 / NRL v3): `POST DocumentReference/_search` with
//! the JSON body the NRL v3 consumer API documents (`RequestParams`: `subject:identifier`,
//! `category`, `custodian:identifier`), so the NHS number never appears in a URL. A registry
//! that refuses a JSON body (405/415) gets the standard FHIR form-encoded `_search` (FHIR R4
//! §3.1.0.2.1), and one that refuses that too gets the documented `GET DocumentReference?…`.
//! The form that worked is remembered for the rest of the session. Then the `next` links
//! (which carry only an opaque token) or an older `next-page-token`, each page under the
//! retry policy and a body cap. Next links must stay on the registry's origin, so the
//! bearer token is never sent elsewhere. Dates are filtered by the viewer, since NRL's
//! search takes none.

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
use super::request_context::RequestContext;
use super::retry::{AttemptError, RetryPolicy};

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

/// How the first page of a search is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SearchForm {
    /// `POST _search` with NRL v3's JSON body (documented as preferred).
    JsonPost = 0,
    /// `POST _search` with a form body (FHIR R4 search).
    FormPost = 1,
    /// `GET DocumentReference?…` (the NHS number then travels in the URL).
    Get = 2,
}

impl SearchForm {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::JsonPost,
            1 => Self::FormPost,
            _ => Self::Get,
        }
    }

    /// The form to try after this one was refused, if any.
    fn fallback(self) -> Option<Self> {
        match self {
            Self::JsonPost => Some(Self::FormPost),
            Self::FormPost => Some(Self::Get),
            Self::Get => None,
        }
    }
}

/// MHD / NRL discovery.
#[derive(Debug)]
pub struct FhirBackend {
    client: reqwest::Client,
    settings: FhirSettings,
    session: RequestContext,
    /// The [`SearchForm`] the registry accepted last.
    form: std::sync::atomic::AtomicU8,
}

impl FhirBackend {
    /// A backend using `client` (built with `net::build_client`).
    pub fn new(client: reqwest::Client, settings: FhirSettings, session: RequestContext) -> Self {
        Self {
            client,
            settings,
            session,
            form: std::sync::atomic::AtomicU8::new(SearchForm::JsonPost as u8),
        }
    }

    /// How the next search's first page will be asked for.
    pub fn search_form(&self) -> SearchForm {
        SearchForm::from_u8(self.form.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn document_reference_url(&self) -> Result<url::Url, RegistryError> {
        let base = self.settings.base.as_str().trim_end_matches('/');
        url::Url::parse(&format!("{base}/DocumentReference"))
            .map_err(|e| RegistryError::Client(e.to_string()))
    }

    fn search_url(&self) -> Result<url::Url, RegistryError> {
        let base = self.settings.base.as_str().trim_end_matches('/');
        url::Url::parse(&format!("{base}/DocumentReference/_search"))
            .map_err(|e| RegistryError::Client(e.to_string()))
    }

    /// The NRL v3 JSON body of the search (`RequestParams`); never logged. Dates are not
    /// part of it: the viewer filters them.
    fn json_body(query: &HistoryQuery) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        for (name, value) in Self::form(query) {
            if name != "date" {
                body.insert(name.into(), value.into());
            }
        }
        serde_json::Value::Object(body)
    }

    /// The search parameters as name/value pairs (form body or query string); never logged.
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
                    PageRequest::First(url, SearchForm::JsonPost) => {
                        self.client.post(url.clone()).json(&Self::json_body(query))
                    }
                    PageRequest::First(url, SearchForm::FormPost) => {
                        self.client.post(url.clone()).form(&Self::form(query))
                    }
                    PageRequest::First(url, SearchForm::Get) => {
                        self.client.get(url.clone()).query(&Self::form(query))
                    }
                    PageRequest::Next(url) => self.client.get(url.clone()),
                    PageRequest::Token(url, token) => match self.search_form() {
                        SearchForm::JsonPost => {
                            let mut body = Self::json_body(query);
                            body["next-page-token"] = token.clone().into();
                            self.client.post(url.clone()).json(&body)
                        }
                        SearchForm::FormPost | SearchForm::Get => {
                            let mut form = Self::form(query);
                            form.push(("next-page-token", token.clone()));
                            self.client.post(url.clone()).form(&form)
                        }
                    },
                };
                let builder = self
                    .session
                    .apply(builder.header(reqwest::header::ACCEPT, FHIR_JSON));
                let response = exchange(builder, SERVICE, self.settings.body_limit).await?;
                let refused_form = matches!(
                    response.status,
                    StatusCode::METHOD_NOT_ALLOWED | StatusCode::UNSUPPORTED_MEDIA_TYPE
                );
                if refused_form && matches!(request, PageRequest::First(..)) {
                    return Err(AttemptError::Fatal(RegistryError::Client(
                        FORM_REFUSED.into(),
                    )));
                }
                let response = response.ok_or_fatal(|refused| {
                    error_for_status(refused.status.as_u16(), &refused.body, SERVICE)
                })?;
                parse_bundle(&response.body, &self.settings.networks)
                    .map_err(|e| AttemptError::Fatal(RegistryError::malformed(SERVICE, e)))
            })
            .await
    }

    /// The first page, in the form the registry accepted last, falling back form by form
    /// when one is refused; remembers the form that worked.
    async fn first_page(
        &self,
        query: &HistoryQuery,
        cancel: &CancellationToken,
    ) -> Result<BundlePage, RegistryError> {
        let mut form = self.search_form();
        loop {
            let url = match form {
                SearchForm::Get => self.document_reference_url()?,
                SearchForm::JsonPost | SearchForm::FormPost => self.search_url()?,
            };
            match self
                .page(&PageRequest::First(url, form), query, cancel)
                .await
            {
                Err(RegistryError::Client(reason)) if reason == FORM_REFUSED => {
                    let Some(next) = form.fallback() else {
                        return Err(RegistryError::Client(
                            "the registry refused every form of search (JSON, form and GET)".into(),
                        ));
                    };
                    tracing::warn!(refused = ?form, trying = ?next, "registry refused the search form");
                    form = next;
                }
                Err(error) => return Err(error),
                Ok(page) => {
                    self.form
                        .store(form as u8, std::sync::atomic::Ordering::Relaxed);
                    return Ok(page);
                }
            }
        }
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
        let mut page = self.first_page(query, cancel).await?;
        let mut records = Vec::new();
        let mut failures = Vec::new();
        for fetched in 1..=MAX_PAGES {
            records.extend(page.records);
            failures.extend(page.failures);
            let Some(next) = page.next else {
                return Ok((records, failures));
            };
            if fetched == MAX_PAGES {
                break;
            }
            page = self
                .page(&self.next_request(next, &first)?, query, cancel)
                .await?;
        }
        Err(RegistryError::malformed(SERVICE, "too many pages"))
    }
}

/// The marker of a first page refused for its form (405/415), to try the next form.
const FORM_REFUSED: &str = "the registry refused the search's form";

enum PageRequest {
    First(url::Url, SearchForm),
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
