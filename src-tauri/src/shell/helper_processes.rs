//! The WebView's helper processes (WebKit's web content and network processes) are the
//! viewer's descendants and can outlive its exit path by a moment: the network process
//! writes its per-origin storage files when it winds down, which can be after the viewer
//! has removed its private directory, leaving files behind. So at exit, before that
//! directory is removed, every descendant whose name starts with `WebKit` is ended (SIGKILL:
//! the viewer is exiting and nothing they hold is wanted) and the viewer waits, briefly and
//! with a bound, until none can still write. Nothing else is touched: a browser the viewer
//! opened for sign-in is the user's. Linux only: the process tree is read from `/proc`.
//! Elsewhere nothing is ended (WebView2 and WKWebView helpers are not WebKitGTK's and are
//! not looked for): [`end_helper_processes`] reports none, and a file a late helper writes
//! after the directory is gone is reported by the directory's removal.

// The process table is read on Linux only; elsewhere its parsing is compiled for the tests.
#![cfg_attr(
    not(target_os = "linux"),
    allow(
        dead_code,
        unused_imports,
        reason = "the process table is read on Linux only"
    )
)]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Longest the exit path waits for ended helpers to be gone.
const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// One process as `/proc/PID/stat` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Process {
    pid: u32,
    ppid: u32,
    state: char,
    name: String,
}

/// Every process in `/proc` that can be read.
#[cfg(target_os = "linux")]
fn processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            parse_stat(&stat).map(|(name, ppid, state)| Process {
                pid,
                ppid,
                state,
                name,
            })
        })
        .collect()
}

/// Command name, parent pid and state from a `/proc/PID/stat` line; the name (field 2) is in
/// parentheses and may itself hold spaces and parentheses, so fields are counted from the
/// last `)`.
fn parse_stat(stat: &str) -> Option<(String, u32, char)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    let mut fields = stat[close + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((name, ppid, state))
}

/// The descendants of `root` among `processes` that are WebKit helpers and have not yet
/// exited (zombies, which can no longer write, are left out).
fn live_webkit_descendants(root: u32, processes: &[Process]) -> HashSet<u32> {
    let mut children: HashMap<u32, Vec<&Process>> = HashMap::new();
    for process in processes {
        children.entry(process.ppid).or_default().push(process);
    }
    let mut found = HashSet::new();
    let mut seen = HashSet::from([root]);
    let mut queue = vec![root];
    while let Some(parent) = queue.pop() {
        for process in children.get(&parent).into_iter().flatten() {
            if seen.len() > 4096 || !seen.insert(process.pid) {
                continue;
            }
            queue.push(process.pid);
            let live = process.state != 'Z' && process.state != 'X';
            if live && process.name.starts_with("WebKit") {
                found.insert(process.pid);
            }
        }
    }
    found
}

/// Ends every helper process the viewer started and waits (at most two seconds) until none
/// is left running; returns how many were ended.
pub fn end_helper_processes() -> usize {
    end_descendants(std::process::id())
}

/// Ends every live descendant of `root` and waits (bounded) until none is left running.
#[cfg(target_os = "linux")]
fn end_descendants(root: u32) -> usize {
    let helpers = live_webkit_descendants(root, &processes());
    for pid in &helpers {
        if let Ok(pid) = i32::try_from(*pid) {
            // SAFETY: kill(2) with a pid read from /proc and a constant signal number.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    let started = Instant::now();
    while !live_webkit_descendants(root, &processes()).is_empty()
        && started.elapsed() < LONGEST_WAIT
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    helpers.len()
}

/// No WebKitGTK helpers outside Linux: nothing to end.
#[cfg(not(target_os = "linux"))]
fn end_descendants(_root: u32) -> usize {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_parent_and_state_even_with_parentheses_in_the_name() {
        assert_eq!(
            parse_stat("42 (WebKitWebProcess) S 7 42 42 0"),
            Some(("WebKitWebProcess".into(), 7, 'S'))
        );
        assert_eq!(
            parse_stat("43 (a (b) c) Z 9 1"),
            Some(("a (b) c".into(), 9, 'Z'))
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    fn process(pid: u32, ppid: u32, state: char, name: &str) -> Process {
        Process {
            pid,
            ppid,
            state,
            name: name.into(),
        }
    }

    #[test]
    fn finds_webkit_helpers_below_the_viewer_only() {
        let table = [
            process(11, 10, 'S', "WebKitNetworkProcess"),
            process(12, 10, 'S', "bwrap"),
            process(13, 12, 'R', "WebKitWebProcess"),
            process(14, 10, 'Z', "WebKitWebProcess"),
            process(15, 10, 'S', "firefox-esr"),
            process(20, 1, 'S', "WebKitWebProcess"),
        ];
        assert_eq!(live_webkit_descendants(10, &table), HashSet::from([11, 13]));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ends_a_webkit_named_grandchild_and_leaves_other_processes() {
        // A shell standing in for the viewer, with a helper named like WebKit's and another
        // process that must be left alone (as a browser opened for sign-in would be).
        let dir = std::env::temp_dir().join(format!("helpers-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let helper = dir.join("WebKitTestHelper");
        std::os::unix::fs::symlink("/bin/sleep", &helper).unwrap();
        let script = format!("'{}' 30 & sleep 3 & wait", helper.display());
        let mut shell = std::process::Command::new("sh")
            .args(["-c", &script])
            .spawn()
            .unwrap();
        let root = shell.id();
        let deadline = Instant::now() + Duration::from_secs(10);
        while live_webkit_descendants(root, &processes()).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            end_descendants(root),
            1,
            "only the WebKit-named helper was ended"
        );
        assert!(live_webkit_descendants(root, &processes()).is_empty());
        // The other child finishes on its own, then the shell.
        assert!(shell.wait().unwrap().success());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
