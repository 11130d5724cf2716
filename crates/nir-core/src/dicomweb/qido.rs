//! QIDO-RS searches: studies of a patient, series of a study, instances of a series. The
//! answers are DICOM JSON turned into small summaries; query values travel as URL query
//! parameters, which the client never logs.

use serde::Serialize;

use super::client::DicomWebClient;
use super::dicom_json::{self, tag};
use super::error::{DicomWebError, Resource};

/// A study found by a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudySummary {
    /// Study Instance UID.
    pub study_uid: String,
    /// Study Date (`YYYYMMDD`).
    pub study_date: Option<String>,
    /// Study Description.
    pub description: Option<String>,
    /// Accession Number.
    pub accession_number: Option<String>,
    /// Modalities in Study.
    pub modalities: Vec<String>,
    /// Number of Study Related Series.
    pub series_count: Option<u32>,
    /// Number of Study Related Instances.
    pub instance_count: Option<u32>,
    /// Retrieve URL, when the server gives one.
    pub retrieve_url: Option<String>,
}

/// A series found by a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSummary {
    /// Series Instance UID.
    pub series_uid: String,
    /// Modality.
    pub modality: Option<String>,
    /// Series Number.
    pub number: Option<i32>,
    /// Series Description.
    pub description: Option<String>,
    /// Number of Series Related Instances.
    pub instance_count: Option<u32>,
}

/// Filters for a study search.
#[derive(Debug, Clone, Default)]
pub struct StudyQuery {
    /// Patient ID (the NHS number's digits).
    pub patient_id: Option<String>,
    /// A specific study.
    pub study_uid: Option<String>,
    /// Modality filter, e.g. `CT`.
    pub modality: Option<String>,
    /// Study Date range `YYYYMMDD-YYYYMMDD` (either end may be empty).
    pub date_range: Option<String>,
}

impl DicomWebClient {
    /// `GET {base}/studies?...`: studies matching `query`.
    pub async fn search_studies(
        &self,
        base: &url::Url,
        query: &StudyQuery,
    ) -> Result<Vec<StudySummary>, DicomWebError> {
        let mut url = child(base, &["studies"])?;
        {
            let mut pairs = url.query_pairs_mut();
            let filters = [
                ("PatientID", &query.patient_id),
                ("StudyInstanceUID", &query.study_uid),
                ("ModalitiesInStudy", &query.modality),
                ("StudyDate", &query.date_range),
            ];
            for (name, value) in filters {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
        }
        let json = self.get_json(&url, Resource::Search).await?;
        Ok(objects(&json)?
            .iter()
            .filter_map(|object| {
                Some(StudySummary {
                    study_uid: dicom_json::string(object, tag::STUDY_INSTANCE_UID)?,
                    study_date: dicom_json::string(object, tag::STUDY_DATE),
                    description: dicom_json::string(object, tag::STUDY_DESCRIPTION),
                    accession_number: dicom_json::string(object, tag::ACCESSION_NUMBER),
                    modalities: dicom_json::strings(object, tag::MODALITIES_IN_STUDY),
                    series_count: dicom_json::unsigned(object, tag::NUMBER_OF_SERIES),
                    instance_count: dicom_json::unsigned(object, tag::NUMBER_OF_INSTANCES),
                    retrieve_url: dicom_json::string(object, tag::RETRIEVE_URL),
                })
            })
            .collect())
    }

    /// `GET {base}/studies/{study}/series`: the series of a study.
    pub async fn search_series(
        &self,
        base: &url::Url,
        study_uid: &str,
    ) -> Result<Vec<SeriesSummary>, DicomWebError> {
        let url = child(base, &["studies", study_uid, "series"])?;
        self.series_at(&url).await
    }

    /// `GET {url}`: the series a series search at `url` answers.
    pub(crate) async fn series_at(
        &self,
        url: &url::Url,
    ) -> Result<Vec<SeriesSummary>, DicomWebError> {
        let json = self.get_json(url, Resource::Search).await?;
        Ok(objects(&json)?
            .iter()
            .filter_map(|object| {
                Some(SeriesSummary {
                    series_uid: dicom_json::string(object, tag::SERIES_INSTANCE_UID)?,
                    modality: dicom_json::string(object, tag::MODALITY),
                    number: dicom_json::integer(object, tag::SERIES_NUMBER),
                    description: dicom_json::string(object, tag::SERIES_DESCRIPTION),
                    instance_count: dicom_json::unsigned(object, "00201209"),
                })
            })
            .collect())
    }

    /// `GET {base}/studies/{study}/series/{series}/instances`: SOP Instance UIDs.
    pub async fn search_instances(
        &self,
        base: &url::Url,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<Vec<String>, DicomWebError> {
        let url = child(
            base,
            &["studies", study_uid, "series", series_uid, "instances"],
        )?;
        let json = self.get_json(&url, Resource::Search).await?;
        Ok(objects(&json)?
            .iter()
            .filter_map(|object| dicom_json::string(object, tag::SOP_INSTANCE_UID))
            .collect())
    }
}

/// `base` with path segments appended.
pub(crate) fn child(base: &url::Url, segments: &[&str]) -> Result<url::Url, DicomWebError> {
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| DicomWebError::BadUrl {
            resource: Resource::Search,
            reason: "the base address cannot take a path".into(),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

fn objects(json: &serde_json::Value) -> Result<&Vec<serde_json::Value>, DicomWebError> {
    json.as_array().ok_or_else(|| DicomWebError::InvalidJson {
        resource: Resource::Search,
        reason: "not an array".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_urls_append_segments_without_doubling_slashes() {
        let base = url::Url::parse("http://127.0.0.1:1/networks/north/dicomweb/?x=1").unwrap();
        let url = child(&base, &["studies", "1.2.3", "series"]).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/networks/north/dicomweb/studies/1.2.3/series"
        );
    }
}
