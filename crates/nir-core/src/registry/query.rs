//! What the clinician asks: one patient by NHS number, optionally narrowed by date range,
//! record types, modality and organisations to include or exclude. Validated on
//! construction; backends translate it to their wire form, and [`HistoryQuery::admits`]
//! applies the same filters to every record, so both flavours return the same answer
//! even where a server ignores a filter.

use chrono::NaiveDate;

use super::error::RegistryError;
use super::model::{HistoryRecord, RecordKind};
use crate::nhs_number::NhsNumber;

/// A validated discovery query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// The patient.
    pub nhs_number: NhsNumber,
    /// Earliest record date, inclusive.
    pub from: Option<NaiveDate>,
    /// Latest record date, inclusive.
    pub to: Option<NaiveDate>,
    /// Record kinds wanted; empty means all.
    pub record_types: Vec<RecordKind>,
    /// DICOM modality wanted (e.g. `CT`); studies only.
    pub modality: Option<String>,
    /// Only these provider ODS codes; empty means all.
    pub include_organisations: Vec<String>,
    /// Never these provider ODS codes.
    pub exclude_organisations: Vec<String>,
}

impl HistoryQuery {
    /// A query for every record of the patient; `nhs_number` may hold spaces or dashes.
    pub fn for_patient(nhs_number: &str) -> Result<Self, RegistryError> {
        let nhs_number =
            NhsNumber::parse(nhs_number).map_err(|_| RegistryError::InvalidNhsNumber)?;
        Ok(Self {
            nhs_number,
            from: None,
            to: None,
            record_types: Vec::new(),
            modality: None,
            include_organisations: Vec::new(),
            exclude_organisations: Vec::new(),
        })
    }

    /// Checks the filters hang together; backends call this before sending anything.
    pub fn validate(&self) -> Result<(), RegistryError> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(RegistryError::InvalidQuery(
                    "the start date is after the end date".into(),
                ));
            }
        }
        if let Some(modality) = &self.modality {
            let ok = (1..=16).contains(&modality.len())
                && modality
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !ok {
                return Err(RegistryError::InvalidQuery(
                    "the modality must be a DICOM modality code such as CT".into(),
                ));
            }
        }
        for ods in self
            .include_organisations
            .iter()
            .chain(&self.exclude_organisations)
        {
            let ok =
                (1..=12).contains(&ods.len()) && ods.chars().all(|c| c.is_ascii_alphanumeric());
            if !ok {
                return Err(RegistryError::InvalidQuery(
                    "an organisation must be given as its ODS code".into(),
                ));
            }
        }
        if self
            .include_organisations
            .iter()
            .any(|o| self.exclude_organisations.contains(o))
        {
            return Err(RegistryError::InvalidQuery(
                "an organisation is both included and excluded".into(),
            ));
        }
        Ok(())
    }

    /// The record kinds asked for (all four when none were named).
    pub fn kinds(&self) -> Vec<RecordKind> {
        if self.record_types.is_empty() {
            RecordKind::ALL.to_vec()
        } else {
            self.record_types.clone()
        }
    }

    /// Whether a discovered record passes every filter.
    pub fn admits(&self, record: &HistoryRecord) -> bool {
        let date = record
            .date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let date_ok = match date {
            Some(d) => self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t),
            None => self.from.is_none() && self.to.is_none(),
        };
        let kind_ok = self.kinds().contains(&record.kind);
        let modality_ok = match &self.modality {
            Some(m) => {
                record.kind != RecordKind::ImagingStudy || record.modality.as_ref() == Some(m)
            }
            None => true,
        };
        let ods = record.provider_ods.as_deref().unwrap_or("");
        let org_ok = (self.include_organisations.is_empty()
            || self.include_organisations.iter().any(|o| o == ods))
            && !self.exclude_organisations.iter().any(|o| o == ods);
        date_ok && kind_ok && modality_ok && org_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::RetrievalRef;

    fn record(kind: RecordKind, date: &str, modality: Option<&str>, ods: &str) -> HistoryRecord {
        HistoryRecord {
            id: "1".into(),
            kind,
            date: Some(date.into()),
            modality: modality.map(Into::into),
            description: None,
            status: None,
            provider_name: None,
            provider_ods: Some(ods.into()),
            care_setting: None,
            home_community_id: None,
            accession_number: None,
            study_uid: None,
            retrieval: RetrievalRef::WadoStudyMetadata { url: "u".into() },
            linked_study: None,
        }
    }

    #[test]
    fn rejects_invalid_nhs_numbers_and_accepts_formatting() {
        assert_eq!(
            HistoryQuery::for_patient("9912003889").unwrap_err(),
            RegistryError::InvalidNhsNumber
        );
        let q = HistoryQuery::for_patient("991 200 3888").unwrap();
        assert_eq!(q.nhs_number.as_digits(), "9912003888");
    }

    #[test]
    fn validates_filters() {
        let mut q = HistoryQuery::for_patient("9912003888").unwrap();
        q.from = NaiveDate::from_ymd_opt(2024, 1, 1);
        q.to = NaiveDate::from_ymd_opt(2023, 1, 1);
        assert!(matches!(q.validate(), Err(RegistryError::InvalidQuery(_))));
        q.to = None;
        q.modality = Some("ct; drop".into());
        assert!(q.validate().is_err());
        q.modality = Some("CT".into());
        q.include_organisations = vec!["RX1".into()];
        q.exclude_organisations = vec!["RX1".into()];
        assert!(q.validate().is_err());
        q.exclude_organisations.clear();
        assert!(q.validate().is_ok());
    }

    #[test]
    fn filters_records() {
        let mut q = HistoryQuery::for_patient("9912003888").unwrap();
        q.from = NaiveDate::from_ymd_opt(2020, 1, 1);
        q.modality = Some("CT".into());
        q.exclude_organisations = vec!["BAD".into()];
        assert!(q.admits(&record(
            RecordKind::ImagingStudy,
            "2021-03-04",
            Some("CT"),
            "RX1"
        )));
        assert!(!q.admits(&record(
            RecordKind::ImagingStudy,
            "2019-03-04",
            Some("CT"),
            "RX1"
        )));
        assert!(!q.admits(&record(
            RecordKind::ImagingStudy,
            "2021-03-04",
            Some("MR"),
            "RX1"
        )));
        assert!(!q.admits(&record(
            RecordKind::ImagingStudy,
            "2021-03-04",
            Some("CT"),
            "BAD"
        )));
        assert!(q.admits(&record(
            RecordKind::DiagnosticReport,
            "2021-03-04",
            None,
            "RX1"
        )));
        q.record_types = vec![RecordKind::CarePlan];
        assert!(!q.admits(&record(
            RecordKind::DiagnosticReport,
            "2021-03-04",
            None,
            "RX1"
        )));
    }
}
