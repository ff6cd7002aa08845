/**
 * The launcher's environment (bin/alg-verify.js's shebang, run by the kernel through `env -S`):
 * glibc's malloc is asked for transparent huge pages (`glibc.malloc.hugetlb=1`) and to keep the
 * memory it frees for the next allocations, whichever thread frees it (`mmap_threshold` 32 MiB,
 * `trim_threshold` 1 GiB, `arena_max` 1), the caller's own tunables kept after them. A large
 * ArrayBuffer made in that process then holds huge pages where the system has them (THP mode
 * "madvise" or "always", glibc 2.35+), and one made after a worker's was freed takes its memory
 * again instead of fresh pages.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const bin = new URL("../../bin/alg-verify.js", import.meta.url).pathname;
const built = existsSync(new URL("../../dist/src/node/cli.js", import.meta.url).pathname);
const thp = (() => {
  try {
    return /\[(madvise|always)\]/.test(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"));
  } catch {
    return false;
  }
})();
const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const hugetlbTunable = glibc !== undefined && Number(glibc.split(".")[0]) * 1000 + Number(glibc.split(".")[1]) >= 2035;

/** The launcher's own tunables, before the caller's. */
const LAUNCHER_TUNABLES = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.arena_max=1:";

/**
 * Runs `alg-verify --version` as the kernel does (the shebang), a preload reporting its
 * environment, a 32 MiB buffer's huge pages, and the page faults of a 16 MiB buffer made and
 * touched after a worker thread's buffer of that size was made, touched and freed.
 */
function launch(env: NodeJS.ProcessEnv): { tunables?: string; hugeKiB: number; reuseFaults: number } {
  const dir = mkdtempSync(join(tmpdir(), "alg-launcher-"));
  try {
    const out = join(dir, "out.json");
    const preload = join(dir, "preload.cjs");
    // A worker runs the preload too (NODE_OPTIONS): it only does so in the main thread.
    writeFileSync(preload, `
if (require("node:worker_threads").isMainThread) {
const fs = require("node:fs");
const b = new Uint8Array(32 << 20);
for (let i = 0; i < b.length; i += 4096) b[i] = 1;
const m = /AnonHugePages:\\s+(\\d+) kB/.exec(fs.readFileSync("/proc/self/smaps_rollup", "utf8"));
const { Worker } = require("node:worker_threads");
const done = new Int32Array(new SharedArrayBuffer(4));
new Worker("const { workerData } = require('node:worker_threads'); let w = new Uint8Array(16 << 20); for (let i = 0; i < w.length; i += 4096) w[i] = 1; w = null; globalThis.gc(); Atomics.store(workerData, 0, 1); Atomics.notify(workerData, 0);", { eval: true, workerData: done });
Atomics.wait(done, 0, 0);
const f0 = process.resourceUsage().minorPageFault;
const c = new Uint8Array(16 << 20);
for (let i = 0; i < c.length; i += 4096) c[i] = 1;
const reuseFaults = process.resourceUsage().minorPageFault - f0;
fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify({ tunables: process.env.GLIBC_TUNABLES, hugeKiB: m ? Number(m[1]) : 0, len: b.length + c.length, reuseFaults }));
}
`);
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", env: { ...env, NODE_OPTIONS: `--expose-gc --require ${preload}` } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!built || process.platform !== "linux")("launcher environment", () => {
  it("sets glibc's tunables and keeps the caller's tunables after them (theirs win)", () => {
    const { GLIBC_TUNABLES: _, ...rest } = process.env;
    expect(launch(rest).tunables).toBe(LAUNCHER_TUNABLES);
    expect(launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }).tunables).toBe(`${LAUNCHER_TUNABLES}glibc.malloc.arena_max=2`);
  });

  // Huge pages off on both sides: what is measured is the reuse, not the page size.
  it.skipIf(!hugetlbTunable)("a buffer made after a worker's was freed takes its memory again: few page faults, where glibc's defaults fault it in afresh", () => {
    const { GLIBC_TUNABLES: _, ...rest } = process.env;
    const pages = (16 << 20) / 4096;
    const kept = launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).reuseFaults;
    const fresh = launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=8" }).reuseFaults;
    expect(kept).toBeLessThan(pages / 8);
    expect(fresh).toBeGreaterThan(pages / 2);
  });

  it.skipIf(!thp || !hugetlbTunable)("a large ArrayBuffer of the CLI's process holds transparent huge pages, and none when the caller turns the tunable off", () => {
    const { GLIBC_TUNABLES: _, ...rest } = process.env;
    expect(launch(rest).hugeKiB).toBeGreaterThanOrEqual(2048);
    expect(launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).hugeKiB).toBe(0);
  });
});
