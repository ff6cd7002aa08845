/**
 * `flows` as text: the table is written in blocks of rows (memory stays a block's), yet its
 * columns are those of every row — a wider cell after the first block (an IPv6 address, a bigger
 * count) widens the column from the first line, so no row is shifted against the header.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { scanFile } from "../../src/node/index.js";
import { formatFlowsText } from "../../src/report/flows-text.js";
import { DEFAULT_EPOCH_NS, ethernetFor, ipPacket, udp, writePcap, type PcapRecord } from "../helpers/pcap-writer.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("alg-verify-flows-text-");

function datagram(i: number, src: string, dst: string, srcPort: number, dstPort: number): PcapRecord {
  const payload = udp({ src, dst, srcPort, dstPort, payload: new Uint8Array(8) });
  return { ts: DEFAULT_EPOCH_NS + BigInt(i) * 1000n, data: ethernetFor(ipPacket({ src, dst, proto: 17, payload })) };
}

it("rows after the first block line up with the header: the widths are measured over every row first", async () => {
  const records: PcapRecord[] = [];
  // 5 001 short IPv4 flows (more than a block of rows), then the widest cells of the table:
  // an IPv6 conversation of 300 datagrams.
  for (let i = 0; i < 5001; i++) records.push(datagram(i, `192.0.2.${1 + (i % 9)}`, "198.51.100.1", 1000 + i, 53));
  for (let k = 0; k < 300; k++) records.push(datagram(5001 + k, "2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8::53", 65000, 53));
  const path = join(dir, "blocks.pcap");
  writeFileSync(path, writePcap(records, { linkType: 1 }));

  const scan = await scanFile(path, {});
  expect(scan.flows.count).toBe(5002);
  let text = "";
  formatFlowsText(scan, (s) => (text += s));
  const lines = text.split("\n");
  const header = lines.findIndex((l) => l.trimStart().startsWith("#  Proto"));
  expect(header).toBeGreaterThan(0);
  const rows = lines.slice(header + 1, header + 1 + 5002);
  expect(rows[0]).toMatch(/^\s+1\s+udp\s+192\.0\.2\.1:1000\s/);
  expect(rows[5001]).toMatch(/^5002\s+udp\s+\[2001:db8:1234:5678:9abc:def0:1234:5678\]:65000\s+\[2001:db8::53\]:53\s+300\s+0\s/);
  // Every column ends where its header ends: the right-aligned "Last" closes every row (UDP: no
  // TCP flags after it), and the left-aligned "Responder" starts under its header.
  const h = lines[header];
  const lastEnd = h.indexOf("Last") + "Last".length;
  const responderAt = h.indexOf("Responder");
  for (const [i, r] of rows.entries()) {
    expect(r.length, `row ${i + 1}`).toBe(lastEnd);
    expect(r[responderAt - 1], `row ${i + 1}`).toBe(" ");
    expect(r[responderAt], `row ${i + 1}`).not.toBe(" ");
  }
});
