//! Tauri commands: thin adapters between the WebView and the domain modules. A command
//! validates its input, calls domain code and maps failures to [`nir_core::error::CommandError`];
//! no logic or locking lives here. One file per area.

pub mod audit;
pub mod auth;
pub mod diagnostics;
pub mod history;
pub mod pixels;
pub mod session;
pub mod studies;
