/**
 * A capture's flow table handed from the worker thread that analyzed it to the main thread
 * (analyze-worker.ts → analyzeFilesParallel), in one of two ways:
 *
 * - **In place** (`shareFlows`, the default since session 22): the worker scans with the core
 *   built with shared memory (build/shared.wasm), and posts its memory — shared, not copied —
 *   with the table's flow id map and the flows that left the table, copied. The main thread's
 *   FlowTable reads the records where the worker's core wrote them; the memory stays allocated
 *   while that FlowTable lives, after the worker has ended too (its ~33 MiB of touched pages, the
 *   size of the copy below). What it saves is the copy itself, which was made while both wasm
 *   memories were alive, at verify's peak: 2 × 1 GiB verify, 9 paired runs, peak 217 against
 *   241 MiB, wall 0.95 × (bench/PERFORMANCE-LOG.md, session 22).
 * - **Packed** (`packFlows`: ALG_VERIFY_SHARE_TABLES=0, or a core without shared memory — the
 *   debug one): wasm memory cannot be transferred, so the records are copied once — in
 *   table-slot order, runs of occupied slots at a time (a sequential read of the table, where
 *   gathering them in id order meant a random read per flow), then the records that left the
 *   table — into one ArrayBuffer that is transferred, not cloned. The main thread's FlowTable
 *   places records by their id as it does over wasm memory.
 *
 * A worker that shares its table hands it over as soon as its scan has made it, before its
 * sessions are finished (analyze-worker.ts): the main thread, when done with its own capture,
 * computes the reconciliation's columns meanwhile (session 23; in session 22 the worker computed
 * them after its sessions, on verify's critical path) — or the worker does, after its sessions,
 * when the main thread is still busy with its own capture then (session 24, files.ts
 * prepareClaims), and sends them with its result. One that packs computes them only while it
 * waits for the pack lock. Measured (2 × 1 GiB verify, load ~19): also computing the
 * reconciliation's columns (src/verify/flow-columns.ts) in the workers and transferring them
 * raised the peak RSS by
 * 20–30 MiB (both workers hold them at the same moment, beside their wasm memories) for no
 * measurable gain in CPU time, so the main thread computes them, once per table — except for a
 * worker that has to wait for the pack lock (the other worker is copying its table): it has the
 * time, and the main thread would compute them after preparing the other table, on verify's
 * critical path, so that worker sends them with its records (`addPrepared`; ~7 MiB per 250 k flows).
 */
import { ENDED_FLOW, FlowTable, type SharedFlowParts } from "../capture/flow-table.js";
import { FLOW_SIZE } from "../wasm/abi.js";
import type { CaptureCore } from "../wasm/core.js";
import { attachPrepared, preparedBuffers, preparedOf, type PreparedColumns } from "../verify/flow-columns.js";

/** What a worker posts for one flow table (every buffer in `transfer`). */
export interface PackedFlows {
  /** The records, packed (packFlows); or, in `shared`, the table's own memory (shareFlows). */
  records?: ArrayBuffer;
  shared?: SharedFlowParts;
  count: number;
  /**
   * The reconciliation's columns of these flows and their key orders
   * (src/verify/flow-columns.ts), when the worker computed them (analyze-worker.ts: while it waited
   * for the other worker's copy); the receiving thread then does not compute them again.
   */
  prepared?: PreparedColumns;
}

/** Sends what was computed of `table` ahead of verify (flow-columns.ts preparedOf), if anything, with `packed`: its buffers join `transfer`. */
export function addPrepared(packed: PackedFlows, transfer: ArrayBuffer[], table: FlowTable): void {
  const p = preparedOf(table);
  if (!p) return;
  packed.prepared = p;
  for (const b of preparedBuffers(p)) transfer.push(b);
}

/**
 * Copies `table` (the flows of `core`) out of wasm memory: into `offered` when it is large enough
 * (a buffer the main thread faulted in ahead, see `offerPackBuffer`; the records at its start),
 * else into a new buffer.
 */
export function packFlows(core: CaptureCore, table: FlowTable, offered?: ArrayBuffer): { packed: PackedFlows & { records: ArrayBuffer }; transfer: ArrayBuffer[] } {
  const count = table.count;
  const memory = new Uint8Array(core.exports.memory.buffer);
  const base = core.exports.flowsPtr() >>> 0;
  const cap = core.exports.flowCap() >>> 0;
  // Which slots hold a flow of the table, and which flows are in the ended-flow store.
  const inSlot = new Uint8Array(cap);
  let ended = 0;
  for (let id = 1; id <= count; id++) {
    const w = table.where(id);
    if (w & ENDED_FLOW) ended++;
    else if (w < cap) inSlot[w] = 1;
  }
  const out = offered && offered.byteLength >= count * FLOW_SIZE ? new Uint8Array(offered, 0, count * FLOW_SIZE) : new Uint8Array(count * FLOW_SIZE);
  let at = 0;
  for (let s = 0; s < cap; ) {
    if (!inSlot[s]) {
      s++;
      continue;
    }
    let e = s + 1;
    while (e < cap && inSlot[e]) e++;
    const n = Math.min(e - s, count - at / FLOW_SIZE);
    out.set(memory.subarray(base + s * FLOW_SIZE, base + (s + n) * FLOW_SIZE), at);
    at += n * FLOW_SIZE;
    s = e;
  }
  for (let id = 1; ended && id <= count && at < out.length; id++) {
    if (!(table.where(id) & ENDED_FLOW)) continue;
    table.copyRecord(id, out, at);
    at += FLOW_SIZE;
    ended--;
  }
  return { packed: { records: out.buffer, count }, transfer: [out.buffer] };
}

/**
 * `table` handed over in place, when its memory is shared (the core built with shared memory,
 * analyze-worker.ts): no copy of its records, only of the flows that left it (FlowTable.shareParts);
 * undefined otherwise. The receiving thread reads the worker's memory, which stays allocated while
 * it holds it (after the worker has ended too): the ~32 MiB copy that a 250 k-flow table's pack
 * held beside both wasm memories at verify's peak is not made.
 */
export function shareFlows(table: FlowTable): { packed: PackedFlows; transfer: ArrayBuffer[] } | undefined {
  const shared = table.shareParts();
  if (!shared) return undefined;
  const transfer: ArrayBuffer[] = [];
  if (shared.ended) transfer.push(shared.ended);
  if (!(shared.map.buffer instanceof SharedArrayBuffer)) transfer.push(shared.map.buffer as ArrayBuffer);
  return { packed: { shared, count: shared.count }, transfer };
}

/** Bytes of 4 KiB pages: one write per page makes it resident. */
const PAGE = 4096;

/**
 * A buffer for another thread's `packFlows` of about `flows` flows, its pages made resident here
 * (a page's first touch costs ~15 µs of CPU on the reference VM: ~120 ms for a 250 k-flow table,
 * paid by the main thread while the other worker still analyzes, instead of by that worker after
 * its scan, on verify's critical path). 1/16 more room than `flows` records, not touched.
 */
export function packBuffer(flows: number): ArrayBuffer {
  const size = flows * FLOW_SIZE;
  const buf = new ArrayBuffer(size + (size >> 4));
  const bytes = new Uint8Array(buf, 0, size);
  for (let i = 0; i < size; i += PAGE) bytes[i] = 0;
  return buf;
}

/** For a table handed over in place: the columns its worker computed after its sessions (analyze-worker.ts, files.ts prepareClaims). */
export { attachPrepared };

/** The FlowTable of a packed table (in the receiving thread). */
export function unpackFlows(p: PackedFlows): FlowTable {
  const t = p.shared ? FlowTable.shared(p.shared) : new FlowTable(p.records!, 0, p.count, p.count);
  if (p.prepared) attachPrepared(t, p.prepared);
  return t;
}
