//! The client key in a real Secret Service: `nir-viewer keys generate|show|delete` run
//! inside a private D-Bus session with an unlocked gnome-keyring whose files live in the
//! test's own temporary home (deleted afterwards), so the real keyring backend stores,
//! loads and deletes the key.

use std::process::Command;

#[cfg(target_os = "linux")]
#[test]
fn keys_subcommand_stores_shows_and_deletes_in_the_secret_service() {
    let home = std::env::temp_dir().join(format!("nir-keyring-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    let script = r#"
        set -e
        printf 'nir-viewer-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        "$NIR_BIN" keys generate > "$HOME/generated.json"
        "$NIR_BIN" keys show > "$HOME/shown.json"
        "$NIR_BIN" keys generate > /dev/null 2>&1 && exit 3
        "$NIR_BIN" keys delete > "$HOME/deleted.txt"
        "$NIR_BIN" keys show > /dev/null 2>&1 && exit 4
        exit 0
    "#;
    let output = Command::new("timeout")
        .args(["120", "dbus-run-session", "--", "sh", "-c", script])
        .env("NIR_BIN", env!("CARGO_BIN_EXE_nir-viewer"))
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", &home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("dbus-run-session and gnome-keyring-daemon are installed (make deps-test)");
    let read = |name: &str| std::fs::read_to_string(home.join(name)).unwrap_or_default();
    let (generated, shown, deleted) = (
        read("generated.json"),
        read("shown.json"),
        read("deleted.txt"),
    );
    let stored_on_disk = home.join("data/keyrings").is_dir();
    std::fs::remove_dir_all(&home).unwrap();
    assert!(
        output.status.success(),
        "keyring session failed: {output:?}"
    );
    let jwk: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["alg"], "RS512");
    assert!(jwk.get("d").is_none());
    assert_eq!(generated, shown, "show prints the key that generate stored");
    assert_eq!(deleted.trim(), "client key deleted");
    assert!(
        stored_on_disk,
        "the keyring daemon, not the viewer, kept the secret"
    );
}
