/**
 * `verify` for SIP through a NAT (issue 14 item 3; ALG-BEHAVIOUR.md §8.10). SIP sessions (one per
 * dialog, src/alg) of the two captures are paired by Call-ID, or — where the router hides it (Junos
 * SIP ALG without `disable-call-id-hiding`) — by the first message's CSeq and topmost Via branch;
 * their messages by kind, CSeq and branch (then CSeq and order). For each message pair:
 *   - the address fields (./sip-fields.ts) against the translation of the signalling flow that
 *     carried it, seen in the outside IP/UDP (or TCP) header;
 *   - Content-Length equal to the body's real length on both sides;
 * and per dialog the media per direction (./sip-media.ts): forwarded, blocked (ICMP quoted), not
 * sent, not attempted; one way only = alg.one-way-media.
 * Nothing is judged on a message seen on one side only (its check says so); with one capture,
 * what that capture shows alone is checked (Content-Length, media seen, private addresses in an
 * outside capture when --inside-net names them).
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Negotiation, Session } from "../alg/sessions.js";
import type { Endpoint } from "../types.js";
import { inCidr } from "../net/cidr.js";
import { finding } from "./findings.js";
import { clockShiftMs, coverageOf, type CaptureSpan, type Reconciliation } from "./nat.js";
import { msOf, type NatHints } from "./sessions.js";
import { udpFlowsAt } from "./flow-columns.js";
import { compareFields, lengthProblem, messageName, type FieldCheck, type SipMessageView, type SipTranslation } from "./sip-fields.js";
import { movedContact, movedNote, movedUpward } from "./sip-contact.js";
import { dropSdpNegotiations, linuxClashes, linuxDialog, linuxEmulation, type LinuxClashes } from "./sip-linux.js";
import { SIP_MEDIA_WAIT_S, SIP_MEDIA_WINDOW_S, afterEndFinding, endWords, mediaDirection, mediaEnd, type MediaDirection, type MediaInput } from "./sip-media.js";
import type { Check, Evidence, Finding, NatMapping, RewriteStatus, VerifiedNegotiation, VerifiedSession } from "./types.js";
import { hostPort } from "../net/addr.js";
import { missingPastCut } from "./cuts.js";
import { sentTwiceIn } from "./two-copies.js";

export type SipSession = Session & { sip: NonNullable<Session["sip"]> };

export interface SipCheckInput {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
  nat?: Reconciliation;
  hints?: NatHints;
  profile?: "lenient" | "linux";
  /** What was read of each capture: media starting where the other has no packets is not judged. */
  spans?: { inside?: CaptureSpan; outside?: CaptureSpan };
  /** SessionCheckInput.oneDirection: media not seen on both sides is not covered. */
  oneDirection?: string;
}

/** One message as seen on each side, with its field checks. */
export interface VerifiedSipMessage {
  name: string;
  cseq?: string;
  direction?: "outbound" | "inbound";
  inside?: number;
  outside?: number;
  fields: FieldCheck[];
  contentLength?: { inside?: string; outside?: string };
  /**
   * The message was sent again with other bytes over TCP in a capture (its retransmissionDiffers):
   * the first copy was read, which one the peer took is not known — nothing is judged on its text.
   */
  twoCopies?: string;
}

export interface VerifiedSip {
  callId?: string;
  /** The Call-ID differs across the NAT (an SRX hides it by default): paired by CSeq and branch. */
  callIdRewritten?: boolean;
  method?: string;
  transport?: string;
  messages: VerifiedSipMessage[];
  /** Messages of this dialog seen on one side only. */
  unpaired: { inside: number[]; outside: number[] };
  media: MediaDirection[];
  /** REGISTER dialogs: the Contact binding as each capture shows it (analyze's `sip.register`). */
  register?: { inside?: SipRegister; outside?: SipRegister };
}

type SipRegister = NonNullable<NonNullable<Session["sip"]>["register"]>;

const isSip = (s: Session): s is SipSession => s.alg === "sip" && !!s.sip;
const ep = (e: { ip: string; port?: number | null }) => hostPort(e.ip, e.port);
const same = (a: Endpoint, b: Endpoint) => a.ip === b.ip && a.port === b.port;

export function sipSessions(r: AnalyzeResult | undefined): SipSession[] {
  return (r?.sessions ?? []).filter(isSip);
}

/** Verified SIP sessions (one per dialog), their findings and checks. */
export function verifySip(input: SipCheckInput, findings: Finding[], checks: Check[]): VerifiedSession[] {
  const dialogs = pairDialogs(sipSessions(input.inside), sipSessions(input.outside), input.nat);
  // Linux's table across calls first: a REGISTER it drops or moves has that outcome in its dialog's check and register.linux.
  const clashes = input.profile === "linux" ? linuxClashes(dialogs, input) : undefined;
  const out = dialogs.map(([si, so]) => verifyDialog(si, so, input, findings, checks, clashes, beyondCut(si, so, input)));
  for (const f of clashes?.findings ?? []) findings.push(f);
  return out;
}

/**
 * Why a dialog seen in one capture only may be one the other did not keep (its SIP cut,
 * --max-sip-dialogs): its first message falls at or past that cut. Undefined otherwise.
 */
function beyondCut(si: SipSession | undefined, so: SipSession | undefined, input: SipCheckInput): string | undefined {
  if ((si && so) || !input.inside || !input.outside) return undefined;
  const first = (si ?? so)!.sip.messages[0];
  return first && missingPastCut(input, si ? "inside" : "outside", msOf(first.time), "sipCut");
}

/**
 * The dialogs of the two captures paired: by Call-ID, else (a router hiding it) by the first
 * message's kind, CSeq and branch on flows paired across the NAT; then each side's dialogs left
 * alone (inside ones first, in order).
 */
export function pairDialogs(ins: SipSession[], outs: SipSession[], nat?: Reconciliation): [SipSession | undefined, SipSession | undefined][] {
  const out: [SipSession | undefined, SipSession | undefined][] = [];
  const used = new Set<SipSession>();
  const byCall = new Map<string, SipSession[]>();
  for (const s of outs) if (s.sip?.callId) (byCall.get(s.sip.callId) ?? byCall.set(s.sip.callId, []).get(s.sip.callId)!).push(s);
  // By the first message's kind, CSeq and topmost Via branch (txKey), made when a Call-ID first fails to
  // pair: a look-up, not a scan of every outside dialog for each inside one (a router that hides
  // Call-IDs, --max-sip-dialogs of them).
  let byFirstTx: Map<string, SipSession[]> | undefined;
  for (const si of ins) {
    let so = si.sip?.callId ? byCall.get(si.sip.callId)?.find((x) => !used.has(x)) : undefined;
    const first = si.sip?.messages[0];
    if (!so && first) {
      if (!byFirstTx) {
        byFirstTx = new Map();
        for (const x of outs) {
          const m = x.sip?.messages[0];
          if (!m) continue;
          const k = txKey(m);
          const list = byFirstTx.get(k);
          if (list) list.push(x);
          else byFirstTx.set(k, [x]);
        }
      }
      so = byFirstTx.get(txKey(first))?.find((x) => !used.has(x) && pairedFlows(si, x, nat));
    }
    if (so) used.add(so);
    out.push([si, so]);
  }
  for (const so of outs) if (!used.has(so)) out.push([undefined, so]);
  return out;
}

const txKey = (m: SipMessageView) => `${m.request ? m.request.method : m.status?.code}|${m.cseq?.num} ${m.cseq?.method}|${m.via[0]?.branch ?? ""}`;
const txKeyNoBranch = (m: SipMessageView) => `${m.request ? m.request.method : m.status?.code}|${m.cseq?.num} ${m.cseq?.method}`;

function pairedFlows(a: SipSession, b: SipSession, nat?: Reconciliation): boolean {
  return !nat || nat.byInside.get(a.controlFlow)?.outsideFlow === b.controlFlow;
}

/** Messages paired by kind + CSeq + Via branch, then kind + CSeq in order. */
export function pairMessages(mi: SipMessageView[], mo: SipMessageView[]): { pairs: [SipMessageView, SipMessageView][]; inside: SipMessageView[]; outside: SipMessageView[] } {
  const pairs: [SipMessageView, SipMessageView][] = [];
  const left = new Set(mo);
  const take = (key: (m: SipMessageView) => string, m: SipMessageView) => {
    const k = key(m);
    for (const o of mo) if (left.has(o) && key(o) === k) { left.delete(o); return o; }
    return undefined;
  };
  const unpairedIn: SipMessageView[] = [];
  for (const m of mi) {
    const o = take(txKey, m) ?? take(txKeyNoBranch, m);
    if (o) pairs.push([m, o]);
    else unpairedIn.push(m);
  }
  return { pairs, inside: unpairedIn, outside: mo.filter((o) => left.has(o)) };
}

/** Contacts of the dialog's outbound messages that the NAT moved to another port: "ip:port" outside → the private endpoint. */
type MovedBack = Map<string, { ip: string; port: number; packet: number }>;

function translationOf(m: NatMapping, input: SipCheckInput, moved?: MovedBack): SipTranslation {
  return {
    private: m.inside, nat: m.translated, pool: input.hints?.natAddresses,
    mediaPort: (ip, port) => mediaNatPort(input, ip, port),
    ...(moved?.size ? { movedBack: (ip: string, port: number) => moved.get(hostPort(ip, port)) } : {}),
  };
}

/** The NAT port of the inside host's media endpoint ip:port, from a media flow that crossed. */
function mediaNatPort(input: SipCheckInput, ip: string, port: number): number | undefined {
  const r = input.inside;
  if (!r || !input.nat) return undefined;
  for (const id of udpFlowsAt(r.scan.flows, ip, port)) {
    const m = input.nat.byInside.get(id);
    if (m && m.inside.ip === ip && m.inside.port === port) return m.translated.port ?? undefined;
  }
  return undefined;
}

/**
 * One dialog, as both captures (or one) show it. `cut`: it is in one capture only and may be one
 * the other did not keep (beyondCut): nothing is concluded from its absence there — no dropped
 * request, its media not covered, its one-sided messages not checked for that reason.
 */
function verifyDialog(si: SipSession | undefined, so: SipSession | undefined, input: SipCheckInput, findings: Finding[], checks: Check[], clashes?: LinuxClashes, cut?: string): VerifiedSession {
  const s = (si ?? so)!;
  const sip = s.sip!;
  const mapping = si && input.nat ? input.nat.byInside.get(si.controlFlow) : undefined;
  const vs: VerifiedSession = {
    alg: "sip",
    control: { insideFlow: si?.controlFlow, outsideFlow: so?.controlFlow, client: s.client, server: s.server, ...(mapping ? { clientTranslated: mapping.translated } : {}) },
    negotiations: [],
  };
  const v: VerifiedSip = {
    callId: sip.callId, method: sip.method, transport: sip.transport, messages: [], unpaired: { inside: [], outside: [] }, media: [],
  };
  if (si?.sip?.callId && so?.sip?.callId && si.sip.callId !== so.sip.callId) v.callIdRewritten = true;
  const ri = si?.sip?.register;
  const ro = so?.sip?.register;
  if (ri || ro) v.register = ri && ro ? { inside: ri, outside: ro } : ri ? { inside: ri } : { outside: ro };
  vs.sip = v;
  const { pairs, inside, outside } = si && so ? pairMessages(si.sip!.messages, so.sip!.messages) : { pairs: [], inside: si?.sip?.messages ?? [], outside: so?.sip?.messages ?? [] };
  v.unpaired = { inside: inside.map((m) => m.packet), outside: outside.map((m) => m.packet) };
  const what = `SIP ${sip.method ?? "dialog"}${sip.callId ? ` ${sip.callId}` : ""}`;
  const moved: MovedBack = new Map();
  for (const [mi, mo] of pairs) v.messages.push(checkPair(mi, mo, si!, so!, input, findings, checks, moved));
  for (const [side, list] of [["inside", inside], ["outside", outside]] as const) {
    for (const m of list) {
      const vm: VerifiedSipMessage = { name: messageName(m), cseq: m.cseq && `${m.cseq.num} ${m.cseq.method}`, [side]: m.packet, fields: [] };
      v.messages.push(vm);
      oneSided(m, side, input, findings);
      const reason = !input.inside || !input.outside ? `only the ${side} capture was given: the payload cannot be compared across the NAT`
        : cut ?? missingPastCut(input, side, msOf(m.time), "sipCut") ?? `not seen in the ${side === "inside" ? "outside" : "inside"} capture`;
      checks.push({ check: "rewrite", subject: `${what}: ${vm.name} (${side} packet ${m.packet})`, status: "not-checked", reason });
    }
  }
  if (!cut) droppedRequests(inside, so, input, findings, clashes);
  v.media = media(si, so, pairs, input, mapping);
  if (cut) {
    for (const d of v.media) {
      d.status = "not-covered";
      d.notCovered = `the dialog is in the ${si ? "inside" : "outside"} capture only, and ${cut}`;
    }
  } else if (input.oneDirection) {
    for (const d of v.media) {
      // (The router's ICMP error about blocked media is evidence whatever the other capture lacks.)
      if (d.status === "forwarded" || d.status === "one-side-only" || d.status === "not-covered" || d.icmp) continue;
      d.status = "not-covered";
      d.notCovered = input.oneDirection;
    }
  }
  mediaFindings(v.media, what, findings, checks);
  vs.negotiations = negotiations(si, so, pairs, v, mapping);
  if (input.profile === "linux") for (const m of si?.sip?.messages ?? so!.sip!.messages) linuxEmulation(m, si ? "inside" : "outside", findings, sip.transport);
  if (input.profile === "linux" && !cut) linuxDialog(si, so, v, input, findings, checks, clashes);
  dropSdpNegotiations(vs.negotiations, clashes);
  return vs;
}

const FIELD_CODE: Record<string, string> = {
  via: "alg.via-not-translated", contact: "alg.contact-not-translated", "request-uri": "alg.sip-header-not-translated",
  from: "alg.sip-header-not-translated", to: "alg.sip-header-not-translated", "sdp-origin": "alg.sip-header-not-translated",
  "sdp-connection": "alg.sdp-not-translated", "sdp-media": "alg.sdp-not-translated",
};

const FIELD_NAME: Record<string, string> = {
  via: "topmost Via sent-by", contact: "Contact", "request-uri": "Request-URI", from: "From", to: "To",
  "sdp-origin": "SDP o=", "sdp-connection": "SDP session c=", "sdp-media": "SDP media c=/m=",
};

/**
 * The finding code of a field that failed its check. Outbound: the field's "not translated" code
 * (o= counts with the SDP when the SDP was left too). Inbound (towards the inside host): a NAT
 * address left on the inside is "not restored" (the Via of a response its own code).
 */
function fieldCode(c: FieldCheck, outbound: boolean, sdpLeft: boolean): string {
  if (c.status === "wrong-port") return "alg.payload-port-mismatch";
  if (c.status !== "not-rewritten") return "alg.payload-wrong-address";
  if (!outbound) return c.field === "via" ? "alg.via-not-restored" : "alg.sip-header-not-restored";
  return c.field === "sdp-origin" && sdpLeft ? "alg.sdp-not-translated" : FIELD_CODE[c.field]!;
}

/** The finding's message for the fields of one code; both sides' frames are named. */
function fieldMessage(name: string, mi: SipMessageView, mo: SipMessageView, c: FieldCheck, names: string, many: boolean, outbound: boolean, m: NatMapping): string {
  const at = outbound ? `inside packet ${mi.packet} / outside packet ${mo.packet}` : `outside packet ${mo.packet} / inside packet ${mi.packet}`;
  if (outbound) {
    if (c.status === "not-rewritten") return `${name} at ${at}: ${names} still name${many ? "" : "s"} the private ${c.inside} on the outside`;
    if (c.status === "wrong-port") return `${name} at ${at}: ${FIELD_NAME[c.field]} says ${c.outside} outside, but the NAT maps ${c.inside} to ${c.expected}`;
    return `${name} at ${at}: ${FIELD_NAME[c.field]} rewritten to ${c.outside ?? "nothing"}, expected ${c.expected ?? "the value as written"}`;
  }
  if (c.status === "not-rewritten") return `${name} at ${at}, on its way in: ${names} still name${many ? "" : "s"} the NAT's ${c.outside} on the inside, not the private ${c.expected ?? ep(m.inside)}`;
  if (c.status === "wrong-port") return `${name} at ${at}, on its way in: ${FIELD_NAME[c.field]} ${c.outside} outside was turned into ${c.inside} inside, but the NAT maps it back to ${c.expected}`;
  return `${name} at ${at}, on its way in: ${FIELD_NAME[c.field]} ${c.outside ?? "(absent)"} outside arrived as ${c.inside ?? "nothing"} inside, expected ${c.expected ?? "the value as sent"}`;
}

function checkPair(mi: SipMessageView, mo: SipMessageView, si: SipSession, so: SipSession, input: SipCheckInput, findings: Finding[], checks: Check[], moved?: MovedBack): VerifiedSipMessage {
  const name = messageName(mi);
  const subject = `SIP ${name}${mi.cseq ? ` (CSeq ${mi.cseq.num} ${mi.cseq.method})` : ""} (inside packet ${mi.packet}, outside packet ${mo.packet})`;
  const vm: VerifiedSipMessage = { name, cseq: mi.cseq && `${mi.cseq.num} ${mi.cseq.method}`, inside: mi.packet, outside: mo.packet, fields: [] };
  const m = input.nat?.byInside.get(mi.flow) ?? input.nat?.byInside.get(si.controlFlow);
  const ev: Evidence = { inside: [mi.packet], outside: [mo.packet] };
  const outbound = m ? same(mi.src, m.inside) : undefined;
  const doubt = twoCopies(mi, mo);
  if (doubt) {
    // Neither its rewrite nor its Content-Length rests on a copy the peer may not have read.
    vm.twoCopies = doubt;
    if (m) vm.direction = outbound ? "outbound" : "inbound";
    checks.push({ check: "rewrite", subject, status: "not-checked", reason: doubt });
    return vm;
  }
  lengthCheck(mi, mo, vm, ev, findings, outbound);
  if (!m) {
    checks.push({ check: "rewrite", subject, status: "not-checked", reason: "the signalling flow that carried it was not paired across the NAT" });
    return vm;
  }
  vm.direction = outbound ? "outbound" : "inbound";
  const t = translationOf(m, input, moved);
  vm.fields = compareFields(mi, mo, t, !!outbound);
  const bad: string[] = [];
  const raised = new Set<string>();
  const sdpLeft = vm.fields.some((x) => (x.field === "sdp-connection" || x.field === "sdp-media") && x.status === "not-rewritten");
  // A Contact moved to another NAT port: judged by what the NAT did with that port (sip-contact.ts), its own finding.
  let unjudged = 0;
  for (const c of outbound ? vm.fields : []) {
    const x = movedContact(c, mi, mo, t, si.sip?.transport, input);
    if (!x) continue;
    c.note = movedNote(x);
    // The registrar echoes the moved Contact in its 200: that echo stands for the private Contact.
    moved?.set(ep(x.moved), { ...x.private, packet: mi.packet });
    if (x.status === "forwarded") {
      c.status = "rewritten";
      c.expected = ep(x.moved);
      continue;
    }
    bad.push(`${FIELD_NAME[c.field]} ${c.inside ?? "-"} inside, ${c.outside ?? "-"} outside`);
    if (movedUpward(x)) unjudged++;
    findings.push(finding("alg.payload-port-mismatch", `${name} at inside packet ${mi.packet} / outside packet ${mo.packet}: Contact says ${c.outside} outside, but the NAT maps ${c.inside} to ${c.expected}; ${c.note}`,
      { ...ev, insideFlows: [mi.flow], outsideFlows: [mo.flow, ...x.flows.map((f) => f.outside)] },
      movedUpward(x) ? "a NAT may move a Contact's port to a pinhole of its own (Linux, when another connection's expectation holds the wanted port: EBUSY, a random port above it); only signalling to that port would show it" : undefined,
      movedUpward(x) ? "warning" : undefined));
    c.status = "wrong-port";
    raised.add(`moved#${c.index}`);
  }
  const isEcho = (x: FieldCheck) => !outbound && x.field === "contact" && !!x.outside && !!moved?.has(x.outside);
  for (const c of vm.fields) {
    if (c.status === "rewritten" || c.status === "not-needed" || c.status === "artefact" || raised.has(`moved#${c.index}`) && c.field === "contact") continue;
    bad.push(`${FIELD_NAME[c.field]} ${c.inside ?? "-"} inside, ${c.outside ?? "-"} outside`);
    // An echo of a moved Contact is judged against that Contact (its own finding, its own mapping).
    const back = isEcho(c) ? moved!.get(c.outside!) : undefined;
    const code = fieldCode(c, !!outbound, sdpLeft);
    const key = back ? `${code}#moved${c.index}` : code;
    if (raised.has(key)) continue;
    raised.add(key);
    const sameKind = back ? [FIELD_NAME[c.field]] : vm.fields.filter((x) => x.status === c.status && fieldCode(x, !!outbound, sdpLeft) === code && !isEcho(x)).map((x) => FIELD_NAME[x.field]);
    const names = [...new Set(sameKind)].join(", ");
    const msg = fieldMessage(name, mi, mo, c, names, sameKind.length > 1, !!outbound, m);
    const how = back ? `the NAT moved the Contact ${ep(back)} to ${c.outside} at inside packet ${back.packet}, and maps it back there`
      : outbound ? `the NAT maps ${ep(m.inside)} to ${ep(m.translated)}` : `the NAT maps ${ep(m.translated)} back to ${ep(m.inside)}`;
    findings.push(finding(code, msg, { ...ev, insideFlows: [mi.flow], outsideFlows: [mo.flow] }, how, severityOf(code, m, so)));
  }
  const rewritten = vm.fields.filter((c) => c.status === "rewritten").length;
  const target = outbound ? `to the NAT's translation ${ep(m.translated)}` : `back to the private ${ep(m.inside)}`;
  checks.push({
    check: "rewrite", subject,
    // Only Contacts moved upward with nothing to show the NAT's pinhole: not judged (their warning says why).
    status: bad.length ? (unjudged === bad.length ? "not-checked" : "failed") : "passed",
    reason: bad.length ? bad.join("; ") + (unjudged === bad.length ? ": a Contact port the NAT may have moved, not confirmed by signalling to it" : "") : rewritten ? `${rewritten} field(s) rewritten ${target}, the rest unchanged as needed` : "nothing needed rewriting: every address field arrived as written",
  });
  return vm;
}

/** Why a message's text is not known to be what the peer read (SipMessage.retransmissionDiffers in either capture); undefined when it is. */
function twoCopies(mi: SipMessageView, mo: SipMessageView): string | undefined {
  const where = sentTwiceIn(mi, mo);
  return where && `the signalling connection sent bytes of this message again with other bytes in ${where}: the first copy was read, which one the peer took is not known`;
}

/**
 * A Via left private is an error when the NAT changed the signalling port (responses sent back to
 * the sent-by port miss the mapping), a warning when it kept it or the transport is TCP (responses
 * return on the connection); header fields that only name the host (From/To/o=) are warnings.
 */
function severityOf(code: string, m: NatMapping, so: SipSession): "error" | "warning" | undefined {
  if (code === "alg.via-not-translated") return m.inside.port === m.translated.port || so.sip?.transport === "tcp" ? "warning" : "error";
  if (code === "alg.sip-header-not-translated") return "warning";
  return undefined;
}

/**
 * Content-Length against the body on both sides (a body longer than declared is the wasm's
 * BodyLong flag: bytes after the declared body that start no message). The copy before the NAT
 * right and the one after it wrong is the ALG's doing: outside after inside for outbound messages,
 * the other way round for inbound ones (`outbound` undefined: taken as outbound).
 */
export function lengthCheck(mi: SipMessageView, mo: SipMessageView, vm: VerifiedSipMessage, ev: Evidence, findings: Finding[], outbound: boolean | undefined): void {
  const pi = lengthProblem(mi);
  const po = lengthProblem(mo);
  if (!pi && !po) return;
  vm.contentLength = { inside: pi, outside: po };
  const inbound = outbound === false;
  const [before, after, pb, pa] = inbound ? [mo, mi, po, pi] : [mi, mo, pi, po];
  const [sb, sa] = inbound ? ["outside", "inside"] : ["inside", "outside"];
  if (pa && !pb) {
    findings.push(finding("alg.content-length-wrong", `${messageName(after)} at ${sa} packet ${after.packet}: ${pa} after the NAT (${sb} packet ${before.packet}: ${before.contentLength} = the body)`, ev, "the ALG changed the body without recomputing Content-Length"));
  } else if (pb && !pa) {
    findings.push(finding("alg.content-length-wrong", `${messageName(before)} at ${sb} packet ${before.packet}: ${pb} ${sb}, corrected on the ${sa} (packet ${after.packet})`, ev, undefined, "warning"));
  } else {
    findings.push(finding("alg.content-length-wrong", `${messageName(mi)}: ${pi} inside and ${po} outside — the sender's own error, not the router's`, ev, undefined, "warning"));
  }
}

/**
 * Requests the inside host sent that never reached the outside capture, which had started before
 * them: alg.sip-request-dropped, one per transaction (its retransmissions in the evidence), an error
 * when the outside capture runs on after the last copy, a warning when it ends before (it may have
 * stopped). Not
 * when the outside dialog has any copy of the transaction (method and CSeq: a lost retransmission),
 * nor a drop --profile linux's table predicts (its own finding says it).
 */
function droppedRequests(unpaired: SipMessageView[], so: SipSession | undefined, input: SipCheckInput, findings: Finding[], clashes?: LinuxClashes): void {
  if (!input.inside || !input.outside) return;
  const off = clockShiftMs(input.nat, "inside", "outside");
  const crossed = new Set((so?.sip?.messages ?? []).map(txKeyNoBranch));
  const byTx = new Map<string, SipMessageView[]>();
  for (const m of unpaired) {
    if (!m.request || crossed.has(txKeyNoBranch(m))) continue;
    const mapping = input.nat?.byInside.get(m.flow);
    if (mapping && !same(m.src, mapping.inside)) continue;
    if (clashes?.media.has(m.packet) || clashes?.registers.get(m.packet)?.r.outcome === "dropped") continue;
    const span = input.spans?.outside;
    if (!span || span.firstMs > msOf(m.time) + off) continue;
    if (missingPastCut(input, "inside", msOf(m.time), "sipCut")) continue;
    const k = txKeyNoBranch(m);
    (byTx.get(k) ?? byTx.set(k, []).get(k)!).push(m);
  }
  for (const ms of byTx.values()) {
    const m = ms[0]!;
    const copies = ms.length > 1 ? ` (and ${ms.length - 1} retransmission(s): inside packet ${ms.slice(1).map((x) => x.packet).join(", ")})` : "";
    // The outside capture running on after the last copy shows the drop; ending before it, it may have stopped.
    const after = input.spans!.outside!.lastMs > msOf(ms[ms.length - 1]!.time) + off;
    findings.push(finding("alg.sip-request-dropped",
      `${messageName(m)}${m.cseq ? ` (CSeq ${m.cseq.num} ${m.cseq.method})` : ""} from ${ep(m.src)} to ${ep(m.dst)} at inside packet ${m.packet}${copies} never left the router: not in the outside capture, ${after ? "which runs on after it" : "whose last packet comes before it (dropped, or that capture had stopped)"}`,
      { inside: ms.map((x) => x.packet), insideFlows: [...new Set(ms.map((x) => x.flow))] }, undefined, after ? "error" : "warning"));
  }
}

/** A message seen in one capture only: what it shows alone. */
function oneSided(m: SipMessageView, side: "inside" | "outside", input: SipCheckInput, findings: Finding[]): void {
  const p = lengthProblem(m);
  if (p) findings.push(finding("alg.content-length-wrong", `${messageName(m)} at ${side} packet ${m.packet}: ${p}`, { [side]: [m.packet] }, "seen in one capture only: who broke it is not known", "warning"));
  if (side !== "outside" || input.inside) return;
  const nets = input.hints?.insideNets;
  const c = m.sdp && [m.sdp.connection?.ip, ...m.sdp.media.map((x) => x.connection?.ip)].find((ip) => ip && inCidr(ip, nets));
  if (c) findings.push(finding("alg.sdp-not-translated", `${messageName(m)} on the outside names ${c}, an address of the inside network, in its SDP`, { outside: [m.packet] }));
}

/** Media per direction of the dialog, from the SDP endpoints of its paired (or one-sided) messages. */
function media(si: SipSession | undefined, so: SipSession | undefined, pairs: [SipMessageView, SipMessageView][], input: SipCheckInput, m: NatMapping | undefined): MediaDirection[] {
  const natAddresses = [...(m ? [m.translated.ip] : []), ...(input.hints?.natAddresses ?? []), ...(input.nat?.natAddresses ?? [])];
  const mi: MediaInput = { inside: input.inside, outside: input.outside, natAddresses };
  const list: [SipMessageView | undefined, SipMessageView | undefined][] = pairs.length ? pairs : [...(si?.sip?.messages ?? []).map((x) => [x, undefined] as [SipMessageView, undefined]), ...(so?.sip?.messages ?? []).map((x) => [undefined, x] as [undefined, SipMessageView])];
  const host = m?.inside ?? si?.client ?? so?.client;
  const out: MediaDirection[] = [];
  const announcedAt = new Map<MediaDirection, number | undefined>();
  const seen = new Set<string>();
  const failed = failedOffers(list);
  for (const [a, b] of list) {
    const x = (a ?? b)!;
    if (!x.sdp || failed.has(x)) continue;
    const fromHost = host ? x.src.ip === host.ip && (!m || x.src.port === m.inside.port) : true;
    // Remember the other party's direction attribute to know which way media may go.
    x.sdp.media.forEach((md, k) => {
      const ti = a?.sdp ? target(a.sdp, k) : undefined;
      const to = b?.sdp ? target(b.sdp, k) : undefined;
      const any = ti ?? to;
      if (!any || any.port === 0 || any.ip === "0.0.0.0" || any.ip === "::") return;
      const key = `${fromHost}|${ep(any)}`;
      if (seen.has(key)) return;
      seen.add(key);
      const dir = md.direction ?? "sendrecv";
      // Media towards this endpoint flows unless its owner only sends (sendonly) or nothing (inactive).
      const expected = dir !== "sendonly" && dir !== "inactive" && peerSends(list, fromHost, host, m);
      // Times on the capture where the media enters the router: outside for media to the inside host.
      const entered = fromHost ? b ?? a : a ?? b;
      const byeAt = bye(list, fromHost ? !!input.outside : !input.inside);
      const d = mediaDirection(fromHost ? "to-inside" : "from-inside", { inside: ti, outside: to }, expected, { inside: a?.packet, outside: b?.packet }, mi,
        { announcedMs: entered && msOf(entered.time), byeMs: byeAt && msOf(byeAt.time), end: mediaEnd(si, so, { inside: ti, outside: to }) });
      out.push(d);
      announcedAt.set(d, entered && msOf(entered.time));
    });
  }
  // Media seen anywhere in the dialog sets how far the captures must reach for "none came" to
  // count: SIP_MEDIA_WAIT_S past it, unless the dialog's BYE (seen after it) ended the call first.
  let mediaAt: number | undefined;
  for (const d of out) {
    const id = d.insideFlows[0];
    if (id !== undefined && input.inside) mediaAt = Math.max(mediaAt ?? -Infinity, input.inside.scan.flows.firstMs(id));
  }
  const byeIn = bye(list, false);
  const byeInMs = byeIn ? msOf(byeIn.time) : undefined;
  const waitUntil = mediaAt === undefined ? undefined : byeInMs !== undefined && byeInMs >= mediaAt ? mediaAt : mediaAt + SIP_MEDIA_WAIT_S * 1000;
  for (const d of out) notCovered(d, input, announcedAt.get(d), mediaAt, waitUntil);
  return out;
}

/**
 * Nothing is judged where a capture it needs holds no packets: media seen on one side only whose
 * first packet falls outside the other capture's span, or media never seen when the capture it
 * would enter ends at its SDP, becomes not-covered (with the reason).
 */
function notCovered(d: MediaDirection, input: SipCheckInput, announcedMs: number | undefined, mediaInsideMs: number | undefined, waitUntilInsideMs: number | undefined): void {
  if (!input.inside || !input.outside) return;
  if (d.status === "blocked" || d.status === "late") {
    const seenOut = d.direction === "to-inside";
    const r = seenOut ? input.outside : input.inside;
    const id = (seenOut ? d.outsideFlows : d.insideFlows)[0];
    if (id === undefined) return;
    const t = r.scan.flows.firstMs(id);
    const other = seenOut ? "inside" : "outside";
    if (coverageOf(input.spans?.[other], t + clockShiftMs(input.nat, seenOut ? "outside" : "inside", other)) !== "covered") {
      d.status = "not-covered";
      d.notCovered = `its first packet (${seenOut ? "outside" : "inside"} flow ${id}) falls where the ${other} capture has no packets`;
    }
    return;
  }
  if (d.status === "not-sent" || d.status === "not-attempted") {
    // The capture it would enter must reach past the SDP, and past the media seen in the dialog.
    const side = d.direction === "to-inside" ? "outside" : "inside";
    const span = input.spans?.[side];
    const shift = clockShiftMs(input.nat, "inside", side);
    const media = mediaInsideMs === undefined ? undefined : mediaInsideMs + shift;
    if (span && announcedMs !== undefined && span.lastMs <= announcedMs) {
      d.status = "not-covered";
      d.notCovered = `the ${side} capture ends with the SDP that announced it: whether media followed is not in it`;
    } else if (span && media !== undefined && span.lastMs < media) {
      d.status = "not-covered";
      d.notCovered = `the ${side} capture ends before the dialog's media started: whether media came this way is not in it`;
    } else if (span && waitUntilInsideMs !== undefined && media !== undefined) {
      const until = waitUntilInsideMs + shift;
      if (span.lastMs < until) {
        d.status = "not-covered";
        d.notCovered = `the ${side} capture ends ${((span.lastMs - media) / 1000).toFixed(3)} s after the dialog's first media and before its BYE (less than SIP_MEDIA_WAIT_S = ${SIP_MEDIA_WAIT_S} s): whether media came this way is not in it`;
      }
    }
  }
}

/**
 * Later offers (a re-INVITE or UPDATE: an SDP came before it in the dialog) in requests whose
 * transaction got a final answer >= 300 (488, 491, ...): they changed nothing (RFC 3261 §14.1,
 * RFC 3311 §5.2), so no media is expected toward what they announced. The dialog's first offer is
 * judged as before whatever its answer (a phone may send media before a failed call ends). One
 * pass over the dialog: the failed transactions by CSeq and the address the answer went to (CSeq
 * numbers are per sender).
 */
function failedOffers(list: [SipMessageView | undefined, SipMessageView | undefined][]): Set<SipMessageView> {
  const failed = new Set<string>();
  for (const [a, b] of list) {
    const y = (a ?? b)!;
    if (y.status && y.status.code >= 300 && y.cseq) failed.add(`${y.cseq.num} ${y.cseq.method} ${y.dst.ip}`);
  }
  const out = new Set<SipMessageView>();
  if (!failed.size) return out;
  let earlier = false;
  for (const [a, b] of list) {
    const x = (a ?? b)!;
    if (earlier && x.request && x.cseq && x.sdp && failed.has(`${x.cseq.num} ${x.cseq.method} ${x.src.ip}`)) out.add(x);
    if (x.sdp) earlier = true;
  }
  return out;
}

/** The dialog's first BYE request, as seen on the outside (`outside`) or the inside capture. */
function bye(list: [SipMessageView | undefined, SipMessageView | undefined][], outside: boolean): SipMessageView | undefined {
  for (const [a, b] of list) {
    const x = outside ? b : a;
    if (x?.request?.method === "BYE") return x;
  }
  return undefined;
}

function target(sdp: NonNullable<SipMessageView["sdp"]>, k: number): Endpoint | undefined {
  const md = sdp.media[k];
  const ip = md?.connection?.ip ?? sdp.connection?.ip;
  return md && ip ? { ip, port: md.port } : undefined;
}

/** The other party's first SDP lets it send (not recvonly/inactive). */
function peerSends(list: [SipMessageView | undefined, SipMessageView | undefined][], fromHost: boolean, host: Endpoint | undefined, m: NatMapping | undefined): boolean {
  for (const [a, b] of list) {
    const x = (a ?? b)!;
    if (!x.sdp) continue;
    const xFromHost = host ? x.src.ip === host.ip && (!m || x.src.port === m.inside.port) : true;
    if (xFromHost === fromHost) continue;
    const d = x.sdp.media[0]?.direction ?? "sendrecv";
    return d !== "recvonly" && d !== "inactive";
  }
  return true;
}

function mediaFindings(list: MediaDirection[], what: string, findings: Finding[], checks: Check[]): void {
  const words = (d: MediaDirection) => (d.direction === "to-inside" ? "to the inside host" : "from the inside host");
  for (const d of list) {
    const to = ep(d.target.outside ?? d.target.inside!);
    const subject = `${what}: media ${words(d)} towards ${to}`;
    if (!d.expected) {
      checks.push({ check: "data-path", subject, status: "not-checked", reason: "the SDP direction attributes (sendonly/recvonly/inactive) let no media flow this way" });
      continue;
    }
    const ev: Evidence = { inside: [...(d.announced.inside ? [d.announced.inside] : []), ...(d.first.inside ? [d.first.inside] : [])], outside: [...(d.announced.outside ? [d.announced.outside] : []), ...(d.first.outside ? [d.first.outside] : [])], insideFlows: d.insideFlows, outsideFlows: d.outsideFlows };
    if (d.afterBye) {
      findings.push(finding("alg.media-after-bye", `RTP ${words(d)} towards ${to} still crossed ${d.afterBye.seconds} s after the BYE`, { [`${d.afterBye.side}Flows`]: [d.afterBye.flow] }));
    }
    afterEndFinding(d, words(d), to, findings);
    if (d.status === "late") {
      findings.push(finding("alg.data-flow-late", `RTP ${words(d)} towards ${to} first arrived more than ${SIP_MEDIA_WINDOW_S} s after its SDP and was not forwarded: the ALG's media pinhole had expired`, ev));
    }
    if (d.status === "blocked") {
      const where = d.direction === "to-inside" ? "reached the outside but never the inside" : "left the inside host but never appeared outside";
      findings.push(finding("alg.media-blocked", `RTP ${words(d)} towards ${to} ${where} (${d.packets.inside} packet(s) inside, ${d.packets.outside} outside)`, ev, d.icmp));
    }
    const [status, reason]: [Check["status"], string] = {
      forwarded: ["passed", `${d.packets.inside} packet(s) inside and ${d.packets.outside} outside: the media crossed the NAT`],
      blocked: ["failed", `seen on one side of the NAT only`],
      late: ["failed", `first seen more than ${SIP_MEDIA_WINDOW_S} s after its SDP, on one side of the NAT only`],
      "not-sent": ["failed", `no packet on either side: the outside SDP named ${to}, an address that does not lead to the NAT`],
      "not-attempted": ["not-checked", "no media was sent this way"],
      stopped: ["not-checked", d.ended ? `no media was sent this way before ${endWords(d)}` : "no media was sent this way"],
      "not-covered": ["not-checked", `not covered: ${d.notCovered ?? "a capture it needs has no packets there"}`],
      "one-side-only": d.packets.inside + d.packets.outside ? ["passed", "media seen in the one capture given"] : ["not-checked", "only one capture was given and it shows no media this way"],
    }[d.status] as [Check["status"], string];
    checks.push({ check: "data-path", subject, status, reason });
  }
  // One way only: a direction that carried media while a direction that had to did not. With one
  // capture, what it shows (media one way only in it) is a warning: where the other died is not in it.
  const single = list.some((d) => d.status === "one-side-only");
  const seen = (d: MediaDirection) => (single ? d.packets.inside + d.packets.outside > 0 : d.status === "forwarded");
  const ok = list.filter((d) => d.expected && seen(d));
  const dead = list.filter((d) => d.expected && (single ? !seen(d) : d.status === "blocked" || d.status === "late" || d.status === "not-sent" || d.status === "not-attempted"));
  const okDirs = new Set(ok.map((d) => d.direction));
  const deadOther = dead.filter((d) => !okDirs.has(d.direction));
  if (ok.length && deadOther.length) {
    const good = ok[0]!;
    const bad = deadOther[0]!;
    const why = single ? `the ${good.packets.inside ? "inside" : "outside"} capture (the only one given) shows none: whether it died at the router or was never sent is not in it`
      : bad.status === "not-sent" ? `nothing was ever sent towards ${ep(bad.target.outside!)} (the outside SDP names an address that does not lead to the NAT)`
      : bad.status === "blocked" ? "it was blocked at the router" : `no packet was sent towards ${ep(bad.target.outside ?? bad.target.inside!)}`;
    findings.push(finding("alg.one-way-media", `one-way media: RTP ${words(good)} ${single ? "was seen" : "crossed the NAT"} (${good.packets.inside} packet(s) inside, ${good.packets.outside} outside) but none ${words(bad)}: ${why}`, {
      inside: [...(good.first.inside ? [good.first.inside] : []), ...(bad.announced.inside ? [bad.announced.inside] : [])],
      outside: [...(good.first.outside ? [good.first.outside] : []), ...(bad.announced.outside ? [bad.announced.outside] : [])],
      insideFlows: good.insideFlows, outsideFlows: good.outsideFlows,
    }, undefined, single ? "warning" : undefined));
  }
}

/**
 * The verified negotiations of a dialog: one per SDP media line of each paired message (kind
 * "SDP"), with the rewrite of its media endpoint and the data path of the media sent to it.
 */
function negotiations(si: SipSession | undefined, so: SipSession | undefined, pairs: [SipMessageView, SipMessageView][], v: VerifiedSip, m: NatMapping | undefined): VerifiedNegotiation[] {
  const out: VerifiedNegotiation[] = [];
  const negOf = (s: SipSession | undefined, msg: SipMessageView | undefined, k: number): Negotiation | undefined =>
    msg && s ? s.negotiations.filter((n) => n.packet === msg.packet)[k] : undefined;
  const list: [SipMessageView | undefined, SipMessageView | undefined][] = si && so ? pairs : [...(si?.sip?.messages ?? []).map((x) => [x, undefined] as [SipMessageView, undefined]), ...(so?.sip?.messages ?? []).map((x) => [undefined, x] as [undefined, SipMessageView])];
  for (const [a, b] of list) {
    const x = (a ?? b)!;
    if (!x.sdp) continue;
    const vm = v.messages.find((y) => (a ? y.inside === a.packet : y.outside === b!.packet));
    x.sdp.media.forEach((md, k) => {
      const ti = a?.sdp ? target(a.sdp, k) : undefined;
      const to = b?.sdp ? target(b.sdp, k) : undefined;
      const n: VerifiedNegotiation = { kind: "SDP", command: messageName(x), inside: negOf(si, a, k), outside: negOf(so, b, k), dataPath: "not-applicable" };
      // A media line the session holds no negotiation for (beyond --max-negotiations) is listed in sip.messages only.
      if (!n.inside && !n.outside) return;
      const c = vm?.fields.find((f) => f.field === "sdp-media" && f.index === k);
      if (c && a && b && m) {
        const ok = c.status === "rewritten" || c.status === "not-needed";
        const status: RewriteStatus = c.status === "rewritten" ? "rewritten" : c.status === "not-needed" ? "not-needed" : c.status === "not-rewritten" ? "not-rewritten" : "wrong";
        n.rewrite = { expected: splitEp(c.expected ?? c.inside), observed: splitEp(c.outside), ok, status };
      }
      const d = v.media.find((y) => (ti && y.target.inside && same(y.target.inside, ti)) || (to && y.target.outside && same(y.target.outside, to)));
      if (md.port === 0 || !ti && !to) n.dataPath = "not-applicable";
      else if (d) n.dataPath = !d.expected ? "not-applicable" : d.status === "forwarded" ? "forwarded" : d.status === "blocked" || d.status === "not-sent" ? "blocked" : d.status === "late" ? "late" : d.status === "one-side-only" ? "one-side-only" : d.status === "not-covered" ? "not-covered" : d.status === "stopped" ? "stopped" : "not-attempted";
      out.push(n);
    });
  }
  return out;
}

function splitEp(s: string | undefined): { ip?: string; port?: number } {
  if (!s) return {};
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(s.includes("]") || (s.match(/:/g) ?? []).length === 1 ? s : `[${s}]`);
  return m ? { ip: m[1], ...(m[2] ? { port: Number(m[2]) } : {}) } : {};
}
