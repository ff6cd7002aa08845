/**
 * The run on one timeline: negotiations and data/media flows from the captures, and the router's
 * events (syslog ASP_SFW_* lines, conntrack -E) placed among them.
 *
 * conntrack -E with `-o timestamp` carries epoch times: placed by time. Syslog lines carry a
 * local time without year or zone: placed at the first packet of the flow their 5-tuple names
 * (pre- or post-NAT), and listed last when no flow matches.
 */
import type { RouterEvent, RouterParseResult } from "../router/types.js";
import type { AnalyzeResult } from "../alg/analyze.js";
import { isoToNs, nsToIso } from "../net/time.js";
import type { VerifiedSession } from "./types.js";

export interface TimelineEntry {
  time?: string;
  source: "inside" | "outside" | "router";
  what: string;
  packet?: number;
  router?: { file: string; line: number };
  /** How a router event was placed: by its own timestamp, or at the matching flow's first packet. */
  placed?: "timestamp" | "flow";
}

/** A router event's own clock: epoch seconds (conntrack -E -o timestamp), else undefined. */
const epochOf = (ev: RouterEvent) => (ev.time !== undefined && /^\d{9,}(\.\d+)?$/.test(ev.time.trim()) ? ev.time.trim() : undefined);

export function buildTimeline(sessions: VerifiedSession[], captures: { inside?: AnalyzeResult; outside?: AnalyzeResult }, router: RouterParseResult[]): TimelineEntry[] {
  const out: (TimelineEntry & { ns?: bigint })[] = [];
  const events: RouterEvent[] = router.flatMap((r) => r.events);
  // Flow starts by tuple are looked up only for router events without a clock of their own.
  const byTuple = events.some((ev) => epochOf(ev) === undefined);
  const flowStart = new Map<string, { ns: bigint; time: string }>();
  /** A flow's start (remembered under both orientations of its tuple when router events may look it up). */
  const remember = (side: "inside" | "outside", id: number) => {
    const r = captures[side];
    if (!r) return;
    const ns = r.scan.flows.firstNs(id);
    const v = { ns, time: nsToIso(ns) };
    if (!byTuple) return v;
    const f = r.scan.flows.get(id);
    for (const [a, b] of [[f.initiator, f.responder], [f.responder, f.initiator]]) {
      const k = `${a.ip}|${a.port}|${b.ip}|${b.port}`;
      if (!flowStart.has(k)) flowStart.set(k, v);
    }
    return v;
  };
  if (byTuple) {
    for (const s of sessions) {
      if (s.control.insideFlow) remember("inside", s.control.insideFlow);
      if (s.control.outsideFlow) remember("outside", s.control.outsideFlow);
    }
  }
  for (const s of sessions) {
    for (const n of s.negotiations) {
      for (const side of ["inside", "outside"] as const) {
        const x = n[side];
        if (!x) continue;
        out.push({ time: x.time, ns: isoToNs(x.time), source: side, packet: x.packet, what: `${s.alg.toUpperCase()} ${x.command && x.command !== x.kind ? `${x.command}→` : ""}${x.kind}: "${x.line}"` });
      }
    }
  }
  // Flow starts from the negotiations' observed flows (both sides).
  for (const s of sessions) {
    for (const n of s.negotiations) {
      for (const side of ["inside", "outside"] as const) {
        const x = n[side];
        for (const o of x?.observed ?? []) {
          const e = x!.expected[o.expected];
          const v = remember(side, o.flow);
          const what = `${e.proto.toUpperCase()} ${n.kind === "SETUP" ? "media" : "data"} flow ${o.flow} starts (${e.from.ip}:${o.sourcePort ?? "*"} → ${e.to.ip}:${e.to.port})`;
          out.push({ time: v?.time, ns: v?.ns, source: side, packet: o.firstPacket, what });
        }
      }
    }
  }
  // Router events.
  for (const ev of events) {
    const loc = { file: ev.location.file, line: ev.location.line };
    const what = `${ev.tag} ${ev.src.ip}:${ev.src.port} -> ${ev.dst.ip}:${ev.dst.port}${ev.alg ? ` (${ev.alg})` : ""}`;
    const epoch = epochOf(ev);
    if (epoch) {
      const [sec, frac = ""] = epoch.split(".");
      const ns = BigInt(sec) * 1_000_000_000n + BigInt((frac + "000000000").slice(0, 9));
      out.push({ time: nsToIso(ns), ns, source: "router", what, router: loc, placed: "timestamp" });
      continue;
    }
    // No usable clock: at the first packet of the flow the tuple names.
    const start = flowStart.get(`${ev.src.ip}|${ev.src.port}|${ev.dst.ip}|${ev.dst.port}`);
    out.push(start ? { time: start.time, ns: start.ns, source: "router", what: `${what}${ev.time ? ` [${ev.time}]` : ""}`, router: loc, placed: "flow" } : { source: "router", what: `${what}${ev.time ? ` [${ev.time}]` : ""}`, router: loc });
  }
  const timed = out.filter((e) => e.ns !== undefined).sort((a, b) => (a.ns! < b.ns! ? -1 : a.ns! > b.ns! ? 1 : 0));
  const untimed = out.filter((e) => e.ns === undefined);
  return [...timed, ...untimed].map(({ ns: _ns, ...e }) => e);
}
