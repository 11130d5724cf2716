//! The command line: one binary, several jobs. With no subcommand it opens the viewer
//! window; the subcommands run headless (no display needed) for servers, tests and the
//! organisations deploying the viewer. This module only parses and dispatches; the work
//! lives in the modules each subcommand names.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// View a patient's imaging history from the National Imaging Registry, in memory only.
#[derive(Debug, Parser)]
#[command(name = "nir-viewer", version, about, long_about = None)]
pub struct Cli {
    /// What to run; without one, the viewer window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded NIR sandbox (synthetic patients) on loopback until killed.
    Sandbox(SandboxArgs),
    /// Decode DICOM files to float32 .npy arrays (and PNGs), to prove the imaging pipeline.
    Render(RenderArgs),
    /// Run the go-live conformance checks and print pass/fail for each.
    Conformance(ConformanceArgs),
    /// Manage the CIS2 client key in the OS keyring (generate, import, show the public JWK).
    Keys(crate::auth::keys_command::KeysArgs),
}

/// Arguments of `nir-viewer sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Loopback address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Demand a valid bearer token from the mock CIS2 on every data endpoint.
    #[arg(long)]
    pub require_auth: bool,
}

/// Arguments of `nir-viewer render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// DICOM files to decode.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory that receives `<stem>.npy` (and PNGs).
    #[arg(long)]
    pub out: PathBuf,
    /// `npy` (float32 arrays) or `png` (also one 8-bit PNG per frame after VOI).
    #[arg(long, default_value = "npy")]
    pub format: String,
    /// Decode only this frame (0-based).
    #[arg(long)]
    pub frame: Option<u32>,
}

/// Arguments of `nir-viewer conformance`.
#[derive(Debug, clap::Args)]
pub struct ConformanceArgs {
    /// Run against an embedded sandbox started for the purpose.
    #[arg(long, conflicts_with = "config")]
    pub sandbox: bool,
    /// Run against the NIR configuration in this file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Run the retrieval and decode checks against this DICOMweb server.
    #[arg(long)]
    pub dicomweb: Option<String>,
    /// Test patients' NHS numbers.
    #[arg(long = "nhs")]
    pub nhs: Vec<String>,
    /// Also write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

/// Entry point of the binary: parse, dispatch, turn the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => crate::app::run_viewer(),
        Some(Command::Sandbox(args)) => {
            crate::sandbox::cli_command::run(&args.listen, args.require_auth)
        }
        Some(Command::Render(args)) => {
            crate::imaging::render::run_render(&args.files, &args.out, &args.format, args.frame)
        }
        Some(Command::Conformance(_args)) => not_available("conformance"),
        Some(Command::Keys(args)) => crate::auth::keys_command::run(&args),
    }
}

fn not_available(name: &str) -> ExitCode {
    eprintln!("nir-viewer {name}: not available in this build yet");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_the_viewer() {
        let cli = Cli::try_parse_from(["nir-viewer"]).unwrap();
        assert!(cli.command.is_none());
    }

    #[test]
    fn render_requires_files_and_out() {
        assert!(Cli::try_parse_from(["nir-viewer", "render", "--out", "x"]).is_err());
        assert!(Cli::try_parse_from(["nir-viewer", "render", "a.dcm"]).is_err());
        assert!(Cli::try_parse_from(["nir-viewer", "render", "a.dcm", "--out", "x"]).is_ok());
    }
}
