//! Links reports (diagnostic reports, MDT outcomes, care plans) to the study they
//! describe, by Study Instance UID first and accession number second, so the UI can show
//! a study with its report. Records without either identifier stay unlinked.

use super::model::{HistoryRecord, RecordKind};

/// Sets `linked_study` on every non-study record whose study UID or accession number
/// matches a study in the same history.
pub fn link_reports(records: &mut [HistoryRecord]) {
    let studies: Vec<(String, Option<String>, Option<String>)> = records
        .iter()
        .filter(|r| r.kind == RecordKind::ImagingStudy)
        .map(|r| {
            (
                r.id.clone(),
                r.study_uid.clone(),
                r.accession_number.clone(),
            )
        })
        .collect();
    for record in records
        .iter_mut()
        .filter(|r| r.kind != RecordKind::ImagingStudy)
    {
        let by_uid = record.study_uid.as_ref().and_then(|uid| {
            studies
                .iter()
                .find(|(_, s, _)| s.as_ref() == Some(uid))
                .map(|(id, _, _)| id.clone())
        });
        let by_accession = || {
            record.accession_number.as_ref().and_then(|acc| {
                studies
                    .iter()
                    .find(|(_, _, a)| a.as_ref() == Some(acc))
                    .map(|(id, _, _)| id.clone())
            })
        };
        record.linked_study = by_uid.or_else(by_accession);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::RetrievalRef;

    fn record(id: &str, kind: RecordKind, uid: Option<&str>, acc: Option<&str>) -> HistoryRecord {
        let retrieval = RetrievalRef::WadoStudyMetadata { url: "u".into() };
        HistoryRecord {
            accession_number: acc.map(Into::into),
            study_uid: uid.map(Into::into),
            ..HistoryRecord::new(id, kind, retrieval)
        }
    }

    #[test]
    fn links_by_uid_then_accession() {
        let mut records = vec![
            record(
                "study-a",
                RecordKind::ImagingStudy,
                Some("1.2.3"),
                Some("ACC1"),
            ),
            record(
                "study-b",
                RecordKind::ImagingStudy,
                Some("1.2.4"),
                Some("ACC2"),
            ),
            record("rep-uid", RecordKind::DiagnosticReport, Some("1.2.4"), None),
            record("rep-acc", RecordKind::MdtOutcome, None, Some("ACC1")),
            record("rep-none", RecordKind::CarePlan, Some("9.9"), Some("ACC9")),
        ];
        link_reports(&mut records);
        assert_eq!(records[2].linked_study.as_deref(), Some("study-b"));
        assert_eq!(records[3].linked_study.as_deref(), Some("study-a"));
        assert_eq!(records[4].linked_study, None);
        assert_eq!(records[0].linked_study, None);
    }
}
