//! Imaging history discovery: given a patient, ask the National Imaging Registry — in its
//! FHIR (MHD/NRL) or XCA flavour, chosen by configuration — for every imaging study,
//! report, MDT outcome and care plan, and return one history with a status per network
//! and an honest complete/incomplete verdict. Both flavours sit behind
//! [`DiscoveryBackend`], share the retry policy, body caps and session headers, and are
//! exercised by the same behaviour tests against the embedded sandbox.

pub mod backend;
pub mod document_status;
pub mod error;
pub mod fhir;
pub mod http;
pub mod linking;
pub mod model;
pub mod query;
pub mod request_context;
pub mod retry;
pub mod xca;

pub use backend::DiscoveryBackend;
pub use document_status::DocumentStatus;
pub use error::RegistryError;
pub use fhir::{FhirBackend, FhirSettings};
pub use model::{
    Completeness, HistoryRecord, ImagingHistory, KnownNetwork, NetworkOutcome, NetworkStatus,
    RecordKind, RetrievalRef,
};
pub use query::HistoryQuery;
pub use request_context::RequestContext;
pub use retry::RetryPolicy;
pub use xca::{XcaBackend, XcaSettings};
