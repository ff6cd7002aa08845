/**
 * The launcher's environment (bin/alg-verify.js's shebang, run by the kernel through `env -S`):
 * glibc's malloc is asked for transparent huge pages (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`), the
 * caller's own tunables kept after it, and a large ArrayBuffer made in that process then holds huge
 * pages where the system has them (THP mode "madvise" or "always", glibc 2.35+).
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

/** Runs `alg-verify --version` as the kernel does (the shebang), a preload reporting its environment and a 32 MiB buffer's huge pages. */
function launch(env: NodeJS.ProcessEnv): { tunables?: string; hugeKiB: number } {
  const dir = mkdtempSync(join(tmpdir(), "alg-launcher-"));
  try {
    const out = join(dir, "out.json");
    const preload = join(dir, "preload.cjs");
    writeFileSync(preload, `
const fs = require("node:fs");
const b = new Uint8Array(32 << 20);
for (let i = 0; i < b.length; i += 4096) b[i] = 1;
const m = /AnonHugePages:\\s+(\\d+) kB/.exec(fs.readFileSync("/proc/self/smaps_rollup", "utf8"));
fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify({ tunables: process.env.GLIBC_TUNABLES, hugeKiB: m ? Number(m[1]) : 0, len: b.length }));
`);
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", env: { ...env, NODE_OPTIONS: `--require ${preload}` } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!built || process.platform !== "linux")("launcher environment", () => {
  it("sets glibc's hugetlb tunable and keeps the caller's tunables after it (theirs win)", () => {
    const { GLIBC_TUNABLES: _, ...rest } = process.env;
    expect(launch(rest).tunables).toBe("glibc.malloc.hugetlb=1:");
    expect(launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }).tunables).toBe("glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2");
  });

  it.skipIf(!thp || !hugetlbTunable)("a large ArrayBuffer of the CLI's process holds transparent huge pages, and none when the caller turns the tunable off", () => {
    const { GLIBC_TUNABLES: _, ...rest } = process.env;
    expect(launch(rest).hugeKiB).toBeGreaterThanOrEqual(2048);
    expect(launch({ ...rest, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }).hugeKiB).toBe(0);
  });
});
