//! The page is a trust boundary too: whatever runs in the WebView — including a PDF or SR
//! from a provider that pdf.js or the SR renderer parses — can only ask the Rust side for
//! what the window's capability grants. These tests read the shipped configuration
//! (`src-tauri/tauri.conf.json`, `src-tauri/capabilities/main.json`), the command list of
//! `src-tauri/src/commands/mod.rs` and the permission set `build.rs` generates from it, and
//! fail when the content security policy loosens or the window is granted more than the
//! app's own commands.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The commands the viewer window registers (`generate_handler![…]` in `commands::handler`).
fn registered_commands() -> BTreeSet<String> {
    let app = read("src/commands/mod.rs");
    let start = app
        .find("generate_handler![")
        .expect("commands::handler registers the commands");
    let list = &app[start..app[start..].find(']').map_or(app.len(), |end| start + end)];
    list.split([',', '['])
        .filter_map(|entry| entry.trim().rsplit("::").next())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|name| format!("allow-{}", name.replace('_', "-")))
        .collect()
}

#[test]
fn the_content_security_policy_allows_only_the_app_itself() {
    let config = json("tauri.conf.json");
    let security = &config["app"]["security"];
    let csp = security["csp"].as_object().expect("a CSP is set");
    for (directive, value) in csp {
        let value = value.as_str().unwrap_or_default();
        for forbidden in ["'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"] {
            assert!(
                !value.split_whitespace().any(|source| source == forbidden),
                "{directive} allows {forbidden}"
            );
        }
    }
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(csp["base-uri"], "'none'");
    assert_eq!(csp["form-action"], "'none'");
    // The page may talk only to itself, the IPC bridge and the in-memory pixel scheme.
    let connect: BTreeSet<&str> = csp["connect-src"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    let allowed: BTreeSet<&str> = [
        "'self'",
        "ipc:",
        "http://ipc.localhost",
        "nirpx:",
        "http://nirpx.localhost",
    ]
    .into();
    assert!(connect.is_subset(&allowed), "{connect:?}");
    assert_eq!(config["app"]["withGlobalTauri"], false);
    assert_eq!(security["freezePrototype"], true);
}

/// The permissions of the `app-commands` set that `build.rs` generated for this build.
fn generated_command_set() -> BTreeSet<String> {
    let path = Path::new(env!("OUT_DIR")).join("app-permissions/app-commands.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let start = text
        .find("permissions = [")
        .expect("the set lists permissions");
    text[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with(']'))
        .map(|line| {
            line.trim()
                .trim_end_matches(',')
                .trim_matches('"')
                .to_owned()
        })
        .collect()
}

#[test]
fn the_window_may_call_the_apps_own_commands_and_nothing_else() {
    let capability = json("capabilities/main.json");
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .map(|p| p.as_str().expect("plain permission names").to_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "core:event:allow-listen",
        "core:event:allow-unlisten",
        "app-commands",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        granted, expected,
        "the capability must grant the app's command set and event listening, nothing else"
    );
    let commands = registered_commands();
    assert!(
        commands.len() >= 10,
        "the command list was not read: {commands:?}"
    );
    assert_eq!(
        generated_command_set(),
        commands,
        "the generated set must allow exactly the registered commands"
    );
}
