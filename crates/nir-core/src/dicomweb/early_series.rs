//! The first series asked for before the study's metadata has arrived. A server can take
//! longer to write a large study's metadata (every instance's header, in JSON) than to start
//! sending its first image, so asking for the images only after the metadata puts the whole
//! metadata time in front of the first image. Instead, beside the metadata request, the
//! study's series are listed (QIDO-RS series search, PS3.18 10.6.1; its answer carries
//! Series Number and is small), and the series the layout will put first (the lowest Series
//! Number, then UID: [`super::metadata::series_order`]) is asked for whole (WADO-RS, PS3.18
//! 10.4.1.1.2), the same request the retrieval would make first. Each part is verified
//! against the pointer as it arrives (patient, study, declared lengths). Nothing can check
//! it against the metadata yet, so parts wait, and what may arrive meanwhile is bounded in
//! bytes ([`ByteGate`]): beyond it the answer is not read further, even mid-part, and TCP
//! holds the server back. When the
//! metadata arrives, the retrieval adopts the request as its first (see [`super::schedule`])
//! and files every waiting part through the same checks as any other; if the metadata does
//! not put that series first, or the pointer's expectations differ, the request is dropped
//! and what it brought is wiped. The first part that passes verification and is of the
//! series asked for is offered to a hook on the blocking thread that checked it, so the
//! caller can show it before the metadata (it stays provisional until the metadata lists it).

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::accept::AcceptList;
use super::byte_gate::ByteGate;
use super::client::DicomWebClient;
use super::error::{DicomWebError, Resource};
use super::metadata::{series_order, study_url_from};
use super::multipart::Part;
use super::pipeline::{spawn_check, Checked};
use super::qido::child;
use super::verify::{Expectations, InstanceFacts};

/// Told of the first verified part of the series asked for, on the thread that checked it.
pub type FirstPartHook = Box<dyn FnOnce(&Part, &InstanceFacts) + Send>;

/// A series request started before the metadata, waiting to be adopted by the retrieval.
/// Dropping it stops the request and wipes whatever it brought.
pub struct EarlySeries {
    /// The series asked for.
    series_uid: String,
    /// What every part was checked against.
    expectations: Expectations,
    /// The parts' checks, in arrival order.
    pub(crate) checked: mpsc::UnboundedReceiver<Checked>,
    /// Bytes that may arrive before the request is adopted.
    pub(crate) gate: Arc<ByteGate>,
    /// The request itself: how many parts it had, or why it failed.
    pub(crate) producer: Option<JoinHandle<Result<usize, DicomWebError>>>,
    /// Stops the request.
    pub(crate) cancel: CancellationToken,
}

impl std::fmt::Debug for EarlySeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EarlySeries")
            .field("series_uid", &self.series_uid)
            .finish_non_exhaustive()
    }
}

impl EarlySeries {
    /// The series asked for.
    pub fn series_uid(&self) -> &str {
        &self.series_uid
    }

    /// Whether it may be adopted by a retrieval checking against `expectations`.
    pub(crate) fn checked_as(&self, expectations: &Expectations) -> bool {
        self.expectations.nhs_number == expectations.nhs_number
            && self.expectations.study_uid == expectations.study_uid
    }
}

impl Drop for EarlySeries {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(producer) = self.producer.take() {
            producer.abort();
        }
        // Parts still waiting are dropped with the receiver (their bodies zeroise on drop).
    }
}

/// How to start an early series request.
pub struct EarlyStart {
    /// The study's metadata address (`.../studies/{uid}/metadata`), whose study the
    /// series search and the series request are made under.
    pub metadata_url: url::Url,
    /// The pointer's patient and study.
    pub expectations: Expectations,
    /// Bytes that may arrive before the metadata.
    pub hold_bytes: usize,
    /// Stops the series search and the request (whoever holds it may also drop it).
    pub cancel: CancellationToken,
    /// Told of the first verified part of the series.
    pub first_part: Option<FirstPartHook>,
}

impl DicomWebClient {
    /// Lists the study's series and starts the request for the one the layout will put
    /// first; `None` when the search finds no series. The request runs on the current
    /// runtime until adopted or dropped.
    pub async fn start_early_series(
        self: &Arc<Self>,
        start: EarlyStart,
    ) -> Result<Option<EarlySeries>, DicomWebError> {
        let study_url = study_url_from(&start.metadata_url, &start.expectations.study_uid)?;
        let search = child(&study_url, &["series"])?;
        let series = tokio::select! {
            biased;
            () = start.cancel.cancelled() => return Err(DicomWebError::Cancelled),
            series = self.series_at(&search) => series?,
        };
        let Some(first) = series.iter().min_by(|a, b| {
            series_order(a.number, &a.series_uid).cmp(&series_order(b.number, &b.series_uid))
        }) else {
            return Ok(None);
        };
        let series_uid = first.series_uid.clone();
        let url = child(&study_url, &["series", &series_uid])?;
        let gate = Arc::new(ByteGate::new(start.hold_bytes));
        let cancel = start.cancel.child_token();
        let (checked_tx, checked) = mpsc::unbounded_channel::<Checked>();
        // Only the response's first part is offered: its check runs beside the next parts',
        // and waiting for "the first that passes" would hold the others back.
        let mut hook = start.first_part;
        let producer = {
            let client = Arc::clone(self);
            let expectations = Arc::new(start.expectations.clone());
            let gate = Arc::clone(&gate);
            let cancel = cancel.clone();
            let series_uid = series_uid.clone();
            tokio::spawn(async move {
                let mut on_part = |part: Part| {
                    let offer = hook.take();
                    let series_uid = series_uid.clone();
                    let check =
                        spawn_check(part, Arc::clone(&expectations), move |part, verdict| {
                            if let Some(offer) = offer {
                                if verdict.problem.is_none()
                                    && verdict.facts.series_uid == series_uid
                                {
                                    offer(part, &verdict.facts);
                                }
                            }
                        });
                    let _adopter_gone = checked_tx.send(check);
                    Ok(())
                };
                client
                    .fetch_parts_gated(
                        &url,
                        Resource::Series,
                        AcceptList::Instances,
                        &cancel,
                        Some(&gate),
                        &mut on_part,
                    )
                    .await
            })
        };
        Ok(Some(EarlySeries {
            series_uid,
            expectations: start.expectations,
            checked,
            gate,
            producer: Some(producer),
            cancel,
        }))
    }
}
