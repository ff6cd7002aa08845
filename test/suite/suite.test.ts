/**
 * `alg-verify suite` driven in-process through registerSuiteCommand with a fake CliIo, on the
 * real netfilter cases of pcaps/lab and on temporary copies of them (edited expectations, plain
 * folders, damaged captures). Under vitest the pool runs from the TypeScript sources and falls
 * back to serial execution; the worker-thread path is exercised against the compiled worker
 * (dist/src/node/suite-worker.js after `npm run build`; ALG_VERIFY_TEST_DIST=<outDir> points
 * elsewhere) and skipped when it is not built.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Command, CommanderError } from "commander";
import Ajv2020 from "ajv/dist/2020.js";
import type { CliIo } from "../../src/node/io.js";
import { registerSuiteCommand, runSuite, parseShard, type SuiteJson } from "../../src/node/suite-cli.js";
import { checkExpected, judge, shard, type CaseRun, type CaseSpec, type Expected } from "../../src/suite/case.js";
import { usesWorkers } from "../../src/node/suite-pool.js";
import { parseXml } from "./xml.js";
import { runCli } from "../cli/run.js";
import { checkJunit } from "./junit-check.js";

// Several tests run the whole lab suite; on a loaded 2-core machine that takes minutes.
vi.setConfig({ testTimeout: 600_000 });

const repo = new URL("../../", import.meta.url).pathname;
const recorded = join(repo, "pcaps/lab");
const tmp = mkdtempSync(join(tmpdir(), "alg-verify-suite-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const labCases = readdirSync(recorded).filter((d) => existsSync(join(recorded, d, "case.json"))).sort();
const lab = recorded;

function fakeIo() {
  const out = { stdout: "", stderr: "", exitCode: undefined as number | undefined };
  const dec = new TextDecoder();
  const io: CliIo = {
    stdout: (s) => void (out.stdout += typeof s === "string" ? s : dec.decode(s)),
    stderr: (s) => void (out.stderr += s),
    readFile: (p) => readFile(p, "utf8"),
    setExitCode: (c) => void (out.exitCode = c),
  };
  return { io, out };
}

/**
 * Runs `alg-verify suite …` and returns the exit code as main() would (usage errors 2).
 * Once src/node/cli.ts registers the command this is equivalent to runCli("suite", …).
 */
async function suite(...args: string[]) {
  const { io, out } = fakeIo();
  const program = new Command().name("alg-verify").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerSuiteCommand(program, io);
  let code: number;
  try {
    out.exitCode = 0;
    await program.parseAsync(["suite", ...args], { from: "user" });
    code = out.exitCode;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout: out.stdout, stderr: out.stderr, json: () => JSON.parse(out.stdout) as SuiteJson };
}

/** A fresh directory under the test's temp dir. */
let n = 0;
const freshDir = (label: string) => {
  const d = join(tmp, `${++n}-${label}`);
  mkdirSync(d, { recursive: true });
  return d;
};
const copyCase = (name: string, to: string) => cpSync(join(lab, name), to, { recursive: true });
const junitOf = (file: string) => {
  const root = parseXml(readFileSync(file, "utf8"));
  expect(checkJunit(root)).toEqual([]);
  return root;
};
const withoutTimes = (j: SuiteJson) => j.cases.map(({ seconds: _s, ...c }) => c);

describe("alg-verify suite on pcaps/lab", () => {
  it("finds the 7 lab cases", () => expect(labCases.length).toBeGreaterThanOrEqual(7));

  let serial: SuiteJson;
  it("every lab case gives its expected verdict and codes: exit 0, table and JUnit", async () => {
    const junit = join(freshDir("junit"), "report.xml");
    const r = await suite(lab, "--jobs", "1", "--junit", junit, "--json");
    expect(r.code, r.stderr).toBe(0);
    serial = r.json();
    expect(serial.schemaVersion).toBe(1);
    expect(serial.cases.map((c) => c.case)).toEqual(labCases);
    for (const c of serial.cases) {
      const meta = JSON.parse(readFileSync(join(lab, c.case, "case.json"), "utf8"));
      expect(c.regression, `${c.case}: ${JSON.stringify(c)}`).toBe(false);
      expect(c.verdict).toBe(meta.expected.verdict);
      expect(c.findings).toEqual([...meta.expected.findings].sort());
      expect(c.expected).toEqual({ verdict: meta.expected.verdict, findings: [...meta.expected.findings].sort() });
      expect(c.dir).toBe(join(lab, c.case));
      expect(c.error).toBeUndefined();
      expect(c.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(serial.summary).toEqual({ total: labCases.length, passed: labCases.length, regressions: 0, unchecked: 0, errors: 0 });
    for (const c of serial.cases) {
      expect(c.result).toBe("passed");
      // Router output picked by content: the conntrack listing, events and expectations are read,
      // the nftables ruleset (and the scripted SIP peers' logs, lab/sip_clash.py) are listed as
      // skipped with the parser's reason.
      expect(c.router.map((f) => f.slice(c.dir.length + 1))).toEqual(["conntrack.txt", "events.txt", "expect-events.txt", "expect.txt"].filter((f) => existsSync(join(c.dir, f))));
      const scripted = c.case.startsWith("sip-clash-") || c.case === "sip-udp-media-crossing";
      expect(c.skipped.map((x) => x.file.slice(c.dir.length + 1))).toEqual(["ruleset.txt", "sip-client-steps.log", "sip-server.log"].filter((f) => f === "ruleset.txt" || scripted));
      for (const x of c.skipped) expect(x.reason).toMatch(/router output|understood/);
    }

    const root = junitOf(junit);
    expect(root.attrs).toMatchObject({ name: "alg-verify", tests: String(labCases.length), failures: "0", errors: "0" });
    expect(root.children.map((s) => s.name)).toEqual(["testsuite"]);
    const ts = root.children[0];
    expect(ts.attrs).toMatchObject({ name: "alg-verify", tests: String(labCases.length), failures: "0", errors: "0", skipped: "0" });
    const cases = ts.children.filter((c) => c.name === "testcase");
    expect(cases.map((c) => c.attrs.name)).toEqual(labCases);
    for (const tc of cases) {
      expect(tc.attrs.classname).toBe("alg-verify");
      expect(tc.children.map((c) => c.name)).toEqual(["system-out"]);
    }
    const noHelper = cases.find((c) => c.attrs.name === "ftp-active-no-helper")!;
    expect(noHelper.children[0].text).toContain("error alg.payload-not-translated: PORT left untranslated");
  });

  it("prints a table with case, verdict, expected, findings and time", async () => {
    const r = await suite(lab, "--jobs", "1");
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.split("\n");
    expect(header.split(/\s+/)).toEqual(["case", "verdict", "expected", "findings", "time", "result"]);
    for (const c of labCases) expect(rows.some((l) => l.startsWith(c + " "))).toBe(true);
    expect(r.stdout).toMatch(/ftp-active-no-helper +fail +fail +alg\.data-flow-blocked, alg\.payload-not-translated +\d+\.\d\ds +ok/);
    expect(r.stdout).toContain(`${labCases.length} cases: ${labCases.length} passed, 0 regressions, 0 unchecked`);
    expect(r.stdout).toContain("\nnot router output (skipped):\n");
    // Every case's ruleset.txt is one line: the file name, how many cases, the first three named.
    const n = labCases.length;
    expect(r.stdout).toContain(`\n  ruleset.txt in ${n} cases (${labCases.slice(0, 3).join(", ")} and ${n - 3} more): nothing in ruleset.txt was understood as router output: it looks like an nftables ruleset\n`);
    for (const c of labCases) expect(r.stdout).not.toContain(`  ${c}/ruleset.txt`);
  });

  it("--jobs 2 gives the same results as --jobs 1", async () => {
    const r = await suite(lab, "--jobs", "2", "--json");
    expect(r.code).toBe(0);
    expect(withoutTimes(r.json())).toEqual(withoutTimes(serial));
  });

  const distRoot = process.env.ALG_VERIFY_TEST_DIST ?? join(repo, "dist");
  const distWorker = join(distRoot, "src/node/suite-worker.js");
  it.skipIf(!existsSync(distWorker))("worker threads (compiled worker) give the same results as serial", async () => {
    const workerUrl = pathToFileURL(distWorker);
    expect(usesWorkers(labCases.length, { jobs: 2, workerUrl })).toBe(true);
    const { io, out } = fakeIo();
    const junit = join(freshDir("workers"), "report.xml");
    const code = await runSuite(lab, { jobs: 2, json: true, workerUrl, junit }, io);
    expect(code, out.stderr).toBe(0);
    expect(withoutTimes(JSON.parse(out.stdout))).toEqual(withoutTimes(serial));
    const ts = junitOf(junit).children[0];
    expect(ts.children.find((c) => c.name === "properties")!.children.find((p) => p.attrs.name === "jobs")!.attrs.value).toBe("2");
  });

  it("--shard 1/3, 2/3 and 3/3 together cover every case exactly once", async () => {
    const seen: string[] = [];
    for (const k of [1, 2, 3]) {
      const junit = join(freshDir(`shard-${k}`), "report.xml");
      const r = await suite(lab, "--jobs", "1", "--shard", `${k}/3`, "--json", "--junit", junit);
      expect(r.code).toBe(0);
      const names = r.json().cases.map((c) => c.case);
      expect(names.length).toBeGreaterThan(0);
      expect(names).toEqual(labCases.filter((_c, i) => i % 3 === k - 1));
      const tcs = junitOf(junit).children[0].children.filter((c) => c.name === "testcase").map((c) => c.attrs.name);
      expect(tcs).toEqual(names);
      seen.push(...names);
    }
    expect([...seen].sort()).toEqual(labCases);
  });

  it("the lab and nat case.json files are valid against schema/case.schema.json", () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(readFileSync(join(repo, "schema/case.schema.json"), "utf8")));
    const nat = join(repo, "pcaps/nat");
    const all = [...readdirSync(recorded).map((c) => join(recorded, c)), ...readdirSync(nat).map((c) => join(nat, c))].filter((d) => existsSync(join(d, "case.json")));
    for (const d of all) {
      const ok = validate(JSON.parse(readFileSync(join(d, "case.json"), "utf8")));
      expect(ok, `${d}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate({ expected: { verdict: "maybe" } })).toBe(false);
    expect(validate({ expected: { findings: [] } })).toBe(false);
    expect(validate({ expected: { verdict: "fail", findings: ["alg.data-flow-blocked"] }, anything: 1 })).toBe(true);
  });
});

describe("alg-verify suite: regressions, plain folders, errors", () => {
  it("a case.json expecting a different code: exit 1, <failure> naming the codes", async () => {
    const dir = freshDir("edited");
    copyCase("ftp-active-no-helper", join(dir, "edited"));
    copyCase("ftp-active-helper", join(dir, "fine"));
    const file = join(dir, "edited", "case.json");
    const meta = JSON.parse(readFileSync(file, "utf8"));
    meta.expected.findings = ["alg.payload-not-translated", "alg.data-flow-missing"];
    writeFileSync(file, JSON.stringify(meta, null, 2));
    const junit = join(dir, "report.xml");
    const r = await suite(dir, "--jobs", "1", "--junit", junit, "--json");
    expect(r.code).toBe(1);
    const j = r.json();
    const edited = j.cases.find((c) => c.case === "edited")!;
    expect(edited).toMatchObject({ verdict: "fail", regression: true, findings: ["alg.data-flow-blocked", "alg.payload-not-translated"] });
    expect(j.cases.find((c) => c.case === "fine")!.regression).toBe(false);
    expect(j.summary).toEqual({ total: 2, passed: 1, regressions: 1, unchecked: 0, errors: 0 });

    const ts = junitOf(junit).children[0];
    expect(ts.attrs).toMatchObject({ tests: "2", failures: "1", errors: "0" });
    const tc = ts.children.find((c) => c.attrs.name === "edited")!;
    expect(tc.children.map((c) => c.name)).toEqual(["failure", "system-out"]);
    expect(tc.children[0].attrs.type).toBe("regression");
    expect(tc.children[0].attrs.message).toBe("missing alg.data-flow-missing; unexpected alg.data-flow-blocked");
    expect(tc.children[1].text).toContain("alg.data-flow-blocked");

    const text = await suite(dir, "--jobs", "1");
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/edited +fail +fail .* REGRESSION/);
    expect(text.stdout).toContain("edited: missing alg.data-flow-missing; unexpected alg.data-flow-blocked");
  });

  it("expected codes may include warnings; case.json `router` picks the router files", async () => {
    const dir = freshDir("warnings");
    copyCase("ftp-active-no-helper", join(dir, "listed"));
    copyCase("ftp-active-no-helper", join(dir, "missing-router"));
    const meta = JSON.parse(readFileSync(join(lab, "ftp-active-no-helper", "case.json"), "utf8"));
    // conntrack.helper-missing is a warning reported from conntrack.txt.
    meta.expected.findings.push("conntrack.helper-missing");
    meta.router = ["conntrack.txt"];
    writeFileSync(join(dir, "listed", "case.json"), JSON.stringify(meta));
    writeFileSync(join(dir, "missing-router", "case.json"), JSON.stringify({ ...meta, router: ["router-none.txt"] }));
    const r = await suite(dir, "--jobs", "1", "--json");
    const [listed, missingRouter] = r.json().cases;
    expect(listed).toMatchObject({ case: "listed", verdict: "fail", regression: false, findings: ["alg.data-flow-blocked", "alg.payload-not-translated"] });
    expect(missingRouter).toMatchObject({ case: "missing-router", verdict: "error", regression: true });
    expect(missingRouter.error).toContain("router-none.txt");
    // Without conntrack.txt there is no helper-missing warning: the listed code is missing.
    writeFileSync(join(dir, "listed", "case.json"), JSON.stringify({ ...meta, router: [] }));
    rmSync(join(dir, "missing-router"), { recursive: true });
    const again = await suite(dir, "--jobs", "1", "--json");
    expect(again.code).toBe(1);
    expect(again.json().cases[0]).toMatchObject({ verdict: "fail", regression: true });
  });

  it("a different expected verdict is a regression too", async () => {
    const dir = freshDir("verdict");
    copyCase("ftp-active-helper", join(dir, "c"));
    const file = join(dir, "c", "case.json");
    writeFileSync(file, JSON.stringify({ expected: { verdict: "fail" } }));
    const r = await suite(dir, "--json");
    expect(r.code).toBe(1);
    expect(r.json().cases[0]).toMatchObject({ verdict: "pass", expected: { verdict: "fail" }, regression: true });
  });

  it("a folder without expectations is unchecked, never passed: table, JSON, JUnit <skipped>, summary", async () => {
    const dir = freshDir("plain");
    const nested = join(dir, "site-a", "run-1");
    mkdirSync(nested, { recursive: true });
    for (const f of ["inside.pcap", "outside.pcap", "conntrack.txt", "expect.txt", "events.txt", "ruleset.txt"]) cpSync(join(lab, "ftp-active-no-helper", f), join(nested, f));
    // case.json without `expected` (only documentation) is unchecked too; one checked case beside.
    copyCase("ftp-active-helper", join(dir, "site-b"));
    writeFileSync(join(dir, "site-b", "case.json"), JSON.stringify({ scenario: "documentation only" }));
    copyCase("ftp-ipv6", join(dir, "site-c"));
    const junit = join(dir, "report.xml");
    const r = await suite(dir, "--jobs", "1", "--json", "--junit", junit);
    expect(r.code, r.stderr).toBe(0);
    const [a, b, c] = r.json().cases;
    expect(a).toMatchObject({ case: "site-a/run-1", verdict: "fail", result: "unchecked", regression: false, findings: ["alg.data-flow-blocked", "alg.payload-not-translated"] });
    expect(a.expected).toBeUndefined();
    expect(b).toMatchObject({ case: "site-b", verdict: "pass", result: "unchecked", regression: false });
    expect(c).toMatchObject({ case: "site-c", verdict: "pass", result: "passed", regression: false });
    expect(r.json().summary).toEqual({ total: 3, passed: 1, regressions: 0, unchecked: 2, errors: 0 });
    const ts = junitOf(junit).children[0];
    expect(ts.attrs).toMatchObject({ tests: "3", failures: "0", errors: "0", skipped: "2" });
    const tcs = ts.children.filter((x) => x.name === "testcase");
    expect(tcs.map((t) => t.children.map((x) => x.name))).toEqual([["skipped", "system-out"], ["skipped", "system-out"], ["system-out"]]);
    expect(tcs[0].children[0].attrs.message).toBe("no expectations");
    const text = await suite(dir, "--jobs", "1");
    expect(text.stdout).toMatch(/site-a\/run-1 +fail +- +alg\.data-flow-blocked.* unchecked\n/);
    expect(text.stdout).toMatch(/site-b +pass +- +- +\d+\.\d\ds +unchecked\n/);
    expect(text.stdout).toMatch(/site-c +pass +pass +- +\d+\.\d\ds +ok\n/);
    expect(text.stdout).toContain("3 cases: 1 passed, 0 regressions, 2 unchecked (no expectations)");
  });

  it("router files are picked by content, whatever their names; other files are listed as skipped with the reason", async () => {
    const dir = freshDir("content");
    const named = join(dir, "named");
    const renamed = join(dir, "renamed");
    copyCase("ftp-active-helper", named);
    mkdirSync(renamed);
    const from = join(lab, "ftp-active-helper");
    for (const [src, dst] of [["inside.pcap", "inside.pcap"], ["outside.pcap", "outside.pcap"], ["case.json", "case.json"],
      ["conntrack.txt", "conntrack-after.txt"], ["expect.txt", "expect-during.txt"], ["events.txt", "ct-events.log"], ["ruleset.txt", "nft.conf"]]) {
      cpSync(join(from, src), join(renamed, dst));
    }
    // Not router output: a log, a README, binary data, another capture (not even read).
    writeFileSync(join(renamed, "server.log"), "Dec 03 10:00:01 server vsftpd[123]: CONNECT: Client \"192.0.2.10\"\nDec 03 10:00:02 server vsftpd[123]: OK LOGIN\n");
    writeFileSync(join(renamed, "README.md"), "# ftp-active-helper\n\nRecorded on the lab with the FTP helper assigned.\n");
    writeFileSync(join(renamed, "blob.bin"), Buffer.from(Array.from({ length: 4096 }, (_x, i) => (i * 7919 + 13) % 256)));
    cpSync(join(from, "inside.pcap"), join(renamed, "extra-capture.pcap"));
    const r = await suite(dir, "--jobs", "1", "--json");
    expect(r.code, r.stderr).toBe(0);
    const [n, x] = r.json().cases;
    expect(n.case).toBe("named");
    expect(x).toMatchObject({ case: "renamed", result: "passed", verdict: n.verdict, findings: n.findings });
    const base = (f: string) => f.slice(renamed.length + 1);
    expect(x.router.map(base)).toEqual(["conntrack-after.txt", "ct-events.log", "expect-during.txt"]);
    const skipped = Object.fromEntries(x.skipped.map((s) => [base(s.file), s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(["README.md", "blob.bin", "extra-capture.pcap", "nft.conf", "server.log"]);
    expect(skipped["extra-capture.pcap"]).toBe("a pcap capture, not router output");
    for (const f of ["README.md", "blob.bin", "nft.conf", "server.log"]) expect(skipped[f]).toMatch(/router output|understood/);
    // The evidence is the same as with the usual names: the same report (findings, answers).
    const cli = async (d: string, files: string[]) => JSON.parse((await runCli("verify", "--inside", join(d, "inside.pcap"), "--outside", join(d, "outside.pcap"), ...files.flatMap((f) => ["--router", join(d, f)]), "--json")).stdout);
    const a = await cli(named, ["conntrack.txt", "events.txt", "expect.txt"]);
    const b = await cli(renamed, ["conntrack-after.txt", "ct-events.log", "expect-during.txt"]);
    expect(b.findings).toEqual(a.findings);
    expect(b.router.flows).toBe(a.router.flows);
    // The table lists what was skipped and why.
    const text = await suite(dir, "--jobs", "1");
    expect(text.stdout).toContain("not router output (skipped):");
    expect(text.stdout).toContain("  renamed/extra-capture.pcap: a pcap capture, not router output\n");
    expect(text.stdout).toMatch(/ {2}renamed\/nft\.conf: .+\n/);
    // A candidate larger than --max-router-file is not read.
    const small = await suite(dir, "--jobs", "1", "--json", "--max-router-file", "100");
    const y = small.json().cases[1];
    expect(y.router).toEqual([]);
    expect(y.skipped.find((s) => base(s.file) === "conntrack-after.txt")!.reason).toMatch(/larger than the router-file limit of 100 \(--max-router-file\)/);
    expect((await suite(dir, "--max-router-file", "lots")).code).toBe(2);
  });

  it("case.json `router` wins: a listed file that is not router output makes the case an error", async () => {
    const dir = freshDir("listed-ruleset");
    copyCase("ftp-active-helper", join(dir, "c"));
    const meta = JSON.parse(readFileSync(join(dir, "c", "case.json"), "utf8"));
    writeFileSync(join(dir, "c", "case.json"), JSON.stringify({ ...meta, router: ["conntrack.txt", "ruleset.txt"] }));
    const r = await suite(dir, "--jobs", "1", "--json");
    expect(r.code).toBe(1);
    const [c] = r.json().cases;
    expect(c).toMatchObject({ verdict: "error", regression: true, skipped: [] });
    expect(c.error).toMatch(/nothing_understood.*ruleset\.txt/);
  });

  it("case.json may expect inconclusive: the suite reports the verdict verify gives and compares it", async () => {
    const dir = freshDir("inconclusive");
    // A capture holding no FTP or RTSP session at all: nothing to judge.
    const { writePcap, ethernet, ipPacket, udp } = await import("../helpers/pcap-writer.js");
    mkdirSync(join(dir, "c"));
    const pkt = ethernet({ etherType: 0x0800, payload: ipPacket({ src: "192.0.2.10", dst: "198.51.100.20", proto: 17, payload: udp({ srcPort: 5353, dstPort: 5353, payload: new Uint8Array(20) }) }) });
    writeFileSync(join(dir, "c", "inside.pcap"), writePcap([{ ts: { sec: 1, usec: 0 }, data: pkt }, { ts: { sec: 2, usec: 0 }, data: pkt }], { linkType: 1 }));
    writeFileSync(join(dir, "c", "case.json"), JSON.stringify({ expected: { verdict: "inconclusive" } }));
    const cli = await runCli("verify", "--inside", join(dir, "c", "inside.pcap"), "--json");
    const verdict = JSON.parse(cli.stdout).verdict as string;
    expect(cli.code).toBe(verdict === "inconclusive" ? 4 : verdict === "pass" ? 0 : 1);
    const r = await suite(dir, "--jobs", "1", "--json");
    const [c] = r.json().cases;
    expect(c.verdict).toBe(verdict);
    expect(c.expected).toEqual({ verdict: "inconclusive" });
    expect(c.regression).toBe(verdict !== "inconclusive");
    expect(r.code).toBe(verdict === "inconclusive" ? 0 : 1);
  });

  it("a damaged capture is an <error> regression, unless case.json expects an error", async () => {
    const dir = freshDir("damaged");
    for (const name of ["want-pass", "want-error"]) {
      copyCase("ftp-active-helper", join(dir, name));
      const pcap = readFileSync(join(dir, name, "inside.pcap"));
      writeFileSync(join(dir, name, "inside.pcap"), pcap.subarray(0, 300));
    }
    writeFileSync(join(dir, "want-error", "case.json"), JSON.stringify({ expected: { verdict: "error" } }));
    const junit = join(dir, "report.xml");
    const r = await suite(dir, "--jobs", "1", "--json", "--junit", junit);
    expect(r.code).toBe(1);
    const j = r.json();
    const [wantError, wantPass] = j.cases;
    expect(wantError).toMatchObject({ case: "want-error", verdict: "error", regression: false });
    expect(wantError.error).toContain("inside.pcap");
    expect(wantPass).toMatchObject({ case: "want-pass", verdict: "error", regression: true });
    expect(j.summary).toEqual({ total: 2, passed: 1, regressions: 1, unchecked: 0, errors: 1 });
    const ts = junitOf(junit).children[0];
    expect(ts.attrs).toMatchObject({ tests: "2", failures: "0", errors: "1" });
    const tc = ts.children.find((c) => c.attrs.name === "want-pass")!;
    expect(tc.children[0].name).toBe("error");
    expect(tc.children[0].attrs.message).toContain("inside.pcap");
  });

  it("a malformed case.json is an error regression", async () => {
    const dir = freshDir("malformed");
    copyCase("ftp-active-helper", join(dir, "c"));
    writeFileSync(join(dir, "c", "case.json"), '{"expected": {"verdict": "passed"}}');
    const r = await suite(dir, "--json");
    expect(r.code).toBe(1);
    expect(r.json().cases[0]).toMatchObject({ verdict: "error", regression: true });
    expect(r.json().cases[0].error).toContain("expected.verdict");
  });

  it("usage and input errors exit 2", async () => {
    const empty = freshDir("empty");
    mkdirSync(join(empty, "sub"));
    writeFileSync(join(empty, "sub", "notes.txt"), "nothing here\n");
    const r = await suite(empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no case under");
    expect((await suite(join(tmp, "does-not-exist"))).code).toBe(2);
    expect((await suite(join(lab, "ftp-ipv6", "case.json"))).code).toBe(2);
    expect((await suite(lab, "--shard", "4/3")).code).toBe(2);
    expect((await suite(lab, "--shard", "0/3")).code).toBe(2);
    expect((await suite(lab, "--shard", "x")).code).toBe(2);
    expect((await suite(lab, "--jobs", "0")).code).toBe(2);
    expect((await suite()).code).toBe(2);
    const dir = freshDir("junit-unwritable");
    copyCase("ftp-active-helper", join(dir, "c"));
    expect((await suite(dir, "--junit", join(dir, "no", "such", "dir.xml"))).code).toBe(2);
  });

  it("an empty shard of a non-empty suite is not an error", async () => {
    const dir = freshDir("one");
    copyCase("ftp-ipv6", join(dir, "only"));
    const r = await suite(dir, "--shard", "2/2", "--json");
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ schemaVersion: 1, cases: [], summary: { total: 0, passed: 0, regressions: 0, unchecked: 0, errors: 0 } });
  });

  it("the suite directory may itself be a case", async () => {
    const r = await suite(join(lab, "ftp-ipv6"), "--json");
    expect(r.code).toBe(0);
    expect(r.json().cases.map((c) => c.case)).toEqual(["ftp-ipv6"]);
  });
});

describe("shard helpers", () => {
  it("parseShard", () => {
    expect(parseShard("2/4")).toEqual({ k: 2, n: 4 });
    expect(() => parseShard("5/4")).toThrow();
    expect(() => parseShard("1/0")).toThrow();
  });
  it("round-robin slices partition any list", () => {
    for (let len = 0; len < 12; len++) {
      const xs = Array.from({ length: len }, (_x, i) => i);
      for (let total = 1; total <= 5; total++) {
        const all = [1, 2, 3, 4, 5].slice(0, total).flatMap((k) => shard(xs, k, total));
        expect(all.sort((a, b) => a - b)).toEqual(xs);
      }
    }
  });
});

describe("test XML reader", () => {
  it("rejects malformed XML", () => {
    expect(() => parseXml("<a><b></a>")).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml("<a>&bogus;</a>")).toThrow();
    expect(() => parseXml("<a/><b/>")).toThrow();
    expect(parseXml('<?xml version="1.0"?><a q="&quot;&#10;">x &lt; y</a>')).toEqual({ name: "a", attrs: { q: '"\n' }, children: [], text: "x < y" });
  });
});

describe("runVerify (src/node/verify-run.ts)", () => {
  it("gives the report `verify --json` prints", async () => {
    const { runCli } = await import("../cli/run.js");
    const { runVerify } = await import("../../src/node/verify-run.js");
    const dir = join(lab, "ftp-active-no-helper");
    const files = { inside: join(dir, "inside.pcap"), outside: join(dir, "outside.pcap"), router: ["conntrack.txt", "expect.txt", "events.txt"].map((f) => join(dir, f)) };
    const cli = await runCli("verify", "--inside", files.inside, "--outside", files.outside, ...files.router.flatMap((f) => ["--router", f]), "--json");
    expect(cli.code).toBe(1);
    for (const parallel of [true, false]) {
      const report = await runVerify(files, { parallel });
      expect(JSON.parse(JSON.stringify(report))).toEqual(JSON.parse(cli.stdout));
    }
    await expect(runVerify({})).rejects.toMatchObject({ name: "InputError", code: "no_input" });
    await expect(runVerify({ router: [join(tmp, "missing.txt")] })).rejects.toMatchObject({ name: "InputError", code: "unreadable_file" });
  });
});

describe("judge (src/suite/case.ts)", () => {
  const spec = (expected?: Expected): CaseSpec => ({ name: "c", dir: "/x/c", router: [], routerListed: false, hasCaseJson: true, expected });
  const run = (verdict: CaseRun["verdict"]): CaseRun => ({ verdict, findings: [], router: [], skipped: [], seconds: 0 });
  it("inconclusive is a verdict like the others", () => {
    expect(judge(spec({ verdict: "inconclusive" }), run("inconclusive"))).toMatchObject({ result: "passed", regression: false });
    expect(judge(spec({ verdict: "pass" }), run("inconclusive"))).toMatchObject({ result: "regression", diff: "verdict inconclusive, expected pass" });
    expect(judge(spec({ verdict: "inconclusive" }), run("pass"))).toMatchObject({ result: "regression", diff: "verdict pass, expected inconclusive" });
    expect(judge(spec(), run("inconclusive"))).toMatchObject({ result: "unchecked", regression: false });
    expect(checkExpected({ verdict: "inconclusive" })).toBeUndefined();
    expect(checkExpected({ verdict: "unknown" })).toContain('"inconclusive"');
  });
});
