/**
 * The text report's rows of conntrack flows and events made straight from the parser's scan of
 * each line (src/router/text-rows.ts scanRows, no entry or flow object) equal the rows made from
 * the records (flowCells / eventCells of normalise.ts's objects) — cell for cell, for every
 * sample, fixture and a generated dump with the odd cases (IPv6 with and without ports, no reply
 * tuple, DNAT, SNAT and both, ICMP, zones, counters on one side only, large counts, helpers).
 */
import { describe, expect, it } from "vitest";
import path from "node:path";
import { parseRouterText, type RouterEvent, type RouterFlow } from "../../src/router/index.js";
import { listRows, pendingList } from "../../src/router/lazy.js";
import { eventCells, flowCells } from "../../src/router/text-rows.js";
import type { TextRow } from "../../src/router/lazy.js";
import { FIXTURES, SHARED_OUTPUT, rawCases, read, sharedFiles } from "./helpers.js";

/** The rows of the scan (while the lists are lazy), then the rows of the records (the lists made into arrays). */
function bothRows(text: string, name: string): { scan: TextRow[]; records: TextRow[]; lazy: number } {
  const r = parseRouterText(text, name);
  const lazy = (pendingList(r, "flows") ? 1 : 0) + (pendingList(r, "events") ? 1 : 0);
  const scan = [...Array.from(listRows<RouterFlow>(r, "flows", flowCells)), ...Array.from(listRows<RouterEvent>(r, "events", eventCells))];
  const records = [
    ...r.flows.map((f) => ({ document: f.document, cells: flowCells(f) })),
    ...r.events.map((e) => ({ document: e.document, cells: eventCells(e) })),
  ];
  return { scan, records, lazy };
}

/** A dump with the odd cases, each line once with and once without its counters. */
function oddDump(): string {
  const lines = [
    "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=21 packets=7 bytes=123456789012345 src=10.0.0.2 dst=203.0.113.9 sport=21 dport=65535 packets=0 bytes=0 [ASSURED] mark=0 helper=ftp use=1",
    "udp      17 29 src=10.0.0.1 dst=198.51.100.7 sport=5060 dport=5060 [UNREPLIED] src=192.168.1.5 dst=10.0.0.1 sport=5060 dport=5060 mark=0 use=1",
    "udp      17 29 src=10.0.0.1 dst=198.51.100.7 sport=5060 dport=5060 src=192.168.1.5 dst=203.0.113.1 sport=5061 dport=4000 packets=3 mark=0 helper=sip use=1",
    "icmp     1 29 src=10.0.0.1 dst=10.0.0.9 type=8 code=0 id=7 packets=1 bytes=84 src=10.0.0.9 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1",
    "ipv6     10 tcp      6 300 ESTABLISHED src=2001:db8::1 dst=2001:db8::2 sport=40000 dport=21 src=2001:db8::2 dst=2001:db8::1 sport=21 dport=40000 [ASSURED] mark=0 zone=3 use=2",
    "ipv6     10 tcp      6 300 ESTABLISHED src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:db8::2 sport=40000 dport=21 src=2001:db8::2 dst=2001:db8::99 sport=21 dport=40001 [ASSURED] mark=0 use=2",
    "gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x0 src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x0 mark=0 use=1",
    "ipv6     10 ipv6-icmp 58 29 src=fe80::1 dst=ff02::1 type=135 code=0 id=0 [UNREPLIED] src=ff02::1 dst=fe80::1 type=136 code=0 id=0 mark=0 use=1",
    "sctp     132 10 CLOSED src=10.1.1.1 dst=10.1.1.2 sport=9 dport=10 zone-orig=4 src=10.1.1.2 dst=10.1.1.1 sport=10 dport=9 zone-reply=5 mark=0 zone=0 helper=h\u00e9lp use=1 id=42",
    "tcp      6 10 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=2000 dport=80 packets=98765432101 bytes=900 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=2000 mark=0 use=1",
  ];
  return lines.join("\n") + "\nconntrack v1.4.7 (conntrack-tools): 10 flow entries have been shown.\n";
}

function eventsDump(): string {
  return [
    "    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=21 [UNREPLIED] src=10.0.0.2 dst=203.0.113.1 sport=21 dport=40000",
    "[1700000000.123456] [UPDATE] udp      17 30 src=2001:db8::1 dst=2001:db8::2 sport=69 dport=69 src=2001:db8::2 dst=2001:db8::1 sport=69 dport=69 helper=tftp",
    " [DESTROY] icmp     1 src=10.0.0.1 dst=10.0.0.9 type=8 code=0 id=7 src=10.0.0.9 dst=10.0.0.1 type=0 code=0 id=7",
  ].join("\n") + "\n";
}

describe("text rows from the scan equal the records' rows", () => {
  const cases: [string, () => string][] = [
    ["generated odd cases", oddDump],
    ["generated events", eventsDump],
    ...sharedFiles().map((f): [string, () => string] => [f, () => read(path.join(SHARED_OUTPUT, f))]),
    ...rawCases().map((c): [string, () => string] => [c, () => read(path.join(FIXTURES, c + ".raw"))]),
  ];
  let lazyLists = 0;
  it.each(cases)("%s", (name, text) => {
    const { scan, records, lazy } = bothRows(text(), name);
    lazyLists += lazy;
    expect(scan).toEqual(records);
  });
  it("took the scan's path on the conntrack cases", () => {
    // the two generated dumps and the shared conntrack -L / -E samples have lazy lists
    expect(lazyLists).toBeGreaterThanOrEqual(6);
  });
  it("made the rows of the generated dumps from the scan, with every odd case in them", () => {
    const { scan } = bothRows(oddDump(), "odd");
    expect(scan).toHaveLength(10);
    const cells = scan.map((r) => r.cells);
    expect(cells[0]).toEqual(["tcp", "10.0.0.1:1", "10.0.0.2:21", "ESTABLISHED", "", "7/0", "source 10.0.0.1:1 → 203.0.113.9:65535", "ftp"]);
    expect(cells[2]![5]).toBe("-/3");
    expect(cells[2]![6]).toBe("source 10.0.0.1:5060 → 203.0.113.1:4000; dest 198.51.100.7:5060 → 192.168.1.5:5061");
    expect(cells[3]!.slice(1, 3)).toEqual(["10.0.0.1", "10.0.0.9"]);
    expect(cells[5]![6]).toBe("source [2001:db8::1]:40000 → [2001:db8::99]:40001");
    expect(cells[7]!.slice(1, 3)).toEqual(["fe80::1", "ff02::1"]);
    expect(cells[8]![7]).toBe("h\u00e9lp");
    expect(cells[9]![5]).toBe("98765432101/-");
    const ev = bothRows(eventsDump(), "ev").scan;
    expect(ev.map((r) => r.cells[1])).toEqual(["create", "update", "delete"]);
  });
});
