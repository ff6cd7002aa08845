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
import { clockShiftMs } from "./nat.js";

/**
 * How far before a capture's cut a dialog, message or session of the other capture is still taken
 * to be possibly beyond it: the two captures reach their limits at about the same one, give or
 * take the router's delay and the order near it (one the router really dropped that close to the
 * cut is not judged either).
 */
export const CUT_MARGIN_MS = 1000;

type Side = "inside" | "outside";

/** Which cut: SIP's (`--max-sip-dialogs`) or the FTP/RTSP sessions' (`--max-sessions`). */
export type CutKind = "sipCut" | "sessionCut";

interface CutInputs {
  inside?: AnalyzeResult;
  outside?: AnalyzeResult;
  /** The outside clock minus the inside one (the NAT reconciliation's). */
  nat?: { clockOffsetMs?: number };
}

/** The reason capture `r` (on `side`) stopped keeping what `kind` bounds; undefined when it kept it all. */
export function cutReason(r: AnalyzeResult | undefined, side: Side, kind: CutKind): string | undefined {
  const c = r?.[kind];
  if (!c) return undefined;
  return kind === "sipCut"
    ? `the ${side} capture's SIP is read only up to packet ${c.packet} (${c.time}): it holds more than --max-sip-dialogs (${c.limit}) dialogs (sip_dialog_limit)`
    : `the ${side} capture keeps no FTP/RTSP session for the control connections that start from packet ${c.packet} (${c.time}) on: it holds more than --max-sessions (${c.limit}) (session_limit)`;
}

/** The reason of the first capture (inside, then outside) with a cut of `kind`, for what rests on both. */
export function anyCut(inputs: CutInputs, kind: CutKind): string | undefined {
  return cutReason(inputs.inside, "inside", kind) ?? cutReason(inputs.outside, "outside", kind);
}

/**
 * Why the capture other than `seenIn` may lack what `seenIn` shows at `ms` (in `seenIn`'s clock):
 * it is at or past (less CUT_MARGIN_MS) that capture's cut of `kind`. Undefined when it is before.
 */
export function missingPastCut(inputs: CutInputs, seenIn: Side, ms: number, kind: CutKind): string | undefined {
  const other = seenIn === "inside" ? "outside" : "inside";
  const c = inputs[other]?.[kind];
  if (!c) return undefined;
  const at = ms + clockShiftMs(inputs.nat, seenIn, other);
  return at < c.ms - CUT_MARGIN_MS ? undefined : cutReason(inputs[other], other, kind);
}
