/**
 * `verify`: the main job. Inside and/or outside captures (each already analyzed) and router
 * output → NAT mappings, per-negotiation rewrite and data-path checks, the predicted ALG
 * conversations, the comparison with the router, findings, a verdict and the answers to the
 * seed's troubleshooting questions. Platform neutral: inputs are analysis results and parsed
 * router text.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { RouterParseResult } from "../router/types.js";
import type { Diagnostic, Flow } from "../types.js";
import { captureSpan, clockShiftMs, coverageOf, CROSSING_MS, reconcile, type CaptureSpan, type Reconciliation } from "./nat.js";
import { dropKeyOrders, looksUpUdpFlows } from "./flow-columns.js";
import { interleaved, subjectOf, verifySessions, type NatHints } from "./sessions.js";
import { apartReason, assessPairing, type Pairing } from "./pairing.js";
import { compareWithRouter, predictConversations } from "./predict.js";
import type { RouterMatch } from "./router-match.js";
import { finding } from "./findings.js";
import { interpretRouter, type LabelledFlow } from "./router-only.js";
import { buildTimeline, type TimelineEntry } from "./timeline.js";
import { cutReason } from "./cuts.js";
import type { Answer, Check, Evidence, Finding, NatMapping, PredictedConversation, VerifiedSession, Verdict } from "./types.js";

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
  /** SIP dialogs seen in both captures that the sides check examines (default SIP_SIDES_DIALOGS). */
  sipSidesDialogs?: number;
}

export interface VerifyReport {
  schemaVersion: 1;
  /** pass: something was checked and agreed; fail: an error finding; inconclusive: nothing could be judged. */
  verdict: Verdict;
  inputs: { inside?: string; outside?: string; router: string[]; profile: string };
  captures: { inside?: CaptureSummary; outside?: CaptureSummary };
  nat: {
    clockOffsetMs?: number;
    /**
     * The files were given the other way round (nat.sides-swapped): this report is computed with
     * them swapped back, `inputs` and `captures` name each file by its real side.
     */
    sidesSwappedBack?: boolean;
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
  const { inside, outside } = inputs;
  if (!inside || !outside) return build(inputs, opts);
  const nat = reconcile(inside.scan.flows, outside.scan.flows, { clockOffsetMs: opts.clockOffsetMs });
  const pairing = assessPairing(inside, outside, nat, opts.hints, opts.sipSidesDialogs);
  // The key orders serve the reconciliations, SIP media's lookups by UDP endpoint (udpFlowsAt) and
  // the router's matching (router-match.ts): freed before the report is built — once the router
  // is matched when SIP or the router needs them (build).
  const dropOrders = () => {
    if (!inputs.router.length && !looksUpUdpFlows(inside.sessions) && !looksUpUdpFlows(outside.sessions)) [inside, outside].forEach((r) => dropKeyOrders(r.scan.flows));
  };
  if (pairing.sides !== "swapped") {
    dropOrders();
    return build(inputs, opts, nat, pairing);
  }
  // Unambiguously swapped: computed with the sides swapped back, the finding said first.
  const back = reconcile(outside.scan.flows, inside.scan.flows, { clockOffsetMs: opts.clockOffsetMs === undefined ? undefined : -opts.clockOffsetMs });
  dropOrders();
  const pb = assessPairing(outside, inside, back, opts.hints, opts.sipSidesDialogs);
  return build({ ...inputs, inside: outside, outside: inside }, opts, back, { ...pb, findings: [...pairing.findings, ...pb.findings], checks: [...pairing.checks.filter((c) => c.check === "sides"), ...pb.checks.filter((c) => c.check !== "sides")] }, true);
}

function build(inputs: VerifyInputs, opts: VerifyOptions, nat?: Reconciliation, pairing?: Pairing, swappedBack = false): VerifyReport {
  const { inside, outside, router } = inputs;
  const findings: Finding[] = [...(pairing?.findings ?? [])];
  const spans = { inside: inside && spanOf(inside), outside: outside && spanOf(outside) };
  const checks: Check[] = [...coverageChecks(inputs, spans), ...(pairing?.checks ?? [])];
  const oneDirection = directionChecks(inputs, findings, checks);
  const unrelated = pairing?.related === false;
  const apart = unrelated ? apartReason(findings) : undefined;
  const sessions = apart ? unpairedSessions(inside!, outside!, opts, checks, apart) : verifySessions({ inside, outside, nat, hints: opts.hints, spans, profile: opts.profile, oneDirection }, findings, checks);
  const predicted = predictConversations(sessions, inside, outside, unrelated ? undefined : nat);
  // What the captures say of the NAT's translations: nothing with one capture, or two not paired.
  const translationUnknown = inside && outside ? apart
    : inside || outside ? `only the ${inside ? "inside" : "outside"} capture was given: it shows each flow on one side of the NAT` : undefined;
  const matched = compareWithRouter(predicted, router, findings, { frameTolerance: opts.frameTolerance, withCaptures: !!(inside || outside), captures: { inside, outside }, translationUnknown, paired: !unrelated }, sessions, checks);
  // (Kept for SIP media's lookups and the router's matching until here: verify.)
  for (const r of [inside, outside]) if (r) dropKeyOrders(r.scan.flows);
  // An ALG the router did not apply is an error when a session failed for it, else a warning
  // (passive FTP to a public server, media by port preservation: correct without an ALG).
  agreeWithFindings(sessions, findings, checks);
  const sessionFailed = findings.some((f) => f.code.startsWith("alg.") && f.severity === "error");
  for (const f of findings) if (f.code === "router.alg-inactive" && !sessionFailed) f.severity = "warning";
  if (opts.profile === "linux") fragile(sessions, findings);
  if (nat && !unrelated) clashPorts(nat, findings);
  const unpaired = nat && !unrelated ? unpairedFlows(nat, spans, findings) : [];
  // The router's own view, labelled as the seed does; checked on its own when there is no capture.
  const routerOnly = !inside && !outside;
  const interpreted = interpretRouter(router, routerOnly ? findings : []);
  const merged = mergeAlike(findings);
  return {
    schemaVersion: 1,
    verdict: verdictOf(merged, checks, routerOnly && interpreted.flows.length > 0),
    inputs: { inside: inside?.scan.info.file, outside: outside?.scan.info.file, router: router.map((r) => r.file), profile: opts.profile ?? "lenient" },
    captures: { inside: inside && summary(inside), outside: outside && summary(outside) },
    nat: {
      clockOffsetMs: nat?.clockOffsetMs, ...(swappedBack ? { sidesSwappedBack: true } : {}), natAddresses: nat?.natAddresses ?? [],
      natAddressCount: nat?.natAddressCount ?? 0,
      pairedFlows: nat?.paired ?? 0,
      unpairedFlows: { inside: nat?.unpairedInside.length ?? 0, outside: nat?.unpairedOutside.length ?? 0 },
      mappings: nat && !unrelated ? reportedMappings(nat, sessions, opts.allMappings ?? false) : [],
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
    findings: merged,
    checks,
    // Events of router documents unrelated to the captures stay off the timeline.
    timeline: buildTimeline(sessions, { inside, outside }, router.map((r) => ({ ...r, events: r.events.filter(matched.usable) }))),
    answers: routerOnly ? [...interpreted.answers, ...answers(sessions, predicted, merged, router, matched).filter((a) => a.question === "Are there ALG errors?")] : answers(sessions, predicted, merged, router, matched),
    diagnostics: [...(inside?.scan.diagnostics ?? []), ...(outside?.scan.diagnostics ?? []), ...router.flatMap((r) => r.diagnostics), ...(pairing?.diagnostics ?? [])],
  };
}

/**
 * The Negotiations table and the findings agree: a rewrite the router output shows wrong (its NAT
 * port differs from the announced one) is not "ok", and its check fails.
 */
function agreeWithFindings(sessions: VerifiedSession[], findings: Finding[], checks: Check[]): void {
  const wrong = findings.filter((f) => f.code === "alg.payload-port-mismatch" || f.code === "alg.payload-wrong-address");
  for (const s of sessions) {
    for (const n of s.negotiations) {
      const o = n.outside;
      if (!n.rewrite?.ok || !o || o.announced.port === undefined) continue;
      const said = `${o.announced.ip?.includes(":") ? `[${o.announced.ip}]` : o.announced.ip}:${o.announced.port}`;
      const f = wrong.find((x) => x.evidence.outside?.includes(o.packet) || x.message.includes(`announced ${said},`));
      if (!f) continue;
      n.rewrite.ok = false;
      n.rewrite.status = "wrong";
      const c = checks.find((x) => x.check === "rewrite" && x.subject === subjectOf(s, n));
      if (c) Object.assign(c, { status: "failed", reason: `${f.message} (${f.code})` });
    }
  }
}

const spanOf = (r: AnalyzeResult): CaptureSpan | undefined => captureSpan(r.scan.flows, r.scan.info.packets, r.scan.info.partial);

/**
 * pass: no error and something was judged (a negotiation's rewrite or data path, or a router
 * flow compared); fail: an error finding; inconclusive: nothing could be judged.
 */
function verdictOf(findings: Finding[], checks: Check[], routerLabelled: boolean): Verdict {
  if (findings.some((f) => f.severity === "error")) return "fail";
  const judged = checks.some((c) => c.status !== "not-checked" && (c.check === "rewrite" || c.check === "data-path" || c.check.startsWith("router") || c.check.startsWith("conntrack")));
  return judged || routerLabelled ? "pass" : "inconclusive";
}

/** What was read of each capture (a damaged one is read up to the damage). */
function coverageChecks(inputs: VerifyInputs, spans: { inside?: CaptureSpan; outside?: CaptureSpan }): Check[] {
  const out: Check[] = [];
  for (const side of ["inside", "outside"] as const) {
    const r = inputs[side];
    if (!r) continue;
    const subject = `${side} capture ${r.scan.info.file}`;
    const span = spans[side];
    const dmg = r.scan.diagnostics.find((d) => d.severity === "error" && d.offset !== undefined);
    const when = span ? `, ${new Date(span.firstMs).toISOString()} to ${new Date(span.lastMs).toISOString()}` : "";
    if (r.scan.info.partial) {
      out.push({ check: "coverage", subject, status: "not-checked", reason: `damaged${dmg ? ` at byte ${dmg.offset}` : ""}: packets 1–${r.scan.info.packets} read${when}; nothing after them is judged` });
    } else if (!span) out.push({ check: "coverage", subject, status: "not-checked", reason: `no IP packets in ${r.scan.info.packets} record(s)` });
    else out.push({ check: "coverage", subject, status: "passed", reason: `read completely: ${r.scan.info.packets} packets${when}` });
    const cut = cutReason(r, side, "sipCut");
    if (cut) out.push({ check: "coverage", subject: `SIP of the ${subject}`, status: "not-checked", reason: `${cut}: its SIP messages from there on were counted, not kept, and nothing that rests on them is judged` });
    const sessions = cutReason(r, side, "sessionCut");
    if (sessions) out.push({ check: "coverage", subject: `FTP/RTSP sessions of the ${subject}`, status: "not-checked", reason: `${sessions}: their control lines were counted, not kept, and nothing that rests on them is judged` });
  }
  return out;
}

/**
 * A capture holding one direction only (a `src host` filter, a mirror port copying one way): no
 * control flow in it has packets both ways, and at least one carries, one way only, packets that
 * answer the other direction — TCP control payload (the client answers the greeting, the server
 * the commands), a SIP response or ACK, a TFTP client's ACKs on its transfer flow. Unanswered
 * SYNs, requests and a server's DATA nobody acked say nothing (a router may have dropped the
 * rest). Said as nat.capture-one-direction (warning) and a coverage check; returns the reason
 * given to the session checks (SessionCheckInput.oneDirection), which then call nothing blocked,
 * missing or unanswered for not being in such a capture.
 */
function directionChecks(inputs: VerifyInputs, findings: Finding[], checks: Check[]): string | undefined {
  let why: string | undefined;
  for (const side of ["inside", "outside"] as const) {
    const r = inputs[side];
    if (!r) continue;
    const ids = new Set<number>();
    const senders = new Set<string>();
    let both = false;
    /** A flow one way only whose packets answer something it does not show, or an ongoing exchange. */
    const oneWay = (id: number, answers: (fromInitiator: boolean) => boolean): void => {
      if (ids.has(id)) return;
      const f = r.scan.flows.get(id);
      const ab = f.packets.initiatorToResponder;
      const ba = f.packets.responderToInitiator;
      if (ab > 0 && ba > 0) {
        both = true;
        return;
      }
      if (!ab && !ba) return;
      if (!answers(ab > 0)) return;
      ids.add(id);
      const from = ab > 0 ? f.initiator : f.responder;
      if (senders.size < 3) senders.add(`${from.ip}:${from.port}`);
    };
    for (const s of r.sessions) {
      if (both) break;
      if (s.alg === "sip") {
        // A response, or an ACK (to a final response), answers a message of the other direction.
        oneWay(s.controlFlow, () => (s.sip?.messages ?? []).some((m) => m.flow === s.controlFlow && (m.status !== undefined || m.request?.method === "ACK")));
      } else if (s.alg === "tftp") {
        // The client's ACKs (or DATA of a WRQ) on the transfer flow answer the server's first reply.
        const t = s.tftp;
        if (t?.transferFlow === undefined) continue;
        const f = r.scan.flows.get(t.transferFlow);
        oneWay(t.transferFlow, (fromInitiator) => {
          const sender = fromInitiator ? f.initiator : f.responder;
          return sender.ip === s.client.ip && sender.port === s.client.port;
        });
      } else {
        // TCP control: payload one way (unanswered SYNs say nothing): the client answers the
        // greeting, the server replies to commands.
        const f = r.scan.flows.get(s.controlFlow);
        if (f.proto !== "tcp") continue;
        oneWay(s.controlFlow, (fromInitiator) => (fromInitiator ? f.payloadBytes.initiatorToResponder : f.payloadBytes.responderToInitiator) > 0);
      }
    }
    if (both || !ids.size) continue;
    const list = [...ids];
    const what = `in the ${side} capture ${r.scan.info.file} no control flow has packets both ways, and ${ids.size} ${ids.size === 1 ? "carries" : "carry"}, one way only, packets that answer the other direction (from ${[...senders].join(", ")}${ids.size > senders.size ? ", …" : ""})`;
    findings.push(finding("nat.capture-one-direction", what, { [side === "inside" ? "insideFlows" : "outsideFlows"]: list.slice(0, 20) }));
    checks.push({ check: "coverage", subject: `directions of the ${side} capture ${r.scan.info.file}`, status: "not-checked", reason: `${what}: it was taken with a filter or on a mirror port that copies one direction, so what rests on the other direction is not in it` });
    why ??= `the ${side} capture holds packets of one direction only (nat.capture-one-direction): what is not in it proves nothing`;
  }
  return why;
}

/** Captures of different runs, or copies of one: each side's sessions listed on their own, nothing judged across (`why`: apartReason). */
function unpairedSessions(inside: AnalyzeResult, outside: AnalyzeResult, opts: VerifyOptions, checks: Check[], why: string): VerifiedSession[] {
  const ignored: Finding[] = [];
  const sessions = [...verifySessions({ inside, hints: opts.hints }, ignored, []), ...verifySessions({ outside, hints: opts.hints }, ignored, [])];
  for (const s of sessions) {
    for (const n of s.negotiations) {
      const x = (n.inside ?? n.outside)!;
      const subject = `${s.alg.toUpperCase()} ${x.kind} (${n.inside ? "inside" : "outside"} packet ${x.packet})`;
      for (const check of ["rewrite", "data-path"]) checks.push({ check, subject, status: "not-checked", reason: `${why}: nothing is judged across them` });
    }
  }
  return sessions;
}

/** Evidence items kept per kind (packets, flows, router lines) when findings are merged; `occurrences` counts all. */
const MERGED_EVIDENCE_LISTED = 200;

/** The same cause in N negotiations: one finding with N pieces of evidence (`occurrences`). */
function mergeAlike(findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!f.code.startsWith("alg.")) {
      out.push(f);
      continue;
    }
    const k = `${f.code}|${f.severity}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else {
      groups.set(k, [f]);
      out.push(f);
    }
  }
  return out.map((f) => {
    const g = f.code.startsWith("alg.") ? groups.get(`${f.code}|${f.severity}`)! : [f];
    if (g.length < 2) return f;
    const evidence: Evidence = {};
    const seen = new Set<string>();
    for (const x of g) {
      for (const [k, v] of Object.entries(x.evidence) as [keyof Evidence, unknown[]][]) {
        const into = ((evidence as Record<string, unknown[]>)[k] ??= []);
        for (const y of v) {
          const key = `${k}|${typeof y === "number" ? y : JSON.stringify(y)}`;
          if (into.length >= MERGED_EVIDENCE_LISTED || seen.has(key)) continue;
          seen.add(key);
          into.push(y);
        }
      }
    }
    return { ...f, message: `${f.message} (and ${g.length - 1} more alike)`, evidence, occurrences: g.length };
  });
}

/** Lines a real ALG would drop or ignore (emulation profile), as warnings. */
function fragile(sessions: VerifiedSession[], findings: Finding[]): void {
  for (const s of sessions) {
    for (const n of s.negotiations) {
      for (const [side, x] of [["inside", n.inside], ["outside", n.outside]] as const) {
        // SIP: src/verify/sip-linux.ts judges each message once, as the router received it.
        if (!x?.emulation || x.emulation.outcome === "parsed" || x.kind === "SDP") continue;
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

/**
 * Flows of one side only that are a crossed flow's first packet given another port (nat.clash-port):
 * when the first packets of a UDP flow's two directions crossed at the router (nat.crossed), Linux
 * resolves the clash of their two conntrack entries, and where the mirror tuple was taken
 * meanwhile it gives the losing packet another port under an entry of its own — the inside host's
 * source port SNATed to a random one (an outside-only flow from the NAT address to the remote), or
 * the remote's source port changed on its way in (an inside-only flow from the remote's address to
 * the inside host). Such a flow carries packets one way only and starts within CROSSING_MS of
 * its flow. One finding per crossed flow; its flows are then not counted as unpaired.
 */
function clashPorts(nat: Reconciliation, findings: Finding[]): void {
  if (!nat.crossed.length) return;
  const key = (ip: string, port: number | null) => `${ip}|${port}`;
  /** Unpaired UDP flows that got no packet back, by responder endpoint. */
  const oneWay = (ids: number[], table: Reconciliation["insideTable"]) => {
    const by = new Map<string, Flow[]>();
    for (const id of ids) {
      if (table.proto(id) !== "udp") continue;
      const f = table.get(id);
      if (f.packets.responderToInitiator !== 0) continue;
      const k = key(f.responder.ip, f.responder.port);
      const a = by.get(k);
      if (a) a.push(f);
      else by.set(k, [f]);
    }
    return by;
  };
  const outsideOnly = oneWay(nat.unpairedOutside, nat.outsideTable);
  const insideOnly = oneWay(nat.unpairedInside, nat.insideTable);
  const near = (table: Reconciliation["insideTable"], f: Flow, ms: number) => Math.abs(table.firstMs(f.id) - ms) <= CROSSING_MS;
  for (const id of nat.crossed) {
    const m = nat.byInside.get(id)!;
    const [ti, to] = [nat.insideTable.firstMs(id), nat.outsideTable.firstMs(m.outsideFlow!)];
    // SNATed elsewhere: from the NAT address (another port) to the remote, outside only.
    const out = (outsideOnly.get(key(m.remote.ip, m.remote.port)) ?? []).filter((f) => f.initiator.ip === m.translated.ip && f.initiator.port !== m.translated.port && near(nat.outsideTable, f, to));
    // The remote's port changed on its way in: from the remote's address to the inside host, inside only.
    const ins = (insideOnly.get(key(m.inside.ip, m.inside.port)) ?? []).filter((f) => f.initiator.ip === m.remote.ip && f.initiator.port !== m.remote.port && near(nat.insideTable, f, ti));
    if (!out.length && !ins.length) continue;
    const said = [...out.map((f) => `outside ${f.initiator.ip}:${f.initiator.port} -> ${f.responder.ip}:${f.responder.port} (${f.packets.initiatorToResponder} packet(s), the inside host's, from another NAT port)`),
      ...ins.map((f) => `inside ${f.initiator.ip}:${f.initiator.port} -> ${f.responder.ip}:${f.responder.port} (${f.packets.initiatorToResponder} packet(s), the remote's, from another port)`)];
    findings.push(finding("nat.clash-port", `udp ${m.inside.ip}:${m.inside.port} <-> ${m.remote.ip}:${m.remote.port} (NAT ${m.translated.ip}:${m.translated.port}): its first packets crossed at the router, and the kernel's clash resolution gave one another port: ${said.join("; ")}`,
      { inside: ins.map((f) => f.first.packet), outside: out.map((f) => f.first.packet), insideFlows: [id, ...ins.map((f) => f.id)], outsideFlows: [m.outsideFlow!, ...out.map((f) => f.id)] }));
  }
}

const UNPAIRED_LISTED = 50;

/** TCP/UDP flows seen on one side only: listed (bounded) and summarised in one finding per side. */
function unpairedFlows(nat: Reconciliation, spans: { inside?: CaptureSpan; outside?: CaptureSpan }, findings: Finding[]): VerifyReport["nat"]["unpaired"] {
  // Flows already explained by an ALG finding (blocked data/media) are not repeated.
  const explained = new Set<string>();
  for (const f of findings) {
    for (const id of f.evidence.insideFlows ?? []) explained.add(`inside|${id}`);
    for (const id of f.evidence.outsideFlows ?? []) explained.add(`outside|${id}`);
  }
  const out: VerifyReport["nat"]["unpaired"] = [];
  for (const [side, ids, table] of [["inside", nat.unpairedInside, nat.insideTable], ["outside", nat.unpairedOutside, nat.outsideTable]] as const) {
    let count = 0;
    let uncovered = 0;
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
      // A flow that started where the other capture has no packets is not evidence of a drop.
      const other = side === "inside" ? spans.outside : spans.inside;
      const at = table.firstMs(f.id) + clockShiftMs(nat, side, side === "inside" ? "outside" : "inside");
      if (coverageOf(other, at) !== "covered") {
        uncovered++;
        continue;
      }
      count++;
      if (first.length < 20) {
        first.push(f.first.packet);
        flows.push(f.id);
      }
    }
    if (count) {
      const ex = out.find((u) => u.side === side && flows.includes(u.flow));
      findings.push(finding("nat.unpaired-flow", `${count} TCP/UDP flow(s) seen only on the ${side}` + (ex ? ` (e.g. ${ex.proto} ${ex.from} -> ${ex.to}, ${ex.packets} packets)` : ""),
        side === "inside" ? { inside: first, insideFlows: flows } : { outside: first, outsideFlows: flows }, uncovered ? `${uncovered} more started where the other capture has no packets: not counted` : undefined));
    }
  }
  return out;
}

const bracket = (codes: string[]) => (codes.length ? ` [${codes.join(", ")}]` : "");

const PATH_WORDS: [VerifiedSession["negotiations"][number]["dataPath"] | "interleaved", string][] = [
  ["forwarded", "with data/media forwarded through the NAT"],
  ["interleaved", "with media carried on the control connection (interleaved)"],
  ["blocked", "blocked at the NAT"],
  ["late", "late"],
  ["refused", "refused by the server"],
  ["not-attempted", "with no data/media flow attempted"],
  ["not-covered", "not covered by the captures (a capture has no packets where the flow would start)"],
  ["one-side-only", "seen in one capture only"],
  ["not-applicable", "announcing no data/media flow"],
];

/** "Is the ALG active?" from the evidence: rewritten (yes), nothing needed rewriting (no ALG acted), not rewritten (no). */
function algActive(alg: "ftp" | "rtsp" | "sip", ss: VerifiedSession[], findings: Finding[], matched: RouterMatch, codes: (re: RegExp) => string[]): Answer {
  const A = alg.toUpperCase();
  const question = `Is the ${A} ALG active?`;
  const negs = ss.flatMap((s) => s.negotiations);
  const statuses = negs.map((n) => n.rewrite?.status).filter((x) => x && x !== "n/a");
  // Router lines quoted only where they are about these sessions (router-match.ts).
  const own = ss.map((s) => matched.forSession(s));
  const routerConv = own.flatMap((o) => [...o.control, ...o.data]).filter((f) => f.format === "junos-conversations" && (f.alg ?? "").toLowerCase() === alg);
  const helpers = own.flatMap((o) => o.control).filter((f) => f.format === "conntrack" && (f.alg ?? "").toLowerCase().startsWith(alg));
  const routerSays = routerConv.length ? `the router lists ${routerConv.length} flow(s) under ALG protocol ${alg}`
    : helpers.length ? `conntrack shows helper=${helpers[0].alg} on the control connection (${helpers[0].location.file}:${helpers[0].location.line})` : undefined;
  const notRewritten = codes(/^alg\.(payload-not-translated|port-refused-foreign-address|sdp-not-translated|contact-not-translated)$/).filter((c) => findings.some((f) => f.code === c && f.severity === "error"));
  const routerInactive = codes(/^(router\.alg-inactive|conntrack\.helper-missing)$/);
  const wrong = codes(/^alg\.payload-(wrong-address|port-mismatch)$/);
  if (findings.some((f) => f.code === "nat.captures-identical")) return { question, answer: "Not known: the two captures are copies of one capture, so they show no payload crossing the NAT [nat.captures-identical].", findings: ["nat.captures-identical"] };
  if (findings.some((f) => f.code === "nat.captures-unrelated")) return { question, answer: "Not known: the two captures are not of the same run, so no payload can be compared across the NAT [nat.captures-unrelated].", findings: ["nat.captures-unrelated"] };
  if (notRewritten.length) return { question, answer: `No: the payload still names what the inside host wrote, so the ALG did not act on it${bracket([...notRewritten, ...routerInactive])}.`, findings: [...notRewritten, ...routerInactive] };
  if (wrong.length) return { question, answer: `It acts, but wrongly: the rewritten payload does not match the NAT's translation${bracket(wrong)}.`, findings: wrong };
  const n = statuses.filter((x) => x === "rewritten").length;
  if (n) return { question, answer: `Yes: ${n} negotiation(s) rewritten consistently with the NAT${routerSays ? `, and ${routerSays}` : ""}${bracket(routerInactive)}.`, findings: routerInactive };
  if (statuses.length) {
    const kept = negs.some((x) => x.rewrite?.status === "not-needed" && (x.kind === "SETUP" || x.kind === "PORT" || x.kind === "EPRT" || x.kind === "LPRT"));
    const untranslated = ss.every((x) => !x.control.clientTranslated || x.control.clientTranslated.ip === x.control.client.ip);
    const because = untranslated ? "because the NAT does not translate the client's address" : kept ? "because the NAT kept the ports (works by port preservation)" : "(passive FTP: the server's own address and port are valid on both sides)";
    const codesHere = [...codes(/^alg\.works-by-port-preservation$/), ...routerInactive];
    const helperNote = routerSays ? `; ${routerSays}, but it had nothing to do` : "";
    return { question, answer: `No ALG acted: nothing needed rewriting ${because}${helperNote}${bracket(codesHere)}.`, findings: codesHere };
  }
  if (negs.length && negs.every((x) => x.rewrite?.status === "n/a")) return { question, answer: `No ALG was needed: the media is carried on the control connection (interleaved), so no payload names an address or port to rewrite${routerSays ? `; ${routerSays}` : ""}${bracket(routerInactive)}.`, findings: routerInactive };
  if (routerSays) return { question, answer: `Yes according to the router: ${routerSays}; no negotiation was seen on both sides of the NAT to confirm it${bracket(routerInactive)}.`, findings: routerInactive };
  return { question, answer: `Not known: no negotiation was seen on both sides of the NAT${bracket(routerInactive)}.`, findings: routerInactive };
}

/** "Did media pass both ways?" for the SIP dialogs: media directions by outcome. */
function sipMediaAnswer(ss: VerifiedSession[], codes: (re: RegExp) => string[]): Answer {
  const dirs = ss.flatMap((s) => s.sip?.media ?? []).filter((d) => d.expected);
  const count = new Map<string, number>();
  for (const d of dirs) count.set(d.status, (count.get(d.status) ?? 0) + 1);
  const words: [string, string][] = [["forwarded", "forwarded through the NAT"], ["blocked", "blocked at the NAT"], ["not-sent", "never sent (the SDP named an address that does not lead to the NAT)"], ["not-attempted", "with no media sent"], ["one-side-only", "seen in one capture only"]];
  const parts = words.filter(([k]) => count.get(k)).map(([k, w]) => `${count.get(k)} ${w}`);
  const bad = codes(/^alg\.(one-way-media|media-blocked|sdp-not-translated)$/);
  const messages = ss.reduce((n, s) => n + (s.sip?.messages.length ?? 0), 0);
  return {
    question: "Do the SIP signalling and the RTP media both pass the NAT, in both directions?",
    answer: `${ss.length} SIP dialog(s), ${messages} message(s) and ${dirs.length} media direction(s)${parts.length ? `: ${parts.join(", ")}` : ""}${bracket(bad)}.`,
    findings: bad,
  };
}

function answers(sessions: VerifiedSession[], predicted: PredictedConversation[], findings: Finding[], router: RouterParseResult[], matched: RouterMatch): Answer[] {
  const codes = (re: RegExp) => [...new Set(findings.filter((f) => re.test(f.code)).map((f) => f.code))];
  const out: Answer[] = [];
  for (const alg of ["ftp", "rtsp", "sip"] as const) {
    const ss = sessions.filter((s) => s.alg === alg);
    if (!ss.length) continue;
    out.push(algActive(alg, ss, findings, matched, codes));
    if (alg === "sip") {
      out.push(sipMediaAnswer(ss, codes));
      continue;
    }
    const data = ss.flatMap((s) => s.negotiations);
    const count = new Map<string, number>();
    for (const n of data) {
      const k = n.dataPath === "not-applicable" && interleaved(n) ? "interleaved" : n.dataPath;
      count.set(k, (count.get(k) ?? 0) + 1);
    }
    const parts = PATH_WORDS.filter(([k]) => count.get(k)).map(([k, w]) => `${count.get(k)} ${w}`);
    const bad = codes(/alg\.(data-flow|media)-|alg\.port-refused-foreign-address/);
    out.push({
      question: alg === "ftp" ? "Are the control and data flows both present?" : "Do both the TCP control and the UDP media flows exist, and did media pass?",
      answer: `${ss.length} control session(s) and ${data.length} negotiation(s)${parts.length ? `: ${parts.join(", ")}` : ""}${bracket(bad)}.`,
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
  out.push({ question: "Are there ALG errors?", answer: errs.length ? `Yes: the router counted FTP/RTSP ALG errors${bracket(errs)}.` : router.some((r) => r.counters.length) ? "No: the ALG error counters are 0." : "Not known: no statistics output was given.", findings: errs });
  return out;
}
