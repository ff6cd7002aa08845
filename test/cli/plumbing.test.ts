/**
 * CLI plumbing (issue 12, item 8): `-` is standard input for every file argument (one per
 * invocation), errors go to stderr in text mode as with --json, and verify exits 2 on a router
 * file of which nothing was understood (as `router` does) — random bytes, a pcap, an nftables
 * ruleset. In-process through main() with an injected standard input, and once through the real
 * launcher with a real pipe (the parallel path of verify reads `-` in the main thread while a
 * worker reads the other capture).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCli, runCliWithStdin } from "./run.js";
import { generateBenchCapture } from "../../bench/gen-capture.js";

// Each case runs the whole pipeline several times; on a loaded 2-core machine that takes a while.
vi.setConfig({ testTimeout: 300_000 });

const repo = new URL("../../", import.meta.url).pathname;
const lab = (c: string, f: string) => join(repo, "pcaps/lab", c, f);
const helper = (f: string) => lab("ftp-active-helper", f);
const tmp = mkdtempSync(join(tmpdir(), "alg-verify-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The same JSON report with the names of the inputs blanked (a file vs "<stdin>") and without
 * `feeds` (how many chunks the input arrived in: a pipe delivers more, smaller ones).
 */
const anonymous = (json: string, names: string[]) => {
  let s = json;
  for (const n of [...names, "<stdin>"]) s = s.split(n).join("INPUT");
  return JSON.parse(s, (k, v) => (k === "feeds" ? undefined : v));
};

describe("- is standard input", () => {
  it("flows - and analyze - give the report of the file (text and JSON)", async () => {
    const bytes = readFileSync(helper("inside.pcap"));
    for (const cmd of ["flows", "analyze"]) {
      const file = await runCli(cmd, helper("inside.pcap"), "--json");
      const piped = await runCliWithStdin(bytes, cmd, "-", "--json");
      expect(piped.code, piped.stderr).toBe(0);
      expect(anonymous(piped.stdout, [helper("inside.pcap")])).toEqual(anonymous(file.stdout, [helper("inside.pcap")]));
      const text = await runCliWithStdin(bytes, cmd, "-");
      expect(text.code).toBe(0);
      expect(text.stdout.split(helper("inside.pcap")).join("<stdin>")).toBe((await runCli(cmd, helper("inside.pcap"))).stdout.split(helper("inside.pcap")).join("<stdin>"));
      expect(text.stdout).toContain("<stdin>");
    }
  });

  it("verify --inside -, --outside - and --router - give the report of the files", async () => {
    const args = (inside: string, outside: string, router: string) => ["verify", "--inside", inside, "--outside", outside, "--router", router, "--router", helper("expect.txt"), "--json"];
    const names = [helper("inside.pcap"), helper("outside.pcap"), helper("conntrack.txt")];
    const want = await runCli(...args(helper("inside.pcap"), helper("outside.pcap"), helper("conntrack.txt")));
    expect(want.code, want.stderr).toBe(0);
    const cases: [Buffer, string[]][] = [
      [readFileSync(helper("inside.pcap")), args("-", helper("outside.pcap"), helper("conntrack.txt"))],
      [readFileSync(helper("outside.pcap")), args(helper("inside.pcap"), "-", helper("conntrack.txt"))],
      [readFileSync(helper("conntrack.txt")), args(helper("inside.pcap"), helper("outside.pcap"), "-")],
    ];
    for (const [stdin, argv] of cases) {
      const got = await runCliWithStdin(stdin, ...argv);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toContain('"<stdin>"');
      expect(anonymous(got.stdout, names)).toEqual(anonymous(want.stdout, names));
    }
  });

  it("router -: every command's text files are read through io.readFile, which reads standard input for -", async () => {
    const file = helper("conntrack.txt");
    const want = await runCli("router", file, "--json");
    const got = await runCliWithStdin(readFileSync(file), "router", "-", "--json");
    expect(got.code, got.stderr).toBe(0);
    const flows = (json: string) => JSON.parse(json, (k, v) => (k === "file" ? undefined : v)).flows;
    expect(flows(got.stdout)).toEqual(flows(want.stdout));
    expect(flows(got.stdout).length).toBe(3);
  });

  it("only one argument may be -: exit 2 naming them, nothing on stdout", async () => {
    const r = await runCliWithStdin("", "verify", "--inside", "-", "--outside", "-");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/only one file argument may be - \(standard input\).*--inside and --outside/);
    const r2 = await runCliWithStdin("", "verify", "--inside", helper("inside.pcap"), "--router", "-", "--router", "-");
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("--router and --router");
    const r3 = await runCliWithStdin("", "verify", "--capture", "-", "--inside-if", "0", "--outside-if", "1");
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--capture cannot be - .*read once per side/);
  });

  it("a damaged capture on standard input: exit 2, located error naming <stdin> on stderr", async () => {
    const cut = readFileSync(helper("inside.pcap")).subarray(0, 3000);
    for (const argv of [["flows", "-"], ["analyze", "-"], ["verify", "--inside", "-"]]) {
      const r = await runCliWithStdin(cut, ...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/error\[truncated_record\] <stdin>, offset 2941/);
    }
  });
});

describe("errors go to stderr, in text mode too", () => {
  const cut = join(tmp, "cut.pcap");
  writeFileSync(cut, readFileSync(helper("inside.pcap")).subarray(0, 3000));
  for (const [name, argv] of [
    ["flows", ["flows", cut]],
    ["analyze", ["analyze", cut]],
    ["verify", ["verify", "--inside", cut]],
  ] as [string, string[]][]) {
    it(`${name} on a damaged capture`, async () => {
      for (const json of [false, true]) {
        const r = await runCli(...argv, ...(json ? ["--json"] : []));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`error[truncated_record] ${cut}, offset 2941`);
        expect(r.stdout.length).toBeGreaterThan(0); // the partial report stays on stdout
      }
    });
  }

  it("unreadable files, usage errors and an empty suite", async () => {
    for (const argv of [["flows", join(tmp, "nope.pcap")], ["analyze", join(tmp, "nope.pcap")], ["verify", "--inside", join(tmp, "nope.pcap")], ["verify", "--router", join(tmp, "nope.txt")]]) {
      const r = await runCli(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/unreadable_file.*nope\.(pcap|txt).*ENOENT/);
    }
    const u = await runCli("verify", "--window", "x");
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("--window");
    const s = await runCli("suite", tmp);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain("no case under");
  });
});

describe("verify: a router file of which nothing was understood is an input error (exit 2)", () => {
  const rand = join(tmp, "random.bin");
  // Deterministic "random" bytes (a linear congruential sequence).
  let x = 12345;
  writeFileSync(rand, Buffer.from(Array.from({ length: 4096 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 255)));
  for (const [what, file] of [["random bytes", rand], ["a pcap", helper("inside.pcap")], ["an nftables ruleset", helper("ruleset.txt")]] as const) {
    it(`${what} as --router: exit 2 with the file named, in text and JSON mode`, async () => {
      for (const json of [false, true]) {
        const r = await runCli("verify", "--inside", helper("inside.pcap"), "--outside", helper("outside.pcap"), "--router", helper("conntrack.txt"), "--router", file, ...(json ? ["--json"] : []));
        expect(r.code).toBe(2);
        const line = r.stderr.trim().split("\n").at(-1)!;
        expect(line).toMatch(/^error\[nothing_understood\] /);
        expect(line).toContain(file);
        // The router command says the same of the same file.
        expect((await runCli("router", file)).code).toBe(2);
      }
    });
  }

  it("on standard input too; an empty router file is no error (a warning)", async () => {
    const r = await runCliWithStdin(readFileSync(helper("ruleset.txt")), "verify", "--inside", helper("inside.pcap"), "--router", "-");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[nothing_understood\] <stdin>/);
    const empty = join(tmp, "expect-empty.txt");
    writeFileSync(empty, "");
    const e = await runCli("verify", "--inside", helper("inside.pcap"), "--outside", helper("outside.pcap"), "--router", helper("conntrack.txt"), "--router", empty, "--json");
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).diagnostics).toContainEqual(expect.objectContaining({ code: "empty_file", severity: "warning", file: empty }));
  });
});

describe("exit codes in --help", () => {
  it("verify --help lists 0, 1, 2, 3 and 4", async () => {
    const r = await runCli("verify", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}pass.*\n {2}1 {2}fail.*\n {2}2 {2}input error[^]*\n {2}3 {2}internal error\n {2}4 {2}inconclusive/);
    expect(r.stdout).toContain("- (standard input)");
  });
});

const bin = join(repo, "bin/alg-verify.js");
const built = existsSync(join(repo, "dist/src/node/cli.js")) && existsSync(join(repo, "dist/src/node/analyze-worker.js"));
describe.skipIf(!built)("the launcher with a real pipe (compiled dist/)", () => {
  const run = (input: Buffer, ...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { input, encoding: "utf8", maxBuffer: 1 << 26 });
  it("flows - and verify --inside - (the other capture in a worker thread)", () => {
    const inside = readFileSync(helper("inside.pcap"));
    const flows = run(inside, "flows", "-");
    expect(flows.status, flows.stderr).toBe(0);
    expect(flows.stdout).toMatch(/^<stdin>: pcap, .* 60 packets/);
    const want = run(Buffer.alloc(0), "verify", "--inside", helper("inside.pcap"), "--outside", helper("outside.pcap"), "--router", helper("conntrack.txt"), "--json");
    const got = run(inside, "verify", "--inside", "-", "--outside", helper("outside.pcap"), "--router", helper("conntrack.txt"), "--json");
    expect(got.status, got.stderr).toBe(0);
    const names = [helper("inside.pcap"), helper("outside.pcap"), helper("conntrack.txt")];
    expect(anonymous(got.stdout, names)).toEqual(anonymous(want.stdout, names));
    const bad = run(readFileSync(helper("ruleset.txt")), "verify", "--inside", helper("inside.pcap"), "--router", "-");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error\[nothing_understood\] <stdin>/);
  });

  // The launcher ends the process as soon as main() has returned (process.exit, not a drained
  // event loop): that is right only while every byte of the report is written before main()
  // returns. A reader slower than the launcher fills the pipe (64 KiB) again and again, so the
  // launcher's writes meet a full pipe: all of the report must still arrive, with the exit code.
  it("a report many times the pipe's size, read slowly: every byte arrives, and the exit code", async () => {
    const capture = join(tmp, "many-flows.pcap");
    generateBenchCapture(capture, { bytes: 1 << 20, flows: 800, seed: 5 });
    for (const argv of [["flows", "--json", capture], ["analyze", "--json", capture], ["flows", capture]]) {
      const want = await runCli(...argv);
      const child = spawn(process.execPath, [bin, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c));
      // Each chunk taken, then nothing read for 20 ms: the launcher's next writes find the pipe full.
      child.stdout.on("data", (c: Buffer) => {
        out.push(c);
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 20);
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(want.stdout.length, argv.join(" ")).toBeGreaterThan(96 << 10);
      expect(out.length, argv.join(" ")).toBeGreaterThan(2);
      expect(code, err).toBe(want.code);
      expect(Buffer.concat(out).toString("utf8"), argv.join(" ")).toBe(want.stdout);
    }
  });
});
