//! DICOMweb retrieval into memory: study metadata first (enough to draw the layout), then
//! instances over WADO-RS in the order the clinician needs them, every instance verified
//! against the pointer before display, nothing ever written to disk. QIDO-RS searches and
//! single-instance or frame retrieval for on-demand scrolling live here too.

pub mod accept;
mod assembly;
pub mod busy;
mod byte_gate;
mod client;
pub mod dicom_json;
mod early_series;
mod error;
pub mod identity_match;
mod media_type;
pub mod metadata;
pub mod multipart;
mod pipeline;
mod pixel_data_span;
pub mod pixel_measures;
pub mod qido;
pub mod queue;
mod retrieved;
mod schedule;
pub mod sink;
/// Synthetic instances for tests and benchmarks (this crate's and the crates built on it).
#[cfg(any(test, feature = "test-support"))]
pub mod synthetic;
mod transfer_runtime;
pub mod us_regions;
pub mod verify;
mod wado;
mod zeroizing_vec;

pub use client::DicomWebClient;
pub use early_series::{EarlySeries, EarlyStart, FirstPartHook};
pub use error::{DicomWebError, Resource};
pub use media_type::MediaType;
pub use metadata::{InstanceLayout, PatientIdentity, SeriesLayout, StudyLayout, WindowPreset};
pub use qido::{SeriesSummary, StudyQuery, StudySummary};
pub use queue::{Direction, Focus, RetrievalQueue, SharedQueue};
pub use retrieved::{
    QuarantinedInstance, RetrievalProgress, RetrievedInstance, RetrievedSeries, RetrievedStudy,
    StudyWarning,
};
pub use schedule::{FetchUnit, RetrieveOptions};
pub use sink::{Claim, InstanceSink};
pub use transfer_runtime::spawn_transfer;
pub use verify::{Expectations, QuarantineReason};
pub use wado::InstanceOutcome;
