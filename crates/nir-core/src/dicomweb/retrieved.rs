//! What a retrieval hands back: admitted instances grouped by series in display order,
//! the instances withheld with their reasons, warnings the UI shows on the study, and the
//! progress events sent while it runs. Instance bytes are zeroised when dropped and never
//! appear in `Debug` output.

use serde::Serialize;
use zeroize::Zeroizing;

use super::verify::QuarantineReason;

/// One admitted instance: Part-10 bytes in memory.
pub struct RetrievedInstance {
    /// SOP Instance UID.
    pub sop_instance_uid: String,
    /// Series Instance UID.
    pub series_uid: String,
    /// Transfer syntax of `bytes`.
    pub transfer_syntax: String,
    /// The Part-10 instance.
    pub bytes: Zeroizing<Vec<u8>>,
}

impl RetrievedInstance {
    /// The same identity with no bytes: what a retrieval keeps of an instance it has
    /// handed to an [`super::InstanceSink`].
    pub fn without_bytes(&self) -> Self {
        Self {
            sop_instance_uid: self.sop_instance_uid.clone(),
            series_uid: self.series_uid.clone(),
            transfer_syntax: self.transfer_syntax.clone(),
            bytes: Zeroizing::new(Vec::new()),
        }
    }
}

impl std::fmt::Debug for RetrievedInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetrievedInstance")
            .field("transfer_syntax", &self.transfer_syntax)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The admitted instances of one series.
#[derive(Debug)]
pub struct RetrievedSeries {
    /// Series Instance UID.
    pub series_uid: String,
    /// How many instances the metadata announced.
    pub expected: usize,
    /// Admitted instances in display order (the layout's order); without their bytes when
    /// they were written through to a sink.
    pub instances: Vec<RetrievedInstance>,
}

/// An instance that was withheld.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantinedInstance {
    /// SOP Instance UID, when it could be read.
    pub sop_instance_uid: Option<String>,
    /// Series Instance UID, when it could be read.
    pub series_uid: Option<String>,
    /// Why it was withheld.
    pub reason: QuarantineReason,
}

/// A problem the study view must show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyWarning {
    /// Stable code: `instances-quarantined`, `series-incomplete`, `transfer-failed`.
    pub code: &'static str,
    /// The series concerned, if one.
    pub series_uid: Option<String>,
    /// Plain-language text without patient data.
    pub message: String,
}

/// The outcome of [`super::DicomWebClient::retrieve_study`].
#[derive(Debug)]
pub struct RetrievedStudy {
    /// Study Instance UID.
    pub study_uid: String,
    /// Series in the layout's order.
    pub series: Vec<RetrievedSeries>,
    /// Withheld instances.
    pub quarantined: Vec<QuarantinedInstance>,
    /// Warnings; empty when everything announced arrived and passed.
    pub warnings: Vec<StudyWarning>,
    /// Which identifiers carried the NHS number in the admitted instances (each once).
    pub matched_by: Vec<super::identity_match::IdentityMatch>,
}

impl RetrievedStudy {
    /// Number of admitted instances.
    pub fn instance_count(&self) -> usize {
        self.series.iter().map(|s| s.instances.len()).sum()
    }

    /// Whether the study must carry a visible warning.
    pub fn is_flagged(&self) -> bool {
        !self.warnings.is_empty()
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.series
            .iter()
            .flat_map(|s| &s.instances)
            .map(|i| i.bytes.len() as u64)
            .sum()
    }
}

/// Sent after every instance is admitted or withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetrievalProgress {
    /// The series the instance belongs to.
    pub series_uid: String,
    /// Admitted so far in this series.
    pub received: usize,
    /// Withheld so far in this series.
    pub quarantined: usize,
    /// Announced by the metadata.
    pub expected: usize,
}
