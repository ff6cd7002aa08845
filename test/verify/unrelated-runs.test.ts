/**
 * Captures of two runs of one lab pair flows by endpoints and times, and a few of those pairs
 * agree by chance: an ISN now and then, a control connection whose few lines happen to fall in NAT
 * order. Evidence of one run must be the rule among what was compared (src/verify/pairing.ts): two
 * generated captures of the same traffic mix and different seeds (bench/gen-capture.ts), where
 * ~2 % of the compared ISNs agree, are not of one run; the generated capture and its own NAT'd
 * copy (bench/gen-pair.ts) are.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateBenchCapture } from "../../bench/gen-capture.js";
import { makeOutside } from "../../bench/gen-pair.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli } from "../cli/run.js";

const dir = tempDir("alg-verify-unrelated-");

async function verifyJson(inside: string, outside: string): Promise<{ code: number; report: any }> {
  const r = await runCli("verify", "--inside", inside, "--outside", outside, "--json");
  return { code: r.code, report: JSON.parse(r.stdout) };
}

describe("captures of two runs whose pairs agree here and there by chance", () => {
  it("ISNs agreeing on a few pairs, one control connection in NAT order: nat.captures-unrelated, nothing judged across", async () => {
    const a = join(dir, "seed1.pcap");
    const b = join(dir, "seed7.pcap");
    generateBenchCapture(a, { bytes: 32 * 2 ** 20, seed: 1 });
    generateBenchCapture(b, { bytes: 32 * 2 ** 20, seed: 7 });
    const { code, report } = await verifyJson(a, b);
    const unrelated = report.findings.filter((f: any) => f.code === "nat.captures-unrelated");
    expect(unrelated).toHaveLength(1);
    // The premise: some ISNs agree (before session 25 one agreement, or one connection in order, made the captures one run).
    const m = /^(\d+) of the (\d+) TCP connection\(s\) paired by their endpoints have different initial sequence numbers on the two sides \((\d+) agree, as by chance\), and (only 1 of the \d+ control connection\(s\) and SIP dialog\(s\) compared keeps one clock offset|no control connection keeps one clock offset)( \(e\.g\. inside flow \d+ ISN \d+, outside flow \d+ ISN \d+\))?$/.exec(unrelated[0].message);
    expect(m, unrelated[0].message).not.toBeNull();
    expect(Number(m![3])).toBeGreaterThan(0);
    expect(Number(m![3]) * 10).toBeLessThan(Number(m![2]));
    expect(report.checks.find((c: any) => c.check === "nat-pairing").status).toBe("failed");
    expect(report.findings.filter((f: any) => f.code.startsWith("alg."))).toEqual([]);
    const judged = report.checks.filter((c: any) => (c.check === "rewrite" || c.check === "data-path") && c.status !== "not-checked");
    expect(judged).toEqual([]);
    expect(code).toBe(1);
  });

  it("the same capture and its NAT'd copy: one run, by their ISNs", async () => {
    const a = join(dir, "run.pcap");
    const b = join(dir, "run-outside.pcap");
    generateBenchCapture(a, { bytes: 8 * 2 ** 20, seed: 1 });
    makeOutside(a, b);
    const { report } = await verifyJson(a, b);
    expect(report.findings.filter((f: any) => f.code === "nat.captures-unrelated")).toEqual([]);
    const p = report.checks.find((c: any) => c.check === "nat-pairing");
    expect(p.status).toBe("passed");
    expect(p.reason).toMatch(/^(\d+) of \1 TCP connection\(s\) paired across the NAT have the same initial sequence number on both sides$/);
  });
});
