//! One study's instances that are being fetched on their own right now, by the background
//! retrieval or for the screen, so the same image is never requested twice at once: a
//! second request for it waits until the first has settled (bounded in time, and ended at
//! once when the study closes) and then finds it in the vault. The retrieval's side comes
//! through [`StudySink`], which also files every admitted instance in the vault as it
//! arrives (write-through), against the study's budget reservation.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{ViewerError, ViewerSession};
use crate::dicomweb::{Claim as RetrievalClaim, DicomWebError, InstanceSink, RetrievedInstance};
use crate::vault::{PatientKey, Reservation, VaultError};

/// Instances being fetched on their own, with how many requests hold each.
#[derive(Debug, Default)]
pub struct InFlight {
    requested: Mutex<HashMap<String, usize>>,
    settled: Notify,
}

/// A claim on fetching one instance; dropping it settles the claim and wakes waiters.
#[derive(Debug)]
pub struct Claim {
    in_flight: Arc<InFlight>,
    sop_instance_uid: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.in_flight.end(&self.sop_instance_uid);
    }
}

impl InFlight {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.requested.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `sop` as requested (by one more request).
    pub fn begin(&self, sop: &str) {
        *self.lock().entry(sop.to_owned()).or_default() += 1;
    }

    /// One request for `sop` has settled.
    pub fn end(&self, sop: &str) {
        let mut requested = self.lock();
        if let Some(count) = requested.get_mut(sop) {
            *count -= 1;
            if *count == 0 {
                requested.remove(sop);
            }
        }
        drop(requested);
        self.settled.notify_waiters();
    }

    /// Marks `sop` as requested unless some request for it is running; whether it did.
    pub fn try_begin(&self, sop: &str) -> bool {
        let mut requested = self.lock();
        if requested.contains_key(sop) {
            return false;
        }
        requested.insert(sop.to_owned(), 1);
        true
    }

    /// Whether some request for `sop` is running.
    pub fn is_requested(&self, sop: &str) -> bool {
        self.lock().contains_key(sop)
    }

    /// Claims `sop` for a request of one's own when nobody is fetching it; `None` when
    /// someone is (wait with [`Self::wait_settled`] instead).
    pub fn claim(self: &Arc<Self>, sop: &str) -> Option<Claim> {
        self.try_begin(sop).then(|| Claim {
            in_flight: Arc::clone(self),
            sop_instance_uid: sop.to_owned(),
        })
    }

    /// Waits until no request for `sop` is running, at most `longest`; returns early when
    /// `cancel` fires. Returns whether it settled.
    pub async fn wait_settled(
        &self,
        sop: &str,
        cancel: &CancellationToken,
        longest: Duration,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + longest;
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.is_requested(sop) {
                return true;
            }
            tokio::select! {
                () = notified => {}
                () = cancel.cancelled() => return false,
                () = tokio::time::sleep_until(deadline) => return !self.is_requested(sop),
            }
        }
    }
}

/// The viewer's write-through sink for one study's retrieval.
pub struct StudySink {
    /// The session whose vault keeps the instances.
    pub session: Arc<ViewerSession>,
    /// The patient the retrieval began for.
    pub patient: PatientKey,
    /// The study's key in the session.
    pub study_key: String,
    /// The study's share of the memory budget.
    pub reservation: Mutex<Reservation>,
    /// What the study has in flight.
    pub in_flight: Arc<InFlight>,
    /// Instances marked in flight before the retrieval task first ran (see
    /// [`Self::announce_planned`]); the retrieval's own announcement of each is then
    /// already counted.
    pub pre_announced: Mutex<HashSet<String>>,
    /// Instances filed while their request was still running (one part of a series
    /// response): settled at once, so the screen waiting for one of them does not wait for
    /// the rest of the series; the request's own settling of them is then not counted again.
    pub filed_early: Mutex<HashSet<String>>,
}

impl StudySink {
    /// Marks the instances the retrieval will fetch first as in flight now, before
    /// its task first runs, so a request from the screen made in the meantime (the first
    /// image, asked for as soon as the study opens) waits for them instead of racing.
    pub fn announce_planned<'a>(&self, sops: impl IntoIterator<Item = &'a str>) {
        let mut pre = self.pre_announced.lock().unwrap_or_else(|p| p.into_inner());
        for sop in sops {
            if pre.insert(sop.to_owned()) {
                self.in_flight.begin(sop);
            }
        }
    }

    /// Settles whatever was announced but never requested (the retrieval ended first).
    pub fn finish(&self) {
        let mut pre = self.pre_announced.lock().unwrap_or_else(|p| p.into_inner());
        for sop in pre.drain() {
            self.in_flight.end(&sop);
        }
    }
}

impl InstanceSink for StudySink {
    fn keep(&self, mut instance: RetrievedInstance) -> Result<(), DicomWebError> {
        let bytes = std::mem::take(&mut *instance.bytes);
        let sop = instance.sop_instance_uid.clone();
        let mut reservation = self.reservation.lock().unwrap_or_else(|p| p.into_inner());
        let kept = self.session.keep_reserved(
            &self.patient,
            &self.study_key,
            instance.sop_instance_uid,
            bytes,
            &mut reservation,
        );
        drop(reservation);
        if kept.is_ok() {
            let first = self
                .filed_early
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(sop.clone());
            if first {
                self.in_flight.end(&sop);
            }
        }
        kept.map(|_| ()).map_err(|error| match error {
            ViewerError::Budget(
                VaultError::OverBudget { needed, budget, .. }
                | VaultError::StudyTooLarge { needed, budget, .. },
            ) => DicomWebError::OverBudget {
                needed_bytes: needed as u64,
                budget_bytes: budget as u64,
            },
            // The study or its patient was closed: nothing more of it is kept.
            _ => DicomWebError::Cancelled,
        })
    }

    fn claim(&self, sop_instance_uid: &str, force: bool) -> RetrievalClaim {
        let ours = self
            .pre_announced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(sop_instance_uid);
        if !ours && !self.in_flight.try_begin(sop_instance_uid) {
            if !force {
                return RetrievalClaim::Busy;
            }
            self.in_flight.begin(sop_instance_uid);
        }
        // Marked first, looked for second: the screen files what it fetched before it
        // lets go of its own mark, so nothing slips between the two.
        if self
            .session
            .held(&self.patient, &self.study_key, sop_instance_uid)
        {
            self.in_flight.end(sop_instance_uid);
            return RetrievalClaim::Held;
        }
        RetrievalClaim::Fetch
    }

    fn kept_equals(&self, sop_instance_uid: &str, bytes: &[u8]) -> Option<bool> {
        let kept = self
            .session
            .kept(&self.patient, &self.study_key, sop_instance_uid)?;
        Some(kept.as_bytes() == bytes)
    }

    fn settled(&self, sop_instance_uid: &str) {
        let filed = self
            .filed_early
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(sop_instance_uid);
        if !filed {
            self.in_flight.end(sop_instance_uid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_request_waits_for_the_first_to_settle() {
        let in_flight = Arc::new(InFlight::default());
        let claim = in_flight.claim("1.2.3").expect("nobody has it");
        assert!(in_flight.claim("1.2.3").is_none(), "one request at a time");
        let waiter = {
            let in_flight = Arc::clone(&in_flight);
            tokio::spawn(async move {
                in_flight
                    .wait_settled("1.2.3", &CancellationToken::new(), Duration::from_secs(30))
                    .await
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(claim);
        assert!(waiter.await.unwrap(), "settled when the claim ended");
        assert!(in_flight.claim("1.2.3").is_some(), "free again");
    }

    #[tokio::test]
    async fn the_retrievals_requests_count_and_waiting_is_bounded_and_cancellable() {
        let in_flight = InFlight::default();
        in_flight.begin("9");
        in_flight.begin("9");
        in_flight.end("9");
        assert!(in_flight.is_requested("9"), "one request still holds it");
        let cancel = CancellationToken::new();
        assert!(
            !in_flight
                .wait_settled("9", &cancel, Duration::from_millis(20))
                .await
        );
        cancel.cancel();
        assert!(
            !in_flight
                .wait_settled("9", &cancel, Duration::from_secs(30))
                .await
        );
        in_flight.end("9");
        assert!(
            in_flight
                .wait_settled("9", &cancel, Duration::from_secs(30))
                .await
        );
        in_flight.end("unknown");
    }
}
