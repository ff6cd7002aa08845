/**
 * Router output must belong to the captures (issue 12, scope 2): every router document's records
 * are matched against the captured flows (both sides, before and after NAT) — conntrack original
 * and reply tuples, conntrack -E events, expectations, Junos I/O lines, SRX In/Out, syslog tuples.
 * A document none of whose records matches gives `router.unrelated` (error) naming the file, and
 * nothing in it is quoted as evidence. The inputs are the project's recorded lab runs (two runs
 * share client, server and NAT address: their ports and counters tell them apart) and router
 * texts the tests make from them and from the generated cases.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lab, nat, scratch, verifyCase as verify } from "./router-helpers.js";

const write = scratch("router-match");

/** Everything in a report that quotes a router file, except the router.unrelated findings and the checks. */
function quoted(report: any, file: string): string[] {
  const out: string[] = [];
  for (const f of report.findings) {
    if (f.code === "router.unrelated") continue;
    if ((f.evidence.router ?? []).some((r: any) => r.file === file) || f.message.includes(file)) out.push(`${f.code}: ${f.message}`);
  }
  for (const a of report.answers) if (a.answer.includes(file)) out.push(`answer: ${a.answer}`);
  return out;
}

/** conntrack -L entries of a lab file as tuples and counters. */
function conntrackEntries(file: string) {
  const re = /^(?:ipv4\s+2\s+)?(tcp|udp)\s+\d+\s+\d+\s+(?:[A-Z_]+\s+)?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) packets=(\d+) bytes=(\d+) (?:\[UNREPLIED\] )?src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) packets=(\d+) bytes=(\d+)/;
  return readFileSync(file, "utf8").split("\n").map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => ({
    proto: m[1], src: `${m[2]}/${m[4]}`, dst: `${m[3]}/${m[5]}`, pkts: [Number(m[6]), Number(m[12])], bytes: [Number(m[7]), Number(m[13])],
    rsrc: `${m[8]}/${m[10]}`, rdst: `${m[9]}/${m[11]}`, srcIp: m[2], sport: m[4], dstIp: m[3], dport: m[5], natSrc: `${m[9]}:${m[11]}`,
  }));
}

/** The same connections as SRX `show security flow session` prints them. */
function srxSessions(conntrackFile: string): string {
  const lines: string[] = [];
  conntrackEntries(conntrackFile).forEach((e, i) => {
    lines.push(`Session ID: ${1000 + i}, Policy name: trust-to-untrust/4, Timeout: 20, Session State: Valid`);
    lines.push(`  In: ${e.src} --> ${e.dst};${e.proto}, Conn Tag: 0x0, If: ge-0/0/1.0, Pkts: ${e.pkts[0]}, Bytes: ${e.bytes[0]},`);
    lines.push(`  Out: ${e.rsrc} --> ${e.rdst};${e.proto}, Conn Tag: 0x0, If: ge-0/0/0.0, Pkts: ${e.pkts[1]}, Bytes: ${e.bytes[1]},`);
  });
  lines.push(`Total sessions: ${lines.length / 3}`);
  return lines.join("\n") + "\n";
}

/** ASP_SFW syslog lines for the same connections' original tuples. */
function syslogLines(conntrackFile: string): string {
  return conntrackEntries(conntrackFile).map((e) =>
    `Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, ge-1/0/0.0:${e.srcIp}:${e.sport} -> ${e.dstIp}:${e.dport}, creating forward or watch flow`).join("\n") + "\n";
}

const docCheck = (report: any, file: string) => report.checks.filter((c: any) => c.check === "router-document" && c.subject.startsWith(file));

describe("router output of another session", () => {
  it("a conntrack dump of another lab run: router.unrelated (error) naming the file; nothing quoted from it", async () => {
    const own = join(lab, "ftp-active-helper", "conntrack.txt");
    const other = join(lab, "ftp-passive-helper", "conntrack.txt");
    // The other run's dump does show an FTP helper on a control connection: before, it was quoted as proof.
    expect(readFileSync(other, "utf8")).toMatch(/dport=21 .*helper=ftp/);
    const { code, report } = await verify(join(lab, "ftp-active-helper"), [other]);
    expect(code).toBe(1);
    expect(report.verdict).toBe("fail");
    const u = report.findings.filter((f: any) => f.code === "router.unrelated");
    expect(u).toHaveLength(1);
    expect(u[0].severity).toBe("error");
    expect(u[0].message).toContain(other);
    expect(u[0].explanation).toMatch(/another session/);
    expect(quoted(report, other)).toEqual([]);
    const ans = report.answers.find((a: any) => a.question === "Is the FTP ALG active?");
    expect(ans.answer).not.toMatch(/helper=/);
    expect(docCheck(report, other).map((c: any) => c.status)).toEqual(["failed"]);
    // The predicted flows were not compared with it, and say why.
    const flows = report.checks.filter((c: any) => c.check === "router-flow");
    expect(flows.length).toBe(report.predicted.conversations.flatMap((c: any) => c.flows).length);
    for (const c of flows) expect(c.status, c.subject).toBe("not-checked");
    for (const c of flows) expect(c.reason).toMatch(/unrelated/);

    // Its own dump belongs, and the answer quotes the helper from the entry of this session's control connection.
    const mine = await verify(join(lab, "ftp-active-helper"), [own]);
    expect(mine.report.findings.map((f: any) => f.code)).not.toContain("router.unrelated");
    expect(docCheck(mine.report, own).map((c: any) => c.status)).toEqual(["passed"]);
    const a = mine.report.answers.find((x: any) => x.question === "Is the FTP ALG active?").answer;
    const at = /\(([^()]*conntrack\.txt):(\d+)\)/.exec(a);
    expect(at, a).not.toBeNull();
    const line = readFileSync(own, "utf8").split("\n")[Number(at![2]) - 1];
    const ctl = mine.report.sessions[0].control.client.port;
    expect(line).toContain(`sport=${ctl} dport=21`);
    expect(line).toContain("helper=ftp");
  });

  it("own and another run's dumps together: only the other one is unrelated, and only own entries are quoted", async () => {
    const own = join(lab, "ftp-active-helper", "conntrack.txt");
    const other = join(lab, "ftp-active-snat-pool", "conntrack.txt");
    const { report } = await verify(join(lab, "ftp-active-helper"), [other, own]);
    expect(report.findings.filter((f: any) => f.code === "router.unrelated").map((f: any) => f.message.split(":")[0])).toEqual([other]);
    expect(quoted(report, other)).toEqual([]);
    expect(report.findings.filter((f: any) => f.severity === "error").map((f: any) => f.code)).toEqual(["router.unrelated"]);
    for (const c of report.checks.filter((x: any) => x.check === "router-flow")) {
      expect(c.status, c.subject).toBe("passed");
      expect(c.reason).toContain(own);
    }
  });

  // FTP runs: same client, server and NAT address, other ephemeral ports. Each run's captures
  // with the next run's conntrack dump, conntrack -E events and expectations.
  const ftp = ["ftp-active-fully-random", "ftp-active-helper", "ftp-active-no-helper", "ftp-active-snat-pool", "ftp-eprt-epsv-helper", "ftp-passive-helper", "ftp-passive-no-helper"];
  for (let i = 0; i < ftp.length; i++) {
    const a = ftp[i], b = ftp[(i + 1) % ftp.length];
    it(`${a} captures, ${b} router files: every one unrelated; with its own: every one related`, async () => {
      const files = (c: string) => ["conntrack.txt", "events.txt", ...(readFileSync(join(lab, c, "expect.txt"), "utf8").trim() ? ["expect.txt"] : [])].map((f) => join(lab, c, f));
      const { report } = await verify(join(lab, a), files(b));
      for (const f of files(b)) {
        expect(docCheck(report, f).map((c: any) => c.status), f).toEqual(["failed"]);
        expect(report.findings.some((x: any) => x.code === "router.unrelated" && x.message.startsWith(f)), f).toBe(true);
        expect(quoted(report, f), f).toEqual([]);
      }
      const mine = await verify(join(lab, a), files(a));
      for (const f of files(a)) expect(docCheck(mine.report, f).map((c: any) => c.status), f).toEqual(["passed"]);
      expect(mine.report.findings.map((x: any) => x.code)).not.toContain("router.unrelated");
    });
  }

  it("RTSP runs with the same media ports: the packet counters decide", async () => {
    // Both runs have UDP 192.0.2.10:50000 <-> 198.51.100.20:6970 through 198.51.100.1:50000; the
    // port-preserving run's media went both ways, the no-punch run's only server → NAT.
    const pp = join(lab, "rtsp-play-udp-port-preserving"), np = join(lab, "rtsp-play-udp-no-punch");
    expect(readFileSync(join(pp, "conntrack.txt"), "utf8")).toMatch(/sport=50000 dport=6970/);
    expect(readFileSync(join(np, "conntrack.txt"), "utf8")).toMatch(/sport=6970 dport=50000/);
    const { report } = await verify(pp, [join(np, "conntrack.txt")]);
    const [c] = docCheck(report, join(np, "conntrack.txt"));
    expect(c.status).toBe("failed");
    expect(c.reason).toMatch(/count packets the captures contradict/);
    expect(report.findings.map((f: any) => f.code)).toContain("router.unrelated");
    const mine = await verify(pp, [join(pp, "conntrack.txt")]);
    expect(docCheck(mine.report, join(pp, "conntrack.txt"))[0].status).toBe("passed");
  });

  it("SRX sessions (In/Out) and ASP_SFW syslog lines: related when made from the run's own connections, unrelated from another run's", async () => {
    const dir = join(lab, "ftp-active-helper");
    const made = (c: string) => ({
      srx: write(`srx-${c}.txt`, srxSessions(join(lab, c, "conntrack.txt"))),
      syslog: write(`syslog-${c}.txt`, syslogLines(join(lab, c, "conntrack.txt"))),
    });
    const own = made("ftp-active-helper"), other = made("ftp-passive-helper");
    const { report } = await verify(dir, [own.srx, own.syslog]);
    expect(report.router.documents.map((d: any) => d.format).sort()).toEqual(["junos-syslog", "srx-flow-session"]);
    for (const f of [own.srx, own.syslog]) expect(docCheck(report, f).map((c: any) => c.status), f).toEqual(["passed"]);
    const bad = await verify(dir, [other.srx, other.syslog]);
    for (const f of [other.srx, other.syslog]) {
      expect(docCheck(bad.report, f).map((c: any) => c.status), f).toEqual(["failed"]);
      expect(quoted(bad.report, f), f).toEqual([]);
    }
    // An SRX session whose counters contradict the captures (no packet back where they show 23).
    const zeroed = write("srx-zeroed.txt", srxSessions(join(dir, "conntrack.txt")).replace(/(Out: [^\n]*Pkts: )\d+/g, "$10"));
    const z = await verify(dir, [zeroed]);
    expect(docCheck(z.report, zeroed)[0].status).toBe("failed");
  });

  it("a Junos conversation table of a generated case with the lab captures: unrelated", async () => {
    const junos = join(nat, "ftp-active-masquerade", "router-junos.txt");
    const { report } = await verify(join(lab, "ftp-active-helper"), [junos]);
    expect(docCheck(report, junos).map((c: any) => c.status)).toEqual(["failed"]);
    expect(report.findings.map((f: any) => f.code)).not.toContain("router.flow-missing");
    expect(quoted(report, junos)).toEqual([]);
    // And with its own captures it belongs.
    const mine = await verify(join(nat, "ftp-active-masquerade"), [junos]);
    expect(docCheck(mine.report, junos).map((c: any) => c.status)).toEqual(["passed"]);
  });
});

describe("checks", () => {
  it("one per router document (related, unrelated, or nothing to match) and one per predicted flow", async () => {
    const dir = join(lab, "ftp-passive-helper");
    const stats = write("stats.txt", readFileSync(new URL("../fixtures/router/statistics-laid-out.raw", import.meta.url), "utf8"));
    const other = join(lab, "ftp-active-helper", "conntrack.txt");
    const { report } = await verify(dir, [join(dir, "conntrack.txt"), other, stats]);
    const docs = report.checks.filter((c: any) => c.check === "router-document");
    expect(docs.length).toBe(report.router.documents.length);
    expect(docCheck(report, join(dir, "conntrack.txt"))[0].status).toBe("passed");
    expect(docCheck(report, other)[0].status).toBe("failed");
    const s = docCheck(report, stats)[0];
    expect(s.status).toBe("not-checked");
    expect(s.reason).toMatch(/counters/);
    const flows = report.predicted.conversations.flatMap((c: any) => c.flows);
    expect(report.checks.filter((c: any) => c.check === "router-flow").length).toBe(flows.length);
  });

  it("without router output every predicted flow is not-checked, saying no router output was given", async () => {
    const { report } = await verify(join(lab, "ftp-active-helper"), []);
    const flows = report.checks.filter((c: any) => c.check === "router-flow");
    expect(flows.length).toBe(report.predicted.conversations.flatMap((c: any) => c.flows).length);
    expect(flows.length).toBeGreaterThan(0);
    for (const c of flows) expect(c).toMatchObject({ status: "not-checked", reason: "no router output given" });
    expect(report.checks.filter((c: any) => c.check === "router-document")).toEqual([]);
  });
});

describe("IPv6 router records", () => {
  // IPv6 flows are looked up by their text (router-match.ts CaptureIndex.others, made at the first
  // IPv6 lookup): every entry of the IPv6 lab run's conntrack dump names its flow in both captures.
  it("each conntrack entry of the IPv6 lab run names its captured flow, inside and outside", async () => {
    const { analyzeFile } = await import("../../src/node/files.js");
    const { parseVerifyRouter } = await import("../../src/verify/router-input.js");
    const { matchRouter } = await import("../../src/verify/router-match.js");
    const dir = join(lab, "ftp-ipv6");
    const captures = { inside: await analyzeFile(join(dir, "inside.pcap")), outside: await analyzeFile(join(dir, "outside.pcap")) };
    const router = [parseVerifyRouter(readFileSync(join(dir, "conntrack.txt"), "utf8"), "conntrack.txt")];
    const flows = router[0].flows;
    expect(flows.length).toBeGreaterThan(1);
    expect(flows.every((f) => f.src.ip.includes(":"))).toBe(true);
    const m = matchRouter(router, captures);
    expect(m.documents.map((d) => [d.related, d.records, d.matched, d.contradicted])).toEqual([[true, flows.length, flows.length, 0]]);
    for (const f of flows) {
      const refs = m.captured(f);
      expect(new Set(refs.map((r) => r.side))).toEqual(new Set(["inside", "outside"]));
      for (const r of refs) {
        const flow = captures[r.side].scan.flows.get(r.flow);
        expect([flow.initiator.ip, flow.responder.ip]).toContain(r.side === "inside" ? f.src.ip : f.dst.ip);
      }
    }
  });
});
