//! The command line: one binary, several jobs. With no subcommand it opens the viewer
//! window; the subcommands run headless (no display needed) for servers, tests and the
//! organisations deploying the viewer. This module only parses and dispatches; the work
//! lives in the modules each subcommand names.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// View a patient's imaging history from the National Imaging Registry, in memory only.
#[derive(Debug, Parser)]
#[command(name = "nir-viewer", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run; without one, the viewer window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A `nir-viewer://open?nhs=...` link from the patient record.
    #[arg(value_name = "LINK")]
    pub link: Option<String>,
    /// Open this patient after sign-in (the same as a link's `nhs`).
    #[arg(long, conflicts_with = "link")]
    pub nhs: Option<String>,
    /// With --nhs: earliest date of interest (YYYY-MM-DD).
    #[arg(long, requires = "nhs")]
    pub from: Option<String>,
    /// With --nhs: latest date of interest (YYYY-MM-DD).
    #[arg(long, requires = "nhs")]
    pub to: Option<String>,
}

impl Cli {
    /// The launch link given on the command line, in link form whichever way it was given.
    pub fn launch_link(&self) -> Option<String> {
        if let Some(link) = &self.link {
            return Some(link.clone());
        }
        let nhs = self.nhs.as_ref()?;
        let mut url = url::Url::parse("nir-viewer://open").ok()?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("nhs", nhs);
            if let Some(from) = &self.from {
                query.append_pair("from", from);
            }
            if let Some(to) = &self.to {
                query.append_pair("to", to);
            }
        }
        Some(url.to_string())
    }
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded NIR sandbox (synthetic patients) on loopback until killed.
    Sandbox(SandboxArgs),
    /// Decode DICOM files to float32 .npy arrays (and PNGs), to prove the imaging pipeline.
    Render(nir_core::imaging::render::RenderArgs),
    /// Run the go-live conformance checks and print pass/fail for each.
    Conformance(nir_conformance::ConformanceArgs),
    /// Inspect the configuration in force.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the CIS2 client key in the OS keyring (generate, import, show the public JWK).
    Keys(nir_core::auth::keys_command::KeysArgs),
}

/// `nir-viewer config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the managed configuration and print what is in force (secrets masked).
    Check {
        /// Check this file instead of the managed one.
        #[arg(long)]
        file: Option<PathBuf>,
    },
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

/// Entry point of the binary: parse, dispatch, turn the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let link = cli.launch_link();
    if let Some(raw) = &cli.link {
        if !raw.starts_with(nir_core::launch::SCHEME_PREFIX) {
            eprintln!(
                "error: '{raw}' is neither a subcommand nor a nir-viewer link (see nir-viewer --help)"
            );
            return ExitCode::from(2);
        }
    }
    match cli.command {
        None => crate::shell::run_viewer(link),
        Some(Command::Config(ConfigCommand::Check { file })) => config_check(file),
        Some(Command::Sandbox(args)) => {
            nir_sandbox::cli_command::run(&args.listen, args.require_auth)
        }
        Some(Command::Render(args)) => args.run(),
        Some(Command::Conformance(args)) => nir_conformance::run(&args),
        Some(Command::Keys(args)) => nir_core::auth::keys_command::run(&args),
    }
}

fn config_check(file: Option<PathBuf>) -> ExitCode {
    let path = file.unwrap_or_else(nir_core::config::config_path_to_check);
    match nir_core::config::load_from(&path) {
        Ok(None) => {
            println!(
                "No configuration at {}: the viewer runs in training mode.",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Ok(Some(config)) => {
            println!("# configuration in force: {}", path.display());
            println!("{}", config.describe_masked());
            println!("# {}", audit_summary(&config.audit));
            println!("# {}", metrics_summary(&config.observability));
            let problems = config.validate();
            for problem in &problems {
                eprintln!("problem: {problem}");
            }
            if problems.is_empty() {
                println!("# valid");
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(1)
        }
    }
}

/// One line saying where the viewer's audit events go.
fn audit_summary(settings: &nir_core::config::AuditSettings) -> String {
    match (&settings.fhir_endpoint, &settings.syslog) {
        (Some(endpoint), None) => format!(
            "audit: FHIR AuditEvent to {} every {} s and at exit",
            nir_core::observability::target_of(endpoint),
            nir_core::audit::DELIVERY_INTERVAL.as_secs()
        ),
        (None, Some(collector)) => format!(
            "audit: syslog over TLS to {collector} every {} s and at exit",
            nir_core::audit::DELIVERY_INTERVAL.as_secs()
        ),
        (Some(_), Some(_)) => "audit: not started (two endpoints are set)".into(),
        (None, None) => "audit: NOT SENT ANYWHERE (set audit.fhir_endpoint or audit.syslog)".into(),
    }
}

/// One line saying where the viewer's metrics go.
fn metrics_summary(settings: &nir_core::config::ObservabilitySettings) -> String {
    match &settings.otlp_endpoint {
        Some(endpoint) => format!(
            "metrics: OTLP/HTTP JSON to {} every {} s and at exit (no patient data)",
            nir_core::observability::target_of(endpoint),
            settings.export_interval_seconds
        ),
        None => "metrics: diagnostics page only (set observability.otlp_endpoint to export)".into(),
    }
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
    fn the_command_line_form_becomes_a_link() {
        let cli =
            Cli::try_parse_from(["nir-viewer", "--nhs", "9912003888", "--from", "2020-01-01"])
                .unwrap();
        assert_eq!(
            cli.launch_link().as_deref(),
            Some("nir-viewer://open?nhs=9912003888&from=2020-01-01")
        );
        let cli = Cli::try_parse_from(["nir-viewer", "nir-viewer://open?nhs=9912003888"]).unwrap();
        assert_eq!(
            cli.launch_link().as_deref(),
            Some("nir-viewer://open?nhs=9912003888")
        );
        assert!(Cli::try_parse_from(["nir-viewer", "--from", "2020-01-01"]).is_err());
    }

    #[test]
    fn render_requires_files_and_out() {
        assert!(Cli::try_parse_from(["nir-viewer", "render", "--out", "x"]).is_err());
        assert!(Cli::try_parse_from(["nir-viewer", "render", "a.dcm"]).is_err());
        assert!(Cli::try_parse_from(["nir-viewer", "render", "a.dcm", "--out", "x"]).is_ok());
    }
}
