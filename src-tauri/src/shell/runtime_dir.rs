//! The WebView's private data directory: created 0700 under the user's runtime directory,
//! removed on exit, and — because a killed process cannot clean up after itself — directories
//! left by viewers that are no longer running are swept away at the next start. Whether a
//! viewer still runs is asked of the kernel on Unix; where it cannot be asked (Windows) no
//! other viewer's directory is removed, since one still in use must never go: the clinician
//! sees no difference, and a killed viewer's directory stays until the user's temporary
//! files are cleared.

use std::path::{Path, PathBuf};

const PREFIX: &str = "nir-viewer-";

fn base_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// A fresh directory readable by this user only.
pub fn create_private_dir() -> std::io::Result<PathBuf> {
    let dir = base_dir().join(format!(
        "{PREFIX}{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir)?;
    Ok(dir)
}

/// Removes a private directory and everything in it.
pub fn remove_private_dir(dir: &Path) {
    if let Err(error) = std::fs::remove_dir_all(dir) {
        if error.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(%error, "could not remove the private runtime directory");
        }
    }
}

/// Removes private directories of viewer processes that no longer exist.
pub fn sweep_stale_dirs() -> usize {
    sweep_stale_dirs_in(&base_dir(), |pid| process_exists(pid).unwrap_or(true))
}

/// Whether a process `pid` exists, `None` when that cannot be told. `kill(pid, 0)` sends
/// nothing and fails with `ESRCH` only when there is no such process; `EPERM` means there is
/// one, of another user (kill(2), POSIX.1-2008).
#[cfg(unix)]
fn process_exists(pid: u32) -> Option<bool> {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return Some(false); // larger than any process id
    };
    if pid <= 0 {
        return None; // 0 would ask about the process group
    }
    // SAFETY: signal 0 with a positive pid only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return Some(true);
    }
    Some(std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH))
}

/// No way to ask here without a platform API: unknown.
#[cfg(not(unix))]
fn process_exists(_pid: u32) -> Option<bool> {
    None
}

fn sweep_stale_dirs_in(base: &Path, alive: impl Fn(u32) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        // Only our own pattern: nir-viewer-<pid>-<uuid>.
        let Some((pid, id)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), true) = (pid.parse::<u32>(), uuid::Uuid::parse_str(id).is_ok()) else {
            continue;
        };
        if pid != std::process::id() && !alive(pid) && entry.path().is_dir() {
            remove_private_dir(&entry.path());
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_dir_is_user_only_and_removable() {
        let dir = create_private_dir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        remove_private_dir(&dir);
        assert!(!dir.exists());
    }

    #[cfg(unix)]
    #[test]
    fn tells_a_running_process_from_one_that_has_exited() {
        assert_eq!(process_exists(std::process::id()), Some(true));
        assert_eq!(
            process_exists(1),
            Some(true),
            "exists, even if another user's"
        );
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert_eq!(process_exists(pid), Some(false), "reaped, so gone");
        assert_eq!(process_exists(0), None, "never the process group");
        assert_eq!(process_exists(u32::MAX), Some(false));
    }

    #[test]
    fn sweeps_only_dead_viewers_directories() {
        let base = std::env::temp_dir().join(format!("sweep-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&base).unwrap();
        let dead = base.join(format!("{PREFIX}4000001-{}", uuid::Uuid::new_v4()));
        let alive = base.join(format!("{PREFIX}4000002-{}", uuid::Uuid::new_v4()));
        let other = base.join("nir-viewer-notes");
        for dir in [&dead, &alive, &other] {
            std::fs::create_dir_all(dir.join("WebKit")).unwrap();
        }
        let removed = sweep_stale_dirs_in(&base, |pid| pid == 4_000_002);
        assert_eq!(removed, 1);
        assert!(!dead.exists());
        assert!(alive.exists() && other.exists());
        std::fs::remove_dir_all(base).unwrap();
    }
}
