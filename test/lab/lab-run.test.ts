/**
 * The lab, run for real: lab/run.sh builds client/router/server network namespaces, runs FTP
 * (vsftpd, curl) and RTSP (ffmpeg, gst-rtsp-server, gst-launch) sessions through a Linux NAT
 * router with and without its ALG, and writes one case folder per scenario. Every case must then
 * get the verdict and error codes its case.json expects from `verify` (captures + conntrack
 * state); conntrack's per-direction packet AND byte counters must equal the captures, entry by
 * entry (checked here on its own, from `flows`, and by verify: no conntrack.counter-mismatch);
 * run.sh's own isolation checks (no namespace left, no lab packet in the root namespace) must
 * pass.
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

/** One direction of a conntrack entry: `src=… dst=… sport=… dport=… packets=… bytes=…`. */
interface CtTuple { src: string; dst: string; sport: number; dport: number; packets: number; bytes: number }

/** Both tuples of every entry of a `conntrack -L -o extended` listing (accounting on). */
function conntrackEntries(text: string): { line: string; orig: CtTuple; reply: CtTuple }[] {
  const out = [];
  for (const line of text.split("\n")) {
    const t = [...line.matchAll(/src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) packets=(\d+) bytes=(\d+)/g)]
      .map((m) => ({ src: m[1], dst: m[2], sport: +m[3], dport: +m[4], packets: +m[5], bytes: +m[6] }));
    if (t.length === 2) out.push({ line, orig: t[0], reply: t[1] });
  }
  return out;
}

/**
 * What the captures say about one conntrack direction. conntrack counts a packet where the router
 * receives it, with its IP total length before NAT/ALG changes: a tuple whose source is on the
 * client's network (192.0.2.0/24, 2001:db8:1::/64) was received on r0 (inside.pcap), any other on
 * r1 (outside.pcap). The flow is the capture's flow between the tuple's two endpoints; the counts
 * are those sent by the tuple's source.
 */
function captured(t: CtTuple, inside: any, outside: any): { packets: number; bytes: number } | undefined {
  const onInside = t.src.startsWith("192.0.2.") || t.src.startsWith("2001:db8:1:");
  for (const f of (onInside ? inside : outside).flows) {
    const fwd = f.initiator.ip === t.src && f.initiator.port === t.sport && f.responder.ip === t.dst && f.responder.port === t.dport;
    const rev = f.responder.ip === t.src && f.responder.port === t.sport && f.initiator.ip === t.dst && f.initiator.port === t.dport;
    if (fwd) return { packets: f.packets.initiatorToResponder, bytes: f.ipBytes.initiatorToResponder };
    if (rev) return { packets: f.packets.responderToInitiator, bytes: f.ipBytes.responderToInitiator };
  }
  return undefined;
}

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
      expect(run.stdout).toMatch(/^isolation: ok .*no lab packet in the root namespace/m);
      const scenarios = execFileSync("bash", [join(root, "lab/run.sh"), "--list"], { encoding: "utf8" }).trim().split("\n");
      const cases = readdirSync(out).filter((d) => existsSync(join(out, d, "case.json")));
      expect(cases.sort()).toEqual([...scenarios].sort());
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
        // conntrack's counters, entry by entry and direction by direction, equal the captures.
        const ct = conntrackEntries(readFileSync(join(dir, "conntrack.txt"), "utf8"));
        expect(ct.length, `${c}: accounting counters in conntrack.txt`).toBeGreaterThan(0);
        const inside = JSON.parse((await runCli("flows", join(dir, "inside.pcap"), "--json")).stdout);
        const outside = JSON.parse((await runCli("flows", join(dir, "outside.pcap"), "--json")).stdout);
        for (const e of ct) {
          for (const t of [e.orig, e.reply]) {
            const got = captured(t, inside, outside) ?? { packets: 0, bytes: 0 };
            expect({ c, entry: e.line, dir: `${t.src}:${t.sport} -> ${t.dst}:${t.dport}`, ...got }).toEqual({ c, entry: e.line, dir: `${t.src}:${t.sport} -> ${t.dst}:${t.dport}`, packets: t.packets, bytes: t.bytes });
          }
        }
        if (meta.alg === true) {
          // The helper cases: verify's predicted control connection carries the same counts.
          const flows = report.predicted.conversations[0]?.flows ?? [];
          const ctl = flows.find((f: any) => f.role === "control initiator");
          const rsp = flows.find((f: any) => f.role === "control responder");
          const e = ct.find((x) => x.orig.sport === ctl.src.port && x.orig.dport === ctl.dst.port)!;
          expect({ c, orig: [e.orig.packets, e.orig.bytes], reply: [e.reply.packets, e.reply.bytes] }).toEqual({ c, orig: [ctl.frames, ctl.bytes], reply: [rsp.frames, rsp.bytes] });
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
