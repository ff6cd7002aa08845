/**
 * Per-negotiation checks across the NAT: did the ALG rewrite the payload consistently with the
 * translation, and what happened to the data/media flows it announced.
 *
 * Control sessions are paired through the control flow's NAT mapping; negotiations by kind and
 * order. The rules (ALG-BEHAVIOUR.md §3.10, §3.12, §3.13):
 *   PORT/EPRT/LPRT  outside payload must name the control connection's NAT address and the port
 *                   the data connection really arrives at; inside it names the private host.
 *   227/229/228     as the server sent it (its public address) on both sides, unless destination
 *                   NAT applies to the server.
 *   SETUP           the outside client_port must be the NAT port the media is forwarded on.
 * Data path per negotiation: forwarded (both sides, consistent), blocked (seen on the side it
 * entered, never on the other), refused/not attempted (an FTP 425/426/5xx reply), late, or
 * one-side-only when only one capture was given.
 */
import { EventKind } from "../wasm/abi.js";
import type { AlgEvent } from "../wasm/core.js";
import type { AnalyzeResult } from "../alg/analyze.js";
import { FTP_TRANSFER, type Negotiation, type Session } from "../alg/sessions.js";
import { icmpFlowsBetween } from "./flow-columns.js";
import type { Endpoint, Flow } from "../types.js";
import { clockShiftMs, coverageOf, type CaptureSpan, type Reconciliation } from "./nat.js";
import type { Check, Finding, NatMapping, RewriteStatus, VerifiedNegotiation, VerifiedSession } from "./types.js";
import { FINDINGS, finding } from "./findings.js";
import { tftpChecks, verifyTftpSession } from "./tftp.js";
import { verifySip } from "./sip.js";
import { missingPastCut } from "./cuts.js";
import { sentTwiceIn } from "./two-copies.js";

const isSipSession = (s: Session) => s.alg === "sip";

const ep = (e: { ip?: string; port?: number | null }) => `${e.ip === undefined ? e.ip : hostPort(e.ip)}:${e.port}`;

/** FTP replies after `packet` on the control flow, up to the next negotiation. */
function refusal(events: AlgEvent[], controlFlow: number, after: number, before: number): AlgEvent | undefined {
  return eventsOf(events, controlFlow).find((e) => e.kind === EventKind.FtpReply && e.packet > after && e.packet < before &&
    [425, 426, 500, 501, 502, 504, 522].includes(e.code));
}

/** Each capture's kept control lines by flow, in their order (made at the first look-up). */
const byFlowIndex = new WeakMap<readonly AlgEvent[], Map<number, AlgEvent[]>>();

/**
 * The events of `events` on `flow`, in order: asked once per negotiation without data, a scan of
 * every kept line was quadratic (a capture of many FTP sessions whose data never came).
 */
function eventsOf(events: readonly AlgEvent[], flow: number): readonly AlgEvent[] {
  let index = byFlowIndex.get(events);
  if (!index) {
    index = new Map();
    for (const e of events) {
      const list = index.get(e.flow);
      if (list) list.push(e);
      else index.set(e.flow, [e]);
    }
    byFlowIndex.set(events, index);
  }
  return index.get(flow) ?? [];
}

function activeKind(n: Negotiation): boolean {
  return n.kind === "PORT" || n.kind === "EPRT" || n.kind === "LPRT";
}

export interface SessionCheckInput {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
  nat?: Reconciliation;
  hints?: NatHints;
  /** What was read of each capture: a flow starting outside it is not covered, never blocked. */
  spans?: { inside?: CaptureSpan; outside?: CaptureSpan };
  /** linux: also what the Linux helpers would have done (SIP: ./sip-linux.ts). */
  profile?: "lenient" | "linux";
  /**
   * Why absence in a capture proves nothing: it holds packets of one direction only
   * (nat.capture-one-direction). Then a flow or media not seen on both sides is not covered,
   * never blocked, missing or late.
   */
  oneDirection?: string;
}

/** What the user knows about the NAT, for where the captures alone are ambiguous. */
import { inCidr, type Cidr } from "../net/cidr.js";
import { hostPort } from "../net/addr.js";
export { parseCidr, type Cidr } from "../net/cidr.js";

export interface NatHints {
  /** Addresses the NAT may use (a pool): a payload naming any of them is translated. */
  natAddresses?: string[];
  /** Private networks behind the NAT: an outside payload naming one was not translated. */
  insideNets?: Cidr[];
}


export function verifySessions(input: SessionCheckInput, findings: Finding[], checks: Check[] = []): VerifiedSession[] {
  const out = pairSessions(input, findings);
  // What the checks read of the findings (which they do not add to), by packet: one pass over
  // them, not one per negotiation (a capture of many sessions with a finding each).
  const notTranslated = findingPackets(findings, "alg.payload-not-translated");
  const foreignRefused = findingPackets(findings, "alg.port-refused-foreign-address");
  for (const s of out) {
    for (const n of s.negotiations) {
      if (s.alg === "tftp") tftpChecks(subjectOf(s, n), n, input, checks);
      else negotiationChecks(s, n, input, checks, notTranslated, foreignRefused);
    }
  }
  // SIP dialogs have their own pairing and checks (./sip.ts).
  for (const s of verifySip(input, findings, checks)) out.push(s);
  return out;
}

function pairSessions(input: SessionCheckInput, findings: Finding[]): VerifiedSession[] {
  const { inside, outside, nat } = input;
  const out: VerifiedSession[] = [];
  const pairedOutside = new Set<Session>();
  // The first outside session of each control flow: a look-up per inside session, not a scan of
  // them all (--max-tftp-sessions requests on each side).
  const byFlow = new Map<number, Session>();
  for (const s of outside?.sessions ?? []) if (!byFlow.has(s.controlFlow)) byFlow.set(s.controlFlow, s);
  for (const si of inside?.sessions ?? []) {
    if (isSipSession(si)) continue;
    const m = nat?.byInside.get(si.controlFlow);
    const so = m?.outsideFlow !== undefined ? byFlow.get(m.outsideFlow) : undefined;
    if (so) pairedOutside.add(so);
    out.push(checkSession(si, so, m, input, findings));
  }
  for (const so of outside?.sessions ?? []) {
    if (pairedOutside.has(so) || isSipSession(so)) continue;
    out.push(checkSession(undefined, so, undefined, input, findings));
  }
  return out;
}

function checkSession(si: Session | undefined, so: Session | undefined, m: NatMapping | undefined, input: SessionCheckInput, findings: Finding[]): VerifiedSession {
  const s = (si ?? so)!;
  if (s.alg === "tftp") return verifyTftpSession(si, so, m, input, findings);
  const vs: VerifiedSession = {
    alg: s.alg,
    control: { insideFlow: si?.controlFlow, outsideFlow: so?.controlFlow, client: s.client, server: s.server },
    negotiations: [],
  };
  if (m && si) vs.control.clientTranslated = m.translated;
  const firstIn = si && input.inside ? input.inside.scan.flows.get(si.controlFlow).first : undefined;
  const firstOut = so && input.outside ? input.outside.scan.flows.get(so.controlFlow).first : undefined;
  if (firstIn || firstOut) vs.control.first = { ...(firstIn && { inside: { ...firstIn } }), ...(firstOut && { outside: { ...firstOut } }) };
  // Pair negotiations by kind and order.
  const counts = new Map<string, number>();
  const outByKind = new Map<string, Negotiation[]>();
  for (const n of so?.negotiations ?? []) (outByKind.get(n.kind) ?? outByKind.set(n.kind, []).get(n.kind)!).push(n);
  const usedOut = new Set<Negotiation>();
  const list = si ? si.negotiations : so!.negotiations;
  for (const ni of list) {
    let no: Negotiation | undefined;
    if (si && so) {
      const k = counts.get(ni.kind) ?? 0;
      counts.set(ni.kind, k + 1);
      no = outByKind.get(ni.kind)?.[k];
      if (no) usedOut.add(no);
    }
    const v = si ? checkNegotiation(ni, no, si, so, m, input, findings) : checkNegotiation(undefined, ni, undefined, so, m, input, findings);
    vs.negotiations.push(v);
  }
  if (si && so) {
    for (const no of so.negotiations) if (!usedOut.has(no)) vs.negotiations.push(checkNegotiation(undefined, no, si, so, m, input, findings));
  }
  return vs;
}

function flowOf(r: AnalyzeResult | undefined, id: number | undefined): Flow | undefined {
  return r && id ? r.scan.flows.get(id) : undefined;
}

function checkNegotiation(
  ni: Negotiation | undefined, no: Negotiation | undefined, si: Session | undefined, so: Session | undefined,
  m: NatMapping | undefined, input: SessionCheckInput, findings: Finding[],
): VerifiedNegotiation {
  const n = (ni ?? no)!;
  const v: VerifiedNegotiation = { kind: n.kind, inside: ni, outside: no, dataPath: "not-applicable" };
  if (n.command) v.command = n.command;
  const { inside, outside, nat } = input;
  const ev = (x?: Negotiation, y?: Negotiation) => ({ inside: x ? [x.packet] : undefined, outside: y ? [y.packet] : undefined });

  // A line sent twice with different bytes: the first copy was read, the peer may have taken the
  // other — nothing is judged on its text (no rewrite verdict, no flow called missing for it).
  const doubt = twoCopies(ni, no);
  if (doubt) v.twoCopies = doubt;
  // Payload rewrite (needs both sides and a translated control connection).
  if (ni && no && m && si && so && !doubt) {
    if (activeKind(n)) {
      const natIp = m.translated.ip;
      const privateIp = m.inside.ip;
      const observed = { ip: no.announced.ip, port: no.announced.port };
      // The port the data connection really arrived at on the outside, if it did.
      const dataOut = flowOf(outside, no.observedFlows[0]);
      const expected = { ip: natIp, port: dataOut ? dataOut.responder.port ?? undefined : no.announced.port };
      let ok = true;
      const pool = input.hints?.natAddresses ?? [];
      if (natIp !== privateIp && no.announced.ip === privateIp) {
        ok = false;
        findings.push(finding("alg.payload-not-translated", `${n.kind} left untranslated: the outside line still names the private address ${privateIp}`, {
          ...ev(ni, no), insideFlows: [si.controlFlow], outsideFlows: [so.controlFlow],
        }, `outside: "${no.line}"; the NAT maps ${ep(m.inside)} to ${ep(m.translated)}`));
      } else if (no.announced.ip !== undefined && no.announced.ip !== natIp && !pool.includes(no.announced.ip)) {
        ok = false;
        findings.push(finding("alg.payload-wrong-address", `${n.kind} rewritten to ${no.announced.ip}, but the control connection leaves the NAT as ${natIp}`, {
          ...ev(ni, no), insideFlows: [si.controlFlow], outsideFlows: [so.controlFlow],
        }, `outside: "${no.line}"`));
      }
      v.rewrite = { expected, observed, ok, status: rewriteStatus(ok, ni, no, privateIp) };
    } else if (n.kind !== "SETUP") {
      // Passive replies: the server's own text on both sides unless the server itself is translated.
      const observed = { ip: ni.announced.ip, port: ni.announced.port };
      const expected = { ip: no.announced.ip, port: no.announced.port };
      const ok = observed.ip === expected.ip && observed.port === expected.port;
      v.rewrite = { expected, observed, ok, status: ok ? "not-needed" : "wrong" };
      if (!ok && expected.ip === so.server.ip) {
        findings.push(finding("alg.payload-wrong-address", `${n.kind} reply changed on its way in: ${ep(expected)} outside, ${ep(observed)} inside`, {
          ...ev(ni, no), insideFlows: [si.controlFlow], outsideFlows: [so.controlFlow],
        }, `inside: "${ni.line}"; outside: "${no.line}"`));
      }
    } else {
      v.rewrite = setupRewrite(ni, no, m, input);
    }
  }

  // Data path.
  const transfer = ftpTransfer(ni ? inside : outside, ni ?? no!);
  if (transfer) v.transfer = transfer;
  const flowWhat = n.kind === "SETUP" ? "media" : transfer ? `data connection for ${transfer}` : "data connection";
  const insideSeen = ni?.dataSeen ?? false;
  const outsideSeen = no?.dataSeen ?? false;
  const gap = n.valid && n.expected.length && inside && outside ? coverageGap(ni, no, si, so, input) : undefined;
  if (!n.valid || !n.expected.length) {
    v.dataPath = "not-applicable";
  } else if (gap) {
    // Where a capture it needs has no packets nothing is judged: no blame, no rewrite verdict.
    v.dataPath = "not-covered";
    v.notCovered = gap;
  } else if (!inside || !outside) {
    v.dataPath = "one-side-only";
    if (!inside && !doubt && activeKind(n) && inCidr(n.announced.ip, input.hints?.insideNets)) {
      findings.push(finding("alg.payload-not-translated", `${n.kind} on the outside names ${n.announced.ip}, an address of the inside network`, { outside: [n.packet] }, `"${n.line}"`));
    }
    if (!n.dataSeen) dataMissing(n, v, findings, (inside ?? outside)!, input, !inside);
  } else if (input.oneDirection && ni && no && insideSeen && outsideSeen && no.observedFlows.some((id) => !nat?.byOutside.has(id)) && !blockedIcmp(outside, no, nat)) {
    v.dataPath = "not-covered";
    v.notCovered = input.oneDirection;
  } else if (ni && no && insideSeen && outsideSeen && no.observedFlows.some((id) => !nat?.byOutside.has(id))) {
    // Seen on both sides, but not as the same flow: e.g. the client's NAT-punching packets went
    // out (and crossed), while the server's media to the announced port died at the router.
    v.dataPath = "blocked";
    const all = no.observedFlows.filter((id) => !nat?.byOutside.has(id)).map((id) => flowOf(outside, id)!);
    const f = all[0];
    findings.push(finding(n.kind === "SETUP" ? "alg.media-blocked" : "alg.data-flow-blocked", `${flowWhat} ${ep(f.initiator)} → ${ep(f.responder)} reached the outside but never the inside`, {
      inside: [ni.packet], outside: [no.packet, ...all.map((x) => x.first.packet)], outsideFlows: all.map((x) => x.id),
    }, icmpNote(outside, f)));
    if (m && !doubt && ni.announced.port === no.announced.port && m.inside.ip !== m.translated.ip && !findings.some((x) => x.code === "alg.payload-not-translated" && x.evidence.outside?.includes(no.packet))) {
      findings.push(finding("alg.payload-not-translated", `${n.kind} ${n.kind === "SETUP" ? "client_port" : "port"} ${no.announced.port} left as the inside host wrote it; the NAT did not open it`, { inside: [ni.packet], outside: [no.packet] }));
    }
  } else if (ni && no && insideSeen && outsideSeen) {
    v.dataPath = "forwarded";
    // Payload port must be where the data really went (NAT port reassignment, §3.13).
    if (activeKind(n) && !doubt && no.announced.port !== undefined) {
      const dOut = flowOf(outside, no.observedFlows[0]);
      const dIn = flowOf(inside, ni.observedFlows[0]);
      if (dOut && dIn && dIn.responder.port !== ni.announced.port) {
        findings.push(finding("alg.payload-port-mismatch", `data connection to ${ep(dOut.responder)} was forwarded to ${ep(dIn.responder)}, not to the announced ${ep(ni.announced)}`, {
          inside: [dIn.first.packet], outside: [dOut.first.packet], insideFlows: [dIn.id], outsideFlows: [dOut.id],
        }));
      }
    }
    if (n.kind === "SETUP" && !doubt && ni.announced.port === no.announced.port && m && m.inside.ip !== m.translated.ip) {
      const media = flowOf(inside, ni.observedFlows[0]);
      // Only media the server sends relies on the mapping the client's packets opened (PLAY);
      // media the client sends (RECORD) is an ordinary outbound flow.
      const fromServer = media && (media.initiator.ip === m.inside.ip ? media.packets.responderToInitiator : media.packets.initiatorToResponder);
      if (media && media.initiator.ip === m.inside.ip && fromServer) {
        findings.push(finding("alg.works-by-port-preservation", `media passes although SETUP was not rewritten: the NAT kept port ${ni.announced.port} and the client sent first`, {
          inside: [ni.packet, media.first.packet], outside: [no.packet], insideFlows: [media.id],
        }));
      }
    }
  } else if (outsideSeen && !ni && no && crossedTcp(outside!, no.observedFlows, nat?.byOutside)) {
    // The inside capture lacks the negotiation (its line never showed there: a capture filter or a
    // mirror port that kept one direction, a lost packet), but every flow it announced crossed the
    // NAT: TCP connections the reconciliation paired with inside ones (a connection crosses both
    // ways; a UDP flow paired may have crossed one way only: RTSP's punch packets beside blocked
    // media). Not blocked; the rewrite is not checked.
    v.dataPath = "forwarded";
  } else if (insideSeen && !no && ni && crossedTcp(inside!, ni.observedFlows, nat?.byInside)) {
    v.dataPath = "forwarded";
  } else if (input.oneDirection && !blockedIcmp(outside, outsideSeen ? no : undefined, nat)) {
    // Not seen on both sides, and a capture holds one direction only: its absence proves nothing
    // (the router's ICMP error about the flow is evidence whatever the other capture lacks).
    v.dataPath = "not-covered";
    v.notCovered = input.oneDirection;
    // A SETUP left unrewritten while the NAT moved the client's port (its punch packets crossed
    // under another one): media sent to the port it names finds no mapping, whatever the capture lacks.
    const moved = n.kind === "SETUP" && ni && no && v.rewrite && !v.rewrite.ok && ni.announced.port === no.announced.port
      ? ni.observedFlows.map((id) => nat?.byInside.get(id)).find((mm) => mm && mm.inside.port === ni.announced.port && mm.translated.port !== mm.inside.port) : undefined;
    if (moved && ni && no) {
      findings.push(finding("alg.payload-not-translated", `SETUP client_port ${no.announced.port} left as the inside host wrote it, while the NAT maps ${moved.inside.ip}:${moved.inside.port} to ${moved.translated.ip}:${moved.translated.port}: media sent to the port it names finds no mapping`, { inside: [ni.packet], outside: [no.packet] }));
    } else if (n.kind === "SETUP" && ni && no && v.rewrite && !v.rewrite.ok) {
      // Unrewritten, the NAT's port for it unknown: media may still pass by port preservation
      // (alg.works-by-port-preservation), which the capture of one direction cannot show.
      findings.push(finding("alg.payload-not-translated", `SETUP client_port ${no.announced.port} left as the inside host wrote it; whether media reached the client (a NAT that kept the port, the client sending first) is not in the captures: ${input.oneDirection}`, { inside: [ni.packet], outside: [no.packet] }, undefined, "warning"));
    }
  } else if (outsideSeen && !insideSeen && no) {
    v.dataPath = "blocked";
    const code = n.kind === "SETUP" ? "alg.media-blocked" : "alg.data-flow-blocked";
    const f = flowOf(outside, no.observedFlows[0])!;
    const all = no.observedFlows.map((id) => flowOf(outside, id)!);
    findings.push(finding(code, `${flowWhat} ${ep(f.initiator)} → ${ep(f.responder)} reached the outside but never the inside`, {
      inside: ni ? [ni.packet] : undefined, outside: [no.packet, ...all.map((x) => x.first.packet)], outsideFlows: all.map((x) => x.id),
    }, icmpNote(outside, f)));
    if (n.kind === "SETUP" && m && ni && !doubt && ni.announced.port === no.announced.port && m.inside.ip !== m.translated.ip &&
      !findings.some((x) => x.code === "alg.payload-not-translated" && x.evidence.outside?.includes(no.packet))) {
      findings.push(finding("alg.payload-not-translated", `SETUP client_port ${no.announced.port} left as the inside host wrote it; the NAT did not open it`, { inside: [ni.packet], outside: [no.packet] }));
    }
  } else if (insideSeen && !outsideSeen && ni) {
    v.dataPath = "blocked";
    const f = flowOf(inside, ni.observedFlows[0])!;
    const all = ni.observedFlows.map((id) => flowOf(inside, id)!);
    findings.push(finding(n.kind === "SETUP" ? "alg.media-blocked" : "alg.data-flow-blocked", `${flowWhat} ${ep(f.initiator)} → ${ep(f.responder)} left the inside host but never appeared outside`, {
      inside: [ni.packet, ...all.map((x) => x.first.packet)], outside: no ? [no.packet] : undefined, insideFlows: all.map((x) => x.id),
    }));
  } else {
    dataMissing(n, v, findings, inside, input, false, ni, no);
  }
  return v;
}

/**
 * Why a negotiation's text is not known to be what the peer took: its control connection sent the
 * line again with other bytes (Negotiation.retransmissionDiffers) in either capture. Undefined when not.
 */
function twoCopies(ni: Negotiation | undefined, no: Negotiation | undefined): string | undefined {
  const where = sentTwiceIn(ni, no);
  return where && `the control connection sent the ${(ni ?? no)!.kind} line twice with different bytes in ${where}: the first copy was read, which one the peer took is not known`;
}

/** Each negotiation's session, per capture's session list (made at its first look-up). */
const ownerIndex = new WeakMap<readonly Session[], Map<Negotiation, Session>>();

/**
 * The session holding negotiation `n` in `sessions` (as `sessions.find((s) => s.negotiations.includes(n))`),
 * through an index made once per list: asked for every negotiation, a scan of every session was
 * quadratic (--max-tftp-sessions requests per capture).
 */
export function sessionOf(sessions: readonly Session[], n: Negotiation): Session | undefined {
  let index = ownerIndex.get(sessions);
  if (!index) {
    index = new Map();
    for (const s of sessions) for (const x of s.negotiations) if (!index.has(x)) index.set(x, s);
    ownerIndex.set(sessions, index);
  }
  return index.get(n);
}

export const msOf = (iso: string) => Date.parse(iso.slice(0, 19) + "Z") + Number(`0.${iso.slice(20, 29).replace(/\D/g, "") || "0"}`) * 1000;

/**
 * Why capture `side` cannot show what happened at `ms` (a moment on the other capture's clock),
 * or undefined when it read that moment.
 */
function uncovered(input: SessionCheckInput, side: "inside" | "outside", ms: number, what: string): string | undefined {
  const span = input.spans?.[side];
  const at = ms + clockShiftMs(input.nat, side === "outside" ? "inside" : "outside", side);
  const where = coverageOf(span, at);
  if (where === "covered") return undefined;
  if (where === "before") return `${what} before the ${side} capture's first packet`;
  return span?.partial ? `${what} after packet ${span.packets} of the ${side} capture, where it is damaged (nothing after it was read)` : `${what} after the ${side} capture's last packet`;
}

/**
 * A negotiation whose counterpart, or whose data/media flow, falls where the other capture has no
 * packets: the reason (the data path is then not-covered, never blocked).
 */
function coverageGap(ni: Negotiation | undefined, no: Negotiation | undefined, si: Session | undefined, so: Session | undefined, input: SessionCheckInput): string | undefined {
  if (!ni && no) {
    const r = uncovered(input, "inside", msOf(no.time), `the ${no.kind} at outside packet ${no.packet} was sent`);
    if (r) return r;
  }
  if (ni && !no) {
    const r = uncovered(input, "outside", msOf(ni.time), `the ${ni.kind} at inside packet ${ni.packet} was sent`);
    if (r) return r;
  }
  // A session the other capture may not have kept (--max-sessions): nothing of it is judged there.
  const side = ni && !so ? "inside" : no && !si ? "outside" : undefined;
  const alone = side === "inside" ? ni : no;
  const cut = side && alone && missingPastCut(input, side, msOf(alone.time), "sessionCut");
  if (cut) return `this session is in the ${side} capture only, and ${cut}`;
  const oneSided = (x: Negotiation | undefined, from: "inside" | "outside") => {
    const r = input[from]!;
    const other = from === "inside" ? "outside" : "inside";
    const idx = from === "inside" ? input.nat?.byInside : input.nat?.byOutside;
    const flows = (x?.observedFlows ?? []).filter((id) => !idx?.has(id));
    if (!flows.length) return undefined;
    const reasons = flows.map((id) => uncovered(input, other, r.scan.flows.firstMs(id), `its ${x!.kind === "SETUP" ? "media" : "data"} flow (${from} flow ${id}) started`));
    return reasons.every((z) => z !== undefined) ? reasons[0] : undefined;
  };
  return oneSided(no, "outside") ?? oneSided(ni, "inside");
}


/** FTP: the transfer command that followed the negotiation on its control connection (e.g. "RETR hello.txt"). */
function ftpTransfer(r: AnalyzeResult | undefined, n: Negotiation): string | undefined {
  if (!r || n.kind === "SETUP") return undefined;
  const { next, commands } = transferIndex(r);
  const after = next.get(n);
  if (!after) return undefined;
  const e = (commands.get(after.flow) ?? []).find((x) => x.packet > n.packet && x.packet < after.before);
  return e?.text.trim();
}

/** Per capture, once: each negotiation's control flow and the next negotiation's packet; transfer commands per control flow. */
const transferIndexes = new WeakMap<AnalyzeResult, { next: Map<Negotiation, { flow: number; before: number }>; commands: Map<number, AlgEvent[]> }>();

function transferIndex(r: AnalyzeResult) {
  let x = transferIndexes.get(r);
  if (x) return x;
  x = { next: new Map(), commands: new Map() };
  for (const s of r.sessions) {
    s.negotiations.forEach((n, i) => x!.next.set(n, { flow: s.controlFlow, before: s.negotiations[i + 1]?.packet ?? Number.MAX_SAFE_INTEGER }));
  }
  for (const e of r.events) {
    if (e.kind !== EventKind.FtpCommand || !FTP_TRANSFER.test(e.text)) continue;
    const l = x.commands.get(e.flow) ?? x.commands.set(e.flow, []).get(e.flow)!;
    l.push(e);
  }
  transferIndexes.set(r, x);
  return x;
}

/** How a payload rewrite turned out: compared with what the inside host wrote. */
function rewriteStatus(ok: boolean, ni: Negotiation, no: Negotiation, privateIp?: string): RewriteStatus {
  const same = ni.announced.ip === no.announced.ip && ni.announced.port === no.announced.port;
  if (ok) return same ? "not-needed" : "rewritten";
  return same || (privateIp !== undefined && no.announced.ip === privateIp) ? "not-rewritten" : "wrong";
}

/**
 * SETUP's client_port must be the port the NAT gives the media: the translated port of the media
 * flow the client opened (when it sent first), else judged by whether media crossed. A transport
 * without a port (interleaved: media on the control connection) has nothing to rewrite: n/a.
 */
function setupRewrite(ni: Negotiation, no: Negotiation, m: NatMapping, input: SessionCheckInput): NonNullable<VerifiedNegotiation["rewrite"]> {
  const observed = { port: no.announced.port };
  if (ni.announced.port === undefined && no.announced.port === undefined) return { expected: {}, observed: {}, ok: true, status: "n/a" };
  const mapped = ni.observedFlows.map((id) => input.nat?.byInside.get(id)).find((x) => x && x.inside.port === ni.announced.port);
  if (mapped) {
    const ok = no.announced.port === mapped.translated.port;
    return { expected: { port: mapped.translated.port ?? undefined }, observed, ok, status: rewriteStatus(ok, ni, no) };
  }
  const mediaOut = flowOf(input.outside, no.observedFlows[0]);
  const expected = { port: mediaOut ? (mediaOut.responder.ip === m.translated.ip ? mediaOut.responder.port : mediaOut.initiator.port) ?? undefined : no.announced.port };
  const translated = m.inside.ip !== m.translated.ip;
  const ok = !(translated && ni.announced.port === no.announced.port && !mediaForwarded(ni, no, input));
  return { expected, observed, ok, status: rewriteStatus(ok, ni, no) };
}

function mediaForwarded(ni: Negotiation, no: Negotiation, input: SessionCheckInput): boolean {
  return ni.dataSeen && no.dataSeen && ni.observedFlows.some((id) => input.nat?.byInside.has(id) ?? false);
}

/** Every flow in `ids` is a TCP connection of capture `r` that the NAT pairing found on the other side too (`paired`: byInside / byOutside). */
function crossedTcp(r: AnalyzeResult, ids: readonly number[], paired: { has(id: number): boolean } | undefined): boolean {
  return ids.length > 0 && ids.every((id) => paired?.has(id) && r.scan.flows.get(id).proto === "tcp");
}

/** The router's ICMP error about a flow negotiation `no` saw in the outside capture that the NAT pairing did not find inside, if any. */
function blockedIcmp(outside: AnalyzeResult | undefined, no: Negotiation | undefined, nat: Reconciliation | undefined): string | undefined {
  if (!outside || !no) return undefined;
  for (const id of no.observedFlows) {
    if (nat?.byOutside.has(id)) continue;
    const note = icmpNote(outside, flowOf(outside, id)!);
    if (note) return note;
  }
  return undefined;
}

/** The router's ICMP error about flow `f` (the first ICMP flow from its responder back to its initiator), quoted. */
export function icmpNote(r: AnalyzeResult, f: Flow): string | undefined {
  const id = icmpFlowsBetween(r.scan.flows, f.responder.ip, f.initiator.ip)[0];
  if (id === undefined) return undefined;
  const g = r.scan.flows.get(id);
  return `ICMP from ${g.initiator.ip} to ${g.responder.ip} (flow ${g.id}, packet ${g.first.packet}): the router answered the media with an error such as port unreachable`;
}

function dataMissing(n: Negotiation, v: VerifiedNegotiation, findings: Finding[], r: AnalyzeResult, input: SessionCheckInput, outsideOnly: boolean, ni?: Negotiation, no?: Negotiation): void {
  if (n.lateFlows.length) {
    v.dataPath = "late";
    findings.push(finding("alg.data-flow-late", `the data flow for ${n.kind} at packet ${n.packet} started after the expectation window`, { [outsideOnly ? "outside" : "inside"]: [n.packet], [outsideOnly ? "outsideFlows" : "insideFlows"]: n.lateFlows }));
    return;
  }
  // The flow looked for is the one the copy read names: with another copy (checkNegotiation's
  // twoCopies), it may have gone elsewhere, and a refusal may answer the other copy's address.
  const doubt = v.twoCopies;
  const sess = sessionOf(r.sessions, n);
  const next = sess?.negotiations[sess.negotiations.indexOf(n) + 1]?.packet ?? Number.MAX_SAFE_INTEGER;
  const ref = sess ? refusal(r.events, sess.controlFlow, n.packet, next) : undefined;
  if (ref) {
    v.dataPath = "refused";
    if (!doubt && foreignPortRefused(n, r, sess!, ref, findings, input, outsideOnly, ni, no)) return;
    findings.push(finding("alg.data-flow-refused", `no data connection${v.transfer ? ` for ${v.transfer}` : ""}: the server answered "${ref.text}" (packet ${ref.packet})`, {
      [outsideOnly ? "outside" : "inside"]: [n.packet, ref.packet],
    }));
    return;
  }
  // The capture stops at the negotiation (no later packet of its control connection): whether a
  // flow followed is not in it.
  if (sess && r.scan.flows.get(sess.controlFlow).last.packet <= n.packet) {
    v.dataPath = "not-covered";
    v.notCovered = `the ${r === input.outside ? "outside" : "inside"} capture holds nothing of the control connection after the ${n.kind} (packet ${n.packet}): it stops before a flow could follow`;
    return;
  }
  if (doubt) {
    v.dataPath = "not-covered";
    v.notCovered = `${doubt}, so a flow to the other copy's endpoint cannot be told from a missing one`;
    return;
  }
  v.dataPath = "not-attempted";
  findings.push(finding("alg.data-flow-missing", `no ${n.kind === "SETUP" ? "media" : "data"} flow to ${ep(n.expected[0].to)} after ${n.kind} at packet ${n.packet}${v.transfer ? ` (for ${v.transfer})` : ""}`, {
    [outsideOnly ? "outside" : "inside"]: [n.packet],
  }));
}

/**
 * A PORT/EPRT the server refused outright (its very next reply is 500/501) because the address it
 * names is not the control connection's peer as the server sees it. Servers do this on purpose
 * (FTP bounce protection, RFC 2577 §3; vsftpd's default port_promiscuous=NO answers "500 Illegal
 * PORT command."), and behind a NAT it means the ALG did not rewrite the command. Judged on the
 * server's side of the NAT: the outside negotiation and the outside control connection (with one
 * capture, that capture's). Reported instead of alg.data-flow-refused; false when it does not apply.
 */
function foreignPortRefused(n: Negotiation, r: AnalyzeResult, sess: Session, ref: AlgEvent, findings: Finding[], input: SessionCheckInput, outsideOnly: boolean, ni?: Negotiation, no?: Negotiation): boolean {
  if (!activeKind(n) || (ref.code !== 500 && ref.code !== 501)) return false;
  const firstReply = eventsOf(r.events, sess.controlFlow).find((e) => e.kind === EventKind.FtpReply && e.packet > n.packet);
  if (firstReply !== ref) return false;
  // The server's view: the outside negotiation and its session, or this capture's when it is the
  // only one (an inside-only capture shows the client's own address, which is its peer there).
  const serverSide = no ?? (outsideOnly ? n : undefined);
  const serverSess = no ? input.outside && sessionOf(input.outside.sessions, no) : outsideOnly ? sess : undefined;
  if (!serverSide || !serverSess || serverSide.announced.ip === undefined || serverSide.announced.ip === serverSess.client.ip) return false;
  findings.push(finding("alg.port-refused-foreign-address", `the server refused ${n.kind} ${ep(serverSide.announced)} with "${ref.text}": it names ${serverSide.announced.ip}, not ${serverSess.client.ip}, the control connection's peer as the server sees it`, {
    // The refusal is quoted from capture r (the inside one when both were given).
    inside: r === input.inside ? [...(ni ? [ni.packet] : []), ref.packet] : undefined,
    outside: [serverSide.packet, ...(r === input.outside ? [ref.packet] : [])],
    outsideFlows: [serverSess.controlFlow],
  }, `"${serverSide.line}"`));
  return true;
}

export { FINDINGS };

/** RTSP SETUP whose transport is interleaved: the media rides on the control connection. */
export function interleaved(n: VerifiedNegotiation): boolean {
  const x = n.inside ?? n.outside;
  return !!x?.transport && [...x.transport.reply, ...x.transport.request].some((t) => t.interleaved !== undefined);
}

/** The negotiation named for a check: kind, where it was seen, and its transfer. */
export function subjectOf(s: VerifiedSession, n: VerifiedNegotiation): string {
  const where = [n.inside && `inside packet ${n.inside.packet}`, n.outside && `outside packet ${n.outside.packet}`].filter(Boolean).join(", ");
  return `${s.alg.toUpperCase()} ${n.command && n.command !== n.kind ? `${n.command}→` : ""}${n.kind} (${where})${n.transfer ? ` for ${n.transfer}` : ""}`;
}

/** The inside and outside packets the evidence of the findings of one code names. */
interface FindingPackets {
  inside: Set<number>;
  outside: Set<number>;
}

function findingPackets(findings: readonly Finding[], code: string): FindingPackets {
  const out: FindingPackets = { inside: new Set(), outside: new Set() };
  for (const f of findings) {
    if (f.code !== code) continue;
    for (const p of f.evidence.inside ?? []) out.inside.add(p);
    for (const p of f.evidence.outside ?? []) out.outside.add(p);
  }
  return out;
}

/** The rewrite and data-path checks of one negotiation, with what they rest on. */
function negotiationChecks(s: VerifiedSession, n: VerifiedNegotiation, input: SessionCheckInput, checks: Check[], notTranslated: FindingPackets, foreignRefused: FindingPackets): void {
  const subject = subjectOf(s, n);
  /** A finding of these packets names this negotiation's packet on either side. */
  const about = (f: FindingPackets) => (n.outside !== undefined && f.outside.has(n.outside.packet)) || (n.inside !== undefined && f.inside.has(n.inside.packet));
  // The row and the findings agree: a payload a finding calls untranslated is never "ok".
  if (n.rewrite && about(notTranslated)) {
    n.rewrite.ok = false;
    n.rewrite.status = "not-rewritten";
  }
  const side = !input.inside ? "outside" : !input.outside ? "inside" : undefined;
  if (n.twoCopies && !n.rewrite) checks.push({ check: "rewrite", subject, status: "not-checked", reason: n.twoCopies });
  else if (n.rewrite?.status === "n/a") checks.push({ check: "rewrite", subject, status: "not-checked", reason: "the transport carries no address or port (media interleaved on the control connection): nothing to rewrite" });
  else if (n.rewrite) {
    const said = `${n.rewrite.observed.ip ?? ""}${n.rewrite.observed.port !== undefined ? ":" + n.rewrite.observed.port : ""}`;
    const reason = {
      rewritten: `the outside payload says ${said}, the NAT's translation`,
      "not-needed": `nothing needed rewriting: the payload says ${said} on both sides and that is where the flow goes`,
      "not-rewritten": `the outside payload still says what the inside host wrote (${said}) although the NAT translates it`,
      wrong: `the outside payload says ${said}, not the NAT's translation`,
      "n/a": "",
    }[n.rewrite.status ?? (n.rewrite.ok ? "rewritten" : "wrong")];
    checks.push({ check: "rewrite", subject, status: n.rewrite.ok ? "passed" : "failed", reason });
  } else {
    const reason = side ? `only the ${side} capture was given: the payload cannot be compared across the NAT`
      : !n.inside ? `not seen in the inside capture${n.notCovered ? ` (${n.notCovered})` : ""}`
      : !n.outside ? `not seen in the outside capture${n.notCovered ? ` (${n.notCovered})` : ""}`
      : "its control connection was not paired across the NAT";
    checks.push({ check: "rewrite", subject, status: "not-checked", reason });
  }
  const x = n.inside ?? n.outside;
  const flow = n.kind === "SETUP" ? "media" : "data connection";
  const errors = about(foreignRefused);
  const dp: Record<VerifiedNegotiation["dataPath"], [Check["status"], string]> = {
    forwarded: ["passed", `the ${flow} crossed the NAT (seen on both sides as one flow)`],
    blocked: ["failed", `the ${flow} was seen on one side of the NAT only`],
    late: ["failed", `the ${flow} started after the expectation window`],
    refused: errors ? ["failed", "the server refused the negotiation because of the address it names"] : ["not-checked", `the server refused the ${flow} (425/5xx): the ALG's pinhole was not exercised`],
    "not-attempted": ["not-checked", `no ${flow} was attempted after it`],
    "not-applicable": ["not-checked", !x?.valid ? `the line is not valid (${x?.reason ?? "unparsed"})` : interleaved(n) ? "the media is carried on the control connection (interleaved)" : `it announces no ${flow}`],
    "one-side-only": x?.dataSeen ? ["passed", `the ${flow} followed in the ${side} capture (the other side of the NAT was not given)`] : ["not-checked", `only the ${side} capture was given`],
    "not-covered": ["not-checked", `not covered: ${n.notCovered ?? "a capture it needs has no packets there"}`],
    stopped: ["not-checked", "a later negotiation ended it before any flow came"],
  };
  const [status, reason] = n.dataPath === "not-applicable" && interleaved(n) && n.inside && n.outside
    ? ["passed", "the media is carried on the control connection (interleaved), which crossed the NAT"] as const : dp[n.dataPath];
  checks.push({ check: "data-path", subject, status, reason });
}
