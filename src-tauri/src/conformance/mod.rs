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

use crate::cli::ConformanceArgs;

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
