/**
 * Start-up cost: what the CLI module loads before any command runs is parsed by every command
 * (`analyze` on a one-packet capture spent a third of its CPU loading verify, the router parsers
 * and the ALG code it never ran, through suite's option default). The commands load their
 * implementations when they run (dynamic imports); this walks the static imports of the sources
 * from src/node/cli.ts (type-only imports are erased by tsc and skipped) and checks that none of
 * the heavy modules is reached.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = new URL("../../src/", import.meta.url).pathname;

/** Relative static value imports and re-exports of a TypeScript source (not `import type`). */
export function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)(?:[^;"']*?\sfrom\s+)?["'](\.[^"']+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const ts = join(dirname(file), m[1]).replace(/\.js$/, ".ts");
    if (existsSync(ts)) out.push(ts);
  }
  return out;
}

/** Every source reached from `entry` by static value imports. */
function reached(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length) {
    for (const next of staticImports(todo.pop()!)) {
      if (!seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return new Set([...seen].map((f) => relative(src, f)));
}

describe("CLI start-up", () => {
  it("the import walk sees static imports, multi-line ones and re-exports, and skips type-only ones", () => {
    const suiteRun = staticImports(join(src, "node/suite-run.ts")).map((f) => relative(src, f));
    expect(suiteRun).toContain("node/verify-run.ts");
    expect(suiteRun).toContain("node/suite-discover.ts");
    expect(suiteRun).not.toContain("suite/case.ts"); // import type only
  });

  it("loads no command's implementation before the command runs", () => {
    const mods = reached(join(src, "node/cli.ts"));
    expect(mods.has("node/suite-cli.ts")).toBe(true);
    for (const heavy of [
      "node/verify-run.ts", "node/files.ts", "node/suite-run.ts", "verify/verify.ts", "router/parse.ts",
      "alg/analyze.ts", "capture/scan.ts", "wasm/core.ts", "report/flows-json.ts",
    ]) expect(mods.has(heavy), heavy).toBe(false);
    expect(mods.size).toBeLessThan(30);
  });
});

describe("a one-capture command's start-up", () => {
  it("the analyze/flows path loads no parallel-analysis or suite-report module, and no text formatter", () => {
    const files = reached(join(src, "node/files.ts"));
    for (const parallelOnly of ["node/flow-transfer.ts", "node/pack-offer.ts"]) expect(files.has(parallelOnly), parallelOnly).toBe(false);
    expect(files.has("wasm/core.ts")).toBe(true); // the walk does reach the capture path
    const cli = reached(join(src, "node/cli.ts"));
    for (const late of ["suite/junit.ts", "suite/report.ts", "report/flows-text.ts", "report/analyze-text.ts", "report/table.ts"]) expect(cli.has(late), late).toBe(false);
  });

  // The compiled CLI on a small public capture, run as a user runs it: the built-in modules it
  // loaded (process.moduleLoadList, written at exit by a preloaded script). worker_threads is
  // wanted only by verify's workers and by the prefault helper of a capture >= 64 MiB.
  const repo = new URL("../../", import.meta.url).pathname;
  const bin = join(repo, "bin/alg-verify.js");
  const capture = join(repo, "../shared/pcaps/public/aflnet/rtsp-live555-udp-setup.pcap");
  const built = existsSync(join(repo, "dist/src/node/cli.js")) && existsSync(join(repo, "build/release.wasm"));
  it.skipIf(!built || !existsSync(capture))("analyze --json on a small capture loads no worker_threads, and writes its report", () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-startup-"));
    try {
      const list = join(dir, "modules.txt");
      const preload = join(dir, "list.cjs");
      writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
      const r = spawnSync(process.execPath, ["--require", preload, bin, "analyze", "--json", capture], { encoding: "utf8", maxBuffer: 1 << 26 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).sessions.length).toBeGreaterThan(0);
      const loaded = readFileSync(list, "utf8").split("\n");
      expect(loaded).toContain("NativeModule internal/fs/utils"); // the list is the real one
      expect(loaded).not.toContain("NativeModule worker_threads");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The bundle of scripts/bundle-cli.mjs (built by `npm run build`): bin/alg-verify.js runs it when
  // it is at least as new as dist/src/node/cli.js. The files the ESM loader stored (NODE_DEBUG=esm
  // names each) are counted with and without it, and the reports must be the same bytes.
  const bundled = join(repo, "dist/src/node/cli.bundle.js");
  const fresh = built && existsSync(bundled) && statSync(bundled).mtimeMs >= statSync(join(repo, "dist/src/node/cli.js")).mtimeMs;
  it.skipIf(!fresh || !existsSync(capture))("the bundled CLI loads fewer files and writes the same report as the compiled modules", () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-bundle-"));
    const list = join(dir, "modules.txt");
    const preload = join(dir, "list.cjs");
    writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
    const run = (bundle: boolean) => {
      const r = spawnSync(process.execPath, ["--require", preload, bin, "analyze", "--json", "--profile", "linux", capture], {
        encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, NODE_DEBUG: "esm", ALG_VERIFY_BUNDLE: bundle ? "1" : "0" },
      });
      expect(r.status, r.stderr).toBe(0);
      const files = new Set([...r.stderr.matchAll(/Storing (file:\/\/\S+)/g)].map((m) => m[1]));
      return { stdout: r.stdout, files: [...files], builtins: readFileSync(list, "utf8").split("\n") };
    };
    let b, u;
    try {
      b = run(true);
      u = run(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // commander requires child_process at load for executable subcommands only: the bundle defers it
    expect(u.builtins).toContain("NativeModule child_process");
    expect(b.builtins).not.toContain("NativeModule child_process");
    expect(b.files.some((f) => f.endsWith("/dist/src/node/cli.bundle.js"))).toBe(true);
    expect(u.files.some((f) => f.endsWith("/dist/src/node/cli.js"))).toBe(true);
    expect(u.files.some((f) => f.includes("cli.bundle"))).toBe(false);
    expect(b.files.some((f) => f.endsWith("/dist/src/node/files.js"))).toBe(false); // bundled, not loaded apart
    expect(b.files.length * 2).toBeLessThan(u.files.length);
    expect(b.stdout.length).toBeGreaterThan(0);
    expect(b.stdout).toBe(u.stdout);
  });
});
