//! A bound on the bytes a response may deliver before anyone is there to take them: the
//! reader waits at the gate before handing each chunk to the parser, and once someone takes
//! over the response the gate is opened for good. While the reader waits it does not read,
//! so the connection's receive window fills and TCP holds the server back (RFC 9293 3.8.6):
//! memory stays bounded however fast the answer is, and however large one part of it.
//! Used for a request started before there is anywhere to file what it brings
//! ([`super::early_series`]).

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::error::DicomWebError;

/// Bytes that may arrive before the gate is opened.
#[derive(Debug)]
pub(crate) struct ByteGate {
    room: Semaphore,
    capacity: u32,
    open: AtomicBool,
}

impl ByteGate {
    /// A gate letting `capacity` bytes through before it is opened (at most `u32::MAX`).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX).max(1);
        Self {
            room: Semaphore::new(capacity as usize),
            capacity,
            open: AtomicBool::new(false),
        }
    }

    /// Waits until `len` more bytes may pass (for ever, unless the gate is opened or
    /// `cancel` fires), then counts them. A chunk larger than what is left waits until the
    /// gate is opened.
    pub(crate) async fn admit(
        &self,
        len: usize,
        cancel: &CancellationToken,
    ) -> Result<(), DicomWebError> {
        if self.open.load(Ordering::SeqCst) {
            return Ok(());
        }
        let cost = u32::try_from(len)
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity);
        let permit = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
            permit = self.room.acquire_many(cost) => permit,
        };
        permit.map_err(|_| DicomWebError::Cancelled)?.forget();
        Ok(())
    }

    /// Lets everything through from now on, waking a reader waiting at the gate.
    pub(crate) fn open(&self) {
        if !self.open.swap(true, Ordering::SeqCst) {
            self.room.add_permits(self.capacity as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_reader_waits_at_a_full_gate_until_it_is_opened() {
        let gate = Arc::new(ByteGate::new(100));
        let never = CancellationToken::new();
        gate.admit(60, &never).await.unwrap();
        gate.admit(40, &never).await.unwrap();
        let waiting = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.admit(1, &CancellationToken::new()).await })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "nothing passes a full gate");
        gate.open();
        waiting.await.unwrap().unwrap();
        gate.admit(1 << 30, &never).await.unwrap();
    }

    #[tokio::test]
    async fn a_chunk_larger_than_the_gate_waits_for_it_to_open() {
        let gate = Arc::new(ByteGate::new(100));
        let waiting = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.admit(1 << 20, &CancellationToken::new()).await })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        // A chunk costs at most the whole gate: it passes while nothing else has.
        assert!(waiting.is_finished());
        let next = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.admit(1, &CancellationToken::new()).await })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!next.is_finished());
        gate.open();
        next.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn cancelling_ends_a_wait() {
        let gate = ByteGate::new(10);
        let cancel = CancellationToken::new();
        gate.admit(10, &cancel).await.unwrap();
        cancel.cancel();
        assert!(matches!(
            gate.admit(5, &cancel).await,
            Err(DicomWebError::Cancelled)
        ));
    }
}
