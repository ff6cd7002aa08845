/**
 * Independent expectations for the seed samples and the shared reference samples.
 *
 * The expected JSON files beside the fixtures were written by the parser and only reviewed; the
 * values below were typed by hand from reading the raw text (the seed file
 * ../shared/seed/000_138f467f0ed79e49.txt, the seed-*.raw fixtures cut from it, and
 * ../shared/reference/router-output/*.txt), never copied from parser output. Each hand-typed flow,
 * NAT line, conntrack tuple and syslog 5-tuple is also rendered back to the text the device
 * printed and looked up in the raw file (blanks collapsed), so a typing slip fails as loudly as a
 * parser bug.
 */
import { describe, expect, test } from "vitest";
import path from "node:path";
import {
  parseRouterText, type ConntrackDocument, type ConntrackExpectDocument, type ConntrackTuple, type JunosConversationsDocument,
  type JunosFlow, type JunosStatisticsDocument, type JunosSyslogDocument, type RouterParseResult, type SrxAlgStatusDocument,
  type SrxFlowSessionDocument,
} from "../../src/router/index.js";
import { fixturePath, read, SHARED_OUTPUT, SHARED_SEED } from "./helpers.js";

const shared = (f: string) => path.join(SHARED_OUTPUT, f);
/** Blanks (spaces, tabs) collapsed to one space, so column layouts compare with flattened text. */
const collapse = (s: string) => s.replace(/[ \t]+/g, " ");

function parse(file: string): { raw: string; r: RouterParseResult } {
  const raw = read(file);
  const r = parseRouterText(raw, path.basename(file));
  expect(r.diagnostics.filter((d) => d.severity !== "info"), "no error or warning").toEqual([]);
  return { raw, r };
}

/* ------------------------------------------------------------------------------------------ */
/* Junos conversations                                                                         */
/* ------------------------------------------------------------------------------------------ */

interface HandNat { kind: "source" | "dest"; from: [string, number]; to: [string, number] }
interface HandFlow { proto: string; src: [string, number]; dst: [string, number]; state: string; dir: "I" | "O"; frames: number; nat: HandNat[] }

const fl = (proto: string, src: [string, number], dst: [string, number], state: string, dir: "I" | "O", frames: number, ...nat: HandNat[]): HandFlow =>
  ({ proto, src, dst, state, dir, frames, nat });
const snat = (from: [string, number], to: [string, number]): HandNat => ({ kind: "source", from, to });
const dnat = (from: [string, number], to: [string, number]): HandNat => ({ kind: "dest", from, to });
const ep = ([ip, port]: [string, number]) => `${ip}:${port}`;

/** The flow line and NAT lines as the router prints them (blanks collapsed). */
const flowText = (f: HandFlow) => `${f.proto} ${ep(f.src)} -> ${ep(f.dst)} ${f.state} ${f.dir} ${f.frames}`;
const natText = (n: HandNat) => `NAT ${n.kind} ${ep(n.from)} -> ${ep(n.to)}`;

function expectFlow(raw: string, actual: JunosFlow | undefined, want: HandFlow): void {
  // the hand-typed flow line, followed by its NAT lines, is really in the raw text
  expect(raw.replace(/\s+/g, " ")).toContain([flowText(want), ...want.nat.map(natText)].join(" "));
  expect(actual, flowText(want)).toBeDefined();
  const a = actual!;
  expect({ proto: a.proto, src: a.src, dst: a.dst, state: a.state, dir: a.dir, frames: a.frames }).toEqual({
    proto: want.proto, src: { ip: want.src[0], port: want.src[1] }, dst: { ip: want.dst[0], port: want.dst[1] },
    state: want.state, dir: want.dir, frames: want.frames,
  });
  expect(a.nat).toEqual(want.nat.map((n) => ({ kind: n.kind, from: { ip: n.from[0], port: n.from[1] }, to: { ip: n.to[0], port: n.to[1] } })));
}

const allFlows = (d: JunosConversationsDocument) => d.interfaces.flatMap((i) => i.conversations.flatMap((c) => c.flows));

/** The FTP sample of the MS-MPC guide (also in the Junos 9.5 guide, column layout). */
const FTP = [
  fl("TCP", ["1.1.79.2", 14083], ["2.2.2.2", 21], "Watch", "I", 13, snat(["1.1.79.2", 14083], ["194.250.1.237", 50118])),
  fl("TCP", ["1.1.79.2", 14104], ["2.2.2.2", 20], "Forward", "I", 3, snat(["1.1.79.2", 14104], ["194.250.1.237", 50119])),
  fl("TCP", ["2.2.2.2", 21], ["194.250.1.237", 50118], "Watch", "O", 12, dnat(["194.250.1.237", 50118], ["1.1.79.2", 14083])),
  fl("TCP", ["2.2.2.2", 20], ["194.250.1.237", 50119], "Forward", "O", 5, dnat(["194.250.1.237", 50119], ["1.1.79.2", 14104])),
];
/** The RTSP sample (index in the printed order → flow). */
const RTSP: Record<number, HandFlow> = {
  0: fl("TCP", ["1.1.1.3", 58795], ["2.2.2.2", 554], "Watch", "I", 7),
  1: fl("UDP", ["1.1.1.3", 1028], ["2.2.2.2", 1028], "Forward", "I", 0),
  5: fl("TCP", ["2.2.2.2", 554], ["1.1.1.3", 58795], "Watch", "O", 5),
  6: fl("UDP", ["2.2.2.2", 1028], ["1.1.1.3", 1028], "Forward", "O", 6),
  8: fl("UDP", ["2.2.2.2", 1030], ["1.1.1.3", 1030], "Forward", "O", 3),
};

describe("Junos conversations: FTP sample (4 flows, each with one NAT line)", () => {
  test.each([
    ["reference flattened MS-MPC doc", shared("junos-ms__show-services-stateful-firewall-conversations__ftp-nat__flattened-ms-mpc-doc.txt"), "ms-1/3/0", "show services stateful-firewall conversations application-protocol ftp"],
    ["reference Junos 9.5 column layout", shared("junos-ms__show-services-stateful-firewall-conversations__ftp-nat__junos95-column-layout.txt"), "sp-1/3/0", "show services stateful-firewall conversations application-protocol ftp"],
    ["seed (prompt wrapped, output flattened)", fixturePath("seed-ftp-conversations.raw"), "ms-1/3/0", "show services stateful-firewall conversations application-protocol ftp"],
  ])("%s", (_n, file, ifname, command) => {
    const { raw, r } = parse(file);
    expect(r.documents).toHaveLength(1);
    const d = r.documents[0] as JunosConversationsDocument;
    expect(d.format).toBe("junos-conversations");
    expect(d.command).toBe(command);
    expect(d.interfaces).toHaveLength(1);
    expect(d.interfaces[0]).toMatchObject({ name: ifname, serviceSet: "CLBJI1-AAF001" });
    expect(d.interfaces[0]!.conversations).toHaveLength(1);
    expect(d.interfaces[0]!.conversations[0]).toMatchObject({ alg: "ftp", initiators: 2, responders: 2 });
    const flows = allFlows(d);
    expect(flows).toHaveLength(4);
    FTP.forEach((want, k) => expectFlow(raw, flows[k], want));
    // the normalised model: same four flows, protocol in lower case, conversation 1, ALG ftp
    expect(r.flows.map((f) => [f.proto, ep([f.src.ip, f.src.port!]), ep([f.dst.ip, f.dst.port!]), f.direction, f.frames, f.alg, f.interface, f.conversation])).toEqual([
      ["tcp", "1.1.79.2:14083", "2.2.2.2:21", "I", 13, "ftp", ifname, 1],
      ["tcp", "1.1.79.2:14104", "2.2.2.2:20", "I", 3, "ftp", ifname, 1],
      ["tcp", "2.2.2.2:21", "194.250.1.237:50118", "O", 12, "ftp", ifname, 1],
      ["tcp", "2.2.2.2:20", "194.250.1.237:50119", "O", 5, "ftp", ifname, 1],
    ]);
  });
});

describe("Junos conversations: RTSP sample (10 flows, 5 each way, no NAT)", () => {
  test.each([
    ["reference Junos 9.4 doc (prompt wrapped)", shared("junos-ms__show-services-stateful-firewall-conversations__rtsp__flattened-junos94-doc.txt"), "sp-3/2/0"],
    ["seed", fixturePath("seed-rtsp-conversations.raw"), "ms-3/2/0"],
  ])("%s", (_n, file, ifname) => {
    const { raw, r } = parse(file);
    const d = r.documents[0] as JunosConversationsDocument;
    expect(r.documents).toHaveLength(1);
    expect(d.command).toBe("show services stateful-firewall conversations");
    expect(d.interfaces).toHaveLength(1);
    expect(d.interfaces[0]).toMatchObject({ name: ifname, serviceSet: "svc_set" });
    expect(d.interfaces[0]!.conversations).toHaveLength(1);
    expect(d.interfaces[0]!.conversations[0]).toMatchObject({ alg: "rtsp", initiators: 5, responders: 5 });
    const flows = allFlows(d);
    expect(flows).toHaveLength(10);
    for (const [k, want] of Object.entries(RTSP)) expectFlow(raw, flows[Number(k)], want);
    expect(flows.filter((f) => f.dir === "I")).toHaveLength(5);
    expect(flows.filter((f) => f.proto === "UDP")).toHaveLength(8);
    expect(flows.every((f) => f.nat.length === 0)).toBe(true);
    expect(r.flows.filter((f) => f.proto === "udp")).toHaveLength(8);
  });
});

describe("Junos conversations: the seed's analysis snippets (flows without Interface/Conversation lines)", () => {
  test.each([
    ["seed-ftp-control-flow-initiator.raw", [FTP[0]!]],
    ["seed-ftp-control-flow-responder.raw", [FTP[2]!]],
    ["seed-ftp-data-flows.raw", [FTP[1]!, FTP[3]!]],
    ["seed-rtsp-control-flows.raw", [RTSP[0]!, RTSP[5]!]],
  ])("%s", (name, want) => {
    const { raw, r } = parse(fixturePath(name));
    const d = r.documents[0] as JunosConversationsDocument;
    expect(d.interfaces).toHaveLength(1);
    expect(d.interfaces[0]).toMatchObject({ name: null, serviceSet: null });
    expect(d.interfaces[0]!.conversations).toHaveLength(1);
    expect(d.interfaces[0]!.conversations[0]).toMatchObject({ alg: null, initiators: null, responders: null });
    const flows = allFlows(d);
    expect(flows).toHaveLength(want.length);
    want.forEach((w, k) => expectFlow(raw, flows[k], w));
    expect(r.flows.every((f) => f.alg === undefined && f.interface === undefined)).toBe(true);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Junos statistics                                                                            */
/* ------------------------------------------------------------------------------------------ */

describe("Junos statistics extensive (seed text, flattened)", () => {
  test.each([
    ["reference", shared("junos-ms__show-services-stateful-firewall-statistics-extensive__flattened-ms-mpc-doc.txt")],
    ["seed", fixturePath("seed-statistics-extensive.raw")],
  ])("%s", (_n, file) => {
    const { raw, r } = parse(file);
    expect(r.documents).toHaveLength(1);
    const d = r.documents[0] as JunosStatisticsDocument;
    expect(d).toMatchObject({ format: "junos-statistics", interface: "ms-3/2/0", serviceSet: "svc_set", command: "show services stateful-firewall statistics extensive" });
    // values read off the text, each checked to be printed under its section header
    const want: [string, string, number, string][] = [
      ["New flows", "Accepts", 1347, "New flows: Accepts: 1347,"],
      ["Existing flows", "Accepts", 144187, "Existing flows: Accepts: 144187,"],
      ["Errors", "TCP", 276, "Errors: IP: 0, TCP: 276 UDP: 0"],
      ["TCP errors", "SYN attack (multiple SYN messages seen for the same flow)", 276, "SYN attack (multiple SYN messages seen for the same flow): 276"],
      ["IP errors", "Illegal IP protocol number (0 or 255)", 0, "Illegal IP protocol number (0 or 255): 0"],
      ["Drops", "NAT ports exhausted", 0, "TCP SYN defense: 0 NAT ports exhausted: 0 Errors:"],
      ["ALG errors", "Traceroute", 0, "Traceroute: 0"],
    ];
    for (const [section, label, value, printed] of want) {
      expect(raw).toContain(printed);
      expect(d.statistics[section]?.[label], `${section}: ${label}`).toBe(value);
    }
    // counted by hand: 3 + 3 + 3 (Drops) + 6 (Errors) + 14 (IP) + 7 (TCP) + 3 (UDP) + 4 (ICMP) + 18 (ALG)
    expect(Object.keys(d.statistics)).toEqual(["New flows", "Existing flows", "Drops", "Errors", "IP errors", "TCP errors", "UDP errors", "ICMP errors", "ALG errors"]);
    expect(Object.values(d.statistics).map((s) => Object.keys(s).length)).toEqual([3, 3, 3, 6, 14, 7, 3, 4, 18]);
    expect(r.counters).toHaveLength(61);
    expect(r.counters.filter((c) => c.value !== 0).map((c) => [c.section, c.label, c.value])).toEqual([
      ["New flows", "Accepts", 1347], ["Existing flows", "Accepts", 144187], ["Errors", "TCP", 276],
      ["TCP errors", "SYN attack (multiple SYN messages seen for the same flow)", 276],
    ]);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Junos system log                                                                            */
/* ------------------------------------------------------------------------------------------ */

interface HandEvent {
  tag: string; protoNumber: number; protoName: string; application?: string; interface: string;
  src: [string, number]; dst: [string, number]; text: string; nat?: [string, number];
}

/** `proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, text[ ; source address and port translate to ip:port]` */
function eventText(e: HandEvent): string {
  const app = e.application !== undefined ? ` application: ${e.application}` : "";
  const nat = e.nat ? ` ; source address and port translate to ${ep(e.nat)}` : "";
  return `${e.tag}: proto ${e.protoNumber} (${e.protoName})${app}, ${e.interface}:${ep(e.src)} -> ${ep(e.dst)}, ${e.text}${nat}`;
}

function expectEvents(raw: string, r: RouterParseResult, count: number, want: Record<number, HandEvent>): void {
  const d = r.documents[0] as JunosSyslogDocument;
  expect(d.format).toBe("junos-syslog");
  expect(d.events).toHaveLength(count);
  expect(r.events).toHaveLength(count);
  const flat = raw.replace(/\n[ \t]+/g, " "); // wrapped messages joined, as the parser does
  for (const [k, w] of Object.entries(want)) {
    expect(flat).toContain(eventText(w));
    const e = d.events[Number(k)]!;
    expect({ tag: e.tag, protoNumber: e.protoNumber, protoName: e.protoName, application: e.application, interface: e.interface, src: e.src, dst: e.dst, text: e.text, natSource: e.natSource }).toEqual({
      tag: w.tag, protoNumber: w.protoNumber, protoName: w.protoName, application: w.application, interface: w.interface,
      src: { ip: w.src[0], port: w.src[1] }, dst: { ip: w.dst[0], port: w.dst[1] }, text: w.text,
      natSource: w.nat ? { ip: w.nat[0], port: w.nat[1] } : undefined,
    });
    expect(r.events[Number(k)]!.nat).toEqual(w.nat ? [{ kind: "source", from: { ip: w.src[0], port: w.src[1] }, to: { ip: w.nat[0], port: w.nat[1] } }] : []);
  }
}

describe("Junos system log messages", () => {
  const FTP_LOG: Record<number, HandEvent> = {
    0: { tag: "ASP_SFW_RULE_ACCEPT", protoNumber: 6, protoName: "TCP", application: "ftp", interface: "fe-3/3/3.0", src: ["1.1.1.2", 4450], dst: ["2.2.2.2", 21], text: "Match SFW accept rule-set:, rule: ftp, term: 1" },
    2: { tag: "ASP_SFW_FTP_ACTIVE_ACCEPT", protoNumber: 6, protoName: "TCP", application: "ftp", interface: "so-2/1/2.0", src: ["2.2.2.2", 20], dst: ["1.1.1.2", 50726], text: "Creating FTP active mode forward flow" },
  };
  test.each([
    ["reference", shared("junos-ms__syslog__ftp-alg-control-and-active-data.txt")],
    ["seed", fixturePath("seed-ftp-syslog.raw")],
  ])("FTP control and active data (%s)", (_n, file) => {
    const { raw, r } = parse(file);
    expectEvents(raw, r, 3, FTP_LOG);
    const d = r.documents[0] as JunosSyslogDocument;
    expect(d.events.map((e) => [e.timestamp, e.fpcSlot, e.picSlot, e.serviceSet, e.service])).toEqual([
      ["Oct 27 11:42:54", 1, 1, "ss_ftp", "FWNAT"], ["Oct 27 11:42:54", 1, 1, "ss_ftp", "FWNAT"], ["Oct 27 11:43:30", 1, 1, "ss_ftp", "FWNAT"],
    ]);
    expect(r.events.map((e) => e.kind)).toEqual(["accept", "create", "create"]);
  });
  test("RTSP accept and a no-rule drop (reference, wrapped lines joined)", () => {
    const { raw, r } = parse(shared("junos-ms__syslog__rtsp-alg-and-no-rule-drop__wrapped-lines-joined.txt"));
    expectEvents(raw, r, 3, {
      0: { tag: "ASP_SFW_RULE_ACCEPT", protoNumber: 6, protoName: "TCP", application: "rtsp", interface: "ge-2/0/1.0", src: ["1.1.1.2", 35595], dst: ["2.2.2.2", 554], text: "Match SFW accept rule-set: , rule: allow_rtsp, term: 0" },
      2: { tag: "ASP_SFW_NO_RULE_DROP", protoNumber: 17, protoName: "UDP", interface: "ge-2/0/3.0", src: ["2.2.2.2", 1334], dst: ["1.1.1.78", 1334], text: "No matching SFW rule" },
    });
    expect(r.events.map((e) => [e.kind, e.time, e.serviceSet])).toEqual([
      ["accept", "Oct 25 16:11:37", "svc_set"], ["create", "Oct 25 16:11:37", "svc_set"], ["drop", "Oct 25 16:03:13", "svc_set"],
    ]);
  });
  test("the NAT suffix (syslog-variants.raw: the seed and reference samples print none)", () => {
    const { raw, r } = parse(fixturePath("syslog-variants.raw"));
    expectEvents(raw, r, 4, {
      0: { tag: "ASP_SFW_CREATE_ACCEPT_FLOW", protoNumber: 6, protoName: "TCP", application: "ftp", interface: "ge-1/0/0.100", src: ["100.64.1.10", 51000], dst: ["192.0.2.80", 21], text: "creating forward or watch flow", nat: ["198.51.100.1", 1024] },
      1: { tag: "ASP_SFW_DELETE_FLOW", protoNumber: 6, protoName: "TCP", application: "ftp", interface: "ge-1/0/0.100", src: ["100.64.1.10", 51000], dst: ["192.0.2.80", 21], text: "deleting  forward or watch flow", nat: ["198.51.100.1", 1024] },
      2: { tag: "ASP_SFW_NO_RULE_DROP", protoNumber: 17, protoName: "UDP", interface: "ge-1/0/1.0", src: ["2001:db8::5", 1334], dst: ["2001:db8:1::9", 1334], text: "No matching SFW rule" },
    });
    const d = r.documents[0] as JunosSyslogDocument;
    expect(d.events[0]).toMatchObject({ host: "mx960-cgn", fpcSlot: 8, picSlot: 2, embeddedTimestamp: "2012-06-13 00:25:02", prefix: "CGN1:", serviceSet: "CGN-SET2" });
    expect(d.events[2]).toMatchObject({ pri: 24, timestamp: "2012-06-13T00:25:02" });
    expect(r.events.map((e) => e.kind)).toEqual(["create", "delete", "drop", "accept"]);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Linux conntrack                                                                             */
/* ------------------------------------------------------------------------------------------ */

interface HandTuple { src: [string, number]; dst: [string, number]; packets?: number; bytes?: number }
const tup = (src: [string, number], dst: [string, number], packets?: number, bytes?: number): HandTuple => ({ src, dst, packets, bytes });
/** `src=… dst=… sport=… dport=…[ packets=… bytes=…]` as conntrack prints a tuple. */
const tupleText = (t: HandTuple) =>
  `src=${t.src[0]} dst=${t.dst[0]} sport=${t.src[1]} dport=${t.dst[1]}` + (t.packets !== undefined ? ` packets=${t.packets} bytes=${t.bytes}` : "");

function expectTuple(raw: string, actual: ConntrackTuple | undefined, want: HandTuple): void {
  expect(collapse(raw)).toContain(tupleText(want));
  expect(actual).toBeDefined();
  expect({ src: actual!.src, dst: actual!.dst, packets: actual!.packets, bytes: actual!.bytes }).toEqual({
    src: { ip: want.src[0], port: want.src[1] }, dst: { ip: want.dst[0], port: want.dst[1] }, packets: want.packets, bytes: want.bytes,
  });
}

/** `N flow entries have been shown.` / `N expectations have been shown.` read straight off the text. */
const shownLine = (raw: string) => {
  const m = /: (\d+) (?:flow entries|expectations) have been shown\./.exec(raw);
  return m ? Number(m[1]) : undefined;
};

describe("conntrack entries", () => {
  test("conntrack -L: FTP control connection with helper and SNAT (1 entry shown)", () => {
    const { raw, r } = parse(shared("linux__conntrack-L__ftp-control-helper-snat__after-pasv.txt"));
    const d = r.documents[0] as ConntrackDocument;
    expect(shownLine(raw)).toBe(1);
    expect(d.shown).toBe(1);
    expect(d.entries).toHaveLength(1);
    const e = d.entries[0]!;
    expect([e.protoName, e.protoNumber, e.timeout, e.state, e.flags, e.mark, e.helper, e.use]).toEqual(["tcp", 6, 299, "ESTABLISHED", ["ASSURED"], 0, "ftp", 1]);
    expectTuple(raw, e.orig, tup(["10.99.1.2", 55900], ["10.99.2.2", 21], 6, 342));
    expectTuple(raw, e.reply, tup(["10.99.2.2", 21], ["10.99.2.1", 55900], 6, 398));
    // masquerade: the reply goes to the router's address 10.99.2.1 → source NAT, same port
    expect(r.flows[0]!.nat).toEqual([{ kind: "source", from: { ip: "10.99.1.2", port: 55900 }, to: { ip: "10.99.2.1", port: 55900 } }]);
    expect(r.flows[0]).toMatchObject({ proto: "tcp", alg: "ftp", packets: { orig: 6, reply: 6 }, bytes: { orig: 342, reply: 398 } });
  });
  test("conntrack -L -o extended: passive data flow and control connection (2 entries shown)", () => {
    const { raw, r } = parse(shared("linux__conntrack-L-o-extended__ftp-passive-data-flow.txt"));
    const d = r.documents[0] as ConntrackDocument;
    expect(shownLine(raw)).toBe(2);
    expect(d.shown).toBe(2);
    expect(d.entries).toHaveLength(2);
    const [a, b] = d.entries;
    expect([a!.l3, a!.protoName, a!.timeout, a!.state, a!.helper, a!.use]).toEqual(["ipv4", "tcp", 59, "CLOSE_WAIT", undefined, 1]);
    expectTuple(raw, a!.orig, tup(["10.99.1.2", 33078], ["10.99.2.2", 44369], 4, 216));
    expectTuple(raw, a!.reply, tup(["10.99.2.2", 44369], ["10.99.2.1", 33078], 3, 292));
    expect([b!.l3, b!.timeout, b!.state, b!.helper, b!.use]).toEqual(["ipv4", 431999, "ESTABLISHED", "ftp", 2]);
    expectTuple(raw, b!.orig, tup(["10.99.1.2", 55900], ["10.99.2.2", 21], 10, 556));
    expectTuple(raw, b!.reply, tup(["10.99.2.2", 21], ["10.99.2.1", 55900], 8, 531));
    expect(r.flows.map((f) => f.nat.map((n) => `${n.kind} ${n.to.ip}:${n.to.port}`))).toEqual([["source 10.99.2.1:33078"], ["source 10.99.2.1:55900"]]);
  });
  test("conntrack -L, IPv6 routed (no NAT): EPRT control and active data flow (2 entries shown)", () => {
    const { raw, r } = parse(shared("linux__conntrack-L__ipv6-eprt-active-data-flow.txt"));
    const d = r.documents[0] as ConntrackDocument;
    expect(shownLine(raw)).toBe(2);
    expect(d.shown).toBe(2);
    expect(d.entries).toHaveLength(2);
    const [a, b] = d.entries;
    expect([a!.timeout, a!.state, a!.helper, a!.use]).toEqual([431999, "ESTABLISHED", "ftp", 2]);
    expectTuple(raw, a!.orig, tup(["fd99:1::2", 46114], ["fd99:2::2", 21], 11, 854));
    expectTuple(raw, a!.reply, tup(["fd99:2::2", 21], ["fd99:1::2", 46114], 9, 769));
    expect([b!.timeout, b!.state, b!.helper, b!.use]).toEqual([119, "TIME_WAIT", undefined, 1]);
    expectTuple(raw, b!.orig, tup(["fd99:2::2", 20], ["fd99:1::2", 34283], 5, 377));
    expectTuple(raw, b!.reply, tup(["fd99:1::2", 34283], ["fd99:2::2", 20], 4, 296));
    expect(r.flows.map((f) => f.nat)).toEqual([[], []]);
  });
  test("/proc/net/nf_conntrack: FTP control connection (no summary line)", () => {
    const { raw, r } = parse(shared("linux__proc-net-nf_conntrack__ftp-control-ipv4.txt"));
    const d = r.documents[0] as ConntrackDocument;
    expect(shownLine(raw)).toBeUndefined();
    expect(d.shown).toBeUndefined();
    expect(d.entries).toHaveLength(1);
    const e = d.entries[0]!;
    expect([e.l3, e.protoName, e.protoNumber, e.timeout, e.state, e.flags, e.mark, e.zone, e.use]).toEqual(["ipv4", "tcp", 6, 299, "ESTABLISHED", ["ASSURED"], 0, 0, 2]);
    expectTuple(raw, e.orig, tup(["10.99.1.2", 55900], ["10.99.2.2", 21], 6, 342));
    expectTuple(raw, e.reply, tup(["10.99.2.2", 21], ["10.99.2.1", 55900], 6, 398));
  });
});

describe("conntrack expectations", () => {
  test("conntrack -L expect: PASV data connection expected, masked, with its master (1 shown)", () => {
    const { raw, r } = parse(shared("linux__conntrack-L-expect__ftp-pasv-expectation.txt"));
    const d = r.documents[0] as ConntrackExpectDocument;
    expect(shownLine(raw)).toBe(1);
    expect(d.shown).toBe(1);
    expect(d.expectations).toHaveLength(1);
    const x = d.expectations[0]!;
    expect(collapse(raw)).toContain("299 proto=6 src=10.99.1.2 dst=10.99.2.2 sport=0 dport=44369 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.99.1.2 master-dst=10.99.2.2 sport=55900 dport=21 class=0 helper=ftp");
    expect([x.timeout, x.protoNumber, x.class, x.helper]).toEqual([299, 6, 0, "ftp"]);
    expect(x.tuple).toEqual({ src: { ip: "10.99.1.2", port: 0 }, dst: { ip: "10.99.2.2", port: 44369 } });
    expect(x.mask).toEqual({ src: { ip: "255.255.255.255", port: 0 }, dst: { ip: "255.255.255.255", port: 65535 } });
    expect(x.master).toEqual({ src: { ip: "10.99.1.2", port: 55900 }, dst: { ip: "10.99.2.2", port: 21 } });
    expect(r.expectations[0]).toMatchObject({ proto: "tcp", alg: "ftp", timeout: 299, dst: { ip: "10.99.2.2", port: 44369 } });
  });
  test("conntrack -L expect, IPv6: EPRT data connection expected from the server (1 shown)", () => {
    const { raw, r } = parse(shared("linux__conntrack-L-expect__ipv6-eprt-expectation.txt"));
    const d = r.documents[0] as ConntrackExpectDocument;
    expect(shownLine(raw)).toBe(1);
    expect(d.shown).toBe(1);
    expect(d.expectations).toHaveLength(1);
    const x = d.expectations[0]!;
    expect(collapse(raw)).toContain("src=fd99:2::2 dst=fd99:1::2 sport=0 dport=34283");
    expect(collapse(raw)).toContain("master-src=fd99:1::2 master-dst=fd99:2::2 sport=46114 dport=21");
    expect(x.tuple).toEqual({ src: { ip: "fd99:2::2", port: 0 }, dst: { ip: "fd99:1::2", port: 34283 } });
    expect(x.mask).toEqual({ src: { ip: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", port: 0 }, dst: { ip: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", port: 65535 } });
    expect(x.master).toEqual({ src: { ip: "fd99:1::2", port: 46114 }, dst: { ip: "fd99:2::2", port: 21 } });
    expect([x.timeout, x.protoNumber, x.helper]).toEqual([299, 6, "ftp"]);
  });
  test("/proc/net/nf_conntrack_expect: PORT data connection to the router's address (bare helper word)", () => {
    const { raw, r } = parse(shared("linux__proc-net-nf_conntrack_expect__ftp-port-expectation-natted.txt"));
    const d = r.documents[0] as ConntrackExpectDocument;
    expect(shownLine(raw)).toBeUndefined();
    expect(d.expectations).toHaveLength(1);
    expect(collapse(raw)).toContain("299 l3proto = 2 proto=6 src=10.99.2.2 dst=10.99.2.1 sport=0 dport=59015 ftp");
    expect(d.expectations[0]).toMatchObject({ timeout: 299, l3proto: 2, protoNumber: 6, helper: "ftp", tuple: { src: { ip: "10.99.2.2", port: 0 }, dst: { ip: "10.99.2.1", port: 59015 } } });
    expect(d.expectations[0]!.master).toBeUndefined();
  });
});

/* ------------------------------------------------------------------------------------------ */
/* SRX                                                                                         */
/* ------------------------------------------------------------------------------------------ */

describe("SRX", () => {
  test("show security alg status: 16 ALGs, 10 enabled", () => {
    const { r } = parse(shared("srx__show-security-alg-status__vsrx-24.4.txt"));
    const d = r.documents[0] as SrxAlgStatusDocument;
    expect(d.algs.map((a) => a.name)).toEqual(["DNS", "FTP", "H323", "MGCP", "MSRPC", "PPTP", "RSH", "RTSP", "SCCP", "SIP", "SQL", "SUNRPC", "TALK", "TFTP", "IKE-ESP", "TWAMP"]);
    expect(d.algs.filter((a) => !a.enabled).map((a) => a.name)).toEqual(["DNS", "FTP", "RSH", "SQL", "IKE-ESP", "TWAMP"]);
    expect(d.algs.find((a) => a.name === "RTSP")).toMatchObject({ enabled: true, status: "Enabled", location: { line: 10 } });
  });
  test("show security flow session: one ICMP session, source NAT seen in the Out wing", () => {
    const { raw, r } = parse(shared("srx__show-security-flow-session__vsrx-24.4-icmp-nat.txt"));
    const d = r.documents[0] as SrxFlowSessionDocument;
    expect(d.sessions).toHaveLength(1);
    const s = d.sessions[0]!;
    expect(raw).toContain("In: 192.168.99.201/18277 --> 76.214.233.95/722;icmp");
    expect(raw).toContain("Out: 76.214.233.95/722 --> 50.220.171.30/11623;icmp");
    expect([s.sessionId, s.policy, s.haState, s.timeout, s.sessionState]).toEqual(["17179902569", "allow-everything-out-not-logged/270", "Active", 18, "Valid"]);
    expect(s.in).toMatchObject({ src: { ip: "192.168.99.201", port: 18277 }, dst: { ip: "76.214.233.95", port: 722 }, proto: "icmp", connTag: "0x0", interface: "reth1.1000", packets: 1, bytes: 84 });
    expect(s.out).toMatchObject({ src: { ip: "76.214.233.95", port: 722 }, dst: { ip: "50.220.171.30", port: 11623 }, proto: "icmp", interface: "reth0.0", packets: 0, bytes: 0 });
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ proto: "icmp", id: "17179902569", state: "Valid", timeout: 18, interface: "reth1.1000", packets: { orig: 1, reply: 0 }, bytes: { orig: 84, reply: 0 } });
    expect(r.flows[0]!.nat).toEqual([{ kind: "source", from: { ip: "192.168.99.201", port: 18277 }, to: { ip: "50.220.171.30", port: 11623 } }]);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Provenance of the seed fixtures                                                             */
/* ------------------------------------------------------------------------------------------ */

describe("seed fixtures are cut verbatim from the seed text", () => {
  const seed = read(SHARED_SEED);
  test.each([
    "seed-ftp-conversations.raw", "seed-ftp-control-flow-initiator.raw", "seed-ftp-control-flow-responder.raw", "seed-ftp-data-flows.raw",
    "seed-rtsp-conversations.raw", "seed-rtsp-control-flows.raw", "seed-statistics-extensive.raw",
  ])("%s", (name) => {
    const body = read(fixturePath(name)).split("\n").slice(1).join("\n").trimEnd();
    expect(body.length).toBeGreaterThan(0);
    expect(seed).toContain(body);
  });
  test("seed-ftp-syslog.raw: each message is a whole seed line after its prose label (`- Rule Accept system log:`)", () => {
    const messages = read(fixturePath("seed-ftp-syslog.raw")).split("\n").slice(1).filter(Boolean);
    expect(messages).toHaveLength(3);
    const seedLines = seed.split("\n");
    for (const m of messages) expect(seedLines.some((l) => l.startsWith("- ") && l.endsWith(`:${m}`)), m).toBe(true);
  });
});
