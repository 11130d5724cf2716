//! nir-viewer: the desktop shell of a viewer for a patient's imaging history from England's
//! National Imaging Registry (NIR). This crate holds only the shell — the window, its
//! commands, start-up and exit; the domain lives in `nir-core`, the training service in
//! `nir-sandbox` and the go-live checks in `nir-conformance`. Their modules are re-exported
//! here under their usual names so that tests and tools see one library; `main.rs` only
//! calls [`cli::main`].

pub mod cli;
pub mod commands;
pub mod shell;

pub use nir_conformance as conformance;
pub use nir_core::{
    audit, auth, config, dicomweb, error, imaging, launch, logging, net, nhs_number, observability,
    registry, vault, viewer,
};
pub use nir_sandbox as sandbox;
