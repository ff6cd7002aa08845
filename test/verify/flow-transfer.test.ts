/**
 * A flow table handed from a worker thread to the main thread (src/node/flow-transfer.ts): the
 * records copied out of wasm memory in table-slot order (then those that left the table), sent
 * as transferred buffers, give the main thread the same flows under the same ids, and the same
 * reconciliation columns (src/verify/flow-columns.ts); columns and UDP endpoint index computed by
 * the worker (analyze-worker.ts, while it waits for the pack lock) arrive with them and are used.
 * A table scanned by the core built with shared memory is handed over in place (shareFlows): its
 * memory shared, not copied, with its id map (a view of that memory, or a copy) and the flows that
 * left it copied, and reads the same.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanFile } from "../../src/node/files.js";
import { addPrepared, packFlows, shareFlows, unpackFlows } from "../../src/node/flow-transfer.js";
import { computeFlowColumns, flowColumns, flowSpan, keyOrders, looksUpUdpFlows, udpFlowsAt } from "../../src/verify/flow-columns.js";
import { analyzeFile } from "../../src/node/files.js";
import { ENDED_FLOW, type FlowTable } from "../../src/capture/flow-table.js";
import { DEFAULT_EPOCH_NS, ethernetFor, tcpSession, writePcap, type PcapRecord, type SessionFrame } from "../helpers/pcap-writer.js";

const dir = mkdtempSync(join(tmpdir(), "alg-verify-transfer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Packs a scan's table, sends it through a real structured clone with its buffers transferred, unpacks it. */
function roundTrip(scan: Awaited<ReturnType<typeof scanFile>>): FlowTable {
  const { packed, transfer } = packFlows(scan.core!, scan.flows);
  const received = structuredClone(packed, { transfer });
  expect(transfer.every((b) => b.byteLength === 0)).toBe(true);
  return unpackFlows(received);
}

/** Hands a scan's table over in place (its memory shared), through a real structured clone. */
function shareTrip(scan: Awaited<ReturnType<typeof scanFile>>): { table: FlowTable; mapShared: boolean; ended: number } {
  const shared = shareFlows(scan.flows);
  expect(shared, "a table in shared memory").toBeDefined();
  const { packed, transfer } = shared!;
  const memory = scan.core!.exports.memory.buffer;
  expect(memory).toBeInstanceOf(SharedArrayBuffer);
  expect(packed.records).toBeUndefined();
  const received = structuredClone(packed, { transfer });
  expect(transfer.every((b) => b.byteLength === 0)).toBe(true);
  // The same memory on both sides: a byte written there is read here.
  const got = received.shared!;
  expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
  const probe = new Uint8Array(memory);
  const last = probe.length - 1;
  const was = probe[last];
  probe[last] = was ^ 0x5a;
  expect(new Uint8Array(got.buffer)[last]).toBe(was ^ 0x5a);
  probe[last] = was;
  return { table: unpackFlows(received), mapShared: got.map.buffer instanceof SharedArrayBuffer, ended: got.endedCount };
}

/** Scan options under which most flows of churnCapture() leave the table: a 16-slot table, closed connections over after 10 s. */
const CHURN_SCAN = { flowCapLog2: 4, flowTimeouts: { tcpClosed: 10 } };

/** 200 short connections, a new one every 2 s (written once; its path). */
function churnCapture(): string {
  const path = join(dir, "churn.pcap");
  if (existsSync(path)) return path;
  const S = 1_000_000_000n;
  const frames: SessionFrame[] = [];
  for (let i = 0; i < 200; i++) {
    const s = tcpSession({ client: { ip: "192.0.2.10", port: 20000 + i }, server: { ip: "198.51.100.20", port: 80 }, start: DEFAULT_EPOCH_NS + BigInt(i) * 2n * S, isn: i * 7919 });
    s.handshake();
    s.send(true, `GET /${i} HTTP/1.0\r\n\r\n`);
    s.close();
    frames.push(...s.frames);
  }
  frames.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  writeFileSync(path, writePcap(frames.map((f): PcapRecord => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: 1 }));
  return path;
}

function expectSameTable(got: FlowTable, want: FlowTable) {
  expect(got.count).toBe(want.count);
  for (let id = 1; id <= want.count; id++) expect(got.get(id)).toEqual(want.get(id));
  const c = flowColumns(got);
  const w = computeFlowColumns(want);
  // (The key orders, when they came, are compared by the test that sends them.)
  expect({ ...c, initiatorOrder: undefined, responderOrder: undefined }).toEqual(w);
  expect(flowSpan(got)).toEqual(flowSpan(want));
  expect(flowSpan(got)).toEqual({ firstMs: c.spanFirstMs, lastMs: c.spanLastMs });
}

describe("flow table transfer between threads", () => {
  it("a recorded lab capture: every flow and column arrives unchanged", async () => {
    const scan = await scanFile("pcaps/lab/ftp-active-helper/inside.pcap");
    expect(scan.flows.count).toBeGreaterThan(1);
    expectSameTable(roundTrip(scan), scan.flows);
  });

  it("flows that left the wasm table (ended-flow store) arrive too, after the table's", async () => {
    const scan = await scanFile(churnCapture(), CHURN_SCAN);
    expect(scan.flows.count).toBe(200);
    let ended = 0;
    for (let id = 1; id <= scan.flows.count; id++) if (scan.flows.where(id) & ENDED_FLOW) ended++;
    expect(ended).toBeGreaterThan(150);
    expectSameTable(roundTrip(scan), scan.flows);
  });

  it("a table in shared memory is handed over in place: its id map a view of that memory, the same flows and columns; a table in unshared memory is not", async () => {
    const path = "pcaps/lab/ftp-active-helper/inside.pcap";
    const scan = await scanFile(path, { sharedMemory: true });
    expect(scan.flows.count).toBeGreaterThan(1);
    const { table, mapShared, ended } = shareTrip(scan);
    expect([mapShared, ended]).toEqual([true, 0]);
    expectSameTable(table, (await scanFile(path)).flows);
    expect(shareFlows((await scanFile(path)).flows)).toBeUndefined();
  });

  it("in place with flows that left the table: those copied (decoded, in store order), the id map copied when the idle index cannot hold it", async () => {
    const path = churnCapture();
    const want = (await scanFile(path, CHURN_SCAN)).flows;
    const scan = await scanFile(path, { ...CHURN_SCAN, sharedMemory: true });
    const { table, mapShared, ended } = shareTrip(scan);
    // 200 flows in a 16-slot table: most left it, and the id map (200 entries) is more than its idle index holds.
    expect(ended).toBeGreaterThan(150);
    expect(mapShared).toBe(false);
    expectSameTable(table, want);
    // Ports of the flows that left, read from their copied records (EndedRecords.ports), without decoding one.
    for (let id = 1; id <= table.count; id++) expect(table.port(id, 0), `flow ${id}`).toBe(20000 + id - 1);
    const mark = new Uint8Array(65536);
    mark[20005] = 1;
    mark[80] = 2;
    const [one, all] = table.idsWithPort(mark, 2);
    expect([one, all.length]).toEqual([[6], 200]);
  });

  it("columns and key orders computed on the sending side arrive with the records and are used as computed (SIP media's lookups search the orders received)", async () => {
    for (const name of ["sip-udp-alg", "sip-udp-reinvite-move", "rtsp-udp-nat", "ftp-active-masquerade"]) {
      const path = `pcaps/nat/${name}/outside.pcap`;
      // What analyze-worker.ts does while it waits: its table's columns and key orders, then the copy.
      const sent = await analyzeFile(path);
      const sip = looksUpUdpFlows(sent.sessions);
      expect(sip, name).toBe(name.startsWith("sip"));
      const cols = flowColumns(sent.scan.flows);
      const orders = keyOrders(sent.scan.flows);
      const { packed, transfer } = packFlows(sent.scan.core!, sent.scan.flows);
      addPrepared(packed, transfer, sent.scan.flows);
      expect(packed.prepared?.columns).toBe(cols);
      expect(packed.prepared?.columns.initiatorOrder).toBe(orders.initiatorOrder);
      const received = structuredClone(packed, { transfer });
      expect(transfer.every((b) => b.byteLength === 0)).toBe(true);
      const got = unpackFlows(received);
      // The received columns are the ones attached (not computed again), equal to the table's own.
      expect(flowColumns(got)).toBe(received.prepared!.columns);
      const fresh = (await analyzeFile(path)).scan.flows;
      expectSameTable(got, fresh);
      // Every UDP endpoint (and a port beside it) gives the same flows through the received index as through a fresh one.
      let hits = 0;
      for (let id = 1; id <= fresh.count; id++) {
        const f = fresh.get(id);
        if (f.proto !== "udp") continue;
        for (const e of [f.initiator, f.responder]) {
          for (const port of [e.port!, (e.port! + 1) & 0xffff]) {
            const want = udpFlowsAt(fresh, e.ip, port);
            expect(udpFlowsAt(got, e.ip, port), `${name} ${e.ip}|${port}`).toEqual(want);
            hits += want.length;
          }
        }
      }
      if (sip) expect(hits, name).toBeGreaterThan(0);
      // Searched in the orders that came with the records: none made again.
      expect(flowColumns(got).initiatorOrder).toBe(received.prepared!.columns.initiatorOrder);
      expect(flowColumns(got).responderOrder).toBe(received.prepared!.columns.responderOrder);
    }
  });
});
