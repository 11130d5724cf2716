//! DICOMweb retrieval into memory: study metadata first (enough to draw the layout), then
//! instances over WADO-RS in the order the clinician needs them, every instance verified
//! against the pointer before display, nothing ever written to disk. QIDO-RS searches and
//! single-instance or frame retrieval for on-demand scrolling live here too.

mod media_type;
pub mod multipart;
mod zeroizing_vec;

pub use media_type::MediaType;
