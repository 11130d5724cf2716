// Proves that the ephemerality checks can fail: each one is run on planted content (a file
// holding an NHS number, a UTF-16 name, pixel bytes across a read boundary, a file left
// behind, a process's memory holding a number) and must report it, and must stay quiet on
// clean input. Needs no display or driver.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  distinctiveRun,
  findNeedles,
  leftBehind,
  parseTrace,
  scanFile,
  scanFiles,
  scanProcessMemory,
  textNeedles,
} from "./ephemerality.mjs";

const needles = [...textNeedles("NHS number", "9912003888"), ...textNeedles("name", "TRAINING^ALEX")];

function withDir(body) {
  const dir = mkdtempSync("/dev/shm/nir-checker-");
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a file holding an NHS number or a UTF-16 name is reported, a clean one is not", () =>
  withDir((dir) => {
    const planted = path.join(dir, "planted.log");
    const named = path.join(dir, "named.bin");
    const clean = path.join(dir, "clean.txt");
    writeFileSync(planted, "patient 9912003888 looked up\n");
    writeFileSync(named, Buffer.concat([Buffer.alloc(10), Buffer.from("TRAINING^ALEX", "utf16le")]));
    writeFileSync(clean, "nothing clinical here 991200388\n");
    const { findings } = scanFiles([planted, named, clean], needles);
    assert.deepEqual(findings, [
      { file: planted, labels: ["NHS number"] },
      { file: named, labels: ["name (UTF-16)"] },
    ]);
  }));

test("pixel bytes straddling a read boundary are found", () =>
  withDir((dir) => {
    const frame = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    const run = distinctiveRun(frame);
    const file = path.join(dir, "cache.bin");
    const offset = (1 << 20) - 10; // the scan reads 1 MiB at a time
    const contents = Buffer.alloc(offset + run.length + 100);
    run.copy(contents, offset);
    writeFileSync(file, contents);
    assert.deepEqual(scanFile(file, [{ label: "pixels", bytes: run }]), ["pixels"]);
    assert.deepEqual(findNeedles(Buffer.alloc(8192), [{ label: "pixels", bytes: run }]), []);
    assert.throws(() => distinctiveRun(Buffer.alloc(4096)), /no distinctive run/);
  }));

test("files created during the session and still present are reported", () =>
  withDir((dir) => {
    const since = Date.now() - 1000;
    const stays = path.join(dir, "stays.tmp");
    const allowedFile = path.join(dir, "dconf", "user");
    mkdirSync(path.dirname(allowedFile));
    writeFileSync(stays, "x");
    writeFileSync(allowedFile, "x");
    const gone = path.join(dir, "gone.tmp");
    const allowlist = [{ pattern: /\/dconf\/user$/, why: "test" }];
    assert.deepEqual(leftBehind([stays, gone, allowedFile], since, allowlist), [stays]);
    assert.deepEqual(leftBehind([stays], Date.now() + 60000, allowlist), [], "older files are not the session's");
  }));

test("strace's log is read into created and written files", () => {
  const log = [
    '101 openat(AT_FDCWD</home/u>, "/home/u/.cache/x.db", O_RDWR|O_CREAT|O_CLOEXEC, 0600) = 5</home/u/.cache/x.db>',
    '101 openat(AT_FDCWD, "/usr/lib/libfoo.so", O_RDONLY|O_CLOEXEC) = 6</usr/lib/libfoo.so>',
    '102 openat(AT_FDCWD, "rel.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644 <unfinished ...>',
    '103 write(7<socket:[1234]>, ""..., 20) = 20',
    '102 <... openat resumed>) = 8</srv/session/rel.txt>',
    '103 write(9</var/tmp/spill.bin>, ""..., 4096) = 4096',
    '103 pwrite64(10</memfd:shm (deleted)>, ""..., 10, 0) = 10',
    '104 mkdirat(AT_FDCWD, "/tmp/WebKit-1", 0700) = 0',
    '104 renameat2(AT_FDCWD, "/tmp/a.tmp", AT_FDCWD, "/tmp/a", 0) = 0',
    '104 openat(AT_FDCWD, "/tmp/failed", O_WRONLY|O_CREAT, 0600) = -1 EACCES (Permission denied)',
  ].join("\n");
  const { created, written } = parseTrace(log, "/srv/session");
  assert.deepEqual([...created].sort(), ["/home/u/.cache/x.db", "/srv/session/rel.txt", "/tmp/WebKit-1", "/tmp/a"]);
  assert.deepEqual([...written].sort(), ["/home/u/.cache/x.db", "/srv/session/rel.txt", "/tmp/a", "/var/tmp/spill.bin"]);
});

/** A child process that computes `factor * 4956001944` as a string and keeps it. */
async function holder(factor) {
  const child = spawn(process.execPath, ["-e", `globalThis.kept = String(4956001944 * ${factor}).repeat(3); process.stdout.write("ready"); setInterval(() => {}, 1000);`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => child.stdout.once("data", resolve));
  return child;
}

test("a process's memory holding an NHS number is reported, one without it is not", async () => {
  // The number is computed in the children and here, so no source text holds it.
  const nhs = textNeedles("NHS number", String(4956001944 * 2));
  const holding = await holder(2);
  const clean = await holder(3);
  try {
    const found = scanProcessMemory(holding.pid, nhs);
    assert.ok(found.bytes > 0);
    assert.ok(found.found.some((hit) => hit.label === "NHS number"), "the planted number was not found");
    assert.deepEqual(scanProcessMemory(clean.pid, nhs).found, []);
  } finally {
    holding.kill();
    clean.kill();
  }
});
