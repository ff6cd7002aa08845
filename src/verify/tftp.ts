/**
 * TFTP through the NAT (ALG-BEHAVIOUR.md §9.4). A request C:p → S:69 inside, N:p' → S:69 outside,
 * lets in one flow: S:any → N:p' outside, which the NAT must deliver as S:any → C:p inside. The
 * payload carries no address, so there is nothing to rewrite; what is judged is the reply:
 *
 *   forwarded   the server's reply flow on the outside is the same flow (paired by the NAT) as the
 *               reply flow inside: the ALG opened the pinhole; the transfer then completed, ended
 *               by ERROR (`alg.tftp-transfer-error`) or stopped (incomplete)
 *   blocked     the server's reply reached the outside and died at the router — never inside;
 *               the router's ICMP port unreachable quoting it is cited (`alg.tftp-reply-blocked`)
 *   unanswered  no reply at all (`alg.tftp-unanswered`): nothing about the ALG can be judged
 *
 * A reply from S:69 (the request's own port, not a new TID: RFC 1350 §4) is noted
 * (`alg.tftp-reply-from-request-port`): Linux lets it in through the request's conntrack entry, so
 * it passes without any ALG, but it is not what servers do.
 *
 * `--profile linux` (nf_conntrack_tftp, §9.1): one expectation per request conntrack
 * (max_expected 1: a later request on the same 5-tuple replaces it), 300 s, no payload or
 * direction check. A reply the captures show forwarded although that expectation was already
 * replaced or expired (the emulation in src/alg/tftp.ts) is `alg.tftp-linux-expectation-lost`.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Negotiation, Session } from "../alg/sessions.js";
import type { TftpInfo } from "../alg/tftp.js";
import type { Flow } from "../types.js";
import { finding } from "./findings.js";
import { msOf, sessionOf, type SessionCheckInput } from "./sessions.js";
import { icmpFlowsBetween } from "./flow-columns.js";
import type { Check, Finding, NatMapping, TftpTransferView, VerifiedNegotiation, VerifiedSession, VerifiedTftp } from "./types.js";

const ep = (e: { ip?: string; port?: number | null }) => (e.ip?.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

function flowOf(r: AnalyzeResult | undefined, id: number | undefined): Flow | undefined {
  return r && id ? r.scan.flows.get(id) : undefined;
}

/** The router's ICMP error about a reply flow (sent back to the server), quoted for evidence. */
export function tftpIcmp(r: AnalyzeResult, f: Flow, server: string): Flow | undefined {
  const client = f.initiator.ip === server ? f.responder.ip : f.initiator.ip;
  const t = r.scan.flows;
  let first = 0;
  for (const [a, b] of [[client, server], [server, client]]) {
    for (const id of icmpFlowsBetween(t, a!, b!)) {
      if (first && id >= first) break;
      if (t.firstPacket(id) > f.first.packet - 1) first = id;
    }
  }
  return first ? t.get(first) : undefined;
}

/** One TFTP session across the NAT (either side may be missing). */
export function verifyTftpSession(si: Session | undefined, so: Session | undefined, m: NatMapping | undefined, input: SessionCheckInput, findings: Finding[]): VerifiedSession {
  const s = (si ?? so)!;
  const vs: VerifiedSession = {
    alg: "tftp",
    control: { insideFlow: si?.controlFlow, outsideFlow: so?.controlFlow, client: s.client, server: s.server },
    negotiations: [],
  };
  if (m && si) vs.control.clientTranslated = m.translated;
  const ni = si?.negotiations[0];
  const no = so?.negotiations[0];
  const n = (ni ?? no)!;
  const v: VerifiedNegotiation = { kind: n.kind, inside: ni, outside: no, dataPath: "not-applicable" };
  v.transfer = `${n.kind} ${JSON.stringify((si ?? so)!.tftp!.filename)}`;
  vs.negotiations.push(v);
  vs.tftp = tftpView(si?.tftp, so?.tftp);
  replyPath(v, si, so, input, findings);
  notes(v, si, so, input, findings);
  return vs;
}

/** The request and, per capture, how its transfer ended (`sessions[].tftp`). */
function tftpView(ti: TftpInfo | undefined, to: TftpInfo | undefined): VerifiedTftp {
  const t = (ti ?? to)!;
  const side = (x: TftpInfo | undefined): TftpTransferView | undefined => x && {
    outcome: x.outcome, blocks: x.blocks, bytes: x.bytes, blockSize: x.blockSize, duplicates: x.duplicates, duplicateAcks: x.duplicateAcks,
    ...(x.duplicateAcksCapped ? { duplicateAcksCapped: { ...x.duplicateAcksCapped } } : {}),
    ...(x.transferFlow !== undefined ? { transferFlow: x.transferFlow } : {}), ...(x.serverPort !== undefined ? { serverPort: x.serverPort } : {}),
    ...(x.endPacket !== undefined ? { endPacket: x.endPacket } : {}), ...(x.lastAcked !== undefined ? { lastAcked: x.lastAcked } : {}),
    ...(x.error ? { error: { ...x.error } } : {}), ...(x.stopped ? { stopped: x.stopped } : {}),
    ...(x.retries.length ? { retries: x.retries.slice() } : {}), ...(x.malformed ? { malformed: true } : {}), ...(x.truncated ? { truncated: true } : {}),
  };
  return { opcode: t.opcode, filename: t.filename, mode: t.mode, options: { ...t.options }, ...(ti ? { inside: side(ti) } : {}), ...(to ? { outside: side(to) } : {}) };
}

/**
 * A request is unanswered only when it was repeated or the capture goes on this long after it: the
 * tftp-hpa client repeats an unanswered request after 5 s (ALG-BEHAVIOUR.md §9.2), a server
 * answers in milliseconds. A capture cut sooner says nothing about the reply (not-covered).
 */
export const TFTP_REPLY_WAIT_S = 5;

function evidenceOf(ni?: Negotiation, no?: Negotiation) {
  return { inside: ni ? [ni.packet] : undefined, outside: no ? [no.packet] : undefined };
}

/** How the server's reply crossed the NAT (see the module header). */
function replyPath(v: VerifiedNegotiation, si: Session | undefined, so: Session | undefined, input: SessionCheckInput, findings: Finding[]): void {
  const { inside, outside, nat } = input;
  const ti = si?.tftp;
  const to = so?.tftp;
  const ni = v.inside;
  const no = v.outside;
  const what = v.transfer!;
  if (so && to?.transferFlow !== undefined && (!inside || !ti || ti.transferFlow === undefined)) {
    const f = flowOf(outside, to.transferFlow)!;
    const icmp = tftpIcmp(outside!, f, so.server.ip);
    // Outside only: blocked when the router's ICMP error says so, else it followed there.
    if (!inside && !icmp) {
      v.dataPath = "one-side-only";
      return;
    }
    if (inside && !si) {
      v.dataPath = "not-covered";
      v.notCovered = "the request is not in the inside capture";
      return;
    }
    // The NAT pairing found the reply's flow inside too: it crossed (the inside capture shows no
    // reply of the server's, only the client's side of it: one direction kept, or lost packets).
    if (nat?.byOutside.has(f.id)) {
      v.dataPath = "forwarded";
      return;
    }
    // (The router's ICMP error about it is evidence whatever the other capture lacks.)
    if (input.oneDirection && !icmp) {
      v.dataPath = "not-covered";
      v.notCovered = input.oneDirection;
      return;
    }
    v.dataPath = "blocked";
    findings.push(finding("alg.tftp-reply-blocked", `the server's reply to ${what} (${to.firstReply!.opcode} from ${ep({ ip: so.server.ip, port: to.serverPort })} to ${ep(so.client)}) reached the router but never the client`, {
      ...evidenceOf(ni, no), outside: [no!.packet, to.firstReply!.packet, ...(icmp ? [icmp.first.packet] : [])], outsideFlows: [f.id, ...(icmp ? [icmp.id] : [])],
    }, icmp ? `the router answered it with ICMP (flow ${icmp.id}, packet ${icmp.first.packet}), an error such as port unreachable: no pinhole for the reply` : undefined));
    return;
  }
  if (si && ti?.transferFlow !== undefined) {
    if (!outside) {
      v.dataPath = "one-side-only";
      return;
    }
    const paired = to?.transferFlow !== undefined && nat?.byOutside.get(to.transferFlow)?.insideFlow === ti.transferFlow;
    if (paired) v.dataPath = "forwarded";
    else if (!so) {
      v.dataPath = "not-covered";
      v.notCovered = "the request is not in the outside capture";
    } else {
      v.dataPath = "not-covered";
      v.notCovered = "the reply is in the inside capture but not (as the same flow) in the outside one";
    }
    const t = ti;
    if (t.outcome === "error" && t.error) {
      findings.push(finding("alg.tftp-transfer-error", `${what} ended with ERROR ${t.error.code} "${t.error.message}" from the ${t.error.from}`, {
        inside: [ni!.packet, t.error.packet], outside: no ? [no.packet] : undefined,
      }));
    }
    return;
  }
  // No reply on either side.
  const r = si ? inside! : outside!;
  const x = (ni ?? no)!;
  const req = r.scan.flows.get((si ?? so)!.controlFlow);
  const retried = (si ?? so)!.tftp!.retries.length > 0;
  if (req.last.packet <= x.packet && !retried && r.scan.info.packets <= x.packet) {
    v.dataPath = "not-covered";
    v.notCovered = "the capture ends with the request: whether a reply followed is not in it";
    return;
  }
  // Unanswered needs a retry, or the capture going on TFTP_REPLY_WAIT_S past the request.
  const span = input.spans?.[si ? "inside" : "outside"];
  const after = span ? (span.lastMs - msOf(x.time)) / 1000 : undefined;
  if (!retried && after !== undefined && after < TFTP_REPLY_WAIT_S) {
    v.dataPath = "not-covered";
    v.notCovered = `the capture ends ${after.toFixed(3)} s after the request, before the client would have repeated it (TFTP_REPLY_WAIT_S = ${TFTP_REPLY_WAIT_S} s): whether a reply followed is not in it`;
    return;
  }
  if (input.oneDirection) {
    v.dataPath = "not-covered";
    v.notCovered = input.oneDirection;
    return;
  }
  v.dataPath = "not-attempted";
  findings.push(finding("alg.tftp-unanswered", `no reply to ${what} from ${(si ?? so)!.server.ip}${(si ?? so)!.tftp!.retries.length ? ` (the request was repeated at packet ${(si ?? so)!.tftp!.retries.join(", ")})` : ""}`, evidenceOf(ni, no)));
}

/** Replies from the request's port; the Linux emulation's view of the reply. */
function notes(v: VerifiedNegotiation, si: Session | undefined, so: Session | undefined, input: SessionCheckInput, findings: Finding[]): void {
  const t: TftpInfo | undefined = so?.tftp?.transferFlow !== undefined ? so.tftp : si?.tftp;
  const sess = so?.tftp?.transferFlow !== undefined ? so : si;
  if (t?.fromRequestPort && sess) {
    findings.push(finding("alg.tftp-reply-from-request-port", `the server answered ${v.transfer} from port ${t.serverPort}, the request's own port, not a new one (RFC 1350 §4 TIDs)`, {
      [sess === so ? "outside" : "inside"]: [sess.negotiations[0].packet, t.firstReply!.packet],
    }));
  }
  const e = v.outside?.emulation ?? v.inside?.emulation;
  if (input && v.dataPath === "forwarded" && e && (e.reason === "expectation_replaced" || e.reason === "expectation_expired")) {
    findings.push(finding("alg.tftp-linux-expectation-lost", `Linux would not have let the reply to ${v.transfer} in: ${e.reason === "expectation_replaced" ? "a later request on the same conntrack replaced its expectation (max_expected 1)" : "it came more than 300 s after the request (expectation timeout)"}`, evidenceOf(v.inside, v.outside)));
  }
}

/** The checks of a TFTP negotiation: nothing to rewrite; the reply path. */
export function tftpChecks(subject: string, v: VerifiedNegotiation, input: SessionCheckInput, checks: Check[]): void {
  checks.push({ check: "rewrite", subject, status: "not-checked", reason: "TFTP carries no address or port in its payload: nothing to rewrite" });
  const side = !input.inside ? "outside" : !input.outside ? "inside" : undefined;
  const x = (v.inside ?? v.outside)!;
  const t = (v.inside && input.inside && sessionOf(input.inside.sessions, v.inside)?.tftp) ?? (v.outside && input.outside && sessionOf(input.outside.sessions, v.outside)?.tftp);
  const how = t ? (t.outcome === "completed" ? `; the transfer completed (${t.blocks} block(s), ${t.bytes} bytes)` : t.outcome === "error" ? `; the transfer ended by ERROR ${t.error?.code}` : `; the transfer is ${t.outcome}`) : "";
  const dp: Record<VerifiedNegotiation["dataPath"], [Check["status"], string]> = {
    forwarded: ["passed", `the server's reply crossed the NAT to the client (one flow on both sides)${how}`],
    blocked: ["failed", "the server's reply reached the router but never the client"],
    late: ["failed", "the reply came after the expectation window"],
    refused: ["not-checked", "refused"],
    "not-attempted": ["not-checked", "the server never answered: the ALG's pinhole was not exercised"],
    "not-applicable": ["not-checked", `the request is not valid (${x.reason ?? "unparsed"})`],
    "one-side-only": x.dataSeen ? ["passed", `the reply followed in the ${side} capture (the other side of the NAT was not given)${how}`] : ["not-checked", `only the ${side} capture was given`],
    "not-covered": ["not-checked", `not covered: ${v.notCovered ?? "a capture it needs has no packets there"}`],
    stopped: ["not-checked", "stopped"],
  };
  const [status, reason] = dp[v.dataPath];
  checks.push({ check: "data-path", subject, status, reason });
}
