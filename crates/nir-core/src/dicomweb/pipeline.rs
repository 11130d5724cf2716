//! One WADO-RS request with its verification running alongside: each part is checked on a
//! blocking thread as soon as the parser completes it, while the next parts keep arriving,
//! and the verdicts are filed into the study in arrival order (so progress is reported as
//! instances land, not when the request ends). A study-ending verdict (over budget) stops
//! the request.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::accept::AcceptList;
use super::assembly::Assembly;
use super::client::DicomWebClient;
use super::early_series::EarlySeries;
use super::error::{DicomWebError, Resource};
use super::multipart::Part;
use super::retrieved::RetrievalProgress;
use super::verify::{check_instance, Expectations, Verdict};

/// A part being verified on a blocking thread, and what its verification found.
pub(crate) type Checked = JoinHandle<(Part, Verdict)>;

impl DicomWebClient {
    /// Fetches `url` and files every part into `assembly`, verifying in parallel.
    pub(crate) async fn fetch_verified(
        &self,
        url: &url::Url,
        resource: Resource,
        assembly: &Mutex<Assembly<'_>>,
        progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
        cancel: &CancellationToken,
    ) -> Result<(), DicomWebError> {
        let expectations = Arc::new(
            assembly
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .expectations()
                .clone(),
        );
        let request_cancel = cancel.child_token();
        let (checked_tx, mut checked_rx) = mpsc::unbounded_channel::<Checked>();
        let producer = async {
            let mut on_part = |part: Part| {
                let check = spawn_check(part, Arc::clone(&expectations), |_, _| {});
                let _consumer_gone = checked_tx.send(check);
                Ok(())
            };
            let outcome = self
                .fetch_parts(
                    url,
                    resource,
                    AcceptList::Instances,
                    &request_cancel,
                    &mut on_part,
                )
                .await;
            drop(checked_tx);
            outcome
        };
        let consumer = file_checked(&mut checked_rx, assembly, progress_tx, &request_cancel);
        let (fetched, filed) = tokio::join!(producer, consumer);
        filed?;
        fetched.map(|_| ())
    }
}

/// Checks `part` against `expectations` on a blocking thread, then lets `then` look at it
/// and the verdict there.
pub(crate) fn spawn_check(
    part: Part,
    expectations: Arc<Expectations>,
    then: impl FnOnce(&Part, &Verdict) + Send + 'static,
) -> Checked {
    tokio::task::spawn_blocking(move || {
        let verdict = check_instance(&part.body, &expectations);
        then(&part, &verdict);
        (part, verdict)
    })
}

/// Files the verified parts of one request into `assembly` in arrival order, until the
/// request's producer is done; a study-ending verdict (over budget) ends it with that error
/// and stops the request (`stop`).
pub(crate) async fn file_checked(
    checked_rx: &mut mpsc::UnboundedReceiver<Checked>,
    assembly: &Mutex<Assembly<'_>>,
    progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
    stop: &CancellationToken,
) -> Result<(), DicomWebError> {
    while let Some(check) = checked_rx.recv().await {
        let Ok((part, verdict)) = check.await else {
            continue;
        };
        let mut assembly = assembly
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match assembly.accept_checked(part, verdict) {
            Ok(Some(progress)) => {
                let _receiver_gone = progress_tx.send(progress);
            }
            Ok(None) => {}
            Err(error) => {
                stop.cancel();
                return Err(error);
            }
        }
    }
    Ok(())
}

/// Files what a request started before the metadata has brought and brings
/// ([`EarlySeries`]), as [`DicomWebClient::fetch_verified`] files its own: the retrieval has
/// adopted it as its request for that series. Cancelling `cancel` stops it.
pub(crate) async fn file_early(
    mut early: EarlySeries,
    assembly: &Mutex<Assembly<'_>>,
    progress_tx: &mpsc::UnboundedSender<RetrievalProgress>,
    cancel: &CancellationToken,
) -> Result<(), DicomWebError> {
    // Everything it brings now has somewhere to go.
    early.gate.open();
    let stop = early.cancel.clone();
    let producer = early.producer.take();
    let fetched = async {
        match producer {
            Some(producer) => producer.await.unwrap_or(Err(DicomWebError::Interrupted {
                resource: Resource::Series,
                complete_parts: 0,
            })),
            None => Err(DicomWebError::Cancelled),
        }
    };
    let filed = file_checked(&mut early.checked, assembly, progress_tx, &stop);
    let (fetched, filed) = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
        both = async { tokio::join!(fetched, filed) } => both,
    };
    filed?;
    fetched.map(|_| ())
}
