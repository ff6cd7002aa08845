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
 */
import type { ConntrackEntry, ConntrackTuple, ConntrackDocument, ConntrackEventsDocument, RouterEndpoint } from "../types.js";
import { type ParseContext, type Segment, IGNORABLE, clip } from "../lines.js";
import { ADDR_CACHE } from "../ip.js";
import { SHOWN } from "./tokens.js";

const LEAD = /[ \t]*(?:\[[ \t]*(\d+\.\d+)[ \t]*\][ \t]*)?(?:\[(NEW|UPDATE|DESTROY)\][ \t]*)?/y;

/**
 * Tuple under construction (reused between lines: these files can hold millions of entries).
 * Addresses are kept as offsets into the line ([srcS, srcE), -1 = not seen) and only turned into
 * strings through the address cache once the entry is known to be good.
 */
interface RawTuple {
  srcS: number; srcE: number; dstS: number; dstE: number; sport: number; dport: number;
  packets: number; bytes: number; type: number; code: number; id: number; zone: number;
}
const NONE = -1;
const BAD = -2;
const rawTuple = (): RawTuple => ({ srcS: NONE, srcE: NONE, dstS: NONE, dstE: NONE, sport: NONE, dport: NONE, packets: NONE, bytes: NONE, type: NONE, code: NONE, id: NONE, zone: NONE });
function resetTuple(t: RawTuple): void {
  t.srcS = t.srcE = t.dstS = t.dstE = NONE;
  t.sport = t.dport = t.packets = t.bytes = t.type = t.code = t.id = t.zone = NONE;
}
const ORIG = rawTuple();
const REPLY = rawTuple();

/** Decimal number in text[s, e), or BAD. */
function num(text: string, s: number, e: number): number {
  if (s >= e || e - s > 15) return BAD;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return BAD;
    n = n * 10 + c;
  }
  return n;
}

export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">): ConntrackDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackEventsDocument, "format" | "events">, events: true): ConntrackEventsDocument;
export function parseConntrack(ctx: ParseContext, seg: Segment, base: Omit<ConntrackDocument, "format" | "entries">, events = false): ConntrackDocument | ConntrackEventsDocument {
  const list: ConntrackEntry[] = [];
  let shown: number | undefined;
  const lines = ctx.lines;
  for (let i = seg.start; i < seg.end; i++) {
    const text = lines[i]!;
    const col = i === seg.start ? seg.col : 0;
    const c0 = text.charCodeAt(col);
    // fast path: an entry starts with a letter (tcp/ipv4) or '[' (events); anything else is checked
    if (!(c0 >= 97 && c0 <= 122) && c0 !== 91) {
      if (IGNORABLE.test(col ? text.slice(col) : text)) continue;
    }
    if (c0 === 99 /* c */) {
      const s = SHOWN.exec(text);
      if (s) {
        shown = Number(s[1]);
        continue;
      }
    }
    const r = parseEntry(text, col, i + 1);
    if ("code" in r) {
      ctx.report(r.code, "error", i, r.col, r.message);
      continue;
    }
    if (LAST_UNKNOWN >= 0) {
      ctx.report("unknown_text", "warning", i, LAST_UNKNOWN, `unrecognised token "${clip(text.slice(LAST_UNKNOWN).split(/\s/)[0]!)}" in conntrack entry`);
    }
    list.push(r);
  }
  if (events) {
    const d: ConntrackEventsDocument = { ...base, format: "conntrack-events", events: list };
    if (shown !== undefined) d.shown = shown;
    return d;
  }
  const d: ConntrackDocument = { ...base, format: "conntrack", entries: list };
  if (shown !== undefined) d.shown = shown;
  return d;
}

/** The address text[s, e) through the cache, or null when it is none. */
function addr(text: string, s: number, e: number): string | null {
  return ADDR_CACHE.ip(text, s, e);
}

function tuple(text: string, r: RawTuple): ConntrackTuple | string {
  if (r.srcS === NONE || r.dstS === NONE) return "missing src= or dst=";
  const src = addr(text, r.srcS, r.srcE);
  if (src === null) return `bad address "${text.slice(r.srcS, r.srcE)}"`;
  const sport = r.sport;
  // the endpoint now, while the cache still holds this address's hash
  const srcEp: RouterEndpoint | null = sport === BAD || sport > 65535 ? null : ADDR_CACHE.pair(src, sport === NONE ? null : sport);
  const dst = addr(text, r.dstS, r.dstE);
  if (dst === null) return `bad address "${text.slice(r.dstS, r.dstE)}"`;
  const dport = r.dport;
  if (srcEp === null || dport === BAD || dport > 65535) return "bad port";
  const dstEp = ADDR_CACHE.pair(dst, dport === NONE ? null : dport);
  if (r.packets === BAD || r.bytes === BAD || r.type === BAD || r.code === BAD || r.id === BAD || r.zone === BAD) return "bad number";
  const icmp = r.type !== NONE || r.code !== NONE || r.id !== NONE
    ? { type: r.type !== NONE ? r.type : undefined, code: r.code !== NONE ? r.code : undefined, id: r.id !== NONE ? r.id : undefined }
    : undefined;
  const t: ConntrackTuple = {
    src: srcEp, dst: dstEp,
    packets: r.packets !== NONE ? r.packets : undefined, bytes: r.bytes !== NONE ? r.bytes : undefined, icmp, zone: r.zone !== NONE ? r.zone : undefined,
  };
  return t;
}

const isBlank = (c: number) => c === 32 || c === 9;

/** Column of the first unrecognised token of the last parsed entry, or -1. */
export let LAST_UNKNOWN = -1;

/** Token cursor over the line being parsed: [TS, TE) (module state: no closure per line). */
let TEXT = "";
let TS = 0;
let TE = 0;
/** Index of the first `=` in the current token, or -1. */
let EQ = -1;
function nextToken(): boolean {
  const text = TEXT;
  const len = text.length;
  let k = TE;
  let c = 0;
  while (k < len && ((c = text.charCodeAt(k)) === 32 || c === 9)) k++;
  TS = k;
  EQ = -1;
  while (k < len && (c = text.charCodeAt(k)) !== 32 && c !== 9) {
    if (c === 61 && EQ < 0) EQ = k;
    k++;
  }
  TE = k;
  return TS < TE;
}

/** `word` occurs in `text` at `pos` (a char loop: String#startsWith with a position is a slow runtime call). */
function at(text: string, word: string, pos: number): boolean {
  const n = word.length;
  if (pos + n > text.length) return false;
  for (let k = 0; k < n; k++) if (text.charCodeAt(pos + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** Reuse the last string for the same characters (state words, protocol names, flags repeat on every line). */
const interned: string[] = [];
function intern(slot: number, text: string, s: number, e: number): string {
  const last = interned[slot];
  if (last !== undefined && last.length === e - s && at(text, last, s)) return last;
  return (interned[slot] = text.slice(s, e));
}
/** Forget the interned words and the last line (they may be slices of the last input). */
export function resetConntrackState(): void {
  interned.length = 0;
  lastFlags.length = 0;
  FLAGS.length = 0;
  TEXT = "";
}
const SLOT_PROTO = 0, SLOT_STATE = 1, SLOT_FLAG = 2, SLOT_HELPER = 3, SLOT_L3 = 4;
const isUpperWord = (text: string, s: number, e: number): boolean => {
  const c0 = text.charCodeAt(s);
  if (c0 < 65 || c0 > 90) return false;
  for (let k = s + 1; k < e; k++) {
    const c = text.charCodeAt(k);
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
 * Parse one entry line by scanning it in place (no token array: at a million lines the
 * substrings would dominate). Sets LAST_UNKNOWN to the column of the first unrecognised token.
 */
export function parseEntry(text: string, col: number, line: number): ConntrackEntry | { col: number; message: string; code: string } {
  const len = text.length;
  let p = col;
  let time: string | undefined;
  let event: string | undefined;
  while (p < len && isBlank(text.charCodeAt(p))) p++;
  if (text.charCodeAt(p) === 91 /* [ */) {
    LEAD.lastIndex = p;
    const lead = LEAD.exec(text)!;
    time = lead[1];
    event = lead[2];
    p = LEAD.lastIndex;
  }
  TEXT = text;
  TS = TE = p;
  const next = nextToken;
  if (!next()) return failAt(text, col, col);
  let l3: string | undefined;
  if (TE - TS === 4 && (at(text, "ipv4", TS) || at(text, "ipv6", TS))) {
    const l3s = TS;
    const l3e = TE;
    if (!next() || num(text, TS, TE) < 0) return failAt(text, col, l3s);
    l3 = intern(SLOT_L3, text, l3s, l3e);
    if (!next()) return failAt(text, col, TS);
  }
  const nameStart = TS;
  const nameEnd = TE;
  if (EQ >= 0) return failAt(text, col, nameStart);
  if (!next()) return failAt(text, col, nameStart);
  const protoNumber = num(text, TS, TE);
  if (protoNumber < 0) return failAt(text, col, nameStart);
  const protoName = intern(SLOT_PROTO, text, nameStart, nameEnd);
  let timeout: number | undefined;
  let state: string | undefined;
  let mark: number | undefined;
  let zone: number | undefined;
  let helper: string | undefined;
  let use: number | undefined;
  let id: number | undefined;
  let extra: Record<string, string> | undefined;
  NFLAGS = 0;
  LAST_UNKNOWN = -1;
  let more = next();
  if (more) {
    const t = num(text, TS, TE);
    if (t >= 0) {
      timeout = t;
      more = next();
    }
  }
  if (more && isUpperWord(text, TS, TE)) {
    state = intern(SLOT_STATE, text, TS, TE);
    more = next();
  }
  resetTuple(ORIG);
  resetTuple(REPLY);
  let cur = ORIG;
  let haveReply = false;
  let tuplesDone = false;
  for (; more; more = next()) {
    const eq = EQ;
    if (eq < 0) {
      if (text.charCodeAt(TS) === 91 && text.charCodeAt(TE - 1) === 93 && TE - TS > 2) {
        FLAGS[NFLAGS++] = intern(SLOT_FLAG, text, TS + 1, TE - 1);
        if (haveReply) tuplesDone = true;
      } else if (LAST_UNKNOWN < 0) LAST_UNKNOWN = TS;
      continue;
    }
    const vs = eq + 1;
    switch (eq - TS) {
      case 2:
        if (at(text, "id", TS)) {
          const v = num(text, vs, TE);
          if (!tuplesDone && cur.type !== NONE && cur.id === NONE) cur.id = v;
          else id = v;
          continue;
        }
        break;
      case 3:
        if (at(text, "src", TS)) {
          if (cur.srcS !== NONE && !haveReply) {
            cur = REPLY;
            haveReply = true;
          }
          cur.srcS = vs;
          cur.srcE = TE;
          continue;
        }
        if (at(text, "dst", TS)) { cur.dstS = vs; cur.dstE = TE; continue; }
        if (at(text, "use", TS)) { use = num(text, vs, TE); tuplesDone = true; continue; }
        break;
      case 4:
        if (at(text, "mark", TS)) { mark = num(text, vs, TE); tuplesDone = true; continue; }
        if (at(text, "zone", TS)) { zone = num(text, vs, TE); tuplesDone = true; continue; }
        if (at(text, "type", TS)) { cur.type = num(text, vs, TE); continue; }
        if (at(text, "code", TS)) { cur.code = num(text, vs, TE); continue; }
        break;
      case 5:
        if (at(text, "sport", TS)) { cur.sport = num(text, vs, TE); continue; }
        if (at(text, "dport", TS)) { cur.dport = num(text, vs, TE); continue; }
        if (at(text, "bytes", TS)) { cur.bytes = num(text, vs, TE); continue; }
        break;
      case 6:
        if (at(text, "helper", TS)) { helper = intern(SLOT_HELPER, text, vs, TE); tuplesDone = true; continue; }
        break;
      case 7:
        if (at(text, "packets", TS)) { cur.packets = num(text, vs, TE); continue; }
        break;
      case 9:
        if (at(text, "zone-orig", TS)) { ORIG.zone = num(text, vs, TE); continue; }
        break;
      case 10:
        if (at(text, "zone-reply", TS)) { REPLY.zone = num(text, vs, TE); continue; }
        break;
    }
    (extra ??= {})[text.slice(TS, eq)] = text.slice(vs, TE);
    tuplesDone = true;
  }
  if (mark === BAD || zone === BAD || use === BAD || id === BAD) return { code: "bad_entry", col, message: "conntrack entry: bad mark=, zone=, use= or id=" };
  const orig = tuple(text, ORIG);
  if (typeof orig === "string") return { code: "bad_entry", col, message: `conntrack entry: ${orig}` };
  let reply: ConntrackTuple | undefined;
  if (haveReply) {
    const r = tuple(text, REPLY);
    if (typeof r === "string") return { code: "bad_entry", col, message: `conntrack entry reply tuple: ${r}` };
    reply = r;
  }
  const flags = flagList();
  // one literal with every field (absent ones undefined): a fixed shape, no property-array growth
  return { event, time, l3, protoName, protoNumber, timeout, state, orig, reply, flags, mark, zone, helper, use, id, extra, location: { line } };
}

function failAt(text: string, col: number, at: number) {
  return { code: "unknown_line", col: at, message: `not a conntrack entry: "${clip(text.slice(col))}"` };
}
