/**
 * Reconciliation through the NAT: pairs every flow of the inside capture with its counterpart in
 * the outside capture and infers its translation.
 *
 * A NAT rewrites one end of a flow and leaves the other alone, so a pair shares its remote
 * (untranslated) endpoint: outbound flows (opened from inside) keep their responder, inbound flows
 * (opened from outside through a pinhole or port forward) keep their initiator (and a UDP flow
 * whose first packets crossed at the router, one of each: crossedPairs). Candidates with the
 * same protocol and remote endpoint are ranked by start time — after removing the clock offset
 * between the captures, estimated as the median start-time difference of the unambiguous pairs —
 * and by equal packet counts (payload rewrites change bytes, not packets). Flows left unpaired are
 * "not forwarded" on that side.
 *
 * Scale: captures of hundreds of thousands of flows are paired from the raw flow records
 * (numeric endpoint keys, typed arrays); a mapping becomes an object only when asked for.
 */
import type { AlgEvent, FlowTable } from "../wasm/core.js";
import { EventKind } from "../wasm/abi.js";
import type { AnalyzeResult } from "../alg/analyze.js";
import { CONTROL_LINES_KEPT } from "../alg/sessions.js";
import type { NatMapping } from "./types.js";
import type { KeyOrder } from "../wasm/key-sort.js";
import { flowColumns, flowSpan, freeNow, isV4Udp, keyOrders, V4_KEYS, type FlowColumns } from "./flow-columns.js";

const NAT_LISTED = 256;

/**
 * How far apart in time (ms, after the clock offset) the packets of one crossing at the router may
 * be: the two captures' first packets of a flow whose first packets crossed (crossedPairs), and a
 * crossed flow's first packet and the one the kernel's clash resolution gave another port
 * (verify.ts, nat.clash-port).
 */
export const CROSSING_MS = 50;

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
  /** NAT (translated) addresses seen (the first NAT_LISTED), and how many there are. */
  natAddresses: string[];
  natAddressCount: number;
  byInside: MappingIndex;
  byOutside: MappingIndex;
  paired: number;
  /** Flow ids seen on one side only. */
  unpairedInside: number[];
  unpairedOutside: number[];
  /** Inside flow ids paired with a flow whose first packets crossed at the router (crossedPairs), ascending. */
  crossed: number[];
  insideTable: FlowTable;
  outsideTable: FlowTable;
  /** Outside flow id paired with inside flow `id` (0 = unpaired), without building a mapping. */
  outsideFlowOf(id: number): number;
}

/**
 * What `reconcile` computes from one capture alone, done ahead (verify-run.ts: as soon as that
 * capture is analyzed, while the other may still be): its columns, with the flow ids in the order
 * of each endpoint key (what the pairing joins the two captures by).
 */
export function prepareReconcile(t: FlowTable): void {
  keyOrders(t);
}

/**
 * Outside flows in groups (joinByKey): each group's flow ids chained in ascending order, with the
 * group's size, and every group's members side by side (a run of the outside capture's key order:
 * members[first[g] … first[g] + count[g]), for binary searches over a group). Until session 24 an
 * endpoint hash index (KeyIndex) made such chains too; lookups by endpoint now search the key
 * orders (flow-columns.ts lowerBound).
 */
export class Chains {
  constructor(
    /** Groups, numbered 1..groupCount. */
    readonly groupCount: number,
    /** group → first flow id of its chain, and its size. */
    readonly head: Int32Array,
    readonly count: Int32Array,
    /** flow id → next flow id of the same group (0 = end). */
    readonly next: Int32Array,
    private readonly members: Int32Array,
    private readonly first: Int32Array,
  ) {}

  /** The members of every group side by side, and where each group's start. */
  layout(): { members: Int32Array; first: Int32Array } {
    return { members: this.members, first: this.first };
  }
}

/**
 * The outside flows sharing each inside flow's key: `group[id]` (0: none) and the chains of
 * outside flows per group, each ascending, with their members side by side (Chains.layout). One
 * merge of the two captures' flow ids in key order (FlowColumns' orders): groups are the keys
 * both captures hold, numbered in key order; an outside group's members are a run of its order.
 */
export function joinByKey(inside: KeyOrder, outside: KeyOrder): { chains: Chains; group: Int32Array } {
  const { ids: iOrder, sorted: iSorted } = inside;
  const { ids: oOrder, sorted: oSorted } = outside;
  const ni = iOrder.length;
  const no = oOrder.length;
  const group = new Int32Array(ni + 1);
  const most = Math.min(ni, no) + 1;
  const head = new Int32Array(most);
  const count = new Int32Array(most);
  const first = new Int32Array(most);
  const next = new Int32Array(no + 1);
  let groups = 0;
  let i = 0;
  let o = 0;
  while (i < ni && o < no) {
    const k = iSorted[i];
    const ko = oSorted[o];
    if (k < ko) {
      i++;
      continue;
    }
    if (ko < k) {
      o++;
      continue;
    }
    const g = ++groups;
    let end = o + 1;
    while (end < no && oSorted[end] === k) {
      next[oOrder[end - 1]] = oOrder[end];
      end++;
    }
    head[g] = oOrder[o];
    count[g] = end - o;
    first[g] = o;
    o = end;
    for (; i < ni && iSorted[i] === k; i++) group[iOrder[i]] = g;
  }
  return { chains: new Chains(groups, head, count, next, oOrder, first), group };
}

export function reconcile(inside: FlowTable, outside: FlowTable, opts: ReconcileOptions = {}): Reconciliation {
  const ni = inside.count;
  const no = outside.count;
  const oCols = flowColumns(outside);
  const iCols = flowColumns(inside);
  const oKeys = oCols;
  const iKeys = iCols;
  // Per inside flow: the outside groups sharing its responder (outbound) / initiator (inbound).
  const iOrders = keyOrders(inside);
  const oOrders = keyOrders(outside);
  const byResp = joinByKey(iOrders.responderOrder, oOrders.responderOrder);
  const byInit = joinByKey(iOrders.initiatorOrder, oOrders.initiatorOrder);
  const oByResp = byResp.chains;
  const oByInit = byInit.chains;
  const gResp = byResp.group;
  const gInit = byInit.group;
  const oStart = oCols.firstMs;
  const oPkts = oCols.packets;
  const iStart = iCols.firstMs;
  const iPkts = iCols.packets;
  // For inbound candidates, the outside flow's responder must differ from the inside responder.
  const oResp = oKeys.responder;
  const iResp = iKeys.responder;
  // One buffer for the offset's start-time differences, then (zeroed) the two pairing arrays: the
  // fresh pages of one where there were two (a first touch costs ~15 µs a page on the reference VM).
  const shared = new ArrayBuffer(Math.max(8 * ni, 4 * (ni + 1 + no + 1)));
  /** Bytes of `shared` written for the offset. */
  let dirty = 0;
  let offset: number;
  if (opts.clockOffsetMs !== undefined) offset = opts.clockOffsetMs;
  else {
    const deltas = new Float64Array(shared, 0, ni);
    let nd = 0;
    for (let id = 1; id <= ni; id++) {
      const nr = gResp[id] ? oByResp.count[gResp[id]] : 0;
      const nInit = gInit[id] ? oByInit.count[gInit[id]] : 0;
      if (nr === 1 && nInit <= 1) deltas[nd++] = oStart[oByResp.head[gResp[id]]] - iStart[id];
      else if (nr === 0 && nInit === 1) deltas[nd++] = oStart[oByInit.head[gInit[id]]] - iStart[id];
    }
    offset = nd ? nthSmallest(deltas, nd, nd >> 1) : 0;
    dirty = 8 * nd;
  }
  const tol = opts.toleranceMs ?? 2000;
  new Uint8Array(shared, 0, dirty).fill(0);
  const in2out = new Int32Array(shared, 0, ni + 1);
  const out2in = new Int32Array(shared, 4 * (ni + 1), no + 1);
  /**
   * Which end of each pair is the inside host: bit 0 its end in the inside flow (0 initiator, 1
   * responder), bit 1 in the outside flow. Outbound 0, inbound 3; 2 and 1 are pairs whose first
   * packets crossed at the router (crossedPairs).
   */
  const ends = new Uint8Array(ni + 1);
  // Chains are in start order and inside flows are visited in start order, so a per-group cursor
  // skips everything that started too early once and for all.
  let paired = 0;
  let best = 0;
  /** The best score so far, in a typed array: a double in a closure's variable is a new heap number at every write. */
  const scoreOf = new Float64Array(1);
  let bestInbound = false;
  /** Order of the best candidate among equal scores: its scan (0 outbound, 1 inbound), then its id. */
  let bestScan = 0;
  const consider = (id: number, g: number, inb: boolean, pk: number) => {
    if (out2in[g] !== 0) return;
    const dt = Math.abs(oStart[g] - iStart[id] - offset);
    const score = dt + (oPkts[g] === pk ? 0 : 1);
    if (score < scoreOf[0]) {
      best = g;
      scoreOf[0] = score;
      bestInbound = inb;
    }
  };
  const scan = (idx: Chains, cursor: Int32Array, grp: number, id: number, inb: boolean, pk: number, window: number) => {
    if (!grp) return;
    const lo = iStart[id] + offset - window;
    const hi = iStart[id] + offset + window;
    let g = cursor[grp];
    while (g && oStart[g] < lo) g = idx.next[g];
    cursor[grp] = g;
    for (; g && oStart[g] <= hi; g = idx.next[g]) {
      if (inb && oResp[g] === iResp[id]) continue;
      consider(id, g, inb, pk);
    }
  };
  // When both captures' flows start in id order (timestamps that never go back), the same choice
  // is found from the candidate closest in time outwards, stopping where the time difference
  // alone exceeds the best score: a few candidates per flow instead of every flow of a busy
  // server within the window (the walk above: 1.2 s for 250 k flows to one server farm).
  const respLayout = oByResp.layout();
  const initLayout = oByInit.layout();
  /** Candidate g at time difference dt (≤ the best score), unless taken or excluded; ties: scan, then id. */
  const offer = (g: number, dt: number, id: number, inb: boolean, pk: number) => {
    if (out2in[g] !== 0 || (inb && oResp[g] === iResp[id])) return;
    const scanNo = inb ? 1 : 0;
    const score = dt + (oPkts[g] === pk ? 0 : 1);
    const bestScore = scoreOf[0];
    if (score < bestScore || (score === bestScore && (scanNo < bestScan || (scanNo === bestScan && g < best)))) {
      best = g;
      scoreOf[0] = score;
      bestInbound = inb;
      bestScan = scanNo;
    }
  };
  const nearest = (idx: Chains, lay: { members: Int32Array; first: Int32Array }, grp: number, id: number, inb: boolean, pk: number, window: number) => {
    if (!grp) return;
    const lo = iStart[id] + offset - window;
    const hi = iStart[id] + offset + window;
    if (idx.count[grp] === 1) {
      // A group of one (most of them): the walk below over its only member.
      const g = idx.head[grp];
      const d = oStart[g] - iStart[id] - offset;
      if (d >= 0 ? oStart[g] > hi : oStart[g] < lo) return;
      const dt = d >= 0 ? d : -d;
      if (dt <= scoreOf[0]) offer(g, dt, id, inb, pk);
      return;
    }
    const { members } = lay;
    const a = lay.first[grp];
    const b = a + idx.count[grp];
    // First member whose signed difference (computed as `consider` does) is ≥ 0.
    let l = a;
    let r = b;
    while (l < r) {
      const m = (l + r) >>> 1;
      if (oStart[members[m]] - iStart[id] - offset < 0) l = m + 1;
      else r = m;
    }
    let left = r - 1;
    let right = r;
    for (;;) {
      const gl = left >= a && oStart[members[left]] >= lo ? members[left] : 0;
      const gr = right < b && oStart[members[right]] <= hi ? members[right] : 0;
      if (!gl && !gr) return;
      const dl = gl ? -(oStart[gl] - iStart[id] - offset) : Infinity;
      const dr = gr ? oStart[gr] - iStart[id] - offset : Infinity;
      const takeRight = dr <= dl;
      const g = takeRight ? gr : gl;
      const dt = takeRight ? dr : dl;
      // Every later candidate on either side differs by ≥ dt: none can beat the best any more.
      if (dt > scoreOf[0]) return;
      if (takeRight) right++;
      else left--;
      offer(g, dt, id, inb, pk);
    }
  };
  const ordered = nonDecreasing(iStart, ni) && nonDecreasing(oStart, no);
  // Two passes: a narrow time window first (a NAT forwards within milliseconds; walking fewer
  // candidates per flow), then the full tolerance for the flows still unpaired.
  // The cursors serve only the walk of unordered captures (copies of the chain heads, 2 × 4 bytes per outside flow).
  const noCursor = new Int32Array(0);
  for (const window of [Math.min(tol, 50), tol]) {
    const cursorR = ordered ? noCursor : new Int32Array(oByResp.head);
    const cursorI = ordered ? noCursor : new Int32Array(oByInit.head);
    for (let id = 1; id <= ni; id++) {
      if (in2out[id]) continue;
      best = 0;
      scoreOf[0] = Infinity;
      bestInbound = false;
      bestScan = 0;
      const pk = iPkts[id];
      if (ordered) {
        nearest(oByResp, respLayout, gResp[id], id, false, pk, window);
        nearest(oByInit, initLayout, gInit[id], id, true, pk, window);
      } else {
        scan(oByResp, cursorR, gResp[id], id, false, pk, window);
        scan(oByInit, cursorI, gInit[id], id, true, pk, window);
      }
      if (!best) continue;
      in2out[id] = best;
      out2in[best] = id;
      ends[id] = bestInbound ? 3 : 0;
      paired++;
    }
    if (window === tol) break;
  }
  // UDP outside flows: IPv4 ones by their key, the others (IPv6 keys are hashes) by the table.
  const udpOut = (g: number) => isV4Udp(oKeys.initiator[g]) || (oKeys.initiator[g] >= V4_KEYS && outside.proto(g) === "udp");
  const cross = crossedPairs(iKeys, oKeys, iStart, oStart, iPkts, oPkts, offset, Math.min(tol, CROSSING_MS), in2out, out2in, ends, udpOut);
  paired += cross.added;
  // The candidates' chains are not read any more (the members are the outside columns' orders: kept).
  freeNow([oByResp.head, oByResp.count, oByResp.next, respLayout.first, oByInit.head, oByInit.count, oByInit.next, initLayout.first, gInit]);
  const cache = new Map<number, NatMapping>();
  const mappingOf = (id: number): NatMapping | undefined => {
    const g = in2out[id];
    if (!g) return undefined;
    let m = cache.get(id);
    if (m) return m;
    // The endpoints and first packets read from the records (FlowTable.get would make the whole
    // flow: its ISO times, byte counts, VLAN list — most of the serial phase's FlowTable.get time).
    const timeDeltaMs = Math.round((oStart[g] - iStart[id]) * 1000) / 1000;
    const proto = String(inside.proto(id));
    const evidence = { insideFirstPacket: inside.firstPacket(id), outsideFirstPacket: outside.firstPacket(g), timeDeltaMs };
    // The inside host's end in each flow; the remote is the inside flow's other end.
    const wi = (ends[id] & 1) as 0 | 1;
    const wo = (ends[id] >> 1) as 0 | 1;
    const ins = endpointOf(inside, id, wi);
    const translated = endpointOf(outside, g, wo);
    // Opened by whoever sent the inside capture's first packet (crossed: the captures disagree).
    m = { proto, insideFlow: id, outsideFlow: g, direction: wi ? "inbound" : "outbound", inside: ins, translated, remote: endpointOf(inside, id, (1 - wi) as 0 | 1), portKept: ins.port === translated.port, evidence };
    if (wi !== wo) m.firstPacketsCrossed = true;
    cache.set(id, m);
    return m;
  };
  // gResp is not read any more: its pages hold the NAT addresses' numbers.
  const nat = natAddresses(inside, outside, iKeys, oKeys, in2out, ends, new Uint32Array(gResp.buffer, 0, ni));
  freeNow([gResp]);
  const unpairedInside: number[] = [];
  for (let id = 1; id <= ni; id++) if (!in2out[id]) unpairedInside.push(id);
  const unpairedOutside: number[] = [];
  for (let id = 1; id <= no; id++) if (!out2in[id]) unpairedOutside.push(id);
  return {
    clockOffsetMs: Math.round(offset * 1000) / 1000,
    natAddresses: nat.listed,
    natAddressCount: nat.count,
    byInside: { get: mappingOf, has: (id) => in2out[id] !== 0 && id > 0 && id <= ni },
    byOutside: { get: (g) => (out2in[g] ? mappingOf(out2in[g]) : undefined), has: (g) => g > 0 && g <= no && out2in[g] !== 0 },
    paired,
    unpairedInside,
    unpairedOutside,
    crossed: cross.crossed,
    insideTable: inside,
    outsideTable: outside,
    outsideFlowOf: (id) => (id > 0 && id <= ni ? in2out[id] : 0),
  };
}

/**
 * Pairs whose first packets crossed at the router: both ends sent at once (RTP at call setup), each
 * first packet entered the router before the other's left it, so the inside capture says the
 * inside host opened the flow and the outside capture says the remote did (or the other way
 * round). They share the remote endpoint as the inside flow's responder and the outside flow's
 * initiator (or the inside initiator and the outside responder), which neither scan above pairs.
 * Linux makes two conntrack entries for such a flow and resolves their clash; one outcome sends
 * the inside host's first packet from a random port (the mirror tuple was taken meanwhile): a
 * one-packet outside flow the scans paired with the inside flow, the flow itself left over.
 *
 * So, for the UDP outside flows left unpaired (a map of their two endpoint keys; none:
 * nothing to do), every inside flow sharing the remote that way, starting within `window` ms
 * (after the clock offset), is paired with one — when it is unpaired, or when its pair's packet
 * count is not its own and this one's is closer to it (the pair it had is then left unpaired).
 * The closest in time wins; ties, the lower id. `ends` gets 2 (host: inside initiator, outside
 * responder) or 1 (inside responder, outside initiator). Returns how many inside flows were
 * paired that were not, and the crossed pairs' inside flow ids (ascending).
 */
function crossedPairs(
  iKeys: FlowColumns, oKeys: FlowColumns, iStart: Float64Array, oStart: Float64Array, iPkts: Float64Array | Uint32Array, oPkts: Float64Array | Uint32Array,
  offset: number, window: number, in2out: Int32Array, out2in: Int32Array, ends: Uint8Array, udp: (g: number) => boolean,
): { added: number; crossed: number[] } {
  const ni = in2out.length - 1;
  const no = out2in.length - 1;
  /** Unpaired UDP outside flows by their initiator's key and by their responder's. */
  const byInit = new Map<number, number[]>();
  const byResp = new Map<number, number[]>();
  for (let g = 1; g <= no; g++) {
    if (out2in[g] !== 0 || !udp(g)) continue;
    const a = byInit.get(oKeys.initiator[g]);
    if (a) a.push(g);
    else byInit.set(oKeys.initiator[g], [g]);
    const b = byResp.get(oKeys.responder[g]);
    if (b) b.push(g);
    else byResp.set(oKeys.responder[g], [g]);
  }
  const crossed: number[] = [];
  if (!byInit.size) return { added: 0, crossed };
  let added = 0;
  for (let id = 1; id <= ni; id++) {
    const x = byInit.get(iKeys.responder[id]);
    const y = byResp.get(iKeys.initiator[id]);
    if (!x && !y) continue;
    const had = in2out[id];
    if (had && oPkts[had] === iPkts[id]) continue;
    /** How far a packet count is from the inside flow's. */
    const off = (g: number) => Math.abs(oPkts[g] - iPkts[id]);
    let best = 0;
    let bestDt = Infinity;
    let bestEnds = 0;
    for (const [list, e] of [[x, 2], [y, 1]] as const) {
      for (const g of list ?? []) {
        if (out2in[g] !== 0) continue;
        // The remote's key matched; the host's ends must not be the remote again (a flow to itself).
        if (e === 2 ? oKeys.responder[g] === iKeys.responder[id] : oKeys.initiator[g] === iKeys.initiator[id]) continue;
        if (had && off(g) >= off(had)) continue;
        const dt = Math.abs(oStart[g] - iStart[id] - offset);
        if (dt > window || dt > bestDt || (dt === bestDt && g > best)) continue;
        best = g;
        bestDt = dt;
        bestEnds = e;
      }
    }
    if (!best) continue;
    if (had) out2in[had] = 0;
    else added++;
    in2out[id] = best;
    out2in[best] = id;
    ends[id] = bestEnds;
    crossed.push(id);
  }
  return { added, crossed };
}

/** One end of flow `id` as FlowTable.get's initiator (0) / responder (1): its port null unless TCP or UDP. */
function endpointOf(t: FlowTable, id: number, which: 0 | 1): { ip: string; port: number | null } {
  const p = t.proto(id);
  return { ip: t.address(id, which), port: p === "tcp" || p === "udp" ? t.port(id, which) : null };
}

/**
 * NAT addresses: the translated side of every pair whose inside address changed. All are counted
 * (IPv4 as numbers: collected in a typed array, sorted, the distinct ones counted — a capture pair
 * may have one NAT address per client, hundreds of thousands); the text of the first NAT_LISTED
 * in flow order is kept, sorted.
 */
function natAddresses(
  inside: FlowTable, outside: FlowTable, iKeys: FlowColumns, oKeys: FlowColumns, in2out: Int32Array, ends: Uint8Array,
  /** Room for inside.count numbers (overwritten). */
  all4: Uint32Array,
): { listed: string[]; count: number } {
  const ni = inside.count;
  const nat = new Set<string>();
  /** The IPv4 ones of `nat`, as numbers (only while it is filling). */
  const listed4 = new Set<number>();
  let n4 = 0;
  // The NAT address last seen: pairs of one NAT address in a row are counted once without a lookup.
  let last4 = NaN;
  for (let id = 1; id <= ni; id++) {
    const g = in2out[id];
    if (!g) continue;
    const wi = (ends[id] & 1) as 0 | 1;
    const wo = (ends[id] >> 1) as 0 | 1;
    if ((wi ? iKeys.responder[id] : iKeys.initiator[id]) === (wo ? oKeys.responder[g] : oKeys.initiator[g])) continue;
    const b4 = ipv4Of(outside, oKeys, g, wo);
    if (!Number.isNaN(b4)) {
      if (b4 === last4 || b4 === ipv4Of(inside, iKeys, id, wi)) continue;
      last4 = b4;
      all4[n4++] = b4;
      if (nat.size < NAT_LISTED && !listed4.has(b4)) {
        listed4.add(b4);
        nat.add(outside.address(g, wo));
      }
    } else if (nat.size < NAT_LISTED) {
      const t = outside.address(g, wo);
      if (t !== inside.address(id, wi)) nat.add(t);
    }
  }
  const sorted = all4.subarray(0, n4).sort();
  let distinct4 = 0;
  for (let i = 0; i < n4; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct4++;
  const listed = [...nat].sort();
  return { listed, count: Math.max(distinct4 + listed.filter((x) => x.includes(":")).length, nat.size) };
}

/** IPv4 address of one endpoint of flow `id` as a number, NaN for IPv6 (FlowTable.ipv4, read from its key where it can). */
function ipv4Of(t: FlowTable, keys: { initiator: Float64Array; responder: Float64Array }, id: number, which: 0 | 1): number {
  const k = which ? keys.responder[id] : keys.initiator[id];
  return k < V4_KEYS ? Math.floor(k / 262144) : t.ipv4(id, which);
}

/**
 * The k-th smallest (0-based) of a[0..n), as a[k] would be after a numeric sort; reorders a.
 * Hoare's selection: linear on average where the sort was n log n.
 */
function nthSmallest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i++] = a[j];
        a[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Whether a[1..n] never decreases. */
function nonDecreasing(a: Float64Array, n: number): boolean {
  for (let i = 2; i <= n; i++) if (a[i] < a[i - 1]) return false;
  return true;
}

/**
 * What was read of one capture: the time span of its IP packets (its own clock, ms) and whether
 * the reading stopped at damage (then nothing after `lastMs` was read). Undefined for a capture
 * without flows.
 */
export interface CaptureSpan {
  firstMs: number;
  lastMs: number;
  packets: number;
  partial: boolean;
}

export function captureSpan(t: FlowTable, packets: number, partial: boolean): CaptureSpan | undefined {
  if (!t.count) return undefined;
  return { ...flowSpan(t), packets, partial };
}

/**
 * What to add to a moment (ms) on capture `from`'s clock to have it on capture `to`'s: the
 * reconciliation's offset (outside − inside) one way, its opposite the other, 0 on the same
 * capture or without an offset.
 */
export function clockShiftMs(nat: { clockOffsetMs?: number } | undefined, from: "inside" | "outside", to: "inside" | "outside"): number {
  if (from === to) return 0;
  const off = nat?.clockOffsetMs ?? 0;
  return from === "inside" ? off : -off;
}

/** Where a moment (ms, on the capture's own clock: see clockShiftMs) falls in that capture's span. */
export function coverageOf(span: CaptureSpan | undefined, ms: number): "covered" | "before" | "after" {
  if (!span || ms > span.lastMs) return "after";
  if (ms < span.firstMs) return "before";
  return "covered";
}

/** TCP initial sequence numbers of paired connections (a NAT leaves them alone unless it randomises them). */
export interface IsnAgreement {
  /** Paired TCP connections whose SYN was seen on both sides (at most ISN_COMPARED examined). */
  compared: number;
  agree: number;
  /** An example of each: inside flow id, outside flow id. */
  agreeExample?: [number, number];
  differExample?: [number, number];
}

const ISN_COMPARED = 1000;

export function isnAgreement(rec: Reconciliation): IsnAgreement {
  const out: IsnAgreement = { compared: 0, agree: 0 };
  const ni = rec.insideTable.count;
  for (let id = 1; id <= ni && out.compared < ISN_COMPARED; id++) {
    const g = rec.outsideFlowOf(id);
    if (!g) continue;
    const a = rec.insideTable.isn(id);
    const b = rec.outsideTable.isn(g);
    if (a === undefined || b === undefined) continue;
    out.compared++;
    if (a === b) {
      out.agree++;
      out.agreeExample ??= [id, g];
    } else out.differExample ??= [id, g];
  }
  return out;
}

/**
 * Which side each control line reached first. A router forwards a client→server line from the
 * inside to the outside and a server→client line the other way, so with any constant clock offset
 * every client→server line has a larger outside−inside time difference than every server→client
 * line of the same control connection ("as given"); the reverse means --inside and --outside are
 * swapped. Lines are matched by direction, order and equal text (rewritten lines are skipped).
 * Also the spread of the differences: a real pair has a small, stable offset.
 */
export interface LineOrder {
  /** Paired control connections with matched lines in both directions. */
  connections: number;
  /** Lines matched on both sides. */
  matched: number;
  /** Lines of the paired connections whose text differed (rewritten, or another run). */
  differing: number;
  asGiven: number;
  swapped: number;
  /** Largest max−min of the time differences on one connection (ms). */
  spreadMs: number;
  /** First control connection judged (inside flow, outside flow). */
  example?: [number, number];
}

/** Control lines compared per connection: those analyze keeps. */
const LINES_COMPARED = CONTROL_LINES_KEPT;

function controlLines(events: AlgEvent[], flows: Set<number>): Map<number, AlgEvent[]> {
  const out = new Map<number, AlgEvent[]>();
  for (const e of events) {
    if (!flows.has(e.flow) || (e.kind !== EventKind.FtpCommand && e.kind !== EventKind.FtpReply && e.kind !== EventKind.RtspLine)) continue;
    const l = out.get(e.flow) ?? out.set(e.flow, []).get(e.flow)!;
    if (l.length < LINES_COMPARED) l.push(e);
  }
  return out;
}

export function lineOrder(inside: AnalyzeResult, outside: AnalyzeResult, rec: Reconciliation): LineOrder {
  const res: LineOrder = { connections: 0, matched: 0, differing: 0, asGiven: 0, swapped: 0, spreadMs: 0 };
  const pairs: [number, number][] = [];
  const outsideControl = new Set(outside.sessions.map((o) => o.controlFlow));
  for (const s of inside.sessions) {
    const g = rec.outsideFlowOf(s.controlFlow);
    if (g && outsideControl.has(g)) pairs.push([s.controlFlow, g]);
  }
  const linesIn = controlLines(inside.events, new Set(pairs.map((p) => p[0])));
  const linesOut = controlLines(outside.events, new Set(pairs.map((p) => p[1])));
  for (const [fi, fo] of pairs) {
    const d: number[][] = [[], []];
    for (const dir of [0, 1] as const) {
      const a = (linesIn.get(fi) ?? []).filter((e) => e.dir === dir);
      const b = (linesOut.get(fo) ?? []).filter((e) => e.dir === dir);
      for (let k = 0; k < a.length && k < b.length; k++) {
        if (a[k].text !== b[k].text) {
          res.differing++;
          continue;
        }
        d[dir].push(Number(b[k].ts - a[k].ts) / 1e6);
      }
    }
    res.matched += d[0].length + d[1].length;
    if (!d[0].length || !d[1].length) continue;
    res.connections++;
    res.example ??= [fi, fo];
    let min0 = Infinity, max0 = -Infinity, min1 = Infinity, max1 = -Infinity;
    for (const x of d[0]) { min0 = Math.min(min0, x); max0 = Math.max(max0, x); }
    for (const x of d[1]) { min1 = Math.min(min1, x); max1 = Math.max(max1, x); }
    if (min0 > max1) res.asGiven++;
    else if (max0 < min1) res.swapped++;
    res.spreadMs = Math.max(res.spreadMs, Math.max(max0, max1) - Math.min(min0, min1));
  }
  return res;
}
