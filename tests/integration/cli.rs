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
    assert!(
        text.contains("neither a subcommand nor a nir-viewer link"),
        "{text}"
    );
}

#[test]
fn config_check_reports_training_mode_when_there_is_no_configuration() {
    let output = nir_viewer()
        .args(["config", "check", "--file", "/nonexistent/nir-viewer.toml"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("training mode"));
}

/// Runs `config check` on a configuration file holding `contents`, in a directory of its
/// own (`label` keeps parallel tests apart) that is removed before returning.
fn config_check(label: &str, contents: &str) -> std::process::Output {
    let dir =
        std::env::temp_dir().join(format!("nir-viewer-config-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, contents).unwrap();
    let output = nir_viewer()
        .args(["config", "check", "--file"])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    output
}

#[test]
fn config_check_says_where_metrics_go() {
    let check = |label: &str, observability: &str| {
        let output = config_check(
            label,
            &format!(
                "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example/\"\n{observability}"
            ),
        );
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (stdout, _) = check("o1", "");
    assert!(
        stdout.contains("# metrics: diagnostics page only"),
        "{stdout}"
    );
    let (stdout, _) = check(
        "o2",
        "[observability]\notlp_endpoint = \"https://otel.example/v1/metrics\"\nexport_interval_seconds = 30\n",
    );
    assert!(stdout.contains("[observability]"), "{stdout}");
    assert!(
        stdout.contains("# metrics: OTLP/HTTP JSON to otel.example:443 every 30 s and at exit"),
        "{stdout}"
    );
    let (_, stderr) = check(
        "o3",
        "[observability]\notlp_endpoint = \"http://otel.example/v1/metrics\"\n",
    );
    assert!(
        stderr.contains("observability.otlp_endpoint must use https"),
        "{stderr}"
    );
}

#[test]
fn config_check_says_where_audit_events_go() {
    let check = |label: &str, audit: &str| {
        let output = config_check(
            label,
            &format!("[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example/\"\n{audit}"),
        );
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (stdout, _) = check("a1", "");
    assert!(stdout.contains("# audit: NOT SENT ANYWHERE"), "{stdout}");
    let (stdout, _) = check(
        "a2",
        "[audit]\nfhir_endpoint = \"https://audit.example/fhir/\"\n",
    );
    assert!(
        stdout.contains("# audit: FHIR AuditEvent to audit.example:443 every 5 s and at exit"),
        "{stdout}"
    );
    let (stdout, stderr) = check(
        "a3",
        "[audit]\nfhir_endpoint = \"https://audit.example/fhir/\"\nsyslog = \"audit.example:6514\"\n",
    );
    assert!(stdout.contains("# audit: not started"), "{stdout}");
    assert!(stderr.contains("choose one"), "{stderr}");
    let (_, stderr) = check("a4", "[audit]\nsyslog = \"audit.example:6514\"\n");
    assert!(
        stderr.contains("audit.syslog needs audit.syslog_ca_bundle"),
        "{stderr}"
    );
}

#[test]
fn config_check_names_problems_and_masks_secrets() {
    let output = config_check(
        "masks",
        "[nir]\nflavour = \"fhir\"\nbase_url = \"http://nir.example/\"\n\
         [network]\nproxy = \"http://u:hunter2@proxy.example:3128\"\n",
    );
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(stderr.contains("nir.base_url must use https"), "{stderr}");
    assert!(stderr.contains("ods_code"), "{stderr}");
}

#[test]
fn config_check_refuses_unknown_settings() {
    let output = config_check(
        "unknown",
        "[nir]\nflavour = \"fhir\"\nbase_url = \"https://x/\"\nwpad = true\n",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("wpad"));
}
