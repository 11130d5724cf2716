//! `nir-viewer sandbox`: starts the sandbox on a loopback address, prints
//! `sandbox: http://127.0.0.1:PORT` as the first line of standard output, and serves
//! until SIGINT or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use super::{start, SandboxError, SandboxOptions};

/// Runs the subcommand; the exit code says whether it started.
pub fn run(listen: &str, require_auth: bool) -> ExitCode {
    let listen: SocketAddr = match listen.trim().parse() {
        Ok(address) => address,
        Err(_) => return fail(&SandboxError::BadAddress(listen.to_string())),
    };
    if !listen.ip().is_loopback() {
        return fail(&SandboxError::NotLoopback(listen));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("nir-viewer sandbox: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let handle = match start(SandboxOptions {
            listen,
            require_auth,
        })
        .await
        {
            Ok(handle) => handle,
            Err(error) => return fail(&error),
        };
        let mut stdout = std::io::stdout();
        let _ = writeln!(
            stdout,
            "sandbox: {}",
            handle.base_url().as_str().trim_end_matches('/')
        );
        let _ = stdout.flush();
        wait_for_stop_signal().await;
        handle.shutdown().await;
        ExitCode::SUCCESS
    })
}

fn fail(error: &SandboxError) -> ExitCode {
    eprintln!("nir-viewer sandbox: {error}");
    ExitCode::from(2)
}

#[cfg(unix)]
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_stop_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
