//! The signals that end the viewer through its one exit path (wipe, audit flush, sandbox
//! stop): SIGTERM, SIGINT and SIGHUP on Unix, Ctrl-C elsewhere. SIGHUP is sent when the
//! controlling terminal or the login session goes away; its default action terminates the
//! process at once (signal(7)), which would skip the wipe, so it is caught like the others.

/// The exit signals, caught from [`ExitSignals::install`] on.
#[derive(Debug)]
pub struct ExitSignals {
    #[cfg(unix)]
    caught: Vec<(&'static str, tokio::signal::unix::Signal)>,
}

impl ExitSignals {
    /// Installs the handlers (inside a Tokio runtime); from now on these signals no longer
    /// end the process by themselves.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                caught: vec![
                    ("SIGTERM", signal(SignalKind::terminate())?),
                    ("SIGINT", signal(SignalKind::interrupt())?),
                    ("SIGHUP", signal(SignalKind::hangup())?),
                ],
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the first exit signal and names it.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let waits = self.caught.iter_mut().map(|(name, signal)| {
                Box::pin(async move {
                    signal.recv().await;
                    *name
                })
            });
            futures_util::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_hangup_takes_the_exit_path() {
        let mut signals = ExitSignals::install().unwrap();
        // SAFETY: raising a signal whose handler was installed above.
        assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        let caught = tokio::time::timeout(Duration::from_secs(30), signals.recv())
            .await
            .unwrap();
        assert_eq!(caught, "SIGHUP");
    }
}
