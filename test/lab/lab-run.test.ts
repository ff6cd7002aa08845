/**
 * The lab, run for real: lab/run.sh builds client/router/server network namespaces, runs FTP
 * (and RTSP) sessions through a Linux NAT router with and without its ALG, and writes one case
 * folder per scenario. Every case must then get the verdict and error codes its case.json
 * expects from `verify` (captures + conntrack state), conntrack's per-direction packet counters
 * must equal the counts predicted from the captures (no conntrack.counter-mismatch), and no
 * namespace may be left behind.
 *
 * Needs root and network namespaces: runs for real in CI (.ci/run runs as root); elsewhere it is
 * skipped with a message, and under CI=true a missing capability is a failure, never a skip.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const root = new URL("../../", import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
const netnsOk = isRoot && spawnSync("ip", ["netns", "list"]).status === 0;
const ci = process.env.CI === "true";

if (!netnsOk && !ci) console.warn("[lab] skipped: needs root and `ip netns` (CI runs it)");

describe.skipIf(!netnsOk && !ci)("lab/run.sh through a real netfilter ALG", () => {
  it("every scenario gets its expected verdict, and conntrack's counters equal the captures", { timeout: 600_000 }, async () => {
    expect(netnsOk, "root and network namespaces are required under CI").toBe(true);
    const out = mkdtempSync(join(tmpdir(), "alg-verify-lab-"));
    try {
      const names = () => new Set(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith("algv-")));
      const before = names();
      const run = spawnSync("bash", [join(root, "lab/run.sh"), out], { encoding: "utf8", timeout: 540_000 });
      // run.sh also fails by itself when one of its namespaces is left behind.
      expect(run.status, run.stderr.slice(-2000)).toBe(0);
      expect([...names()].filter((n) => !before.has(n))).toEqual([]);
      const cases = readdirSync(out).filter((d) => existsSync(join(out, d, "case.json")));
      expect(cases.length).toBeGreaterThanOrEqual(7);
      for (const c of cases) {
        const dir = join(out, c);
        const meta = JSON.parse(readFileSync(join(dir, "case.json"), "utf8"));
        const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
        for (const f of ["conntrack.txt", "expect.txt", "events.txt"]) if (existsSync(join(dir, f))) args.push("--router", join(dir, f));
        const r = await runCli(...args);
        const report = JSON.parse(r.stdout);
        const errors = [...new Set(report.findings.filter((f: any) => f.severity === "error").map((f: any) => f.code))].sort();
        expect({ c, verdict: report.verdict, errors }).toEqual({ c, verdict: meta.expected.verdict, errors: [...meta.expected.findings].sort() });
        expect(report.findings.map((f: any) => f.code), c).not.toContain("conntrack.counter-mismatch");
        if (meta.alg === true) {
          // The helper cases: the control connection's predicted frames equal conntrack's packets.
          const ctl = report.predicted.conversations[0]?.flows.find((f: any) => f.role === "control initiator");
          const ct = readFileSync(join(dir, "conntrack.txt"), "utf8");
          expect(ct, c).toContain(`sport=${ctl.src.port} dport=${ctl.dst.port} packets=${ctl.frames} `);
        }
      }
      // The same fresh output as a regression suite: every case as case.json expects, JUnit out.
      const junit = join(out, "junit.xml");
      const suite = await runCli("suite", out, "--junit", junit, "--json");
      expect(suite.code, suite.stdout.slice(0, 2000)).toBe(0);
      expect(JSON.parse(suite.stdout).summary).toMatchObject({ total: cases.length, passed: cases.length, regressions: 0 });
      expect(readFileSync(junit, "utf8")).toContain(`tests="${cases.length}"`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
