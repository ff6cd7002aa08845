/**
 * Which capture is the inside one, from SIP (issue 14): the FTP/RTSP control lines that
 * src/verify/pairing.ts orders (lineOrder) do not exist in a SIP-only capture, least of all over
 * UDP. SIP gives the same evidence message by message: dialogs paired by Call-ID (./sip.ts), their
 * messages by kind + CSeq + branch, each seen once on each side.
 *
 * A NAT translates the address of the host on its inside. So of a message pair, the one whose
 * source endpoint differs across the captures was sent by the translated host H, the one whose
 * destination differs was sent to it. A router forwards each packet from the side it enters on:
 * whatever the clock offset between the captures, every message H sent has a larger
 * outside−inside time difference than every message sent to H when H is in the --inside capture
 * ("as given"), and a smaller one when the captures were given the other way round ("swapped").
 * A dialog with at least one message each way and the two sets of differences apart is judged;
 * overlapping ones (clock jitter larger than the forwarding delay, or a retransmission paired with
 * another copy) are not.
 *
 * Not used: the addresses written in Via/Contact. A no-ALG capture given the wrong way round (the
 * private address written in the message, seen as the packet source in the "outside" file) looks
 * exactly like a phone that writes its STUN-learned public address, given the right way round.
 */
import type { AnalyzeResult } from "../alg/analyze.js";
import type { Diagnostic } from "../types.js";
import { isoToNs } from "../net/time.js";
import { SIP_SIDES_DIALOGS } from "./limits.js";
import type { Reconciliation } from "./nat.js";
import { msOf } from "./sessions.js";
import { pairDialogs, pairMessages, sipSessions } from "./sip.js";
import type { SipMessageView } from "./sip-fields.js";

/** Dialogs paired across the NAT whose message order is examined by default (`--sip-sides-dialogs`; the rest are not). */
export { SIP_SIDES_DIALOGS };

export interface SipSides {
  /** Dialogs seen in both captures (at most SIP_SIDES_DIALOGS examined). */
  dialogs: number;
  /** Of those, with messages both to and from a translated host. */
  judged: number;
  asGiven: number;
  swapped: number;
  /** More dialogs were seen on both sides than the limit: the rest were not examined. */
  capped?: boolean;
  /** The limit in force (`--sip-sides-dialogs`, default SIP_SIDES_DIALOGS) and the dialogs seen on both sides beyond it. */
  limit: number;
  notExamined: number;
  /** Largest max−min of the time differences within one judged dialog (ms). */
  spreadMs: number;
  /**
   * Dialogs whose untranslated messages (the same endpoints in both captures), sent both ways,
   * all show one time difference to the nanosecond: across a router the two directions never do
   * (pairing.ts: a capture and a re-stamped copy of it).
   */
  still: number;
  /** First judged dialog's first message pair: inside packet, outside packet; and its flows. */
  example?: { inside: number; outside: number; insideFlow: number; outsideFlow: number };
}

const sameEp = (a: { ip: string; port: number | null }, b: { ip: string; port: number | null }) => a.ip === b.ip && a.port === b.port;

export function sipSides(inside: AnalyzeResult, outside: AnalyzeResult, nat: Reconciliation, limit = SIP_SIDES_DIALOGS): SipSides {
  const res: SipSides = { dialogs: 0, judged: 0, asGiven: 0, swapped: 0, spreadMs: 0, still: 0, limit, notExamined: 0 };
  for (const [si, so] of pairDialogs(sipSessions(inside), sipSessions(outside), nat)) {
    if (!si || !so) continue;
    if (res.dialogs === limit) {
      res.capped = true;
      res.notExamined++;
      continue;
    }
    res.dialogs++;
    judgeDialog(pairMessages(si.sip.messages, so.sip.messages).pairs, res);
  }
  return res;
}

/** The counted diagnostic of the limit (`sip_sides_dialog_limit`), when dialogs were left out. */
export function sipSidesDiagnostic(s: SipSides, file: string): Diagnostic | undefined {
  if (!s.notExamined) return undefined;
  return {
    code: "sip_sides_dialog_limit", severity: "info", file, count: s.notExamined,
    message: `${s.notExamined} SIP dialog(s) seen in both captures beyond --sip-sides-dialogs ${s.limit} (SIP_SIDES_DIALOGS) were not examined by the sides check`,
  };
}

/** One dialog's message pairs: sent by / to the translated host, and their time differences. */
function judgeDialog(pairs: [SipMessageView, SipMessageView][], res: SipSides): void {
  let minFrom = Infinity, maxFrom = -Infinity, minTo = Infinity, maxTo = -Infinity;
  let first: [SipMessageView, SipMessageView] | undefined;
  // Untranslated messages: their one difference (ns), the directions they were sent (bits 1, 2).
  let still: bigint | undefined;
  let stillDirs = 0;
  let moved = false;
  for (const [a, b] of pairs) {
    const fromH = !sameEp(a.src, b.src);
    const toH = !sameEp(a.dst, b.dst);
    if (!fromH && !toH && !moved) {
      const d = isoToNs(b.time) - isoToNs(a.time);
      if (still === undefined) still = d;
      else if (d !== still) moved = true;
      stillDirs |= sameEp(a.src, pairs[0][0].src) ? 1 : 2;
    }
    if (fromH === toH) continue; // both or neither translated: says nothing about H's side
    first ??= [a, b];
    const d = msOf(b.time) - msOf(a.time);
    if (fromH) {
      minFrom = Math.min(minFrom, d);
      maxFrom = Math.max(maxFrom, d);
    } else {
      minTo = Math.min(minTo, d);
      maxTo = Math.max(maxTo, d);
    }
  }
  if (!moved && stillDirs === 3) res.still++;
  if (minFrom === Infinity || minTo === Infinity) return;
  res.judged++;
  if (minFrom > maxTo) res.asGiven++;
  else if (maxFrom < minTo) res.swapped++;
  else return;
  res.spreadMs = Math.max(res.spreadMs, Math.max(maxFrom, maxTo) - Math.min(minFrom, minTo));
  if (!res.example && first) res.example = { inside: first[0].packet, outside: first[1].packet, insideFlow: first[0].flow, outsideFlow: first[1].flow };
}

/** What the SIP evidence says, for the `sides` check's reason. */
export function sipSidesReason(s: SipSides): string {
  if (!s.dialogs) return s.notExamined ? `${s.notExamined} SIP dialog(s) seen in both captures, none examined (--sip-sides-dialogs ${s.limit})` : "no SIP dialog seen in both captures";
  if (!s.judged) return `none of the ${s.dialogs} SIP dialog(s) seen in both captures has messages both from and to a host whose address the NAT translated`;
  const parts: string[] = [];
  if (s.asGiven) parts.push(`on ${s.asGiven} SIP dialog(s) every message from the translated host was seen inside first and every message to it outside first`);
  if (s.swapped) parts.push(`on ${s.swapped} SIP dialog(s) every message from the translated host reached the outside capture first and every message to it the inside one`);
  const open = s.judged - s.asGiven - s.swapped;
  if (open) parts.push(`${open} SIP dialog(s) do not show it (the time differences of the two directions overlap)`);
  if (s.capped) parts.push(`only the first ${s.limit} dialogs seen in both captures were examined, ${s.notExamined} not (--sip-sides-dialogs, SIP_SIDES_DIALOGS)`);
  return parts.join("; ");
}
