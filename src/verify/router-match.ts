/**
 * Router output matched to the captures: which router records (flows, events, expectations) name
 * a flow the captures hold, which documents belong to the captured run at all, and which records
 * are about a given session — so that findings and answers quote only router lines about the
 * traffic they judge.
 *
 * What a record names (its tuples, each looked up in both captures, in both orientations):
 *  - conntrack entry / SRX session: the original tuple (`In:`) and the reply tuple (`Out:`),
 *    rebuilt from the derived NAT (reply.src = DNAT target or orig.dst, reply.dst = SNAT target or
 *    orig.src);
 *  - Junos conversation line: the flow as printed and the same flow after its `NAT source` /
 *    `NAT dest` lines (the other side of the NAT);
 *  - syslog line: the 5-tuple and, with `source address and port translate to`, its translation;
 *  - conntrack -E event: like a conntrack entry;
 *  - expectation: the expected connection (a source port of 0 or none = any; also matched by a
 *    flow the other end opened first, as symmetric RTP often is) and its master (TCP or UDP: the
 *    master's protocol is not printed, and SIP media over UDP may have a TCP master).
 * Protocol and both endpoints must be equal. Two lab runs share client, server and NAT address, so
 * the ports (ephemeral on one end) are what tells runs apart; where the record counts packets
 * (conntrack/SRX per direction, Junos `Frm count`; compared with the captured flow's datagrams,
 * a fragmented one once, as these routers count after reassembly), a zero where a capture shows packets of that
 * direction, or a count where every capture holding the flow shows none, is a contradiction: the
 * record names the same tuple but not the same traffic (a fixed-port media flow of another run).
 *
 * A document is related when at least one of its records matches a captured flow without a
 * contradiction; unrelated when it holds records and none does (`router.unrelated`); not judged
 * when it holds no flow-like record (statistics, ALG status) or there is no capture (or a capture
 * was read only partly, so its unread part may hold the flows).
 *
 * Scale: captured flows are looked up by numeric endpoint keys (FlowTable.endpointKeys, the keys
 * the NAT pairing uses, computed once per table by flow-columns.ts) in the tables' key orders
 * (binary searches; IPv6 keys are hashes, each flow found confirmed by its text). Work is the
 * router records × log(captured flows), plus the captured flows once.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { FlowTable } from "../wasm/core.js";
import type { NatTranslation, RouterEndpoint, RouterEvent, RouterExpectation, RouterFlow, RouterParseResult } from "../router/types.js";
import { endIs, flowColumns, keyOrders, lowerBound, runEnd, V4_KEYS, v4EndpointKey, v6EndpointKey } from "./flow-columns.js";
import type { KeyOrder } from "../wasm/key-sort.js";
import type { VerifiedSession } from "./types.js";

export type RouterRecord = RouterFlow | RouterEvent | RouterExpectation;
export type CaptureSide = "inside" | "outside";

/** A captured flow a router record names: the capture (side) and its flow id. */
export interface CapturedRef {
  side: CaptureSide;
  flow: number;
}

export interface DocumentMatch {
  file: string;
  /** Index of the document in its file's parse result. */
  document: number;
  format: string;
  /** 1-based line where the document starts. */
  line: number;
  /** Flow-like records in it (flows, events with a tuple, expectations). */
  records: number;
  /** Records that name a captured flow, and of those the ones whose counters contradict it. */
  matched: number;
  contradicted: number;
  /** true: it belongs to the captured run; false: none of its records matches (router.unrelated); undefined: not judged. */
  related?: boolean;
  reason: string;
}

export interface RouterMatch {
  documents: DocumentMatch[];
  /** False when captures were given and the record's document is unrelated to them. */
  usable(r: RouterRecord): boolean;
  /** Captured flows the record names (empty when none, or no capture). */
  captured(r: RouterRecord): readonly CapturedRef[];
  /** True when the record's packet/frame counters contradict the captured flows it names. */
  contradicts(r: RouterRecord): boolean;
  /** Records of usable documents that name one of the session's control or data/media flows. */
  forSession(s: VerifiedSession): SessionRecords;
}

export interface SessionRecords {
  /** Router flows (any format) naming the control connection. */
  control: RouterFlow[];
  /** Router flows naming one of its data/media connections. */
  data: RouterFlow[];
  events: RouterEvent[];
  /** Expectations whose master is the control connection, or whose expected connection was seen. */
  expectations: RouterExpectation[];
}

export interface MatchCaptures {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
}

/* ------------------------------------------------------------------------------------------ */
/* Captured flows by tuple                                                                     */
/* ------------------------------------------------------------------------------------------ */

const PROTO_NUMBER: Record<string, number> = { tcp: 6, udp: 17 };

/**
 * Numeric endpoint key as FlowTable.endpointKeys computes it for a TCP/UDP endpoint: IPv4 exact
 * (no allocation: called per router record), IPv6 a hash (≥ V4_KEYS: the flows with that key are
 * confirmed by their text); NaN otherwise.
 */
const endpointKey = (proto: string, e: RouterEndpoint): number => {
  const k = v4EndpointKey(proto, e.ip, e.port);
  return Number.isNaN(k) ? v6EndpointKey(proto, e.ip, e.port) : k;
};

/**
 * One capture's flows, looked up by (proto, src, dst): endpoints by their runs in the table's key
 * orders (flow-columns.ts keyOrders: the reconciliation's, which verify keeps until the router is
 * matched; equal keys in ascending flow id), where two hash indexes of their own per capture cost
 * ~14 MiB and ~60 ms per 250 k flows (session 24). IPv6 endpoints too, by their hashed keys: an
 * index of the IPv6 flows by text, made at the first IPv6 record, cost ~150–180 ms of a 250 k-flow
 * capture's 38 k IPv6 flows (session 25).
 */
class CaptureIndex {
  private readonly ini: Float64Array;
  private readonly res: Float64Array;
  private readonly byIni: KeyOrder;
  private readonly byRes: KeyOrder;

  constructor(readonly side: CaptureSide, readonly table: FlowTable) {
    const k = flowColumns(table);
    this.ini = k.initiator;
    this.res = k.responder;
    const o = keyOrders(table);
    this.byIni = o.initiatorOrder;
    this.byRes = o.responderOrder;
  }

  /** Whether end `which` of flow `id` is `e` (its protocol `proto`): what confirms a hashed key. */
  private endIs(id: number, which: 0 | 1, proto: string, e: RouterEndpoint): boolean {
    return endIs(this.table, id, which, proto, e.ip, e.port);
  }

  /**
   * Flows whose initiator is `a` and responder `b` (exact), or whose responder is `b` and initiator
   * address `a.ip` (any port). `keys`: endpointKey of `a` (with port 0 when `anySrcPort`) and of
   * `b`, when the caller has them (matchOne: each endpoint's text parsed once per record, not per
   * lookup).
   */
  lookup(proto: string, a: RouterEndpoint, b: RouterEndpoint, anySrcPort: boolean, out: (id: number) => void, keys?: { a: number; b: number }): void {
    const kb = keys ? keys.b : endpointKey(proto, b);
    if (Number.isNaN(kb)) return;
    const rbFrom = lowerBound(this.byRes.sorted, kb);
    const rbTo = runEnd(this.byRes.sorted, rbFrom, kb);
    if (rbFrom === rbTo) return;
    const resIds = this.byRes.ids;
    const hashed = kb >= V4_KEYS;
    if (anySrcPort) {
      if (hashed) {
        // IPv6: the source by its address text (the port is hashed into the key).
        for (let i = rbFrom; i < rbTo; i++) if (this.endIs(resIds[i], 1, proto, b) && this.table.address(resIds[i], 0) === a.ip) out(resIds[i]);
        return;
      }
      const ka0 = keys ? keys.a : endpointKey(proto, { ip: a.ip, port: 0 });
      if (Number.isNaN(ka0)) return;
      // Same address and protocol: the key differs only in the port (×4 keeps the protocol code).
      const lo = ka0, hi = ka0 + 65535 * 4;
      for (let i = rbFrom; i < rbTo; i++) {
        const k = this.ini[resIds[i]];
        if (k >= lo && k <= hi && (k - lo) % 4 === 0) out(resIds[i]);
      }
      return;
    }
    const ka = keys ? keys.a : endpointKey(proto, a);
    if (Number.isNaN(ka)) return;
    const raFrom = lowerBound(this.byIni.sorted, ka);
    const raTo = runEnd(this.byIni.sorted, raFrom, ka);
    if (raFrom === raTo) return;
    // Walk the shorter run.
    if (raTo - raFrom <= rbTo - rbFrom) {
      const iniIds = this.byIni.ids;
      for (let i = raFrom; i < raTo; i++) if (this.res[iniIds[i]] === kb && (!hashed || this.confirmed(iniIds[i], proto, a, b))) out(iniIds[i]);
    } else {
      for (let i = rbFrom; i < rbTo; i++) if (this.ini[resIds[i]] === ka && (!hashed || this.confirmed(resIds[i], proto, a, b))) out(resIds[i]);
    }
  }

  /** Flow `id`, found by hashed keys, has initiator `a` and responder `b`. */
  private confirmed(id: number, proto: string, a: RouterEndpoint, b: RouterEndpoint): boolean {
    return this.endIs(id, 0, proto, a) && this.endIs(id, 1, proto, b);
  }

  /** Flows whose initiator is `b` (exact) and whose responder has address `ip` (any port); `keys` as lookup's (`a`: `ip` with port 0). */
  lookupInitiatorTo(proto: string, b: RouterEndpoint, ip: string, out: (id: number) => void, keys?: { a: number; b: number }): void {
    const kb = keys ? keys.b : endpointKey(proto, b);
    if (Number.isNaN(kb)) return;
    const from = lowerBound(this.byIni.sorted, kb);
    const to = runEnd(this.byIni.sorted, from, kb);
    if (from === to) return;
    const iniIds = this.byIni.ids;
    if (kb >= V4_KEYS) {
      // IPv6: confirmed by the texts (the responder's port is hashed into its key).
      for (let i = from; i < to; i++) if (this.endIs(iniIds[i], 0, proto, b) && this.table.address(iniIds[i], 1) === ip) out(iniIds[i]);
      return;
    }
    const k0 = keys ? keys.a : endpointKey(proto, { ip, port: 0 });
    if (Number.isNaN(k0)) return;
    const lo = k0, hi = k0 + 65535 * 4;
    for (let i = from; i < to; i++) {
      const k = this.res[iniIds[i]];
      if (k >= lo && k <= hi && (k - lo) % 4 === 0) out(iniIds[i]);
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* What a record names                                                                         */
/* ------------------------------------------------------------------------------------------ */

interface Tuple {
  src: RouterEndpoint;
  dst: RouterEndpoint;
  /** Expectation: the source port is a wildcard (looked up along, and reversed for a flow the other end opened). */
  anySrcPort?: boolean;
  /** Protocol of this tuple when it is not the record's (an expectation's master: UDP media of a TCP SIP master). */
  proto?: string;
}

/**
 * A direction of traffic a record counts: the tuples it appears as (index into the record's
 * tuples, and whether it runs along the tuple or against it) and the record's count, if any.
 */
interface Leg {
  along: [tuple: number, forward: boolean][];
  count?: number;
}

interface Shape {
  proto: string;
  tuples: Tuple[];
  legs: Leg[];
}

const natOf = (nat: readonly NatTranslation[], kind: "source" | "dest") => nat.find((n) => n.kind === kind);

/** The reply tuple a conntrack entry / SRX session / conntrack event implies (see the header). */
export function replyTuple(src: RouterEndpoint, dst: RouterEndpoint, nat: readonly NatTranslation[]): Tuple {
  return { src: natOf(nat, "dest")?.to ?? dst, dst: natOf(nat, "source")?.to ?? src };
}

function shapeOf(r: RouterRecord): Shape | undefined {
  const proto = String(r.proto).toLowerCase();
  if (!PROTO_NUMBER[proto]) return undefined;
  if (!("nat" in r)) {
    // An expectation: the expected connection (source port 0 = any) and the master connection.
    const x = r as RouterExpectation;
    const tuples: Tuple[] = [{ src: x.src, dst: x.dst, anySrcPort: x.src.port === null || x.src.port === 0 }];
    // The master's protocol is not printed: SIP media (UDP) may have a TCP master, so both are tried.
    if (x.master) for (const mp of ["tcp", "udp"]) tuples.push({ src: x.master.src, dst: x.master.dst, proto: mp });
    return { proto, tuples, legs: [] };
  }
  const f = r as RouterFlow & RouterEvent;
  if (r.format === "junos-conversations") {
    const out: Tuple = { src: natOf(f.nat, "source")?.to ?? f.src, dst: natOf(f.nat, "dest")?.to ?? f.dst };
    return { proto, tuples: [{ src: f.src, dst: f.dst }, out], legs: [{ along: [[0, true], [1, true]], count: f.frames }] };
  }
  if (r.format === "junos-syslog") {
    return { proto, tuples: [{ src: f.src, dst: f.dst }, { src: natOf(f.nat, "source")?.to ?? f.src, dst: f.dst }], legs: [] };
  }
  // conntrack entries and events, SRX sessions: original and reply.
  const reply = replyTuple(f.src, f.dst, f.nat);
  const packets = (r as RouterFlow).packets;
  return {
    proto, tuples: [{ src: f.src, dst: f.dst }, reply],
    legs: [
      { along: [[0, true], [1, false]], count: packets?.orig },
      { along: [[1, true], [0, false]], count: packets?.reply },
    ],
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Matching                                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface Hit extends CapturedRef {
  /** Per tuple of the record: matched along (true) or against (false) the flow's initiator → responder; undefined: not by that tuple. */
  forward: (boolean | undefined)[];
}

const NO_REFS: readonly CapturedRef[] = Object.freeze([]);

/** Match every router record against the captures (see the module header). */
export function matchRouter(router: RouterParseResult[], captures: MatchCaptures): RouterMatch {
  const tables: [CaptureSide, FlowTable][] = [];
  const partial: string[] = [];
  for (const side of ["inside", "outside"] as const) {
    const c = captures[side];
    if (!c) continue;
    if (c.scan.info.partial) partial.push(c.scan.info.file);
    if (c.scan.flows.count) tables.push([side, c.scan.flows]);
  }
  // Made at the first record to match (a verify without router records needs none), over the
  // tables' columns and key orders (computed for the reconciliation already).
  let built: CaptureIndex[] | undefined;
  const sides = () => (built ??= tables.map(([side, t]) => new CaptureIndex(side, t)));
  const haveCaptures = captures.inside !== undefined || captures.outside !== undefined;
  const hits = new Map<RouterRecord, readonly CapturedRef[]>();
  const contradicted = new Set<RouterRecord>();
  const unusable = new Set<RouterRecord>();
  const countOf = (h: Hit, forward: boolean) => {
    // Datagrams, as the router counts them (a fragmented one once); packets where not known. Read
    // from the record at each call: a few loads, where a cache keyed by side and flow held an
    // entry and a key string per flow a dump names (~0.5 s on a 247 k-entry dump, session 24).
    const t = captures[h.side]!.scan.flows;
    const d = t.datagrams(h.flow) ?? t.get(h.flow).packets;
    return forward ? d.initiatorToResponder : d.responderToInitiator;
  };

  // One lookup state for all records (a dump may hold a million): no closures per record.
  let found: Hit[] = [];
  const keysAlong = { a: NaN, b: NaN };
  const keysBack = { a: NaN, b: NaN };
  let side: CaptureSide = "inside";
  let ti = 0;
  let forward = true;
  const add = (id: number) => {
    let h = found.find((x) => x.side === side && x.flow === id);
    if (!h) found.push((h = { side, flow: id, forward: [] }));
    if (h.forward[ti] === undefined) h.forward[ti] = forward;
  };
  const matchOne = (r: RouterRecord): Hit[] => {
    const shape = shapeOf(r);
    if (!shape) return [];
    found = [];
    for (ti = 0; ti < shape.tuples.length; ti++) {
      const t = shape.tuples[ti];
      const proto = t.proto ?? shape.proto;
      // Each endpoint's key once for the four lookups (the source's with port 0 for a wildcard).
      const kSrc = t.anySrcPort ? endpointKey(proto, { ip: t.src.ip, port: 0 }) : endpointKey(proto, t.src);
      const kDst = endpointKey(proto, t.dst);
      keysAlong.a = kSrc;
      keysAlong.b = kDst;
      keysBack.a = kDst;
      keysBack.b = kSrc;
      for (const s of sides()) {
        side = s.side;
        forward = true;
        s.lookup(proto, t.src, t.dst, t.anySrcPort ?? false, add, keysAlong);
        forward = false;
        if (t.anySrcPort) s.lookupInitiatorTo(proto, t.dst, t.src.ip, add, keysAlong);
        else s.lookup(proto, t.dst, t.src, false, add, keysBack);
      }
    }
    if (found.length && legsContradict(shape, found, countOf)) contradicted.add(r);
    return found;
  };

  const documents: DocumentMatch[] = [];
  /** Records by the captured flow they name (capturedKey), for the per-session lookups. */
  const byCaptured = new Map<number, RouterRecord[]>();
  for (const res of router) {
    const perDoc = res.documents.map((d) => ({ records: 0, matched: 0, contradicted: 0, format: d.format, line: d.location.line }));
    forEachRecord(res, (r) => {
      const d = perDoc[r.document];
      // Only TCP/UDP records with ports name a flow the way the captures key them.
      if (!d || !matchable(r)) return;
      d.records++;
      if (!tables.length) return;
      const found = matchOne(r);
      if (!found.length) return;
      const refs = found.map(({ side, flow }) => ({ side, flow }));
      hits.set(r, refs);
      for (const h of refs) {
        const k = capturedKey(h.side, h.flow);
        const list = byCaptured.get(k);
        if (list) list.push(r);
        else byCaptured.set(k, [r]);
      }
      d.matched++;
      if (contradicted.has(r)) d.contradicted++;
    });
    const unrelated = perDoc.map((d, i) => {
      const m: DocumentMatch = { file: res.file, document: i, format: d.format, line: d.line, records: d.records, matched: d.matched, contradicted: d.contradicted, reason: "" };
      judge(m, haveCaptures, tables.length > 0, partial, captures.outside !== undefined && captures.inside === undefined);
      documents.push(m);
      return m.related === false;
    });
    if (unrelated.some((u) => u)) forEachRecord(res, (r) => { if (unrelated[r.document]) unusable.add(r); });
  }
  return {
    documents,
    usable: (r) => !unusable.has(r),
    captured: (r) => hits.get(r) ?? NO_REFS,
    contradicts: (r) => contradicted.has(r),
    forSession: (s) => sessionRecords(s, byCaptured, unusable),
  };
}

/** Flows, events and expectations of one parse result, without copying them into one array. */
function forEachRecord(res: RouterParseResult, fn: (r: RouterRecord) => void): void {
  for (const list of [res.flows, res.events, res.expectations] as RouterRecord[][]) for (let i = 0; i < list.length; i++) fn(list[i]!);
}

const matchable = (r: RouterRecord) => PROTO_NUMBER[String(r.proto).toLowerCase()] !== undefined && r.dst.port !== null;

/** Counters of a record against the captured flows it names: a zero where one shows packets, or a count where all show none. */
function legsContradict(shape: Shape, found: Hit[], countOf: (h: Hit, forward: boolean) => number): boolean {
  for (const leg of shape.legs) {
    if (leg.count === undefined) continue;
    const seen: number[] = [];
    for (const h of found) {
      for (const [ti, along] of leg.along) {
        const f = h.forward[ti];
        if (f === undefined) continue;
        seen.push(countOf(h, along ? f : !f));
        break;
      }
    }
    if (!seen.length) continue;
    if (leg.count === 0 && seen.some((n) => n > 0)) return true;
    if (leg.count > 0 && seen.every((n) => n === 0)) return true;
  }
  return false;
}

/**
 * `outsideOnly`: the outside capture alone was given. A helper's expectations (and their master)
 * name the inside host as its connection was before source NAT, which that capture does not show:
 * an expectation listing none of whose records matches it is not judged, rather than unrelated.
 */
function judge(m: DocumentMatch, haveCaptures: boolean, anyFlows: boolean, partial: string[], outsideOnly = false): void {
  const what = m.format.startsWith("junos-syslog") || m.format === "conntrack-events" ? "event(s)" : m.format === "conntrack-expect" ? "expectation(s)" : "flow(s)";
  if (!haveCaptures) {
    m.reason = "no capture to match it against";
  } else if (!m.records) {
    m.reason = m.format === "junos-statistics" || m.format === "srx-alg-status" ? "counters/status only: nothing to match against the captured flows"
      : m.format === "srx-sip-calls" ? "a SIP ALG table: compared by Call-ID (srx-sip-call checks), not by flow"
      : m.format === "srx-sip-transactions" ? "a SIP ALG table: compared by method and CSeq with the captures' transactions (srx-sip-transaction checks), not by flow"
      : `it holds no TCP/UDP ${what}`;
  } else if (!anyFlows) {
    m.reason = "the captures hold no flow to match it against";
  } else if (m.matched > m.contradicted) {
    m.related = true;
    m.reason = `${m.matched - m.contradicted} of its ${m.records} ${what} name a captured flow` + (m.contradicted ? ` (${m.contradicted} more name one but count packets the captures' datagrams contradict)` : "");
  } else if (partial.length) {
    m.reason = `none of its ${m.records} ${what} names a flow in what was read of the captures, but ${partial.join(", ")} was read only partly`;
  } else if (outsideOnly && m.format === "conntrack-expect" && !m.matched) {
    m.reason = `none of its ${m.records} ${what} names a flow of the outside capture, which was given alone: an expectation and its master name the inside host as it was before the NAT, which that capture does not show`;
  } else {
    m.related = false;
    m.reason = m.matched
      ? `its ${m.matched} ${what} naming a captured flow count packets the captures contradict (0 where they show traffic, or traffic where they show none; captured datagrams counted, a fragmented one once); none of the others names a captured flow`
      : `none of its ${m.records} ${what} names a flow in the captures (protocol, addresses and ports, before or after NAT)`;
  }
}

/** A captured flow as one number (a small integer: a Map key without a string): its id, negated for the outside capture. */
const capturedKey = (side: CaptureSide, flow: number) => (side === "inside" ? flow : -flow);

/** The captured flows of one session: control, data/media, on each side. */
function sessionFlows(s: VerifiedSession): { control: Set<number>; data: Set<number> } {
  const control = new Set<number>();
  const data = new Set<number>();
  if (s.control.insideFlow) control.add(capturedKey("inside", s.control.insideFlow));
  if (s.control.outsideFlow) control.add(capturedKey("outside", s.control.outsideFlow));
  for (const n of s.negotiations) {
    for (const side of ["inside", "outside"] as const) {
      const x = n[side];
      for (const id of x?.observedFlows ?? []) data.add(capturedKey(side, id));
      for (const o of x?.observed ?? []) data.add(capturedKey(side, o.flow));
    }
  }
  return { control, data };
}

function sessionRecords(s: VerifiedSession, byCaptured: Map<number, RouterRecord[]>, unusable: Set<RouterRecord>): SessionRecords {
  const { control, data } = sessionFlows(s);
  const out: SessionRecords = { control: [], data: [], events: [], expectations: [] };
  const seen = new Set<RouterRecord>();
  for (const [keys, isControl] of [[control, true], [data, false]] as const) {
    for (const k of keys) {
      for (const r of byCaptured.get(k) ?? []) {
        if (seen.has(r) || unusable.has(r)) continue;
        seen.add(r);
        if (!("nat" in r)) out.expectations.push(r);
        else if ("kind" in r) out.events.push(r);
        else (isControl ? out.control : out.data).push(r);
      }
    }
  }
  // In input order (file, then line), as the router printed them.
  const byPlace = (a: RouterRecord, b: RouterRecord) => (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : a.location.line - b.location.line);
  out.control.sort(byPlace);
  out.data.sort(byPlace);
  out.events.sort(byPlace);
  out.expectations.sort(byPlace);
  return out;
}
