/**
 * conntrack compared flow by flow like the Junos conversations (issue 12, scope 2), on the
 * recorded lab runs and copies of their dumps changed one entry at a time: every predicted flow
 * that crossed the router has its entry (router.flow-missing otherwise), the entry's tuples carry
 * the translation the captures show (reply tuple = translated; router.nat-mismatch), the FTP control
 * entry its helper, and its counters the captures' (a zero against traffic is
 * router.frame-count-contradiction). Expectations (`conntrack -L expect`) are matched to the
 * endpoints the negotiations announced.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lab, scratch, verifyCase as verify } from "./router-helpers.js";

const write = scratch("router-conntrack");
const codes = (report: any) => report.findings.map((f: any) => f.code);
const flowChecks = (report: any) => report.checks.filter((c: any) => c.check === "router-flow");
const dir = join(lab, "ftp-active-helper");
const dump = readFileSync(join(dir, "conntrack.txt"), "utf8");

describe("conntrack flow by flow (lab runs)", () => {
  for (const c of readdirSync(lab).filter((d) => !d.includes("."))) {
    it(`${c}: each predicted flow that crossed the router has its conntrack entry, and agrees`, async () => {
      const meta = JSON.parse(readFileSync(join(lab, c, "case.json"), "utf8"));
      const { report } = await verify(join(lab, c), [join(lab, c, "conntrack.txt")]);
      expect(codes(report)).not.toContain("router.flow-missing");
      expect(codes(report)).not.toContain("router.nat-mismatch");
      const flows = report.predicted.conversations.flatMap((x: any) => x.flows);
      const checks = flowChecks(report);
      expect(checks.length).toBe(flows.length);
      for (const p of flows) {
        const ck = checks.find((x: any) => x.subject.includes(`${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} (${p.state} ${p.dir})`));
        expect(ck, JSON.stringify(p)).toBeDefined();
        // A flow the captures show crossing is compared with its entry; one that never crossed has none due.
        if (p.inferred) continue;
        expect(ck.reason, ck.subject).toMatch(/conntrack .*conntrack\.txt:\d+/);
        // An FTP run without its helper: the control entry has no helper= (and says so).
        const noHelper = !meta.alg && meta.protocol !== "rtsp" && p.role.startsWith("control");
        expect(ck.status, ck.subject).toBe(noHelper ? "failed" : "passed");
        if (noHelper) expect(ck.reason).toMatch(/: conntrack\.helper-missing$/);
      }
    });
  }
});

describe("a changed conntrack dump", () => {
  it("a data connection's entry removed: router.flow-missing for that flow only", async () => {
    const lines = dump.split("\n");
    const i = lines.findIndex((l) => /sport=20 dport=\d+/.test(l));
    const port = /sport=20 dport=(\d+)/.exec(lines[i])![1];
    const f = write("no-data.txt", lines.filter((_, k) => k !== i).join("\n"));
    const { code, report } = await verify(dir, [f]);
    expect(code).toBe(1);
    const missing = report.findings.filter((x: any) => x.code === "router.flow-missing");
    expect(missing).toHaveLength(1);
    expect(missing[0].severity).toBe("error");
    expect(missing[0].message).toContain(`:${port} -> 198.51.100.20:20`);
    expect(missing[0].message).toMatch(/crossing the router/);
    const failed = flowChecks(report).filter((x: any) => x.status === "failed");
    expect(failed.map((x: any) => x.subject).every((s: string) => s.includes(`:${port}`))).toBe(true);
    expect(failed).toHaveLength(2);
  });

  it("the reply tuple of the control entry with another NAT port: router.nat-mismatch", async () => {
    const f = write("nat.txt", dump.replace(/(src=198\.51\.100\.20 dst=198\.51\.100\.1 sport=21 dport=)(\d+)/, (_m, a, p) => `${a}${Number(p) + 7}`));
    expect(f).not.toBe(dump);
    const { report } = await verify(dir, [f]);
    const n = report.findings.filter((x: any) => x.code === "router.nat-mismatch");
    expect(n).toHaveLength(1);
    expect(n[0].message).toMatch(/^control initiator/);
    expect(n[0].evidence.router[0].line).toBe(dump.split("\n").findIndex((l) => /dport=21 /.test(l)) + 1);
  });

  it("the control entry without helper=: conntrack.helper-missing and its flow check failed", async () => {
    const f = write("nohelper.txt", dump.replace(" helper=ftp", ""));
    const { report } = await verify(dir, [f]);
    expect(codes(report)).toContain("conntrack.helper-missing");
    const ctl = flowChecks(report).filter((x: any) => x.subject.includes("control"));
    expect(ctl.map((x: any) => x.status)).toEqual(["failed", "failed"]);
    expect(ctl[0].reason).toContain("conntrack.helper-missing");
  });

  it("a zero where the captures show packets: router.frame-count-contradiction (error), whatever --frame-tolerance says", async () => {
    // The reply direction of the control connection (server → NAT), counted on the outside.
    const f = write("zero.txt", dump.replace(/(sport=21 dport=\d+ packets=)\d+/, "$10"));
    const { code, report } = await verify(dir, [f]);
    expect(code).toBe(1);
    const c = report.findings.filter((x: any) => x.code === "router.frame-count-contradiction");
    expect(c).toHaveLength(1);
    expect(c[0].severity).toBe("error");
    expect(codes(report)).not.toContain("conntrack.counter-mismatch");
    // A count off by a few is drift: a warning, the run passes.
    const g = write("drift.txt", dump.replace(/(sport=21 dport=\d+ packets=)(\d+)/, (_m, a, n) => `${a}${Number(n) + 2}`));
    const d = await verify(dir, [g]);
    expect(d.report.verdict).toBe("pass");
    expect(codes(d.report)).toContain("conntrack.counter-mismatch");
    expect(codes(d.report)).not.toContain("router.frame-count-contradiction");
  });
  it("an earlier snapshot beside the final dump (the lab's conntrack-during.txt): only the latest entry of each connection is compared", async () => {
    // Taken mid-session: the reply direction of the control connection had counted nothing yet.
    const early = write("conntrack-during.txt", dump.replace(/(sport=21 dport=\d+ packets=)\d+ bytes=\d+/, "$10 bytes=0"));
    for (const order of [[early, join(dir, "conntrack.txt")], [join(dir, "conntrack.txt"), early]]) {
      const { code, report } = await verify(dir, order);
      expect(code, order.join(" ")).toBe(0);
      expect(codes(report)).not.toContain("router.frame-count-contradiction");
      expect(codes(report)).not.toContain("conntrack.counter-mismatch");
    }
    // The snapshot alone is still a contradiction: nothing says a later dump counted the traffic.
    expect(codes((await verify(dir, [early])).report)).toContain("router.frame-count-contradiction");
  });
});

describe("conntrack expectations matched to announced endpoints", () => {
  it("each PORT of the run has its expectation (check passed, the expectation's line quoted)", async () => {
    const { report } = await verify(dir, [join(dir, "expect.txt")]);
    const ex = report.checks.filter((c: any) => c.check === "conntrack-expectation");
    const ports = report.sessions.flatMap((s: any) => s.negotiations.filter((n: any) => n.kind === "PORT"));
    expect(ex.length).toBe(ports.length);
    for (const [k, c] of ex.entries()) {
      expect(c.status).toBe("passed");
      const a = ports[k].outside.announced;
      expect(c.reason).toContain(`${a.ip}:${a.port}`);
    }
  });

  it("an expectation for another port of the same control connection: the PORT's check is not passed, and none is due after the connection arrived", async () => {
    const text = readFileSync(join(dir, "expect.txt"), "utf8").replace(/dport=(\d+) mask-src/g, (_m, p) => `dport=${Number(p) + 1} mask-src`);
    const f = write("expect-shifted.txt", text);
    const { report } = await verify(dir, [f]);
    const ex = report.checks.filter((c: any) => c.check === "conntrack-expectation");
    expect(ex.length).toBeGreaterThan(0);
    for (const c of ex) expect(c.status).toBe("not-checked");
    // The document itself still belongs: its master tuples are the run's control connection.
    expect(report.checks.find((c: any) => c.check === "router-document").status).toBe("passed");
  });

  it("no expectation for a PORT whose data connection was blocked: conntrack.expectation-missing", async () => {
    const nohelper = join(lab, "ftp-active-no-helper");
    const { report: base } = await verify(nohelper, []);
    const s = base.sessions[0];
    const ctl = `master-src=${s.control.client.ip} master-dst=${s.control.server.ip} sport=${s.control.client.port} dport=21`;
    // An expectation of this control connection, but for a port no negotiation announced.
    const f = write("expect-other.txt", `299 proto=6 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=1 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 ${ctl} class=0 helper=ftp\n`);
    const { report } = await verify(nohelper, [f]);
    expect(report.checks.find((c: any) => c.check === "router-document").status).toBe("passed");
    expect(codes(report)).toContain("conntrack.expectation-missing");
    expect(report.checks.find((c: any) => c.check === "conntrack-expectation").status).toBe("failed");
  });
});
