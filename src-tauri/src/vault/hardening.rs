//! Process hardening for a viewer of clinical content: no core dumps (which would copy
//! memory to disk), and the process marked non-dumpable so other same-user processes
//! cannot attach to it or read its memory. Best effort: what the OS refuses is reported.

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
