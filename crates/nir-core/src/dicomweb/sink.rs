//! Write-through: where an admitted instance goes the moment it has passed verification,
//! instead of waiting in the retrieval's own buffers for the whole study. The viewer's sink
//! files each instance in the vault at once, so an image the clinician asks for while the
//! rest of the study is still arriving is already there, and a study lives in one store.
//! Before the retrieval requests an instance it asks the sink for it ([`InstanceSink::claim`]):
//! one already held, or being fetched for the screen, is not requested a second time; and
//! the sink hears when each claimed request has settled, so a request for the same image
//! from the screen can wait for it instead of fetching it again.

use super::error::DicomWebError;
use super::retrieved::RetrievedInstance;

/// What the retrieval should do about one instance it is about to request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Fetch it: it is now marked in flight, until [`InstanceSink::settled`].
    Fetch,
    /// Already kept (fetched for the screen): nothing to fetch.
    Held,
    /// Someone else is fetching it right now: look again later.
    Busy,
}

/// Receives admitted instances as they arrive.
pub trait InstanceSink: Send + Sync {
    /// Keeps one admitted instance. An error ends the retrieval: the study was closed
    /// ([`DicomWebError::Cancelled`]) or the memory budget is spent.
    fn keep(&self, instance: RetrievedInstance) -> Result<(), DicomWebError>;

    /// The retrieval is about to request `sop_instance_uid` (on its own or within its
    /// series). With `force`, it is marked in flight even if someone else has it (after
    /// waiting long enough for them).
    fn claim(&self, sop_instance_uid: &str, force: bool) -> Claim {
        let _ = (sop_instance_uid, force);
        Claim::Fetch
    }

    /// Whether `bytes` are byte for byte what is kept for `sop_instance_uid` (a second copy
    /// that arrived is then a harmless repeat, else an impostor); `None` when nothing is
    /// kept under it any more.
    fn kept_equals(&self, sop_instance_uid: &str, bytes: &[u8]) -> Option<bool>;

    /// The request for a claimed `sop_instance_uid` has ended, whether or not it was
    /// admitted.
    fn settled(&self, sop_instance_uid: &str) {
        let _ = sop_instance_uid;
    }
}
