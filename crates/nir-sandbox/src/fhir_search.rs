//! DocumentReference search semantics: which parameters are understood, how the patient
//! identifier and the category/type/custodian/date filters are read and applied, and
//! the store of result pages behind opaque `_page_token` links.

use std::collections::HashMap;
use std::sync::Mutex;

use super::catalogue::RecordRef;
use super::fhir_resources::{record_date, record_network, NHS_NUMBER_SYSTEM};
use super::networks::NETWORKS;
use super::record_types::RecordType;
use super::SandboxState;

/// Default page size.
pub const DEFAULT_COUNT: usize = 20;
/// Largest page size honoured.
pub const MAX_COUNT: usize = 100;
/// Pages kept before the store forgets old ones.
const MAX_PAGES: usize = 10_000;

/// A search request that cannot be answered, with the Spine code to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A parameter is unknown or malformed.
    #[error("invalid search parameter {0}")]
    InvalidParameter(String),
    /// The identifier is not a valid NHS number.
    #[error("the subject identifier is not a valid NHS number")]
    InvalidNhsNumber,
    /// The page token is unknown or expired.
    #[error("the page token is unknown or has expired")]
    UnknownPage,
}

/// Parsed filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Accepted category codes (OR).
    pub categories: Vec<String>,
    /// Accepted type codes (OR).
    pub types: Vec<String>,
    /// Accepted custodian ODS codes.
    pub custodians: Vec<String>,
    /// Date comparisons, `(prefix, YYYY-MM-DD)`.
    pub dates: Vec<(String, String)>,
}

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// A new search for a patient's ten digits.
    New {
        /// The NHS number digits.
        nhs: String,
        /// Filters.
        filters: Filters,
        /// Page size.
        count: usize,
    },
    /// A follow-up page.
    Page(String),
}

fn code_of(value: &str) -> String {
    value.rsplit('|').next().unwrap_or(value).trim().to_string()
}

/// Reads the search parameters (from a query string, form or NRL JSON body).
pub fn parse(params: &[(String, String)]) -> Result<Search, SearchError> {
    let mut nhs = None;
    let mut filters = Filters::default();
    let mut count = DEFAULT_COUNT;
    for (name, value) in params {
        match name.as_str() {
            "subject:identifier" | "patient:identifier" | "subject.identifier" => {
                let (system, number) = value
                    .split_once('|')
                    .ok_or_else(|| SearchError::InvalidParameter(name.clone()))?;
                if system != NHS_NUMBER_SYSTEM {
                    return Err(SearchError::InvalidParameter(name.clone()));
                }
                let parsed = nir_core::nhs_number::NhsNumber::parse(number)
                    .map_err(|_| SearchError::InvalidNhsNumber)?;
                nhs = Some(parsed.as_digits());
            }
            "category" => filters.categories.extend(value.split(',').map(code_of)),
            "type" => filters.types.extend(value.split(',').map(code_of)),
            "custodian:identifier" => filters.custodians.extend(value.split(',').map(code_of)),
            "date" => {
                let (prefix, date) = match value.get(..2) {
                    Some(p @ ("ge" | "le" | "gt" | "lt" | "eq")) => (p.to_string(), &value[2..]),
                    _ => ("eq".to_string(), value.as_str()),
                };
                let valid = date.len() == 10
                    && date.chars().enumerate().all(|(i, c)| {
                        if i == 4 || i == 7 {
                            c == '-'
                        } else {
                            c.is_ascii_digit()
                        }
                    });
                if !valid {
                    return Err(SearchError::InvalidParameter("date".into()));
                }
                filters.dates.push((prefix, date.to_string()));
            }
            "_count" => {
                count = value
                    .parse::<usize>()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| SearchError::InvalidParameter("_count".into()))?
                    .min(MAX_COUNT);
            }
            "_page_token" => return Ok(Search::Page(value.clone())),
            "_format" => {}
            other => return Err(SearchError::InvalidParameter(other.to_string())),
        }
    }
    let nhs = nhs.ok_or_else(|| SearchError::InvalidParameter("subject:identifier".into()))?;
    Ok(Search::New {
        nhs,
        filters,
        count,
    })
}

/// Whether a record passes the filters.
pub fn matches(state: &SandboxState, record: RecordRef, filters: &Filters) -> bool {
    let code = RecordType::of(&state.catalogue, record).code();
    if !filters.categories.is_empty() && !filters.categories.iter().any(|c| c == code) {
        return false;
    }
    if !filters.types.is_empty() && !filters.types.iter().any(|c| c == code) {
        return false;
    }
    let ods = NETWORKS
        .get(record_network(state, record))
        .map_or("", |n| n.ods_code);
    if !filters.custodians.is_empty() && !filters.custodians.iter().any(|c| c == ods) {
        return false;
    }
    let date = record_date(state, record);
    filters
        .dates
        .iter()
        .all(|(prefix, bound)| match prefix.as_str() {
            "ge" => date.as_str() >= bound.as_str(),
            "le" => date.as_str() <= bound.as_str(),
            "gt" => date.as_str() > bound.as_str(),
            "lt" => date.as_str() < bound.as_str(),
            _ => date == *bound,
        })
}

/// One stored page of a search.
#[derive(Debug, Clone)]
pub struct Page {
    /// Patient index.
    pub patient: usize,
    /// All matching records of the search.
    pub records: Vec<RecordRef>,
    /// Offset of this page.
    pub offset: usize,
    /// Page size.
    pub count: usize,
}

/// Pages behind opaque tokens.
#[derive(Debug, Default)]
pub struct PageStore {
    pages: Mutex<HashMap<String, Page>>,
}

impl PageStore {
    /// Keeps a page and returns its token.
    pub fn put(&self, page: Page) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert(token.clone(), page);
        token
    }

    /// The page behind a token.
    pub fn get(&self, token: &str) -> Result<Page, SearchError> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        pages.get(token).cloned().ok_or(SearchError::UnknownPage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn parses_identifier_filters_and_count() {
        let search = parse(&p(&[
            (
                "patient:identifier",
                "https://fhir.nhs.uk/Id/nhs-number|9912003888",
            ),
            ("category", "http://snomed.info/sct|721981007,4201000179104"),
            ("date", "ge2020-01-01"),
            ("_count", "2"),
        ]))
        .unwrap();
        let Search::New {
            nhs,
            filters,
            count,
        } = search
        else {
            panic!("not a new search")
        };
        assert_eq!(nhs, "9912003888");
        assert_eq!(filters.categories, vec!["721981007", "4201000179104"]);
        assert_eq!(
            filters.dates,
            vec![("ge".to_string(), "2020-01-01".to_string())]
        );
        assert_eq!(count, 2);
    }

    #[test]
    fn rejects_bad_input_with_the_right_error() {
        let id = |v: &str| ("subject:identifier".to_string(), v.to_string());
        assert_eq!(
            parse(&[id("https://fhir.nhs.uk/Id/nhs-number|9912003887")]),
            Err(SearchError::InvalidNhsNumber)
        );
        assert!(matches!(
            parse(&[id("urn:other|9912003888")]),
            Err(SearchError::InvalidParameter(_))
        ));
        assert!(matches!(parse(&[]), Err(SearchError::InvalidParameter(_))));
        assert!(matches!(
            parse(&p(&[("foo", "bar")])),
            Err(SearchError::InvalidParameter(_))
        ));
        let with = |k: &str, v: &str| {
            vec![
                id("https://fhir.nhs.uk/Id/nhs-number|9912003888"),
                (k.to_string(), v.to_string()),
            ]
        };
        assert!(parse(&with("date", "ge2020-1-01")).is_err());
        assert!(parse(&with("_count", "0")).is_err());
        assert_eq!(
            parse(&p(&[("_page_token", "abc")])),
            Ok(Search::Page("abc".into()))
        );
    }
}
