/**
 * What the NAT reconciliation reads of every flow of a capture, as columns indexed by flow id:
 * the numeric endpoint keys (FlowTable.endpointKeys), the first-packet time, the packet count, and
 * the capture's time span. Computed once per table, on first use, and kept with it (the swapped-
 * sides reconciliation and the capture spans read them again).
 */
import type { FlowTable } from "../wasm/core.js";

export interface FlowColumns {
  /** Endpoint keys of initiator and responder (index = flow id; 0 unused). */
  initiator: Float64Array;
  responder: Float64Array;
  /** First-packet time in ms (FlowTable.firstMs). */
  firstMs: Float64Array;
  /** Packets, both directions (FlowTable.totalPackets). */
  packets: Uint32Array;
  /** Earliest first-packet and latest last-packet time of all flows (ms; ±Infinity without flows). */
  spanFirstMs: number;
  spanLastMs: number;
}

const attached = new WeakMap<FlowTable, FlowColumns>();

/** Every column of `t`, read through its accessors. */
export function computeFlowColumns(t: FlowTable): FlowColumns {
  const n = t.count;
  const { initiator, responder } = t.endpointKeys();
  const firstMs = new Float64Array(n + 1);
  const packets = new Uint32Array(n + 1);
  for (let id = 1; id <= n; id++) {
    firstMs[id] = t.firstMs(id);
    packets[id] = t.totalPackets(id);
  }
  const span = scanSpan(t);
  return { initiator, responder, firstMs, packets, spanFirstMs: span.firstMs, spanLastMs: span.lastMs };
}

/** The columns of `t` (computed on the first call). */
export function flowColumns(t: FlowTable): FlowColumns {
  let c = attached.get(t);
  if (!c) attached.set(t, (c = computeFlowColumns(t)));
  return c;
}

/** The earliest first-packet and latest last-packet time of `t` (ms), from its columns when it has them. */
export function flowSpan(t: FlowTable): { firstMs: number; lastMs: number } {
  const c = attached.get(t);
  return c ? { firstMs: c.spanFirstMs, lastMs: c.spanLastMs } : scanSpan(t);
}

function scanSpan(t: FlowTable): { firstMs: number; lastMs: number } {
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (let id = 1; id <= t.count; id++) {
    const f = t.firstMs(id);
    const l = t.lastMs(id);
    if (f < firstMs) firstMs = f;
    if (l > lastMs) lastMs = l;
  }
  return { firstMs, lastMs };
}
