"""Tests of check_platform_gates.py: it passes Unix-only code behind a gate on the item, the
block, the field, the module declaration (here or further up) or an inner attribute, and
fails, naming the file, line, API and platform, on the same code without one, behind a
run-time `cfg!`, or behind a gate that leaves out only one of the platforms lacking it.
Each test builds a small repository of its own in a temporary directory.

Run: python3 -m unittest discover -s tests/deps
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_platform_gates as checker  # noqa: E402


class Repository:
    """A temporary tree of shipped crates holding `files` (path -> Rust source)."""

    def __init__(self, files: dict[str, str]):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        files = {"crates/nir-core/src/lib.rs": "pub mod present;\n", **files}
        files.setdefault("crates/nir-core/src/present.rs", "pub fn f() {}\n")
        for path, text in files.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as handle:
                handle.write(textwrap.dedent(text))

    def problems(self) -> list[str]:
        return checker.GateIndex(self.root).problems()

    def close(self) -> None:
        self.dir.cleanup()


def problems_for(source: str, **more: str) -> list[str]:
    repo = Repository({"crates/nir-core/src/present.rs": source, **more})
    try:
        return repo.problems()
    finally:
        repo.close()


class PredicateTests(unittest.TestCase):
    def test_which_platforms_a_gate_leaves_out(self):
        cases = {
            "unix": {"windows"},
            "not(windows)": {"windows"},
            "all(test, unix)": {"windows"},
            'target_os = "linux"': {"windows", "macos"},
            'all(target_os = "linux", target_env = "gnu")': {"windows", "macos"},
            'any(target_os = "linux", target_os = "android")': {"windows", "macos"},
            "not(unix)": {"macos"},
            "any(unix, test)": set(),
            "test": set(),
            'feature = "jpegls"': set(),
            "not(test)": set(),
            "windows": {"macos"},
        }
        for predicate, expected in cases.items():
            with self.subTest(predicate=predicate):
                self.assertEqual(checker.excluded_platforms(predicate), expected)


class GatedCodePasses(unittest.TestCase):
    def test_gates_on_items_blocks_fields_and_statements(self):
        source = """\
            //! Gated in every way the check knows. std::os::unix in a comment is no use.
            pub struct Signals {
                #[cfg(unix)]
                caught: Vec<(u8, tokio::signal::unix::Signal)>,
            }

            #[cfg(unix)]
            #[allow(dead_code)]
            fn make_private(builder: &mut std::fs::DirBuilder) {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }

            pub fn create() {
                let mut builder = std::fs::DirBuilder::new();
                #[cfg(not(windows))]
                {
                    use std::os::unix::fs::DirBuilderExt;
                    builder.mode(0o700);
                }
                #[cfg(target_os = "linux")]
                let _alive = std::path::Path::new("/proc/1").exists();
                let _len = unsafe { libc::strlen(c"x".as_ptr()) };
            }

            #[cfg(target_os = "linux")]
            fn bus() -> dbus::blocking::Connection { todo!("{}", "}") }

            #[cfg(all(test, unix))]
            mod tests {
                #[test]
                fn hang_up() {
                    unsafe { libc::raise(libc::SIGHUP) };
                }
            }
            """
        self.assertEqual(problems_for(source), [])

    def test_gates_on_module_declarations_and_inner_attributes(self):
        files = {
            "crates/nir-core/src/present.rs": """\
                #[cfg(unix)]
                mod socket;
                #[cfg(not(unix))]
                #[path = "socket_unavailable.rs"]
                mod socket;
                mod linux;
                """,
            "crates/nir-core/src/present/socket.rs": "mod peer;\nuse std::os::unix::net::UnixStream;\n",
            "crates/nir-core/src/present/socket/peer.rs": "use std::os::unix::fs::MetadataExt;\n",
            "crates/nir-core/src/present/socket_unavailable.rs": "pub fn none() {}\n",
            "crates/nir-core/src/present/linux.rs": '#![cfg(target_os = "linux")]\nconst P: &str = "/proc/self";\n',
        }
        self.assertEqual(problems_for(files.pop("crates/nir-core/src/present.rs"), **files), [])

    def test_files_outside_the_shipped_module_tree_are_not_read(self):
        self.assertEqual(
            problems_for("pub fn f() {}\n", **{"crates/nir-core/src/orphan.rs": "use std::os::unix;\n"}),
            [],
        )


class UngatedCodeFails(unittest.TestCase):
    def test_an_ungated_use_is_named_by_file_line_api_and_platform(self):
        problems = problems_for(
            """\
            /* a block
               comment */
            pub fn end(pid: i32) {
                if !cfg!(target_os = "linux") {
                    return;
                }
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            """
        )
        self.assertEqual(len(problems), 2, problems)
        self.assertTrue(problems[0].startswith("crates/nir-core/src/present.rs:7: libc::kill"))
        self.assertIn("not available on windows", problems[0])
        self.assertIn("libc::SIGKILL", problems[1])

    def test_names_imported_from_libc_in_a_group_are_checked_one_by_one(self):
        problems = problems_for("use libc::{c_int, prctl, strlen};\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("libc::prctl is not available on windows or macos", problems[0])

    def test_a_unix_gate_does_not_cover_what_macos_lacks_too(self):
        problems = problems_for(
            """\
            #[cfg(unix)]
            pub fn alive(pid: u32) -> bool {
                std::path::Path::new(&format!("/proc/{pid}")).exists()
            }
            """
        )
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("/proc path is not available on macos", problems[0])

    def test_a_gate_covers_its_own_item_only(self):
        problems = problems_for(
            """\
            #[cfg(unix)]
            fn gated() { let _ = "}"; }

            pub fn after() -> std::os::unix::io::RawFd { 0 }

            pub struct S {
                #[cfg(unix)]
                a: std::os::fd::RawFd,
                b: std::os::fd::RawFd,
            }
            """
        )
        self.assertEqual([p.split(":")[1] for p in problems], ["4", "9"], problems)

    def test_a_module_declared_without_a_gate_is_checked(self):
        problems = problems_for(
            "#[cfg(test)]\nmod tests;\nmod dev;\n",
            **{
                "crates/nir-core/src/present/tests.rs": "use std::os::unix::fs::symlink;\n",
                "crates/nir-core/src/present/dev.rs": 'const D: &str = "/dev/dri";\n',
            },
        )
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("present/dev.rs:1: a /dev path", problems[0])
        self.assertIn("present/tests.rs:1: std::os::unix", problems[1])

    def test_main_fails_on_a_bad_tree_and_passes_a_good_one(self):
        bad = Repository({"crates/nir-core/src/present.rs": "use nix::unistd::Pid;\n"})
        good = Repository({})
        try:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(checker.main(["--root", bad.root]), 1)
            self.assertIn("present.rs:1: the nix crate", err.getvalue())
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(checker.main(["--root", good.root]), 0)
        finally:
            bad.close()
            good.close()


if __name__ == "__main__":
    unittest.main()
