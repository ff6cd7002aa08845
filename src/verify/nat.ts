/**
 * Reconciliation through the NAT: pairs every flow of the inside capture with its counterpart in
 * the outside capture and infers its translation.
 *
 * A NAT rewrites one end of a flow and leaves the other alone, so a pair shares its remote
 * (untranslated) endpoint: outbound flows (opened from inside) keep their responder, inbound flows
 * (opened from outside through a pinhole or port forward) keep their initiator. Candidates with the
 * same protocol and remote endpoint are ranked by start time — after removing the clock offset
 * between the captures, estimated as the median start-time difference of the unambiguous pairs —
 * and by equal packet counts (payload rewrites change bytes, not packets). Flows left unpaired are
 * "not forwarded" on that side.
 *
 * Scale: captures of hundreds of thousands of flows are paired from the raw flow records
 * (numeric endpoint keys, typed arrays); a mapping becomes an object only when asked for.
 */
import type { FlowTable } from "../wasm/core.js";
import type { NatMapping } from "./types.js";
import { KeyIndex } from "./key-index.js";

export interface ReconcileOptions {
  /** Force the clock offset (outside − inside, ms). */
  clockOffsetMs?: number;
  /** Largest start-time difference accepted for a pair after the offset (ms, default 2000). */
  toleranceMs?: number;
}

/** Pair lookups: flow id on one side → its mapping (built lazily). */
export interface MappingIndex {
  get(id: number): NatMapping | undefined;
  has(id: number): boolean;
}

export interface Reconciliation {
  /** Outside-minus-inside clock offset in ms (estimated, or as forced). */
  clockOffsetMs: number;
  /** NAT (translated) addresses seen. */
  natAddresses: string[];
  byInside: MappingIndex;
  byOutside: MappingIndex;
  paired: number;
  /** Flow ids seen on one side only. */
  unpairedInside: number[];
  unpairedOutside: number[];
  insideTable: FlowTable;
  outsideTable: FlowTable;
}

export function reconcile(inside: FlowTable, outside: FlowTable, opts: ReconcileOptions = {}): Reconciliation {
  const ni = inside.count;
  const no = outside.count;
  const oByInit = new KeyIndex(outside, 0);
  const oByResp = new KeyIndex(outside, 1);
  const oStart = new Float64Array(no + 1);
  const oPkts = new Uint32Array(no + 1);
  for (let id = 1; id <= no; id++) {
    oStart[id] = Number(outside.firstNs(id)) / 1e6;
    oPkts[id] = outside.totalPackets(id);
  }
  // Per inside flow: the outside groups sharing its responder (outbound) / initiator (inbound).
  const gResp = new Int32Array(ni + 1);
  const gInit = new Int32Array(ni + 1);
  const gInitAsResp = new Int32Array(ni + 1);
  const iStart = new Float64Array(ni + 1);
  for (let id = 1; id <= ni; id++) {
    gResp[id] = oByResp.lookup(inside, id, 1);
    gInit[id] = oByInit.lookup(inside, id, 0);
    iStart[id] = Number(inside.firstNs(id)) / 1e6;
  }
  // For inbound candidates, the outside flow's responder must differ from the inside responder.
  const respGroupOfOutside = oByResp.groupOf;
  for (let id = 1; id <= ni; id++) gInitAsResp[id] = gResp[id];
  let offset: number;
  if (opts.clockOffsetMs !== undefined) offset = opts.clockOffsetMs;
  else {
    const deltas: number[] = [];
    for (let id = 1; id <= ni; id++) {
      const nr = gResp[id] ? oByResp.count[gResp[id]] : 0;
      const nInit = gInit[id] ? oByInit.count[gInit[id]] : 0;
      if (nr === 1 && nInit <= 1) deltas.push(oStart[oByResp.head[gResp[id]]] - iStart[id]);
      else if (nr === 0 && nInit === 1) deltas.push(oStart[oByInit.head[gInit[id]]] - iStart[id]);
    }
    deltas.sort((a, b) => a - b);
    offset = deltas.length ? deltas[deltas.length >> 1] : 0;
  }
  const tol = opts.toleranceMs ?? 2000;
  const in2out = new Int32Array(ni + 1);
  const out2in = new Int32Array(no + 1);
  const inbound = new Uint8Array(ni + 1);
  // Chains are in start order and inside flows are visited in start order, so a per-group cursor
  // skips everything that started too early once and for all.
  const cursorResp = new Int32Array(oByResp.head);
  const cursorInit = new Int32Array(oByInit.head);
  let paired = 0;
  let best = 0;
  let bestScore = Infinity;
  let bestInbound = false;
  const consider = (id: number, g: number, inb: boolean, pk: number) => {
    if (out2in[g] !== 0) return;
    const dt = Math.abs(oStart[g] - iStart[id] - offset);
    if (dt > tol) return;
    const score = dt + (oPkts[g] === pk ? 0 : 1);
    if (score < bestScore) {
      best = g;
      bestScore = score;
      bestInbound = inb;
    }
  };
  const scan = (idx: KeyIndex, cursor: Int32Array, grp: number, id: number, inb: boolean, pk: number) => {
    if (!grp) return;
    const lo = iStart[id] + offset - tol;
    const hi = iStart[id] + offset + tol;
    let g = cursor[grp];
    while (g && oStart[g] < lo) g = idx.next[g];
    cursor[grp] = g;
    for (; g && oStart[g] <= hi; g = idx.next[g]) {
      if (inb && respGroupOfOutside[g] === gInitAsResp[id]) continue;
      consider(id, g, inb, pk);
    }
  };
  for (let id = 1; id <= ni; id++) {
    best = 0;
    bestScore = Infinity;
    bestInbound = false;
    const pk = inside.totalPackets(id);
    scan(oByResp, cursorResp, gResp[id], id, false, pk);
    scan(oByInit, cursorInit, gInit[id], id, true, pk);
    if (!best) continue;
    in2out[id] = best;
    out2in[best] = id;
    inbound[id] = bestInbound ? 1 : 0;
    paired++;
  }
  const cache = new Map<number, NatMapping>();
  const mappingOf = (id: number): NatMapping | undefined => {
    const g = in2out[id];
    if (!g) return undefined;
    let m = cache.get(id);
    if (m) return m;
    const f = inside.get(id);
    const o = outside.get(g);
    const timeDeltaMs = Math.round((oStart[g] - iStart[id]) * 1000) / 1000;
    m = inbound[id]
      ? { proto: String(f.proto), insideFlow: id, outsideFlow: g, direction: "inbound", inside: f.responder, translated: o.responder, remote: f.initiator, portKept: f.responder.port === o.responder.port, evidence: { insideFirstPacket: f.first.packet, outsideFirstPacket: o.first.packet, timeDeltaMs } }
      : { proto: String(f.proto), insideFlow: id, outsideFlow: g, direction: "outbound", inside: f.initiator, translated: o.initiator, remote: f.responder, portKept: f.initiator.port === o.initiator.port, evidence: { insideFirstPacket: f.first.packet, outsideFirstPacket: o.first.packet, timeDeltaMs } };
    cache.set(id, m);
    return m;
  };
  // NAT addresses: translated side of every translated pair (string work only where they differ).
  const nat = new Set<string>();
  for (let id = 1; id <= ni; id++) {
    const g = in2out[id];
    if (!g) continue;
    const changed = inbound[id]
      ? outside.endpointNumber(g, 1) !== inside.endpointNumber(id, 1) || Number.isNaN(inside.endpointNumber(id, 1))
      : outside.endpointNumber(g, 0) !== inside.endpointNumber(id, 0) || Number.isNaN(inside.endpointNumber(id, 0));
    if (changed) {
      const m = mappingOf(id)!;
      if (m.inside.ip !== m.translated.ip) nat.add(m.translated.ip);
      cache.delete(id);
    }
  }
  const unpairedInside: number[] = [];
  for (let id = 1; id <= ni; id++) if (!in2out[id]) unpairedInside.push(id);
  const unpairedOutside: number[] = [];
  for (let id = 1; id <= no; id++) if (!out2in[id]) unpairedOutside.push(id);
  return {
    clockOffsetMs: Math.round(offset * 1000) / 1000,
    natAddresses: [...nat].sort(),
    byInside: { get: mappingOf, has: (id) => in2out[id] !== 0 && id > 0 && id <= ni },
    byOutside: { get: (g) => (out2in[g] ? mappingOf(out2in[g]) : undefined), has: (g) => g > 0 && g <= no && out2in[g] !== 0 },
    paired,
    unpairedInside,
    unpairedOutside,
    insideTable: inside,
    outsideTable: outside,
  };
}
