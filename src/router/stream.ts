/**
 * A `conntrack -L` / `conntrack -E` dump read in pieces, never whole: parseRouterStream reads a
 * file (RouterFileSource: each open() starts again at its first byte) once to check and count it,
 * and the document's entries and the flows or events made from them are lazy lists (lazy.ts) that
 * read the file again when written — so memory does not grow with the file. The `router --json`
 * and text writers (report.ts) write them a record at a time; conntrack's JSON straight from the
 * scan of each line (conntrack/json.ts).
 *
 *   parseRouterStream(regularFileSource("dump.txt"), "dump.txt")   // → a RouterParseResult, or null
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
import type { Diagnostic } from "../types.js";
import { DEFAULT_DIAGNOSTIC_LIMIT, type ConntrackDocument, type ConntrackEventsDocument, type RouterFormat, type RouterParseOptions, type RouterParseResult } from "./types.js";
import { CodeWindow, IGNORABLE, Lines, ParseContext } from "./lines.js";
import { SinglePart } from "./detect.js";
import { describeUnrecognised, isBinaryDescription } from "./sniff.js";
import { normaliseDocument, type NormalisedRecords } from "./normalise.js";
import { ListParts, defineLazyList } from "./lazy.js";
import { addrCache } from "./ip.js";
import {
  BAD_LINE, GOOD, LAST_UNKNOWN, LINE_ERROR, RECORD_DEPTH, SCAN, SHOWN_LINE, SHOWN_VALUE, entrySource, lineKind, reportUnknownText, resetConntrackState,
  type FastEntriesJson, type FastFlows,
} from "./conntrack/entries.js";
import { CHUNK, JsonOut } from "./json-out.js";
import { writeEntry, writeFlow } from "./conntrack/json.js";
import { CT_FALLBACK, ConntrackWasm } from "./conntrack/wasm-json.js";
import { resetConversationState } from "./junos/conversations.js";

/**
 * A file read from its first byte: open() returns a reader whose read fills `into` and returns how
 * many bytes it put there (0 at the end); close() is called when the reading ends or is given up.
 */
export interface RouterFileSource {
  open(): { read(into: Uint8Array): number; close(): void };
}

/**
 * A RouterFileSource over bytes in memory, each read giving at most `step` bytes (what a file
 * gives, without the disk: the benches, the fuzzer's oracle, the tests).
 */
export function memoryRouterSource(bytes: Uint8Array, step = Infinity): RouterFileSource {
  return {
    open() {
      let pos = 0;
      return {
        read(into: Uint8Array) {
          const n = Math.min(into.length, step, bytes.length - pos);
          into.set(bytes.subarray(pos, pos + n));
          pos += n;
          return n;
        },
        close() {},
      };
    },
  };
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

/** Thrown (and caught by the first reading) when a line is longer than STREAM_LINE_MAX. */
class LineTooLong extends Error {}

/**
 * The file's bytes, a run of whole lines at a time: buf[0, end) ends with a `\n`, except the last
 * run (`last`), which holds what follows the last `\n` (possibly nothing). The buffer is reused
 * (valid until the next run is asked for); it grows only for a line longer than a piece.
 */
function* byteRuns(reader: { read(into: Uint8Array): number }): Generator<{ buf: Uint8Array; end: number; last: boolean }> {
  let buf = new Uint8Array(STREAM_PIECE * 2);
  let have = 0;
  const run = { buf, end: 0, last: false };
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
    run.buf = buf;
    run.end = last + 1;
    yield run;
    buf.copyWithin(0, last + 1, have);
    have -= last + 1;
  }
  if (have > STREAM_LINE_MAX) throw new LineTooLong();
  run.buf = buf;
  run.end = have;
  run.last = true;
  yield run;
}

/**
 * The file's lines, a region of whole lines at a time (each region's text ends with its `\n`;
 * the last region holds what follows the last `\n`, possibly nothing, as Lines counts it). Decoded
 * as UTF-8 by one decoder in stream mode, so the texts joined are the whole file's text (a
 * leading byte-order mark dropped, as TextDecoder does).
 */
function* regions(src: RouterFileSource): Generator<Region> {
  const reader = src.open();
  try {
    const dec = new TextDecoder();
    const win = new CodeWindow("");
    let base = 0;
    for (const run of byteRuns(reader)) {
      const text = run.last ? dec.decode(run.buf.subarray(0, run.end)) : dec.decode(run.buf.subarray(0, run.end), { stream: true });
      const lines = new Lines(text);
      win.reset(text);
      const count = run.last ? lines.length : lines.length - 1;
      yield { text, lines, win, base, count };
      base += count;
    }
  } finally {
    reader.close();
  }
}

/**
 * A line that plainly continues a conntrack dump, read from its bytes buf[s, e): what SinglePart
 * would take without looking further (detect.ts CONTINUES.conntrack / conntrack-events matched,
 * no `@`: `at` is the first `@` at or after s, or past e). A sound subset of those regular expressions (one path through each, taken greedily):
 * true only when they match; false sends the line to the exact test on its text.
 */
function plainlyContinues(buf: Uint8Array, s: number, e: number, events: boolean, at: number): boolean {
  // `@` never occurs inside a UTF-8 sequence: no `@` byte, no prompt (SinglePart's first test)
  if (at < e) return false;
  return events ? eventsLine(buf, s, e) : entryLine(buf, s, e);
}

const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** Position after the run of bytes from k that `test` accepts. */
function skip(buf: Uint8Array, k: number, e: number, test: (c: number) => boolean): number {
  while (k < e && test(buf[k]!)) k++;
  return k;
}
const isSpace = (c: number): boolean => c === 32;
const isBlank = (c: number): boolean => c === 32 || c === 9;
const isWordChar = (c: number): boolean => isLower(c) || isDigit(c);
const isUpperOr_ = (c: number): boolean => (c >= 65 && c <= 90) || c === 95;

/** `^(?:ipv[46] +\d+ +)?[a-z][a-z0-9]* +\d+ +(?:\d+ +)?(?:[A-Z_]+ +)?src=` (detect.ts CONTINUES.conntrack). */
function entryLine(buf: Uint8Array, s: number, e: number): boolean {
  let k = s;
  if (e - k > 5 && buf[k] === 105 && buf[k + 1] === 112 && buf[k + 2] === 118 && (buf[k + 3] === 52 || buf[k + 3] === 54) && buf[k + 4] === 32) {
    const a = skip(buf, k + 4, e, isSpace);
    const b = skip(buf, a, e, isDigit);
    const c = skip(buf, b, e, isSpace);
    if (b > a && c > b) k = c;
  }
  if (k >= e || !isLower(buf[k]!)) return false;
  k = skip(buf, k + 1, e, isWordChar);
  let n = skip(buf, k, e, isSpace);
  if (n === k) return false;
  k = skip(buf, n, e, isDigit);
  if (k === n) return false;
  n = skip(buf, k, e, isSpace);
  if (n === k) return false;
  k = n;
  let m = skip(buf, k, e, isDigit);
  if (m > k) {
    n = skip(buf, m, e, isSpace);
    if (n > m) k = n;
  }
  m = skip(buf, k, e, isUpperOr_);
  if (m > k) {
    n = skip(buf, m, e, isSpace);
    if (n > m) k = n;
  }
  return e - k >= 4 && buf[k] === 115 && buf[k + 1] === 114 && buf[k + 2] === 99 && buf[k + 3] === 61;
}

/** `^\s*(?:\[\s*\d+\.\d+\s*\]\s*)?\[(?:NEW|UPDATE|DESTROY)\](?![ \t]+\d+[ \t]+proto=)` (CONTINUES.conntrack-events), blanks as spaces and tabs. */
function eventsLine(buf: Uint8Array, s: number, e: number): boolean {
  let k = skip(buf, s, e, isBlank);
  if (k < e && buf[k] === 91) {
    // a `[seconds.micro]` time, or the event itself
    const a = skip(buf, k + 1, e, isBlank);
    const b = skip(buf, a, e, isDigit);
    if (b > a && buf[b] === 46) {
      const c = skip(buf, b + 1, e, isDigit);
      const d = skip(buf, c, e, isBlank);
      if (c > b + 1 && buf[d] === 93) k = skip(buf, d + 1, e, isBlank);
    }
  }
  if (k >= e || buf[k] !== 91) return false;
  let w = 0;
  for (const word of EVENT_WORDS) {
    if (e - k >= word.length && buf.subarray(k, k + word.length).every((c, j) => c === word[j])) {
      w = word.length;
      break;
    }
  }
  if (w === 0) return false;
  k += w;
  // the lookahead: `[ \t]+\d+[ \t]+proto=` must not follow (each run is taken whole: no other path)
  const a = skip(buf, k, e, isBlank);
  if (a === k) return true;
  const b = skip(buf, a, e, isDigit);
  if (b === a) return true;
  const c = skip(buf, b, e, isBlank);
  if (c === b) return true;
  return !(e - c >= 6 && buf[c] === 112 && buf[c + 1] === 114 && buf[c + 2] === 111 && buf[c + 3] === 116 && buf[c + 4] === 111 && buf[c + 5] === 61);
}
const EVENT_WORDS = ["[NEW]", "[UPDATE]", "[DESTROY]"].map((w) => new TextEncoder().encode(w));

/** What the first reading learns (firstLook). */
interface FirstLook {
  format: RouterFormat;
  /** Index of the first line that is not ignorable (-1: none), and the number of lines. */
  first: number;
  total: number;
}

/**
 * The first reading: whether the file is one conntrack dump to read in pieces, its format, its
 * first line that counts, its number of lines — from the bytes, without decoding or scanning the
 * lines that plainly continue a dump (plainlyContinues); the others decoded one by one and put to
 * SinglePart as the whole-text parser would. Entries are scanned only until a good one (or the
 * `N flow entries have been shown` summary) is found. Null when the file is not to be read this way.
 */
function firstLook(src: RouterFileSource, forced: RouterFormat | undefined, w: ConntrackWasm | null): FirstLook | null {
  const part = new SinglePart(forced);
  const first = new TextDecoder();
  const later = new TextDecoder("utf-8", { ignoreBOM: true });
  const win = new CodeWindow("");
  let line = 0;
  let firstLine = -1;
  let found = false;
  const reader = src.open();
  try {
    for (const run of byteRuns(reader)) {
      const buf = run.buf;
      // the next `@` of the run (searched again only once passed: one search per `@`, not per line)
      let at = -1;
      // (the wasm skips the plain lines of a `conntrack -L` dump once nothing more is to be learnt from them)
      const loaded = w !== null && !forced && w.load(buf.subarray(0, run.end));
      for (let s = 0; s < run.end || (run.last && s === run.end); ) {
        if (loaded && found && firstLine >= 0 && part.format === "conntrack") {
          s = w.look(s, run.end);
          line += w.lines;
          if (s === run.end && !run.last) break;
        }
        if (at < s) {
          at = buf.subarray(0, run.end).indexOf(64, s);
          if (at < 0) at = run.end + 1;
        }
        let e = buf.indexOf(10, s);
        if (e < 0 || e >= run.end) e = run.end;
        const next = e + 1;
        const format = part.format;
        const plain = (format === "conntrack" || format === "conntrack-events") && !forced && plainlyContinues(buf, s, e, format === "conntrack-events", at);
        // (a plain line starts with a letter or `[`: not ignorable)
        if (!plain || !found || firstLine < 0) {
          let t = (line === 0 ? first : later).decode(buf.subarray(s, e));
          if (t.length > 0 && t.charCodeAt(t.length - 1) === 13) t = t.slice(0, -1);
          if (!plain && !part.line(t)) return null;
          if (firstLine < 0 && !IGNORABLE.test(t)) firstLine = line;
          if (!found) {
            const lines = new Lines(t);
            win.reset(t);
            const kind = lineKind(win, lines, 0, 0);
            // (Lines drops a `\r` that ends a line, and t has lost one already: a line that ended in
            // two is, as the reading sees it, not the entry scanned here — fuzz reproducer
            // test/fuzz/repro/router-stream-differs-4d251843beee)
            found = (kind === GOOD || kind === SHOWN_LINE) && t.charCodeAt(t.length - 1) !== 13;
          }
        }
        line++;
        if (e === run.end) break;
        s = next;
        if (s === run.end && !run.last) break;
      }
    }
  } catch {
    // a line too long (LineTooLong), or anything unexpected: parseRouterText reads it whole (and
    // reports a parser bug as its internal_error diagnostic)
    return null;
  } finally {
    reader.close();
    addrCache().clear();
    resetConversationState();
    resetConntrackState();
  }
  const format = part.format;
  if ((format !== "conntrack" && format !== "conntrack-events") || !found) return null;
  return { format, first: firstLine, total: line };
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

/**
 * What only a reading of every line tells (its good entries, the summary's count, the located
 * diagnostics): learnt by the first reading that goes through the whole file — usually the one
 * that writes the entries — and by a reading of its own when asked before (`complete`).
 */
class Check {
  done = false;
  count = 0;
  shown: number | undefined = undefined;
  diagnostics: Diagnostic[] = [];
  constructor(readonly src: RouterFileSource, readonly file: string, readonly limit: number) {}

  /** What a reading that went through the whole file found (the first such reading's; later ones learn nothing new). */
  learnt(ctx: ParseContext, count: number, shown: number | undefined): void {
    if (this.done) return;
    const limit = ctx.limitDiagnostic();
    if (limit) ctx.diagnostics.push(limit);
    this.diagnostics = ctx.diagnostics;
    this.count = count;
    this.shown = shown;
    this.done = true;
  }

  /** Read the file through if no reading has yet. */
  complete(): void {
    if (!this.done) for (const _ of this.goodLines()) { /* the reading checks as it goes */ }
  }

  /**
   * The good entries of the file, scanned (GoodLines): the window after each is scanned, SCAN.line
   * its line in the file. While the file has not been read through, the reading also checks
   * every line (diagnostics, count, summary) and, when it gets to the end, records what it found.
   */
  goodLines(): Generator<CodeWindow, void, undefined> {
    return this.done ? goodOnly(this.src) : this.checking();
  }

  private *checking(): Generator<CodeWindow, void, undefined> {
    let cur: Region | null = null;
    // the context's lines: the region being read (diagnostics are reported on the line being read)
    const view = { get: (g: number) => cur!.lines.get(g - cur!.base), text: "" } as unknown as Lines;
    const ctx = new ParseContext(this.file, view, this.limit);
    let count = 0;
    let shown: number | undefined;
    let end = false;
    try {
      for (const r of regions(this.src)) {
        cur = r;
        for (let i = 0; i < r.count; i++) {
          const kind = lineKind(r.win, r.lines, i, 0);
          if (kind === GOOD) {
            count++;
            if (LAST_UNKNOWN >= 0) reportUnknownText(ctx, r.base + i, r.lines.get(i));
            SCAN.line += r.base;
            yield r.win;
          } else if (kind === BAD_LINE) {
            ctx.report(LINE_ERROR.code, "error", r.base + i, LINE_ERROR.col, LINE_ERROR.message);
          } else if (kind === SHOWN_LINE) {
            shown = SHOWN_VALUE;
          }
        }
      }
      end = true;
    } finally {
      cur = null;
      addrCache().clear();
      resetConntrackState();
      if (end) this.learnt(ctx, count, shown);
    }
  }
}

/**
 * Lines of a run the wasm may leave to the scan one after the other before the rest of the run is
 * the scan's alone (a dump of unusual lines — IPv6, zones — then costs the scan and a few wasm
 * calls a run, not a call a line; the next run tries the wasm again). Internal: the bytes are the same.
 */
const WASM_MISSES = 8;

/**
 * The entries' JSON (and their flows', given `flows`) written by the wasm writer (`w`,
 * conntrack/wasm-json.ts) for the usual lines and by the scan for the others, a line at a time
 * each, in the file's order: the bytes of scanWrite(writeEntry) and of the flows' writer. Like
 * `checking`, it learns what only a reading of every line tells when no reading has yet.
 */
function* wasmJson(check: Check, w: ConntrackWasm, out: JsonOut, d: number, written: number, flows: FastFlows | null): Generator<void, number> {
  let cur = { lines: new Lines(""), base: 0 };
  const view = { get: (g: number) => cur.lines.get(g - cur.base), text: "" } as unknown as Lines;
  const ctx = new ParseContext(check.file, view, check.limit);
  const first = new TextDecoder();
  const later = new TextDecoder("utf-8", { ignoreBOM: true });
  const win = new CodeWindow("");
  const side = new JsonOut();
  let flowsOn = flows !== null;
  let count = 0;
  let shown: number | undefined;
  let line = 0;
  let end = false;
  const reader = check.src.open();
  try {
    for (const run of byteRuns(reader)) {
      const buf = run.buf;
      const loaded = w.load(buf.subarray(0, run.end));
      // the rest of the run decoded at its first line left to the scan (as `regions` decodes a run)
      let region: { lines: Lines; base: number } | null = null;
      let misses = 0;
      for (let pos = 0; pos < run.end; ) {
        if (loaded && misses < WASM_MISSES) {
          // the usual lines from pos, written by the wasm
          pos = w.run(pos, run.end, line + 1, written > 0, flowsOn, Math.max(4096, CHUNK - out.size()));
          const n = w.lines;
          if (n > 0) {
            out.begin();
            out.copy(w.entries());
            if (flowsOn) {
              flows!.count += n;
              // (the scan's flows before them first)
              if (side.size() > 0) flowsOn = flows!.put(side.take());
              if (flowsOn) flowsOn = flows!.put(w.flows());
            }
            written += n;
            count += n;
            line += n;
            misses = 0;
          }
          if (w.status !== CT_FALLBACK) {
            if (out.full()) yield;
            continue;
          }
          misses++;
        }
        // the line at pos, by the scan (as `checking` reads it)
        if (region === null) {
          const t = (line === 0 ? first : later).decode(buf.subarray(pos, run.end));
          region = cur = { lines: new Lines(t), base: line };
          win.reset(t);
        }
        const lines = region.lines;
        const i = line - region.base;
        const kind = lineKind(win, lines, i, 0);
        if (kind === GOOD) {
          count++;
          if (LAST_UNKNOWN >= 0) reportUnknownText(ctx, line, lines.get(i));
          SCAN.line += region.base;
          out.begin();
          if (written++) out.byte(44);
          out.pad(d);
          writeEntry(out, win.codes, d);
          if (flowsOn) {
            side.begin();
            side.byte(44);
            side.pad(RECORD_DEPTH);
            writeFlow(side, win.codes, RECORD_DEPTH, flows!.document, flows!.format, flows!.file);
            flows!.count++;
            if (side.full()) flowsOn = flows!.put(side.take());
          }
        } else if (kind === BAD_LINE) {
          ctx.report(LINE_ERROR.code, "error", line, LINE_ERROR.col, LINE_ERROR.message);
        } else if (kind === SHOWN_LINE) {
          shown = SHOWN_VALUE;
        }
        line++;
        const e = buf.indexOf(10, pos);
        pos = e < 0 || e >= run.end ? run.end : e + 1;
        if (out.full()) yield;
      }
    }
    if (flowsOn && side.size() > 0) flows!.put(side.take());
    end = true;
  } finally {
    reader.close();
    addrCache().clear();
    resetConntrackState();
    if (end) check.learnt(ctx, count, shown);
  }
  return written;
}

/** The wasm writer of a conntrack dump's entries (and flows). */
function wasmWriter(check: Check, w: ConntrackWasm): FastEntriesJson {
  return {
    json(out, d, written, flows) {
      if (!w.setup(d, RECORD_DEPTH, flows?.document ?? 0, JSON.stringify(flows?.format ?? ""), JSON.stringify(flows?.file ?? ""))) return null;
      return wasmJson(check, w, out, d, written, flows);
    },
  };
}

/** The good entries of a file already checked: a new reading, good lines only. */
function* goodOnly(src: RouterFileSource): Generator<CodeWindow, void, undefined> {
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
}

/**
 * Parse a conntrack dump read in pieces (see the module comment); null when the file is not one
 * to read this way (then parse its whole text with parseRouterText).
 */
export function parseRouterStream(src: RouterFileSource, file: string, opts: RouterParseOptions = {}): RouterParseResult | null {
  const forced = opts.format && opts.format !== "auto" ? opts.format : undefined;
  if (forced !== undefined && forced !== "conntrack" && forced !== "conntrack-events") return null;
  if (isBinaryDescription(describeUnrecognised(head(src)))) return null;
  const w = opts.wasm ? ConntrackWasm.create(opts.wasm, STREAM_PIECE * 2) : null;
  const look = firstLook(src, forced, w);
  if (look === null) return null;
  const { format, first, total } = look;
  const check = new Check(src, file, opts.diagnosticLimit ?? DEFAULT_DIAGNOSTIC_LIMIT);
  const base: { file: string; location: { line: number }; forced?: boolean } = { file, location: { line: (first >= 0 && first < total - 1 ? first : total - 1) + 1 } };
  if (forced) base.forced = true;
  const events = format === "conntrack-events";
  const doc: ConntrackDocument | ConntrackEventsDocument = events
    ? { ...base, format: "conntrack-events", events: [] }
    : { ...base, format: "conntrack", entries: [] };
  defineLazyList(doc, events ? "events" : "entries", entrySource(() => check.goodLines(), () => {
    check.complete();
    return check.count;
  }, events || w === null ? undefined : wasmWriter(check, w)));
  // `shown` (after the entries, as the whole-text parser puts it) once the file has been read through
  Object.defineProperty(doc, "shown", {
    enumerable: true,
    configurable: true,
    get() {
      check.complete();
      return check.shown;
    },
    set(v: number | undefined) {
      Object.defineProperty(doc, "shown", { value: v, writable: true, enumerable: true, configurable: true });
    },
  });
  const result: RouterParseResult = { file, documents: [doc], flows: [], counters: [], events: [], expectations: [], diagnostics: [] };
  const out: NormalisedRecords = { flows: new ListParts(), counters: result.counters, events: new ListParts(), expectations: result.expectations };
  normaliseDocument(doc, 0, out);
  out.flows.assign(result, "flows");
  out.events.assign(result, "events");
  defineLazyList<Diagnostic>(result, "diagnostics", {
    get length() {
      check.complete();
      return check.diagnostics.length;
    },
    each() {
      check.complete();
      return check.diagnostics;
    },
  });
  return result;
}
