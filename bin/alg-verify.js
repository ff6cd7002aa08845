#!/usr/bin/env -S node --max-semi-space-size=8
// Launcher: runs the compiled CLI (dist/) and sets the process exit code from main().
// --max-semi-space-size=8 (MiB; bench/PERFORMANCE-LOG.md "Flows that come and go"): V8's young generation stops at 2 × 8 MiB
// instead of growing to 2 × 16 MiB over a long capture (analyze on a 4 GiB capture whose flows
// come and go: peak RSS 185 against 204 MiB; CPU unchanged, paired runs). Node ignores a
// shebang: `node bin/alg-verify.js` runs without it.
import { statSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";

/**
 * The CLI bundled by `npm run build` (scripts/bundle-cli.mjs: a one-capture command loads 17 of our files instead of 43,
 * bench/PERFORMANCE-LOG.md "Start-up") when it is at least as new as the compiled cli.js; else, or with
 * ALG_VERIFY_BUNDLE=0, the compiled modules themselves.
 */
function cliModule() {
  const compiled = new URL("../dist/src/node/cli.js", import.meta.url);
  if (process.env.ALG_VERIFY_BUNDLE === "0") return compiled;
  const bundle = new URL("../dist/src/node/cli.bundle.js", import.meta.url);
  const b = statSync(bundle, { throwIfNoEntry: false });
  const c = statSync(compiled, { throwIfNoEntry: false });
  return b && (!c || b.mtimeMs >= c.mtimeMs) ? bundle : compiled;
}

const { main } = await import(cliModule().href);

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

const code = await main(process.argv.slice(2), {
  stdout: (s) => writeAll(1, s),
  stderr: (s) => writeAll(2, s),
  readFile: (p) => readFile(p, "utf8"),
  setExitCode: () => {},
  isTTY: Boolean(process.stderr.isTTY),
  // (a terminal of unknown size reports 0 columns)
  stderrColumns: process.stderr.columns || undefined,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stdoutColumns: (process.stdout.isTTY && process.stdout.columns) || undefined,
  env: process.env,
});
process.exitCode = code;
