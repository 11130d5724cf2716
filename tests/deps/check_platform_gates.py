#!/usr/bin/env python3
"""Unix-only code in the shipped crates must sit behind a platform gate.

The viewer is also built for Windows and macOS, where no toolchain can be had on the Linux
build machines; this static check stands in for `cargo check --target ...` there. It walks
the module tree of the shipped crates (src-tauri, nir-core, nir-sandbox, nir-conformance:
every file reachable from a crate's lib.rs or main.rs through `mod` declarations, found the
way the hazard-log check finds them) and fails, one line per finding, on any use of an API
that one of those platforms lacks:

* `std::os::unix`, `std::os::fd`, `tokio::signal::unix`, `nix::`  (no Windows),
* `std::os::linux`, `/proc`, `dbus`, Linux-only `libc` items      (no Windows, no macOS),
* `/dev/` paths                                                   (no Windows),
* any other `libc::` item than the few the C runtime has on Windows too,

unless a `#[cfg(...)]` that leaves the platform out is on the enclosing item (function,
impl, module, field, block or statement; the item's extent is found by matching brackets),
on the declaration of the module file or of any module above it, or is an inner
`#![cfg(...)]` of the file. A gate leaves a platform out when its predicate is false there
whatever the unknown settings (`test`, features, ...) are: `unix`, `target_os = "linux"`,
`not(windows)`, `all(test, unix)` all leave Windows out. A run-time `cfg!(...)` is no gate:
the code is still compiled.

Standard library only; run from anywhere: `python3 tests/deps/check_platform_gates.py`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "safety"))

from check_hazard_log import RustIndex  # noqa: E402

# The crate roots of what is shipped (not tests/integration, examples or build scripts).
SHIPPED_ROOTS = (
    "src-tauri/src/lib.rs",
    "src-tauri/src/main.rs",
    "crates/nir-core/src/lib.rs",
    "crates/nir-sandbox/src/lib.rs",
    "crates/nir-conformance/src/lib.rs",
)

# ---- the platforms, as far as `cfg` can tell them apart -----------------------------------

UNKNOWN = None
# name -> (bare cfg options that are set, key -> value; a key missing here is unknown)
PLATFORMS: dict[str, tuple[set[str], dict[str, str]]] = {
    "windows": (
        {"windows"},
        {"target_os": "windows", "target_family": "windows", "target_vendor": "pc"},
    ),
    "macos": (
        {"unix"},
        {"target_os": "macos", "target_family": "unix", "target_vendor": "apple", "target_env": ""},
    ),
}
# Bare options whose value is known on every platform above (others, such as `test` or
# `debug_assertions`, can be either).
KNOWN_BARE = {"unix", "windows"}
WINDOWS, MACOS = "windows", "macos"

# ---- what the platforms lack ----------------------------------------------------------------

# `libc` items the C runtime provides on Windows too (the libc crate declares them there).
LIBC_ON_WINDOWS = {
    "c_char", "c_schar", "c_uchar", "c_short", "c_ushort", "c_int", "c_uint", "c_long",
    "c_ulong", "c_longlong", "c_ulonglong", "c_float", "c_double", "c_void", "size_t",
    "ptrdiff_t", "intptr_t", "uintptr_t", "time_t", "malloc", "calloc", "realloc", "free",
    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strcmp", "strncmp",
    "strcpy", "strncpy", "strchr", "strrchr", "strstr", "strerror", "getenv", "putenv",
    "abort", "exit", "atexit", "raise", "signal", "SIGINT", "SIGTERM", "SIGABRT", "SIGSEGV",
    "SIGFPE", "SIGILL", "EXIT_SUCCESS", "EXIT_FAILURE", "time", "getpid",
}
LIBC_LINUX_ONLY_RE = re.compile(
    r"(?:prctl|PR_\w+|CLOCK_BOOTTIME\w*|epoll_\w+|EPOLL\w*|inotify_\w+|memfd_create|MFD_\w+|"
    r"getauxval|signalfd|timerfd_\w+|eventfd|pidfd_\w+|SYS_\w+|sched_\w*affinity|O_TMPFILE)"
)

# (pattern, what it is, the platforms that lack it)
PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"\bstd::os::unix\b"), "std::os::unix", (WINDOWS,)),
    (re.compile(r"\bstd::os::fd\b"), "std::os::fd", (WINDOWS,)),
    (re.compile(r"\bstd::os::linux\b"), "std::os::linux", (WINDOWS, MACOS)),
    (re.compile(r"\bstd::os::\{[^}]*\b(?:unix|fd)\b"), "std::os::unix", (WINDOWS,)),
    (re.compile(r"\bsignal::unix\b"), "tokio::signal::unix", (WINDOWS,)),
    (re.compile(r"\bnix::"), "the nix crate", (WINDOWS,)),
    (re.compile(r"\bdbus::|\buse\s+dbus\b|\bextern\s+crate\s+dbus\b"), "D-Bus", (WINDOWS, MACOS)),
    (re.compile(r'"/proc(?:/|")'), "a /proc path", (WINDOWS, MACOS)),
    (re.compile(r'"/dev(?:/|")'), "a /dev path", (WINDOWS,)),
)
LIBC_RE = re.compile(r"\blibc::(\w+)")
LIBC_GROUP_RE = re.compile(r"\blibc::\{([^}]*)\}")


def findings_in(source: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(offset, what, platforms lacking it) for every platform-specific use in `source`."""
    found = []
    for pattern, what, lacking in PATTERNS:
        for match in pattern.finditer(source):
            found.append((match.start(), what, lacking))
    names = [(m.start(), m.group(1)) for m in LIBC_RE.finditer(source)]
    for group in LIBC_GROUP_RE.finditer(source):  # use libc::{kill, SIGKILL};
        names.extend((group.start(), name) for name in re.findall(r"\w+", group.group(1)))
    for offset, name in names:
        if name in LIBC_ON_WINDOWS or name == "self":
            continue
        lacking = (WINDOWS, MACOS) if LIBC_LINUX_ONLY_RE.fullmatch(name) else (WINDOWS,)
        found.append((offset, f"libc::{name}", lacking))
    return sorted(found)


# ---- cfg predicates -----------------------------------------------------------------------

CFG_TOKEN_RE = re.compile(r'\s*(?:(\w+)|("(?:[^"\\]|\\.)*")|([(),=]))')


class CfgError(ValueError):
    pass


def parse_cfg(text: str):
    """`all(unix, not(test))` -> ("all", [("opt", "unix"), ("not", [("opt", "test")])])."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = CFG_TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip():
                raise CfgError(f"cannot read cfg predicate {text!r}")
            break
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    tree, rest = _parse(tokens, 0)
    if rest != len(tokens):
        raise CfgError(f"cannot read cfg predicate {text!r}")
    return tree


def _parse(tokens: list[str], i: int):
    if i >= len(tokens) or not re.fullmatch(r"\w+", tokens[i]):
        raise CfgError("expected a cfg option")
    name = tokens[i]
    if i + 1 < len(tokens) and tokens[i + 1] == "(":
        args, i = [], i + 2
        while i < len(tokens) and tokens[i] != ")":
            node, i = _parse(tokens, i)
            args.append(node)
            if i < len(tokens) and tokens[i] == ",":
                i += 1
        return (name, args), i + 1
    if i + 2 < len(tokens) and tokens[i + 1] == "=":
        return ("key", name, tokens[i + 2][1:-1]), i + 3
    return ("opt", name), i + 1


def evaluate(tree, platform: str):
    """True, False or UNKNOWN (None): the predicate's value on `platform`."""
    bare, keys = PLATFORMS[platform]
    kind = tree[0]
    if kind == "opt":
        return tree[1] in bare if tree[1] in KNOWN_BARE else UNKNOWN
    if kind == "key":
        if tree[1] not in keys:
            return UNKNOWN
        return keys[tree[1]] == tree[2]
    values = [evaluate(arg, platform) for arg in tree[1]]
    if kind == "not":
        return UNKNOWN if len(values) != 1 or values[0] is UNKNOWN else not values[0]
    if kind == "all":
        return False if False in values else (True if all(values) else UNKNOWN)
    if kind == "any":
        return True if True in values else (False if all(v is False for v in values) else UNKNOWN)
    return UNKNOWN


def excluded_platforms(predicate: str) -> set[str]:
    """The platforms on which code under `#[cfg(predicate)]` is left out."""
    try:
        tree = parse_cfg(predicate)
    except CfgError:
        return set()
    return {platform for platform in PLATFORMS if evaluate(tree, platform) is False}


# ---- the extent of an attributed item ------------------------------------------------------

CFG_ATTR_RE = re.compile(r"#(!?)\[\s*cfg\s*\(")
CHAR_RE = re.compile(r"'(?:[^'\\\n]|\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.))'")
RAW_STRING_RE = re.compile(r'[bc]?r(#*)"')
ITEM_KEYWORDS = {
    "pub", "fn", "mod", "impl", "struct", "enum", "trait", "unsafe", "async", "const",
    "static", "use", "type", "extern", "let", "macro_rules", "union",
}
OPEN, CLOSE = "([{", ")]}"


def skip_literal(source: str, i: int) -> int:
    """If a string or char literal starts at `i`, the offset just after it; else `i`."""
    raw = RAW_STRING_RE.match(source, i)
    if raw and (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")):
        end = source.find('"' + raw.group(1), raw.end())
        return len(source) if end < 0 else end + 1 + len(raw.group(1))
    if source[i] == '"' or source.startswith('b"', i) and not source[i - 1 : i].isalnum():
        j = i + (2 if source[i] == "b" else 1)
        while j < len(source) and source[j] != '"':
            j += 2 if source[j] == "\\" else 1
        return j + 1
    if source[i] == "'":
        char = CHAR_RE.match(source, i)
        if char:
            return char.end()
    return i


def matching(source: str, i: int) -> int:
    """The offset of the bracket closing the one at `i` (literals skipped)."""
    depth = 0
    while i < len(source):
        after = skip_literal(source, i)
        if after != i:
            i = after
            continue
        if source[i] in OPEN:
            depth += 1
        elif source[i] in CLOSE:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(source)


def item_end(source: str, i: int) -> int:
    """The end of the item (or field, statement, block, match arm) starting at `i`, just
    after its attributes: a `;` (or, for what is not an item, a `,`) outside brackets, the
    bracket closing its first `{`, or the bracket closing the container it is in."""
    word = re.match(r"\s*(\w+)", source[i:])
    commas_end = not (word and word.group(1) in ITEM_KEYWORDS)
    while i < len(source):
        after = skip_literal(source, i)
        if after != i:
            i = after
            continue
        c = source[i]
        if c == "{":
            return matching(source, i) + 1
        if c in "([":
            i = matching(source, i) + 1
            continue
        if c in CLOSE or c == ";" or (c == "," and commas_end):
            return i
        i += 1
    return len(source)


def gated_spans(source: str) -> list[tuple[int, int, set[str]]]:
    """(start, end, platforms left out) for every `#[cfg]`-gated item in `source`, and for
    inner `#![cfg]` attributes the whole of what encloses them."""
    spans = []
    for attr in CFG_ATTR_RE.finditer(source):
        open_paren = attr.end() - 1
        close_paren = matching(source, open_paren)
        platforms = excluded_platforms(source[open_paren + 1 : close_paren])
        if not platforms:
            continue
        attr_end = matching(source, source.index("[", attr.start())) + 1
        if attr.group(1):  # inner attribute: the enclosing block, or the file
            start, end = 0, len(source)
            depth_open = enclosing_open(source, attr.start())
            if depth_open is not None:
                start, end = depth_open, matching(source, depth_open) + 1
            spans.append((start, end, platforms))
            continue
        i = attr_end
        while True:  # the item's further attributes
            more = re.match(r"\s*#\[", source[i:])
            if not more:
                break
            i = matching(source, i + more.end() - 1) + 1
        spans.append((attr.start(), item_end(source, i), platforms))
    return spans


def enclosing_open(source: str, offset: int) -> int | None:
    """The offset of the `{` enclosing `offset`, None at the top level."""
    stack: list[int] = []
    i = 0
    while i < offset:
        after = skip_literal(source, i)
        if after != i:
            i = after
            continue
        if source[i] in OPEN:
            stack.append(i)
        elif source[i] in CLOSE and stack:
            stack.pop()
        i += 1
    braces = [at for at in stack if source[at] == "{"]
    return braces[-1] if braces else None


# ---- the check ---------------------------------------------------------------------------


class GateIndex:
    """The shipped module tree with, for every file, where its code is gated and for which
    platforms the whole file is left out."""

    def __init__(self, root: str, roots: tuple[str, ...] = SHIPPED_ROOTS):
        self.rust = RustIndex(root, roots)
        self.root = root
        self.spans = {path: gated_spans(src) for path, src in self.rust.sources.items()}
        self._file_gates: dict[str, set[str]] = {}

    def left_out_at(self, path: str, offset: int) -> set[str]:
        """The platforms for which the code at `offset` of `path` is not compiled."""
        platforms = set(self.file_left_out(path))
        for start, end, gated in self.spans[path]:
            if start <= offset < end:
                platforms |= gated
        return platforms

    def file_left_out(self, path: str) -> set[str]:
        """The platforms for which no declaration of `path` is compiled."""
        if path in self._file_gates:
            return self._file_gates[path]
        self._file_gates[path] = set()  # a cycle gates nothing
        declarations = self.rust.declarations.get(path, [])
        if not declarations:
            return set()
        left_out = set(PLATFORMS)
        for parent, offset, _attrs in declarations:
            left_out &= self.left_out_at(parent, offset)
        self._file_gates[path] = left_out
        return left_out

    def problems(self) -> list[str]:
        out = []
        for path in sorted(self.rust.reachable):
            source = self.rust.sources[path]
            for offset, what, lacking in findings_in(source):
                missing = [p for p in lacking if p not in self.left_out_at(path, offset)]
                if missing:
                    line = source.count("\n", 0, offset) + 1
                    where = os.path.relpath(path, self.root)
                    out.append(
                        f"{where}:{line}: {what} is not available on {' or '.join(missing)}, "
                        f"and no #[cfg(...)] on the enclosing item or module leaves "
                        f"{'it' if len(missing) == 1 else 'them'} out"
                    )
        return out


def main(argv: list[str] | None = None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.normpath(os.path.join(here, "..", "..")))
    args = parser.parse_args(argv)
    index = GateIndex(args.root)
    problems = index.problems()
    for problem in problems:
        print(f"platform gates: {problem}", file=sys.stderr)
    if problems:
        print(f"platform gate check FAILED: {len(problems)} ungated use(s)", file=sys.stderr)
        return 1
    if not index.rust.reachable:
        print("platform gate check FAILED: no Rust sources found", file=sys.stderr)
        return 1
    print(f"platform gate check passed: {len(index.rust.reachable)} module files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
