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
 * Needs root, network namespaces and the lab's Debian tools (`lab/run.sh --missing` lists what is
 * not there): runs for real when they are present (CI: .ci/run installs them and runs as root);
 * elsewhere it is skipped with a message naming what is missing, and under CI=true a missing
 * capability or tool is a failure, never a skip. The test never installs anything: run.sh is run
 * without --install, so it stops (exit 3) rather than install.
 *
 * The run is named by its own run id (namespaces algv-<id>-*): the test asserts that none of them
 * remains, and that a namespace of the same prefix made beforehand by the test (standing in for
 * another run on the machine) is still there, untouched, afterwards.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run.js";

const root = new URL("../../", import.meta.url).pathname;
const runSh = join(root, "lab/run.sh");
const isRoot = process.getuid?.() === 0;
const netnsOk = isRoot && spawnSync("ip", ["netns", "list"]).status === 0;
/** Debian packages run.sh needs and does not find (it only looks; --missing changes nothing). */
const missing = spawnSync("bash", [runSh, "--missing"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
const ci = process.env.CI === "true";
const labOk = netnsOk && missing.length === 0;
const why = [!isRoot && "root", isRoot && !netnsOk && "`ip netns`", missing.length > 0 && `the Debian packages ${missing.join(" ")} (sudo npm run lab installs them)`].filter(Boolean).join(", ");

if (!labOk && !ci) console.warn(`[lab] skipped: needs ${why} (CI runs it)`);

/** Names of the network namespaces that exist now. */
function namespaces(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
}

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

describe.skipIf(!labOk && !ci)("lab/run.sh through a real netfilter ALG", () => {
  it("every scenario gets its expected verdict, and conntrack's counters equal the captures", { timeout: 600_000 }, async () => {
    expect(labOk, `under CI the lab needs ${why}`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), "alg-verify-lab-"));
    const runId = `t${process.pid.toString(16)}${Date.now().toString(16).slice(-5)}`;
    // Another run's namespace, alive during ours: same prefix, a marker address inside.
    const other = `algv-${runId}x-other`;
    execFileSync("ip", ["netns", "add", other]);
    try {
      execFileSync("ip", ["-n", other, "addr", "add", "198.18.0.77/32", "dev", "lo"]);
      const run = spawnSync("bash", [runSh, "--run-id", runId, out], { encoding: "utf8", timeout: 540_000 });
      // run.sh also fails by itself when one of its namespaces is left behind.
      expect(run.status, run.stderr.slice(-2000)).toBe(0);
      expect(run.stdout).toContain(`run id: ${runId} (namespaces algv-${runId}-*)`);
      expect(namespaces().filter((n) => n.startsWith(`algv-${runId}-`))).toEqual([]);
      expect(namespaces()).toContain(other);
      expect(execFileSync("ip", ["-n", other, "-o", "addr", "show", "dev", "lo"], { encoding: "utf8" })).toContain("198.18.0.77/32");
      expect(run.stdout).toMatch(/^isolation: ok .*no lab packet in the root namespace/m);
      const scenarios = execFileSync("bash", [runSh, "--list"], { encoding: "utf8" }).trim().split("\n");
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
      spawnSync("ip", ["netns", "del", other]);
      rmSync(out, { recursive: true, force: true });
    }
  });
});
