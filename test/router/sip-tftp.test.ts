/**
 * issue 14 item 4: router output for SIP and TFTP. Every shared `*sip*` / `*tftp*` sample parsed,
 * with values typed by hand from reading the raw text (never copied from parser output): record
 * counts, tuples, classes and class names, flags, events and line numbers; the SRX SIP call and
 * transaction tables (brief, detail, cut output); Junos conversations and ASP_SFW syslog with ALG
 * protocol sip/tftp (no device sample exists: grammar variants in the FTP layouts).
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import {
  parseRouterText, buildRouterReport, formatRouterText, type ConntrackEventsDocument, type ConntrackExpectDocument,
  type RouterParseResult, type SrxSipCallsDocument, type SrxSipTransactionsDocument,
} from "../../src/router/index.js";
import { read, SHARED_OUTPUT } from "./helpers.js";

const shared = (f: string) => path.join(SHARED_OUTPUT, f);
function parse(f: string): { raw: string[]; r: RouterParseResult } {
  const text = read(shared(f));
  const r = parseRouterText(text, f);
  expect(r.diagnostics, "no diagnostics").toEqual([]);
  return { raw: text.split("\n"), r };
}
const e = (ip: string, port: number | null) => ({ ip, port });
const C = "192.0.2.10", S = "198.51.100.20", N = "198.51.100.1";
/** The SIP master of the lab (client → server signalling, pre-NAT). */
const SIP_MASTER = { src: e(C, 5060), dst: e(S, 5060) };

describe("conntrack -L expect: REGISTER, INVITE, 200 OK expectations (5 shown)", () => {
  const { raw, r } = parse("linux__conntrack-L-expect__sip-register-invite-200ok-expectations.txt");
  test("five expectations: signalling PERMANENT class 0, four audio class 1, each with the SIP master", () => {
    const d = r.documents[0] as ConntrackExpectDocument;
    expect(d.shown).toBe(5);
    expect(r.expectations.map((x) => [x.location.line, x.timeout, x.proto, x.src, x.dst, x.alg, x.class, x.className, x.flags])).toEqual([
      [3, 3599, "udp", e(S, 0), e(N, 5060), "sip", 0, "signalling", ["PERMANENT"]],
      [4, 179, "udp", e(S, 0), e(N, 7001), "sip", 1, "audio", undefined],
      [5, 179, "udp", e(S, 0), e(N, 7000), "sip", 1, "audio", undefined],
      [6, 179, "udp", e(C, 0), e(S, 6001), "sip", 1, "audio", undefined],
      [7, 179, "udp", e(C, 0), e(S, 6000), "sip", 1, "audio", undefined],
    ]);
    for (const x of r.expectations) expect(x.master).toEqual(SIP_MASTER);
    // the lines quoted are the lines holding those ports
    expect(raw[2]).toMatch(/dport=5060 .*PERMANENT class=0 helper=sip$/);
    expect(raw[3]).toMatch(/dport=7001 mask-src/);
    expect(raw[6]).toMatch(/dst=198\.51\.100\.20 sport=0 dport=6000 /);
    // the document keeps what was printed: class number, no class name
    expect(d.expectations.map((x) => [x.class, x.className, x.helper, x.flags])).toEqual([
      [0, undefined, "sip", ["PERMANENT"]], [1, undefined, "sip", []], [1, undefined, "sip", []], [1, undefined, "sip", []], [1, undefined, "sip", []],
    ]);
  });
});

describe("/proc/net/nf_conntrack_expect: the same moment, sip/signalling and sip/audio", () => {
  const { r } = parse("linux__proc-net-nf_conntrack_expect__sip-signalling-and-audio.txt");
  test("helper and class name split; class number derived; PERMANENT kept; no master in /proc", () => {
    expect(r.expectations.map((x) => [x.location.line, x.timeout, x.dst.port, x.alg, x.class, x.className, x.flags, x.master])).toEqual([
      [2, 3599, 5060, "sip", 0, "signalling", ["PERMANENT"], undefined],
      [3, 179, 7001, "sip", 1, "audio", undefined, undefined],
      [4, 179, 7000, "sip", 1, "audio", undefined, undefined],
      [5, 179, 6001, "sip", 1, "audio", undefined, undefined],
      [6, 179, 6000, "sip", 1, "audio", undefined, undefined],
    ]);
    const d = r.documents[0] as ConntrackExpectDocument;
    expect(d.expectations.every((x) => x.l3proto === 2 && x.protoNumber === 17 && x.helper === "sip")).toBe(true);
    expect(d.expectations.map((x) => x.className)).toEqual(["signalling", "audio", "audio", "audio", "audio"]);
  });
  test("the /proc and conntrack forms of one moment normalise to the same expectations (but the master)", () => {
    const other = parse("linux__conntrack-L-expect__sip-register-invite-200ok-expectations.txt").r;
    const key = (x: RouterParseResult["expectations"][number]) => JSON.stringify([x.proto, x.src, x.dst, x.alg, x.class, x.className, x.flags, x.timeout]);
    expect(r.expectations.map(key)).toEqual(other.expectations.map(key));
  });
});

describe("conntrack -E expect: the whole call (13 events)", () => {
  const { r } = parse("linux__conntrack-E-expect__sip-call-lifecycle.txt");
  test("NEW signalling (PERMANENT,INACTIVE), NEW/DESTROY audio through re-INVITE and BYE", () => {
    expect(r.documents.map((d) => [d.format, (d as ConntrackExpectDocument).shown])).toEqual([["conntrack-expect", 13]]);
    expect(r.expectations.map((x) => [x.location.line, x.event, x.dst.port, x.class, x.className, x.flags, x.timeout])).toEqual([
      [2, "NEW", 5060, 0, "signalling", ["PERMANENT", "INACTIVE"], 180],
      [3, "NEW", 7000, 1, "audio", undefined, 180],
      [4, "NEW", 7001, 1, "audio", undefined, 180],
      [5, "NEW", 6000, 1, "audio", undefined, 180],
      [6, "NEW", 6001, 1, "audio", undefined, 180],
      [7, "DESTROY", 7000, 1, "audio", undefined, 177],
      [8, "DESTROY", 6001, 1, "audio", undefined, 169],
      [9, "DESTROY", 6000, 1, "audio", undefined, 169],
      [10, "DESTROY", 7001, 1, "audio", undefined, 169],
      [11, "NEW", 6000, 1, "audio", undefined, 180],
      [12, "NEW", 6001, 1, "audio", undefined, 180],
      [13, "DESTROY", 6001, 1, "audio", undefined, 178],
      [14, "DESTROY", 6000, 1, "audio", undefined, 178],
    ]);
    expect(r.expectations[0]!.time).toBe("1796308906.185966");
    expect(r.expectations[12]!.time).toBe("1796308918.201537");
    // media toward the NAT address comes from the server; toward the server from the client's real address
    for (const x of r.expectations) expect(x.src).toEqual(x.dst.ip === N ? e(S, 0) : e(C, 0));
  });
  test("the text report: helper/class and flags columns", () => {
    const text = formatRouterText(buildRouterReport([r]));
    expect(text).toMatch(/1796308906\.185966 +NEW +udp +198\.51\.100\.20:0 +198\.51\.100\.1:5060 +192\.0\.2\.10:5060 → 198\.51\.100\.20:5060 +sip\/signalling +180 +PERMANENT,INACTIVE/);
    expect(text).toMatch(/DESTROY +udp +192\.0\.2\.10:0 +198\.51\.100\.20:6000 .* sip\/audio +178\n/);
  });
});

describe("conntrack -L: SIP master with helper, expected RTP flow without", () => {
  const { r } = parse("linux__conntrack-L__sip-master-and-expected-rtp-flow.txt");
  test("two entries: the RTP flow DNATed to the client (UNREPLIED), the 5060 master SNATed with helper=sip", () => {
    expect(r.flows.map((f) => [f.location.line, f.proto, f.src, f.dst, f.timeout, f.alg, f.flags, f.nat])).toEqual([
      [3, "udp", e(S, 6000), e(N, 7000), 29, undefined, ["UNREPLIED"], [{ kind: "dest", from: e(N, 7000), to: e(C, 7000) }]],
      [4, "udp", e(C, 5060), e(S, 5060), 3597, "sip", undefined, [{ kind: "source", from: e(C, 5060), to: e(N, 5060) }]],
    ]);
  });
});

describe("TFTP", () => {
  test("conntrack -E expect: one expectation per request, NEW then DESTROY, class 0 helper=tftp, no class name", () => {
    const { r } = parse("linux__conntrack-E-expect__tftp-rrq-wrq.txt");
    expect(r.expectations.map((x) => [x.location.line, x.event, x.src, x.dst, x.master, x.class, x.className, x.flags])).toEqual([
      [2, "NEW", e(S, 0), e(N, 35768), { src: e(C, 35768), dst: e(S, 69) }, 0, undefined, undefined],
      [3, "DESTROY", e(S, 0), e(N, 35768), { src: e(C, 35768), dst: e(S, 69) }, 0, undefined, undefined],
      [4, "NEW", e(S, 0), e(N, 50721), { src: e(C, 50721), dst: e(S, 69) }, 0, undefined, undefined],
      [5, "DESTROY", e(S, 0), e(N, 50721), { src: e(C, 50721), dst: e(S, 69) }, 0, undefined, undefined],
    ]);
  });
  test("conntrack -E with the helper: masters to port 69 carry helper=tftp, transfers (DNATed to the client) none", () => {
    const { r } = parse("linux__conntrack-E__tftp-helper-master-and-data-flows.txt");
    const d = r.documents[0] as ConntrackEventsDocument;
    expect(d.shown).toBe(6);
    expect(r.events.map((x) => [x.location.line, x.tag, x.kind, x.src, x.dst, x.alg, x.nat.map((n) => `${n.kind} ${n.to.ip}:${n.to.port}`)])).toEqual([
      [2, "NEW", "create", e(C, 35768), e(S, 69), "tftp", [`source ${N}:35768`]],
      [3, "NEW", "create", e(S, 58010), e(N, 35768), undefined, [`dest ${C}:35768`]],
      [4, "UPDATE", "update", e(S, 58010), e(N, 35768), undefined, [`dest ${C}:35768`]],
      [5, "NEW", "create", e(C, 50721), e(S, 69), "tftp", [`source ${N}:50721`]],
      [6, "NEW", "create", e(S, 39950), e(N, 50721), undefined, [`dest ${C}:50721`]],
      [7, "UPDATE", "update", e(S, 39950), e(N, 50721), undefined, [`dest ${C}:50721`]],
    ]);
    expect(d.events.map((x) => x.flags.join())).toEqual(["UNREPLIED", "UNREPLIED", "", "UNREPLIED", "UNREPLIED", ""]);
  });
  test("conntrack -E without the helper: the server's new-port packets end at the router itself (reply tuple from the router, no DNAT)", () => {
    const { r } = parse("linux__conntrack-E__tftp-nohelper-unmatched-data.txt");
    expect(r.events).toHaveLength(6);
    expect(r.events.every((x) => x.alg === undefined && x.tag === "NEW")).toBe(true);
    const toRouter = r.events.filter((x) => x.dst.ip === N);
    expect(toRouter.map((x) => [x.location.line, x.src.port, x.dst.port, x.nat])).toEqual([
      [3, 59514, 43042, []], [4, 59102, 43042, []], [6, 48424, 47170, []], [7, 41706, 47170, []],
    ]);
  });
});

describe("SRX show security alg sip calls / transactions", () => {
  test("calls (brief excerpt): one call, Call ID and Method (the method line indented with tabs)", () => {
    const { r } = parse("srx__show-security-alg-sip-calls__junos-security-10.2-doc__excerpt.txt");
    const d = r.documents[0] as SrxSipCallsDocument;
    expect([d.format, d.command, d.location.line, d.total]).toEqual(["srx-sip-calls", "show security alg sip calls", 2, 1]);
    expect(d.calls.map((c) => [c.location.line, c.callId, c.method, c.state, c.groupId])).toEqual([[4, "47090a32@30.2.20.5", "INVITE", undefined, undefined]]);
  });
  test("calls detail (excerpt): State and Group ID; every field kept as printed", () => {
    const { r } = parse("srx__show-security-alg-sip-calls-detail__junos-security-10.2-doc__excerpt.txt");
    const d = r.documents[0] as SrxSipCallsDocument;
    expect([d.command, d.total]).toEqual(["show security alg sip calls detail", 1]);
    expect(d.calls).toEqual([{
      callId: "47090a32@30.2.20.5", method: "INVITE", state: "SETUP", groupId: 24575, location: { line: 4 },
      attributes: { "Call ID": "47090a32@30.2.20.5", Method: "INVITE", State: "SETUP", "Group ID": "24575" },
    }]);
  });
  test("transactions: the total says 1, two rows (UAS and UAC of one BYE), timeout -1 and VIA RSC ID '-' kept", () => {
    const { r } = parse("srx__show-security-alg-sip-transactions__junos-es-9.3-doc.txt");
    const d = r.documents[0] as SrxSipTransactionsDocument;
    expect(d.total).toBe(1);
    expect(d.transactions.map((t) => [t.location.line, t.name, t.role, t.method, t.cseq, t.state, t.timeout, t.viaRscId])).toEqual([
      [5, "UAS:tsx0x4b06ddf4", "UAS", "BYE", 101, "Proceeding", -1, null],
      [6, "UAC:tsx0x4b06f610", "UAC", "BYE", 101, "Calling", 27, "8185"],
    ]);
  });
  test("several calls with the field table's fields; a multi-word state; without a prompt", () => {
    const text = [
      "Total number of calls: 2",
      "  Call ID    : a84b4c76e66710@pc33.example.com",
      "  Method     : INVITE",
      "  State      : SETUP",
      "  Group ID   : 3",
      "  UAS callid : 1-2345@192.0.2.10",
      "  Local Tag  : 1928301774",
      "  Remote Tag : a6c85cf",
      "  Call ID    : 2-9@10.0.0.1",
      "  Method     : REGISTER",
      "",
      "Total number of transactions: 1",
      "Transaction Name       Method    CSeq       State         Timeout    VIA RSC ID",
      "UAC:tsx0x1         INVITE    1     Proceeding Wait            12       -",
    ].join("\n");
    const r = parseRouterText(text, "c.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map((d) => [d.format, d.location.line])).toEqual([["srx-sip-calls", 1], ["srx-sip-transactions", 12]]);
    const calls = (r.documents[0] as SrxSipCallsDocument).calls;
    expect(calls.map((c) => [c.location.line, c.callId, c.method, c.uasCallId, c.localTag, c.remoteTag])).toEqual([
      [2, "a84b4c76e66710@pc33.example.com", "INVITE", "1-2345@192.0.2.10", "1928301774", "a6c85cf"],
      [9, "2-9@10.0.0.1", "REGISTER", undefined, undefined, undefined],
    ]);
    expect((r.documents[1] as SrxSipTransactionsDocument).transactions[0]).toMatchObject({ state: "Proceeding Wait", timeout: 12, viaRscId: null, location: { line: 14 } });
    const out = formatRouterText(buildRouterReport([r]));
    expect(out).toMatch(/a84b4c76e66710@pc33\.example\.com +INVITE +SETUP +3 +UAS callid: 1-2345@192\.0\.2\.10, Local Tag: 1928301774, Remote Tag: a6c85cf/);
    expect(out).toMatch(/UAC:tsx0x1 +INVITE +1 +Proceeding Wait +12 +-/);
  });
  test("cut output and stray lines: located diagnostics", () => {
    const r = parseRouterText("user@host> show security alg sip calls\nTotal number of calls: 3\n  Method : INVITE\n  Call ID: x@y\n  garbage here\n", "cut.txt");
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([
      ["orphan_field", "error", 3, 2],
      ["unknown_line", "error", 5, 2],
      ["calls_missing", "warning", 2, 0],
    ]);
    expect(r.diagnostics[2]!.message).toBe('"Total number of calls: 3", but 1 call(s) listed: the output is cut');
    const t = parseRouterText("user@host> show security alg sip transactions\nUAC:tsx2 BYE 7 Calling 1 -\n  UAS:tsx1 BYE notanumber Calling 1 -\n", "t.txt");
    expect(t.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_line", 3, 2]]);
    expect(t.documents.map((d) => d.format)).toEqual(["srx-sip-transactions"]);
  });
});

describe("Junos: ALG protocol sip / tftp in the FTP layouts (no device sample exists: grammar variants)", () => {
  test("conversations: a SIP conversation (UDP signalling Watch, RTP Forward) and a TFTP one, in the column layout", () => {
    const text = [
      "Interface: ms-1/3/0, Service set: SIPSET",
      "Conversation: ALG protocol: sip",
      "  Number of initiators: 2, Number of responders: 2",
      "Flow                                                State    Dir       Frm count",
      "UDP         192.0.2.10:5060  ->  198.51.100.20:5060  Watch    I              12",
      "    NAT source      192.0.2.10:5060    ->    198.51.100.1:5060   ",
      "UDP         192.0.2.10:7000  ->  198.51.100.20:6000  Forward  I             236",
      "    NAT source      192.0.2.10:7000    ->    198.51.100.1:7000   ",
      "UDP      198.51.100.20:5060  ->   198.51.100.1:5060  Watch    O              10",
      "    NAT dest      198.51.100.1:5060    ->      192.0.2.10:5060   ",
      "UDP      198.51.100.20:6000  ->   198.51.100.1:7000  Forward  O             236",
      "    NAT dest      198.51.100.1:7000    ->      192.0.2.10:7000   ",
      "Conversation: ALG protocol: tftp",
      "  Number of initiators: 1, Number of responders: 1",
      "Flow                                                State    Dir       Frm count",
      "UDP        192.0.2.10:35768  ->    198.51.100.20:69  Watch    I               1",
      "UDP     198.51.100.20:58010  ->  198.51.100.1:35768  Forward  O              40",
    ].join("\n");
    const r = parseRouterText(text, "sip-conv.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.flows.map((f) => [f.location.line, f.alg, f.proto, f.state, f.direction, f.frames, f.nat.length])).toEqual([
      [5, "sip", "udp", "Watch", "I", 12, 1], [7, "sip", "udp", "Forward", "I", 236, 1],
      [9, "sip", "udp", "Watch", "O", 10, 1], [11, "sip", "udp", "Forward", "O", 236, 1],
      [16, "tftp", "udp", "Watch", "I", 1, 0], [17, "tftp", "udp", "Forward", "O", 40, 0],
    ]);
    expect(r.flows[3]!.nat).toEqual([{ kind: "dest", from: e(N, 7000), to: e(C, 7000) }]);
  });
  test("ASP_SFW syslog with application: sip / tftp", () => {
    const text = [
      "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {sipset}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 17 (UDP) application: sip, ge-1/0/0.0:192.0.2.10:5060 -> 198.51.100.20:5060, creating forward or watch flow ; source address and port translate to 198.51.100.1:5060",
      "Oct 27 11:42:55 (FPC Slot 1, PIC Slot 1) {sipset}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 17 (UDP) application: tftp, ge-1/0/0.0:192.0.2.10:35768 -> 198.51.100.20:69, creating forward or watch flow",
      "Oct 27 11:42:56 (FPC Slot 1, PIC Slot 1) {sipset}[FWNAT]: ASP_SFW_NO_RULE_DROP: proto 17 (UDP), ge-1/0/1.0:198.51.100.20:6000 -> 198.51.100.1:7000, No matching SFW rule",
    ].join("\n");
    const r = parseRouterText(text, "sip-syslog.txt");
    expect(r.diagnostics).toEqual([]);
    expect(r.events.map((x) => [x.location.line, x.kind, x.alg, x.src, x.dst, x.nat.map((n) => n.to)])).toEqual([
      [1, "create", "sip", e(C, 5060), e(S, 5060), [e(N, 5060)]],
      [2, "create", "tftp", e(C, 35768), e(S, 69), []],
      [3, "drop", undefined, e(S, 6000), e(N, 7000), []],
    ]);
  });
});
