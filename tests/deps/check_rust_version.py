#!/usr/bin/env python3
"""The workspace's declared `rust-version` must be at least what every locked dependency
declares (its own `rust-version`), so the minimum Rust the project states is one that can
really build it. Reads `cargo metadata` (which fetches the locked packages if needed) and
fails, naming the dependencies, when one needs a newer Rust than the workspace says."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def declared():
    manifest = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    match = re.search(r'^rust-version\s*=\s*"([^"]+)"', manifest, re.MULTILINE)
    if not match:
        sys.exit("Cargo.toml declares no workspace rust-version")
    return match.group(1)


def needed_by_dependencies():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    packages = json.loads(out)["packages"]
    return [
        (package["rust_version"], package["name"], package["version"])
        for package in packages
        if package.get("rust_version") and package.get("source")
    ]


def main():
    workspace = declared()
    too_new = [
        entry for entry in needed_by_dependencies() if version(entry[0]) > version(workspace)
    ]
    if too_new:
        too_new.sort(key=lambda entry: version(entry[0]), reverse=True)
        names = ", ".join(f"{name} {ver} (Rust {rust})" for rust, name, ver in too_new[:10])
        sys.exit(f"rust-version {workspace} is below what dependencies need: {names}")
    print(f"rust-version {workspace} covers every locked dependency")


if __name__ == "__main__":
    main()
