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
 * Endpoint lookups use one index per capture (flows by endpoint), built once.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Endpoint, Flow } from "../types.js";
import { icmpNote } from "./sessions.js";

export type MediaStatus = "forwarded" | "blocked" | "late" | "not-sent" | "not-attempted" | "one-side-only" | "not-covered";

/** Media expectations of SIP ALGs live this long (Linux: 180 s, ALG-BEHAVIOUR.md §8.2). */
export const SIP_MEDIA_WINDOW_S = 180;

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
}

/** Flow ids by "ip|port" of either end (UDP), per capture, built once. */
const indexes = new WeakMap<AnalyzeResult, Map<string, number[]>>();

function udpIndex(r: AnalyzeResult): Map<string, number[]> {
  let x = indexes.get(r);
  if (x) return x;
  x = new Map();
  for (const f of r.scan.flows) {
    if (f.proto !== "udp") continue;
    for (const e of [f.initiator, f.responder]) {
      const k = `${e.ip}|${e.port}`;
      const l = x.get(k);
      if (l) l.push(f.id);
      else x.set(k, [f.id]);
    }
  }
  indexes.set(r, x);
  return x;
}

/** Packets sent towards `to` in capture `r` (by flows that have `to` as one end), and those flows. */
export function towards(r: AnalyzeResult | undefined, to: Endpoint | undefined): { packets: number; flows: Flow[] } {
  if (!r || !to || to.port === null) return { packets: 0, flows: [] };
  let packets = 0;
  const flows: Flow[] = [];
  for (const id of udpIndex(r).get(`${to.ip}|${to.port}`) ?? []) {
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
export function mediaDirection(direction: MediaDirection["direction"], target: MediaDirection["target"], expected: boolean, announced: MediaDirection["announced"], input: MediaInput, times: { announcedMs?: number; byeMs?: number } = {}): MediaDirection {
  const i = towards(input.inside, target.inside);
  const o = towards(input.outside, target.outside);
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
