/**
 * What the NAT reconciliation reads of every flow of a capture, as columns indexed by flow id:
 * the numeric endpoint keys (FlowTable.endpointKeys) and the flow ids in the order of each key,
 * the first-packet time, the packet count, and the capture's time span. Computed once per table,
 * on first use, and kept with it (the swapped-sides reconciliation and the capture spans read them
 * again; the key orders, which the lookups by endpoint search too, until verify has matched the
 * router).
 */
import type { FlowTable } from "../wasm/core.js";
import { ENDED_FLOW, mixWords } from "../capture/flow-table.js";
import { ipv6Words } from "../router/ip.js";
import { sortIdsByKey, type KeyOrder } from "../wasm/key-sort.js";
import type { Session } from "../alg/sessions.js";

export interface FlowColumns {
  /** Endpoint keys of initiator and responder (index = flow id; 0 unused). */
  initiator: Float64Array;
  responder: Float64Array;
  /**
   * The flow ids (all of them, n) in ascending order of their initiator's / responder's key, equal
   * keys in ascending id, and the keys in that order (wasm/key-sort.ts): what the reconciliation
   * joins the two captures by, and what SIP media's and the router's lookups by endpoint search
   * (lowerBound, runEnd). Made by keyOrders, freed by dropKeyOrders.
   */
  initiatorOrder?: KeyOrder;
  responderOrder?: KeyOrder;
  /** First-packet time in ms (FlowTable.firstMs). */
  firstMs: Float64Array;
  /** Packets, both directions (FlowTable.totalPackets). */
  packets: Uint32Array;
  /** Earliest first-packet and latest last-packet time of all flows (ms; ±Infinity without flows). */
  spanFirstMs: number;
  spanLastMs: number;
}

const attached = new WeakMap<FlowTable, FlowColumns>();

/**
 * Every column of `t`, each record read once (FlowTable.readColumns: one pass where the keys and
 * each column's accessor were a pass each, ~35 against ~20 ms on 250 k flows the first time, in
 * session 24), in storage order (table slots, or a packed copy's positions, then the ended-flow
 * store): a sequential pass over the records where id order was a random read per flow.
 */
export function computeFlowColumns(t: FlowTable): FlowColumns {
  const n = t.count;
  const initiator = new Float64Array(n + 1);
  const responder = new Float64Array(n + 1);
  const firstMs = new Float64Array(n + 1);
  const packets = new Uint32Array(n + 1);
  let last = -1;
  let inOrder = true;
  for (let id = 1; id <= n; id++) {
    const w = t.where(id);
    if (w & ENDED_FLOW) continue;
    if (w <= last) inOrder = false;
    else last = w;
  }
  // Positions ascending with the ids (the core reuses a freed slot first, so a table whose flows
  // never left is stored in id order, ended flows or not: each record is read once, in id order):
  // no placement array (1 MiB of fresh pages per 250 k flows). Else the slots in position order,
  // then the ended-flow store.
  let order: Int32Array | null = null;
  if (!inOrder) {
    const byPosition = new Int32Array(last + 1);
    for (let id = 1; id <= n; id++) {
      const w = t.where(id);
      if (!(w & ENDED_FLOW)) byPosition[w] = id;
    }
    order = new Int32Array(n);
    let k = 0;
    for (let p = 0; p <= last; p++) if (byPosition[p]) order[k++] = byPosition[p];
    for (let id = 1; id <= n; id++) if (t.where(id) & ENDED_FLOW) order[k++] = id;
  }
  const span = t.readColumns(order, initiator, responder, firstMs, packets);
  return { initiator, responder, firstMs, packets, spanFirstMs: span.firstMs, spanLastMs: span.lastMs };
}

/** The buffers of `c`'s columns (to transfer them to another thread). */
export function columnBuffers(c: FlowColumns): ArrayBuffer[] {
  const orders = [c.initiatorOrder, c.responderOrder].flatMap((o) => (o ? [o.ids, o.sorted] : []));
  return [c.initiator, c.responder, ...orders, c.firstMs, c.packets].map((a) => a.buffer as ArrayBuffer);
}

/** The columns of `t` (computed on the first call). */
export function flowColumns(t: FlowTable): FlowColumns {
  let c = attached.get(t);
  if (!c) attached.set(t, (c = computeFlowColumns(t)));
  return c;
}

/** The key orders of `t`'s columns, made on the first call (and again if dropKeyOrders freed them). */
export function keyOrders(t: FlowTable): { initiatorOrder: KeyOrder; responderOrder: KeyOrder } {
  const c = flowColumns(t);
  if (!c.initiatorOrder || !c.responderOrder) [c.initiatorOrder, c.responderOrder] = sortIdsByKey([c.initiator, c.responder]);
  return { initiatorOrder: c.initiatorOrder, responderOrder: c.responderOrder };
}

/**
 * Frees the memory of typed arrays now (unusable after): their buffers are handed to a clone that
 * is dropped at once, so they go with the next young-generation collection instead of waiting,
 * resident, for a full one — after verify's peak (the pairing's chains and the key orders of two
 * 250 k-flow captures: ~10 and ~12 MiB). Each buffer once.
 */
export function freeNow(arrays: (Int32Array | Uint32Array | Float64Array)[]): void {
  const buffers = arrays.map((a) => a.buffer as ArrayBuffer);
  structuredClone(buffers, { transfer: buffers });
}

/** Frees the key orders of `t`'s columns now (verify.ts, once the pairing is settled; freeNow). */
export function dropKeyOrders(t: FlowTable): void {
  const c = attached.get(t);
  if (!c?.initiatorOrder || !c.responderOrder) return;
  const arrays = [c.initiatorOrder, c.responderOrder].flatMap((o) => [o.ids, o.sorted]);
  c.initiatorOrder = undefined;
  c.responderOrder = undefined;
  freeNow(arrays);
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

/**
 * Numeric endpoint key of an IPv4 TCP/UDP endpoint as FlowTable.endpointKeys computes it; NaN for
 * anything else (IPv6, another protocol, no port, not a dotted quad). `canonical`: NaN also for a
 * part with a leading zero (text that FlowTable never renders). No allocation.
 */
export function v4EndpointKey(proto: string, ip: string, port: number | null, canonical = false): number {
  const code = proto === "tcp" ? 0 : proto === "udp" ? 1 : -1;
  if (code < 0 || port === null) return NaN;
  let a = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46 /* . */) {
      if (!digits || part > 255) return NaN;
      a = a * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      if (canonical && digits === 1 && part === 0) return NaN;
      part = part * 10 + c - 48;
      digits++;
    } else return NaN;
  }
  if (dots !== 3 || !digits || part > 255) return NaN;
  return ((a * 256 + part) * 65536 + port) * 4 + code;
}

/**
 * The key FlowTable.endpointKeys gives an IPv6 TCP/UDP endpoint with address text `ip` (any IPv6
 * notation), NaN for anything else. It is a hash (≥ V4_KEYS): flows with this key may have another
 * endpoint, so a lookup confirms each by its text.
 */
export function v6EndpointKey(proto: string, ip: string, port: number | null): number {
  const p = proto === "tcp" ? 6 : proto === "udp" ? 17 : -1;
  const w = p < 0 || port === null ? null : ipv6Words(ip);
  return w ? mixWords(w[0], w[1], w[2], w[3], p, port!) : NaN;
}

/**
 * Whether end `which` (0 initiator) of flow `id` is `ip`:`port` over `proto`, as FlowTable renders
 * it: what confirms a flow found by a hashed key (v6EndpointKey).
 */
export function endIs(t: FlowTable, id: number, which: 0 | 1, proto: string, ip: string, port: number | null): boolean {
  return t.proto(id) === proto && t.port(id, which) === port && t.address(id, which) === ip;
}

/**
 * Keys below this are IPv4 TCP/UDP/ICMP endpoints (FlowTable.endpointKeys: (address × 65536 +
 * port) × 4 + protocol code, below 2^50); the low 2 bits are the protocol (1: UDP). The others are
 * 52-bit mixes from 2^51 up.
 */
export const V4_KEYS = 2 ** 51;

/** Whether an endpoint key is an IPv4 UDP one (below 2^51, protocol code 1 in the low 2 bits; no floating-point modulo). */
export const isV4Udp = (k: number) => k < V4_KEYS && k - 4 * Math.floor(k * 0.25) === 1;

/**
 * The first index of `sorted` (a key order's keys) whose key is ≥ k; the flows with key k are
 * those from there to runEnd (keys are integers below 2^53).
 */
export function lowerBound(sorted: Float64Array, k: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The end of the run of key k that starts at `from` (lowerBound's answer): the first index after
 * it whose key is not k. Most runs are a flow or two, read where the search left the cache warm; a
 * long one (a busy server's endpoint) is searched by halves past its first keys.
 */
export function runEnd(sorted: Float64Array, from: number, k: number): number {
  const stop = Math.min(sorted.length, from + 8);
  for (let i = from; i < stop; i++) if (sorted[i] !== k) return i;
  return stop === sorted.length ? stop : lowerBound(sorted, k + 1, stop);
}

/** Whether verify looks flows of a capture up by UDP endpoint (`udpFlowsAt`): it has SIP sessions with SDP. */
export function looksUpUdpFlows(sessions: Session[]): boolean {
  return sessions.some((s) => s.alg === "sip" && s.negotiations.some((n) => n.kind === "SDP"));
}

/** What was computed of a table ahead of verify, as typed arrays that another thread can receive (their buffers transferred). */
export interface PreparedColumns {
  columns: FlowColumns;
}

/** The columns of `t` (with its key orders when they were made), if they were computed (undefined: no columns). */
export function preparedOf(t: FlowTable): PreparedColumns | undefined {
  const columns = attached.get(t);
  return columns && { columns };
}

/** The buffers of `p` (to transfer them). */
export function preparedBuffers(p: PreparedColumns): ArrayBuffer[] {
  return columnBuffers(p.columns);
}

/**
 * Hands `t` the columns (and key orders) computed elsewhere — by the worker thread that
 * analyzed its capture, from the same records (src/node/flow-transfer.ts) — so that they are not
 * computed again. What `t` has already is kept.
 */
export function attachPrepared(t: FlowTable, p: PreparedColumns): void {
  if (!attached.has(t)) attached.set(t, p.columns);
}

/**
 * Ids of the UDP flows of `t` with `ip`:`port` as one end, ascending (a flow with that endpoint
 * at both ends twice), `ip` compared as FlowTable renders it. The endpoint is searched by halves
 * in the table's key orders (keyOrders: the reconciliation's, made here when they are not there;
 * verify frees them once the router is matched): no index of their own, where a hash index of the
 * UDP ends, then a merge of them out of the orders, cost 16–34 ms per 250 k flows before V8 had
 * optimised it (session 24). An IPv6 endpoint by its hashed key (v6EndpointKey), each flow found
 * confirmed by its text, where an index of the IPv6 UDP ends by text was made at the first lookup
 * of one (session 25).
 */
export function udpFlowsAt(t: FlowTable, ip: string, port: number): number[] {
  const v4 = v4EndpointKey("udp", ip, port, true);
  const k = Number.isNaN(v4) ? v6EndpointKey("udp", ip, port) : v4;
  if (Number.isNaN(k)) return [];
  const hashed = k >= V4_KEYS;
  const is = (id: number, which: 0 | 1) => !hashed || endIs(t, id, which, "udp", ip, port);
  // The flows with the key at their initiator, and at their responder: two runs of ascending ids.
  const { initiatorOrder: a, responderOrder: b } = keyOrders(t);
  let i = lowerBound(a.sorted, k);
  let j = lowerBound(b.sorted, k);
  const out: number[] = [];
  for (;;) {
    const x = i < a.sorted.length && a.sorted[i] === k ? a.ids[i] : 0;
    const y = j < b.sorted.length && b.sorted[j] === k ? b.ids[j] : 0;
    if (!x && !y) return out;
    // Merged by id; a flow with the endpoint at both ends twice.
    if (x && (!y || x <= y)) {
      if (is(x, 0)) out.push(x);
      i++;
    } else {
      if (is(y, 1)) out.push(y);
      j++;
    }
  }
}

/** The ICMP/ICMPv6 flows of a table, by initiator: IPv4 by address number, the others by "from|to" text. */
interface IcmpFlows {
  v4: Map<number, number[]>;
  other: Map<string, number[]>;
}

const icmpAttached = new WeakMap<FlowTable, IcmpFlows>();

/** One pass over the endpoint key column; only non-IPv4 flows are asked for their protocol. */
function buildIcmpFlows(t: FlowTable): IcmpFlows {
  const ini = flowColumns(t).initiator;
  const v4 = new Map<number, number[]>();
  const other = new Map<string, number[]>();
  for (let id = 1; id <= t.count; id++) {
    const k = ini[id];
    if (k < V4_KEYS) {
      if (k - 4 * Math.floor(k * 0.25) !== 2) continue;
      const a = Math.floor(k / 262144);
      const l = v4.get(a);
      if (l) l.push(id);
      else v4.set(a, [id]);
      continue;
    }
    const p = t.proto(id);
    if (p !== "icmp" && p !== "icmpv6") continue;
    const key = `${t.address(id, 0)}|${t.address(id, 1)}`;
    const l = other.get(key);
    if (l) l.push(id);
    else other.set(key, [id]);
  }
  return { v4, other };
}

/** An IPv4 address in dotted-quad text as a number (NaN for anything else; no allocation). */
function v4Number(ip: string): number {
  const k = v4EndpointKey("udp", ip, 0, true);
  return Number.isNaN(k) ? NaN : Math.floor(k / 262144);
}

/**
 * Ids of the ICMP and ICMPv6 flows of `t` that `from` opened toward `to` (addresses compared as
 * FlowTable renders them), ascending. The index is built on the first call per table from the
 * endpoint key column (no flow objects).
 */
export function icmpFlowsBetween(t: FlowTable, from: string, to: string): number[] {
  let x = icmpAttached.get(t);
  if (!x) icmpAttached.set(t, (x = buildIcmpFlows(t)));
  const a = v4Number(from);
  const b = v4Number(to);
  const other = x.other.get(`${from}|${to}`) ?? [];
  if (Number.isNaN(a) || Number.isNaN(b)) return other;
  const out: number[] = [];
  for (const id of x.v4.get(a) ?? []) if (t.ipv4(id, 1) === b) out.push(id);
  // An IPv4 flow of protocol 58 (keyed as "other") is rare: merged in id order.
  return other.length ? out.concat(other).sort((p, q) => p - q) : out;
}
