//! Lock before the machine sleeps. systemd-logind announces suspend and hibernation on the
//! system bus with the `PrepareForSleep` signal of `org.freedesktop.login1.Manager` (object
//! `/org/freedesktop/login1`), whose one boolean argument is `true` just before the system
//! goes to sleep and `false` after it wakes (org.freedesktop.login1(5)). On `true` the
//! session locks with [`EndReason::Suspended`]. The watch listens on its own connection in a
//! thread of its own; it is independent of the resume check in [`super::session`], which
//! still locks after a sleep where logind is absent or the signal came too late.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::sign_in_state::SignInState;

/// The bus name, object, interface and member of logind's sleep announcement.
pub const LOGIND_NAME: &str = "org.freedesktop.login1";
/// The object that emits [`PREPARE_FOR_SLEEP`].
pub const LOGIND_PATH: &str = "/org/freedesktop/login1";
/// The interface of [`PREPARE_FOR_SLEEP`].
pub const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
/// The signal sent before (`true`) and after (`false`) a sleep.
pub const PREPARE_FOR_SLEEP: &str = "PrepareForSleep";

/// How long one wait for bus traffic lasts before the watch checks whether to stop.
#[cfg(target_os = "linux")]
const POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// Why the sleep signal cannot be watched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SleepWatchError {
    /// The bus could not be reached or refused the subscription.
    #[error("the D-Bus system bus cannot be used: {0}")]
    Bus(String),
    /// This platform has no logind.
    #[error("sleep announcements are not available on this platform")]
    Unsupported,
}

/// A running sleep watch; stops when dropped.
#[derive(Debug)]
pub struct SleepWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SleepWatch {
    /// Watches the system bus for logind's announcement and locks `session` on it.
    pub fn start_system(session: &Arc<SignInState>) -> Result<Self, SleepWatchError> {
        #[cfg(target_os = "linux")]
        {
            let connection = dbus::blocking::Connection::new_system()
                .map_err(|e| SleepWatchError::Bus(bus_error(&e)))?;
            Self::start_on(connection, session)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = session;
            Err(SleepWatchError::Unsupported)
        }
    }

    /// Watches the bus at `address` (a private bus in tests).
    #[cfg(target_os = "linux")]
    pub fn start_at(address: &str, session: &Arc<SignInState>) -> Result<Self, SleepWatchError> {
        let connection = dbus::blocking::Connection::new_address(address)
            .map_err(|e| SleepWatchError::Bus(bus_error(&e)))?;
        Self::start_on(connection, session)
    }

    #[cfg(target_os = "linux")]
    fn start_on(
        connection: dbus::blocking::Connection,
        session: &Arc<SignInState>,
    ) -> Result<Self, SleepWatchError> {
        use super::sign_in_state::EndReason;
        use dbus::message::MatchRule;
        use std::sync::Weak;

        let rule = MatchRule::new_signal(LOGIND_MANAGER, PREPARE_FOR_SLEEP)
            .with_sender(LOGIND_NAME)
            .with_path(LOGIND_PATH);
        let target: Weak<SignInState> = Arc::downgrade(session);
        connection
            .add_match(rule, move |(starting,): (bool,), _, _| {
                if starting {
                    if let Some(session) = target.upgrade() {
                        if session.lock(EndReason::Suspended) {
                            tracing::info!("the machine is going to sleep: locked");
                        }
                    }
                }
                true
            })
            .map_err(|e| SleepWatchError::Bus(bus_error(&e)))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("nir-sleep-watch".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    if let Err(error) = connection.process(POLL) {
                        tracing::warn!(
                            "the sleep watch lost the system bus ({}); a resume is still \
                             noticed by the clocks",
                            bus_error(&error)
                        );
                        return;
                    }
                }
            })
            .map_err(|e| SleepWatchError::Bus(e.to_string()))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Whether the watch is still listening.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

#[cfg(target_os = "linux")]
fn bus_error(error: &dbus::Error) -> String {
    error
        .name()
        .or(error.message())
        .unwrap_or("unknown error")
        .chars()
        .take(200)
        .collect()
}

impl Drop for SleepWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _finished = thread.join();
        }
    }
}
