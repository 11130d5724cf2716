//! Write-through: where an admitted instance goes the moment it has passed verification,
//! instead of waiting in the retrieval's own buffers for the whole study. The viewer's sink
//! files each instance in the vault at once, so an image the clinician asks for while the
//! rest of the study is still arriving is already there, and a study lives in one store.
//! The sink also hears which instances are about to be requested one by one, and when each
//! such request has settled, so a request for the same image from the screen can wait for
//! it instead of fetching it a second time.

use super::error::DicomWebError;
use super::retrieved::RetrievedInstance;

/// Receives admitted instances as they arrive.
pub trait InstanceSink: Send + Sync {
    /// Keeps one admitted instance. An error ends the retrieval: the study was closed
    /// ([`DicomWebError::Cancelled`]) or the memory budget is spent.
    fn keep(&self, instance: RetrievedInstance) -> Result<(), DicomWebError>;

    /// The instance `sop_instance_uid` is about to be requested on its own.
    fn requesting(&self, sop_instance_uid: &str) {
        let _ = sop_instance_uid;
    }

    /// The request for `sop_instance_uid` has ended, whether or not it was admitted.
    fn settled(&self, sop_instance_uid: &str) {
        let _ = sop_instance_uid;
    }
}
