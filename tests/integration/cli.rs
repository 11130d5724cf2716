//! The binary's command line, run as a user would run it: without a display.

use std::process::Command;

fn nir_viewer() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nir-viewer"));
    command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    command
}

#[test]
fn help_lists_the_headless_subcommands_without_a_display() {
    let output = nir_viewer().arg("--help").output().unwrap();
    assert!(output.status.success(), "--help failed: {output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    for subcommand in ["sandbox", "render", "conformance"] {
        assert!(
            text.contains(subcommand),
            "--help does not list {subcommand}:\n{text}"
        );
    }
}

#[test]
fn unknown_subcommand_is_a_clear_error() {
    let output = nir_viewer().arg("explode").output().unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8(output.stderr).unwrap();
    assert!(text.contains("unrecognized subcommand"), "{text}");
}
