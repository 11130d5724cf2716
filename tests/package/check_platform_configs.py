#!/usr/bin/env python3
"""Checks the Windows and macOS packaging configuration, which cannot be built here.

Neither an MSI nor an app bundle can be made on Linux, so this reads what the bundler would
read on those platforms and checks that it agrees with itself and with the viewer: the WiX
fragment is well-formed, defines the components tauri.conf.json references, registers the
nir-viewer:// protocol per machine and installs the default configuration where the viewer
looks for it; the Info.plist declares the same scheme; the files they name exist.

    tests/package/check_platform_configs.py        (from the repository root)
"""

import json
import plistlib
import re
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAURI_DIR = ROOT / "src-tauri"
# Where the managed configuration path is declared (the domain crate's config module).
CONFIG_SOURCE = ROOT / "crates/nir-core/src/config/mod.rs"
WIX = "{http://schemas.microsoft.com/wix/2006/wi}"
SCHEME = "nir-viewer"

failures = []


def check(what, ok):
    print(f"  {'ok  ' if ok else 'FAIL'}  {what}")
    if not ok:
        failures.append(what)


def managed_config_path(os_name):
    """The path config/mod.rs gives MANAGED_CONFIG_PATH for target_os = os_name."""
    source = CONFIG_SOURCE.read_text()
    match = re.search(
        r'#\[cfg\(target_os = "' + os_name + r'"\)\]\s*pub const MANAGED_CONFIG_PATH: &str = '
        r'r?"([^"]*)";',
        source,
    )
    return match.group(1) if match else None


def check_windows(bundle):
    print("Windows (WiX)")
    wix = bundle.get("windows", {}).get("wix", {})
    fragments = [(TAURI_DIR / p).resolve() for p in wix.get("fragmentPaths", [])]
    check("tauri.conf.json names a WiX fragment", bool(fragments))
    components = {}
    for fragment in fragments:
        check(f"{fragment.relative_to(ROOT)} exists", fragment.is_file())
        if not fragment.is_file():
            continue
        try:
            tree = ET.parse(fragment)
        except ET.ParseError as error:
            check(f"{fragment.name} is well-formed XML ({error})", False)
            continue
        for component in tree.iter(WIX + "Component"):
            components[component.get("Id")] = (fragment, component, tree.getroot())
    for ref in wix.get("componentRefs", []):
        check(f"componentRefs {ref} is defined in a fragment", ref in components)
    for fragment, component, _ in components.values():
        guid = component.get("Guid", "")
        try:
            valid = str(uuid.UUID(guid)).upper() == guid.upper()
        except ValueError:
            valid = False
        check(f"component {component.get('Id')} has a fixed GUID", valid)

    keys = {}
    for _, component, _ in components.values():
        for key in component.iter(WIX + "RegistryKey"):
            if key.get("Root") == "HKLM":
                keys[key.get("Key")] = key
    protocol = keys.get(rf"Software\Classes\{SCHEME}")
    check(rf"HKLM\Software\Classes\{SCHEME} is registered (per machine)", protocol is not None)
    if protocol is not None:
        values = {v.get("Name"): v.get("Value") for v in protocol.findall(WIX + "RegistryValue")}
        check("it carries the 'URL Protocol' value", "URL Protocol" in values)
        subkeys = {k.get("Key"): k for k in protocol.findall(WIX + "RegistryKey")}
        command = subkeys.get(r"shell\open\command")
        value = command.find(WIX + "RegistryValue").get("Value") if command is not None else None
        check(
            rf'shell\open\command is "[INSTALLDIR]{SCHEME}.exe" "%1"',
            value == f'"[INSTALLDIR]{SCHEME}.exe" "%1"',
        )
        check("it has a DefaultIcon", "DefaultIcon" in subkeys)

    config = None
    for fragment, component, root in components.values():
        for file in component.iter(WIX + "File"):
            if file.get("Name") == "config.toml":
                config = (fragment, component, root, file)
    check("the default config.toml is installed", config is not None)
    if config is not None:
        fragment, component, root, file = config
        source = file.get("Source").replace("$(sys.SOURCEFILEDIR)", str(fragment.parent) + "/")
        source = Path(source.replace("\\", "/")).resolve()
        check("its source is packaging/config.toml", source == ROOT / "packaging/config.toml")
        check("an existing file is never overwritten", component.get("NeverOverwrite") == "yes")
        parents = [d.get("Name") or d.get("Id") for d in fragment_parent_dirs(root, component)]
        installed = "\\".join(parents + ["config.toml"])
        expected = managed_config_path("windows")
        check(
            f"it lands where the viewer looks ({installed} = {expected})",
            expected is not None
            and installed == expected.replace("C:\\ProgramData", "CommonAppDataFolder"),
        )


def fragment_parent_dirs(root, target):
    """The Directory elements enclosing target, outermost first."""
    path = []

    def walk(node):
        if node is target:
            return True
        for child in node:
            if child.tag == WIX + "Directory":
                path.append(child)
            if walk(child):
                return True
            if child.tag == WIX + "Directory":
                path.pop()
        return False

    walk(root)
    return path


def check_macos(bundle):
    print("macOS (app bundle)")
    macos = bundle.get("macOS", {})
    plist_path = (TAURI_DIR / macos.get("infoPlist", "Info.plist")).resolve()
    check(f"{plist_path.relative_to(ROOT)} exists", plist_path.is_file())
    if plist_path.is_file():
        try:
            plist = plistlib.loads(plist_path.read_bytes())
        except Exception as error:  # plistlib raises several kinds
            check(f"Info.plist parses ({error})", False)
            plist = {}
        schemes = [s for t in plist.get("CFBundleURLTypes", []) for s in t.get("CFBundleURLSchemes", [])]
        check(f"CFBundleURLTypes declares {SCHEME}", SCHEME in schemes)
    for dest, source in macos.get("files", {}).items():
        check(f"bundle file {dest} has a source", (TAURI_DIR / source).is_file())
    icns = [TAURI_DIR / i for i in bundle.get("icon", []) if i.endswith(".icns")]
    check("an .icns icon is listed", bool(icns))
    for icon in icns:
        check(f"{icon.name} is an icns file", icon.is_file() and icon.read_bytes()[:4] == b"icns")
    check(
        "the viewer's macOS config path is /Library/Application Support/nir-viewer/config.toml",
        managed_config_path("macos") == "/Library/Application Support/nir-viewer/config.toml",
    )


def check_linux(bundle):
    print("Linux (deb)")
    deb = bundle.get("linux", {}).get("deb", {})
    template = TAURI_DIR / deb.get("desktopTemplate", "")
    check("the desktop template exists", template.is_file())
    if template.is_file():
        text = template.read_text()
        check(f"it declares MimeType=x-scheme-handler/{SCHEME};",
              f"\nMimeType=x-scheme-handler/{SCHEME};\n" in text)
        check("it passes the link on (Exec=... %u)", re.search(r"^Exec=\S+ %u$", text, re.M) is not None)
    linux_path = re.search(r'pub const MANAGED_CONFIG_PATH: &str = "(/etc/[^"]*)";',
                           CONFIG_SOURCE.read_text())
    check("the default config is installed where the viewer looks on Linux",
          linux_path is not None and linux_path.group(1) in deb.get("files", {}))


def main():
    config = json.loads((TAURI_DIR / "tauri.conf.json").read_text())
    bundle = config["bundle"]
    check_linux(bundle)
    check_windows(bundle)
    check_macos(bundle)
    if failures:
        print(f"check_platform_configs: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("check_platform_configs: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
