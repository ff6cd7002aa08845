/**
 * issue 14 item 4: router output about TFTP compared with the captures, on the recorded lab runs
 * (pcaps/lab/tftp-helper, tftp-no-helper: tftp-hpa RRQ + WRQ through the kernel's masquerade, with
 * and without `ct helper "tftp"`) and copies of their dumps changed one line at a time:
 *  - conntrack: the request masters (client → server:69) carry helper=tftp (conntrack.helper-missing
 *    otherwise, naming a wrong helper), the transfer flows their NAT and counters;
 *  - expectations: server → NAT address:client port, one per request (conntrack -E expect);
 *  - the predicted Junos conversation (ALG protocol tftp: request Watch, transfer Forward) printed in
 *    the Junos layout and read back agrees, flow by flow; ALG protocol `any` is router.alg-inactive.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checks, codes, lab, lineOf, predictedJunosTable, scratch, verifyCase } from "./router-helpers.js";

const write = scratch("router-tftp");
const helper = join(lab, "tftp-helper");
const noHelper = join(lab, "tftp-no-helper");
const dump = readFileSync(join(helper, "conntrack.txt"), "utf8");

describe("conntrack (lab runs)", () => {
  it("with the helper: every predicted flow has its entry; the request masters carry helper=tftp; the run passes", async () => {
    const { code, report } = await verifyCase(helper, [join(helper, "conntrack.txt")]);
    expect(code).toBe(0);
    expect(report.sessions.map((s: any) => [s.alg, s.negotiations.map((n: any) => n.kind)])).toEqual([["tftp", ["RRQ"]], ["tftp", ["WRQ"]]]);
    const flows = checks(report, "router-flow");
    expect(flows).toHaveLength(8);
    expect(flows.every((c: any) => c.status === "passed")).toBe(true);
    // the request master's check says the helper was checked, and quotes the entry holding helper=tftp
    const masters = flows.filter((c: any) => c.subject.startsWith("tftp control initiator"));
    expect(masters.map((c: any) => c.reason)).toEqual([
      `conntrack ${join(helper, "conntrack.txt")}:${lineOf(dump, /sport=40000 dport=69 .*helper=tftp/)}: tuples (NAT), helper, counters agree`,
      `conntrack ${join(helper, "conntrack.txt")}:${lineOf(dump, /sport=40001 dport=69 .*helper=tftp/)}: tuples (NAT), helper, counters agree`,
    ]);
    // the transfer entries carry no helper and none is asked of them
    for (const c of flows.filter((x: any) => x.subject.startsWith("tftp data"))) expect(c.reason).toMatch(/conntrack\.txt:\d+: (?:tuples \(NAT\), )?counters agree$/);
  });
  it("without the helper: both request masters lack helper= (conntrack.helper-missing, warning, on their lines); the transfers were blocked", async () => {
    const nd = readFileSync(join(noHelper, "conntrack.txt"), "utf8");
    const { code, report } = await verifyCase(noHelper, [join(noHelper, "conntrack.txt")]);
    expect(code).toBe(1);
    const hm = report.findings.filter((f: any) => f.code === "conntrack.helper-missing");
    expect(hm.map((f: any) => [f.severity, f.message, f.evidence.router[0].line])).toEqual([
      ["warning", "TFTP request connection 192.0.2.10:40000 -> 198.51.100.20:69 has no helper=", lineOf(nd, /sport=40000 dport=69/)],
      ["warning", "TFTP request connection 192.0.2.10:40001 -> 198.51.100.20:69 has no helper=", lineOf(nd, /sport=40001 dport=69/)],
    ]);
    expect(codes(report)).toContain("alg.tftp-reply-blocked");
  });
  it("another helper on a request master is named", async () => {
    const f = write("ftp-helper.txt", dump.replace(/(sport=40000 dport=69 .*)helper=tftp/, "$1helper=ftp"));
    const { report } = await verifyCase(helper, [f]);
    const hm = report.findings.filter((x: any) => x.code === "conntrack.helper-missing");
    expect(hm.map((x: any) => x.message)).toEqual(["TFTP request connection 192.0.2.10:40000 -> 198.51.100.20:69 has helper=ftp, not helper=tftp"]);
  });
});

describe("expectations (conntrack -E expect)", () => {
  const events = readFileSync(join(helper, "expect-events.txt"), "utf8");
  it("each request's expectation: server → NAT address:client port, quoted with its helper", async () => {
    const { report } = await verifyCase(helper, [join(helper, "expect-events.txt")]);
    const ex = checks(report, "conntrack-expectation");
    expect(ex.map((c: any) => [c.subject, c.status, c.reason])).toEqual([
      ["tftp RRQ at outside packet 3 (announces 198.51.100.1:40000)", "passed", `expectation ${join(helper, "expect-events.txt")}:${lineOf(events, /NEW.*dport=40000 /)} for 198.51.100.1:40000 (helper tftp)`],
      ["tftp WRQ at outside packet 16 (announces 198.51.100.1:40001)", "passed", `expectation ${join(helper, "expect-events.txt")}:${lineOf(events, /NEW.*dport=40001 /)} for 198.51.100.1:40001 (helper tftp)`],
    ]);
  });
  it("no expectation for a request whose transfer was blocked: conntrack.expectation-missing (error); the other request's passes", async () => {
    // the router's listing (taken during the run) holds the WRQ's expectation only
    const f = write("expect-wrq-only.txt", "300 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=40001 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=192.0.2.10 master-dst=198.51.100.20 sport=40001 dport=69 class=0 helper=tftp\n");
    const { report } = await verifyCase(noHelper, [f]);
    const missing = report.findings.filter((x: any) => x.code === "conntrack.expectation-missing");
    const rrq = report.sessions[0].negotiations[0];
    expect([rrq.kind, rrq.outside.announced]).toEqual(["RRQ", { ip: "198.51.100.1", port: 40000 }]);
    expect(missing.map((x: any) => [x.severity, x.message, x.evidence.outside])).toEqual([["error", `no conntrack expectation for 198.51.100.1:40000 announced by RRQ (packet ${rrq.outside.packet})`, [rrq.outside.packet]]]);
    const ex = checks(report, "conntrack-expectation");
    expect(ex.map((c: any) => c.status)).toEqual(["failed", "passed"]);
  });
});

describe("Junos conversations with ALG protocol tftp", () => {
  /** The run's predicted conversations printed as a Junos service PIC would list them. */
  const predictedTable = async (alg: string) => predictedJunosTable((await verifyCase(helper, [])).report, alg);
  it("request Watch, transfer Forward, NAT and frame counts agree flow by flow", async () => {
    const t = await predictedTable("tftp");
    expect(t).toMatch(/Conversation: ALG protocol: tftp\n/);
    expect(t).toMatch(/UDP +192\.0\.2\.10:40000 -> +198\.51\.100\.20:69 +Watch +I +1\n/);
    const { code, report } = await verifyCase(helper, [write("junos-tftp.txt", t)]);
    expect(code).toBe(0);
    expect(codes(report)).toEqual([]);
    const flows = checks(report, "router-flow");
    expect(flows).toHaveLength(8);
    for (const c of flows) expect(c.status, c.subject).toBe("passed");
    expect(flows[0].reason).toMatch(/^Junos .*junos-tftp\.txt:\d+: state, NAT and frame count agree$/);
  });
  it("the same flows under ALG protocol any: the request is not handled by the ALG (router.alg-inactive)", async () => {
    const { report } = await verifyCase(helper, [write("junos-any.txt", await predictedTable("any"))]);
    const ai = report.findings.filter((f: any) => f.code === "router.alg-inactive");
    expect(ai).toHaveLength(2);
    expect(ai[0].message).toBe("control flow 192.0.2.10:40000 -> 198.51.100.20:69 is Watch in a conversation with ALG protocol any");
  });
  it("a transfer flow the router lists as Watch: router.state-mismatch", async () => {
    const table = await predictedTable("tftp");
    // the server's new port (its TID) is the recorded run's: read it from the table
    const port = /198\.51\.100\.20:(\d+) +-> +198\.51\.100\.1:40000 +Forward/.exec(table)?.[1];
    expect(port).toBeDefined();
    const t = table.replace(new RegExp(`(198\\.51\\.100\\.20:${port} +->.*?)Forward`), "$1Watch  ");
    const { report } = await verifyCase(helper, [write("junos-watch.txt", t)]);
    const sm = report.findings.filter((f: any) => f.code === "router.state-mismatch");
    expect(sm.map((f: any) => f.message)).toEqual([`data responder 198.51.100.20:${port} -> 198.51.100.1:40000 is Watch on the router, expected Forward`]);
  });
});

describe("statistics: ALG errors of TFTP (and SIP) counted", () => {
  it("a non-zero `ALG errors: TFTP` / `SIP` counter is router.alg-errors, quoting the statistics output; zero is nothing", async () => {
    const stats = (tftp: number, sip: number) => [
      "user@host> show services stateful-firewall statistics extensive",
      "Interface: ms-1/3/0",
      "  Service set: TFTPSET",
      "    ALG errors:",
      "      BOOTP: 0, DCE-RPC: 0, DCE-RPC portmap: 0",
      "      FTP: 0",
      `      SIP: ${sip}, SNMP: 0, SQLNet: 0, TFTP: ${tftp}`,
    ].join("\n");
    const bad = write("stats-bad.txt", stats(2, 5));
    const { report } = await verifyCase(helper, [bad]);
    const ae = report.findings.filter((f: any) => f.code === "router.alg-errors");
    expect(ae.map((f: any) => [f.message, f.evidence.router[0].file])).toEqual([["SIP ALG errors: 5", bad], ["TFTP ALG errors: 2", bad]]);
    const { report: ok } = await verifyCase(helper, [write("stats-ok.txt", stats(0, 0))]);
    expect(codes(ok)).not.toContain("router.alg-errors");
  });
});
