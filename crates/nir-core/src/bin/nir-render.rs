//! `nir-render`: the viewer's `render` subcommand alone, for the decode benchmark
//! (bench/decode.sh, docs/benchmarks.md). It runs the same library code as
//! `nir-viewer render`, with the same global allocator, but without the window's libraries
//! (WebKitGTK and the rest), whose dynamic linking makes the viewer's own start-up about
//! 70 ms: here start-up is a few milliseconds, so subtracting it leaves the decode of a
//! single large file measurable. It is not shipped.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nir_core::imaging::render::RenderArgs;

/// Freed heap blocks are zeroised, as in the viewer (`nir-viewer`'s own allocator).
#[global_allocator]
static ALLOCATOR: nir_core::vault::ZeroOnFree = nir_core::vault::ZeroOnFree;

/// Decode DICOM files as `nir-viewer render` does, without the viewer's window libraries.
#[derive(Debug, Parser)]
#[command(name = "nir-render", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode DICOM files to float32 .npy arrays (and PNGs), or stored values (`--format raw`).
    Render(RenderArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Render(args) => args.run(),
    }
}
