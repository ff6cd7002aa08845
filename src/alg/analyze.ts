/**
 * `analyze`: one capture → flows + ALG sessions (platform neutral; no fs, no process).
 * The wasm core streams the capture once; control-connection events go to a SessionBuilder as
 * they are drained (src/alg/sessions.ts), which keeps per session only its negotiations (bounded
 * by `maxNegotiations`) and parser state — never the lines themselves.
 */
import { scanCapture, type CaptureScan, type ScanOptions } from "../capture/scan.js";
import type { AlgEvent, ByteSource } from "../wasm/core.js";
import { DEFAULT_MAX_NEGOTIATIONS, SessionBuilder, type AlgConditions, type AnalyzeOptions, type Session } from "./sessions.js";
import type { Diagnostic } from "../types.js";
import { tftpDiagnostics } from "./tftp.js";
import { SIP_CONFLICTS_KEPT } from "./sip.js";
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SIP_DIALOGS } from "./limits.js";
import { nsToIso } from "../net/time.js";

export interface AnalyzeScanOptions extends ScanOptions, AnalyzeOptions {
  /**
   * Called with the scan once the flow table is complete, before the sessions are finished
   * (analyze-worker.ts hands the table over to the main thread then, which prepares it while the
   * sessions are finished here).
   */
  onScanned?: (scan: CaptureScan) => void;
}

export interface AnalyzeResult {
  scan: CaptureScan;
  sessions: Session[];
  /**
   * The FTP replies that answer a negotiation: for each, the first reply after it and the first
   * refusal (425/426/500/501/502/504/522) before the next (bounded by the negotiations kept).
   */
  events: AlgEvent[];
  /**
   * Where SIP stopped being read (`--max-sip-dialogs`, diagnostic sip_dialog_limit): the first
   * message not kept. Nothing of SIP from there on is in `sessions`.
   */
  sipCut?: Cut;
  /**
   * The first control line of an FTP/RTSP connection beyond `--max-sessions` (diagnostic
   * session_limit). Connections that start from there on have no session.
   */
  sessionCut?: Cut;
}

/** Where a capture stopped keeping something (a limit reached): that packet, its time, the limit. */
export interface Cut {
  packet: number;
  time: string;
  ms: number;
  limit: number;
}

function cutOf(c: { packet: number; ns: bigint }, limit: number): Cut {
  return { packet: c.packet, time: nsToIso(c.ns), ms: Number(c.ns) / 1e6, limit };
}

export async function analyzeCapture(module: WebAssembly.Module, source: ByteSource, opts: AnalyzeScanOptions): Promise<AnalyzeResult> {
  // The scan's core keeps its options, this callback among them, until the report has been
  // written (scan.core): the callback reaches the builder through `live`, which is cleared once
  // the sessions are built, so the builder's own state (SIP dialogs and their line cache, control
  // flows' parser state) is garbage from then on instead of live to the end (#13's churn peak).
  let live: SessionBuilder | undefined = new SessionBuilder(opts);
  const builder = live;
  const scan = await scanCapture(module, source, { ...opts, onEvents: (e) => live!.push(e) });
  opts.onScanned?.(scan);
  const sessions = builder.finish(scan.flows);
  live = undefined;
  for (const d of algDiagnostics(opts.file, builder.conditions, scan, opts)) scan.diagnostics.push(d);
  for (const d of tftpDiagnostics(opts.file, builder.tftp.conditions, opts)) scan.diagnostics.push(d);
  const result: AnalyzeResult = { scan, sessions, events: builder.answers };
  const { sip, sessionCut } = builder.conditions;
  if (sip?.cut) result.sipCut = cutOf(sip.cut, opts.maxSipDialogs ?? DEFAULT_MAX_SIP_DIALOGS);
  if (sessionCut) result.sessionCut = cutOf(sessionCut, opts.maxSessions ?? DEFAULT_MAX_SESSIONS);
  return result;
}

/** Located diagnostics for control-stream problems: gaps, over-long lines, limits hit. */
export function algDiagnostics(file: string, c: AlgConditions, scan: CaptureScan, opts: AnalyzeOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (c.firstGap) {
    out.push({
      code: "tcp_gap", severity: "warning", file, packet: c.firstGap.packet, count: c.gaps,
      message: `control connection (flow ${c.firstGap.flow}) has sequence space missing from the capture at packet ${c.firstGap.packet}; lines across the hole are lost`,
    });
  }
  const conflict = c.firstConflict;
  if (conflict) {
    out.push({
      code: "tcp_retransmission_differs", severity: "warning", file, packet: conflict.packet, count: c.conflicts,
      message: `control connection (flow ${conflict.flow}) repeated bytes it had already sent, with different bytes, at packet ${conflict.packet} (relative sequence ${conflict.seq}): the first copy was read, a receiver may have taken the other; a line there may not be what the peer got`,
    });
  }
  const long = c.firstLongLine;
  if (long) {
    out.push({
      code: "line_too_long", severity: "warning", file, packet: long.packet, count: c.longLines,
      message: `control line longer than 1024 bytes on flow ${long.flow} (packet ${long.packet}); kept its first 1024 bytes, not parsed`,
    });
  }
  if (scan.stats.controlStreamsDropped > 0) {
    out.push({
      code: "control_stream_table_full", severity: "warning", file, packet: c.firstTableFull?.packet, count: scan.stats.controlStreamsDropped,
      message: `${scan.stats.controlStreamsDropped} control connection(s) arrived while --max-control-streams connections were open and were not reassembled; their negotiations are missing`,
    });
  }
  if (c.sessionCut) {
    out.push({
      code: "session_limit", severity: "warning", file, packet: c.sessionCut.packet, count: c.linesNotKept,
      message: `more than --max-sessions (${opts.maxSessions ?? DEFAULT_MAX_SESSIONS}) FTP/RTSP control connections: those that start from packet ${c.sessionCut.packet} (${nsToIso(c.sessionCut.ns)}) on have no session, their ${c.linesNotKept} control line(s) counted, not kept; the sessions kept are whole`,
    });
  }
  const messagesNotKept = c.sip?.messagesNotKept ?? 0;
  const notKept = c.negotiationsNotKept + c.teardownsNotKept + messagesNotKept;
  if (notKept > 0) {
    const what = [
      c.negotiationsNotKept ? `${c.negotiationsNotKept} negotiation(s)` : "",
      c.teardownsNotKept ? `${c.teardownsNotKept} RTSP TEARDOWN(s)` : "",
      messagesNotKept ? `${messagesNotKept} SIP message(s)` : "",
    ].filter(Boolean).join(" and ");
    out.push({
      code: "negotiation_limit", severity: "warning", file, packet: c.firstNotKeptPacket, count: notKept,
      message: `${what} beyond --max-negotiations (${opts.maxNegotiations ?? DEFAULT_MAX_NEGOTIATIONS} per session) in ${c.sessionsPartial} session(s) were counted, not kept; those sessions are partial`,
    });
  }
  for (const d of sipDiagnostics(file, c, opts)) out.push(d);
  const dropped = scan.core?.eventsDropped() ?? 0;
  if (dropped > 0) {
    out.push({
      code: "event_ring_overflow", severity: "warning", file, count: dropped, packet: scan.core?.firstDroppedEventPacket() || undefined,
      message: `${dropped} control-line event(s) were dropped (one packet carried more lines than the event ring holds)`,
    });
  }
  return out;
}

/** SIP: damaged messages (cut, bad Content-Length) and datagrams on SIP ports that were not SIP. */
function sipDiagnostics(file: string, c: AlgConditions, opts: AnalyzeOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sip = c.sip;
  if (!sip) return out;
  if (sip.cut) {
    out.push({
      code: "sip_dialog_limit", severity: "warning", file, packet: sip.cut.packet, count: sip.messagesCut,
      message: `the capture holds more than --max-sip-dialogs (${opts.maxSipDialogs ?? DEFAULT_MAX_SIP_DIALOGS}) SIP dialogs: SIP is read up to packet ${sip.cut.packet} (${nsToIso(sip.cut.ns)}), the first message of the first dialog beyond it; it and the ${sip.messagesCut - 1} SIP message(s) completed after it were counted, not kept, so the kept dialogs end there, and no media flow starting from then on is judged by the Linux emulation`,
    });
  }
  if (sip.firstDamaged) {
    out.push({
      code: "sip_message_damaged", severity: "warning", file, packet: sip.firstDamaged.packet, count: sip.damaged,
      message: `${sip.damaged} SIP message(s) were cut (snaplen, IP fragment, TCP gap) or had a malformed or too large Content-Length, first at packet ${sip.firstDamaged.packet}; what they lack is not reported`,
    });
  }
  if (sip.firstConflictNotPlaced) {
    out.push({
      code: "sip_conflicts_not_placed", severity: "warning", file, packet: sip.firstConflictNotPlaced.packet, count: sip.conflictsNotPlaced,
      message: `${sip.conflictsNotPlaced} retransmission(s) on SIP connections that differ from the copy read, past the first ${SIP_CONFLICTS_KEPT}, were not placed in their messages, first at packet ${sip.firstConflictNotPlaced.packet}: the messages they fall in are not marked, and verify judges them on the copy read`,
    });
  }
  if (sip.firstNotSip) {
    out.push({
      code: "sip_not_sip", severity: "info", file, packet: sip.firstNotSip.packet, count: sip.notSip,
      message: `${sip.notSip} datagram(s)/message(s) on a SIP port were not SIP, first at packet ${sip.firstNotSip.packet} (starts ${JSON.stringify(sip.firstNotSip.text.slice(0, 32))})`,
    });
  }
  return out;
}
