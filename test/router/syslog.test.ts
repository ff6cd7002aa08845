/** ASP_* service-PIC system log lines (ROUTER-FORMATS.md §4). */
import { describe, expect, test } from "vitest";
import { parseRouterText, type JunosSyslogDocument } from "../../src/router/index.js";

const events = (text: string) => {
  const r = parseRouterText(text, "log.txt");
  return { r, ev: (r.documents[0] as JunosSyslogDocument | undefined)?.events ?? [] };
};
const BASE = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {ss_ftp}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, fe-3/3/3.0:1.1.1.2:4450 -> 2.2.2.2:21, creating forward or watch flow";

describe("ASP syslog", () => {
  test("the documented line, field by field", () => {
    const { r, ev } = events(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(ev[0]).toEqual({
      timestamp: "Oct 27 11:42:54", fpcSlot: 1, picSlot: 1, serviceSet: "ss_ftp", service: "FWNAT", tag: "ASP_SFW_CREATE_ACCEPT_FLOW",
      protoNumber: 6, protoName: "TCP", application: "ftp", interface: "fe-3/3/3.0", src: { ip: "1.1.1.2", port: 4450 },
      dst: { ip: "2.2.2.2", port: 21 }, text: "creating forward or watch flow", location: { line: 1 },
    });
    expect(r.events[0]).toMatchObject({ kind: "create", proto: "tcp", alg: "ftp", interface: "fe-3/3/3.0", serviceSet: "ss_ftp", nat: [], time: "Oct 27 11:42:54" });
  });
  test("hostname, embedded timestamp, log prefix and NAT suffix", () => {
    const line = "Jun 13 00:25:02 cgn1 (FPC Slot 8, PIC Slot 2) 2012-06-13 00:25:02 PFX{ss}[FWNAT]: ASP_SFW_DELETE_FLOW: proto 17 (UDP) application: rtsp, xe-0/0/0.0:10.0.0.1:5000 -> 192.0.2.1:5000, deleting  forward or watch flow ; source address and port translate to 198.51.100.1:4000";
    const { r, ev } = events(line);
    expect(r.diagnostics).toEqual([]);
    expect(ev[0]).toMatchObject({ host: "cgn1", embeddedTimestamp: "2012-06-13 00:25:02", prefix: "PFX", text: "deleting  forward or watch flow", natSource: { ip: "198.51.100.1", port: 4000 } });
    expect(r.events[0]).toMatchObject({ kind: "delete", time: "2012-06-13 00:25:02", nat: [{ kind: "source", from: { ip: "10.0.0.1", port: 5000 }, to: { ip: "198.51.100.1", port: 4000 } }] });
  });
  test("no slot tag, PRI and ISO timestamp, no application, IPv6, no interface", () => {
    const { r, ev } = events("<24> 2012-06-13T00:25:02Z host7 {CGN-SET2}[OLEG ZHURAKOUSKY]: ASP_SFW_NO_RULE_DROP: proto 58 (ICMPV6), 2001:db8::1:0 -> 2001:db8::2:0, No matching SFW rule");
    expect(r.diagnostics).toEqual([]);
    expect(ev[0]).toMatchObject({ pri: 24, timestamp: "2012-06-13T00:25:02Z", host: "host7", service: "OLEG ZHURAKOUSKY", src: { ip: "2001:db8::1", port: 0 }, dst: { ip: "2001:db8::2", port: 0 } });
    expect(ev[0]!.interface).toBeUndefined();
    expect(ev[0]!.application).toBeUndefined();
    expect(r.events[0]).toMatchObject({ kind: "drop", proto: "icmpv6" });
  });
  test("any ASP_ tag (also with an optional string before it) is accepted; unknown tags are kind other", () => {
    const { r, ev } = events("Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {s}[IDS]: opt-string ASP_IDS_SOMETHING_NEW: proto 6 (TCP), ge-0/0/0.0:1.1.1.1:1 -> 2.2.2.2:2, whatever");
    expect(r.diagnostics).toEqual([]);
    expect(ev[0]!.tag).toBe("ASP_IDS_SOMETHING_NEW");
    expect(r.events[0]!.kind).toBe("other");
  });
  test("wrapped lines are joined; the event is located on its first line", () => {
    const wrapped = BASE.replace(", fe-3/3/3.0", ",\n   fe-3/3/3.0").replace(", creating", ",\n creating");
    const { r, ev } = events("\n" + wrapped);
    expect(r.diagnostics).toEqual([]);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ interface: "fe-3/3/3.0", text: "creating forward or watch flow", location: { line: 2 } });
  });
  test("a line that is not a message is reported; the others are kept", () => {
    const { r, ev } = events([BASE, "Oct 27 11:42:55 host sshd[12]: Accepted publickey for root", BASE].join("\n"));
    expect(ev).toHaveLength(2);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_line", 2, 0]]);
  });
  test("a broken message with a tag is located at the tag", () => {
    const line = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {s}[FWNAT]: ASP_SFW_DELETE_FLOW: proto x (TCP), a:1.1.1.1:1 -> 2.2.2.2:2, t";
    const { r } = events(line);
    expect(r.diagnostics[0]).toMatchObject({ code: "unknown_line", line: 1, column: line.indexOf("ASP_SFW_DELETE_FLOW") });
  });
  test("a bad address is reported as such", () => {
    const { r } = events(BASE.replace("2.2.2.2:21", "2.2.2.300:21"));
    expect(r.diagnostics[0]).toMatchObject({ code: "bad_endpoint", message: expect.stringContaining("2.2.2.300:21") });
  });
});

describe("wrapped records", () => {
  test("a tag wrapped onto the next line is joined, and a failure there is located on that line", () => {
    const ok = "Oct 27 11:42:54 (FPC Slot 1, PIC Slot 1) {s}[FWNAT]:\n   ASP_SFW_DELETE_FLOW: proto 6 (TCP), a-0/0/0.0:1.1.1.1:1 -> 2.2.2.2:2, deleting  forward or watch flow";
    const r1 = parseRouterText(ok, "w.txt");
    expect(r1.diagnostics).toEqual([]);
    expect(r1.events[0]).toMatchObject({ tag: "ASP_SFW_DELETE_FLOW", kind: "delete", location: { line: 1 } });
    const bad = ok.replace("proto 6", "proto six");
    const r2 = parseRouterText(bad, "w.txt");
    expect(r2.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["unknown_line", 2, 3], ["nothing_understood", 1, 0]]);
  });
});
