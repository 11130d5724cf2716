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
use super::error::{DicomWebError, Resource};
use super::multipart::Part;
use super::retrieved::RetrievalProgress;
use super::verify::{check_instance, Verdict};

type Checked = JoinHandle<(Part, Verdict)>;

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
                let expectations = expectations.clone();
                let check = tokio::task::spawn_blocking(move || {
                    let verdict = check_instance(&part.body, &expectations);
                    (part, verdict)
                });
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
        let consumer = async {
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
                        request_cancel.cancel();
                        return Err(error);
                    }
                }
            }
            Ok(())
        };
        let (fetched, filed) = tokio::join!(producer, consumer);
        filed?;
        fetched.map(|_| ())
    }
}
