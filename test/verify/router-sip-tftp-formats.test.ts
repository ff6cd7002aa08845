/**
 * issue 14 Scope 4: "each format compared with the captures as FTP output is (media expectations ↔
 * SDP endpoints, helper present, counters)" — the gaps the audit of the SIP/TFTP router formats
 * found, each on real output: the shared reference samples (recorded live through this machine's
 * kernel helpers, ../shared/reference/router-output/linux__*sip*, *tftp*, srx__*sip*) and the lab's
 * recorded runs (pcaps/lab/sip-*, tftp-*):
 *  - the SIP samples (another run of the lab's SIPp scenario, same fixed ports) against the lab
 *    run: every SDP endpoint's expectation and the REGISTER's, in the three listing formats;
 *    the TFTP samples (another tftp-hpa run: other client ports) are router.unrelated;
 *  - /proc/net/nf_conntrack_expect prints no master: a REGISTER whose signalling expectation is
 *    missing there is conntrack.expectation-missing (it was "not checked": no master to relate);
 *  - conntrack -E events given without a -L dump: the control/signalling/request connection's
 *    helper is checked (conntrack-event checks, conntrack.helper-missing);
 *  - ASP_SFW syslog of SIP and TFTP flows: a missing accept line per TFTP request (each its own
 *    client port), NO_RULE_DROP of the blocked transfer;
 *  - SRX calls: a Call-ID found whose dialog never sends the listed Method (router.sip-call-mismatch);
 *  - conntrack counters of a SIP media entry that disagree with the captures.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checks, codes, lab, lineOf, scratch, verifyCase } from "./router-helpers.js";
import { SHARED_OUTPUT } from "../router/helpers.js";

const write = scratch("router-sip-tftp-formats");
const sipLab = join(lab, "sip-udp-helper");
const sample = (name: string) => join(SHARED_OUTPUT, name);

describe("the shared SIP and TFTP samples against the lab runs", () => {
  for (const name of [
    "linux__proc-net-nf_conntrack_expect__sip-signalling-and-audio.txt",
    "linux__conntrack-L-expect__sip-register-invite-200ok-expectations.txt",
    "linux__conntrack-E-expect__sip-call-lifecycle.txt",
  ]) {
    it(`${name}: RTP and RTCP of every SDP endpoint and the REGISTER's Contact have their expectation, helper and class quoted`, async () => {
      const f = sample(name);
      const text = readFileSync(f, "utf8");
      const { code, report } = await verifyCase(sipLab, [f]);
      expect(code).toBe(0);
      const ex = checks(report, "conntrack-expectation");
      expect(ex.map((c: any) => c.subject.replace(/packet \d+/, "packet N"))).toEqual([
        "sip SDP RTP at outside packet N (announces 198.51.100.1:7000)", "sip SDP RTCP at outside packet N (announces 198.51.100.1:7001)",
        "sip SDP RTP at outside packet N (announces 198.51.100.20:6000)", "sip SDP RTCP at outside packet N (announces 198.51.100.20:6001)",
        "sip SDP RTP at outside packet N (announces 198.51.100.20:6000)", "sip SDP RTCP at outside packet N (announces 198.51.100.20:6001)",
        "sip REGISTER at outside packet N (Contact 198.51.100.1:5060)",
      ]);
      expect(ex.every((c: any) => c.status === "passed")).toBe(true);
      // each quotes the listing's own line for its port
      for (const c of ex.slice(0, 6)) {
        const port = /:(\d+)\)$/.exec(c.subject)![1];
        expect(c.reason).toBe(`expectation ${f}:${lineOf(text, new RegExp(`dport=${port}( |$)`))} for ${/announces ([\d.:]+)/.exec(c.subject)![1]} (helper sip/audio)`);
      }
      expect(ex[6].reason).toMatch(new RegExp(`^signalling expectation ${f.replace(/[.]/g, "\\.")}:${lineOf(text, /dport=5060 .*(PERMANENT|class=0)|PERMANENT sip\/signalling/)} for 198\\.51\\.100\\.1:5060 from the registrar \\(PERMANENT`));
    });
  }
  it("the conntrack -L sample (signalling master with helper=sip, the expected RTP entry) agrees with the lab run flow by flow", async () => {
    const f = sample("linux__conntrack-L__sip-master-and-expected-rtp-flow.txt");
    const { code, report } = await verifyCase(sipLab, [f]);
    expect(code).toBe(0);
    const ctl = checks(report, "router-flow").filter((c: any) => c.subject.startsWith("sip control initiator"));
    expect(ctl.map((c: any) => c.status)).toEqual(ctl.map(() => "passed"));
    // The sample was taken without accounting: tuples and helper compared, counters said absent.
    for (const c of ctl) expect(c.reason).toMatch(/: tuples \(NAT\), helper agree; no counters \(accounting off\)$/);
  });
  for (const [name, run] of [
    ["linux__conntrack-E-expect__tftp-rrq-wrq.txt", "tftp-helper"],
    ["linux__conntrack-E__tftp-helper-master-and-data-flows.txt", "tftp-helper"],
    ["linux__conntrack-E__tftp-nohelper-unmatched-data.txt", "tftp-no-helper"],
  ]) {
    it(`${name} against the lab's ${run}: another run (other client ports), router.unrelated, nothing quoted`, async () => {
      const f = sample(name);
      const { report } = await verifyCase(join(lab, run!), [f]);
      expect(report.findings.filter((x: any) => x.code === "router.unrelated").map((x: any) => x.evidence.router[0].file)).toEqual([f]);
      expect(checks(report, "router-document").map((c: any) => c.status)).toEqual(["failed"]);
      expect(JSON.stringify(report.checks.filter((c: any) => c.check !== "router-document"))).not.toContain(f);
    });
  }
});

describe("/proc/net/nf_conntrack_expect (no master printed)", () => {
  it("the sample without its PERMANENT sip/signalling line: the REGISTER's expectation is missing (conntrack.expectation-missing), not 'not checked'", async () => {
    const text = readFileSync(sample("linux__proc-net-nf_conntrack_expect__sip-signalling-and-audio.txt"), "utf8");
    const f = write("proc-no-register.txt", text.split("\n").filter((l) => !/PERMANENT/.test(l)).join("\n"));
    const { code, report } = await verifyCase(sipLab, [f]);
    expect(code).toBe(1);
    expect(report.findings.filter((x: any) => x.code === "conntrack.expectation-missing").map((x: any) => x.message.replace(/packet \d+/, "packet N"))).toEqual([
      "no sip/signalling expectation for the REGISTER Contact 198.51.100.1:5060 (packet N), though the listing holds other expectations from the registrar 198.51.100.20 to 198.51.100.1 (no master printed: /proc/net/nf_conntrack_expect)",
    ]);
    // the media expectations of another server only: not checked, saying why
    const other = write("proc-other-server.txt", text.split("\n").filter((l) => !/PERMANENT/.test(l) && !/src=198\.51\.100\.20 /.test(l)).join("\n"));
    const r2 = await verifyCase(sipLab, [other]);
    const reg = checks(r2.report, "conntrack-expectation").find((c: any) => c.subject.startsWith("sip REGISTER"));
    expect([reg.status, reg.reason]).toEqual(["not-checked", "none listed, and the listing holds no expectation of this signalling connection (nor, where no master is printed, one from the registrar 198.51.100.20 to 198.51.100.1): it was taken at another time (or another router)"]);
  });
});

describe("conntrack -E events without a -L dump: the helper of the control connection", () => {
  const cases: [string, string, boolean][] = [
    ["sip-udp-helper", "SIP signalling connection UDP 192.0.2.10:5060 -> 198.51.100.20:5060", true],
    ["sip-udp-no-helper", "SIP signalling connection UDP 192.0.2.10:5060 -> 198.51.100.20:5060", false],
    ["sip-tcp-helper", "SIP signalling connection TCP 192.0.2.10:5060 -> 198.51.100.20:5060", true],
    ["sip-tcp-no-helper", "SIP signalling connection TCP 192.0.2.10:5060 -> 198.51.100.20:5060", false],
    ["tftp-helper", "TFTP request connection UDP 192.0.2.10:40000 -> 198.51.100.20:69", true],
    ["tftp-no-helper", "TFTP request connection UDP 192.0.2.10:40000 -> 198.51.100.20:69", false],
  ];
  for (const [run, subject, helper] of cases) {
    it(`${run}: ${helper ? "passed, quoting the [NEW] line with helper=" : "conntrack.helper-missing on its events"}`, async () => {
      const dir = join(lab, run);
      const f = join(dir, "events.txt");
      const text = readFileSync(f, "utf8");
      const { report } = await verifyCase(dir, [f]);
      const c = checks(report, "conntrack-event").find((x: any) => x.subject === `${subject} in conntrack -E events`);
      const first = lineOf(text, new RegExp(`\\[NEW\\].*src=192\\.0\\.2\\.10 dst=198\\.51\\.100\\.20 sport=${/:(\d+) ->/.exec(subject)![1]} dport=${/:(\d+)$/.exec(subject)![1]} `));
      const alg = run.split("-")[0];
      if (helper) {
        expect([c.status, c.reason]).toEqual(["passed", `[NEW] ${f}:${first} carries helper=${alg}`]);
        expect(codes(report)).not.toContain("conntrack.helper-missing");
        // the flows themselves are not compared with events, and say so
        for (const r of checks(report, "router-flow")) expect([r.status, r.reason]).toEqual(["not-checked", "only conntrack -E events were given about flows: they are compared for the control connection's helper (conntrack-event checks), not flow by flow"]);
      } else {
        expect(c.status).toBe("failed");
        expect(c.reason).toMatch(new RegExp(`^its \\d+ event\\(s\\) \\(first \\[NEW\\] .*events\\.txt:${first}\\) carry no helper= \\(conntrack\\.helper-missing\\)$`));
        const hm = report.findings.filter((x: any) => x.code === "conntrack.helper-missing");
        expect(hm.length).toBe(run.startsWith("tftp") ? 2 : 1);
        expect(hm[0].severity).toBe("warning");
        expect(hm[0].evidence.router[0]).toEqual({ file: f, line: first });
      }
    });
  }
  it("with the -L dump given too, the helper is compared on its entries only (no conntrack-event check)", async () => {
    const dir = join(lab, "sip-udp-no-helper");
    const { report } = await verifyCase(dir, [join(dir, "conntrack.txt"), join(dir, "events.txt")]);
    expect(checks(report, "conntrack-event")).toEqual([]);
    expect(codes(report).filter((c: string) => c === "conntrack.helper-missing")).toHaveLength(1);
  });
});

describe("ASP_SFW syslog of SIP and TFTP flows", () => {
  const pre = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_alg}[FWNAT]:";
  const accept = (app: string, src: string, dst: string) => [
    `${pre} ASP_SFW_RULE_ACCEPT: proto 17 (UDP) application: ${app}, ge-1/0/0.0:${src} -> ${dst}, Match SFW accept rule-set: , rule: allow_${app}, term: 0`,
    `${pre} ASP_SFW_CREATE_ACCEPT_FLOW: proto 17 (UDP) application: ${app}, ge-1/0/0.0:${src} -> ${dst}, creating forward or watch flow`,
  ];
  it("SIP: the signalling flow's accept lines are found; without them router.syslog-event-missing", async () => {
    const ok = write("sip-syslog.txt", accept("sip", "192.0.2.10:5060", "198.51.100.20:5060").join("\n") + "\n");
    const { report } = await verifyCase(sipLab, [ok]);
    expect(checks(report, "router-document").map((c: any) => c.status)).toEqual(["passed"]);
    expect(codes(report)).not.toContain("router.syslog-event-missing");
    const other = write("sip-syslog-other.txt", accept("sip", "192.0.2.10:5060", "198.51.100.20:5070").join("\n") + "\n");
    const r2 = await verifyCase(sipLab, [ok, other]);
    expect(codes(r2.report)).not.toContain("router.syslog-event-missing");
    // a log of the media flow only (related to the captures) lacks the signalling flow's lines
    const onlyOther = await verifyCase(sipLab, [write("sip-syslog-only-media.txt", accept("sip", "192.0.2.10:7000", "198.51.100.20:6000").join("\n") + "\n")]);
    expect(checks(onlyOther.report, "router-document").map((c: any) => c.status)).toEqual(["passed"]);
    expect(onlyOther.report.findings.filter((x: any) => x.code === "router.syslog-event-missing").map((x: any) => x.message)).toEqual(["no ASP_SFW_RULE_ACCEPT / CREATE_ACCEPT_FLOW line for control flow 192.0.2.10:5060 -> 198.51.100.20:5060"]);
  });
  it("TFTP without the helper: each request's accept line by its own client port (a second request is not covered by the first's), NO_RULE_DROP of the blocked transfer", async () => {
    const dir = join(lab, "tftp-no-helper");
    const drop = `${pre} ASP_SFW_NO_RULE_DROP: proto 17 (UDP), ge-1/0/1.0:198.51.100.20:33331 -> 198.51.100.1:40000, No matching SFW rule`;
    const f = write("tftp-syslog.txt", [...accept("tftp", "192.0.2.10:40000", "198.51.100.20:69"), drop].join("\n") + "\n");
    const { code, report } = await verifyCase(dir, [f]);
    expect(code).toBe(1);
    expect(report.findings.filter((x: any) => x.code.startsWith("router.")).map((x: any) => [x.code, x.message])).toEqual([
      ["router.no-rule-drop", "ASP_SFW_NO_RULE_DROP for 198.51.100.20:33331 -> 198.51.100.1:40000, a flow the ALG should allow"],
      ["router.syslog-event-missing", "no ASP_SFW_RULE_ACCEPT / CREATE_ACCEPT_FLOW line for control flow 192.0.2.10:40001 -> 198.51.100.20:69"],
    ]);
    const both = write("tftp-syslog-both.txt", [...accept("tftp", "192.0.2.10:40000", "198.51.100.20:69"), ...accept("tftp", "192.0.2.10:40001", "198.51.100.20:69")].join("\n") + "\n");
    const r2 = await verifyCase(dir, [both]);
    expect(codes(r2.report).filter((c: string) => c.startsWith("router."))).toEqual([]);
  });
});

describe("SRX show security alg sip calls: the Method against the dialog's requests", () => {
  it("a call whose Call-ID is the dialog's but whose Method the dialog never sends: router.sip-call-mismatch (warning), check failed", async () => {
    const f = write("srx-calls-method.txt", ["user@host> show security alg sip calls", "Total number of calls: 2", "  Call ID: 1-8622@192.0.2.10", "\t\t\tMethod: SUBSCRIBE", "  Call ID: 1-8615@192.0.2.10", "\t\t\tMethod: REGISTER"].join("\n"));
    const { code, report } = await verifyCase(sipLab, [f]);
    expect(code).toBe(0);
    const sc = checks(report, "srx-sip-call");
    expect(sc.map((c: any) => c.status)).toEqual(["failed", "passed"]);
    expect(sc[0].reason).toMatch(/^the dialog with this Call-ID \(inside packet \d+, outside packet \d+\) sends INVITE, ACK, BYE, never SUBSCRIBE \(router\.sip-call-mismatch\)$/);
    const m = report.findings.filter((x: any) => x.code === "router.sip-call-mismatch");
    expect(m.map((x: any) => [x.severity, x.evidence.router])).toEqual([["warning", [{ file: f, line: 3 }]]]);
    expect(m[0].message).toMatch(/^SRX SIP call 1-8622@192\.0\.2\.10 is listed with Method SUBSCRIBE, which its dialog never sends: its requests are INVITE, ACK, BYE/);
  });
});

describe("conntrack counters of a SIP media entry", () => {
  it("the RTP entry's packets changed by one: conntrack.counter-mismatch; to zero: router.frame-count-contradiction", async () => {
    const dump = readFileSync(join(sipLab, "conntrack.txt"), "utf8");
    const rtp = /sport=7000 dport=6000 packets=100 /;
    expect(dump).toMatch(rtp);
    const off = write("rtp-off.txt", dump.replace(rtp, "sport=7000 dport=6000 packets=101 "));
    const a = await verifyCase(sipLab, [off]);
    expect(a.report.findings.filter((x: any) => x.code === "conntrack.counter-mismatch").map((x: any) => x.evidence.router[0].line)).toEqual([lineOf(dump, rtp)]);
    const zero = write("rtp-zero.txt", dump.replace(rtp, "sport=7000 dport=6000 packets=0 "));
    const b = await verifyCase(sipLab, [zero]);
    expect(codes(b.report)).toContain("router.frame-count-contradiction");
    expect(b.code).toBe(1);
  });
});
