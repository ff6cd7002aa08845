/**
 * Conntrack entries and their flows/events are kept as a compact list (src/router/lazy.ts) until
 * read: the `router` writers stream them without making the arrays, and whoever reads the property
 * gets the same plain array as when every record was an object from the start.
 */
import { describe, expect, test } from "vitest";
import { parseRouterText, buildRouterReport, routerJsonPieces, routerTextPieces, formatRouterText } from "../../src/router/index.js";
import { listItems, listLength, pendingList } from "../../src/router/lazy.js";
import type { ConntrackDocument, ConntrackEventsDocument, ConntrackEntry } from "../../src/router/types.js";

const DUMP = [
  "tcp      6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 packets=6 bytes=342 src=10.99.2.2 dst=10.99.2.1 sport=21 dport=55900 packets=6 bytes=398 [ASSURED] mark=0 helper=ftp use=1",
  "not an entry at all",
  "udp      17 29 src=192.168.1.10 dst=8.8.8.8 sport=5353 dport=53 [UNREPLIED] src=8.8.8.8 dst=198.51.100.1 sport=53 dport=5353 mark=0 zone=5 use=1",
  "ipv4     2 icmp     1 29 src=192.168.1.10 dst=8.8.8.8 type=8 code=0 id=4242 src=8.8.8.8 dst=192.168.1.10 type=0 code=0 id=4242 mark=0 use=1 id=77",
  "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.",
  "",
].join("\n");

const EVENTS = [
  "[1712345678.123456] [NEW] tcp      6 120 SYN_SENT src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=21 [UNREPLIED] src=192.0.2.1 dst=203.0.113.1 sport=21 dport=40000",
  "[1712345679.000001] [DESTROY] tcp      6 src=10.0.0.2 dst=192.0.2.1 sport=40000 dport=21 src=192.0.2.1 dst=203.0.113.1 sport=21 dport=40000 helper=ftp",
  "",
].join("\n");

/** The JSON and text of a report as the writers produce them. */
function written(r: ReturnType<typeof parseRouterText>[]): string {
  const report = buildRouterReport(r);
  return Array.from(routerJsonPieces(report)).join("") + Array.from(routerTextPieces(report)).join("");
}

describe("lazy conntrack lists", () => {
  test("entries and flows stay compact until read, and read as plain arrays", () => {
    const r = parseRouterText(DUMP, "ct.txt");
    const doc = r.documents[0] as ConntrackDocument;
    expect(pendingList(doc, "entries")).toBeDefined();
    expect(pendingList(r, "flows")).toBeDefined();
    expect(listLength(doc, "entries")).toBe(3);
    expect(listLength(r, "flows")).toBe(3);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([["unknown_line", 2]]);
    // the keys keep their place
    expect(Object.keys(doc)).toEqual(["file", "location", "format", "entries", "shown"]);
    const streamed = Array.from(listItems<ConntrackEntry>(doc, "entries"));
    expect(pendingList(doc, "entries")).toBeDefined();
    const entries = doc.entries;
    expect(Array.isArray(entries)).toBe(true);
    expect(pendingList(doc, "entries")).toBeUndefined();
    expect(doc.entries).toBe(entries);
    expect(entries).toEqual(streamed);
    expect(entries.map((e) => e.location.line)).toEqual([1, 3, 4]);
    expect(entries[2]).toMatchObject({ l3: "ipv4", id: 77, orig: { icmp: { type: 8, code: 0, id: 4242 } } });
    // flows read after the entries share their objects, as when both were made at once
    expect(r.flows[0]!.src).toBe(entries[0]!.orig.src);
    expect(r.flows.map((f) => [f.alg, f.zone, f.location.line])).toEqual([["ftp", undefined, 1], [undefined, 5, 3], [undefined, undefined, 4]]);
  });

  test("the writers stream a lazy report without making its arrays, to the same bytes", () => {
    const lazy = parseRouterText(DUMP, "ct.txt");
    const report = buildRouterReport([lazy]);
    const json = Array.from(routerJsonPieces(report)).join("");
    const text = formatRouterText(report);
    expect(pendingList(report, "flows")).toBeDefined();
    expect(pendingList(lazy.documents[0]!, "entries")).toBeDefined();
    // JSON.stringify reads every property: the arrays are made, and the bytes are the same
    expect(JSON.stringify(report, null, 2) + "\n").toBe(json);
    expect(pendingList(report, "flows")).toBeUndefined();
    expect(formatRouterText(report)).toBe(text);
    expect(text).toContain("3 flow(s)");
  });

  test("read or not, in any order, several files give the same report", () => {
    const files = () => [parseRouterText(DUMP, "a.txt"), parseRouterText(EVENTS, "b.txt"), parseRouterText(DUMP, "c.txt")];
    const untouched = written(files());
    const flowsFirst = files();
    for (const r of flowsFirst) void [r.flows, r.events];
    expect(written(flowsFirst)).toBe(untouched);
    const docsFirst = files();
    for (const r of docsFirst) for (const d of r.documents) void JSON.stringify(d);
    expect(written(docsFirst)).toBe(untouched);
    const report = buildRouterReport(files());
    expect(report.flows.map((f) => f.document)).toEqual([0, 0, 0, 2, 2, 2]);
    expect(report.events.map((e) => [e.document, e.kind, e.time])).toEqual([[1, "create", "1712345678.123456"], [1, "delete", "1712345679.000001"]]);
  });

  test("conntrack -E events are a lazy list too", () => {
    const r = parseRouterText(EVENTS, "ev.txt");
    const doc = r.documents[0] as ConntrackEventsDocument;
    expect(listLength(doc, "events")).toBe(2);
    expect(listLength(r, "events")).toBe(2);
    expect(doc.events.map((e) => e.event)).toEqual(["NEW", "DESTROY"]);
    expect(r.events[1]).toMatchObject({ kind: "delete", alg: "ftp", nat: [{ kind: "source" }] });
  });

  test("a document assigned a new list keeps it", () => {
    const doc = parseRouterText(DUMP, "ct.txt").documents[0] as ConntrackDocument;
    doc.entries = [];
    expect(doc.entries).toEqual([]);
    expect(listLength(doc, "entries")).toBe(0);
  });
});
