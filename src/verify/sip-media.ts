/**
 * SIP media through a NAT, per direction: the RTP the SDP endpoints announced, looked up in each
 * capture by the endpoint it is sent to (UDP flows whose responder, or initiator, is that
 * endpoint), and what the router did with it:
 *   forwarded      seen towards the endpoint on both sides
 *   blocked        seen where it entered the router, never on the other side (an ICMP error from
 *                  the router quoted when the capture holds one)
 *   late           blocked, and its first packet came more than SIP_MEDIA_WINDOW_S after the SDP
 *                  (the pinhole had expired)
 *   not-sent       towards the inside host: nothing on either side, and the outside SDP named an
 *                  address that does not lead to the NAT (a private address: the peer had no route)
 *   not-attempted  nothing on either side although the SDP named a usable endpoint
 *   one-side-only  only one capture was given (what it shows is counted)
 *   stopped        nothing before a later SDP of the dialog (re-INVITE, UPDATE, an answer) held,
 *                  rejected or moved the target, or the peer said it stops sending (the analyzer's
 *                  MediaInfo.until): the media was legitimately stopped, nothing is judged
 * A target whose media ended that way is judged on the flows that started before the end (plus
 * MEDIA_END_GRACE_S); media toward it after the end (a flow started later, or one that went on) is
 * `afterEnd`, with whether it crossed the NAT (alg.media-after-end).
 * Endpoint lookups use one index per capture (flows by endpoint), built once.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Session } from "../alg/sessions.js";
import { MEDIA_END_GRACE_S } from "../alg/sip.js";
import type { MediaEndReason } from "../alg/sip-types.js";
import type { Endpoint, Flow } from "../types.js";
import { udpFlowsAt } from "./flow-columns.js";
import { finding } from "./findings.js";
import { icmpNote } from "./sessions.js";
import type { Evidence, Finding } from "./types.js";

export type MediaStatus = "forwarded" | "blocked" | "late" | "not-sent" | "not-attempted" | "one-side-only" | "not-covered" | "stopped";

/** Media expectations of SIP ALGs live this long (Linux: 180 s, ALG-BEHAVIOUR.md §8.2). */
export const SIP_MEDIA_WINDOW_S = 180;

/**
 * "No media came this way" needs the capture it would enter to reach this far past the dialog's
 * first media packet (or the dialog's BYE to come after that packet): a capture cut a moment after
 * the first RTP packet says nothing about the other direction (the callee's first RTP packet may
 * follow it by a ptime or a jitter buffer's start-up; 2 s is ten times RFC 3551's longest usual
 * packetisation interval). Such a direction is not-covered, never one-way.
 */
export const SIP_MEDIA_WAIT_S = 2;

export interface MediaDirection {
  /** to-inside: the remote party's media to the inside host; from-inside: the inside host's media out. */
  direction: "to-inside" | "from-inside";
  /** The endpoint the media is sent to, as each side's SDP named it. */
  target: { inside?: Endpoint; outside?: Endpoint };
  status: MediaStatus;
  /** Whether the SDP direction attributes let this direction carry media. */
  expected: boolean;
  packets: { inside: number; outside: number };
  insideFlows: number[];
  outsideFlows: number[];
  /** First packet of the first flow per side. */
  first: { inside?: number; outside?: number };
  icmp?: string;
  /** The SDP messages that announced the target (packets per side). */
  announced: { inside?: number; outside?: number };
  /** Why the status is not-covered (a capture it needs has no packets there). */
  notCovered?: string;
  /** Media of this direction still seen (on the side it entered) more than a second after the dialog's BYE. */
  afterBye?: { seconds: number; flow: number; side: "inside" | "outside" };
  /** The SDP that ended the media expected toward the target (packets per side; `to`: the new endpoint when moved). */
  ended?: { why: MediaEndReason; command: string; packets: { inside?: number; outside?: number }; to?: { inside?: Endpoint; outside?: Endpoint } };
  /** Media toward the target after it ended, on the side it entered: the flow, whether it started after the end, and whether it crossed the NAT. */
  afterEnd?: { seconds: number; flow: number; side: "inside" | "outside"; started: boolean; crossed: boolean };
}

/** The end of the media toward a target, per side (from the analyzer's negotiations). */
export interface MediaEnd {
  why: MediaEndReason;
  command: string;
  inside?: { packet: number; ms: number; to?: Endpoint };
  outside?: { packet: number; ms: number; to?: Endpoint };
}

type SdpSession = Pick<Session, "negotiations">;

/**
 * Where the media toward `target` ended on each side: the `until` of the last SDP negotiation of
 * that side's session announcing the target (a later one re-announcing it continues it).
 */
export function mediaEnd(si: SdpSession | undefined, so: SdpSession | undefined, target: { inside?: Endpoint; outside?: Endpoint }): MediaEnd | undefined {
  const side = (s: SdpSession | undefined, t: Endpoint | undefined) => {
    if (!s || !t) return undefined;
    let last: Session["negotiations"][number] | undefined;
    for (const n of s.negotiations) if (n.kind === "SDP" && n.announced.ip === t.ip && n.announced.port === t.port && n.expected.length) last = n;
    return last?.media?.until;
  };
  const ui = side(si, target.inside);
  const uo = side(so, target.outside);
  const u = ui ?? uo;
  if (!u) return undefined;
  const at = (x: typeof u | undefined) => x && { packet: x.packet, ms: Date.parse(x.time), ...(x.to ? { to: { ip: x.to.ip, port: x.to.port } } : {}) };
  return { why: u.why, command: u.command, inside: at(ui), outside: at(uo) };
}

/** Flows toward `to` split at `endMs` (plus the grace): those that started before, and after. */
function splitAtEnd(r: AnalyzeResult | undefined, all: { packets: number; flows: Flow[] }, to: Endpoint | undefined, endMs: number | undefined): { during: { packets: number; flows: Flow[] }; after: Flow[] } {
  if (!r || endMs === undefined || !to) return { during: all, after: [] };
  const during: Flow[] = [];
  const after: Flow[] = [];
  let packets = 0;
  for (const f of all.flows) {
    if (r.scan.flows.firstMs(f.id) - endMs > MEDIA_END_GRACE_S * 1000) after.push(f);
    else {
      during.push(f);
      packets += f.responder.ip === to.ip && f.responder.port === to.port ? f.packets.initiatorToResponder : f.packets.responderToInitiator;
    }
  }
  return { during: { packets, flows: during }, after };
}

/** Packets sent towards `to` in capture `r` (by flows that have `to` as one end), and those flows. */
export function towards(r: AnalyzeResult | undefined, to: Endpoint | undefined): { packets: number; flows: Flow[] } {
  if (!r || !to || to.port === null) return { packets: 0, flows: [] };
  let packets = 0;
  const flows: Flow[] = [];
  for (const id of udpFlowsAt(r.scan.flows, to.ip, to.port)) {
    const f = r.scan.flows.get(id);
    const n = f.responder.ip === to.ip && f.responder.port === to.port ? f.packets.initiatorToResponder : f.packets.responderToInitiator;
    if (!n) continue;
    packets += n;
    flows.push(f);
  }
  return { packets, flows };
}

export interface MediaInput {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
  /** Addresses that lead to the NAT on the outside (the translated address, --nat-address). */
  natAddresses: string[];
}

/** What happened to media sent towards one announced endpoint (per side). */
export function mediaDirection(direction: MediaDirection["direction"], target: MediaDirection["target"], expected: boolean, announced: MediaDirection["announced"], input: MediaInput, times: { announcedMs?: number; byeMs?: number; end?: MediaEnd } = {}): MediaDirection {
  const end = times.end;
  const si = splitAtEnd(input.inside, towards(input.inside, target.inside), target.inside, end?.inside?.ms ?? end?.outside?.ms);
  const so = splitAtEnd(input.outside, towards(input.outside, target.outside), target.outside, end?.outside?.ms ?? end?.inside?.ms);
  const i = si.during;
  const o = so.during;
  const d: MediaDirection = {
    direction, target, expected, status: "not-attempted", announced,
    packets: { inside: i.packets, outside: o.packets },
    insideFlows: i.flows.map((f) => f.id), outsideFlows: o.flows.map((f) => f.id),
    first: { inside: i.flows[0]?.first.packet, outside: o.flows[0]?.first.packet },
  };
  if (!input.inside || !input.outside) d.status = "one-side-only";
  else if (i.packets && o.packets) d.status = "forwarded";
  else if (direction === "to-inside" && o.packets) {
    d.status = "blocked";
    d.icmp = icmpNote(input.outside, o.flows[0]!);
  } else if (direction === "from-inside" && i.packets) d.status = "blocked";
  else if (direction === "to-inside" && target.outside && !input.natAddresses.includes(target.outside.ip)) d.status = "not-sent";
  else if (i.packets || o.packets) d.status = "blocked";
  if (end) {
    d.ended = { why: end.why, command: end.command, packets: { inside: end.inside?.packet, outside: end.outside?.packet } };
    if (end.inside?.to || end.outside?.to) d.ended.to = { inside: end.inside?.to, outside: end.outside?.to };
    if (d.status === "not-attempted") d.status = "stopped";
    afterEnd(d, direction, end, input, { inside: si, outside: so });
  }
  const entered = direction === "to-inside" ? { r: input.outside, flows: o.flows, side: "outside" as const } : { r: input.inside, flows: i.flows, side: "inside" as const };
  const f0 = entered.flows[0];
  if (d.status === "blocked" && f0 && entered.r && times.announcedMs !== undefined && entered.r.scan.flows.firstMs(f0.id) - times.announcedMs > SIP_MEDIA_WINDOW_S * 1000) d.status = "late";
  if (times.byeMs !== undefined && entered.r) {
    for (const f of entered.flows) {
      const late = (entered.r.scan.flows.lastMs(f.id) - times.byeMs) / 1000;
      if (late > 1) {
        d.afterBye = { seconds: Math.round(late * 10) / 10, flow: f.id, side: entered.side };
        break;
      }
    }
  }
  return d;
}

type Split = ReturnType<typeof splitAtEnd>;

/**
 * Media toward an ended target on the side it entered: the first flow that started after the end,
 * else the first that went on past it; crossed when the other side also has media toward the
 * target after its own end.
 */
function afterEnd(d: MediaDirection, direction: MediaDirection["direction"], end: MediaEnd, input: MediaInput, split: { inside: Split; outside: Split }): void {
  const side = direction === "to-inside" ? "outside" as const : "inside" as const;
  const other = side === "inside" ? "outside" as const : "inside" as const;
  const r = input[side];
  const endMs = end[side]?.ms ?? end[other]?.ms;
  if (!r || endMs === undefined) return;
  const grace = MEDIA_END_GRACE_S * 1000;
  const started = split[side].after[0];
  const going = started ? undefined : split[side].during.flows.find((f) => r.scan.flows.lastMs(f.id) - endMs > grace);
  const f = started ?? going;
  if (!f) return;
  const ro = input[other];
  const otherEnd = end[other]?.ms ?? endMs;
  const crossed = !!ro && (split[other].after.length > 0 || split[other].during.flows.some((g) => ro.scan.flows.lastMs(g.id) - otherEnd > grace));
  const ms = started ? r.scan.flows.firstMs(f.id) - endMs : r.scan.flows.lastMs(f.id) - endMs;
  d.afterEnd = { seconds: Math.round(ms / 100) / 10, flow: f.id, side, started: !!started, crossed };
}

const ENDED: Record<MediaEndReason, string> = {
  hold: "put it on hold",
  moved: "moved it",
  rejected: "rejected the stream (port 0)",
  "peer-stopped": "said its sender stops sending",
};

/** What ended the media toward a target, in words ("the INVITE at inside packet 12 moved it to …"). */
export function endWords(d: MediaDirection): string {
  const e = d.ended!;
  const where = e.packets.outside !== undefined ? `outside packet ${e.packets.outside}` : `inside packet ${e.packets.inside}`;
  const to = e.to?.outside ?? e.to?.inside;
  return `the ${e.command} at ${where} ${ENDED[e.why]}${to ? ` to ${to.ip}:${to.port}` : ""}`;
}

/** alg.media-after-end for a direction whose media went on (or came back) toward the old target. */
export function afterEndFinding(d: MediaDirection, words: string, to: string, findings: Finding[]): void {
  const a = d.afterEnd;
  if (!a || !d.ended) return;
  const how = a.started ? `a new flow started ${a.seconds} s after` : `it went on ${a.seconds} s after`;
  const fate = a.crossed ? "and crossed the NAT: the router kept a pinhole the SDP had closed" : "and did not cross the NAT (the router closed the pinhole, as Linux does for new flows)";
  const ev: Evidence = { [a.side]: [...(d.ended.packets[a.side] !== undefined ? [d.ended.packets[a.side]!] : [])], [`${a.side}Flows`]: [a.flow] };
  findings.push(finding("alg.media-after-end", `RTP ${words} towards ${to}: ${how} ${endWords(d)}, ${fate}`, ev));
}
