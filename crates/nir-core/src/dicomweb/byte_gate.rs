//! A bound on the bytes a response may have delivered before anyone takes them: the reader
//! waits at the gate before handing on a part that would exceed it, and the taker opens it
//! again by what it took. While the reader waits it does not read, so the connection's
//! receive window fills and TCP holds the server back (RFC 9293 3.8.6): memory stays bounded
//! however fast or large the answer is. Used for a request started before there is anywhere
//! to file what it brings ([`super::early_series`]).

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::error::DicomWebError;

/// Bytes that may be waiting at once.
#[derive(Debug)]
pub(crate) struct ByteGate {
    room: Semaphore,
    capacity: u32,
}

impl ByteGate {
    /// A gate letting `capacity` bytes wait at once (at most `u32::MAX`).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = u32::try_from(capacity).unwrap_or(u32::MAX).max(1);
        Self {
            room: Semaphore::new(capacity as usize),
            capacity,
        }
    }

    /// What a part of `len` bytes costs: a part larger than the whole gate costs the whole
    /// gate (it passes alone, when nothing else waits).
    fn cost(&self, len: usize) -> u32 {
        u32::try_from(len)
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity)
    }

    /// Waits until a part of `len` bytes fits, then counts it as waiting.
    pub(crate) async fn admit(
        &self,
        len: usize,
        cancel: &CancellationToken,
    ) -> Result<(), DicomWebError> {
        let permit = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(DicomWebError::Cancelled),
            permit = self.room.acquire_many(self.cost(len)) => permit,
        };
        permit.map_err(|_| DicomWebError::Cancelled)?.forget();
        Ok(())
    }

    /// A part of `len` bytes has been taken: its room is free again.
    pub(crate) fn taken(&self, len: usize) {
        self.room.add_permits(self.cost(len) as usize);
    }

    /// Bytes that may still arrive before the reader waits.
    #[cfg(test)]
    pub(crate) fn room(&self) -> usize {
        self.room.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_reader_waits_when_the_gate_is_full_until_a_part_is_taken() {
        let gate = std::sync::Arc::new(ByteGate::new(100));
        let never = CancellationToken::new();
        gate.admit(60, &never).await.unwrap();
        assert_eq!(gate.room(), 40);
        let waiting = {
            let gate = std::sync::Arc::clone(&gate);
            tokio::spawn(async move { gate.admit(50, &CancellationToken::new()).await })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(
            !waiting.is_finished(),
            "50 bytes must not pass while only 40 are free"
        );
        gate.taken(60);
        waiting.await.unwrap().unwrap();
        assert_eq!(gate.room(), 50);
    }

    #[tokio::test]
    async fn a_part_larger_than_the_gate_passes_alone() {
        let gate = ByteGate::new(100);
        let never = CancellationToken::new();
        gate.admit(1 << 20, &never).await.unwrap();
        assert_eq!(gate.room(), 0);
        gate.taken(1 << 20);
        assert_eq!(gate.room(), 100);
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
