/**
 * A conntrack dump read in pieces (src/router/stream.ts) and written from the parser's scan
 * (src/router/conntrack/json.ts): the same report, byte for byte, as the whole text parsed and its
 * objects stringified — for every sample and fixture, read 1, 7 or 64 KiB at a time — and the
 * files it must not take are left to parseRouterText.
 */
import { describe, expect, it } from "vitest";
import path from "node:path";
import {
  buildRouterReport, formatRouterText, parseRouterStream, parseRouterText, routerJsonPieces, routerTextPieces, STREAM_LINE_MAX,
  memoryRouterSource, type RouterFileSource, type RouterParseOptions,
} from "../../src/router/index.js";
import { FIXTURES, SHARED_OUTPUT, rawCases, read, sharedFiles } from "./helpers.js";

/** The bytes as a file read at most `step` bytes at a time (memoryRouterSource); counts opens and closes. */
function memorySource(bytes: Uint8Array, step = Infinity): RouterFileSource & { opened: number; closed: number } {
  const inner = memoryRouterSource(bytes, step);
  const src = {
    opened: 0,
    closed: 0,
    open() {
      src.opened++;
      const reader = inner.open();
      return {
        read: (into: Uint8Array) => reader.read(into),
        close() {
          src.closed++;
          reader.close();
        },
      };
    },
  };
  return src;
}

const enc = new TextEncoder();
const joined = (pieces: Iterable<string>): string => Array.from(pieces).join("");

/** What `router --json` must print for the text: its report stringified from objects. */
function expectedJson(text: string, name: string, opts?: RouterParseOptions): string {
  return JSON.stringify(buildRouterReport([parseRouterText(text, name, opts)]), null, 2) + "\n";
}

/** The streamed report's JSON and text, or null when the file is not streamed. */
function streamed(text: string, name: string, step: number, opts?: RouterParseOptions): { json: string; text: string } | null {
  const src = memorySource(enc.encode(text), step);
  const r = parseRouterStream(src, name, opts);
  if (r === null) {
    expect(src.closed).toBe(src.opened);
    return null;
  }
  const json = joined(routerJsonPieces(buildRouterReport([r])));
  const txt = joined(routerTextPieces(buildRouterReport([r])));
  expect(src.closed).toBe(src.opened);
  return { json, text: txt };
}

/** Every conntrack entry shape the scan writer knows, and lines it must refuse. */
const EDGE = [
  "\uFEFF# conntrack -L, by hand",
  "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21 packets=12 bytes=9999999999 src=192.0.2.7 dst=198.51.100.1 sport=21 dport=61000 packets=10 bytes=800 [ASSURED] mark=0 helper=ftp use=1",
  "udp      17 29 src=10.0.0.2 dst=192.0.2.8 sport=5060 dport=5060 [UNREPLIED] src=192.0.2.8 dst=10.0.0.2 sport=5060 dport=5060 mark=0 zone=3 use=1 id=123456",
  "icmp     1 29 src=10.0.0.3 dst=192.0.2.9 type=8 code=0 id=77 src=192.0.2.9 dst=198.51.100.1 type=0 code=0 id=77 mark=0 use=1",
  "ipv6     10 tcp      6 300 ESTABLISHED src=2001:db8::1 dst=2001:db8:0:0:0:0:0:2 sport=1 dport=2 src=2001:db8::2 dst=2001:db8::1 sport=2 dport=1 [ASSURED] mark=0 zone-orig=4 secctx=system_u:object_r 7=seven use=2",
  "sctp     132 10 CLOSED src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 src=10.0.0.5 dst=10.0.0.4 sport=9 dport=9 mark=0 use=1\r",
  "tcp      6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=99999 mark=0 use=1",
  "tcp      6 10 CLOSE src=10.0.0.400 dst=10.0.0.5 sport=9 dport=9 mark=0 use=1",
  "tcp      6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 frobnicate mark=0 use=1",
  "gre      47 179 src=10.0.0.6 dst=10.0.0.7 srckey=0x0 dstkey=0x0 src=10.0.0.7 dst=10.0.0.6 srckey=0x0 dstkey=0x0 mark=0 use=1",
  "  # a comment — not ASCII",
  "tcp      6 10 CLOSE src=10.0.0.8 dst=10.0.0.9 sport=9 dport=9 src=10.0.0.9 dst=10.0.0.8 sport=9 dport=9 [OFFLOAD] [ASSURED] mark=0 secmark=\"x\\y\" use=1",
  "tcp      6 100 ESTABLISHED src=10.0.0.1 dst=203.0.113.5 sport=5000 dport=80 src=10.1.1.1 dst=10.0.0.1 sport=8080 dport=5000 [ASSURED] mark=0 use=1",
  "udp      17 100 src=10.0.0.1 dst=203.0.113.5 sport=5000 dport=53 src=10.1.1.1 dst=198.51.100.1 sport=5353 dport=6000 mark=0 use=1",
  "conntrack v1.4.7 (conntrack-tools): 9 flow entries have been shown.",
  "",
].join("\n");

const EVENTS = [
  "[1712345678.123456]	    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21 [UNREPLIED] src=192.0.2.7 dst=198.51.100.1 sport=21 dport=40000 helper=ftp",
  " [UPDATE] tcp      6 60 SYN_RECV src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21 src=192.0.2.7 dst=198.51.100.1 sport=21 dport=61000",
  "[DESTROY] udp      17 src=10.0.0.2 dst=192.0.2.8 sport=69 dport=69 src=192.0.2.8 dst=10.0.0.2 sport=69 dport=69 [ASSURED] id=9",
  "[NEW] tcp 6 bogus",
  "",
].join("\n");

describe("conntrack read in pieces", () => {
  const cases: { name: string; text: string; conntrack: boolean }[] = [
    { name: "edge.txt", text: EDGE, conntrack: true },
    { name: "events.txt", text: EVENTS, conntrack: true },
    { name: "edge-no-final-newline.txt", text: EDGE.trimEnd(), conntrack: true },
    ...sharedFiles().map((f) => ({ name: f, text: read(path.join(SHARED_OUTPUT, f)), conntrack: /conntrack-L(?:-o-extended)?__|conntrack-E__|proc-net-nf_conntrack__/.test(f) })),
    ...rawCases().map((c) => ({ name: `${c}.raw`, text: read(path.join(FIXTURES, `${c}.raw`)), conntrack: c.startsWith("conntrack-") })),
  ];

  it.each(cases)("$name: the same JSON and text as the whole text parsed, read 1, 7 or 64 KiB at a time", ({ name, text, conntrack }) => {
    const json = expectedJson(text, name);
    // the whole text parsed, written from the scan where it can be (report.ts)
    expect(joined(routerJsonPieces(buildRouterReport([parseRouterText(text, name)])))).toBe(json);
    const txt = formatRouterText(buildRouterReport([parseRouterText(text, name)]));
    for (const step of [1, 7, Infinity]) {
      const s = streamed(text, name, step);
      expect(s !== null).toBe(conntrack);
      if (s === null) continue;
      expect(s.json).toBe(json);
      expect(s.text).toBe(txt);
    }
  });

  it("reads the edge cases in pieces (they are not all left to the whole-text parser)", () => {
    const r = parseRouterStream(memorySource(enc.encode(EDGE), 5), "edge.txt")!;
    expect(r).not.toBeNull();
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([["bad_entry", 7], ["bad_entry", 8], ["unknown_text", 9]]);
    expect(r.documents[0]!.location.line).toBe(2);
  });

  it("a forced format, and a diagnostic limit, as parseRouterText", () => {
    const opts: RouterParseOptions = { format: "conntrack", diagnosticLimit: 1 };
    const s = streamed(EDGE, "edge.txt", 7, opts)!;
    expect(s.json).toBe(expectedJson(EDGE, "edge.txt", opts));
    expect(s.json).toContain('"diagnostic_limit"');
  });

  it("several files, streamed and not, in one report: the records' documents numbered across them", () => {
    const junos = read(path.join(FIXTURES, "seed-ftp-conversations.raw"));
    const whole = buildRouterReport([parseRouterText(EVENTS, "a.txt"), parseRouterText(junos, "b.txt"), parseRouterText(EDGE, "c.txt")]);
    const results = [parseRouterStream(memorySource(enc.encode(EVENTS), 7), "a.txt")!, parseRouterText(junos, "b.txt"), parseRouterStream(memorySource(enc.encode(EDGE), 7), "c.txt")!];
    expect(results.every((r) => r !== null)).toBe(true);
    const json = JSON.stringify(whole, null, 2) + "\n";
    expect(joined(routerJsonPieces(buildRouterReport(results)))).toBe(json);
    expect(json).toContain('"document": 2');
  });

  it("reads the file once to look at it and once to write everything, the flows or events included (no scan per list)", () => {
    for (const [name, text, list] of [["edge.txt", EDGE, "flows"], ["events.txt", EVENTS, "events"]] as const) {
      const src = memorySource(enc.encode(text), 7);
      const r = parseRouterStream(src, name)!;
      // the sniffed head and the first look
      expect(src.opened).toBe(2);
      const json = joined(routerJsonPieces(buildRouterReport([r])));
      expect(json).toBe(expectedJson(text, name));
      expect(json).toContain(`"${list}": [\n    {`);
      expect(src.opened).toBe(3);
      expect(src.closed).toBe(3);
    }
  });

  it("without a temporary file (no such directory, or ALG_VERIFY_ROUTER_SPILL=0) the flows are a scan of their own: the same bytes", () => {
    const saved = { tmp: process.env.TMPDIR, spill: process.env.ALG_VERIFY_ROUTER_SPILL };
    try {
      for (const env of [{ TMPDIR: "/nonexistent/alg-verify-test" }, { ALG_VERIFY_ROUTER_SPILL: "0" }]) {
        Object.assign(process.env, env);
        const src = memorySource(enc.encode(EDGE), 7);
        const r = parseRouterStream(src, "edge.txt")!;
        expect(joined(routerJsonPieces(buildRouterReport([r])))).toBe(expectedJson(EDGE, "edge.txt"));
        // the sniffed head, the first look, the entries, the flows
        expect(src.opened).toBe(4);
        expect(src.closed).toBe(4);
        for (const k of Object.keys(env)) delete process.env[k];
      }
    } finally {
      for (const [k, v] of [["TMPDIR", saved.tmp], ["ALG_VERIFY_ROUTER_SPILL", saved.spill]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("the first look's byte-level test of a plain line agrees with the whole-text parser on near misses", () => {
    const ct = EDGE.split("\n")[1]!;
    const ev = EVENTS.split("\n")[1]!;
    const near = [
      "ipv4     2 tcp      6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 mark=0 use=1",
      "ipv4 2 tcp 6 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "ipv4 tcp 6 10 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 20 CLOSE src=10.0.0.4 dst=10.0.0.5",
      "TCP 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "\ttcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 CLOSE src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9 user@host",
      "tcp 6 10 Close src=10.0.0.4 dst=10.0.0.5 sport=9 dport=9",
      "tcp 6 10 CLOSE dst=10.0.0.5 src=10.0.0.4 sport=9 dport=9",
      "Session ID: 1, Policy name: p/4, Timeout: 2, Valid",
      "  In: 10.0.0.1/1 --> 10.0.0.2/2;tcp, If: ge-0/0/0.0, Pkts: 1, Bytes: 60",
      "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, creating forward or watch flow",
      "[NEW] 300 proto=17 src=10.0.0.1 dst=10.0.0.2 sport=0 dport=5060 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.1 master-dst=10.0.0.2 sport=5060 dport=5060",
      "[1712345678.123456] [NEW] 300 proto=17 src=10.0.0.1 dst=10.0.0.2",
      " [UPDATE]\t7 proto=6 src=10.0.0.1",
      "[DESTROY] 7 protocol=6",
      "[NEW]\ttcp 6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21",
      "[1.2 ] [NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21",
      "[.2] [NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=192.0.2.7 sport=40000 dport=21",
      "# comment",
      "",
    ];
    for (const first of [ct, ev]) {
      for (const line of near) {
        const text = `${first}\n${first}\n${line}\n${first}\n`;
        const whole = parseRouterText(text, "n.txt");
        const s = streamed(text, "n.txt", 7);
        // read in pieces exactly when the whole-text parser finds one conntrack document
        const one = whole.documents.length === 1 && /^conntrack(?:-events)?$/.test(whole.documents[0]!.format);
        expect(s !== null, JSON.stringify(line)).toBe(one);
        if (s) expect(s.json, JSON.stringify(line)).toBe(expectedJson(text, "n.txt"));
      }
    }
  });

  it("leaves to parseRouterText what is not one conntrack dump", () => {
    const ct = EDGE.split("\n")[1]!;
    for (const text of [
      `root@gw:~# conntrack -L\n${ct}\n`,
      `${ct}\nOct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, creating forward or watch flow\n`,
      "# nothing here\n\n",
      "tcp 6 bogus\n",
      `${ct}\n${"x".repeat(STREAM_LINE_MAX + 10)}\n`,
    ]) {
      expect(streamed(text, "x.txt", Infinity)).toBeNull();
    }
    expect(streamed(EDGE, "x.txt", Infinity, { format: "junos-syslog" })).toBeNull();
  });
});
