// The checks behind the ephemerality test: what counts as clinical content (needles), how a
// file or a process's memory is searched for it, how strace's log of the viewer's process
// tree is read into "files created" and "files written", and how what was found is judged.
// Kept apart from the session test so that ephemerality-checker.test.mjs can prove each
// check fails on planted content.
import { closeSync, existsSync, lstatSync, openSync, readFileSync, readdirSync, readSync } from "node:fs";
import path from "node:path";

const CHUNK = 1 << 20;

/** Text needles in the encodings a file or a heap may hold them in (UTF-8 and UTF-16LE). */
export function textNeedles(label, text) {
  return [
    { label, bytes: Buffer.from(text, "utf8") },
    { label: `${label} (UTF-16)`, bytes: Buffer.from(text, "utf16le") },
  ];
}

/**
 * A run of `length` bytes from `frame` that is unlikely to occur by chance: the window with
 * the most distinct byte values (CT frames are mostly air, whose runs repeat everywhere).
 */
export function distinctiveRun(frame, length = 48) {
  let best = null;
  let bestScore = -1;
  const step = Math.max(1, Math.floor((frame.length - length) / 4096));
  for (let start = 0; start + length <= frame.length; start += step) {
    const score = new Set(frame.subarray(start, start + length)).size;
    if (score > bestScore) {
      bestScore = score;
      best = frame.subarray(start, start + length);
    }
  }
  if (!best || bestScore < length / 3) throw new Error(`no distinctive run in a frame of ${frame.length} bytes`);
  return Buffer.from(best);
}

/** Labels of the needles found in `buffer`. */
export function findNeedles(buffer, needles) {
  return needles.filter((needle) => buffer.indexOf(needle.bytes) !== -1).map((needle) => needle.label);
}

const longest = (needles) => Math.max(1, ...needles.map((needle) => needle.bytes.length));

/** Searches a file chunk by chunk (overlapping by a needle's length); unreadable = null. */
export function scanFile(file, needles) {
  let fd;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  const overlap = longest(needles);
  const found = new Set();
  try {
    let tail = Buffer.alloc(0);
    for (;;) {
      const buffer = Buffer.alloc(CHUNK);
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const window = Buffer.concat([tail, buffer.subarray(0, read)]);
      for (const label of findNeedles(window, needles)) found.add(label);
      tail = Buffer.from(window.subarray(Math.max(0, window.length - overlap)));
    }
  } catch {
    // a file that vanished or cannot be read half-way: what was read was searched
  } finally {
    closeSync(fd);
  }
  return [...found];
}

/**
 * Calls `visit(path, entry)` for every entry under `root`, depth first in directory order,
 * not for `root` itself; symlinks are not followed, and unreadable directories are passed.
 */
function walk(root, visit) {
  const within = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      visit(full, entry);
      if (entry.isDirectory()) within(full);
    }
  };
  within(root);
}

/** Every regular file under `root` (symlinks are not followed). */
export function filesUnder(root) {
  const files = [];
  walk(root, (full, entry) => {
    if (!entry.isDirectory()) files.push(full);
  });
  return files;
}

/** Every path (files, directories, links) under `root`, not including `root` itself. */
export function entriesUnder(root) {
  const out = [];
  walk(root, (full) => out.push(full));
  return out;
}

const WRITABLE = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
const OPEN_CALLS = new Set(["open", "openat", "openat2", "creat"]);
const WRITE_CALLS = new Set(["write", "pwrite64", "writev", "pwritev", "pwritev2"]);

/** Joins strace's `<unfinished ...>` / `<... resumed>` halves into whole calls. */
export function wholeCalls(log) {
  const pending = new Map();
  const calls = [];
  for (const raw of log.split("\n")) {
    const match = /^(\d+)\s+(.*)$/.exec(raw);
    if (!match) continue;
    const [, pid, rest] = match;
    if (rest.endsWith("<unfinished ...>")) {
      pending.set(pid, rest.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      const head = pending.get(pid);
      pending.delete(pid);
      if (head !== undefined) calls.push({ pid, text: head + resumed[1] });
      continue;
    }
    calls.push({ pid, text: rest });
  }
  return calls;
}

/** A quoted strace string argument, unescaped enough for paths. */
function unquote(quoted) {
  return quoted.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return { n: "\n", t: "\t", r: "\r" }[e] ?? e;
  });
}

/** Resolves a path argument: absolute, relative to a `<dir>` decoded fd, or to `cwd`. */
function resolveArg(dirArg, quoted, cwd) {
  const name = unquote(quoted);
  if (name.startsWith("/")) return path.normalize(name);
  const dir = /<([^>]*)>$/.exec(dirArg ?? "")?.[1] ?? cwd;
  return path.resolve(dir, name);
}

/** A path from strace's `-y` fd decoding that names a file on a file system, or null. */
function filePath(decoded) {
  if (!decoded || !decoded.startsWith("/")) return null;
  if (decoded.startsWith("/memfd:")) return null;
  const clean = decoded.replace(/ \(deleted\)$/, "");
  if (/^\/(proc|sys)\//.test(clean)) return null;
  if (clean.startsWith("/dev/") && !clean.startsWith("/dev/shm/")) return null;
  return clean;
}

/**
 * Reads strace's log (`-f -y` with the calls listed in TRACED_CALLS) into the files the
 * process tree created and the files it opened for writing or wrote to.
 */
export function parseTrace(log, cwd) {
  const created = new Set();
  const written = new Set();
  for (const { text } of wholeCalls(log)) {
    const call = /^(\w+)\((.*)\)\s+=\s+(-?\d+)(?:<([^>]*)>)?/.exec(text);
    if (!call) continue;
    const [, name, args, result, resultPath] = call;
    if (Number(result) < 0) continue;
    const strings = [...args.matchAll(/(?:(\w+|-?\d+<[^>]*>),\s*)?"((?:[^"\\]|\\.)*)"/g)];
    if (OPEN_CALLS.has(name)) {
      if (name !== "creat" && !WRITABLE.test(args)) continue;
      const file = filePath(resultPath) ?? (strings[0] ? resolveArg(strings[0][1], strings[0][2], cwd) : null);
      if (!file) continue;
      written.add(file);
      if (name === "creat" || /O_CREAT/.test(args)) created.add(file);
    } else if (WRITE_CALLS.has(name)) {
      const fd = /^\d+<([^>]*)>/.exec(args);
      const file = filePath(fd?.[1]);
      if (file) written.add(file);
    } else if (/^(mkdir|mkdirat|mknod|mknodat)$/.test(name) && strings[0]) {
      created.add(resolveArg(strings[0][1], strings[0][2], cwd));
    } else if (/^(rename|renameat|renameat2|link|linkat|symlink|symlinkat)$/.test(name) && strings.length >= 2) {
      const last = strings[strings.length - 1];
      const target = resolveArg(last[1], last[2], cwd);
      created.add(target);
      written.add(target);
    }
  }
  return { created, written };
}

/** The system calls strace must trace for parseTrace. */
export const TRACED_CALLS = [
  "open", "openat", "openat2", "creat", "mkdir", "mkdirat", "mknod", "mknodat",
  "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
  "write", "pwrite64", "writev", "pwritev", "pwritev2",
];

/** Whether `file` is on `allowlist` (an array of { pattern: RegExp, why }). */
export function allowed(file, allowlist) {
  return allowlist.some((entry) => entry.pattern.test(file));
}

/**
 * Content findings for a set of files: `[{ file, labels }]` for each file holding a needle.
 * Files that no longer exist are returned in `missing`.
 */
export function scanFiles(files, needles) {
  const findings = [];
  const missing = [];
  for (const file of files) {
    let stat;
    try {
      stat = lstatSync(file);
    } catch {
      missing.push(file);
      continue;
    }
    if (!stat.isFile()) continue;
    const labels = scanFile(file, needles);
    if (labels && labels.length > 0) findings.push({ file, labels });
  }
  return { findings, missing };
}

/**
 * Files created during the session (born at or after `sinceMs`) that still exist and are
 * not on the allowlist. Paths created and already gone are fine.
 */
export function leftBehind(paths, sinceMs, allowlist) {
  const left = [];
  for (const file of paths) {
    let stat;
    try {
      stat = lstatSync(file);
    } catch {
      continue;
    }
    const born = stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.ctimeMs;
    if (born + 1 < sinceMs) continue;
    if (allowed(file, allowlist)) continue;
    left.push(file);
  }
  return left;
}

const PAGE = 4096n;

/** What surrounds a hit, as printable ASCII (dots for the rest), to tell where it lives. */
function printable(buffer, at, length) {
  const slice = buffer.subarray(Math.max(0, at - 48), Math.min(buffer.length, at + length + 48));
  return [...slice].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
}

/**
 * The memory regions of a process worth searching, from /proc/PID/smaps: readable, with
 * pages resident, and not a read-only mapping of a file (the viewer binary's constants,
 * which in training builds include the embedded sandbox's synthetic patient table, and
 * shared libraries). Writable file mappings (a binary's .data) are searched.
 */
export function memoryRegions(pid) {
  const smaps = readFileSync(`/proc/${pid}/smaps`, "utf8");
  const regions = [];
  let current = null;
  for (const line of smaps.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (header) {
      const [, start, end, perms, inode, name] = header;
      const fileBacked = inode !== "0" && name.trim().startsWith("/");
      const special = ["[vvar]", "[vsyscall]", "[vvar_vclock]"].includes(name.trim());
      current = perms[0] === "r" && !special && (!fileBacked || perms[1] === "w")
        ? { start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), name: name.trim(), rss: 0 }
        : null;
      if (current) regions.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rss = Number(rss[1]);
  }
  return regions.filter((region) => region.rss > 0);
}

/** Ranges of resident (or swapped) pages within a region, from /proc/PID/pagemap. */
function residentRanges(pagemapFd, region) {
  const pages = Number((region.end - region.start) / PAGE);
  const ranges = [];
  const batch = 1 << 16;
  let runStart = null;
  for (let first = 0; first < pages; first += batch) {
    const count = Math.min(batch, pages - first);
    const entries = Buffer.alloc(count * 8);
    let read = 0;
    try {
      read = readSync(pagemapFd, entries, 0, entries.length, Number((region.start / PAGE + BigInt(first)) * 8n));
    } catch {
      return [{ start: region.start, end: region.end }];
    }
    for (let i = 0; i < count; i++) {
      const present = i * 8 < read && (entries.readUInt8(i * 8 + 7) & 0xc0) !== 0;
      const address = region.start + BigInt(first + i) * PAGE;
      if (present && runStart === null) runStart = address;
      if (!present && runStart !== null) {
        ranges.push({ start: runStart, end: address });
        runStart = null;
      }
    }
  }
  if (runStart !== null) ranges.push({ start: runStart, end: region.end });
  return ranges;
}

/**
 * Searches a process's memory (see memoryRegions; only resident pages) for needles;
 * returns `{ found: [{ label, region }], bytes, skipped }`. Ranges that cannot be read
 * (racing unmaps) are skipped and counted.
 */
export function scanProcessMemory(pid, needles) {
  const regions = memoryRegions(pid);
  const fd = openSync(`/proc/${pid}/mem`, "r");
  const pagemap = openSync(`/proc/${pid}/pagemap`, "r");
  const overlap = longest(needles);
  const found = [];
  let bytes = 0;
  let skipped = 0;
  try {
    for (const region of regions) {
      const seen = new Set();
      for (const range of residentRanges(pagemap, region)) {
        let tail = Buffer.alloc(0);
        for (let at = range.start; at < range.end; ) {
          const size = Number(range.end - at < BigInt(CHUNK) ? range.end - at : BigInt(CHUNK));
          const buffer = Buffer.alloc(size);
          let read;
          try {
            read = readSync(fd, buffer, 0, size, at);
          } catch {
            skipped++;
            break;
          }
          if (read <= 0) break;
          bytes += read;
          const window = Buffer.concat([tail, buffer.subarray(0, read)]);
          for (const needle of needles) {
            const hit = seen.has(needle.label) ? -1 : window.indexOf(needle.bytes);
            if (hit === -1) continue;
            seen.add(needle.label);
            found.push({ label: needle.label, region: region.name || "[anonymous]", context: printable(window, hit, needle.bytes.length) });
          }
          tail = Buffer.from(window.subarray(Math.max(0, window.length - overlap)));
          at += BigInt(read);
        }
      }
    }
  } finally {
    closeSync(fd);
    closeSync(pagemap);
  }
  return { found, bytes, skipped };
}

/** The process ids below `pid` (children, grandchildren, ...), from /proc. */
export function descendants(pid) {
  const out = [];
  const queue = [String(pid)];
  while (queue.length > 0) {
    const parent = queue.shift();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children = "";
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, "utf8");
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** A process's short name, or null when it is gone. */
export function processName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** Whether a process is gone (or a zombie waiting to be reaped). */
export function processGone(pid) {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return /\)\s+[ZX]\s/.test(stat);
  } catch {
    return true;
  }
}
