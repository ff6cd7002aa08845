/**
 * parseRouterText: one file's text → documents (one per command output), the normalised records
 * and located diagnostics. Platform neutral (no fs / process); never throws on input.
 *
 *   parseRouterText("user@host> show security alg status\nALG Status:\n  FTP : Enabled\n", "a.txt")
 *   → { documents: [{ file: "a.txt", format: "srx-alg-status", location: { line: 1 },
 *                     command: "show security alg status", algs: [{ name: "FTP", enabled: true, ... }] }],
 *       flows: [], counters: [], events: [], expectations: [], diagnostics: [] }
 *
 * Steps: index lines (LF/CRLF) → split into parts at prompts / format changes (detect.ts) → run the
 * part's parser → normalise (normalise.ts). Lines of a part whose format nothing names are each
 * reported (`unknown_line`). A file in which nothing was understood gets one `nothing_understood`
 * error naming the file and what it looks like (sniff.ts: "a pcap capture", "binary data", "an
 * nftables ruleset", ...; also in `looksLike`); the CLI exits 2 for it. Bytes that are a capture or
 * binary are not parsed at all. Located diagnostics beyond `diagnosticLimit` (default 1000) are
 * counted in one `diagnostic_limit` diagnostic.
 */
import { DEFAULT_DIAGNOSTIC_LIMIT, type RouterDocument, type RouterFormat, type RouterParseOptions, type RouterParseResult } from "./types.js";
import { describeUnrecognised, isBinaryDescription, unrecognisedMessage, EMPTY } from "./sniff.js";
import { ParseContext, Lines, IGNORABLE, clip, firstNonBlank, type Segment } from "./lines.js";
import { splitParts } from "./detect.js";
import { parseJunosConversations } from "./junos/conversations.js";
import { parseJunosStatistics } from "./junos/statistics.js";
import { parseJunosSyslog } from "./junos/syslog.js";
import { parseSrxFlowSession } from "./srx/flow-session.js";
import { parseSrxAlgStatus } from "./srx/alg-status.js";
import { parseSrxSipCalls, parseSrxSipTransactions } from "./srx/sip.js";
import { parseConntrack } from "./conntrack/entries.js";
import { parseConntrackExpect } from "./conntrack/expect.js";
import { normaliseDocument, type NormalisedRecords } from "./normalise.js";
import { addrCache } from "./ip.js";
import { ListParts, listLength } from "./lazy.js";
import { resetConversationState } from "./junos/conversations.js";
import { resetConntrackState } from "./conntrack/entries.js";

interface Base {
  file: string;
  location: { line: number };
  command?: string;
  forced?: boolean;
}

/** Run the parser of `format` over a segment. */
function runParser(format: RouterFormat, ctx: ParseContext, seg: Segment, base: Base): RouterDocument[] {
  switch (format) {
    case "junos-conversations": return [parseJunosConversations(ctx, seg, base)];
    case "junos-statistics": {
      const docs = parseJunosStatistics(ctx, seg, base);
      return docs.length ? docs : [{ ...base, format, interface: null, serviceSet: null, statistics: {} }];
    }
    case "junos-syslog": return [parseJunosSyslog(ctx, seg, base)];
    case "srx-flow-session": return [parseSrxFlowSession(ctx, seg, base)];
    case "srx-alg-status": return [parseSrxAlgStatus(ctx, seg, base)];
    case "srx-sip-calls": return [parseSrxSipCalls(ctx, seg, base)];
    case "srx-sip-transactions": return [parseSrxSipTransactions(ctx, seg, base)];
    case "conntrack": return [parseConntrack(ctx, seg, base)];
    case "conntrack-events": return [parseConntrack(ctx, seg, base, true)];
    case "conntrack-expect": return [parseConntrackExpect(ctx, seg, base)];
  }
}

/** Number of records a document holds (an empty table that says so — `0 flow entries have been shown` — counts as one). */
export function documentRecords(d: RouterDocument): number {
  switch (d.format) {
    case "junos-conversations": return d.interfaces.reduce((n, i) => n + 1 + i.conversations.reduce((m, c) => m + 1 + c.flows.length, 0), 0);
    case "junos-statistics": return Object.values(d.statistics).reduce((n, s) => n + Object.keys(s).length, 0) + (d.interface ? 1 : 0);
    case "junos-syslog": return d.events.length;
    case "srx-flow-session": return d.sessions.length + d.totals.length;
    case "srx-alg-status": return d.algs.length;
    case "srx-sip-calls": return d.calls.length + (d.total !== undefined ? 1 : 0);
    case "srx-sip-transactions": return d.transactions.length + (d.total !== undefined ? 1 : 0);
    case "conntrack": return listLength(d, "entries") + (d.shown !== undefined ? 1 : 0);
    case "conntrack-events": return listLength(d, "events") + (d.shown !== undefined ? 1 : 0);
    case "conntrack-expect": return d.expectations.length + (d.shown !== undefined ? 1 : 0);
  }
}

/** Input of parseRouterText: the text, or the file's bytes (decoded as UTF-8 unless they are binary). */
export type RouterInput = string | Uint8Array;

export function parseRouterText(input: RouterInput, file: string, opts: RouterParseOptions = {}): RouterParseResult {
  const result: RouterParseResult = { file, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [] };
  let ctx: ParseContext | null = null;
  try {
    // a capture or other binary data is never given to the line parsers: say what it is
    const binary = sniffBinary(input);
    const text = typeof input === "string" ? input : binary ? "" : new TextDecoder().decode(input);
    const lines = new Lines(text);
    ctx = new ParseContext(file, lines, opts.diagnosticLimit ?? DEFAULT_DIAGNOSTIC_LIMIT);
    if (binary) {
      result.looksLike = binary;
      result.diagnostics = [{ ...ctx.reportAlways("nothing_understood", "error", 0, 0, unrecognisedMessage(file, binary)), lineText: "" }];
      return result;
    }
    const forced = opts.format && opts.format !== "auto" ? opts.format : undefined;
    for (const part of splitParts(lines, forced)) {
      const pr = part.prompt;
      const seg: Segment = pr
        ? { start: pr.endLine, end: part.end, col: pr.endColumn }
        : { start: part.start, end: part.end, col: 0 };
      let first = pr ? pr.line : part.start;
      while (!pr && first < part.end - 1 && IGNORABLE.test(lines.get(first))) first++;
      const base: Base = { file, location: { line: first + 1 } };
      if (pr) base.command = pr.command;
      if (forced) base.forced = true;
      if (part.format === null) {
        for (let i = seg.start; i < seg.end; i++) {
          const col = i === seg.start ? seg.col : 0;
          const t = lines.get(i).slice(col);
          if (IGNORABLE.test(t)) continue;
          ctx.report("unknown_line", "error", i, col + firstNonBlank(t), `not router output of any known format: "${clip(t)}"`);
        }
        continue;
      }
      for (const d of runParser(part.format, ctx, seg, base)) result.documents.push(d);
    }
    const out: NormalisedRecords = { flows: new ListParts(), counters: result.counters, events: new ListParts(), expectations: result.expectations };
    result.documents.forEach((d, k) => normaliseDocument(d, k, out));
    out.flows.assign(result, "flows");
    out.events.assign(result, "events");
    if (result.documents.reduce((n, d) => n + documentRecords(d), 0) === 0) {
      let i = 0;
      while (i < lines.length && IGNORABLE.test(lines.get(i))) i++;
      const looksLike = describeUnrecognised(text);
      result.looksLike = looksLike;
      ctx.reportAlways("nothing_understood", "error", i === lines.length ? 0 : i, 0,
        i === lines.length && looksLike !== EMPTY ? `${file} holds no router output (only blank lines, comments or pager marks)` : unrecognisedMessage(file, looksLike));
    }
    const limit = ctx.limitDiagnostic();
    if (limit) ctx.diagnostics.push(limit);
    result.diagnostics = ctx.diagnostics;
  } catch (err) {
    // Defensive: a parser bug must not escape as an exception on user input.
    const d = {
      code: "internal_error", severity: "error" as const, file, line: 1, column: 0, lineText: "",
      message: `internal parser error: ${err instanceof Error ? err.message : String(err)}`,
    };
    result.diagnostics = ctx ? ctx.diagnostics.concat([d]) : [d];
  } finally {
    // the parsers' interning caches may hold slices of `text`: let it go
    addrCache().clear();
    resetConversationState();
    resetConntrackState();
  }
  return result;
}

/** The description of a capture or other binary input, or null for text. */
function sniffBinary(input: RouterInput): string | null {
  const head = typeof input === "string" ? input.slice(0, 1 << 16) : input.subarray(0, 1 << 16);
  const d = describeUnrecognised(head);
  return isBinaryDescription(d) ? d : null;
}
