//! One viewer per user: the first instance listens on a Unix socket in a user-only runtime
//! directory; a second launch connects, hands over its link (one line, bounded) and exits.
//! The running window then validates the link like any other and, for a different patient,
//! asks before wiping the current one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::LaunchError;

/// Longest link accepted over the socket.
const MAX_LINK_BYTES: usize = 4096;
/// How long a connecting instance may take to send its link.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The outcome of trying to become the single instance.
#[derive(Debug)]
pub enum InstanceRole {
    /// Another viewer is running and has the link now; this process should exit.
    HandedOff,
    /// This process is the viewer; links from later launches arrive on the listener.
    Primary(LaunchListener),
}

/// Receives links from later launches.
#[derive(Debug)]
pub struct LaunchListener {
    listener: UnixListener,
    path: PathBuf,
}

/// The socket path under the user's runtime directory.
pub fn default_socket_path() -> PathBuf {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!("nir-viewer-{}", effective_uid()))
        .join("instance.sock")
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Hands `link` to a running viewer, or becomes the viewer that listens for later links.
pub async fn hand_off_or_listen(
    socket: &Path,
    link: Option<&str>,
) -> Result<InstanceRole, LaunchError> {
    let hand_off = |e: std::io::Error| LaunchError::HandOff(e.to_string());
    if let Ok(mut stream) = UnixStream::connect(socket).await {
        let line = link.unwrap_or("").replace(['\n', '\r'], "");
        stream.write_all(line.as_bytes()).await.map_err(hand_off)?;
        stream.write_all(b"\n").await.map_err(hand_off)?;
        stream.shutdown().await.map_err(hand_off)?;
        return Ok(InstanceRole::HandedOff);
    }
    if let Some(dir) = socket.parent() {
        create_private_dir(dir).map_err(hand_off)?;
    }
    // Nobody answered: any socket file left there is stale.
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(hand_off(e)),
    }
    let listener = UnixListener::bind(socket).map_err(hand_off)?;
    set_mode(socket, 0o600).map_err(hand_off)?;
    Ok(InstanceRole::Primary(LaunchListener {
        listener,
        path: socket.to_path_buf(),
    }))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let metadata = std::fs::metadata(dir)?;
    if metadata.uid() != effective_uid() || metadata.mode() & 0o077 != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the runtime directory is not private to this user",
        ));
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

impl LaunchListener {
    /// The next link handed over by a later launch (an empty string means "just focus").
    /// Connections that send nothing in time, or too much, are dropped.
    pub async fn next_link(&self) -> Option<String> {
        loop {
            let (stream, _) = self.listener.accept().await.ok()?;
            let mut reader = BufReader::new(stream).take(MAX_LINK_BYTES as u64 + 1);
            let mut line = String::new();
            match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
                Ok(Ok(n)) if n <= MAX_LINK_BYTES => return Some(line.trim_end().to_owned()),
                _ => tracing::warn!("ignored an over-long or silent hand-off"),
            }
        }
    }
}

use tokio::io::AsyncReadExt as _;

impl Drop for LaunchListener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_socket() -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("nir-viewer-test-{}", uuid::Uuid::new_v4()));
        (dir.join("run").join("instance.sock"), dir)
    }

    #[tokio::test]
    async fn the_second_launch_hands_its_link_to_the_first() {
        let (socket, dir) = temp_socket();
        let InstanceRole::Primary(listener) = hand_off_or_listen(&socket, None).await.unwrap()
        else {
            panic!("first launch must listen");
        };
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(socket.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let link = "nir-viewer://open?nhs=9912003888";
        let second = hand_off_or_listen(&socket, Some(link)).await.unwrap();
        assert!(matches!(second, InstanceRole::HandedOff));
        let received = tokio::time::timeout(Duration::from_secs(5), listener.next_link())
            .await
            .unwrap();
        assert_eq!(received.as_deref(), Some(link));
        drop(listener);
        assert!(
            !socket.exists(),
            "the socket is removed when the viewer exits"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_stale_socket_is_replaced() {
        let (socket, dir) = temp_socket();
        create_private_dir(socket.parent().unwrap()).unwrap();
        std::fs::write(&socket, b"").unwrap();
        let role = hand_off_or_listen(&socket, None).await.unwrap();
        assert!(matches!(role, InstanceRole::Primary(_)));
        drop(role);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
