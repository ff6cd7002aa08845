/**
 * Start-up cost: what the CLI module loads before any command runs is parsed by every command
 * (`analyze` on a one-packet capture spent a third of its CPU loading verify, the router parsers
 * and the ALG code it never ran, through suite's option default). The commands load their
 * implementations when they run (dynamic imports); this walks the static imports of the sources
 * from src/node/cli.ts (type-only imports are erased by tsc and skipped) and checks that none of
 * the heavy modules is reached.
 */
import { spawnSync } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
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

describe("verify's start-up", () => {
  it("verify-run makes the captures' workers before it loads verify(), the reconciliation or the router parsers", () => {
    // What verify-run.ts reaches statically is loaded before analyzeFilesParallel makes the
    // workers; verify's own modules are loaded on first use, while the workers start up.
    const mods = reached(join(src, "node/verify-run.ts"));
    expect(mods.has("node/files.ts")).toBe(true); // the walk does reach the capture path
    for (const late of ["verify/verify.ts", "verify/nat.ts", "verify/flow-columns.ts", "verify/router-input.ts", "router/parse.ts", "report/verify-text.ts", "report/verify-json.ts"]) {
      expect(mods.has(late), late).toBe(false);
    }
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
  // wanted only by verify's and suite's workers.
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

  // `> /dev/null` (how the benchmarks run it): a character device, but not a terminal, known by its
  // device number; the launcher makes no stdout or stderr stream to ask, so Node's stream modules
  // stay unloaded, as with a file (the report written to a file: the same bytes as through a pipe).
  it.skipIf(!built || !existsSync(capture) || !existsSync("/dev/null"))("output to /dev/null or a file makes no stream: Node's stream modules are not loaded", () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-startup-"));
    try {
      const list = join(dir, "modules.txt");
      const preload = join(dir, "list.cjs");
      writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
      const piped = spawnSync(process.execPath, [bin, "analyze", "--json", capture], { encoding: "utf8", maxBuffer: 1 << 26 });
      expect(piped.status, piped.stderr).toBe(0);
      const devNull = openSync("/dev/null", "w");
      const out = join(dir, "report.json");
      const file = openSync(out, "w");
      try {
        for (const stdio of [[devNull, devNull], [file, devNull], [devNull, file]]) {
          const r = spawnSync(process.execPath, ["--require", preload, bin, "analyze", "--json", capture], { stdio: ["ignore", ...stdio] });
          expect(r.status).toBe(0);
          const loaded = readFileSync(list, "utf8").split("\n");
          expect(loaded).toContain("NativeModule internal/fs/utils"); // the list is the real one
          expect(loaded, String(stdio)).not.toContain("NativeModule stream");
          rmSync(list);
        }
      } finally {
        closeSync(devNull);
        closeSync(file);
      }
      expect(readFileSync(out, "utf8")).toBe(piped.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The bundle of scripts/bundle-cli.mjs (built by `npm run build`): bin/alg-verify.js runs it when
  // it is at least as new as dist/src/node/cli.js. As CommonJS it starts without Node's ESM loader
  // (NODE_DEBUG=esm names each file that loader stores: none), through bin/chunk-loader.cjs with the
  // code caches the build made; the reports must be the same bytes as the compiled modules'.
  const bundled = join(repo, "dist/src/node/cli.bundle.cjs");
  const fresh = built && existsSync(bundled) && statSync(bundled).mtimeMs >= statSync(join(repo, "dist/src/node/cli.js")).mtimeMs;
  /** The V8 flags of the launcher's shebang: the build made the caches under them. */
  const flags = (/^#!.*\bnode\b(.*)$/m.exec(readFileSync(bin, "utf8"))?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
  type Tally = { thread: number; chunks: number; cached: number; rejected: number; absent: number; files: string[] };
  /** One run: its stdout, the files the ESM loader stored, Node's modules loaded, each thread's cache tally. */
  function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; flags?: string[]; bin?: string } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "alg-bundle-"));
    try {
      const list = join(dir, "modules.txt");
      const tally = join(dir, "tally.jsonl");
      const preload = join(dir, "list.cjs");
      writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
      const r = spawnSync(process.execPath, [...(opts.flags ?? flags), "--require", preload, opts.bin ?? bin, ...args], {
        encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, NODE_DEBUG: "esm", ALG_VERIFY_CODE_CACHE_REPORT: tally, ...opts.env },
      });
      expect(r.status, r.stderr).toBe(0);
      const files = new Set([...r.stderr.matchAll(/Storing (file:\/\/\S+)/g)].map((m) => m[1]));
      const tallies: Tally[] = existsSync(tally) ? readFileSync(tally, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
      return { stdout: r.stdout, files: [...files], builtins: readFileSync(list, "utf8").split("\n"), main: tallies.find((t) => t.thread === 0), tallies };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const analyzeArgs = ["analyze", "--json", "--profile", "linux", capture];

  it.skipIf(!fresh || !existsSync(capture))("the bundled CLI runs without the ESM loader, from its code caches, and writes the same report as the compiled modules", () => {
    const b = runCli(analyzeArgs);
    const u = runCli(analyzeArgs, { env: { ALG_VERIFY_BUNDLE: "0" } });
    // commander requires child_process at load for executable subcommands only: the bundle defers it
    expect(u.builtins).toContain("NativeModule child_process");
    expect(b.builtins).not.toContain("NativeModule child_process");
    // stdout and stderr are pipes here: the launcher does not make their streams (Node's net module)
    // to ask whether they are terminals (NODE_DEBUG off: its debug lines are written to stderr's
    // stream; no cache report: it asks worker_threads for the thread's id)
    expect(runCli(analyzeArgs, { env: { NODE_DEBUG: "", ALG_VERIFY_CODE_CACHE_REPORT: "" } }).builtins).not.toContain("NativeModule net");
    expect(u.files.some((f) => f.endsWith("/dist/src/node/cli.js"))).toBe(true);
    expect(u.files.length).toBeGreaterThan(20);
    expect(b.files).toEqual([]);
    expect(b.builtins).not.toContain("NativeModule internal/modules/esm/resolve");
    expect(u.builtins).toContain("NativeModule internal/modules/esm/resolve");
    expect(u.main).toBeUndefined(); // no chunk loader when unbundled
    expect(b.main!.chunks).toBeGreaterThan(5);
    expect(b.main).toMatchObject({ cached: b.main!.chunks, rejected: 0, absent: 0 });
    expect(b.stdout.length).toBeGreaterThan(0);
    expect(b.stdout).toBe(u.stdout);
  });

  const lab = (f: string) => join(repo, "pcaps/lab/sip-udp-helper", f);
  const verifyArgs = ["verify", "--json", "--inside", lab("inside.pcap"), "--outside", lab("outside.pcap"), "--router", lab("conntrack.txt"), "--router", lab("expect.txt")];
  it.skipIf(!fresh)("verify's workers run their bundled entries from the code caches, with the same report", () => {
    const b = runCli(verifyArgs);
    const u = runCli(verifyArgs, { env: { ALG_VERIFY_BUNDLE: "0" } });
    expect(b.stdout).toBe(u.stdout);
    expect(JSON.parse(b.stdout).verdict).toBeTruthy();
    expect(b.files).toEqual([]); // the workers' modules too: none through the ESM loader
    expect(u.files.some((f) => f.endsWith("/dist/src/node/analyze-worker.js"))).toBe(true);
    // A worker is terminated once it has posted its result: its tally is written when its exit event comes first.
    for (const t of b.tallies) expect(t).toMatchObject({ cached: t.chunks, rejected: 0, absent: 0 });
  });

  /** A copy of the package (bin, dist/src, build, package.json) in a temporary folder; its dist/src/node. */
  function packageCopy(pkg: string): string {
    cpSync(join(repo, "bin"), join(pkg, "bin"), { recursive: true });
    cpSync(join(repo, "dist/src"), join(pkg, "dist/src"), { recursive: true, preserveTimestamps: true });
    cpSync(join(repo, "build"), join(pkg, "build"), { recursive: true });
    cpSync(join(repo, "package.json"), join(pkg, "package.json"));
    return join(pkg, "dist/src/node");
  }

  // The build's runs (ALG_VERIFY_CODE_CACHE=write) of verify: each worker is terminated by its
  // parent as soon as it has posted its result, which used to cut short the cache file it was
  // writing at that moment and leave its temporary file (`<chunk>.cache.<pid>-<thread>`) in dist/,
  // and so in the package. Now only the main thread writes, at its exit, the workers' caches too.
  it.skipIf(!fresh)("verify's runs that write the code caches leave no temporary file, and their workers' caches are written", () => {
    const pkg = mkdtempSync(join(tmpdir(), "alg-cache-write-"));
    try {
      const node = packageCopy(pkg);
      for (const f of readdirSync(node)) if (f.includes(".cache")) rmSync(join(node, f));
      const pkgBin = join(pkg, "bin/alg-verify.js");
      for (let i = 0; i < 6; i++) expect(runCli(verifyArgs, { bin: pkgBin, env: { ALG_VERIFY_CODE_CACHE: "write" } }).main).toBeTruthy();
      expect(readdirSync(node).filter((f) => /\.cache\./.test(f))).toEqual([]);
      expect(readdirSync(node)).toContain("cli.bundle-analyze-worker.cjs.cache");
      // The threads run from the caches so written (the first run had none: all compiled from source;
      // a worker's tally is written when its exit event comes before its termination).
      const after = runCli(verifyArgs, { bin: pkgBin });
      expect(after.main!.chunks).toBeGreaterThan(3);
      for (const t of after.tallies) expect(t).toMatchObject({ cached: t.chunks, rejected: 0, absent: 0 });
      expect(after.stdout).toBe(runCli(verifyArgs).stdout);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  // The same at the moment it matters, made certain: a worker ended by its parent while its loader
  // writes a cache file (the worker's writeFileSync tells the parent and waits there to be
  // terminated). The loader wrote caches in the worker: that left `<chunk>.cache.<pid>-<thread>`
  // and no cache for the worker's own chunks. Now the worker writes no file; the main thread writes
  // every cache at its exit, the worker's among them.
  it("a worker terminated in the middle of the code-cache writes leaves no temporary file, and its chunks' caches are written", () => {
    const dir = mkdtempSync(join(tmpdir(), "alg-cache-kill-"));
    try {
      const script = join(dir, "run.cjs");
      writeFileSync(script, `
const { join } = require("node:path");
const fs = require("node:fs");
const { MessageChannel, Worker, isMainThread, parentPort, workerData } = require("node:worker_threads");
const [loaderPath, dir] = process.argv.slice(2);
if (isMainThread) {
  const loader = require(loaderPath);
  for (let i = 0; i < 3; i++) fs.writeFileSync(join(dir, "c" + i + ".cjs"), "//# alg-verify-build " + (1e15 + i).toString(16).padStart(16, "0") + "\\n\\"use strict\\";\\nexports.f = function (x) { return x * " + (i + 2) + "; };\\n");
  loader.loadChunk(join(dir, "c0.cjs")).f(1);
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(__filename, { argv: process.argv.slice(2), workerData: { port: port2 }, transferList: [port2] });
  port1.unref();
  port1.on("message", () => void w.terminate());
  w.on("message", () => void w.terminate());
} else {
  const real = fs.writeFileSync;
  fs.writeFileSync = function (...args) {
    real.apply(this, args);
    workerData.port.postMessage("writing");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
  };
  const loader = require(loaderPath);
  for (let i = 0; i < 3; i++) loader.loadChunk(join(dir, "c" + i + ".cjs")).f(2);
  parentPort.postMessage("result");
}
`);
      const chunks = join(dir, "chunks");
      mkdirSync(chunks);
      const r = spawnSync(process.execPath, [script, join(repo, "bin/chunk-loader.cjs"), chunks], { encoding: "utf8", env: { ...process.env, ALG_VERIFY_CODE_CACHE: "write" } });
      expect(r.status, r.stderr).toBe(0);
      expect(readdirSync(chunks).sort()).toEqual(["c0.cjs", "c0.cjs.cache", "c1.cjs", "c1.cjs.cache", "c2.cjs", "c2.cjs.cache"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!fresh || !existsSync(capture))("caches that are rejected or do not belong to their chunk are ignored: the chunks are compiled from source, same report", () => {
    const good = runCli(analyzeArgs);
    // Node without the shebang's V8 flags: V8 rejects every cache (its check includes the flags).
    const noFlags = runCli(analyzeArgs, { flags: [] });
    expect(noFlags.main).toMatchObject({ chunks: good.main!.chunks, cached: 0, rejected: good.main!.chunks });
    expect(noFlags.stdout).toBe(good.stdout);
    const off = runCli(analyzeArgs, { env: { ALG_VERIFY_CODE_CACHE: "0" } });
    expect(off.main).toMatchObject({ chunks: good.main!.chunks, cached: 0, absent: good.main!.chunks });
    expect(off.stdout).toBe(good.stdout);
    // A copy of the package whose caches are spoiled: one cut short, one garbage after the right id,
    // one another chunk's (its id differs), one missing.
    const pkg = mkdtempSync(join(tmpdir(), "alg-cache-pkg-"));
    try {
      const node = packageCopy(pkg);
      const loaded = good.main!.files.map((f) => basename(f)).filter((f) => f !== "cli.bundle.cjs");
      expect(loaded.length).toBeGreaterThan(3);
      const cache = (c: string) => join(node, `${c}.cache`);
      const entry = readFileSync(cache("cli.bundle.cjs"));
      writeFileSync(cache("cli.bundle.cjs"), entry.subarray(0, entry.length >> 1));
      const other = readFileSync(cache(loaded[0]));
      writeFileSync(cache(loaded[0]), Buffer.concat([other.subarray(0, 16), Buffer.alloc(other.length - 16, 0x5a)]));
      cpSync(cache(loaded[2]), cache(loaded[1]));
      rmSync(cache(loaded[3]));
      const spoiled = runCli(analyzeArgs, { bin: join(pkg, "bin/alg-verify.js") });
      expect(spoiled.main).toMatchObject({ chunks: good.main!.chunks, cached: good.main!.chunks - 4, rejected: 2, absent: 2 });
      expect(spoiled.stdout).toBe(good.stdout);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});
