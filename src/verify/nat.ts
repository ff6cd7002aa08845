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
 */
import type { Flow } from "../types.js";
import type { FlowTable } from "../wasm/core.js";
import type { NatMapping } from "./types.js";

const key = (proto: Flow["proto"], ip: string, port: number | null) => `${proto}|${ip}|${port}`;
const startNs = (f: Flow) => BigInt(Date.parse(f.first.time.slice(0, 19) + "Z")) * 1_000_000n + BigInt(f.first.time.slice(20, 29));

export interface Reconciliation {
  mappings: NatMapping[];
  /** Outside-minus-inside clock offset in ms (estimated, or as forced). */
  clockOffsetMs: number;
  /** NAT (translated) addresses seen. */
  natAddresses: string[];
  /** Pair lookup by flow id on each side. */
  byInside: Map<number, NatMapping>;
  byOutside: Map<number, NatMapping>;
  inside: Flow[];
  outside: Flow[];
}

export interface ReconcileOptions {
  /** Force the clock offset (outside − inside, ms). */
  clockOffsetMs?: number;
  /** Largest start-time difference accepted for a pair after the offset (ms, default 2000). */
  toleranceMs?: number;
}

interface Cand {
  flow: Flow;
  inbound: boolean;
}

export function reconcile(insideTable: FlowTable, outsideTable: FlowTable, opts: ReconcileOptions = {}): Reconciliation {
  const inside = [...insideTable];
  const outside = [...outsideTable];
  const byResponder = new Map<string, Flow[]>();
  const byInitiator = new Map<string, Flow[]>();
  for (const f of outside) {
    const r = key(f.proto, f.responder.ip, f.responder.port);
    const i = key(f.proto, f.initiator.ip, f.initiator.port);
    (byResponder.get(r) ?? byResponder.set(r, []).get(r)!).push(f);
    (byInitiator.get(i) ?? byInitiator.set(i, []).get(i)!).push(f);
  }
  const candidates = (f: Flow): Cand[] => {
    const out: Cand[] = [];
    for (const g of byResponder.get(key(f.proto, f.responder.ip, f.responder.port)) ?? []) out.push({ flow: g, inbound: false });
    for (const g of byInitiator.get(key(f.proto, f.initiator.ip, f.initiator.port)) ?? []) {
      if (!(g.responder.ip === f.responder.ip && g.responder.port === f.responder.port)) out.push({ flow: g, inbound: true });
    }
    return out;
  };
  // Pass 1: the clock offset from unambiguous pairs.
  let offsetNs: bigint;
  if (opts.clockOffsetMs !== undefined) offsetNs = BigInt(Math.round(opts.clockOffsetMs * 1e6));
  else {
    const deltas: bigint[] = [];
    for (const f of inside) {
      const c = candidates(f);
      if (c.length === 1) deltas.push(startNs(c[0].flow) - startNs(f));
    }
    deltas.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    offsetNs = deltas.length ? deltas[deltas.length >> 1] : 0n;
  }
  const tolNs = BigInt(Math.round((opts.toleranceMs ?? 2000) * 1e6));
  // Pass 2: pair, best candidate first.
  const used = new Set<number>();
  const mappings: NatMapping[] = [];
  const byInside = new Map<number, NatMapping>();
  const byOutside = new Map<number, NatMapping>();
  const abs = (x: bigint) => (x < 0n ? -x : x);
  for (const f of inside) {
    let best: Cand | undefined;
    let bestScore = 0n;
    for (const c of candidates(f)) {
      if (used.has(c.flow.id)) continue;
      const dt = abs(startNs(c.flow) - startNs(f) - offsetNs);
      if (dt > tolNs) continue;
      const samePackets = c.flow.packets.initiatorToResponder + c.flow.packets.responderToInitiator ===
        f.packets.initiatorToResponder + f.packets.responderToInitiator;
      const score = dt + (samePackets ? 0n : 1_000_000n);
      if (!best || score < bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (!best) continue;
    used.add(best.flow.id);
    const g = best.flow;
    const m: NatMapping = best.inbound
      ? { proto: String(f.proto), insideFlow: f.id, outsideFlow: g.id, direction: "inbound", inside: f.responder, translated: g.responder, remote: f.initiator, portKept: f.responder.port === g.responder.port, evidence: {} }
      : { proto: String(f.proto), insideFlow: f.id, outsideFlow: g.id, direction: "outbound", inside: f.initiator, translated: g.initiator, remote: f.responder, portKept: f.initiator.port === g.initiator.port, evidence: {} };
    m.evidence = { insideFirstPacket: f.first.packet, outsideFirstPacket: g.first.packet, timeDeltaMs: Number(startNs(g) - startNs(f)) / 1e6 };
    mappings.push(m);
    byInside.set(f.id, m);
    byOutside.set(g.id, m);
  }
  const natAddresses = [...new Set(mappings.filter((m) => m.inside.ip !== m.translated.ip).map((m) => m.translated.ip))].sort();
  return { mappings, clockOffsetMs: Number(offsetNs) / 1e6, natAddresses, byInside, byOutside, inside, outside };
}
