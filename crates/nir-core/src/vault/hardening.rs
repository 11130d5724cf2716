//! Process hardening for a viewer of clinical content: no core dumps (which would copy
//! memory to disk), the process marked non-dumpable so other same-user processes cannot
//! attach to it or read its memory, and — on glibc — C-heap blocks overwritten when freed,
//! so what the WebView and GTK libraries copied (IPC answers, strings) does not linger in
//! free memory. Rust's own heap is zeroed by [`super::ZeroOnFree`]; glibc's is set up by
//! starting the viewer once more with malloc tunables in force. The WebView's helper
//! processes get the environment as it was (their content is ended with its window, see
//! [`crate::web_content`]). Best effort: what the OS refuses is reported.

/// What the hardening step achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardeningReport {
    /// The core-file size limit is now zero.
    pub core_dumps_disabled: bool,
    /// The process is marked non-dumpable (Linux).
    pub non_dumpable: bool,
}

/// Disables core dumps and marks the process non-dumpable. Call first thing at start-up.
pub fn harden_process() -> HardeningReport {
    let report = HardeningReport {
        core_dumps_disabled: disable_core_dumps(),
        non_dumpable: mark_non_dumpable(),
    };
    if !report.core_dumps_disabled || !report.non_dumpable {
        tracing::warn!(?report, "process hardening incomplete");
    }
    report
}

/// glibc malloc settings under which every freed block is overwritten: the per-thread
/// cache is off (its frees skip the overwrite) and freed bytes are set to the perturb byte.
pub const SCRUBBING_MALLOC_TUNABLES: &str = "glibc.malloc.tcache_count=0:glibc.malloc.perturb=255";

/// The `GLIBC_TUNABLES` value to run with, given the current one: `None` when the scrubbing
/// settings are already in force, else the current settings with ours added.
pub fn scrubbing_tunables(current: Option<&str>) -> Option<String> {
    match current.filter(|c| !c.is_empty()) {
        Some(current)
            if current
                .split(':')
                .any(|t| t.starts_with("glibc.malloc.perturb=")) =>
        {
            None
        }
        Some(current) => Some(format!("{current}:{SCRUBBING_MALLOC_TUNABLES}")),
        None => Some(SCRUBBING_MALLOC_TUNABLES.to_owned()),
    }
}

/// Carries the caller's own `GLIBC_TUNABLES` (possibly empty) across the restart, so that
/// it can be put back for the processes the viewer starts.
const ORIGINAL_TUNABLES_ENV: &str = "NIR_VIEWER_ORIGINAL_GLIBC_TUNABLES";

/// Carries a launch link across the restart out of the argument vector, which every local
/// user can read (`/proc/PID/cmdline`, `ps`); the environment is readable by the user only.
const LAUNCH_LINK_ENV: &str = "NIR_VIEWER_LAUNCH_LINK";

/// Starts the viewer again under the scrubbing malloc settings, unless they are in force
/// already. The viewer's only arguments are its launch link (or `--nhs`, made into one),
/// so the restarted process gets no arguments and takes `link` from its environment
/// instead: the patient's NHS number does not stay in the world-readable argument vector.
/// Call first thing, before any clinical data is read and before any thread starts.
/// Returns the launch link to act on: when nothing needed doing (after putting the
/// caller's environment back for child processes), or when the restart failed (reported).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn restart_with_scrubbing_malloc(link: Option<String>) -> Option<String> {
    use std::os::unix::process::CommandExt;
    let current = std::env::var("GLIBC_TUNABLES").ok();
    let Some(tunables) = scrubbing_tunables(current.as_deref()) else {
        let mut link = link;
        if let Some(original) = std::env::var_os(ORIGINAL_TUNABLES_ENV) {
            std::env::remove_var(ORIGINAL_TUNABLES_ENV);
            if original.is_empty() {
                std::env::remove_var("GLIBC_TUNABLES");
            } else {
                std::env::set_var("GLIBC_TUNABLES", original);
            }
            if let Ok(carried) = std::env::var(LAUNCH_LINK_ENV) {
                link = link.or(Some(carried));
                overwrite_inherited_env_value(c"NIR_VIEWER_LAUNCH_LINK");
            }
            std::env::remove_var(LAUNCH_LINK_ENV);
        }
        return link;
    };
    // The real path, not /proc/self/exe, so the process keeps its name in process lists.
    let executable = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => {
            tracing::warn!(%error, "freed C-heap memory will not be overwritten");
            return link;
        }
    };
    let program = std::env::args_os().next();
    let mut restart = std::process::Command::new(executable);
    restart
        .arg0(program.unwrap_or_else(|| "nir-viewer".into()))
        .env("GLIBC_TUNABLES", tunables)
        .env(ORIGINAL_TUNABLES_ENV, current.unwrap_or_default())
        .env_remove(LAUNCH_LINK_ENV);
    if let Some(link) = &link {
        restart.env(LAUNCH_LINK_ENV, link);
    }
    let error = restart.exec();
    tracing::warn!(%error, "freed C-heap memory will not be overwritten: the restart failed");
    link
}

/// Overwrites with zeros the value of the inherited environment variable `name` where the
/// kernel put it (the start of the stack, which `/proc/PID/environ` also shows), so that a
/// launch link's NHS number does not stay there once read.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn overwrite_inherited_env_value(name: &std::ffi::CStr) {
    // SAFETY: called at start-up before any other thread exists, so nothing else reads or
    // changes the environment meanwhile; getenv's pointer is to a writable NUL-terminated
    // string of strlen bytes, which stays in place (only its bytes change).
    unsafe {
        let value = libc::getenv(name.as_ptr());
        if !value.is_null() {
            std::ptr::write_bytes(value, 0, libc::strlen(value));
        }
    }
}

/// Other platforms: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn restart_with_scrubbing_malloc(link: Option<String>) -> Option<String> {
    link
}

#[cfg(unix)]
fn disable_core_dumps() -> bool {
    let limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the struct we pass for the duration of the call.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &limit) == 0 }
}

#[cfg(not(unix))]
fn disable_core_dumps() -> bool {
    false
}

#[cfg(target_os = "linux")]
fn mark_non_dumpable() -> bool {
    // SAFETY: PR_SET_DUMPABLE takes plain integer arguments.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn mark_non_dumpable() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_tunables_are_added_once_and_keep_what_was_set() {
        assert_eq!(
            scrubbing_tunables(None).as_deref(),
            Some(SCRUBBING_MALLOC_TUNABLES)
        );
        assert_eq!(
            scrubbing_tunables(Some("")).as_deref(),
            Some(SCRUBBING_MALLOC_TUNABLES)
        );
        assert_eq!(
            scrubbing_tunables(Some("glibc.malloc.arena_max=2")),
            Some(format!(
                "glibc.malloc.arena_max=2:{SCRUBBING_MALLOC_TUNABLES}"
            ))
        );
        assert_eq!(scrubbing_tunables(Some(SCRUBBING_MALLOC_TUNABLES)), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn hardening_disables_core_dumps_and_dumpability() {
        // nextest runs each test in its own process, so this changes no other test.
        let report = harden_process();
        assert!(report.core_dumps_disabled);
        assert!(report.non_dumpable);
        let mut limit = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit writes into the struct we own.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
        assert_eq!(limit.rlim_cur, 0);
        // SAFETY: PR_GET_DUMPABLE takes no pointer.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) }, 0);
    }
}
