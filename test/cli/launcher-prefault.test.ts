/**
 * The launcher starts the prefault helper's worker before the CLI is loaded (bin/alg-verify.js
 * startPrefault), for `analyze` and `flows` of a file of at least PREFAULT_MIN_BYTES, and the
 * helper adopts it (src/node/prefault.ts): a preload (NODE_OPTIONS --require) watches the global
 * through which the worker is handed over. The report is the same as without any helper.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { PREFAULT_MIN_BYTES } from "../../src/node/prefault.js";

const bin = new URL("../../bin/alg-verify.js", import.meta.url).pathname;
const built = existsSync(new URL("../../dist/src/node/prefault-worker.js", import.meta.url).pathname)
  && existsSync(new URL("../../build/shared.wasm", import.meta.url).pathname);
const dir = mkdtempSync(join(tmpdir(), "alg-verify-launcher-prefault-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const preload = join(dir, "watch.cjs");
writeFileSync(preload, `
const fs = require("node:fs");
const sym = Symbol.for("alg-verify.prefault-worker");
const seen = { set: false, taken: false };
let value;
Object.defineProperty(globalThis, sym, {
  configurable: true,
  set(v) { seen.set = true; value = v; },
  get() { if (value && value.worker) seen.taken = true; return value; },
});
process.on("exit", () => fs.writeFileSync(process.env.WATCH_OUT, JSON.stringify(seen)));
`);

/** Runs the launcher with the preload: exit status, stdout's sha256, and what the preload saw. */
function run(args: string[], env: NodeJS.ProcessEnv = {}, status = 0): { sha: string; seen: { set: boolean; taken: boolean } } {
  const out = join(dir, "seen.json");
  rmSync(out, { force: true });
  const r = spawnSync(bin, args, { env: { ...process.env, ...env, NODE_OPTIONS: `--require ${preload}`, WATCH_OUT: out }, maxBuffer: 1 << 30 });
  expect(r.status, String(r.stderr)).toBe(status);
  return { sha: createHash("sha256").update(r.stdout).digest("hex"), seen: JSON.parse(readFileSync(out, "utf8")) };
}

describe.skipIf(!built)("the launcher's early prefault worker", () => {
  const big = join(dir, "big.pcap");
  const small = join(dir, "small.pcap");

  it("analyze and flows of a capture of PREFAULT_MIN_BYTES: started by the launcher, adopted by the helper, the same report", () => {
    generateBenchCapture(big, { bytes: PREFAULT_MIN_BYTES + (1 << 20), flows: 20_000, seed: 3 });
    for (const cmd of [["analyze", "--json", "--profile", "linux"], ["flows", "--json"]]) {
      const early = run([...cmd, big]);
      expect(early.seen, cmd[0]).toEqual({ set: true, taken: true });
      const none = run([...cmd, big], { ALG_VERIFY_PREFAULT: "0" });
      expect(none.seen, cmd[0]).toEqual({ set: false, taken: false });
      expect(early.sha, cmd[0]).toBe(none.sha);
    }
  }, 120_000);

  it("a path the launcher cannot stat (ENOTDIR) is the CLI's clear error, not the launcher's crash", () => {
    const notDir = join(dir, "plain-file");
    writeFileSync(notDir, "x");
    const r = spawnSync(bin, ["analyze", "--json", join(notDir, "x.pcap")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unreadable_file");
    expect(r.stderr).not.toContain("at statSync");
  });

  it("no worker for a smaller capture, nor for other commands", () => {
    generateBenchCapture(small, { bytes: 4 << 20, flows: 2_000, seed: 3 });
    expect(run(["analyze", "--json", small]).seen).toEqual({ set: false, taken: false });
    // (the same capture on both sides: no NAT to see, exit 4 inconclusive or 1)
    const v = spawnSync(bin, ["verify", "--json", "--inside", big, "--outside", big], { stdio: "ignore" }).status;
    expect(run(["verify", "--json", "--inside", big, "--outside", big], {}, v ?? -1).seen).toEqual({ set: false, taken: false });
  }, 120_000);
});
