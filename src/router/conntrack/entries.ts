/**
 * `conntrack -L` (default and `-o extended`, with or without accounting), `conntrack -E`
 * (optionally `-o timestamp`) and `/proc/net/nf_conntrack` (ROUTER-FORMATS.md §6).
 *
 *   [ [SECONDS.USEC] ] [ [NEW]|[UPDATE]|[DESTROY] ] [l3name l3num] l4name l4num [timeout] [STATE]
 *   src= dst= sport= dport= (ICMP: type= code= id=) [zone-orig=] [packets= bytes=] [UNREPLIED]
 *   src= dst= sport= dport= [zone-reply=] [packets= bytes=] [ASSURED] mark= zone= helper= use= id= ...
 *
 *   "tcp 6 299 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=55900 dport=21 packets=6 bytes=342
 *    src=10.99.2.2 dst=10.99.2.1 sport=21 dport=55900 packets=6 bytes=398 [ASSURED] mark=0 helper=ftp use=1"
 *   → { protoName: "tcp", protoNumber: 6, timeout: 299, state: "ESTABLISHED",
 *       orig: { src: {ip:"10.99.1.2",port:55900}, dst: {ip:"10.99.2.2",port:21}, packets: 6, bytes: 342 },
 *       reply: { src: {ip:"10.99.2.2",port:21}, dst: {ip:"10.99.2.1",port:55900}, packets: 6, bytes: 398 },
 *       flags: ["ASSURED"], mark: 0, helper: "ftp", use: 1 }
 *
 * The first `src=` starts the original tuple, the second the reply tuple; `sport/dport/type/code/
 * id/packets/bytes` belong to the tuple being read. `id=` after the tuples is the entry id.
 * Fully expanded IPv6 addresses (/proc) are canonicalised.
 *
 * Speed (a million-line dump is a normal input): each line is scanned once over its code units
 * (CodeWindow), keys recognised by length and characters, numbers converted while scanned; no
 * line string, token array or substring per token. Addresses and endpoints are interned
 * (addrCache(): the reply tuple's mirrored endpoint is the original's object), flag lists are
 * shared frozen arrays, and the usual entry and tuple get smaller fixed shapes (absent optional
 * fields are left out rather than set to undefined).
 */
import type { ConntrackEntry, ConntrackTuple, ConntrackDocument, ConntrackEventsDocument, RouterEndpoint } from "../types.js";
import { type ParseContext, type Segment, type Codes, type Lines, CodeWindow, IGNORABLE, clip } from "../lines.js";
import { WRITING, defineLazyList, type JsonListWriter, type RecordSource } from "../lazy.js";
import { CHUNK, JsonOut } from "../json-out.js";
import { openSpillFile, type SpillFile } from "../../capture/spill-file.js";
import type { RouterFormat } from "../types.js";
import { writeEntry, writeEvent, writeFlow } from "./json.js";
import { addrCache, ipv4Value } from "../ip.js";
import { SHOWN } from "./tokens.js";

const LEAD = /[ \t]*(?:\[[ \t]*(\d+\.\d+)[ \t]*\][ \t]*)?(?:\[(NEW|UPDATE|DESTROY)\][ \t]*)?/y;

/**
 * Tuple under construction (reused between lines: these files can hold millions of entries).
 * Addresses are kept as offsets into the input ([srcS, srcE), -1 = not seen) and only turned into
 * strings (through the address cache) once the entry is known to be good.
 */
export interface RawTuple {
  srcS: number; srcE: number; dstS: number; dstE: number; sport: number; dport: number;
  packets: number; bytes: number; type: number; code: number; id: number; zone: number;
  /** After checkTuple: the addresses' IPv4 values (or -1) and IPv6 texts (or null). */
  srcV: number; dstV: number; srcIp: string | null; dstIp: string | null;
}
export const NONE = -1;
const BAD = -2;
const rawTuple = (): RawTuple => ({
  srcS: NONE, srcE: NONE, dstS: NONE, dstE: NONE, sport: NONE, dport: NONE, packets: NONE, bytes: NONE, type: NONE, code: NONE, id: NONE, zone: NONE,
  srcV: -1, dstV: -1, srcIp: null, dstIp: null,
});
function resetTuple(t: RawTuple): void {
  t.srcS = t.srcE = t.dstS = t.dstE = NONE;
  t.sport = t.dport = t.packets = t.bytes = t.type = t.code = t.id = t.zone = NONE;
}
const ORIG = rawTuple();
const REPLY = rawTuple();

/** Decimal number in codes[s, e), or BAD. */
function num(codes: Codes, s: number, e: number): number {
  if (s >= e || e - s > 15) return BAD;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = codes[k]! - 48;
    if (c < 0 || c > 9) return BAD;
    n = n * 10 + c;
  }
  return n;
}

export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">): ConntrackDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackEventsDocument, "format" | "events">, events: true): ConntrackEventsDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">, events = false): ConntrackDocument | ConntrackEventsDocument {
  // the good entries' line indices: the entries themselves are made again from their lines when
  // read (lazy.ts), not kept as objects
  let good = new Int32Array(1024);
  let n = 0;
  let shown: number | undefined;
  const lines = ctx.lines;
  const win = ctx.window();
  for (let i = seg.start; i < seg.end; i++) {
    const col = i === seg.start ? seg.col : 0;
    const kind = lineKind(win, lines, i, col);
    if (kind === SKIP) continue;
    if (kind === SHOWN_LINE) {
      shown = SHOWN_VALUE;
      continue;
    }
    if (kind === BAD_LINE) {
      ctx.report(LINE_ERROR.code, "error", i, LINE_ERROR.col, LINE_ERROR.message);
      continue;
    }
    if (LAST_UNKNOWN >= 0) reportUnknownText(ctx, i, lines.get(i));
    if (n === good.length) {
      const more = new Int32Array(n * 2);
      more.set(good);
      good = more;
    }
    good[n++] = i;
  }
  const list = entrySource(goodLinesOf(lines, seg, good.subarray(0, n)), () => n);
  const d: ConntrackDocument | ConntrackEventsDocument = events
    ? { ...base, format: "conntrack-events", events: NO_ENTRIES }
    : { ...base, format: "conntrack", entries: NO_ENTRIES };
  defineLazyList(d, events ? "events" : "entries", list);
  if (shown !== undefined) d.shown = shown;
  return d;
}

const NO_ENTRIES: ConntrackEntry[] = [];

/** The `unknown_text` warning of a good entry with an unrecognised token (LAST_UNKNOWN: its column in `line`). */
export function reportUnknownText(ctx: ParseContext, i: number, line: string): void {
  ctx.report("unknown_text", "warning", i, LAST_UNKNOWN, `unrecognised token "${clip(line.slice(LAST_UNKNOWN).split(/\s/)[0]!)}" in conntrack entry`);
}

/** What a line of a conntrack document is (lineKind). */
export const SKIP = 0, SHOWN_LINE = 1, GOOD = 2, BAD_LINE = 3;
/** After lineKind: the count of a SHOWN_LINE, why a BAD_LINE is not an entry. */
export let SHOWN_VALUE = 0;
export let LINE_ERROR: EntryError = { code: "", col: 0, message: "" };

/**
 * Line i of a conntrack document, read from column col: blank or a comment (SKIP), the
 * `N flow entries have been shown` summary (SHOWN_LINE, SHOWN_VALUE), a good entry (GOOD, scanned:
 * SCAN, ORIG, REPLY, FLAGS, LAST_UNKNOWN) or not an entry (BAD_LINE, LINE_ERROR). The one decision
 * every pass over the lines makes (parse, entries, flows), so they agree line for line.
 */
export function lineKind(win: CodeWindow, lines: Lines, i: number, col: number): number {
  const c0 = firstCode(win, lines, i, col);
  // fast path: an entry starts with a letter (tcp/ipv4) or '[' (events); anything else is checked
  if (!(c0 >= 97 && c0 <= 122) && c0 !== 91) {
    const text = lines.get(i);
    if (IGNORABLE.test(col ? text.slice(col) : text)) return SKIP;
  }
  if (c0 === 99 /* c */) {
    const s = SHOWN.exec(lines.get(i));
    if (s) {
      SHOWN_VALUE = Number(s[1]);
      return SHOWN_LINE;
    }
  }
  const err = scanEntry(win.codes, lines.text, lines.starts[i]! - OFF, lines.end(i) - OFF, lines, i, col);
  if (err !== null) {
    LINE_ERROR = err;
    return BAD_LINE;
  }
  return GOOD;
}

/** The entry object of the line lineKind last found GOOD. */
export function scannedEntry(win: CodeWindow): ConntrackEntry {
  return buildEntry(win.codes, win.text);
}

/**
 * A conntrack document's good entries, scanned again one by one: yields the window after each
 * good line is scanned (SCAN, ORIG, REPLY, FLAGS hold it; SCAN.line is its line in the file).
 * Clears the parsers' caches when done (they may hold slices of the text).
 */
export type GoodLines = () => Generator<CodeWindow, void, undefined>;

/** The good entries at line indices `good` of `lines` (each parsed without error before). */
function goodLinesOf(lines: Lines, seg: Segment, good: Int32Array): GoodLines {
  return function* () {
    const win = new CodeWindow(lines.text);
    try {
      for (let k = 0; k < good.length; k++) {
        const i = good[k]!;
        const col = i === seg.start ? seg.col : 0;
        firstCode(win, lines, i, col);
        scanEntry(win.codes, lines.text, lines.starts[i]! - OFF, lines.end(i) - OFF, lines, i, col);
        yield win;
      }
    } finally {
      addrCache().clear();
      resetConntrackState();
    }
  };
}

/**
 * A conntrack document's entries (lines `good`, each parsed without error before): made again
 * when read (`each`), or written as JSON straight from a new scan of each line (`json`; `records`
 * does the same for the flows or events normalised from them).
 */
export interface ConntrackSource extends RecordSource<ConntrackEntry> {
  /** The good lines, scanned again (the text report's rows are made from each scan: text-rows.ts). */
  readonly scan: GoodLines;
  records(kind: "flows" | "events", document: number, format: RouterFormat, file: string): JsonListWriter;
  /**
   * The flows or events normalised from the entries will be asked for (normalise.ts): while the
   * entries are written, their records are written too, into a temporary file (SpilledRecords),
   * and `records` copies them from there instead of scanning the lines again.
   */
  expect(kind: "flows" | "events", format: RouterFormat, file: string): void;
}

/** Depth of the report's flows and events (report.ts: members of its top-level lists). */
const RECORD_DEPTH = 2;

/**
 * Records written beside the entries (ConntrackSource.expect): each as `,` + its line and
 * indentation at RECORD_DEPTH + the record, `document` numbered as the report's document being
 * written (lazy.ts WRITING); `size` bytes, `count` records. Used once, when the report's list is
 * written at that depth with that document number (anything else scans the lines again).
 */
interface SpilledRecords {
  kind: "flows" | "events";
  file: SpillFile;
  size: number;
  count: number;
  document: number;
}

/**
 * Whether the records may be written beside the entries: yes, unless the environment says
 * ALG_VERIFY_ROUTER_SPILL=0 (then each list is a scan of its own, as before; for comparisons).
 */
function spillAllowed(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.ALG_VERIFY_ROUTER_SPILL !== "0";
}

/** Bytes copied from the spill at a time. */
const SPILL_READ = CHUNK;

/**
 * The flows written beside the entries by a FastEntriesJson: `put` appends a run of them (`,` +
 * line + indentation at RECORD_DEPTH + the record, each) and returns false when it can take no
 * more (then nothing more is put); `count` is kept by the writer.
 */
export interface FastFlows {
  document: number;
  format: RouterFormat;
  file: string;
  count: number;
  put(bytes: Uint8Array): boolean;
}

/**
 * A writer of a conntrack document's entries faster than a scan of each line (stream.ts: the wasm
 * writer), with the same bytes and the same effects: `json` returns the generator that writes every
 * good entry as scanWrite(writeEntry) would (and, given `flows`, each entry's flow into it), or null
 * when it cannot be used here (then the lines are scanned).
 */
export interface FastEntriesJson {
  json(out: JsonOut, d: number, written: number, flows: FastFlows | null): Generator<void, number> | null;
}

/** Depth of the report's flows and events (report.ts: members of its top-level lists). */
export { RECORD_DEPTH };

/**
 * The lazy list of the entries that `scan` scans again (lazy.ts); `length()` counts them (stream.ts:
 * may read the file); `fast`, when given, writes the entries' JSON (and the flows beside them).
 */
export function entrySource(scan: GoodLines, length: () => number, fast?: FastEntriesJson): ConntrackSource {
  /** Write each good line's record with `write`. */
  function* scanWrite(write: (out: JsonOut, codes: Codes, d: number) => void, out: JsonOut, d: number, written: number): Generator<void, number> {
    for (const win of scan()) {
      out.begin();
      if (written++) out.byte(44);
      out.pad(d);
      write(out, win.codes, d);
      if (out.full()) yield;
    }
    return written;
  }
  const recordWriter = (kind: "flows" | "events") => (kind === "flows" ? writeFlow : writeEvent);
  let wanted: { kind: "flows" | "events"; format: RouterFormat; file: string } | null = null;
  let spilled: SpilledRecords | null = null;

  /** The entries, and beside them the wanted records into a temporary file when one can be had. */
  function* entriesJson(out: JsonOut, d: number, written: number): Generator<void, number> {
    const want = wanted;
    spilled?.file.close();
    spilled = null;
    const opened = want && spillAllowed() ? openSpillFile(source) : undefined;
    if (!want || typeof opened !== "object") return yield* (fast?.json(out, d, written, null) ?? scanWrite(writeEntry, out, d, written));
    let file: SpillFile | null = opened;
    if (fast && want.kind === "flows") {
      const flows: FastFlows = {
        document: WRITING.document, format: want.format, file: want.file, count: 0,
        put(c) {
          if (file === null) return false;
          try {
            file.write(c, size);
            size += c.length;
            return true;
          } catch {
            // no room left (or no right): the records are scanned again when written
            file.close();
            file = null;
            return false;
          }
        },
      };
      let size = 0;
      const g = fast.json(out, d, written, flows);
      if (g !== null) {
        let complete = false;
        try {
          written = yield* g;
          complete = true;
        } finally {
          if (file !== null) {
            if (complete) spilled = { kind: "flows", file, size, count: flows.count, document: flows.document };
            else file.close();
          }
        }
        return written;
      }
    }
    const side = new JsonOut();
    const document = WRITING.document;
    const write = recordWriter(want.kind);
    let size = 0;
    let count = 0;
    const flush = (): void => {
      const c = side.take();
      try {
        file!.write(c, size);
        size += c.length;
      } catch {
        // no room left (or no right): the records are scanned again when written
        file!.close();
        file = null;
      }
    };
    let complete = false;
    try {
      for (const win of scan()) {
        out.begin();
        if (written++) out.byte(44);
        out.pad(d);
        writeEntry(out, win.codes, d);
        if (file !== null) {
          side.begin();
          side.byte(44);
          side.pad(RECORD_DEPTH);
          write(side, win.codes, RECORD_DEPTH, document, want.format, want.file);
          count++;
          if (side.full()) flush();
        }
        if (out.full()) yield;
      }
      complete = true;
    } finally {
      if (file !== null) {
        if (complete) flush();
        if (complete && file !== null) spilled = { kind: want.kind, file, size, count, document };
        else file?.close();
      }
    }
    return written;
  }

  /**
   * The spilled records read straight into `out`'s buffer (the first one's `,` left out when
   * nothing is written before it), up to SPILL_READ bytes at a time.
   */
  function* copySpilled(sp: SpilledRecords, out: JsonOut, written: number): Generator<void, number> {
    try {
      for (let pos = 0; pos < sp.size; ) {
        // (up to a chunk's end: the chunks handed out stay about CHUNK bytes)
        const want = Math.min(SPILL_READ, sp.size - pos, Math.max(4096, CHUNK - out.size()));
        const into = out.space(want);
        const n = sp.file.read(into, 0, want, pos);
        if (n <= 0) throw new Error(`router: temporary file of ${sp.kind} cut at ${pos} of ${sp.size} bytes`);
        if (pos === 0 && written === 0) {
          into.copyWithin(0, 1, n);
          out.advance(n - 1);
        } else out.advance(n);
        pos += n;
        if (out.full()) yield;
      }
    } finally {
      sp.file.close();
    }
    return written + sp.count;
  }

  const source: ConntrackSource = {
    scan,
    get length() {
      return length();
    },
    *each() {
      for (const win of scan()) yield scannedEntry(win);
    },
    json: (out, d, _docOffset, written) => entriesJson(out, d, written),
    records: (kind, document, format, file) => (out, d, docOffset, written) => {
      const sp = spilled;
      if (sp !== null && sp.kind === kind && d === RECORD_DEPTH && sp.document === document + docOffset && sp.count > 0) {
        spilled = null;
        return copySpilled(sp, out, written);
      }
      const write = recordWriter(kind);
      return scanWrite((o, codes, depth) => write(o, codes, depth, document + docOffset, format, file), out, d, written);
    },
    expect(kind, format, file) {
      wanted = { kind, format, file };
    },
  };
  return source;
}

/** Make line i readable in `win` (setting OFF) and return its code at column col (NaN past its end). */
function firstCode(win: CodeWindow, lines: Lines, i: number, col: number): number {
  const s = lines.starts[i]!;
  const e = lines.end(i);
  win.cover(s, e);
  OFF = win.base;
  return s + col < e ? win.codes[s + col - OFF]! : NaN;
}


/**
 * Check tuple r of the line being scanned (`codes`: its code units, text offset + OFF; `input`:
 * the text): null when good, else why not. Sets r.srcV / r.dstV (the IPv4 value, or -1) and
 * r.srcIp / r.dstIp (the canonical IPv6 text, or null).
 */
function checkTuple(codes: Codes, input: string, r: RawTuple): string | null {
  if (r.srcS === NONE || r.dstS === NONE) return "missing src= or dst=";
  const src = address(codes, input, r.srcS, r.srcE);
  if (src === null) return `bad address "${input.slice(OFF + r.srcS, OFF + r.srcE)}"`;
  r.srcV = ADDR_V;
  r.srcIp = ADDR_IP;
  const dst = address(codes, input, r.dstS, r.dstE);
  if (dst === null) return `bad address "${input.slice(OFF + r.dstS, OFF + r.dstE)}"`;
  r.dstV = ADDR_V;
  r.dstIp = ADDR_IP;
  if (r.sport === BAD || r.sport > 65535 || r.dport === BAD || r.dport > 65535) return "bad port";
  if (r.packets === BAD || r.bytes === BAD || r.type === BAD || r.code === BAD || r.id === BAD || r.zone === BAD) return "bad number";
  return null;
}

/** Set by `address`: the IPv4 value (or -1) and the canonical IPv6 text (or null). */
let ADDR_V = -1;
let ADDR_IP: string | null = null;

/** Whether codes[s, e) is an address (IPv4, or IPv6 through the address cache): "" for IPv4, the IPv6 text, or null. */
function address(codes: Codes, input: string, s: number, e: number): string | null {
  const v = ipv4Value(codes, s, e);
  ADDR_V = v;
  ADDR_IP = null;
  if (v >= 0) return "";
  return (ADDR_IP = addrCache().ip(input, OFF + s, OFF + e));
}

/** The tuple object of a checked raw tuple. */
function tuple(codes: Codes, input: string, r: RawTuple): ConntrackTuple {
  const src = endpoint(input, r.srcS, r.srcE, r.srcV, r.srcIp, r.sport);
  const dst = endpoint(input, r.dstS, r.dstE, r.dstV, r.dstIp, r.dport);
  const icmp = r.type !== NONE || r.code !== NONE || r.id !== NONE
    ? { type: r.type !== NONE ? r.type : undefined, code: r.code !== NONE ? r.code : undefined, id: r.id !== NONE ? r.id : undefined }
    : undefined;
  const packets = r.packets !== NONE ? r.packets : undefined;
  const bytes = r.bytes !== NONE ? r.bytes : undefined;
  // the usual tuple has no ICMP fields and no zone: a smaller shape for it
  if (icmp === undefined && r.zone === NONE) return { src, dst, packets, bytes };
  return { src, dst, packets, bytes, icmp, zone: r.zone !== NONE ? r.zone : undefined };
}

/** The endpoint of a checked address ([s, e) of the window; v: its IPv4 value or -1, ip: its IPv6 text) and port (NONE or a number). */
function endpoint(input: string, s: number, e: number, v: number, ip: string | null, port: number): RouterEndpoint {
  if (v >= 0) return addrCache().v4Endpoint(v, port, input, OFF + s, OFF + e);
  return addrCache().pair(ip!, port === NONE ? null : port, undefined);
}

/** Text offset of codes[0] for the line being parsed (codes is a window on the text). */
let OFF = 0;

/** Column (in its line) of the first unrecognised token of the last parsed entry, or -1. */
export let LAST_UNKNOWN = -1;

/** Token cursor: codes[TS, TE) is the current token, EQ its first `=` (or -1). Module state: no closure per line. */
let TS = 0;
let TE = 0;
let EQ = -1;
function nextToken(codes: Codes, le: number): boolean {
  let k = TE;
  let c = 0;
  while (k < le && ((c = codes[k]!) === 32 || c === 9)) k++;
  TS = k;
  let eq = -1;
  while (k < le && (c = codes[k]!) !== 32 && c !== 9) {
    if (c === 61 && eq < 0) eq = k;
    k++;
  }
  EQ = eq;
  TE = k;
  return TS < TE;
}

/** `word` occurs in codes at `pos` (within the line: callers check the token's length first). */
function at(codes: Codes, word: string, pos: number): boolean {
  for (let k = 0; k < word.length; k++) if (codes[pos + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Reuse the last string for the same characters (state words, protocol names, flags repeat on every line). */
const interned: string[] = [];
function intern(slot: number, codes: Codes, input: string, s: number, e: number): string {
  const last = interned[slot];
  if (last !== undefined && last.length === e - s && at(codes, last, s)) return last;
  return (interned[slot] = input.slice(OFF + s, OFF + e));
}
/** Forget the interned words (they may be slices of the last input). */
export function resetConntrackState(): void {
  interned.length = 0;
  lastFlags.length = 0;
  FLAGS.length = 0;
}
const SLOT_PROTO = 0, SLOT_STATE = 1, SLOT_FLAG = 2, SLOT_HELPER = 3, SLOT_L3 = 4;
const isUpperWord = (codes: Codes, s: number, e: number): boolean => {
  const c0 = codes[s]!;
  if (c0 < 65 || c0 > 90) return false;
  for (let k = s + 1; k < e; k++) {
    const c = codes[k]!;
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
};

/**
 * Flag lists repeat on nearly every line (`[ASSURED]`): entries with the same list share one
 * frozen array (the last list seen per length is remembered).
 */
const FLAGS: string[] = [];
let NFLAGS = 0;
const NO_FLAGS: string[] = Object.freeze([]) as unknown as string[];
const lastFlags: (string[] | undefined)[] = [];
function flagList(): string[] {
  const n = NFLAGS;
  if (n === 0) return NO_FLAGS;
  const last = lastFlags[n];
  if (last !== undefined) {
    let k = 0;
    while (k < n && last[k] === FLAGS[k]) k++;
    if (k === n) return last;
  }
  const list = Object.freeze(FLAGS.slice(0, n)) as unknown as string[];
  if (n < 8) lastFlags[n] = list;
  return list;
}

/**
 * The entry last scanned by scanEntry (module state: no object per line). Addresses stay offsets
 * into the window (ORIG/REPLY), checked by checkTuple; the words are interned strings.
 */
export const SCAN = {
  line: 0,
  event: undefined as string | undefined,
  time: undefined as string | undefined,
  l3: undefined as string | undefined,
  protoName: "",
  protoNumber: 0,
  timeout: undefined as number | undefined,
  state: undefined as string | undefined,
  mark: undefined as number | undefined,
  zone: undefined as number | undefined,
  helper: undefined as string | undefined,
  use: undefined as number | undefined,
  id: undefined as number | undefined,
  extra: undefined as Record<string, string> | undefined,
  haveReply: false,
};
export { ORIG, REPLY, FLAGS };
/** Number of flags of the last scanned entry (FLAGS[0, NFLAGS)). */
export const flagCount = (): number => NFLAGS;
/** Text offset of the window's codes[0] for the last scanned entry. */
export const scanOffset = (): number => OFF;


/** Why a line is not an entry. */
export interface EntryError { col: number; message: string; code: string }

/**
 * Scan entry line i by scanning its code units in place (no line string, no token array, no
 * substring per token: at a million lines they would dominate) into SCAN / ORIG / REPLY / FLAGS;
 * null when it is a good entry. [ls, le): the line in `input`/`codes`; `col`: where the entry
 * starts in it. Columns returned and LAST_UNKNOWN (the first unrecognised token, or -1) are
 * relative to the line.
 */
export function scanEntry(codes: Codes, input: string, ls: number, le: number, lines: Lines, i: number, col: number): EntryError | null {
  const S = SCAN;
  S.line = i + 1;
  let p = ls + col;
  let time: string | undefined;
  let event: string | undefined;
  while (p < le && (codes[p] === 32 || codes[p] === 9)) p++;
  if (p < le && codes[p] === 91 /* [ */) {
    LEAD.lastIndex = p - ls;
    const lead = LEAD.exec(lines.get(i))!;
    time = lead[1];
    event = lead[2];
    p = ls + LEAD.lastIndex;
  }
  TS = TE = p;
  if (!nextToken(codes, le)) return failAt(lines.get(i), col, col);
  let l3: string | undefined;
  if (TE - TS === 4 && (at(codes, "ipv4", TS) || at(codes, "ipv6", TS))) {
    const l3s = TS;
    const l3e = TE;
    if (!nextToken(codes, le) || num(codes, TS, TE) < 0) return failAt(lines.get(i), col, l3s - ls);
    l3 = intern(SLOT_L3, codes, input, l3s, l3e);
    if (!nextToken(codes, le)) return failAt(lines.get(i), col, TS - ls);
  }
  const nameStart = TS;
  const nameEnd = TE;
  if (EQ >= 0) return failAt(lines.get(i), col, nameStart - ls);
  if (!nextToken(codes, le)) return failAt(lines.get(i), col, nameStart - ls);
  const protoNumber = num(codes, TS, TE);
  // An IP protocol number is one octet (RFC 791 §3.1, RFC 8200 §3).
  if (protoNumber < 0 || protoNumber > 255) return failAt(lines.get(i), col, nameStart - ls);
  const protoName = intern(SLOT_PROTO, codes, input, nameStart, nameEnd);
  let timeout: number | undefined;
  let state: string | undefined;
  let mark: number | undefined;
  let zone: number | undefined;
  let helper: string | undefined;
  let use: number | undefined;
  let id: number | undefined;
  let extra: Record<string, string> | undefined;
  NFLAGS = 0;
  let unknown = -1;
  let more = nextToken(codes, le);
  if (more) {
    const t = num(codes, TS, TE);
    if (t >= 0) {
      timeout = t;
      more = nextToken(codes, le);
    }
  }
  if (more && isUpperWord(codes, TS, TE)) {
    state = intern(SLOT_STATE, codes, input, TS, TE);
    more = nextToken(codes, le);
  }
  resetTuple(ORIG);
  resetTuple(REPLY);
  let cur = ORIG;
  let haveReply = false;
  let tuplesDone = false;
  // The key=value tokens, in one pass: the key is read up to its `=`, recognised by its length and
  // characters, and a numeric value is converted while it is scanned (this loop is the hot path of
  // a million-line dump: no substring, no second pass over the digits).
  let k = TS;
  let c = 0;
  while (more) {
    const ts = k;
    while (k < le && (c = codes[k]!) !== 61 && c !== 32 && c !== 9) k++;
    if (c !== 61 || k >= le) {
      // no `=`: a [FLAG] or an unknown word
      const te = k;
      if (codes[ts] === 91 && codes[te - 1] === 93 && te - ts > 2) {
        FLAGS[NFLAGS++] = intern(SLOT_FLAG, codes, input, ts + 1, te - 1);
        if (haveReply) tuplesDone = true;
      } else if (unknown < 0) unknown = ts;
      while (k < le && ((c = codes[k]!) === 32 || c === 9)) k++;
      more = k < le;
      continue;
    }
    const eq = k;
    const vs = ++k;
    // the value: up to the next blank, read as a decimal number on the way (BAD if it is none)
    let n = 0;
    let digits = true;
    while (k < le && (c = codes[k]!) !== 32 && c !== 9) {
      const d = c - 48;
      if (d < 0 || d > 9) digits = false;
      n = n * 10 + d;
      k++;
    }
    const te = k;
    const v = digits && te > vs && te - vs <= 15 ? n : BAD;
    while (k < le && ((c = codes[k]!) === 32 || c === 9)) k++;
    more = k < le;
    const c0 = codes[ts]!;
    switch (eq - ts) {
      case 2:
        if (c0 === 105 /* id */ && codes[ts + 1] === 100) {
          if (!tuplesDone && cur.type !== NONE && cur.id === NONE) cur.id = v;
          else id = v;
          continue;
        }
        break;
      case 3: {
        const c1 = codes[ts + 1]!, c2 = codes[ts + 2]!;
        if (c0 === 115 && c1 === 114 && c2 === 99 /* src */) {
          if (cur.srcS !== NONE && !haveReply) {
            cur = REPLY;
            haveReply = true;
          }
          cur.srcS = vs;
          cur.srcE = te;
          continue;
        }
        if (c0 === 100 && c1 === 115 && c2 === 116 /* dst */) { cur.dstS = vs; cur.dstE = te; continue; }
        if (c0 === 117 && c1 === 115 && c2 === 101 /* use */) { use = v; tuplesDone = true; continue; }
        break;
      }
      case 4:
        if (at(codes, "mark", ts)) { mark = v; tuplesDone = true; continue; }
        if (at(codes, "zone", ts)) { zone = v; tuplesDone = true; continue; }
        if (at(codes, "type", ts)) { cur.type = v; continue; }
        if (at(codes, "code", ts)) { cur.code = v; continue; }
        break;
      case 5:
        if (codes[ts + 1] === 112 && codes[ts + 2] === 111 && codes[ts + 3] === 114 && codes[ts + 4] === 116 /* ?port */) {
          if (c0 === 115 /* sport */) { cur.sport = v; continue; }
          if (c0 === 100 /* dport */) { cur.dport = v; continue; }
        } else if (at(codes, "bytes", ts)) { cur.bytes = v; continue; }
        break;
      case 6:
        if (at(codes, "helper", ts)) { helper = intern(SLOT_HELPER, codes, input, vs, te); tuplesDone = true; continue; }
        break;
      case 7:
        if (at(codes, "packets", ts)) { cur.packets = v; continue; }
        break;
      case 9:
        if (at(codes, "zone-orig", ts)) { ORIG.zone = v; continue; }
        break;
      case 10:
        if (at(codes, "zone-reply", ts)) { REPLY.zone = v; continue; }
        break;
    }
    (extra ??= {})[input.slice(OFF + ts, OFF + eq)] = input.slice(OFF + vs, OFF + te);
    tuplesDone = true;
  }
  LAST_UNKNOWN = unknown < 0 ? -1 : unknown - ls;
  if (mark === BAD || zone === BAD || use === BAD || id === BAD) return { code: "bad_entry", col, message: "conntrack entry: bad mark=, zone=, use= or id=" };
  const o = checkTuple(codes, input, ORIG);
  if (o !== null) return { code: "bad_entry", col, message: `conntrack entry: ${o}` };
  if (haveReply) {
    const r = checkTuple(codes, input, REPLY);
    if (r !== null) return { code: "bad_entry", col, message: `conntrack entry reply tuple: ${r}` };
  }
  S.event = event; S.time = time; S.l3 = l3; S.protoName = protoName; S.protoNumber = protoNumber;
  S.timeout = timeout; S.state = state; S.mark = mark; S.zone = zone; S.helper = helper; S.use = use;
  S.id = id; S.extra = extra; S.haveReply = haveReply;
  return null;
}

/** The entry object of the last good scan (scanEntry returned null). */
function buildEntry(codes: Codes, input: string): ConntrackEntry {
  const S = SCAN;
  const orig = tuple(codes, input, ORIG);
  const reply = S.haveReply ? tuple(codes, input, REPLY) : undefined;
  const flags = flagList();
  const { event, time, l3, protoName, protoNumber, timeout, state, mark, zone, helper, use, id, extra, line } = S;
  // Two fixed shapes (literals: no property-array growth), keys in the same order: the usual
  // `conntrack -L` entry, and one with every field (absent ones undefined). The smaller one saves
  // 6 of 17 fields on each of a million entries.
  if (event === undefined && time === undefined && l3 === undefined && zone === undefined && id === undefined && extra === undefined) {
    return { protoName, protoNumber, timeout, state, orig, reply, flags, mark, helper, use, location: { line } };
  }
  return { event, time, l3, protoName, protoNumber, timeout, state, orig, reply, flags, mark, zone, helper, use, id, extra, location: { line } };
}

function failAt(lineText: string, col: number, at: number) {
  return { code: "unknown_line", col: at, message: `not a conntrack entry: "${clip(lineText.slice(col))}"` };
}
