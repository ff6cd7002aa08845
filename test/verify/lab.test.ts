/**
 * Real ALG runs: cases recorded by lab/run.sh through a Linux NAT router (nftables masquerade /
 * SNAT pool, the kernel's FTP conntrack helper assigned with `ct helper set`, or none), with
 * vsftpd and curl (FTP), ffmpeg, gst-rtsp-server and gst-launch (RTSP) in network namespaces (pcaps/lab/<scenario>/: both captures, conntrack -L,
 * conntrack -L expect, conntrack -E, the ruleset, case.json with the expected verdict and codes).
 * verify must give the expected verdict and error codes; conntrack's per-direction packet and
 * byte counters equal the captures flow by flow (no counter finding), and a changed counter is
 * caught.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";
import { tempDir } from "../helpers/tmp.js";

/** This file's temp dir, removed after its tests. */
const tmp = tempDir("alg-verify-lab-");

const root = new URL("../../pcaps/lab/", import.meta.url).pathname;
const cases = readdirSync(root).filter((d) => !d.includes("."));

async function run(dir: string, router: string[] = ["conntrack.txt", "expect.txt", "events.txt"]) {
  const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
  for (const r of router) args.push("--router", r.startsWith("/") ? r : join(dir, r));
  const r = await runCli(...args);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

describe("lab cases (real netfilter ALG)", () => {
  it("are here", () => expect(cases.length).toBeGreaterThanOrEqual(14));
  for (const c of cases) {
    it(c, async () => {
      const meta = JSON.parse(readFileSync(join(root, c, "case.json"), "utf8"));
      const { code, report } = await run(join(root, c));
      expect(report.verdict, JSON.stringify(report.findings.map((f: any) => f.message))).toBe(meta.expected.verdict);
      expect(code).toBe(meta.expected.verdict === "pass" ? 0 : 1);
      const errors = [...new Set(report.findings.filter((f: any) => f.severity === "error").map((f: any) => f.code))].sort();
      expect(errors).toEqual([...meta.expected.findings].sort());
      for (const w of meta.expected.warnings ?? []) expect(report.findings.map((f: any) => f.code), `warning ${w}`).toContain(w);
      expect(report.findings.map((f: any) => f.code)).not.toContain("conntrack.counter-mismatch");
      // An FTP run without its helper shows no helper= on the control connection (Linux has no
      // RTSP helper in mainline, so none is due there).
      if (meta.alg || meta.protocol === "rtsp") expect(report.findings.map((f: any) => f.code)).not.toContain("conntrack.helper-missing");
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
    const f = join(mkdtempSync(join(tmp, "alg-verify-lab-")), "conntrack.txt");
    writeFileSync(f, changed);
    const { report } = await run(dir, [f]);
    expect(report.findings.map((x: any) => x.code)).toContain("conntrack.counter-mismatch");
  });

  it("a conntrack byte counter that differs is reported, also on a data flow the server opened", async () => {
    const dir = join(root, "ftp-active-helper");
    const text = readFileSync(join(dir, "conntrack.txt"), "utf8");
    // The active data connection: its original direction (server:20 -> NAT address) is counted
    // outside, its reply direction inside.
    for (const [re, which] of [[/(sport=20 dport=\d+ packets=\d+ bytes=)(\d+)/, "original"], [/(sport=\d+ dport=20 packets=\d+ bytes=)(\d+)/, "reply"]] as const) {
      const changed = text.replace(re, (_m, a, n) => `${a}${Number(n) + 1}`);
      expect(changed, which).not.toBe(text);
      const f = join(mkdtempSync(join(tmp, "alg-verify-lab-")), "conntrack.txt");
      writeFileSync(f, changed);
      const { report } = await run(dir, [f]);
      const mism = report.findings.filter((x: any) => x.code === "conntrack.counter-mismatch");
      expect(mism.length, which).toBe(1);
      expect(mism[0].message).toMatch(/data initiator .* bytes /);
      expect(mism[0].message).toContain("opened from outside");
    }
  });

  it("a PORT the server refuses as foreign: alg.port-refused-foreign-address, from the outside capture alone too", async () => {
    const dir = join(root, "ftp-active-no-helper-strict");
    const { report } = await run(dir);
    const f = report.findings.find((x: any) => x.code === "alg.port-refused-foreign-address");
    expect(f.severity).toBe("error");
    expect(f.message).toMatch(/refused PORT 192\.0\.2\.10:\d+ with "500 Illegal PORT command\."/);
    expect(f.message).toContain("not 198.51.100.1");
    expect(report.findings.map((x: any) => x.code)).not.toContain("alg.data-flow-refused");
    expect(report.sessions[0].negotiations[0].dataPath).toBe("refused");
    // The server's side alone shows it; the client's side alone cannot (it names its own address).
    const out = JSON.parse((await runCli("verify", "--outside", join(dir, "outside.pcap"), "--json")).stdout);
    expect(out.verdict).toBe("fail");
    expect(out.findings.map((x: any) => x.code)).toContain("alg.port-refused-foreign-address");
    const ins = JSON.parse((await runCli("verify", "--inside", join(dir, "inside.pcap"), "--json")).stdout);
    expect(ins.findings.map((x: any) => x.code)).toEqual(["alg.data-flow-refused"]);
  });
});

describe("hints", () => {
  it("--inside-net: with the outside capture alone, a PORT naming the inside network is untranslated", async () => {
    const dir = join(root, "ftp-active-no-helper");
    const without = JSON.parse((await runCli("verify", "--outside", join(dir, "outside.pcap"), "--json")).stdout);
    expect(without.findings.map((f: any) => f.code)).not.toContain("alg.payload-not-translated");
    const r = await runCli("verify", "--outside", join(dir, "outside.pcap"), "--inside-net", "192.0.2.0/24", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: any) => f.code)).toContain("alg.payload-not-translated");
    const bad = await runCli("verify", "--outside", join(dir, "outside.pcap"), "--inside-net", "192.0.2/99");
    expect(bad.code).toBe(2);
  });
  it("--nat-address: a payload naming another address of the NAT's pool counts as translated", async () => {
    const dir = new URL("../../pcaps/nat/ftp-alg-wrong-address/", import.meta.url).pathname;
    const args = ["verify", "--inside", join(dir, "inside.pcap"), "--outside", join(dir, "outside.pcap"), "--json"];
    const plain = JSON.parse((await runCli(...args)).stdout);
    expect(plain.findings.map((f: any) => f.code)).toContain("alg.payload-wrong-address");
    const hinted = JSON.parse((await runCli(...args, "--nat-address", "203.0.113.99")).stdout);
    expect(hinted.findings.map((f: any) => f.code)).not.toContain("alg.payload-wrong-address");
  });
});
