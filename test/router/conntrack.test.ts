/** Linux conntrack: -L (default / extended / accounting / zones), -E, expect, /proc. */
import { describe, expect, test } from "vitest";
import path from "node:path";
import { parseRouterText, type ConntrackDocument, type ConntrackEventsDocument, type ConntrackExpectDocument } from "../../src/router/index.js";
import { fixturePath, read, SHARED_OUTPUT } from "./helpers.js";

const shared = (f: string) => parseRouterText(read(path.join(SHARED_OUTPUT, f)), f);

describe("conntrack", () => {
  test("-L with accounting: both tuples, flags, helper, SNAT derived", () => {
    const r = shared("linux__conntrack-L__ftp-control-helper-snat__after-pasv.txt");
    const d = r.documents[0] as ConntrackDocument;
    expect(d.shown).toBe(1);
    expect(d.entries[0]).toEqual({
      protoName: "tcp", protoNumber: 6, timeout: 299, state: "ESTABLISHED",
      orig: { src: { ip: "10.99.1.2", port: 55900 }, dst: { ip: "10.99.2.2", port: 21 }, packets: 6, bytes: 342 },
      reply: { src: { ip: "10.99.2.2", port: 21 }, dst: { ip: "10.99.2.1", port: 55900 }, packets: 6, bytes: 398 },
      flags: ["ASSURED"], mark: 0, helper: "ftp", use: 1, location: { line: 3 },
    });
    expect(r.flows[0]).toMatchObject({ alg: "ftp", packets: { orig: 6, reply: 6 }, bytes: { orig: 342, reply: 398 }, nat: [{ kind: "source", to: { ip: "10.99.2.1", port: 55900 } }] });
  });
  test("the natted active-mode data flow: DNAT visible only in the reply tuple", () => {
    const r = parseRouterText("tcp      6 118 TIME_WAIT src=10.99.2.2 dst=10.99.2.1 sport=20 dport=59015 src=10.99.1.2 dst=10.99.2.2 sport=40000 dport=20 [ASSURED] mark=0 use=1", "x");
    expect(r.flows[0]!.nat).toEqual([{ kind: "dest", from: { ip: "10.99.2.1", port: 59015 }, to: { ip: "10.99.1.2", port: 40000 } }]);
  });
  test("no accounting, zones, UNREPLIED, UDP without state, ICMP, entry id", () => {
    const r = parseRouterText(read(fixturePath("conntrack-zones-no-accounting.raw")), "z.txt");
    const e = (r.documents[0] as ConntrackDocument).entries;
    expect(e[0]!.orig.zone).toBe(5);
    expect(e[0]!.zone).toBe(5);
    expect(e[0]!.orig.packets).toBeUndefined();
    expect(e[1]!.flags).toEqual(["UNREPLIED"]);
    expect(e[2]!.state).toBeUndefined();
    expect(e[2]!.id).toBe(3735928559);
    expect(e[3]!.orig.icmp).toEqual({ type: 8, code: 0, id: 4242 });
    expect(e[3]!.reply!.icmp).toEqual({ type: 0, code: 0, id: 4242 });
    expect(e[3]!.id).toBeUndefined();
    expect(r.flows.map((f) => f.zone)).toEqual([5, 5, undefined, undefined]);
    expect(r.flows[3]!.nat).toEqual([{ kind: "source", from: { ip: "192.168.1.10", port: null }, to: { ip: "198.51.100.1", port: null } }]);
  });
  test("-o extended and /proc with fully expanded IPv6 give the same addresses as conntrack -L", () => {
    const proc = parseRouterText(read(fixturePath("conntrack-proc-ipv6-expanded.raw")), "p.txt");
    const list = shared("linux__conntrack-L__ipv6-eprt-active-data-flow.txt");
    expect(proc.flows[0]!.src).toEqual(list.flows[0]!.src);
    expect(proc.flows[0]!.dst).toEqual(list.flows[0]!.dst);
    expect((proc.documents[0] as ConntrackDocument).entries[0]!.l3).toBe("ipv6");
    expect(proc.flows[0]!.nat).toEqual([]);
  });
  test("-E with timestamps: events, kinds, padded microseconds, DESTROY without timeout", () => {
    const r = parseRouterText(read(fixturePath("conntrack-events-timestamp.raw")), "e.txt");
    const ev = (r.documents[0] as ConntrackEventsDocument).events;
    expect(ev.map((e) => [e.event, e.time, e.timeout, e.state])).toEqual([
      ["NEW", "1712345678.123456", 120, "SYN_SENT"], ["UPDATE", "1712345678.124001", 60, "SYN_RECV"],
      ["UPDATE", "1712345678.125310", 432000, "ESTABLISHED"], ["DESTROY", "1712345690.5", undefined, undefined],
    ]);
    expect(r.events.map((e) => e.kind)).toEqual(["create", "update", "update", "delete"]);
    expect(r.flows).toEqual([]);
  });
  test("expectations: -L expect (mask, master) and /proc (l3proto = 2, bare helper)", () => {
    const a = shared("linux__conntrack-L-expect__ftp-pasv-expectation.txt");
    const x = (a.documents[0] as ConntrackExpectDocument).expectations[0]!;
    expect(x.tuple).toEqual({ src: { ip: "10.99.1.2", port: 0 }, dst: { ip: "10.99.2.2", port: 44369 } });
    expect(x.mask!.dst.port).toBe(65535);
    expect(x.master).toEqual({ src: { ip: "10.99.1.2", port: 55900 }, dst: { ip: "10.99.2.2", port: 21 } });
    expect(a.expectations[0]).toMatchObject({ proto: "tcp", alg: "ftp", timeout: 299 });
    const b = shared("linux__proc-net-nf_conntrack_expect__ftp-port-expectation-natted.txt");
    expect((b.documents[0] as ConntrackExpectDocument).expectations[0]).toMatchObject({ l3proto: 2, protoNumber: 6, helper: "ftp", tuple: { dst: { ip: "10.99.2.1", port: 59015 } } });
  });
  test("non-ASCII text in the file (read as 16-bit code units) gives the same entries", () => {
    const line = "tcp      6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 packets=6 bytes=342 src=10.99.2.2 dst=10.99.2.1 sport=21 dport=55900 packets=6 bytes=398 [ASSURED] mark=0 helper=ftp use=1";
    const a = parseRouterText(line, "a"), w = parseRouterText("# überwacht ☃\n" + line, "w");
    expect((w.documents[0] as ConntrackDocument).entries.map((e) => ({ ...e, location: undefined }))).toEqual((a.documents[0] as ConntrackDocument).entries.map((e) => ({ ...e, location: undefined })));
    // U+0120 and U+0109 have the low bytes of a space and a tab: they are no separators
    const odd = parseRouterText(line.replace("sport=55900 ", "sport=55900\u0120").replace("mark=0 ", "mark=0\u0109"), "o");
    expect(odd.diagnostics.map((d) => d.code)).toEqual(["bad_entry", "nothing_understood"]);
  });
  test("entries share equal endpoints and flag lists (read-only results)", () => {
    const r = parseRouterText("tcp 6 1 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=21 src=10.0.0.2 dst=10.0.0.1 sport=21 dport=1 [ASSURED] use=1\n".repeat(2), "s");
    const [a, b] = (r.documents[0] as ConntrackDocument).entries;
    expect(a!.reply!.src).toBe(a!.orig.dst);
    expect(b!.orig.src).toBe(a!.orig.src);
    expect(b!.flags).toBe(a!.flags);
    expect(Object.isFrozen(a!.flags)).toBe(true);
  });
  test("bad entries and stray tokens are located", () => {
    const text = [
      "tcp      6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=1 dport=21 src=10.99.2.2 dst=10.99.2.1 sport=21 dport=1 weird [ASSURED] use=1",
      "tcp      6 299 ESTABLISHED src=10.99.1.999 dst=10.99.2.2 sport=1 dport=21",
      "conntrack v1.4.7 (conntrack-tools): Operation not permitted",
    ].join("\n");
    const r = parseRouterText(text, "b.txt");
    expect(r.flows).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line, d.column])).toEqual([
      ["unknown_text", "warning", 1, text.indexOf("weird")], ["bad_entry", "error", 2, 0], ["unknown_line", "error", 3, 0],
    ]);
  });
});
