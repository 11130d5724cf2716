//! Tells the page when the sign-in session locks or ends, so that it shows the lock screen
//! at once instead of asking every few seconds. The lock/sign-out wipe announces each end
//! on a channel; a task forwards it to every window as the `session-changed` event, and
//! the page then reads the state (the event carries nothing itself).

use tauri::{Emitter, Runtime};
use tokio::sync::broadcast;

use nir_core::auth::sign_in_state::EndReason;

/// The event the page listens for.
pub const SESSION_CHANGED: &str = "session-changed";

/// How many ends may wait unread before the oldest are dropped (only "something changed"
/// matters, so losing some is harmless).
const PENDING_ENDS: usize = 8;

/// The channel the wipe announces session ends on.
#[derive(Debug, Clone)]
pub struct SessionEnds(broadcast::Sender<EndReason>);

impl Default for SessionEnds {
    fn default() -> Self {
        Self(broadcast::channel(PENDING_ENDS).0)
    }
}

impl SessionEnds {
    /// Announces that the session ended (nobody listening is not an error).
    pub fn announce(&self, reason: EndReason) {
        let _ = self.0.send(reason);
    }

    /// Waits for announcements.
    pub fn subscribe(&self) -> broadcast::Receiver<EndReason> {
        self.0.subscribe()
    }
}

/// Forwards every session end to the page for as long as the viewer runs.
pub fn forward_to_page<R: Runtime>(handle: tauri::AppHandle<R>, ends: &SessionEnds) {
    let mut ends = ends.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match ends.recv().await {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = handle.emit(SESSION_CHANGED, ());
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_announced_end_reaches_a_subscriber() {
        let ends = SessionEnds::default();
        let mut heard = ends.subscribe();
        ends.announce(EndReason::Idle);
        assert_eq!(heard.recv().await.unwrap(), EndReason::Idle);
    }
}
