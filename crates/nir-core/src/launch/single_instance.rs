//! One viewer per user (Unix): the first instance listens on a Unix socket in a directory
//! only its user can enter; a second launch connects, hands over its link (one line,
//! bounded) and exits. Links carry NHS numbers and signed context, so nothing is trusted by
//! path alone: the directory (`$XDG_RUNTIME_DIR/nir-viewer-<uid>`, or the same name in the
//! temporary directory when there is no runtime directory) must be a real directory, owned
//! by this user and closed to everyone else (mode 0700), and the socket must be owned by
//! this user with mode 0600, both checked before connecting; then each side checks the
//! other's kernel-reported credentials (`SO_PEERCRED` on Linux, `getpeereid` elsewhere):
//! the connecting launch sends only to a listener of its own user, and the listener reads
//! only from peers of its own user. The listener keeps accepting after an error, waiting a
//! little longer each time (up to a bound). The running window validates the link like any
//! other and asks before opening a patient.

use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::{InstanceRole, LaunchError};

/// Longest link accepted over the socket.
const MAX_LINK_BYTES: usize = 4096;
/// How long a connecting instance may take to send its link.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// First wait after a failed `accept`; it doubles on each further failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);
/// Longest wait between failed `accept`s.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Receives links from later launches of the same user.
#[derive(Debug)]
pub struct LaunchListener {
    listener: UnixListener,
    path: PathBuf,
    uid: u32,
}

/// The socket path: under `$XDG_RUNTIME_DIR` when it names an absolute directory, otherwise
/// under the temporary directory (where [`hand_off_or_listen`] accepts the directory only if
/// it is this user's own and private).
pub fn default_socket_path() -> PathBuf {
    socket_path_for(
        std::env::var_os("XDG_RUNTIME_DIR"),
        &std::env::temp_dir(),
        effective_uid(),
    )
}

fn socket_path_for(runtime: Option<OsString>, temp: &Path, uid: u32) -> PathBuf {
    let base = runtime
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(|| temp.to_path_buf());
    base.join(format!("nir-viewer-{uid}")).join("instance.sock")
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn refused(why: impl Into<String>) -> LaunchError {
    LaunchError::HandOff(why.into())
}

fn io_error(e: io::Error) -> LaunchError {
    LaunchError::HandOff(e.to_string())
}

/// Hands `link` to a running viewer of this user, or becomes the viewer that listens for
/// later links. Refused (and the caller goes on without hand-off) when the directory or
/// socket is not private to this user or the listener belongs to someone else.
pub async fn hand_off_or_listen(
    socket: &Path,
    link: Option<&str>,
) -> Result<InstanceRole, LaunchError> {
    hand_off_or_listen_as(socket, link, effective_uid()).await
}

async fn hand_off_or_listen_as(
    socket: &Path,
    link: Option<&str>,
    uid: u32,
) -> Result<InstanceRole, LaunchError> {
    let dir = socket
        .parent()
        .ok_or_else(|| refused("the socket path has no directory"))?;
    ensure_private_dir(dir, uid)?;
    if socket_is_ours(socket, uid)? {
        if let Ok(stream) = UnixStream::connect(socket).await {
            send_link(stream, link.unwrap_or(""), uid).await?;
            return Ok(InstanceRole::HandedOff);
        }
    }
    // Nobody answered: whatever is left at that path in our private directory is stale.
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(e)),
    }
    let listener = UnixListener::bind(socket).map_err(io_error)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600)).map_err(io_error)?;
    Ok(InstanceRole::Primary(LaunchListener {
        listener,
        path: socket.to_path_buf(),
        uid,
    }))
}

/// Creates `dir` (its parent must exist) with mode 0700, or accepts an existing one only
/// when it is a real directory (not a link), owned by `uid`, with no access for others.
fn ensure_private_dir(dir: &Path, uid: u32) -> Result<(), LaunchError> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(e)),
    }
    let metadata = std::fs::symlink_metadata(dir).map_err(io_error)?;
    if !metadata.file_type().is_dir() {
        return Err(refused("the instance directory is not a directory"));
    }
    if metadata.uid() != uid {
        return Err(refused("the instance directory belongs to another user"));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refused("the instance directory is open to other users"));
    }
    Ok(())
}

/// Whether a socket of this user is at `socket` (`false` when nothing or a stale non-socket
/// is there). A socket of another user, or one others may use, is refused.
fn socket_is_ours(socket: &Path, uid: u32) -> Result<bool, LaunchError> {
    let metadata = match std::fs::symlink_metadata(socket) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(e)),
    };
    if !metadata.file_type().is_socket() {
        return Ok(false);
    }
    if metadata.uid() != uid {
        return Err(refused("the instance socket belongs to another user"));
    }
    if metadata.mode() & 0o077 != 0 {
        return Err(refused("the instance socket is open to other users"));
    }
    Ok(true)
}

/// Sends the link, once the listener has proved to run as `uid`.
async fn send_link(mut stream: UnixStream, link: &str, uid: u32) -> Result<(), LaunchError> {
    let peer = stream.peer_cred().map_err(io_error)?;
    if peer.uid() != uid {
        return Err(refused("the running viewer belongs to another user"));
    }
    let line = link.replace(['\n', '\r'], "");
    stream.write_all(line.as_bytes()).await.map_err(io_error)?;
    stream.write_all(b"\n").await.map_err(io_error)?;
    stream.shutdown().await.map_err(io_error)
}

/// Where connections come from (the socket, or a test's scripted sequence).
trait Acceptor {
    fn accept_stream(&self) -> impl Future<Output = io::Result<UnixStream>> + Send;
}

impl Acceptor for UnixListener {
    async fn accept_stream(&self) -> io::Result<UnixStream> {
        self.accept().await.map(|(stream, _)| stream)
    }
}

impl LaunchListener {
    /// The next link handed over by a later launch of this user (an empty string means
    /// "just focus"). Connections from other users, and those that send nothing in time or
    /// too much, are dropped; a failed `accept` is retried after a bounded wait.
    pub async fn next_link(&self) -> Option<String> {
        Some(next_link_from(&self.listener, self.uid).await)
    }
}

async fn next_link_from<A: Acceptor>(acceptor: &A, uid: u32) -> String {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let stream = match acceptor.accept_stream().await {
            Ok(stream) => {
                backoff = FIRST_BACKOFF;
                stream
            }
            Err(error) => {
                tracing::warn!(%error, "accepting a hand-off failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        match stream.peer_cred() {
            Ok(peer) if peer.uid() == uid => {}
            _ => {
                tracing::warn!("ignored a hand-off from another user");
                continue;
            }
        }
        let mut reader = BufReader::new(stream).take(MAX_LINK_BYTES as u64 + 1);
        let mut line = String::new();
        match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
            Ok(Ok(n)) if n <= MAX_LINK_BYTES => return line.trim_end().to_owned(),
            _ => tracing::warn!("ignored an over-long or silent hand-off"),
        }
    }
}

impl Drop for LaunchListener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[path = "single_instance_tests.rs"]
mod tests;
