//! The `nir-viewer sandbox` binary, started as a child process and walked by a plain
//! Python client (standard library plus pydicom); also its refusal of other addresses.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_nir-viewer")
}

fn python_with_pydicom() -> bool {
    Command::new("python3")
        .args(["-c", "import pydicom"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Kills the child when the test ends, whatever happens.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn python_client_walks_the_sandbox_binary() {
    if !python_with_pydicom() {
        eprintln!("SKIPPED python_client_walks_the_sandbox_binary: python3 with pydicom is not installed (make deps-test installs it)");
        return;
    }
    let mut child = Child(
        Command::new(binary())
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("sandbox: ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/sandbox_walk.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "walk failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("walk ok"));
}

#[test]
fn sandbox_binary_refuses_non_loopback_addresses() {
    let output = Command::new(binary())
        .args(["sandbox", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
    assert!(output.stdout.is_empty());
}
