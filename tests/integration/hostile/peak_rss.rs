//! Runs the real `nir-viewer` binary as a child and measures its peak resident set: the
//! child is reaped with `wait4`, whose `rusage` reports that child's own `ru_maxrss` (in
//! KiB on Linux, getrusage(2)), so tests running side by side do not mix their numbers.
//! The child is killed if it outlives the deadline.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished child left behind.
pub struct Finished {
    pub exit_code: Option<i32>,
    /// Terminated by this signal (e.g. 9 when the deadline passed or memory ran out).
    pub signal: Option<i32>,
    pub peak_rss_bytes: u64,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn peak_mib(&self) -> u64 {
        self.peak_rss_bytes >> 20
    }
}

/// Runs `command` to its end (or `deadline`) and measures it.
// The child is reaped by `wait4` below (which is how its rusage is read); a later
// `Child::wait` could only reap an unrelated process that reused the pid.
#[allow(clippy::zombie_processes)]
pub fn run_measured(mut command: Command, deadline: Duration) -> Finished {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; zeroed is a valid value for it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our own unreaped child; `status` and `usage` are valid for writes.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        assert!(reaped == 0, "wait4 failed");
        if !killed && started.elapsed() > deadline {
            // SAFETY: signalling our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Finished {
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}
