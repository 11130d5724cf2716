//! The vault: the one in-memory store for everything clinical the viewer holds — pointers,
//! demographics, DICOM bytes, decoded pixels, reports. It exists so that "nothing on disk,
//! nothing after close" is a property of one type rather than of every caller: buffers are
//! locked in RAM where the OS allows and zeroised when dropped, a byte budget bounds what
//! can be held, and `wipe_*` forgets a study, a patient or the whole session at once.

mod error;
mod hardening;
mod secret;
mod store;
mod zero_on_free;

pub use error::VaultError;
pub use hardening::{
    harden_process, restart_with_scrubbing_malloc, scrubbing_tunables, HardeningReport,
    SCRUBBING_MALLOC_TUNABLES,
};
pub use secret::SecretBuffer;
pub use store::{ItemKey, PatientKey, Reservation, StudyKey, Vault, VaultStats};
pub use zero_on_free::ZeroOnFree;
