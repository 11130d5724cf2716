//! The `nir-viewer` binary: parses the command line and hands over to the library.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// Freed heap blocks are zeroised, so clinical strings do not outlive their owners in memory.
#[global_allocator]
static ALLOCATOR: nir_viewer::vault::ZeroOnFree = nir_viewer::vault::ZeroOnFree;

fn main() -> std::process::ExitCode {
    nir_viewer::cli::main()
}
