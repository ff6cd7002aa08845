/**
 * `verify`: the main job. Inside and/or outside captures (each already analyzed) and router
 * output → NAT mappings, per-negotiation rewrite and data-path checks, the predicted ALG
 * conversations, the comparison with the router, findings, a verdict and the answers to the
 * seed's troubleshooting questions. Platform neutral: inputs are analysis results and parsed
 * router text.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { RouterParseResult } from "../router/types.js";
import type { Diagnostic } from "../types.js";
import { reconcile, type Reconciliation } from "./nat.js";
import { verifySessions, type NatHints } from "./sessions.js";
import { compareWithRouter, predictConversations } from "./predict.js";
import type { RouterMatch } from "./router-match.js";
import { finding } from "./findings.js";
import { interpretRouter, type LabelledFlow } from "./router-only.js";
import { buildTimeline, type TimelineEntry } from "./timeline.js";
import type { Answer, Check, Finding, NatMapping, PredictedConversation, VerifiedSession, Verdict } from "./types.js";

export interface VerifyInputs {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
  router: RouterParseResult[];
}

export interface VerifyOptions {
  /** NAT addresses / inside networks the user knows (see NatHints). */
  hints?: NatHints;
  /** List every flow's mapping in the report, not only the ALG sessions' flows. */
  allMappings?: boolean;
  clockOffsetMs?: number;
  frameTolerance?: number;
  profile?: "lenient" | "linux";
}

export interface VerifyReport {
  schemaVersion: 1;
  /** pass: something was checked and agreed; fail: an error finding; inconclusive: nothing could be judged. */
  verdict: Verdict;
  inputs: { inside?: string; outside?: string; router: string[]; profile: string };
  captures: { inside?: CaptureSummary; outside?: CaptureSummary };
  nat: {
    clockOffsetMs?: number;
    /** NAT (translated) addresses seen (at most NAT_ADDRESSES_LISTED; the count has them all). */
    natAddresses: string[];
    natAddressCount: number;
    /** Flows paired across the NAT, and flows seen on one side only. */
    pairedFlows: number;
    unpairedFlows: { inside: number; outside: number };
    /** Mappings of the flows of the ALG sessions (control and data/media); all with --all-mappings. */
    mappings: NatMapping[];
    /** Unpaired TCP/UDP flows (at most UNPAIRED_LISTED per side). */
    unpaired: { side: "inside" | "outside"; flow: number; proto: string; from: string; to: string; packets: number }[];
  };
  sessions: VerifiedSession[];
  predicted: { conversations: PredictedConversation[] };
  router: { documents: { file: string; format: string; line: number }[]; flows: number; diagnostics: number; labelled: LabelledFlow[] };
  findings: Finding[];
  /** What was checked and what could not be, and why. */
  checks: Check[];
  answers: Answer[];
  /** Negotiations, data/media flow starts and router events on one timeline. */
  timeline: TimelineEntry[];
  diagnostics: Diagnostic[];
}

interface CaptureSummary {
  file: string;
  format: string;
  packets: number;
  flows: number;
  partial: boolean;
  sessions: number;
}

const summary = (r: AnalyzeResult): CaptureSummary => ({
  file: r.scan.info.file, format: r.scan.info.format, packets: r.scan.info.packets, flows: r.scan.flows.count,
  partial: r.scan.info.partial, sessions: r.sessions.length,
});

export function verify(inputs: VerifyInputs, opts: VerifyOptions = {}): VerifyReport {
  const { inside, outside, router } = inputs;
  const findings: Finding[] = [];
  const checks: Check[] = [];
  let nat: Reconciliation | undefined;
  if (inside && outside) nat = reconcile(inside.scan.flows, outside.scan.flows, { clockOffsetMs: opts.clockOffsetMs });
  const sessions = verifySessions({ inside, outside, nat, hints: opts.hints }, findings, checks);
  const predicted = predictConversations(sessions, inside, outside, nat);
  const matched = compareWithRouter(predicted, router, findings, { frameTolerance: opts.frameTolerance, withCaptures: !!(inside || outside), captures: { inside, outside } }, sessions, checks);
  // An ALG the router did not apply is an error when a session failed for it, else a warning
  // (passive FTP to a public server, media by port preservation: correct without an ALG).
  const sessionFailed = findings.some((f) => f.code.startsWith("alg.") && f.severity === "error");
  for (const f of findings) if (f.code === "router.alg-inactive" && !sessionFailed) f.severity = "warning";
  if (opts.profile === "linux") fragile(sessions, findings);
  const unpaired = nat ? unpairedFlows(nat, sessions, findings) : [];
  // The router's own view, labelled as the seed does; checked on its own when there is no capture.
  const routerOnly = !inside && !outside;
  const interpreted = interpretRouter(router, routerOnly ? findings : []);
  return {
    schemaVersion: 1,
    verdict: findings.some((f) => f.severity === "error") ? "fail" : "pass",
    inputs: { inside: inside?.scan.info.file, outside: outside?.scan.info.file, router: router.map((r) => r.file), profile: opts.profile ?? "lenient" },
    captures: { inside: inside && summary(inside), outside: outside && summary(outside) },
    nat: {
      clockOffsetMs: nat?.clockOffsetMs, natAddresses: nat?.natAddresses ?? [],
      natAddressCount: nat?.natAddressCount ?? 0,
      pairedFlows: nat?.paired ?? 0,
      unpairedFlows: { inside: nat?.unpairedInside.length ?? 0, outside: nat?.unpairedOutside.length ?? 0 },
      mappings: nat ? reportedMappings(nat, sessions, opts.allMappings ?? false) : [],
      unpaired,
    },
    sessions,
    predicted: { conversations: predicted },
    router: {
      documents: router.flatMap((r) => r.documents.map((d) => ({ file: d.file, format: d.format, line: d.location.line }))),
      flows: router.reduce((n, r) => n + r.flows.length, 0),
      diagnostics: router.reduce((n, r) => n + r.diagnostics.length, 0),
      labelled: interpreted.flows,
    },
    findings,
    checks,
    timeline: buildTimeline(sessions, { inside, outside }, router),
    answers: routerOnly ? [...interpreted.answers, ...answers(sessions, predicted, findings, router, matched).filter((a) => a.question === "Are there ALG errors?")] : answers(sessions, predicted, findings, router, matched),
    diagnostics: [...(inside?.scan.diagnostics ?? []), ...(outside?.scan.diagnostics ?? []), ...router.flatMap((r) => r.diagnostics)],
  };
}

/** Lines a real ALG would drop or ignore (emulation profile), as warnings. */
function fragile(sessions: VerifiedSession[], findings: Finding[]): void {
  for (const s of sessions) {
    for (const n of s.negotiations) {
      for (const [side, x] of [["inside", n.inside], ["outside", n.outside]] as const) {
        if (!x?.emulation || x.emulation.outcome === "parsed") continue;
        findings.push(finding("alg.fragile-input", `${x.kind} at ${side} packet ${x.packet}: Linux would have ${x.emulation.outcome} it (${x.emulation.reason})`, { [side]: [x.packet] }, `"${x.line}"`));
      }
    }
  }
}

/** Mappings of the ALG sessions' flows (control + data/media), in inside-flow order. */
function reportedMappings(nat: Reconciliation, sessions: VerifiedSession[], all: boolean): NatMapping[] {
  const ids = new Set<number>();
  if (all) {
    for (let id = 1; id <= nat.insideTable.count; id++) if (nat.byInside.has(id)) ids.add(id);
  } else {
    for (const s of sessions) {
      if (s.control.insideFlow) ids.add(s.control.insideFlow);
      for (const n of s.negotiations) {
        for (const id of n.inside?.observedFlows ?? []) ids.add(id);
        for (const g of n.outside?.observedFlows ?? []) {
          const m = nat.byOutside.get(g);
          if (m?.insideFlow) ids.add(m.insideFlow);
        }
      }
    }
  }
  return [...ids].sort((a, b) => a - b).map((id) => nat.byInside.get(id)).filter((m): m is NatMapping => m !== undefined);
}

const UNPAIRED_LISTED = 50;

/** TCP/UDP flows seen on one side only: listed (bounded) and summarised in one finding per side. */
function unpairedFlows(nat: Reconciliation, sessions: VerifiedSession[], findings: Finding[]): VerifyReport["nat"]["unpaired"] {
  // Flows already explained by an ALG finding (blocked data/media) are not repeated.
  const explained = new Set<string>();
  for (const f of findings) {
    for (const id of f.evidence.insideFlows ?? []) explained.add(`inside|${id}`);
    for (const id of f.evidence.outsideFlows ?? []) explained.add(`outside|${id}`);
  }
  void sessions;
  const out: VerifyReport["nat"]["unpaired"] = [];
  for (const [side, ids, table] of [["inside", nat.unpairedInside, nat.insideTable], ["outside", nat.unpairedOutside, nat.outsideTable]] as const) {
    let count = 0;
    const first: number[] = [];
    const flows: number[] = [];
    for (const id of ids) {
      const f = table.get(id);
      if (f.proto !== "tcp" && f.proto !== "udp") continue;
      const packets = f.packets.initiatorToResponder + f.packets.responderToInitiator;
      if (out.filter((u) => u.side === side).length < UNPAIRED_LISTED) {
        out.push({ side, flow: f.id, proto: String(f.proto), from: `${f.initiator.ip}:${f.initiator.port}`, to: `${f.responder.ip}:${f.responder.port}`, packets });
      }
      if (explained.has(`${side}|${f.id}`)) continue;
      count++;
      if (first.length < 20) {
        first.push(f.first.packet);
        flows.push(f.id);
      }
    }
    if (count) {
      const ex = out.find((u) => u.side === side && flows.includes(u.flow));
      findings.push(finding("nat.unpaired-flow", `${count} TCP/UDP flow(s) seen only on the ${side}` + (ex ? ` (e.g. ${ex.proto} ${ex.from} -> ${ex.to}, ${ex.packets} packets)` : ""),
        side === "inside" ? { inside: first, insideFlows: flows } : { outside: first, outsideFlows: flows }));
    }
  }
  return out;
}

function answers(sessions: VerifiedSession[], predicted: PredictedConversation[], findings: Finding[], router: RouterParseResult[], matched: RouterMatch): Answer[] {
  const codes = (re: RegExp) => [...new Set(findings.filter((f) => re.test(f.code)).map((f) => f.code))];
  const out: Answer[] = [];
  for (const alg of ["ftp", "rtsp"] as const) {
    const ss = sessions.filter((s) => s.alg === alg);
    if (!ss.length) continue;
    const A = alg.toUpperCase();
    const inactive = codes(/alg\.payload-not-translated|alg\.port-refused-foreign-address|router\.alg-inactive|conntrack\.helper-missing/);
    // Router lines quoted only where they are about these sessions (router-match.ts).
    const own = ss.map((s) => matched.forSession(s));
    const routerConv = own.flatMap((o) => [...o.control, ...o.data]).filter((f) => f.format === "junos-conversations" && (f.alg ?? "").toLowerCase() === alg);
    const helpers = own.flatMap((o) => o.control).filter((f) => f.format === "conntrack" && (f.alg ?? "").toLowerCase().startsWith(alg));
    out.push({
      question: `Is the ${A} ALG active?`,
      answer: inactive.length
        ? `No: ${inactive.join(", ")}.`
        : codes(/alg\.payload-(wrong-address|port-mismatch)/).length
          ? `It acts, but wrongly: ${codes(/alg\.payload-(wrong-address|port-mismatch)/).join(", ")} — the payload does not match the NAT's translation.`
        : routerConv.length
          ? `Yes: the router lists ${routerConv.length} flow(s) under ALG protocol ${alg} and the payloads were rewritten consistently with the NAT.`
          : helpers.length
            ? `Yes: conntrack shows helper=${helpers[0].alg} on the control connection (${helpers[0].location.file}:${helpers[0].location.line}) and the payloads were rewritten consistently with the NAT.`
          : ss.some((s) => s.negotiations.some((n) => n.rewrite?.ok))
            ? "Yes, as far as the captures show: the payloads were rewritten consistently with the NAT."
            : "Nothing in the captures contradicts it (no negotiation needed a rewrite).",
      findings: inactive,
    });
    const data = ss.flatMap((s) => s.negotiations);
    const fwd = data.filter((n) => n.dataPath === "forwarded").length;
    const bad = codes(/alg\.(data-flow|media)-|alg\.port-refused-foreign-address/);
    out.push({
      question: alg === "ftp" ? "Are the control and data flows both present?" : "Do both the TCP control and the UDP media flows exist, and did media pass?",
      answer: `${ss.length} control session(s); ${data.length} negotiation(s), ${fwd} with data/media forwarded through the NAT` + (bad.length ? `; problems: ${bad.join(", ")}.` : "."),
      findings: bad,
    });
  }
  const conv = predicted.flatMap((c) => c.flows);
  if (conv.length) {
    out.push({
      question: "What is each flow?",
      answer: conv.map((p) => `${p.proto} ${p.src.ip}:${p.src.port} -> ${p.dst.ip}:${p.dst.port} ${p.state} ${p.dir}: ${p.role}`).join("; "),
      findings: [],
    });
  }
  const errs = codes(/router\.alg-errors/);
  out.push({ question: "Are there ALG errors?", answer: errs.length ? "Yes: the router counted FTP/RTSP ALG errors." : router.some((r) => r.counters.length) ? "No: the ALG error counters are 0." : "Not known: no statistics output was given.", findings: errs });
  return out;
}
