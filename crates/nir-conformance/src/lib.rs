//! The go-live conformance suite an organisation runs before using the viewer with NIR:
//! each check passes or fails with a plain reason, one line each, an optional JUnit XML
//! report, and a last line `N passed, N failed`; the exit code is non-zero on any failure.
//! Against the embedded sandbox it exercises every module end to end; against an
//! organisation's configuration it proves TLS trust, the sign-in provider and discovery
//! through the configured flavour; against any DICOMweb server it proves retrieval and
//! decoding.

mod config_checks;
mod dicomweb_checks;
pub mod discovery_checks;
mod junit;
pub mod live_path;
mod report;
mod sandbox_checks;
mod signin_checks;
pub mod xca_documents;

use std::process::ExitCode;

pub use report::{Check, Outcome, Report};

use std::path::PathBuf;

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
    /// With --config: also sign in through the browser, then search for the test patients.
    #[arg(long, requires = "config")]
    pub interactive: bool,
    /// With --sandbox: start the sandboxes with this fault, to see the matching checks fail.
    #[arg(long, value_enum, requires = "sandbox")]
    pub sandbox_fault: Vec<nir_sandbox::injected::InjectedFault>,
}

/// Runs the suite the arguments ask for.
pub fn run(args: &ConformanceArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: cannot start: {error}");
            return ExitCode::from(2);
        }
    };
    let mut report = Report::default();
    runtime.block_on(async {
        if let Some(url) = &args.dicomweb {
            dicomweb_checks::run(url, &mut report).await;
        }
        if args.sandbox {
            sandbox_checks::run(&args.nhs, &args.sandbox_fault, &mut report).await;
        }
        if let Some(path) = &args.config {
            config_checks::run(path, &args.nhs, args.interactive, &mut report).await;
        }
        if report.checks().is_empty() {
            report.record(Check::fail(
                "arguments",
                "nothing to check: give --sandbox, --config or --dicomweb",
            ));
        }
    });
    if let Some(path) = &args.junit {
        if let Err(error) = std::fs::write(path, junit::to_junit(&report)) {
            eprintln!("conformance: cannot write the JUnit report: {error}");
        }
    }
    println!("{}", report.summary_line());
    if report.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
