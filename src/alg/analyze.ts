/**
 * `analyze`: one capture → flows + ALG sessions (platform neutral; no fs, no process).
 * The wasm core streams the capture once; control-connection events are collected as they
 * are drained (their number is bounded by the control lines, not by the capture size) and turned
 * into sessions at the end (src/alg/sessions.ts).
 */
import { scanCapture, type CaptureScan, type ScanOptions } from "../capture/scan.js";
import type { AlgEvent, ByteSource } from "../wasm/core.js";
import { EventKind } from "../wasm/abi.js";
import { buildSessions, type AnalyzeOptions, type Session } from "./sessions.js";
import type { Diagnostic } from "../types.js";

export interface AnalyzeScanOptions extends ScanOptions, AnalyzeOptions {}

export interface AnalyzeResult {
  scan: CaptureScan;
  sessions: Session[];
  /** Every control-line event (bounded by the number of control lines, not by capture size). */
  events: AlgEvent[];
}

export async function analyzeCapture(module: WebAssembly.Module, source: ByteSource, opts: AnalyzeScanOptions): Promise<AnalyzeResult> {
  const events: AlgEvent[] = [];
  const scan = await scanCapture(module, source, { ...opts, onEvents: (e) => { for (const x of e) events.push(x); } });
  const sessions = buildSessions(events, scan.flows, opts);
  scan.diagnostics.push(...algDiagnostics(opts.file, events, scan));
  return { scan, sessions, events };
}

/** Located diagnostics for control-stream problems: gaps, over-long lines, limits hit. */
export function algDiagnostics(file: string, events: AlgEvent[], scan: CaptureScan): Diagnostic[] {
  const out: Diagnostic[] = [];
  const first = (kind: EventKind) => events.find((e) => e.kind === kind);
  const count = (kind: EventKind) => events.reduce((n, e) => n + (e.kind === kind ? 1 : 0), 0);
  const gap = first(EventKind.TcpGap);
  if (gap) {
    out.push({
      code: "tcp_gap", severity: "warning", file, packet: gap.packet, count: count(EventKind.TcpGap),
      message: `control connection (flow ${gap.flow}) has sequence space missing from the capture at packet ${gap.packet}; lines across the hole are lost`,
    });
  }
  const long = first(EventKind.LineTooLong);
  if (long) {
    out.push({
      code: "line_too_long", severity: "warning", file, packet: long.packet, count: count(EventKind.LineTooLong),
      message: `control line longer than 1024 bytes on flow ${long.flow} (packet ${long.packet}); kept its first 1024 bytes, not parsed`,
    });
  }
  if (scan.stats.controlStreamsDropped > 0) {
    const full = first(EventKind.StreamTableFull);
    out.push({
      code: "control_stream_table_full", severity: "warning", file, packet: full?.packet, count: scan.stats.controlStreamsDropped,
      message: `${scan.stats.controlStreamsDropped} control connection(s) beyond --max-control-streams were not reassembled; their negotiations are missing`,
    });
  }
  const dropped = scan.core?.eventsDropped() ?? 0;
  if (dropped > 0) {
    out.push({
      code: "event_ring_overflow", severity: "warning", file, count: dropped,
      message: `${dropped} control-line event(s) were dropped (one packet batch produced more lines than the event ring holds)`,
    });
  }
  return out;
}
