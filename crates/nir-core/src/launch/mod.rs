//! Launch context: how the EPR opens the viewer on the patient in front of the clinician.
//! A raw `nir-viewer://` link (or the same on the command line) becomes a validated
//! [`LaunchRequest`] before anything else happens: unknown or repeated parameters are
//! refused, the NHS number is validated, dates are checked, and when the organisation
//! requires signed context the link must carry a short-lived JWT from the EPR that names
//! the same patient and the user who takes it; it is verified on arrival and used once.
//! SMART App Launch (`iss` + `launch`) asks an allowed patient record which patient is in
//! context. A link never bypasses sign-in or the role check: it only says which patient to
//! open afterwards, and an unsigned one only after the clinician confirms it.

mod error;
mod link;
mod queue;
mod replay;
mod signed_context;
#[cfg(unix)]
mod single_instance;
#[cfg(not(unix))]
#[path = "single_instance_unavailable.rs"]
mod single_instance;
// The fallback is built and tested on Unix too, so that it keeps the same interface.
#[cfg(all(test, unix))]
#[allow(dead_code, reason = "only its tests use it where Unix sockets exist")]
#[path = "single_instance_unavailable.rs"]
mod single_instance_unavailable;
mod smart;
/// Keys and tokens for tests of signed launches (this crate's and the shell's).
#[cfg(any(test, feature = "test-support"))]
#[allow(
    clippy::unwrap_used,
    reason = "test helper: a fixed key that must parse"
)]
pub mod test_keys;

pub use error::LaunchError;
pub use link::{parse_date, parse_link, LaunchRequest, PatientContext, SmartLaunch, SCHEME_PREFIX};
pub use queue::{LaunchQueue, VerifiedLaunch};
pub use replay::{ReplayGuard, REPLAY_CAPACITY};
pub use signed_context::{
    bind_to_user, check_times, unix_now, verify_signed_context, ContextClaims, ContextKey,
    SignedContextPolicy, LEEWAY_SECS,
};
pub use single_instance::{default_socket_path, hand_off_or_listen, LaunchListener};
pub use smart::{
    is_acceptable_endpoint, is_fhir_id, resolve_smart_launch, SmartLaunchError, SmartSettings,
    NHS_NUMBER_SYSTEM, SMART_SCOPE,
};

/// The outcome of trying to become the single instance.
#[derive(Debug)]
pub enum InstanceRole {
    /// Another viewer is running and has the link now; this process should exit.
    HandedOff,
    /// This process is the viewer; links from later launches arrive on the listener.
    Primary(LaunchListener),
}
