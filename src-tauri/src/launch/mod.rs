//! Launch context: how the EPR opens the viewer on the patient in front of the clinician.
//! A raw `nir-viewer://` link (or the same on the command line) becomes a validated
//! [`LaunchRequest`] before anything else happens: unknown or repeated parameters are
//! refused, the NHS number is validated, dates are checked, and when the organisation
//! requires signed context the link must carry a short-lived JWT from the EPR that names
//! the same patient. SMART App Launch (`iss` + `launch`) asks an allowed patient record
//! which patient is in context. A link never bypasses sign-in or the role check: it only
//! says which patient to open afterwards.

mod error;
mod link;
mod signed_context;
mod single_instance;
mod smart;

pub use error::LaunchError;
pub use link::{parse_date, parse_link, LaunchRequest, PatientContext, SmartLaunch, SCHEME_PREFIX};
pub use signed_context::{verify_signed_context, SignedContextPolicy};
pub use single_instance::{default_socket_path, hand_off_or_listen, InstanceRole, LaunchListener};
pub use smart::{
    is_acceptable_endpoint, resolve_smart_launch, SmartLaunchError, SmartSettings,
    NHS_NUMBER_SYSTEM, SMART_SCOPE,
};
