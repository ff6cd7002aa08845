#!/usr/bin/env node
// Build step (`npm run build`, after tsc): the compiled CLI, dist/src/node/cli.js and every module
// it imports (commander included), bundled by rolldown into dist/src/node/cli.bundle.js and its
// chunks cli.bundle-*.js. Why: Node's ESM loader resolves, reads and links each file apart — a
// one-capture command loaded 43 of our files before its first packet; bundled, 17 (NODE_DEBUG=esm; its dynamic
// imports stay chunks, so a command still loads only its own code). Whole process, paired, on a
// small capture: CPU ~0.86 × (bench/PERFORMANCE-LOG.md "Start-up").
//
// The chunks are written next to cli.js, in dist/src/node/, so every `new URL(…, import.meta.url)`
// (the worker files, the package root, the wasm) resolves as in the unbundled build; the worker
// files themselves stay unbundled. bin/alg-verify.js runs the bundle only when it is not older
// than dist/src/node/cli.js (a later `tsc` alone makes it stale: then the unbundled CLI runs), and
// never with ALG_VERIFY_BUNDLE=0.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const dir = "dist/src/node";
for (const f of readdirSync(dir)) if (/^cli\.bundle(-.*)?\.js$/.test(f)) rmSync(join(dir, f));

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
const bundle = await rolldown({
  input: { "cli.bundle": join(dir, "cli.js") },
  platform: "node",
  external: [/^node:/],
  plugins: [lazyChildProcess],
  logLevel: "warn",
});
await bundle.write({ dir, format: "esm", entryFileNames: "[name].js", chunkFileNames: "cli.bundle-[name].js" });
await bundle.close();
