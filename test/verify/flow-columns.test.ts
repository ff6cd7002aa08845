/**
 * The reconciliation's columns (src/verify/flow-columns.ts) read in storage order: the same
 * columns whether a table's records lie in id order (the usual case, read without a placement
 * array) or in any other order (placed by position first), and equal to the per-flow accessors.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { packFlows, unpackFlows } from "../../src/node/flow-transfer.js";
import { computeFlowColumns } from "../../src/verify/flow-columns.js";
import { FlowTable } from "../../src/capture/flow-table.js";
import { FLOW_SIZE } from "../../src/wasm/abi.js";
import { DEFAULT_EPOCH_NS, ethernetFor, tcpSession, writePcap, type PcapRecord, type SessionFrame } from "../helpers/pcap-writer.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-columns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 TCP connections from 4 clients to 2 servers, 300 ms apart, of 1 to 4 requests each. */
function manyFlows(): string {
  const frames: SessionFrame[] = [];
  for (let i = 0; i < 40; i++) {
    const s = tcpSession({ client: { ip: `192.0.2.${10 + (i % 4)}`, port: 30000 + i }, server: { ip: `198.51.100.${20 + (i % 2)}`, port: 80 }, start: DEFAULT_EPOCH_NS + BigInt(i) * 300_000_000n, isn: i * 104729 });
    s.handshake();
    for (let k = 0; k <= i % 4; k++) s.send(true, `GET /${i}/${k} HTTP/1.0\r\n\r\n`);
    s.close();
    frames.push(...s.frames);
  }
  frames.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  const path = join(dir, "flows.pcap");
  writeFileSync(path, writePcap(frames.map((f): PcapRecord => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
  return path;
}

/** The records of a packed table moved to other positions (a fixed permutation, reversed blocks of 3). */
function permuted(records: ArrayBuffer, count: number): FlowTable {
  const src = new Uint8Array(records);
  const out = new Uint8Array(src.length);
  const order: number[] = [];
  for (let i = 0; i < count; i += 3) for (let j = Math.min(count, i + 3) - 1; j >= i; j--) order.push(j);
  order.forEach((from, to) => out.set(src.subarray(from * FLOW_SIZE, (from + 1) * FLOW_SIZE), to * FLOW_SIZE));
  return new FlowTable(out.buffer, 0, count, count);
}

describe("flow columns", () => {
  it("equal the per-flow accessors, with records in id order and out of it", async () => {
    const scan = await scanFile(manyFlows());
    const { packed } = packFlows(scan.core!, scan.flows);
    const inOrder = unpackFlows({ records: packed.records.slice(0), count: packed.count });
    const shuffled = permuted(packed.records, packed.count);
    const n = scan.flows.count;
    expect(n).toBe(40);
    let moved = 0;
    for (let id = 1; id <= n; id++) {
      expect(inOrder.where(id)).toBe(id - 1);
      if (shuffled.where(id) !== id - 1) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    const a = computeFlowColumns(inOrder);
    const b = computeFlowColumns(shuffled);
    expect(b).toEqual(a);
    const keys = scan.flows.endpointKeys();
    let first = Infinity;
    let last = -Infinity;
    for (let id = 1; id <= n; id++) {
      expect(a.firstMs[id]).toBe(scan.flows.firstMs(id));
      expect(a.packets[id]).toBe(scan.flows.totalPackets(id));
      expect(a.initiator[id]).toBe(keys.initiator[id]);
      expect(a.responder[id]).toBe(keys.responder[id]);
      first = Math.min(first, scan.flows.firstMs(id));
      last = Math.max(last, scan.flows.lastMs(id));
    }
    expect([a.spanFirstMs, a.spanLastMs]).toEqual([first, last]);
  });
});

describe("v6EndpointKey", () => {
  // Router records name IPv6 endpoints by text; router matching finds them by the key the table
  // gives the flow's end (src/verify/router-match.ts), so the two must agree for every notation.
  it("is the table's key of every IPv6 TCP/UDP end of a capture, in any notation; NaN for anything else", async () => {
    const { v6EndpointKey, V4_KEYS } = await import("../../src/verify/flow-columns.js");
    const t = (await scanFile("pcaps/lab/ftp-ipv6/inside.pcap")).flows;
    const keys = t.endpointKeys();
    let seen = 0;
    for (let id = 1; id <= t.count; id++) {
      const proto = String(t.proto(id));
      if (proto !== "tcp" && proto !== "udp") continue;
      for (const which of [0, 1] as const) {
        const k = which ? keys.responder[id] : keys.initiator[id];
        const ip = t.address(id, which);
        expect(k).toBeGreaterThanOrEqual(V4_KEYS);
        expect(v6EndpointKey(proto, ip, t.port(id, which))).toBe(k);
        // The same address written out in full, upper case.
        const full = ip.replace("::", ":" + "0:".repeat(9 - ip.split(":").length)).replace(/^:|:$/g, "").toUpperCase();
        expect(full.split(":")).toHaveLength(8);
        expect(v6EndpointKey(proto, full, t.port(id, which))).toBe(k);
        expect(v6EndpointKey(proto, ip, (t.port(id, which) + 1) % 65536)).not.toBe(k);
        expect(v6EndpointKey(proto === "tcp" ? "udp" : "tcp", ip, t.port(id, which))).not.toBe(k);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(4);
    expect(v6EndpointKey("tcp", "192.0.2.1", 21)).toBeNaN();
    expect(v6EndpointKey("icmp", "2001:db8::1", 0)).toBeNaN();
    expect(v6EndpointKey("tcp", "2001:db8::1", null)).toBeNaN();
    expect(v6EndpointKey("tcp", "2001:db8::g", 21)).toBeNaN();
  });
});
