//! Parsing of `nir-viewer://open?nhs=…&from=…&to=…[&ctx=JWT]` and
//! `nir-viewer://smart-launch?iss=…&launch=…`.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::LaunchError;
use crate::nhs_number::NhsNumber;

/// The scheme registered with the desktop for the viewer.
pub const SCHEME: &str = "nir-viewer";

/// How every link starts.
pub const SCHEME_PREFIX: &str = "nir-viewer:";

/// Which patient to open, and optionally which period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientContext {
    /// The patient.
    pub nhs_number: NhsNumber,
    /// Earliest date of interest.
    pub from: Option<NaiveDate>,
    /// Latest date of interest.
    pub to: Option<NaiveDate>,
    /// The EPR's signed context token, when present (verified separately).
    pub signed_context: Option<String>,
}

/// A SMART App Launch (EHR launch): the EPR's FHIR server and its launch token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartLaunch {
    /// The EHR's FHIR base URL (`iss`).
    pub iss: url::Url,
    /// The opaque launch id to exchange during authorisation.
    pub launch: String,
}

/// A validated launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchRequest {
    /// Open a patient.
    Open(PatientContext),
    /// Start a SMART EHR launch.
    Smart(SmartLaunch),
}

/// Parses and validates a link.
pub fn parse_link(raw: &str) -> Result<LaunchRequest, LaunchError> {
    let url = url::Url::parse(raw.trim()).map_err(|_| LaunchError::NotALink)?;
    if url.scheme() != SCHEME {
        return Err(LaunchError::NotALink);
    }
    let action = url
        .host_str()
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| url.path().trim_matches('/').to_owned());
    let params = unique_params(&url)?;
    match action.as_str() {
        "open" => parse_open(&params).map(LaunchRequest::Open),
        "smart-launch" => parse_smart(&params).map(LaunchRequest::Smart),
        other => Err(LaunchError::UnknownAction(truncate(other))),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

fn unique_params(url: &url::Url) -> Result<Vec<(String, String)>, LaunchError> {
    let mut seen = HashSet::new();
    let mut params = Vec::new();
    for (name, value) in url.query_pairs() {
        if !seen.insert(name.to_string()) {
            return Err(LaunchError::RepeatedParameter(truncate(&name)));
        }
        params.push((name.into_owned(), value.into_owned()));
    }
    Ok(params)
}

fn parse_open(params: &[(String, String)]) -> Result<PatientContext, LaunchError> {
    let mut nhs = None;
    let mut from = None;
    let mut to = None;
    let mut signed_context = None;
    for (name, value) in params {
        match name.as_str() {
            "nhs" => nhs = Some(NhsNumber::parse(value).map_err(LaunchError::InvalidNhsNumber)?),
            "from" => from = Some(parse_date(value)?),
            "to" => to = Some(parse_date(value)?),
            "ctx" => signed_context = Some(value.clone()),
            other => return Err(LaunchError::UnknownParameter(truncate(other))),
        }
    }
    let nhs_number = nhs.ok_or(LaunchError::MissingParameter("nhs"))?;
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(LaunchError::InvalidDate("'from' is after 'to'".into()));
        }
    }
    Ok(PatientContext {
        nhs_number,
        from,
        to,
        signed_context,
    })
}

/// A date of interest, `YYYY-MM-DD`.
pub fn parse_date(value: &str) -> Result<NaiveDate, LaunchError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| LaunchError::InvalidDate(format!("'{}' is not YYYY-MM-DD", truncate(value))))
}

fn parse_smart(params: &[(String, String)]) -> Result<SmartLaunch, LaunchError> {
    let mut iss = None;
    let mut launch = None;
    for (name, value) in params {
        match name.as_str() {
            "iss" => {
                let url = url::Url::parse(value)
                    .map_err(|_| LaunchError::InvalidSmartLaunch("iss is not a URL".into()))?;
                if !super::is_acceptable_endpoint(&url) {
                    return Err(LaunchError::InvalidSmartLaunch("iss must use https".into()));
                }
                iss = Some(url);
            }
            "launch" => {
                if value.is_empty() || value.len() > 1024 {
                    return Err(LaunchError::InvalidSmartLaunch(
                        "launch is empty or too long".into(),
                    ));
                }
                launch = Some(value.clone());
            }
            other => return Err(LaunchError::UnknownParameter(truncate(other))),
        }
    }
    Ok(SmartLaunch {
        iss: iss.ok_or(LaunchError::MissingParameter("iss"))?,
        launch: launch.ok_or(LaunchError::MissingParameter("launch"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(raw: &str) -> PatientContext {
        match parse_link(raw).unwrap() {
            LaunchRequest::Open(context) => context,
            other => panic!("expected open, got {other:?}"),
        }
    }

    #[test]
    fn opens_a_patient_with_an_optional_period() {
        let context = open("nir-viewer://open?nhs=9912003888&from=2020-01-01&to=2024-12-31");
        assert_eq!(context.nhs_number.as_digits(), "9912003888");
        assert_eq!(context.from, NaiveDate::from_ymd_opt(2020, 1, 1));
        assert_eq!(context.to, NaiveDate::from_ymd_opt(2024, 12, 31));
        assert_eq!(
            open("nir-viewer:open?nhs=991%20200%203888")
                .nhs_number
                .formatted(),
            "991 200 3888"
        );
    }

    #[test]
    fn refuses_malformed_unknown_and_repeated() {
        assert_eq!(
            parse_link("https://open?nhs=9912003888"),
            Err(LaunchError::NotALink)
        );
        assert_eq!(parse_link("not a url"), Err(LaunchError::NotALink));
        assert!(matches!(
            parse_link("nir-viewer://open?nhs=9912003887"),
            Err(LaunchError::InvalidNhsNumber(_))
        ));
        assert_eq!(
            parse_link("nir-viewer://open?nhs=9912003888&exec=rm"),
            Err(LaunchError::UnknownParameter("exec".into()))
        );
        assert_eq!(
            parse_link("nir-viewer://open?nhs=9912003888&nhs=9000000009"),
            Err(LaunchError::RepeatedParameter("nhs".into()))
        );
        assert_eq!(
            parse_link("nir-viewer://open"),
            Err(LaunchError::MissingParameter("nhs"))
        );
        assert_eq!(
            parse_link("nir-viewer://delete?nhs=9912003888"),
            Err(LaunchError::UnknownAction("delete".into()))
        );
        assert!(matches!(
            parse_link("nir-viewer://open?nhs=9912003888&from=2024-13-01"),
            Err(LaunchError::InvalidDate(_))
        ));
        assert!(matches!(
            parse_link("nir-viewer://open?nhs=9912003888&from=2024-02-01&to=2024-01-01"),
            Err(LaunchError::InvalidDate(_))
        ));
    }

    #[test]
    fn parses_a_smart_ehr_launch() {
        let request = parse_link(
            "nir-viewer://smart-launch?iss=https%3A%2F%2Fepr.example.nhs.uk%2Ffhir&launch=xyz123",
        )
        .unwrap();
        assert_eq!(
            request,
            LaunchRequest::Smart(SmartLaunch {
                iss: url::Url::parse("https://epr.example.nhs.uk/fhir").unwrap(),
                launch: "xyz123".into()
            })
        );
        assert!(parse_link("nir-viewer://smart-launch?iss=http%3A%2F%2Fepr&launch=x").is_err());
        assert_eq!(
            parse_link("nir-viewer://smart-launch?iss=https%3A%2F%2Fepr"),
            Err(LaunchError::MissingParameter("launch"))
        );
    }
}
