/**
 * Real ALG runs: cases recorded by lab/run.sh through a Linux NAT router (nftables masquerade /
 * SNAT pool, the kernel's FTP conntrack helper assigned with `ct helper set`, or none), with
 * vsftpd and curl in network namespaces (pcaps/lab/<scenario>/: both captures, conntrack -L,
 * conntrack -L expect, conntrack -E, the ruleset, case.json with the expected verdict and codes).
 * verify must give the expected verdict and error codes; on the helper cases conntrack's
 * per-direction packet counters equal the captures flow by flow (no counter finding), and a
 * changed counter is caught.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const root = new URL("../../pcaps/lab/", import.meta.url).pathname;
const cases = readdirSync(root).filter((d) => !d.includes("."));

async function run(dir: string, router: string[] = ["conntrack.txt", "expect.txt", "events.txt"]) {
  const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
  for (const r of router) args.push("--router", r.startsWith("/") ? r : join(dir, r));
  const r = await runCli(...args);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

describe("lab cases (real netfilter ALG)", () => {
  it("are here", () => expect(cases.length).toBeGreaterThanOrEqual(7));
  for (const c of cases) {
    it(c, async () => {
      const meta = JSON.parse(readFileSync(join(root, c, "case.json"), "utf8"));
      const { code, report } = await run(join(root, c));
      expect(report.verdict, JSON.stringify(report.findings.map((f: any) => f.message))).toBe(meta.expected.verdict);
      expect(code).toBe(meta.expected.verdict === "pass" ? 0 : 1);
      const errors = [...new Set(report.findings.filter((f: any) => f.severity === "error").map((f: any) => f.code))].sort();
      expect(errors).toEqual([...meta.expected.findings].sort());
      expect(report.findings.map((f: any) => f.code)).not.toContain("conntrack.counter-mismatch");
      if (meta.alg) expect(report.findings.map((f: any) => f.code)).not.toContain("conntrack.helper-missing");
      else expect(report.findings.map((f: any) => f.code)).toContain("conntrack.helper-missing");
    });
  }

  it("conntrack -E events are placed on the captures' timeline", async () => {
    const { report } = await run(join(root, "ftp-active-helper"));
    const t = report.timeline;
    const iNew = t.findIndex((e: any) => e.source === "router" && /^NEW 198\.51\.100\.20:20 ->/.test(e.what));
    const iData = t.findIndex((e: any) => e.source === "outside" && /data flow \d+ starts/.test(e.what));
    const iPort = t.findIndex((e: any) => e.source === "outside" && /PORT/.test(e.what));
    expect(iPort).toBeGreaterThanOrEqual(0);
    expect(iPort).toBeLessThan(iData);
    expect(iData).toBeLessThan(iNew);
    expect(t[iNew].placed).toBe("timestamp");
    const times = t.filter((e: any) => e.time).map((e: any) => e.time);
    expect([...times].sort()).toEqual(times);
  });

  it("a conntrack counter that differs from the captures is reported", async () => {
    const dir = join(root, "ftp-active-helper");
    const text = readFileSync(join(dir, "conntrack.txt"), "utf8");
    const changed = text.replace(/dport=21 packets=(\d+)/, (_m, n) => `dport=21 packets=${Number(n) + 3}`);
    expect(changed).not.toBe(text);
    const f = join(mkdtempSync(join(tmpdir(), "alg-verify-lab-")), "conntrack.txt");
    writeFileSync(f, changed);
    const { report } = await run(dir, [f]);
    expect(report.findings.map((x: any) => x.code)).toContain("conntrack.counter-mismatch");
  });
});
