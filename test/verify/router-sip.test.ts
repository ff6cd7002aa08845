/**
 * issue 14 item 4: router output about SIP compared with the captures, on the recorded lab runs
 * (pcaps/lab/sip-udp-helper, sip-udp-no-helper: SIPp REGISTER, INVITE with RTP both ways, hold
 * re-INVITE, BYE, through the kernel's masquerade with and without `ct helper "sip"`):
 *  - conntrack: the signalling master carries helper=sip (missing: reported once, however many
 *    dialogs share the flow); the RTP entry its NAT and counters;
 *  - expectations: per SDP media line one check for RTP and one for RTCP, the NAT'd endpoint on the
 *    outside (client's INVITE: 198.51.100.1:7000/7001) and the server's own (6000/6001), helper
 *    and class quoted; the REGISTER's sip/signalling expectation (PERMANENT) at its outside Contact;
 *  - SRX `show security alg sip calls`: each call against the dialogs' Call-IDs (a Call-ID of no
 *    dialog is said to be possibly hidden by the SRX, never failed);
 *  - the predicted Junos conversations with ALG protocol sip read back flow by flow.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checks, codes, lab, lineOf, predictedJunosTable, scratch, verifyCase } from "./router-helpers.js";

const write = scratch("router-sip");
const helper = join(lab, "sip-udp-helper");
const noHelper = join(lab, "sip-udp-no-helper");
const expectTxt = readFileSync(join(helper, "expect.txt"), "utf8");

describe("conntrack and expectations (the run with the helper)", () => {
  it("passes; RTP and RTCP of every SDP line with an endpoint have their sip/audio expectation; the REGISTER its sip/signalling one", async () => {
    const { code, report } = await verifyCase(helper, [join(helper, "conntrack.txt"), join(helper, "expect.txt")]);
    expect(code).toBe(0);
    expect(report.verdict).toBe("pass");
    const ex = checks(report, "conntrack-expectation");
    const f = join(helper, "expect.txt");
    const at = (port: number) => `expectation ${f}:${lineOf(expectTxt, new RegExp(`dport=${port} mask`))}`;
    const inviteSdp = report.sessions.flatMap((s: any) => s.negotiations).find((n: any) => n.kind === "SDP" && n.outside?.announced.port === 7000);
    const okSdp = report.sessions.flatMap((s: any) => s.negotiations).filter((n: any) => n.kind === "SDP" && n.outside?.announced.port === 6000);
    expect(inviteSdp.inside.announced).toEqual({ ip: "192.0.2.10", port: 7000, rtcpPort: 7001 });
    expect(ex.map((c: any) => [c.subject, c.status, c.reason])).toEqual([
      [`sip SDP RTP at outside packet ${inviteSdp.outside.packet} (announces 198.51.100.1:7000)`, "passed", `${at(7000)} for 198.51.100.1:7000 (helper sip/audio)`],
      [`sip SDP RTCP at outside packet ${inviteSdp.outside.packet} (announces 198.51.100.1:7001)`, "passed", `${at(7001)} for 198.51.100.1:7001 (helper sip/audio)`],
      ...okSdp.flatMap((n: any) => [
        [`sip SDP RTP at outside packet ${n.outside.packet} (announces 198.51.100.20:6000)`, "passed", `${at(6000)} for 198.51.100.20:6000 (helper sip/audio)`],
        [`sip SDP RTCP at outside packet ${n.outside.packet} (announces 198.51.100.20:6001)`, "passed", `${at(6001)} for 198.51.100.20:6001 (helper sip/audio)`],
      ]),
      [expect.stringMatching(/^sip REGISTER at outside packet \d+ \(Contact 198\.51\.100\.1:5060\)$/), "passed", `signalling expectation ${f}:1 for 198.51.100.1:5060 from the registrar (PERMANENT)`],
    ]);
    // the 200 OK and the answer to the hold re-INVITE both announce the server's 6000
    expect(okSdp).toHaveLength(2);
    // the signalling master: helper checked once per predicted control line, all passed
    const ctl = checks(report, "router-flow").filter((c: any) => c.subject.startsWith("sip control"));
    expect(ctl.length).toBeGreaterThan(0);
    const dump = readFileSync(join(helper, "conntrack.txt"), "utf8");
    for (const c of ctl) expect(c.reason).toBe(`conntrack ${join(helper, "conntrack.txt")}:${lineOf(dump, /sport=5060 dport=5060 .*helper=sip/)}: tuples (NAT), helper, counters agree`);
    expect(checks(report, "router-flow").every((c: any) => c.status === "passed")).toBe(true);
  });
  it("the listing without the REGISTER's expectation (taken while the others lived): conntrack.expectation-missing for its Contact", async () => {
    const f = write("no-register.txt", expectTxt.split("\n").filter((l) => !/PERMANENT/.test(l)).join("\n"));
    const { report } = await verifyCase(helper, [f]);
    const missing = report.findings.filter((x: any) => x.code === "conntrack.expectation-missing");
    expect(missing.map((x: any) => [x.severity, x.message.replace(/packet \d+/, "packet N")])).toEqual([
      ["error", "no sip/signalling expectation for the REGISTER Contact 198.51.100.1:5060 (packet N), though the listing holds other expectations of its signalling connection"],
    ]);
    expect(checks(report, "conntrack-expectation").filter((c: any) => c.status === "failed").map((c: any) => c.subject)).toEqual([expect.stringMatching(/^sip REGISTER/)]);
  });
  it("a listing of the media expectations only from another server: the REGISTER is not checked (taken at another time), nothing failed", async () => {
    const other = expectTxt.split("\n").filter((l) => !/PERMANENT/.test(l)).map((l) => l.replace(/master-dst=198\.51\.100\.20 sport=5060 dport=5060/, "master-dst=198.51.100.20 sport=5060 dport=5080")).join("\n");
    const { report } = await verifyCase(helper, [write("other-master.txt", other)]);
    const reg = checks(report, "conntrack-expectation").find((c: any) => c.subject.startsWith("sip REGISTER"));
    expect([reg.status, reg.reason]).toEqual(["not-checked", "none listed, and the listing holds no expectation of this signalling connection: it was taken at another time (or another router)"]);
    expect(codes(report)).not.toContain("conntrack.expectation-missing");
  });
  it("conntrack -E expect (the whole call): the same checks pass on the NEW events", async () => {
    const ev = readFileSync(join(helper, "expect-events.txt"), "utf8");
    const { report } = await verifyCase(helper, [join(helper, "expect-events.txt")]);
    const ex = checks(report, "conntrack-expectation");
    expect(ex.length).toBe(7);
    expect(ex.every((c: any) => c.status === "passed")).toBe(true);
    expect(ex[0].reason).toBe(`expectation ${join(helper, "expect-events.txt")}:${lineOf(ev, /\[NEW\].*dport=7000 /)} for 198.51.100.1:7000 (helper sip/audio)`);
    expect(ex[6].reason).toMatch(/for 198\.51\.100\.1:5060 from the registrar \(PERMANENT,INACTIVE\)$/);
  });
});

describe("SIP over TCP (sip-tcp-helper)", () => {
  it("UDP media expectations of a TCP signalling master belong to the captures (the master is looked up over TCP, the RTP the server sent first matches the client's expectation)", async () => {
    const tcp = join(lab, "sip-tcp-helper");
    const { code, report } = await verifyCase(tcp, [join(tcp, "expect.txt")]);
    expect(code).toBe(0);
    expect(codes(report)).not.toContain("router.unrelated");
    const doc = checks(report, "router-document")[0];
    expect([doc.status, doc.reason]).toEqual(["passed", "3 of its 3 expectation(s) name a captured flow"]);
    expect(checks(report, "conntrack-expectation").filter((c: any) => c.status === "failed")).toEqual([]);
  });
});

describe("the run without the helper", () => {
  it("the signalling master has no helper=: one conntrack.helper-missing (two dialogs share it); the RTP entry agrees, no frame-count contradiction", async () => {
    const dump = readFileSync(join(noHelper, "conntrack.txt"), "utf8");
    const { report } = await verifyCase(noHelper, [join(noHelper, "conntrack.txt")]);
    expect(report.sessions.filter((s: any) => s.alg === "sip")).toHaveLength(2);
    const hm = report.findings.filter((f: any) => f.code === "conntrack.helper-missing");
    expect(hm.map((f: any) => [f.message, f.evidence.router[0].line])).toEqual([
      ["SIP signalling connection 192.0.2.10:5060 -> 198.51.100.20:5060 has no helper=", lineOf(dump, /sport=5060 dport=5060/)],
    ]);
    expect(codes(report)).not.toContain("router.frame-count-contradiction");
    const data = checks(report, "router-flow").filter((c: any) => c.subject.startsWith("sip data"));
    expect(data.map((c: any) => c.status)).toEqual(["passed", "passed"]);
    // the classic failure is said by the SIP checks: one-way media
    expect(codes(report)).toContain("alg.one-way-media");
  });
});

describe("SRX show security alg sip calls", () => {
  it("calls whose Call-ID is a dialog's pass; the documentation's Call-ID is said to be possibly hidden, not failed", async () => {
    const text = [
      "user@host> show security alg sip calls detail",
      "Total number of calls: 3",
      "  Call ID    : 1-8622@192.0.2.10",
      "  Method     : INVITE",
      "  State      : SETUP",
      "  Group ID   : 1",
      "  Call ID    : 1-8615@192.0.2.10",
      "  Method     : REGISTER",
      "  Call ID    : 47090a32@30.2.20.5",
      "  Method     : INVITE",
    ].join("\n");
    const f = write("srx-calls.txt", text);
    const { code, report } = await verifyCase(helper, [f]);
    expect(code).toBe(0);
    const sc = checks(report, "srx-sip-call");
    expect(sc.map((c: any) => [c.subject, c.status])).toEqual([
      [`SRX SIP call 1-8622@192.0.2.10 (INVITE, SETUP) at ${f}:3`, "passed"],
      [`SRX SIP call 1-8615@192.0.2.10 (REGISTER) at ${f}:7`, "passed"],
      [`SRX SIP call 47090a32@30.2.20.5 (INVITE) at ${f}:9`, "not-checked"],
    ]);
    expect(sc[0].reason).toMatch(/^the dialog with this Call-ID: inside packet \d+, outside packet \d+; it sends INVITE \(state SETUP not compared: the SRX's call states are not documented\)$/);
    expect(sc[1].reason).toMatch(/^the dialog with this Call-ID: inside packet \d+, outside packet \d+; it sends REGISTER$/);
    expect(sc[2].reason).toBe("no dialog of the 2 in the captures has this Call-ID; the SRX hides Call-IDs unless disable-call-id-hiding is set, so it may be one of them with its Call-ID rewritten, or a call outside the captures");
    const doc = checks(report, "router-document")[0];
    expect([doc.status, doc.reason]).toEqual(["not-checked", "a SIP ALG table: compared by Call-ID (srx-sip-call checks), not by flow"]);
    expect(codes(report)).not.toContain("router.unrelated");
  });
});

describe("Junos conversations with ALG protocol sip", () => {
  it("the predicted conversations printed in the Junos layout and read back: signalling Watch, RTP Forward, NAT and counts agree", async () => {
    const { report: r0 } = await verifyCase(helper, []);
    const table = predictedJunosTable(r0);
    expect(table).toMatch(/Conversation: ALG protocol: sip\n/);
    expect(table).toMatch(/UDP +192\.0\.2\.10:7000 +-> +198\.51\.100\.20:6000 +Forward +I +100\n/);
    expect(table).toMatch(/UDP +192\.0\.2\.10:5060 +-> +198\.51\.100\.20:5060 +Watch +I +\d+\n/);
    const { code, report } = await verifyCase(helper, [write("junos-sip.txt", table)]);
    expect(code).toBe(0);
    expect(codes(report).filter((c: string) => c.startsWith("router."))).toEqual([]);
    const flows = checks(report, "router-flow");
    expect(flows.length).toBeGreaterThan(0);
    for (const c of flows) expect([c.subject, c.status, c.reason]).toEqual([c.subject, "passed", expect.stringMatching(/^Junos .*junos-sip\.txt:\d+: state, NAT and frame count agree$/)]);
  });
});
