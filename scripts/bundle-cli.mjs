#!/usr/bin/env node
// Build step (`npm run build`, after tsc): the compiled CLI, dist/src/node/cli.js and every module
// it imports (commander included), bundled by rolldown as CommonJS into dist/src/node/cli.bundle.cjs
// and its chunks cli.bundle-*.cjs, then each chunk's V8 code cache (`<chunk>.cache`) made by
// running the CLI on sample captures. Why: Node's ESM loader resolves, reads and links each file
// apart — a one-capture command loaded 43 of our files before its first packet; bundled, 17 (its
// dynamic imports stay chunks, so a command still loads only its own code); as CommonJS Node
// starts without the ESM loader at all; and with the cache a command neither parses nor compiles
// the functions the sample runs compiled (bench/PERFORMANCE-LOG.md "Start-up", sessions 10 and 12).
//
// The chunks are written next to cli.js, in dist/src/node/, so every `new URL(…, import.meta.url)`
// (the package root, the wasm) resolves as in the unbundled build. The worker entries (verify's
// analyze-worker, suite-worker) are entries of the same bundle, sharing its chunks:
// in the bundle their `new URL("./x-worker.js", import.meta.url)` names `x-worker.bundle.cjs`, a
// two-line file that runs the entry's chunk through bin/chunk-loader.cjs (with its code cache).
// bin/alg-verify.js runs the bundle unless ALG_VERIFY_BUNDLE=0 or, in a checkout, it is older than
// dist/src/node/cli.js (a later `tsc` alone makes it stale: then the unbundled CLI runs, workers
// included).
//
// Each chunk's first line is `//# alg-verify-build <id>` (the sha-256 of the chunk, 16 hex digits),
// and its cache file begins with the same id: the launcher uses a cache only for the chunk it was
// made from (V8 itself checks only the source's length, Node's version and V8's flags).
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = "dist/src/node";
const WORKERS = ["analyze-worker", "suite-worker"];
/** The bundle's files, with the caches and any cache's temporary file (`<chunk>.cache.<pid>-<thread>`, bin/chunk-loader.cjs) a killed run left. */
const BUNDLE_FILE = /^(cli\d*\.bundle(-.*)?\.c?js(\.cache(\.\d+-\d+)?)?|[\w-]+-worker\.bundle\.cjs)$/;
const CACHE_TEMP = /\.cache\.\d+-\d+$/;
for (const f of readdirSync(dir)) if (BUNDLE_FILE.test(f)) rmSync(join(dir, f));

let rolldown;
try {
  ({ rolldown } = await import("rolldown"));
} catch (e) {
  console.error(`bundle-cli: rolldown not found (${e.message}); the CLI runs unbundled`);
  process.exit(0);
}
/**
 * commander requires node:child_process at load, for executable subcommands only (`spawn`), which
 * this CLI has none of; Node then compiles child_process and its stream modules on every run
 * (10–30 ms of CPU under load). In the bundle the require is made when `spawn` is first read.
 */
const CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: "lazy-child-process",
  transform(code, id) {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    if (!code.includes(CHILD_PROCESS)) {
      this.warn("commander's require of node:child_process has changed: it stays eager");
      return null;
    }
    return code.replace(CHILD_PROCESS, "const childProcess = { get spawn() { return require('node:child_process').spawn; } };");
  },
};
/**
 * A dynamic import of Node's own module stays `import("node:…")` in rolldown's CommonJS output;
 * under vm.Script (the launcher) `import()` has no loader, so it becomes a require (a built-in's
 * exports are its namespace's named exports). Any other dynamic import left fails the build.
 */
const builtinImports = {
  name: "builtin-dynamic-imports",
  renderChunk(code, chunk) {
    const out = code.replace(/\bimport\((["'])(node:[\w/]+)\1\)/g, "Promise.resolve(require($1$2$1))");
    const left = out.split("\n").filter((l) => /\bimport\(/.test(l) && !/^\s*\*/.test(l));
    if (left.length) throw new Error(`bundle-cli: ${chunk.fileName} keeps a dynamic import: ${left[0].trim()}`);
    return out;
  },
};
/** The worker files named in the bundle: their bundled entries (each found once, or the build fails). */
const WORKER_URL = /new URL\("\.\/([\w-]+-worker)\.js", import\.meta\.url\)/g;
const workerUrls = new Set();
const bundledWorkers = {
  name: "bundled-workers",
  transform(code) {
    if (!code.includes("-worker.js")) return null;
    return code.replace(WORKER_URL, (m, name) => {
      if (!WORKERS.includes(name)) return m;
      workerUrls.add(name);
      return `new URL("./${name}.bundle.cjs", import.meta.url)`;
    });
  },
};
const bundle = await rolldown({
  input: { "cli.bundle": join(dir, "cli.js"), ...Object.fromEntries(WORKERS.map((w) => [`cli.bundle-${w}`, join(dir, `${w}.js`)])) },
  platform: "node",
  external: [/^node:/],
  plugins: [lazyChildProcess, builtinImports, bundledWorkers],
  logLevel: "warn",
});
const { output } = await bundle.write({ dir, format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "cli.bundle-[name].cjs" });
await bundle.close();
// The ESM sources are strict code: so are the chunks (rolldown's CommonJS output does not say it).
for (const { fileName } of output) {
  const file = join(dir, fileName);
  const body = `"use strict";\n${readFileSync(file, "utf8")}`;
  const id = createHash("sha256").update(body).digest("hex").slice(0, 16);
  writeFileSync(file, `//# alg-verify-build ${id}\n${body}`);
}
for (const w of WORKERS) {
  if (!workerUrls.has(w)) throw new Error(`bundle-cli: no \`new URL("./${w}.js", import.meta.url)\` found in the sources`);
  writeFileSync(join(dir, `${w}.bundle.cjs`), `"use strict";\n// ${w} of the bundled CLI (scripts/bundle-cli.mjs): its chunk, run with its code cache.\nrequire("../../../bin/chunk-loader.cjs").loadChunk(require("node:path").join(__dirname, "cli.bundle-${w}.cjs"));\n`);
}

/**
 * The code caches: the launcher run as a user runs it (the shebang's V8 flags, which V8's check of
 * a cache includes) with ALG_VERIFY_CODE_CACHE=write, on captures and router files of the
 * repository and a small generated capture with every ALG (SIP and TFTP among them). Each run
 * starts from the caches of the runs before it, so the last caches hold every run's functions.
 */
const bin = "bin/alg-verify.js";
const flags = (/^#!.*\bnode\b(.*)$/m.exec(readFileSync(bin, "utf8"))?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
const scratch = mkdtempSync(join(tmpdir(), "alg-verify-cache-"));
try {
  const gen = spawnSync(process.execPath, ["dist/bench/gen-capture.js", join(scratch, "all.pcap"), "--size", "2M", "--flows", "1000", "--scripts-per-mille", "150"], { encoding: "utf8" });
  const all = gen.status === 0 ? [join(scratch, "all.pcap")] : [];
  if (!all.length) console.error(`bundle-cli: no generated capture for the code cache (${gen.stderr.trim().split("\n").pop()})`);
  const lab = (c, f) => `pcaps/lab/${c}/${f}`;
  const runs = [
    ...all.flatMap((p) => [["analyze", "--json", "--profile", "linux", p], ["analyze", "--json", p], ["analyze", p], ["flows", "--json", p]]),
    ["analyze", "--json", "--profile", "linux", lab("sip-tcp-helper", "inside.pcap")],
    ["verify", "--json", "--inside", lab("sip-udp-helper", "inside.pcap"), "--outside", lab("sip-udp-helper", "outside.pcap"), "--router", lab("sip-udp-helper", "conntrack.txt"), "--router", lab("sip-udp-helper", "expect.txt")],
    ["verify", "--inside", lab("ftp-active-helper", "inside.pcap"), "--outside", lab("ftp-active-helper", "outside.pcap"), "--router", lab("ftp-active-helper", "conntrack.txt"), "--router", lab("ftp-active-helper", "expect.txt")],
    ["router", "--json", lab("tftp-helper", "events.txt")],
    ["router", lab("sip-udp-helper", "conntrack.txt")],
    ["--help"],
  ];
  for (const args of runs) {
    const r = spawnSync(process.execPath, [...flags, bin, ...args], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, ALG_VERIFY_CODE_CACHE: "write", ALG_VERIFY_BUNDLE: "1" } });
    if (r.status !== 0 && r.status !== 1) console.error(`bundle-cli: code-cache run \`${args.join(" ")}\` ended ${r.status}: ${r.stderr.trim().split("\n").pop()}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  // Only a run killed while its main thread wrote a cache leaves a temporary file: never shipped (package.json "files" excludes them too).
  for (const f of readdirSync(dir)) {
    if (!CACHE_TEMP.test(f)) continue;
    console.error(`bundle-cli: a code-cache run left ${f}: removed`);
    rmSync(join(dir, f));
  }
}
