//! nir-core: the domain of nir-viewer, free of any window or web view. Discovery through NIR
//! (FHIR and XCA flavours), DICOMweb retrieval into memory, decoding and the DICOM LUT
//! pipeline, the in-memory vault and its wipe, CIS2 sign-in, audit, configuration and the
//! launch contract. The desktop shell (`nir-viewer`), the training service (`nir-sandbox`)
//! and the go-live suite (`nir-conformance`) are built on it, so tests, headless
//! subcommands and the window all run exactly this code.

pub mod audit;
pub mod auth;
pub mod config;
pub mod dicomweb;
pub mod error;
pub mod imaging;
pub mod launch;
pub mod logging;
pub mod net;
pub mod nhs_number;
pub mod observability;
pub mod registry;
pub mod vault;
pub mod viewer;
