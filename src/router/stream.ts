/**
 * A `conntrack -L` / `conntrack -E` dump read in pieces, never whole: parseRouterStream reads a
 * file (RouterFileSource: each open() starts again at its first byte) once to check and count it,
 * and the document's entries and the flows or events made from them are lazy lists (lazy.ts) that
 * read the file again when written — so memory does not grow with the file. The `router --json`
 * and text writers (report.ts) write them a record at a time; conntrack's JSON straight from the
 * scan of each line (conntrack/json.ts).
 *
 *   parseRouterStream(fileSource("dump.txt"), "dump.txt")   // → a RouterParseResult, or null
 *
 * The result is the one parseRouterText gives for the same text (test/router/stream.test.ts).
 * Only the usual dump is read this way: one part of format conntrack or conntrack-events without a
 * prompt (detect.ts SinglePart), with at least one entry or summary, no line longer than
 * STREAM_LINE_MAX, not binary. For anything else it returns null, and the caller parses the whole
 * text (parseRouterText): several outputs in one file, Junos or SRX text, a prompt.
 *
 * The file is read again for each list written: one that changes in between gives a report of
 * mixed readings (the CLI reads only regular files this way, as they are when it runs).
 *
 * Memory: one piece of the file (STREAM_PIECE, more only for a longer line), its text and line
 * index, the located diagnostics (bounded by diagnosticLimit). The pieces are small so that their
 * strings stay in V8's young generation (a large string would take fresh pages every time).
 */
import { DEFAULT_DIAGNOSTIC_LIMIT, type ConntrackDocument, type ConntrackEventsDocument, type RouterFormat, type RouterParseOptions, type RouterParseResult } from "./types.js";
import { CodeWindow, IGNORABLE, Lines, ParseContext } from "./lines.js";
import { SinglePart } from "./detect.js";
import { describeUnrecognised, isBinaryDescription } from "./sniff.js";
import { normaliseDocument, type NormalisedRecords } from "./normalise.js";
import { ListParts, defineLazyList } from "./lazy.js";
import { addrCache } from "./ip.js";
import {
  BAD_LINE, GOOD, LAST_UNKNOWN, LINE_ERROR, SCAN, SHOWN_LINE, SHOWN_VALUE, entrySource, lineKind, reportUnknownText, resetConntrackState, type GoodLines,
} from "./conntrack/entries.js";
import { resetConversationState } from "./junos/conversations.js";

/**
 * A file read from its first byte: open() returns a reader whose read fills `into` and returns how
 * many bytes it put there (0 at the end); close() is called when the reading ends or is given up.
 */
export interface RouterFileSource {
  open(): { read(into: Uint8Array): number; close(): void };
}

/** Bytes read at a time (64 KiB: their text stays a small, young string). */
export const STREAM_PIECE = 1 << 16;
/** Longest line read in pieces (1 MiB); a file with a longer line is parsed whole. */
export const STREAM_LINE_MAX = 1 << 20;

/** Complete lines of the file: `lines` (index i = line base + i of the file), `count` of them. */
interface Region {
  text: string;
  lines: Lines;
  win: CodeWindow;
  base: number;
  count: number;
}

/** Thrown (and caught here) when a line is longer than STREAM_LINE_MAX. */
class LineTooLong extends Error {}

/**
 * The file's lines, a region of whole lines at a time (each region's text ends with its `\n`;
 * the last region holds what follows the last `\n`, possibly nothing, as Lines counts it). Decoded
 * as UTF-8 by one decoder in stream mode, so the texts joined are the whole file's text (a
 * leading byte-order mark dropped, as TextDecoder does).
 */
function* regions(src: RouterFileSource): Generator<Region> {
  const reader = src.open();
  try {
    yield* regionsOf(reader);
  } finally {
    reader.close();
  }
}

function* regionsOf(reader: { read(into: Uint8Array): number }): Generator<Region> {
  const dec = new TextDecoder();
  const win = new CodeWindow("");
  let buf = new Uint8Array(STREAM_PIECE * 2);
  let have = 0;
  let base = 0;
  for (;;) {
    if (buf.length - have < STREAM_PIECE) {
      const more = new Uint8Array(buf.length * 2);
      more.set(buf.subarray(0, have));
      buf = more;
    }
    const n = reader.read(buf.subarray(have, have + STREAM_PIECE));
    if (n === 0) break;
    const from = have;
    have += n;
    // no line ends in what was read: read on (the line so far stays; the buffer grows for it)
    const last = buf.lastIndexOf(10, have - 1);
    // the line carried over, or read so far, must not be longer than STREAM_LINE_MAX
    const firstEnd = last < from ? have : buf.indexOf(10, from);
    if (firstEnd > STREAM_LINE_MAX) throw new LineTooLong();
    if (last < from) continue;
    const text = dec.decode(buf.subarray(0, last + 1), { stream: true });
    const lines = new Lines(text);
    win.reset(text);
    yield { text, lines, win, base, count: lines.length - 1 };
    base += lines.length - 1;
    buf.copyWithin(0, last + 1, have);
    have -= last + 1;
  }
  if (have > STREAM_LINE_MAX) throw new LineTooLong();
  const text = dec.decode(buf.subarray(0, have));
  const lines = new Lines(text);
  win.reset(text);
  yield { text, lines, win, base, count: lines.length };
}

/** The first STREAM_PIECE bytes of the file (for sniffing). */
function head(src: RouterFileSource): Uint8Array {
  const reader = src.open();
  try {
    const buf = new Uint8Array(STREAM_PIECE);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = reader.read(buf.subarray(n));
    return buf.subarray(0, n);
  } finally {
    reader.close();
  }
}

/** The good entries of the file, scanned again (GoodLines): a new reading of the file. */
function goodLinesOfFile(src: RouterFileSource): GoodLines {
  return function* () {
    try {
      for (const r of regions(src)) {
        for (let i = 0; i < r.count; i++) {
          if (lineKind(r.win, r.lines, i, 0) !== GOOD) continue;
          SCAN.line += r.base;
          yield r.win;
        }
      }
    } finally {
      addrCache().clear();
      resetConntrackState();
    }
  };
}

/**
 * Parse a conntrack dump read in pieces (see the module comment); null when the file is not one
 * to read this way (then parse its whole text with parseRouterText).
 */
export function parseRouterStream(src: RouterFileSource, file: string, opts: RouterParseOptions = {}): RouterParseResult | null {
  const forced = opts.format && opts.format !== "auto" ? opts.format : undefined;
  if (forced !== undefined && forced !== "conntrack" && forced !== "conntrack-events") return null;
  if (isBinaryDescription(describeUnrecognised(head(src)))) return null;
  const part = new SinglePart(forced);
  let cur: Region | null = null;
  // the context's lines: the region being read (diagnostics are reported on the line being read)
  const view = { get: (g: number) => cur!.lines.get(g - cur!.base), text: "" } as unknown as Lines;
  const ctx = new ParseContext(file, view, opts.diagnosticLimit ?? DEFAULT_DIAGNOSTIC_LIMIT);
  let total = 0;
  let first = -1;
  let count = 0;
  let shown: number | undefined;
  try {
    for (const r of regions(src)) {
      cur = r;
      for (let i = 0; i < r.count; i++) {
        const text = r.lines.get(i);
        if (!part.line(text)) return null;
        const g = r.base + i;
        if (first < 0 && !IGNORABLE.test(text)) first = g;
        const kind = lineKind(r.win, r.lines, i, 0);
        if (kind === GOOD) {
          count++;
          if (LAST_UNKNOWN >= 0) reportUnknownText(ctx, g, text);
        } else if (kind === BAD_LINE) {
          ctx.report(LINE_ERROR.code, "error", g, LINE_ERROR.col, LINE_ERROR.message);
        } else if (kind === SHOWN_LINE) {
          shown = SHOWN_VALUE;
        }
      }
      total = r.base + r.count;
    }
  } catch {
    // a line too long (LineTooLong), or anything unexpected: parseRouterText reads it whole (and
    // reports a parser bug as its internal_error diagnostic)
    return null;
  } finally {
    cur = null;
    addrCache().clear();
    resetConversationState();
    resetConntrackState();
  }
  const format: RouterFormat | null = part.format;
  if ((format !== "conntrack" && format !== "conntrack-events") || count + (shown !== undefined ? 1 : 0) === 0) return null;
  const base: { file: string; location: { line: number }; forced?: boolean } = { file, location: { line: (first >= 0 && first < total - 1 ? first : total - 1) + 1 } };
  if (forced) base.forced = true;
  const events = format === "conntrack-events";
  const doc: ConntrackDocument | ConntrackEventsDocument = events
    ? { ...base, format: "conntrack-events", events: [] }
    : { ...base, format: "conntrack", entries: [] };
  defineLazyList(doc, events ? "events" : "entries", entrySource(goodLinesOfFile(src), count));
  if (shown !== undefined) doc.shown = shown;
  const result: RouterParseResult = { file, documents: [doc], flows: [], counters: [], events: [], expectations: [], diagnostics: [] };
  const out: NormalisedRecords = { flows: new ListParts(), counters: result.counters, events: new ListParts(), expectations: result.expectations };
  normaliseDocument(doc, 0, out);
  out.flows.assign(result, "flows");
  out.events.assign(result, "events");
  const limit = ctx.limitDiagnostic();
  if (limit) ctx.diagnostics.push(limit);
  result.diagnostics = ctx.diagnostics;
  return result;
}
