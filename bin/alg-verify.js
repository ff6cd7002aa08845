#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.arena_max=1:${GLIBC_TUNABLES} node --max-semi-space-size=8
// Launcher: runs the compiled CLI (dist/) and sets the process exit code from main().
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc 2.35+, ignored elsewhere; the caller's own tunables
// follow it, so theirs win): malloc asks for transparent huge pages (madvise) on the large blocks it
// maps — the ArrayBuffers of verify's flow-table copies, columns and key indexes. A fresh 4 KiB page
// costs ~12 µs at its first touch on the reference VM (a 32 MiB buffer ~100 ms, with huge pages
// 13–60 ms). `verify --json` on the bench pair: wall 0.93×, CPU 0.94×, peak 221 vs 233 MiB
// (bench/PERFORMANCE-LOG.md, "verify, session 14"). glibc.malloc.mmap_threshold=33554432 (32 MiB,
// its largest), trim_threshold=1073741824 and arena_max=1: what is freed stays in malloc's one
// heap and the next blocks take it again, whichever thread freed it (verify's worker's buffers,
// then this thread's columns, indexes and report), where each was mapped afresh and unmapped when
// freed, and faulted in page by page. `verify --json` on the bench pair: 44 k page faults against
// 60 k, wall 0.957×, CPU 0.945×, peak 223.5 vs 221 MiB; analyze 0.98× wall, 0.93× CPU
// (bench/PERFORMANCE-LOG.md, session 26).
// --max-semi-space-size=8 (MiB; bench/PERFORMANCE-LOG.md "Flows that come and go"): V8's young generation stops at 2 × 8 MiB
// instead of growing to 2 × 16 MiB over a long capture (analyze on a 4 GiB capture whose flows
// come and go: peak RSS 185 against 204 MiB; CPU unchanged, paired runs). Node ignores a
// shebang: `node bin/alg-verify.js` runs without it.
//
// CommonJS (bin/package.json): Node then starts without its ESM loader (bench/PERFORMANCE-LOG.md
// "Start-up (session 12)"). The CLI bundled by `npm run build` (scripts/bundle-cli.mjs: CommonJS,
// a chunk per dynamic import) runs through chunk-loader.cjs, with V8's code cache made by the build.
"use strict";
const { fstatSync, statSync, writeSync } = require("node:fs");
const { join } = require("node:path");

const dist = join(__dirname, "../dist/src/node");

/**
 * The bundle's entry unless ALG_VERIFY_BUNDLE=0 or it is stale; else undefined (the compiled modules
 * run). Stale: in a checkout (src/ beside dist/), older than the compiled cli.js — a later `tsc`
 * alone rewrites cli.js. An installed package has no src/, and its files' times are those of the
 * install's unpacking (cli.js after the bundle): there the bundle always runs.
 */
function bundleEntry() {
  if (process.env.ALG_VERIFY_BUNDLE === "0") return undefined;
  const bundle = join(dist, "cli.bundle.cjs");
  const b = statSync(bundle, { throwIfNoEntry: false });
  if (!b || !statSync(join(__dirname, "../src"), { throwIfNoEntry: false })) return b ? bundle : undefined;
  const c = statSync(join(dist, "cli.js"), { throwIfNoEntry: false });
  return !c || b.mtimeMs >= c.mtimeMs ? bundle : undefined;
}

/**
 * Whether standard output (1) or error (2) is a terminal, asked of the stream only for a character
 * device other than /dev/null (a terminal, mostly): reading process.stdout or process.stderr makes
 * the stream, and a pipe's loads Node's net and stream modules (~10 ms of CPU, paired runs), a file's
 * or /dev/null's the stream modules (19 of them). /dev/null is known by its device number.
 */
function isTerminal(fd) {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() || st.rdev === statSync("/dev/null", { throwIfNoEntry: false })?.rdev) return false;
  } catch {
    return false;
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

let closed = false;

/**
 * Blocking write that survives non-blocking pipes (EAGAIN) so large reports are never cut; a
 * reader that went away (EPIPE, e.g. `| head`) ends the output quietly.
 */
function writeAll(fd, s) {
  if (closed) return;
  let buf = typeof s === "string" ? Buffer.from(s, "utf8") : s;
  while (buf.length) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      if (e.code === "EPIPE") {
        closed = true;
        return;
      }
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

async function run() {
  const entry = bundleEntry();
  const { main } = entry ? require("./chunk-loader.cjs").loadChunk(entry) : await import(require("node:url").pathToFileURL(join(dist, "cli.js")).href);
  const stderrIsTTY = isTerminal(2);
  const stdoutIsTTY = isTerminal(1);
  const code = await main(process.argv.slice(2), {
    stdout: (s) => writeAll(1, s),
    stderr: (s) => writeAll(2, s),
    readFile: (p) => require("node:fs/promises").readFile(p, "utf8"),
    setExitCode: () => {},
    isTTY: stderrIsTTY,
    // (a terminal of unknown size reports 0 columns)
    stderrColumns: (stderrIsTTY && process.stderr.columns) || undefined,
    stdoutIsTTY,
    stdoutColumns: (stdoutIsTTY && process.stdout.columns) || undefined,
    env: process.env,
  });
  // Exit at once: every byte of the report was written (writeAll blocks) and nothing else is left
  // to wait for. Left to drain its event loop, Node first lets V8 finish the incremental marking
  // that the report's allocations began (a mark-compact, 7–16 ms on the 1 GiB bench capture, and
  // 15–40 ms from here to the exit event in all; bench/PERFORMANCE-LOG.md, session 13). 'exit'
  // handlers (chunk-loader.cjs's code caches) still run.
  process.exit(code);
}

run().catch((e) => {
  // as an ESM launcher's top-level await did: the error and its stack on stderr, exit code 1
  process.exitCode = 1;
  throw e;
});
