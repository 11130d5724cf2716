//! nir-viewer: a desktop viewer for a patient's imaging history from England's National
//! Imaging Registry (NIR). The library holds every domain module (discovery, retrieval,
//! decoding, the in-memory vault, sign-in, audit) so that tests and the headless
//! subcommands use exactly the code the window uses; `main.rs` only calls [`cli::main`].

pub mod app;
pub mod app_state;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod conformance;
pub mod dicomweb;
pub mod error;
pub mod exit_signals;
pub mod helper_processes;
pub mod imaging;
pub mod launch;
pub mod logging;
pub mod net;
pub mod nhs_number;
pub mod observability;
pub mod refused_start;
pub mod registry;
pub mod runtime_dir;
pub mod sandbox;
pub mod vault;
pub mod viewer;
pub mod web_content;
pub mod webkit_renderer;
