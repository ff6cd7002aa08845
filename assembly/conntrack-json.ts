/**
 * `router --json` of a `conntrack -L` dump, the usual lines only: each line scanned over its bytes
 * and written as the report's JSON — the entry (`documents[i].entries[k]`) into ENT, its flow
 * (the report's `flows[k]`) into FLOW — with no string or object made for it on the host.
 * The bytes are those src/router/conntrack/json.ts writes from entries.ts `scanEntry` for the same
 * line (test/router/conntrack-wasm.test.ts compares them on every sample and on generated lines).
 *
 *   "tcp 6 299 ESTABLISHED src=10.0.0.1 dst=… sport=… dport=… … [ASSURED] mark=0 helper=ftp use=1\n"
 *   → ENT: `,\n        {\n          "protoName": "tcp", … }`   FLOW: `,\n    {\n      "document": 0, … }`
 *
 * A line is written here only when it is one this file can prove it reads exactly as the host's
 * scan does: a protocol word, its number, an optional timeout and state, then `src= dst= sport=
 * dport= packets= bytes= use= mark= helper=` tokens and `[FLAG]`s; every address a dotted quad;
 * printable ASCII without `"` or `\` (so a word is its own JSON text). Any other line — IPv6, ICMP,
 * `zone`/`id`/unknown keys or words, an error, the summary, a comment, an event, a byte ≥ 0x80 —
 * stops the run (ctStatus() = CT_FALLBACK at the returned position), and the host scans and writes
 * that line itself, then calls again after it. So what this file does not know costs speed, never bytes.
 *
 * Memory: its own regions, taken with memory.grow by ctInit (the core's init() is not called on an
 * instance used for this): INPUT (the host's run of whole lines), ENT and FLOW (OUT_CAP each), SEG
 * (the constant pieces, made by ctSetup for the depths being written), STR (the format's and the
 * file name's JSON text, host-written).
 */

/** ctStatus(): why ctRun stopped. */
export const CT_END: u32 = 0;
export const CT_FALLBACK: u32 = 1;
export const CT_FULL: u32 = 2;

/** Bytes of ENT and FLOW each; a line is written only when its worst case fits. */
const OUT_CAP: u32 = 1 << 20;
const SEG_CAP: u32 = 1 << 16;
const STR_CAP: u32 = 1 << 16;
/** Flags a line may hold here (more: the host writes it). */
const FLAG_MAX: i32 = 32;

const NONE: i64 = -1;
const BAD: i64 = -2;

let inPtr: usize = 0;
let inCap: u32 = 0;
let entPtr: usize = 0;
let flowPtr: usize = 0;
let segPtr: usize = 0;
let segEnd: usize = 0;
let strPtr: usize = 0;
let flagsPtr: usize = 0;

let status: u32 = 0;
let entLen: u32 = 0;
let flowLen: u32 = 0;
let linesDone: u32 = 0;

/** Take n bytes of fresh pages; 0 when memory cannot grow. */
/** Bytes after each region that copy16 may touch. */
const SLACK: u32 = 64;

function grab(n: u32): usize {
  const base = (<usize>memory.size()) << 16;
  const pages = <i32>((n + SLACK + 0xffff) >>> 16);
  if (memory.grow(pages) < 0) return 0;
  return base;
}

/** Lay out the regions (INPUT of `cap` bytes): 1 ok, 0 no memory. */
export function ctInit(cap: u32): u32 {
  const p = grab(cap + SLACK + 2 * OUT_CAP + SEG_CAP + STR_CAP + 4096);
  if (p == 0) return 0;
  inPtr = p;
  inCap = cap;
  entPtr = p + cap + SLACK;
  flowPtr = entPtr + OUT_CAP;
  segPtr = flowPtr + OUT_CAP;
  strPtr = segPtr + SEG_CAP;
  flagsPtr = strPtr + STR_CAP;
  return 1;
}

/** A bigger INPUT region (a run longer than the last): 1 ok, 0 no memory. */
export function ctInput(cap: u32): u32 {
  const p = grab(cap);
  if (p == 0) return 0;
  inPtr = p;
  inCap = cap;
  return 1;
}

export function ctInPtr(): usize { return inPtr; }
export function ctInCap(): u32 { return inCap; }
export function ctEntPtr(): usize { return entPtr; }
export function ctFlowPtr(): usize { return flowPtr; }
export function ctStrPtr(): usize { return strPtr; }
export function ctStrCap(): u32 { return STR_CAP; }
export function ctStatus(): u32 { return status; }
export function ctEntLen(): u32 { return entLen; }
export function ctFlowLen(): u32 { return flowLen; }
export function ctLines(): u32 { return linesDone; }

/* ---- constant pieces (SEG): a piece is (offset << 32 | length) ---- */

let bStart: usize = 0;
@inline function bByte(c: u32): void { store<u8>(segEnd++, <u8>c); }
function bStr(s: string): void { for (let k = 0; k < s.length; k++) bByte(<u32>s.charCodeAt(k)); }
function bPad(d: u32): void { bByte(10); for (let k: u32 = 0; k < 2 * d; k++) bByte(32); }
function bKey(d: u32, key: string, first: bool): void { if (!first) bByte(44); bPad(d); bByte(34); bStr(key); bStr("\": "); }
function bBytes(p: usize, n: u32): void { memory.copy(segEnd, p, n); segEnd += n; }
function bNum(v: u32): void {
  let div: u32 = 1;
  while (v / div >= 10) div *= 10;
  while (div > 0) { bByte(48 + (v / div) % 10); div /= 10; }
}
function bBegin(): void { bStart = segEnd; }
function bEnd(): u64 { return ((<u64>bStart) << 32) | <u64>(segEnd - bStart); }

// entries at depth D (members D + 1), flows at depth F (members F + 1)
let E_OPEN: u64 = 0;      // {  "protoName": "
let E_PNUM: u64 = 0;      // ",  "protoNumber":
let E_TIMEOUT: u64 = 0;
let E_STATE: u64 = 0;     // , "state": "
let QUOTE: u64 = 0;       // "
let E_ORIG: u64 = 0;      // , "orig": {  "src": {  "ip": "
let E_REPLY: u64 = 0;
let E_PORT: u64 = 0;      // ",  "port":      (tuple endpoints, depth D + 1)
let E_DST: u64 = 0;       //   },  "dst": {  "ip": "
let E_EPEND: u64 = 0;     //   }
let E_PACKETS: u64 = 0;
let E_BYTES: u64 = 0;
let E_TEND: u64 = 0;      //  }  (tuple)
let E_FLAGS: u64 = 0;     // , "flags":
let E_FLAG1: u64 = 0;     // [  "        (first flag)
let E_FLAGN: u64 = 0;     // ",  "       (next flag)
let E_FLAGEND: u64 = 0;   // "  ]
let EMPTY_ARR: u64 = 0;   // []
let E_MARK: u64 = 0;
let E_HELPER: u64 = 0;    // , "helper": "
let E_USE: u64 = 0;
let E_LOC: u64 = 0;       // , "location": {  "line":
let E_END: u64 = 0;       //   }  }
let NULL: u64 = 0;

let F_OPEN: u64 = 0;      // {  "document": N,  "format": "…",  "proto":
let F_SRC: u64 = 0;       // ,  "src": {  "ip": "
let F_PORT: u64 = 0;
let F_DST: u64 = 0;       //   },  "dst": {  "ip": "
let F_EPEND: u64 = 0;
let F_STATE: u64 = 0;
let F_PACKETS: u64 = 0;   // , "packets": {
let F_BYTES: u64 = 0;
let F_ORIG1: u64 = 0;     //   "orig":
let F_REPLY1: u64 = 0;    //   "reply":   (first member)
let F_REPLYN: u64 = 0;    // ,  "reply":
let F_OREND: u64 = 0;     //   }
let F_NAT: u64 = 0;       // , "nat":
let F_NSRC: u64 = 0;      // [  {  "kind": "source",  "from": {  "ip": "
let F_NDST1: u64 = 0;     // [  {  "kind": "dest", …
let F_NDSTN: u64 = 0;     // ,  {  "kind": "dest", …
let F_NPORT: u64 = 0;     // ",  "port":      (nat endpoints)
let F_NTO: u64 = 0;       //   },  "to": {  "ip": "
let F_NEPEND: u64 = 0;    //   }
let F_NMEND: u64 = 0;     //   }          (a nat member)
let F_NEND: u64 = 0;      //   ]
let F_ALG: u64 = 0;       // , "alg": "
let F_TIMEOUT: u64 = 0;
let F_FLAGS: u64 = 0;
let F_FLAG1: u64 = 0;
let F_FLAGN: u64 = 0;
let F_FLAGEND: u64 = 0;
let F_LOC: u64 = 0;       // , "location": {  "file": …,  "line":
let F_END: u64 = 0;       //   }  }
let P_TCP: u64 = 0;
let P_UDP: u64 = 0;
let P_ICMP: u64 = 0;
let P_ICMPV6: u64 = 0;

/**
 * Make the constant pieces for entries at depth d, flows at depth f of document `document`; STR
 * holds the format's JSON text (formatLen bytes) and then the file name's (fileLen bytes).
 */
export function ctSetup(d: u32, f: u32, document: u32, formatLen: u32, fileLen: u32): u32 {
  if (formatLen + fileLen > STR_CAP || d > 64 || f > 64) return 0;
  segEnd = segPtr;
  bBegin(); bByte(123); bKey(d + 1, "protoName", true); bByte(34); E_OPEN = bEnd();
  bBegin(); bByte(34); bKey(d + 1, "protoNumber", false); E_PNUM = bEnd();
  bBegin(); bKey(d + 1, "timeout", false); E_TIMEOUT = bEnd();
  bBegin(); bKey(d + 1, "state", false); bByte(34); E_STATE = bEnd();
  bBegin(); bByte(34); QUOTE = bEnd();
  bBegin(); bKey(d + 1, "orig", false); bByte(123); bKey(d + 2, "src", true); bByte(123); bKey(d + 3, "ip", true); bByte(34); E_ORIG = bEnd();
  bBegin(); bKey(d + 1, "reply", false); bByte(123); bKey(d + 2, "src", true); bByte(123); bKey(d + 3, "ip", true); bByte(34); E_REPLY = bEnd();
  bBegin(); bByte(34); bKey(d + 3, "port", false); E_PORT = bEnd();
  bBegin(); bPad(d + 2); bByte(125); bKey(d + 2, "dst", false); bByte(123); bKey(d + 3, "ip", true); bByte(34); E_DST = bEnd();
  bBegin(); bPad(d + 2); bByte(125); E_EPEND = bEnd();
  bBegin(); bKey(d + 2, "packets", false); E_PACKETS = bEnd();
  bBegin(); bKey(d + 2, "bytes", false); E_BYTES = bEnd();
  bBegin(); bPad(d + 1); bByte(125); E_TEND = bEnd();
  bBegin(); bKey(d + 1, "flags", false); E_FLAGS = bEnd();
  bBegin(); bByte(91); bPad(d + 2); bByte(34); E_FLAG1 = bEnd();
  bBegin(); bByte(34); bByte(44); bPad(d + 2); bByte(34); E_FLAGN = bEnd();
  bBegin(); bByte(34); bPad(d + 1); bByte(93); E_FLAGEND = bEnd();
  bBegin(); bStr("[]"); EMPTY_ARR = bEnd();
  bBegin(); bKey(d + 1, "mark", false); E_MARK = bEnd();
  bBegin(); bKey(d + 1, "helper", false); bByte(34); E_HELPER = bEnd();
  bBegin(); bKey(d + 1, "use", false); E_USE = bEnd();
  bBegin(); bKey(d + 1, "location", false); bByte(123); bKey(d + 2, "line", true); E_LOC = bEnd();
  bBegin(); bPad(d + 1); bByte(125); bPad(d); bByte(125); E_END = bEnd();
  bBegin(); bStr("null"); NULL = bEnd();

  bBegin(); bByte(123); bKey(f + 1, "document", true); bNum(document); bKey(f + 1, "format", false); bBytes(strPtr, formatLen); bKey(f + 1, "proto", false); F_OPEN = bEnd();
  bBegin(); bKey(f + 1, "src", false); bByte(123); bKey(f + 2, "ip", true); bByte(34); F_SRC = bEnd();
  bBegin(); bByte(34); bKey(f + 2, "port", false); F_PORT = bEnd();
  bBegin(); bPad(f + 1); bByte(125); bKey(f + 1, "dst", false); bByte(123); bKey(f + 2, "ip", true); bByte(34); F_DST = bEnd();
  bBegin(); bPad(f + 1); bByte(125); F_EPEND = bEnd();
  bBegin(); bKey(f + 1, "state", false); bByte(34); F_STATE = bEnd();
  bBegin(); bKey(f + 1, "packets", false); bByte(123); F_PACKETS = bEnd();
  bBegin(); bKey(f + 1, "bytes", false); bByte(123); F_BYTES = bEnd();
  bBegin(); bKey(f + 2, "orig", true); F_ORIG1 = bEnd();
  bBegin(); bKey(f + 2, "reply", true); F_REPLY1 = bEnd();
  bBegin(); bKey(f + 2, "reply", false); F_REPLYN = bEnd();
  bBegin(); bPad(f + 1); bByte(125); F_OREND = bEnd();
  bBegin(); bKey(f + 1, "nat", false); F_NAT = bEnd();
  bBegin(); bByte(91); bPad(f + 2); bByte(123); bKey(f + 3, "kind", true); bStr("\"source\""); bKey(f + 3, "from", false); bByte(123); bKey(f + 4, "ip", true); bByte(34); F_NSRC = bEnd();
  bBegin(); bByte(91); bPad(f + 2); bByte(123); bKey(f + 3, "kind", true); bStr("\"dest\""); bKey(f + 3, "from", false); bByte(123); bKey(f + 4, "ip", true); bByte(34); F_NDST1 = bEnd();
  bBegin(); bByte(44); bPad(f + 2); bByte(123); bKey(f + 3, "kind", true); bStr("\"dest\""); bKey(f + 3, "from", false); bByte(123); bKey(f + 4, "ip", true); bByte(34); F_NDSTN = bEnd();
  bBegin(); bByte(34); bKey(f + 4, "port", false); F_NPORT = bEnd();
  bBegin(); bPad(f + 3); bByte(125); bKey(f + 3, "to", false); bByte(123); bKey(f + 4, "ip", true); bByte(34); F_NTO = bEnd();
  bBegin(); bPad(f + 3); bByte(125); F_NEPEND = bEnd();
  bBegin(); bPad(f + 2); bByte(125); F_NMEND = bEnd();
  bBegin(); bPad(f + 1); bByte(93); F_NEND = bEnd();
  bBegin(); bKey(f + 1, "alg", false); bByte(34); F_ALG = bEnd();
  bBegin(); bKey(f + 1, "timeout", false); F_TIMEOUT = bEnd();
  bBegin(); bKey(f + 1, "flags", false); F_FLAGS = bEnd();
  bBegin(); bByte(91); bPad(f + 2); bByte(34); F_FLAG1 = bEnd();
  bBegin(); bByte(34); bByte(44); bPad(f + 2); bByte(34); F_FLAGN = bEnd();
  bBegin(); bByte(34); bPad(f + 1); bByte(93); F_FLAGEND = bEnd();
  bBegin(); bKey(f + 1, "location", false); bByte(123); bKey(f + 2, "file", true); bBytes(strPtr + formatLen, fileLen); bKey(f + 2, "line", false); F_LOC = bEnd();
  bBegin(); bPad(f + 1); bByte(125); bPad(f); bByte(125); F_END = bEnd();
  bBegin(); bStr("\"tcp\""); P_TCP = bEnd();
  bBegin(); bStr("\"udp\""); P_UDP = bEnd();
  bBegin(); bStr("\"icmp\""); P_ICMP = bEnd();
  bBegin(); bStr("\"icmpv6\""); P_ICMPV6 = bEnd();
  bBegin(); bByte(44); bPad(d); EP_COMMA_D = bEnd();
  bBegin(); bPad(d); EP_D = bEnd();
  bBegin(); bByte(44); bPad(f); EP_COMMA_F = bEnd();
  return 1;
}
/** `,` + the line and indentation of an entry (EP_D without the comma), and of a flow. */
let EP_COMMA_D: u64 = 0;
let EP_D: u64 = 0;
let EP_COMMA_F: u64 = 0;

/* ---- writing ---- */

let op: usize = 0;
/**
 * n bytes from `from` to op, 16 at a time (pieces are short: memory.copy's call costs more than
 * the copy). It may read up to 15 bytes past the piece and write up to 15 past op: every region
 * has that slack (SLACK), and what is written past op is overwritten next.
 */
@inline function copy16(from: usize, n: usize): void {
  const to = op;
  let i: usize = 0;
  do {
    v128.store(to + i, v128.load(from + i));
    i += 16;
  } while (i < n);
  op = to + n;
}
@inline function seg(x: u64): void {
  copy16(<usize>(x >>> 32), <usize>(x & 0xffffffff));
}
@inline function raw(s: u32, e: u32): void {
  copy16(inPtr + s, <usize>(e - s));
}
/** The decimal digits of v (≥ 0). */
function num(v: i64): void {
  if (v < 10) {
    store<u8>(op++, <u8>(48 + v));
    return;
  }
  // Nearly every value (ports, timeouts, marks, line numbers, most counters) fits 32 bits: its loop
  // divides in 32 bits, cheaper than the 64-bit loop below, which only larger counters reach (the
  // same digits either way: a deliberate specialisation of the hot path, not a copy to merge).
  if (v < 0x100000000) {
    let x = <u32>v;
    const digits: usize = x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
    let p = op + digits;
    op = p;
    do {
      const q = x / 10;
      store<u8>(--p, <u8>(48 + (x - q * 10)));
      x = q;
    } while (x != 0);
    return;
  }
  let x = <u64>v;
  let digits: usize = 1;
  let t = x;
  while (t >= 10) { t /= 10; digits++; }
  let p = op + digits;
  op = p;
  do {
    const q = x / 10;
    store<u8>(--p, <u8>(48 + (x - q * 10)));
    x = q;
  } while (x != 0);
}

/* ---- scanning ---- */

// a tuple: src [s, e), dst [s, e), their IPv4 values, ports, packets, bytes (NONE / BAD / value)
let oSrcS: u32 = 0, oSrcE: u32 = 0, oDstS: u32 = 0, oDstE: u32 = 0;
let oSrcV: i64 = 0, oDstV: i64 = 0, oSport: i64 = 0, oDport: i64 = 0, oPackets: i64 = 0, oBytes: i64 = 0;
let rSrcS: u32 = 0, rSrcE: u32 = 0, rDstS: u32 = 0, rDstE: u32 = 0;
let rSrcV: i64 = 0, rDstV: i64 = 0, rSport: i64 = 0, rDport: i64 = 0, rPackets: i64 = 0, rBytes: i64 = 0;
let oSrcSeen = false, oDstSeen = false, rSrcSeen = false, rDstSeen = false;

@inline function isBlank(c: u32): bool { return c == 32 || c == 9; }

/** A dotted quad in INPUT[s, e) as ip.ts ipv4Value reads it (no leading zeros, octets ≤ 255), or -1. */
function ipv4(s: u32, e: u32): i64 {
  let k = s;
  let value: i64 = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (k >= e || load<u8>(inPtr + k) != 46) return -1;
      k++;
    }
    const st = k;
    let v: u32 = 0;
    while (k < e && k - st < 4) {
      const c = <u32>load<u8>(inPtr + k) - 48;
      if (c > 9) break;
      v = v * 10 + c;
      k++;
    }
    const n = k - st;
    if (n == 0 || n > 3 || v > 255 || (n > 1 && load<u8>(inPtr + st) == 48)) return -1;
    value = value * 256 + <i64>v;
  }
  return k == e ? value : -1;
}

/** Decimal number of INPUT[s, e) as entries.ts `num` reads it (1 to 15 digits), or BAD. */
function dec(s: u32, e: u32): i64 {
  if (s >= e || e - s > 15) return BAD;
  let n: i64 = 0;
  for (let k = s; k < e; k++) {
    const c = <u32>load<u8>(inPtr + k) - 48;
    if (c > 9) return BAD;
    n = n * 10 + <i64>c;
  }
  return n;
}

@inline function at2(p: u32, a: u32, b: u32): bool { return load<u8>(inPtr + p) == a && load<u8>(inPtr + p + 1) == b; }

/**
 * Scan and write the usual lines of INPUT[pos, end) (whole lines, each ending with `\n`), the
 * first being line `line` (1-based) of the file. `comma`: an entry was written before (the first
 * one written here is preceded by `,`); `flows`: write the flows too. Stops at the end, at a line
 * the host must write (CT_FALLBACK), or once ENT holds `limit` bytes or FLOW half its room
 * (CT_FULL). Returns the position reached; ctLines() lines were written, ctEntLen()/ctFlowLen() bytes.
 */
export function ctRun(pos: u32, end: u32, line: u32, comma: bool, flows: bool, limit: u32): u32 {
  status = CT_END;
  linesDone = 0;
  let eo: usize = entPtr;
  let fo: usize = flowPtr;
  let p = pos;
  while (p < end) {
    // the line [p, le), its `\n` at nl; only printable ASCII without `"` `\` (and tabs)
    let nl = p;
    let odd = false;
    // 16 bytes at a time while none is special (a control byte, ≥ 0x7f, `"`, `\`): the line goes on
    while (nl + 16 <= end) {
      const v = v128.load(inPtr + nl);
      const special = v128.or(
        v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126))),
        v128.or(i8x16.eq(v, i8x16.splat(34)), i8x16.eq(v, i8x16.splat(92))),
      );
      if (v128.any_true(special)) break;
      nl += 16;
    }
    while (nl < end) {
      const c = <u32>load<u8>(inPtr + nl);
      if (c == 10) break;
      if ((c < 32 && c != 9) || c >= 127 || c == 34 || c == 92) {
        if (!(c == 13 && nl + 1 < end && load<u8>(inPtr + nl + 1) == 10)) odd = true;
      }
      nl++;
    }
    if (nl >= end || odd) { status = CT_FALLBACK; break; }
    let le = nl;
    if (le > p && load<u8>(inPtr + le - 1) == 13) le--;
    // worst case of the output: a constant part and a few times each byte of the line
    const need = <usize>(4096 + 24 * (le - p));
    if (<usize>(entPtr + OUT_CAP) - eo < need || (flows && <usize>(flowPtr + OUT_CAP) - fo < need)) {
      status = eo == entPtr ? CT_FALLBACK : CT_FULL;
      break;
    }
    if (!line1(p, le, line + linesDone, comma || linesDone > 0, flows, eo, fo)) { status = CT_FALLBACK; break; }
    eo = eOut;
    fo = fOut;
    linesDone++;
    p = nl + 1;
    if (<u32>(eo - entPtr) >= limit || <u32>(fo - flowPtr) >= OUT_CAP / 2) { status = CT_FULL; break; }
  }
  entLen = <u32>(eo - entPtr);
  flowLen = <u32>(fo - flowPtr);
  return p;
}

let eOut: usize = 0;
let fOut: usize = 0;

/** Scan line [ls, le) and, when it is a usual one, write it at eo (and its flow at fo): false when the host must. */
function line1(ls: u32, le: u32, line: u32, comma: bool, flows: bool, eo: usize, fo: usize): bool {
  const c0 = <u32>load<u8>(inPtr + ls);
  // an entry starts with a letter; `c` may be the `conntrack … shown` summary
  if (c0 < 97 || c0 > 122 || c0 == 99) return false;
  let k = ls;
  // the protocol's name (no `=`; not ipv4/ipv6: a layer-3 prefix)
  const nameS = k;
  while (k < le && !isBlank(load<u8>(inPtr + k))) {
    if (load<u8>(inPtr + k) == 61) return false;
    k++;
  }
  const nameE = k;
  if (nameE - nameS == 4 && load<u8>(inPtr + nameS) == 105 && load<u8>(inPtr + nameS + 1) == 112 && load<u8>(inPtr + nameS + 2) == 118) return false;
  while (k < le && isBlank(load<u8>(inPtr + k))) k++;
  if (k >= le) return false;
  let ts = k;
  while (k < le && !isBlank(load<u8>(inPtr + k))) k++;
  const protoNumber = dec(ts, k);
  if (protoNumber < 0 || protoNumber > 255) return false;
  while (k < le && isBlank(load<u8>(inPtr + k))) k++;
  let timeout: i64 = NONE;
  let stateS: u32 = 0, stateE: u32 = 0;
  if (k < le) {
    ts = k;
    let te = k;
    while (te < le && !isBlank(load<u8>(inPtr + te))) te++;
    const t = dec(ts, te);
    if (t >= 0) {
      timeout = t;
      k = te;
      while (k < le && isBlank(load<u8>(inPtr + k))) k++;
    }
  }
  if (k < le) {
    ts = k;
    let te = k;
    while (te < le && !isBlank(load<u8>(inPtr + te))) te++;
    const a = <u32>load<u8>(inPtr + ts);
    let upper = a >= 65 && a <= 90;
    for (let j = ts + 1; upper && j < te; j++) {
      const c = <u32>load<u8>(inPtr + j);
      upper = (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95;
    }
    if (upper) {
      stateS = ts;
      stateE = te;
      k = te;
      while (k < le && isBlank(load<u8>(inPtr + k))) k++;
    }
  }
  oSrcSeen = oDstSeen = rSrcSeen = rDstSeen = false;
  oSport = oDport = oPackets = oBytes = NONE;
  rSport = rDport = rPackets = rBytes = NONE;
  let reply = false;
  let haveReply = false;
  let mark: i64 = NONE, use: i64 = NONE;
  let helperS: u32 = 0, helperE: u32 = 0, helper = false;
  let nflags = 0;
  while (k < le) {
    ts = k;
    let c: u32 = 0;
    while (k < le) {
      c = <u32>load<u8>(inPtr + k);
      if (c == 61 || c == 32 || c == 9) break;
      k++;
    }
    if (k >= le || c != 61) {
      // a [FLAG] (anything else is the host's: an unknown word)
      const te = k;
      if (!(load<u8>(inPtr + ts) == 91 && load<u8>(inPtr + te - 1) == 93 && te - ts > 2)) return false;
      if (nflags == FLAG_MAX) return false;
      store<u32>(flagsPtr + (<usize>nflags << 3), ts + 1);
      store<u32>(flagsPtr + (<usize>nflags << 3) + 4, te - 1);
      nflags++;
      while (k < le && isBlank(load<u8>(inPtr + k))) k++;
      continue;
    }
    const eq = k;
    const vs = ++k;
    let n: i64 = 0;
    let digits = true;
    while (k < le) {
      c = <u32>load<u8>(inPtr + k);
      if (c == 32 || c == 9) break;
      const d = c - 48;
      if (d > 9) digits = false;
      else n = n * 10 + <i64>d;
      k++;
    }
    const te = k;
    const v: i64 = digits && te > vs && te - vs <= 15 ? n : BAD;
    while (k < le && isBlank(load<u8>(inPtr + k))) k++;
    const c0k = <u32>load<u8>(inPtr + ts);
    const len = eq - ts;
    if (len == 3) {
      const c1 = <u32>load<u8>(inPtr + ts + 1), c2 = <u32>load<u8>(inPtr + ts + 2);
      if (c0k == 115 && c1 == 114 && c2 == 99) {
        // src: the second one starts the reply tuple
        if (!reply && oSrcSeen) { reply = true; haveReply = true; }
        if (reply) { rSrcS = vs; rSrcE = te; rSrcSeen = true; } else { oSrcS = vs; oSrcE = te; oSrcSeen = true; }
        continue;
      }
      if (c0k == 100 && c1 == 115 && c2 == 116) {
        if (reply) { rDstS = vs; rDstE = te; rDstSeen = true; } else { oDstS = vs; oDstE = te; oDstSeen = true; }
        continue;
      }
      if (c0k == 117 && c1 == 115 && c2 == 101) { use = v; continue; }
      return false;
    }
    if (len == 4) {
      if (c0k == 109 && at2(ts + 1, 97, 114) && load<u8>(inPtr + ts + 3) == 107) { mark = v; continue; }
      return false;
    }
    if (len == 5) {
      if (at2(ts + 1, 112, 111) && at2(ts + 3, 114, 116)) {
        if (c0k == 115) { if (reply) rSport = v; else oSport = v; continue; }
        if (c0k == 100) { if (reply) rDport = v; else oDport = v; continue; }
        return false;
      }
      if (c0k == 98 && at2(ts + 1, 121, 116) && at2(ts + 3, 101, 115)) { if (reply) rBytes = v; else oBytes = v; continue; }
      return false;
    }
    if (len == 6) {
      if (c0k == 104 && at2(ts + 1, 101, 108) && at2(ts + 3, 112, 101) && load<u8>(inPtr + ts + 5) == 114) { helperS = vs; helperE = te; helper = true; continue; }
      return false;
    }
    if (len == 7) {
      if (c0k == 112 && at2(ts + 1, 97, 99) && at2(ts + 3, 107, 101) && at2(ts + 5, 116, 115)) { if (reply) rPackets = v; else oPackets = v; continue; }
      return false;
    }
    return false;
  }
  // the checks of entries.ts (an error is the host's to report)
  if (mark == BAD || use == BAD) return false;
  if (!oSrcSeen || !oDstSeen) return false;
  oSrcV = ipv4(oSrcS, oSrcE);
  oDstV = ipv4(oDstS, oDstE);
  if (oSrcV < 0 || oDstV < 0) return false;
  if (oSport == BAD || oSport > 65535 || oDport == BAD || oDport > 65535 || oPackets == BAD || oBytes == BAD) return false;
  if (haveReply) {
    if (!rSrcSeen || !rDstSeen) return false;
    rSrcV = ipv4(rSrcS, rSrcE);
    rDstV = ipv4(rDstS, rDstE);
    if (rSrcV < 0 || rDstV < 0) return false;
    if (rSport == BAD || rSport > 65535 || rDport == BAD || rDport > 65535 || rPackets == BAD || rBytes == BAD) return false;
  }

  // the entry (conntrack/json.ts writeEntry)
  op = eo;
  seg(comma ? EP_COMMA_D : EP_D);
  seg(E_OPEN); raw(nameS, nameE);
  seg(E_PNUM); num(protoNumber);
  if (timeout != NONE) { seg(E_TIMEOUT); num(timeout); }
  if (stateE > stateS) { seg(E_STATE); raw(stateS, stateE); seg(QUOTE); }
  seg(E_ORIG);
  entryTuple(oSrcS, oSrcE, oSport, oDstS, oDstE, oDport, oPackets, oBytes);
  if (haveReply) {
    seg(E_REPLY);
    entryTuple(rSrcS, rSrcE, rSport, rDstS, rDstE, rDport, rPackets, rBytes);
  }
  seg(E_FLAGS);
  flagList(nflags, E_FLAG1, E_FLAGN, E_FLAGEND);
  if (mark != NONE) { seg(E_MARK); num(mark); }
  if (helper) { seg(E_HELPER); raw(helperS, helperE); seg(QUOTE); }
  if (use != NONE) { seg(E_USE); num(use); }
  seg(E_LOC); num(line);
  seg(E_END);
  eOut = op;
  if (!flows) { fOut = fo; return true; }

  // the flow (conntrack/json.ts writeFlow)
  op = fo;
  seg(EP_COMMA_F);
  seg(F_OPEN);
  if (protoNumber == 6) seg(P_TCP);
  else if (protoNumber == 17) seg(P_UDP);
  else if (protoNumber == 1) seg(P_ICMP);
  else if (protoNumber == 58) seg(P_ICMPV6);
  else num(protoNumber);
  seg(F_SRC); raw(oSrcS, oSrcE); seg(F_PORT); port(oSport);
  seg(F_DST); raw(oDstS, oDstE); seg(F_PORT); port(oDport); seg(F_EPEND);
  if (stateE > stateS) { seg(F_STATE); raw(stateS, stateE); seg(QUOTE); }
  const rp = haveReply ? rPackets : NONE, rb = haveReply ? rBytes : NONE;
  if (oPackets != NONE || rp != NONE) { seg(F_PACKETS); orReply(oPackets, rp); }
  if (oBytes != NONE || rb != NONE) { seg(F_BYTES); orReply(oBytes, rb); }
  seg(F_NAT);
  // source NAT: the original source became the reply's destination; destination NAT: the
  // original destination became the reply's source (json.ts nat)
  const snat = haveReply && !(rDport == oSport && rDstV == oSrcV);
  const dnat = haveReply && !(rSport == oDport && rSrcV == oDstV);
  if (!snat && !dnat) seg(EMPTY_ARR);
  else {
    if (snat) {
      seg(F_NSRC); raw(oSrcS, oSrcE); seg(F_NPORT); port(oSport);
      seg(F_NTO); raw(rDstS, rDstE); seg(F_NPORT); port(rDport); seg(F_NEPEND); seg(F_NMEND);
    }
    if (dnat) {
      seg(snat ? F_NDSTN : F_NDST1); raw(oDstS, oDstE); seg(F_NPORT); port(oDport);
      seg(F_NTO); raw(rSrcS, rSrcE); seg(F_NPORT); port(rSport); seg(F_NEPEND); seg(F_NMEND);
    }
    seg(F_NEND);
  }
  if (helper) { seg(F_ALG); raw(helperS, helperE); seg(QUOTE); }
  if (timeout != NONE) { seg(F_TIMEOUT); num(timeout); }
  if (nflags > 0) { seg(F_FLAGS); flagList(nflags, F_FLAG1, F_FLAGN, F_FLAGEND); }
  seg(F_LOC); num(line);
  seg(F_END);
  fOut = op;
  return true;
}

@inline function port(v: i64): void {
  if (v == NONE) seg(NULL);
  else num(v);
}

/** An entry's tuple after its `"src": {"ip": "` (E_ORIG / E_REPLY). */
function entryTuple(srcS: u32, srcE: u32, sport: i64, dstS: u32, dstE: u32, dport: i64, packets: i64, bytes: i64): void {
  raw(srcS, srcE); seg(E_PORT); port(sport);
  seg(E_DST); raw(dstS, dstE); seg(E_PORT); port(dport); seg(E_EPEND);
  if (packets != NONE) { seg(E_PACKETS); num(packets); }
  if (bytes != NONE) { seg(E_BYTES); num(bytes); }
  seg(E_TEND);
}

/** `{ "orig": …, "reply": … }`'s members and its `}` (after F_PACKETS / F_BYTES). */
function orReply(orig: i64, reply: i64): void {
  if (orig != NONE) { seg(F_ORIG1); num(orig); }
  if (reply != NONE) { seg(orig != NONE ? F_REPLYN : F_REPLY1); num(reply); }
  seg(F_OREND);
}

/** The line's flags as an array (`[]` when none). */
function flagList(n: i32, first: u64, next: u64, close: u64): void {
  if (n == 0) { seg(EMPTY_ARR); return; }
  for (let j = 0; j < n; j++) {
    seg(j == 0 ? first : next);
    raw(load<u32>(flagsPtr + (<usize>j << 3)), load<u32>(flagsPtr + (<usize>j << 3) + 4));
  }
  seg(close);
}

/* ---- the first look (src/router/stream.ts firstLook) ---- */

@inline function lower(c: u32): bool { return c >= 97 && c <= 122; }
@inline function digit(c: u32): bool { return c >= 48 && c <= 57; }

/**
 * stream.ts `entryLine` over INPUT[s, e), without its `ipv4 2 ` prefix (such a line is not
 * taken here): `[a-z][a-z0-9]* +\d+ +(?:\d+ +)?(?:[A-Z_]+ +)?src=`, each run taken greedily.
 */
function plainEntry(s: u32, e: u32): bool {
  let k = s;
  if (k >= e || !lower(load<u8>(inPtr + k))) return false;
  if (e - k > 3 && load<u8>(inPtr + k) == 105 && load<u8>(inPtr + k + 1) == 112 && load<u8>(inPtr + k + 2) == 118) return false;
  k++;
  while (k < e) { const c = <u32>load<u8>(inPtr + k); if (!(lower(c) || digit(c))) break; k++; }
  let n = k;
  while (n < e && load<u8>(inPtr + n) == 32) n++;
  if (n == k) return false;
  k = n;
  while (k < e && digit(load<u8>(inPtr + k))) k++;
  if (k == n) return false;
  n = k;
  while (n < e && load<u8>(inPtr + n) == 32) n++;
  if (n == k) return false;
  k = n;
  let m = k;
  while (m < e && digit(load<u8>(inPtr + m))) m++;
  if (m > k) {
    n = m;
    while (n < e && load<u8>(inPtr + n) == 32) n++;
    if (n > m) k = n;
  }
  m = k;
  while (m < e) { const c = <u32>load<u8>(inPtr + m); if (!((c >= 65 && c <= 90) || c == 95)) break; m++; }
  if (m > k) {
    n = m;
    while (n < e && load<u8>(inPtr + n) == 32) n++;
    if (n > m) k = n;
  }
  return e - k >= 4 && load<u8>(inPtr + k) == 115 && load<u8>(inPtr + k + 1) == 114 && load<u8>(inPtr + k + 2) == 99 && load<u8>(inPtr + k + 3) == 61;
}

/**
 * The lines of INPUT[pos, end) that plainly continue a `conntrack -L` dump (stream.ts
 * `plainlyContinues`: plainEntry, no `@`), each ending with `\n`, skipped: returns the position of
 * the first other line (or of the end); ctLines() lines were skipped.
 */
export function ctLook(pos: u32, end: u32): u32 {
  linesDone = 0;
  let p = pos;
  while (p < end) {
    let nl = p;
    while (nl + 16 <= end) {
      const v = v128.load(inPtr + nl);
      if (v128.any_true(v128.or(i8x16.eq(v, i8x16.splat(10)), i8x16.eq(v, i8x16.splat(64))))) break;
      nl += 16;
    }
    let at = false;
    while (nl < end) {
      const c = load<u8>(inPtr + nl);
      if (c == 10) break;
      if (c == 64) { at = true; break; }
      nl++;
    }
    if (at || nl >= end || !plainEntry(p, nl)) break;
    linesDone++;
    p = nl + 1;
  }
  return p;
}
