/**
 * The npm package as a user gets it (issue 12, item 8): `npm pack` of the built repo, installed
 * offline into an empty folder, then run from there — `npx alg-verify --help`, `alg-verify flows`
 * on a lab capture (the same JSON as the repo's CLI; the bundle and its code caches are what runs), an `import` of both entries (`alg-verify`,
 * `alg-verify/browser`) from a .mjs that really analyzes a capture, and `tsc --noEmit` of a .ts
 * using the shipped type declarations (one deliberate type error must be reported, so the check
 * cannot pass by finding no types at all).
 *
 * Offline and isolated: the only runtime dependency, commander, is packed from the repo's
 * node_modules and installed from that tarball; npm uses a cache inside the temp folder; nothing
 * global is touched. Needs the build (dist/ and build/release.wasm; `npm test` builds first).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const repo = new URL("../../", import.meta.url).pathname;
const built = existsSync(join(repo, "dist/src/node/index.d.ts")) && existsSync(join(repo, "dist/src/browser/index.d.ts")) && existsSync(join(repo, "build/release.wasm"));
const capture = join(repo, "pcaps/lab/ftp-active-helper/inside.pcap");
const tmp = mkdtempSync(join(tmpdir(), "alg-verify-pack-"));
const app = join(tmp, "app");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The environment without the npm_* variables of an enclosing `npm test`, with a private cache. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith("npm_")) env[k] = v;
  env.npm_config_cache = join(tmp, "npm-cache");
  env.npm_config_update_notifier = "false";
  return env;
}

function npm(cwd: string, ...args: string[]): string {
  return execFileSync("npm", args, { cwd, env: npmEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
}

describe.skipIf(!built)("npm pack → install in an empty folder → run", () => {
  let files: string[] = [];
  beforeAll(() => {
    // A code cache's temporary file (`<chunk>.cache.<pid>-<thread>`, bin/chunk-loader.cjs) as a killed
    // build run could leave one: package.json "files" keeps it out of the package.
    const stray = join(repo, "dist/src/node/cli.bundle.cjs.cache.4194304-1");
    writeFileSync(stray, "");
    let listing: string;
    try {
      listing = npm(repo, "pack", "--json", "--pack-destination", tmp);
    } finally {
      rmSync(stray, { force: true });
    }
    const [packed] = JSON.parse(listing) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    const [dep] = JSON.parse(npm(tmp, "pack", "--json", join(repo, "node_modules/commander"))) as { filename: string }[];
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { commander: `file:../${dep.filename}` } }));
    npm(app, "install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(tmp, packed.filename));
  });

  it("the tarball holds the type declarations of both entries, and no tests, benches or code caches' temporary files", () => {
    for (const f of ["dist/src/node/index.d.ts", "dist/src/browser/index.d.ts", "dist/src/node/index.js", "dist/src/browser/index.js", "build/release.wasm", "build/shared.wasm", "bin/alg-verify.js", "schema/verify.schema.json"]) expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith("dist/test/") || f.startsWith("dist/bench/"))).toEqual([]);
    expect(files.filter((f) => /\.cache\./.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, "node_modules/alg-verify/package.json"), "utf8"));
    for (const entry of [".", "./browser"]) expect(files).toContain(pkg.exports[entry].types.slice(2));
  });

  it("npx alg-verify --help and alg-verify flows run from the install", () => {
    const help = spawnSync("npx", ["--no", "--", "alg-verify", "--help"], { cwd: app, env: npmEnv(), encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: alg-verify/);
    for (const cmd of ["flows", "analyze", "verify", "router", "suite"]) expect(help.stdout).toContain(`  ${cmd} `);
    // The bundled CLI with its code caches (scripts/bundle-cli.mjs) ships and is what runs:
    // every chunk it loads compiled from its cache (npm gives every packed file the same mtime).
    for (const f of ["bin/chunk-loader.cjs", "bin/package.json", "dist/src/node/cli.bundle.cjs", "dist/src/node/cli.bundle.cjs.cache", "dist/src/node/analyze-worker.bundle.cjs"]) expect(files).toContain(f);
    const tally = join(tmp, "tally.jsonl");
    const installed = spawnSync("npx", ["--no", "--", "alg-verify", "flows", capture, "--json"], { cwd: app, env: { ...npmEnv(), ALG_VERIFY_CODE_CACHE_REPORT: tally }, encoding: "utf8", maxBuffer: 1 << 26 });
    expect(installed.status, installed.stderr).toBe(0);
    const main = JSON.parse(readFileSync(tally, "utf8").trim().split("\n")[0]);
    expect(main.files.every((f: string) => f.startsWith(join(app, "node_modules/alg-verify/dist/src/node/")))).toBe(true);
    expect(main).toMatchObject({ thread: 0, cached: main.chunks, rejected: 0, absent: 0 });
    expect(main.chunks).toBeGreaterThan(3);
    const here = spawnSync(process.execPath, [join(repo, "bin/alg-verify.js"), "flows", capture, "--json"], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(JSON.parse(installed.stdout)).toEqual(JSON.parse(here.stdout));
    expect(JSON.parse(installed.stdout).capture.packets).toBe(60);
    // A pair: one capture in a worker thread, scanned by the core built with shared memory
    // (build/shared.wasm) and its table handed over in place; the report is the checkout's.
    const pair = ["--inside", join(repo, "pcaps/nat/sip-udp-alg/inside.pcap"), "--outside", join(repo, "pcaps/nat/sip-udp-alg/outside.pcap"), "--json"];
    const verified = spawnSync("npx", ["--no", "--", "alg-verify", "verify", ...pair], { cwd: app, env: npmEnv(), encoding: "utf8", maxBuffer: 1 << 26 });
    expect(verified.status, verified.stderr).toBe(0);
    const verifiedHere = spawnSync(process.execPath, [join(repo, "bin/alg-verify.js"), "verify", ...pair], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(JSON.parse(verified.stdout)).toEqual(JSON.parse(verifiedHere.stdout));
  });

  it("import of both entries from a .mjs analyzes a capture", () => {
    writeFileSync(join(app, "use.mjs"), `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { analyzeFile, runVerify } from "alg-verify";
import { compileCoreAsync, analyzeBlob } from "alg-verify/browser";
const capture = ${JSON.stringify(capture)};
const node = await analyzeFile(capture);
const wasm = readFileSync(createRequire(import.meta.url).resolve("alg-verify/package.json").replace(/package\\.json$/, "build/release.wasm"));
const browser = await analyzeBlob(await compileCoreAsync(wasm), new Blob([readFileSync(capture)]), { file: "inside.pcap" });
const report = await runVerify({ inside: capture });
console.log(JSON.stringify({ packets: node.scan.info.packets, sessions: node.sessions.length, browserSessions: browser.sessions.length, verdict: report.verdict }));
`);
    const out = JSON.parse(execFileSync(process.execPath, ["use.mjs"], { cwd: app, encoding: "utf8" }));
    expect(out).toMatchObject({ packets: 60, sessions: 1, browserSessions: 1 });
    expect(["pass", "fail", "inconclusive"]).toContain(out.verdict);
  });

  it("tsc --noEmit type-checks a .ts against the shipped declarations", () => {
    writeFileSync(join(app, "use.ts"), `
import { analyzeFile, runVerify, type AnalyzeResult, type VerifyReport } from "alg-verify";
import { analyzeBlob, verifyBlobs, compileCoreAsync } from "alg-verify/browser";
export async function packets(path: string): Promise<number> {
  const r: AnalyzeResult = await analyzeFile(path);
  return r.scan.info.packets;
}
export async function verdict(inside: string): Promise<VerifyReport["verdict"]> {
  return (await runVerify({ inside })).verdict;
}
export const browser = [analyzeBlob, verifyBlobs, compileCoreAsync] as const;
`);
    // One deliberate mistake: the declarations must be there for tsc to see it.
    writeFileSync(join(app, "wrong.ts"), `
import { analyzeFile } from "alg-verify";
export const n: number = (await analyzeFile("x.pcap")).scan.info.file;
`);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: false, lib: ["ES2022", "DOM"], types: [] },
      files: ["use.ts", "wrong.ts"],
    }));
    const tsc = spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
    const errors = tsc.stdout.split("\n").filter((l) => / error TS\d+/.test(l));
    expect(errors.length, tsc.stdout).toBe(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(3,14\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });
});
