//! One viewer per user is built on Unix sockets and their peer credentials; on other
//! platforms it is not available: every launch starts its own viewer (the caller reports
//! the refusal and carries on without hand-off).

use std::path::{Path, PathBuf};

use super::{InstanceRole, LaunchError};

/// Never created on this platform.
#[derive(Debug)]
pub struct LaunchListener {
    _never: (),
}

impl LaunchListener {
    /// No links arrive on this platform.
    pub async fn next_link(&self) -> Option<String> {
        None
    }
}

/// A path for symmetry with Unix; nothing is created there.
pub fn default_socket_path() -> PathBuf {
    std::env::temp_dir()
        .join("nir-viewer")
        .join("instance.sock")
}

/// Always refused: single instance is not available on this platform.
pub async fn hand_off_or_listen(
    _socket: &Path,
    _link: Option<&str>,
) -> Result<InstanceRole, LaunchError> {
    Err(LaunchError::HandOff(
        "single instance is not available on this platform".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_launch_is_refused_hand_off_with_a_reason() {
        let socket = default_socket_path();
        for link in [None, Some("nir-viewer://open?nhs=9434765919")] {
            match hand_off_or_listen(&socket, link).await {
                Err(LaunchError::HandOff(why)) => assert!(why.contains("not available")),
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    }
}
