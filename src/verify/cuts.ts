/**
 * Where a capture stopped keeping sessions, and what verify then leaves unjudged:
 *  - SIP read only up to a point (`--max-sip-dialogs`: AnalyzeResult.sipCut, diagnostic
 *    sip_dialog_limit): past it the capture's SIP messages were counted, not kept, so their
 *    absence from it proves nothing — what verify would conclude from a message, a dialog or a
 *    router row missing there is not judged, and says why;
 *  - FTP/RTSP control connections beyond `--max-sessions` (AnalyzeResult.sessionCut, diagnostic
 *    session_limit): a session seen in one capture only, from the other's cut on, may be one that
 *    capture did not keep — its data path is not covered, its rewrite not checked.
 */
import type { AnalyzeResult } from "../alg/analyze.js";

/**
 * How far before a capture's cut a dialog, message or session of the other capture is still taken
 * to be possibly beyond it: the two captures reach their limits at about the same one, give or
 * take the router's delay and the order near it (one the router really dropped that close to the
 * cut is not judged either).
 */
export const CUT_MARGIN_MS = 1000;

type Side = "inside" | "outside";

/** The reason a capture's SIP is not read past its cut (undefined: read to its end). */
export function sipCutReason(r: AnalyzeResult | undefined, side: Side): string | undefined {
  const c = r?.sipCut;
  return c && `the ${side} capture's SIP is read only up to packet ${c.packet} (${c.time}): it holds more than --max-sip-dialogs (${c.dialogs}) dialogs (sip_dialog_limit)`;
}

/**
 * The reason SIP at `ms` (in capture `side`'s clock: the caller adds or takes the clock offset)
 * may be missing from that capture, or undefined when it read SIP there.
 */
export function pastSipCut(inputs: { inside?: AnalyzeResult; outside?: AnalyzeResult }, side: Side, ms: number): string | undefined {
  const r = inputs[side];
  const c = r?.sipCut;
  if (!c || ms < c.ms - CUT_MARGIN_MS) return undefined;
  return sipCutReason(r, side);
}

/** The reason of the first capture whose SIP was cut (either side), for what rests on both. */
export function anySipCut(inputs: { inside?: AnalyzeResult; outside?: AnalyzeResult }): string | undefined {
  return sipCutReason(inputs.inside, "inside") ?? sipCutReason(inputs.outside, "outside");
}

/**
 * The reason capture `side` may hold no session for a negotiation at `ms` (that capture's clock):
 * it is at or past that capture's --max-sessions cut. Undefined otherwise.
 */
export function pastSessionCut(inputs: { inside?: AnalyzeResult; outside?: AnalyzeResult }, side: Side, ms: number): string | undefined {
  const c = inputs[side]?.sessionCut;
  if (!c || ms < c.ms - CUT_MARGIN_MS) return undefined;
  return sessionCutReason(inputs[side], side);
}

/** The reason a capture keeps no FTP/RTSP session for connections from its cut on (undefined: it kept them all). */
export function sessionCutReason(r: AnalyzeResult | undefined, side: Side): string | undefined {
  const c = r?.sessionCut;
  return c && `the ${side} capture keeps no FTP/RTSP session for the control connections that start from packet ${c.packet} (${c.time}) on: it holds more than --max-sessions (${c.sessions}) (session_limit)`;
}
