//! On-demand WADO-RS retrieval while the clinician scrolls: one instance (verified like
//! every other) or some frames of an instance as native pixel bytes.

use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

use super::accept::AcceptList;
use super::client::DicomWebClient;
use super::error::{DicomWebError, Resource};
use super::metadata::StudyLayout;
use super::qido::child;
use super::retrieved::{QuarantinedInstance, RetrievedInstance};
use super::verify::{check_instance, Expectations, QuarantineReason};

/// One instance fetched on demand: admitted or withheld.
#[derive(Debug)]
pub enum InstanceOutcome {
    /// Passed the checks.
    Admitted(RetrievedInstance),
    /// Failed them; must not be shown.
    Quarantined(QuarantinedInstance),
}

impl DicomWebClient {
    /// Fetches and verifies one instance of `layout`.
    pub async fn retrieve_instance(
        &self,
        layout: &StudyLayout,
        expectations: &Expectations,
        series_uid: &str,
        sop_instance_uid: &str,
        cancel: &CancellationToken,
    ) -> Result<InstanceOutcome, DicomWebError> {
        let url = child(
            &layout.study_url,
            &["series", series_uid, "instances", sop_instance_uid],
        )?;
        let mut parts = self
            .fetch_all_parts(&url, Resource::Instance, AcceptList::Instances, cancel)
            .await?;
        let part = parts.pop().ok_or(DicomWebError::NotFound {
            resource: Resource::Instance,
        })?;
        let verdict = check_instance(&part.body, expectations);
        let announced = layout.series(series_uid).is_some_and(|s| {
            s.instances
                .iter()
                .any(|i| i.sop_instance_uid == sop_instance_uid)
        });
        let problem = verdict.problem.or_else(|| {
            (!announced
                || verdict.facts.sop_instance_uid != sop_instance_uid
                || verdict.facts.series_uid != series_uid)
                .then_some(QuarantineReason::NotInMetadata)
        });
        Ok(match problem {
            Some(reason) => InstanceOutcome::Quarantined(QuarantinedInstance {
                sop_instance_uid: Some(verdict.facts.sop_instance_uid),
                series_uid: Some(verdict.facts.series_uid),
                reason,
            }),
            None => InstanceOutcome::Admitted(RetrievedInstance {
                sop_instance_uid: verdict.facts.sop_instance_uid,
                series_uid: verdict.facts.series_uid,
                transfer_syntax: verdict.facts.transfer_syntax,
                bytes: part.body,
            }),
        })
    }

    /// Fetches frames (1-based numbers) of one instance as native pixel bytes, in the
    /// order asked for.
    pub async fn retrieve_frames(
        &self,
        layout: &StudyLayout,
        series_uid: &str,
        sop_instance_uid: &str,
        frames: &[u32],
        cancel: &CancellationToken,
    ) -> Result<Vec<Zeroizing<Vec<u8>>>, DicomWebError> {
        if frames.is_empty() || frames.contains(&0) {
            return Err(DicomWebError::BadUrl {
                resource: Resource::Frames,
                reason: "frame numbers start at 1 and at least one is needed".into(),
            });
        }
        let list = frames
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let url = child(
            &layout.study_url,
            &[
                "series",
                series_uid,
                "instances",
                sop_instance_uid,
                "frames",
                &list,
            ],
        )?;
        let parts = self
            .fetch_all_parts(&url, Resource::Frames, AcceptList::Frames, cancel)
            .await?;
        if parts.len() != frames.len() {
            return Err(DicomWebError::InvalidJson {
                resource: Resource::Frames,
                reason: format!(
                    "{} frames asked for, {} received",
                    frames.len(),
                    parts.len()
                ),
            });
        }
        Ok(parts.into_iter().map(|part| part.body).collect())
    }
}
