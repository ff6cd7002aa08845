/**
 * FTP line parsers: facts of one complete control line into an event record (abi.ts EV_*).
 *
 * Commands (RFC 959 §4.1, RFC 2428, RFC 1639), matched case-insensitively with any number of
 * spaces after the verb (both noted in EV_FLAGS for the emulation profiles):
 *   PORT h1,h2,h3,h4,p1,p2       e.g. "PORT 192,0,2,10,195,80" → 192.0.2.10:50000
 *   EPRT <d>af<d>addr<d>port<d>  any delimiter 33..126, af 1 (IPv4) or 2 (IPv6)
 *   LPRT af,hal,h…,pal,p…        af 4 (hal 4) or 6 (hal 16), pal 2
 *   PASV, EPSV, LPSV             requests without an address
 * Replies: "227 …(h1,h2,h3,h4,p1,p2)…" scanned per RFC 1123 §4.1.2.6 for the first
 * comma-separated six-number tuple (parentheses optional); "229 … (|||port|)" with any
 * delimiter (parentheses optional); "228 … (af,hal,h…,pal,p…)".
 *
 * Numbers are parsed without overflow (saturating), so out-of-range values are reported as such
 * (AlgReason), never wrapped: the Linux wrap/bleed behaviour is an emulation concern of the host.
 */
import {
  AlgReason, EV_ADDR, EV_CODE, EV_FAMILY, EV_FLAGS, EV_PORT, EV_REASON, FtpVerb, LineFlag,
} from "../abi";

const SAT: u32 = 0xffffff;

/** Numbers parsed by `numbers` (static data, not heap), and where parsing stopped. */
const NUM_MAX: i32 = 24;
const numsPtr: usize = memory.data(24 * 4);
let numCount: i32 = 0;
let numEnd: u32 = 0;

@inline function num(k: i32): u32 {
  return load<u32>(numsPtr + (<usize>k << 2));
}

@inline function isDigit(c: u32): bool {
  return c - 48 < 10;
}

@inline function at(p: usize, i: u32): u32 {
  return <u32>load<u8>(p + i);
}

/** Parses up to NUM_MAX comma-separated decimal numbers from i; stops at the first other byte. */
function numbers(p: usize, i: u32, len: u32): void {
  numCount = 0;
  while (i < len && isDigit(at(p, i)) && numCount < NUM_MAX) {
    let v: u32 = 0;
    while (i < len && isDigit(at(p, i))) {
      v = v * 10 + at(p, i) - 48;
      if (v > SAT) v = SAT;
      i++;
    }
    store<u32>(numsPtr + (<usize>numCount << 2), v);
    numCount++;
    if (i < len && at(p, i) == 44 && i + 1 < len && isDigit(at(p, i + 1))) i++;
    else break;
  }
  numEnd = i;
}

/** Stores h1..h4 as an IPv4 address unless an octet exceeds 255; the reason, if any. */
function tuple4(e: usize, base: i32): u32 {
  let bad = false;
  for (let k = 0; k < 4; k++) {
    let v = num(base + k);
    if (v > 255) bad = true;
    store<u8>(e + EV_ADDR + k, <u8>v);
  }
  if (bad) {
    store<u64>(e + EV_ADDR, 0);
    return AlgReason.OctetOutOfRange;
  }
  store<u8>(e + EV_FAMILY, 4);
  return AlgReason.Ok;
}

/** The six-number tuple in nums[0..6): address and port into the event; returns the reason. */
function hostPort(e: usize): u32 {
  let r = tuple4(e, 0);
  let p1 = num(4);
  let p2 = num(5);
  let port = (p1 > 255 ? 255 : p1) * 256 + (p2 > 255 ? 255 : p2);
  store<u32>(e + EV_PORT, port);
  if (p1 > 255 || p2 > 255) return AlgReason.OctetOutOfRange;
  if (r != AlgReason.Ok) return r;
  return port == 0 ? AlgReason.PortZero : AlgReason.Ok;
}

/** Parses a decimal port at i..end; stores it raw; returns the reason. */
function decPort(e: usize, p: usize, i: u32, end: u32): u32 {
  if (i >= end) return AlgReason.Malformed;
  let v: u32 = 0;
  for (let k = i; k < end; k++) {
    let c = at(p, k);
    if (!isDigit(c)) return AlgReason.Malformed;
    v = v * 10 + c - 48;
    if (v > SAT) v = SAT;
  }
  store<u32>(e + EV_PORT, v);
  if (v > 65535) return AlgReason.PortOutOfRange;
  return v == 0 ? AlgReason.PortZero : AlgReason.Ok;
}

/** Dotted-quad text at [i, end) into 4 bytes at `out`; false when malformed. */
function parseIpv4(out: usize, p: usize, i: u32, end: u32): bool {
  let k: i32 = 0;
  while (k < 4) {
    if (i >= end || !isDigit(at(p, i))) return false;
    let v: u32 = 0;
    let n = 0;
    while (i < end && isDigit(at(p, i))) {
      v = v * 10 + at(p, i) - 48;
      i++;
      if (++n > 3) return false;
    }
    if (v > 255) return false;
    store<u8>(out + k, <u8>v);
    k++;
    if (k < 4) {
      if (i >= end || at(p, i) != 46) return false;
      i++;
    }
  }
  return i == end;
}

@inline function hexVal(c: u32): i32 {
  if (c - 48 < 10) return <i32>(c - 48);
  let l = c | 0x20;
  if (l - 97 < 6) return <i32>(l - 87);
  return -1;
}

/** Groups of the address being parsed (8 × u16) and an IPv4 tail (4 bytes). */
const v6groups: usize = memory.data(16);
const v6tail: usize = memory.data(4);

/**
 * RFC 4291 §2.2 text at [i, end) into 16 bytes at `out` (hex groups, one "::", an optional
 * dotted IPv4 tail); false when malformed.
 */
function parseIpv6(out: usize, p: usize, i: u32, end: u32): bool {
  let g: i32 = 0;
  let gap: i32 = -1;
  let tail = false;
  if (end - i >= 2 && at(p, i) == 58 && at(p, i + 1) == 58) {
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    while (j < end && isDigit(at(p, j))) j++;
    if (j < end && at(p, j) == 46) {
      if (g > 6 || !parseIpv4(v6tail, p, i, end)) return false;
      tail = true;
      break;
    }
    let v: i32 = 0;
    let n = 0;
    while (i < end && hexVal(at(p, i)) >= 0) {
      v = (v << 4) | hexVal(at(p, i));
      i++;
      if (++n > 4) return false;
    }
    if (n == 0 || g >= 8) return false;
    store<u16>(v6groups + (<usize>g << 1), <u16>v);
    g++;
    if (i == end) break;
    if (at(p, i) != 58) return false;
    i++;
    if (i < end && at(p, i) == 58) {
      if (gap >= 0) return false;
      gap = g;
      i++;
    } else if (i == end) return false;
  }
  let total = g + (tail ? 2 : 0);
  if (gap < 0 ? total != 8 : total > 7) return false;
  memory.fill(out, 0, 16);
  let lead = gap < 0 ? g : gap;
  for (let k = 0; k < lead; k++) storeGroup(out, k, load<u16>(v6groups + (<usize>k << 1)));
  let after = g - lead;
  let last = tail ? 6 : 8;
  for (let k = 0; k < after; k++) storeGroup(out, last - after + k, load<u16>(v6groups + (<usize>(lead + k) << 1)));
  if (tail) store<u32>(out + 12, load<u32>(v6tail));
  return true;
}

@inline function storeGroup(out: usize, k: i32, v: u16): void {
  store<u8>(out + (<usize>k << 1), <u8>(v >> 8));
  store<u8>(out + (<usize>k << 1) + 1, <u8>v);
}

/** Verb table: ASCII upper-case verbs packed little-endian into a u32. */
@inline function pack(a: u32, b: u32, c: u32, d: u32): u32 {
  return a | (b << 8) | (c << 16) | (d << 24);
}

function verbOf(w: u32): u32 {
  if (w == pack(80, 79, 82, 84)) return FtpVerb.Port;
  if (w == pack(69, 80, 82, 84)) return FtpVerb.Eprt;
  if (w == pack(80, 65, 83, 86)) return FtpVerb.Pasv;
  if (w == pack(69, 80, 83, 86)) return FtpVerb.Epsv;
  if (w == pack(76, 80, 82, 84)) return FtpVerb.Lprt;
  if (w == pack(76, 80, 83, 86)) return FtpVerb.Lpsv;
  if (w == pack(81, 85, 73, 84)) return FtpVerb.Quit;
  if (w == pack(82, 69, 84, 82)) return FtpVerb.Retr;
  if (w == pack(83, 84, 79, 82)) return FtpVerb.Stor;
  if (w == pack(76, 73, 83, 84)) return FtpVerb.List;
  if (w == pack(78, 76, 83, 84)) return FtpVerb.Nlst;
  return FtpVerb.Other;
}

@inline function setReason(e: usize, r: u32): void {
  store<u16>(e + EV_REASON, <u16>r);
}

@inline function addFlags(e: usize, f: u32): void {
  store<u32>(e + EV_FLAGS, load<u32>(e + EV_FLAGS) | f);
}

/** A client line. `ipVer` is the control connection's IP version (for EPRT family checks). */
export function parseCommand(e: usize, p: usize, len: u32, ipVer: u32): void {
  if (len < 4) return;
  let w: u32 = 0;
  let lower = false;
  for (let k: u32 = 0; k < 4; k++) {
    let c = at(p, k);
    if (c - 97 < 26) {
      lower = true;
      c -= 32;
    }
    w |= c << (k << 3);
  }
  if (len > 4 && at(p, 4) != 32) return;
  let verb = verbOf(w);
  store<u16>(e + EV_CODE, <u16>verb);
  if (lower) addFlags(e, LineFlag.LowerCase);
  let i: u32 = 4;
  let spaces: u32 = 0;
  while (i < len && at(p, i) == 32) {
    i++;
    spaces++;
  }
  if (spaces > 1) addFlags(e, LineFlag.ExtraSpace);
  if (verb == FtpVerb.Port) {
    numbers(p, i, len);
    if (numCount != 6 || numEnd != len) {
      setReason(e, AlgReason.Malformed);
      return;
    }
    setReason(e, hostPort(e));
  } else if (verb == FtpVerb.Eprt) {
    parseEprt(e, p, i, len, ipVer);
  } else if (verb == FtpVerb.Lprt) {
    numbers(p, i, len);
    setReason(e, longTuple(e, numEnd == len));
  }
}

/** EPRT <d>af<d>addr<d>port<d> (RFC 2428 §2). */
function parseEprt(e: usize, p: usize, i: u32, len: u32, ipVer: u32): void {
  if (i >= len) {
    setReason(e, AlgReason.Malformed);
    return;
  }
  let d = at(p, i);
  if (d < 33 || d > 126 || isDigit(d)) {
    setReason(e, AlgReason.Malformed);
    return;
  }
  // Field boundaries: d af d addr d port d
  let f1 = i + 1;
  let f2 = f1;
  while (f2 < len && at(p, f2) != d) f2++;
  let f3 = f2 + 1;
  while (f3 < len && at(p, f3) != d) f3++;
  let f4 = f3 + 1;
  while (f4 < len && at(p, f4) != d) f4++;
  if (f4 >= len || f4 + 1 != len) {
    setReason(e, AlgReason.Malformed);
    return;
  }
  let portReason = decPort(e, p, f3 + 1, f4);
  let af: u32 = f2 - f1 == 1 ? at(p, f1) : 0;
  if (af != 49 && af != 50) {
    // Still say which address was written, when it reads as one.
    if (parseIpv4(e + EV_ADDR, p, f2 + 1, f3)) store<u8>(e + EV_FAMILY, 4);
    else if (parseIpv6(e + EV_ADDR, p, f2 + 1, f3)) store<u8>(e + EV_FAMILY, 6);
    else memory.fill(e + EV_ADDR, 0, 16);
    setReason(e, AlgReason.BadFamily);
    return;
  }
  let fam: u32 = af == 49 ? 4 : 6;
  let ok = fam == 4 ? parseIpv4(e + EV_ADDR, p, f2 + 1, f3) : parseIpv6(e + EV_ADDR, p, f2 + 1, f3);
  if (!ok) {
    memory.fill(e + EV_ADDR, 0, 16);
    setReason(e, AlgReason.Malformed);
    return;
  }
  store<u8>(e + EV_FAMILY, <u8>fam);
  if (portReason == AlgReason.Malformed) {
    setReason(e, AlgReason.Malformed);
    return;
  }
  if (portReason != AlgReason.Ok) {
    setReason(e, portReason);
    return;
  }
  setReason(e, fam != ipVer ? AlgReason.FamilyMismatch : AlgReason.Ok);
}

/** LPRT / 228 tuple in nums: af,hal,h…,pal,p…; `complete` when nothing followed it. */
function longTuple(e: usize, complete: bool): u32 {
  if (numCount < 2 || !complete) return AlgReason.Malformed;
  let af = num(0);
  let hal = num(1);
  if (!((af == 4 && hal == 4) || (af == 6 && hal == 16))) return AlgReason.BadFamily;
  let need = 2 + <i32>hal + 1 + 2;
  if (numCount != need || num(2 + <i32>hal) != 2) return AlgReason.Malformed;
  for (let k = 0; k < <i32>hal; k++) {
    let v = num(2 + k);
    if (v > 255) return AlgReason.OctetOutOfRange;
    store<u8>(e + EV_ADDR + k, <u8>v);
  }
  store<u8>(e + EV_FAMILY, af == 4 ? 4 : 6);
  let p1 = num(3 + <i32>hal);
  let p2 = num(4 + <i32>hal);
  if (p1 > 255 || p2 > 255) return AlgReason.OctetOutOfRange;
  let port = p1 * 256 + p2;
  store<u32>(e + EV_PORT, port);
  return port == 0 ? AlgReason.PortZero : AlgReason.Ok;
}

/** A server line: reply code (or continuation) and, for 227/228/229, the announced endpoint. */
export function parseReply(e: usize, p: usize, len: u32): void {
  if (len < 3 || !isDigit(at(p, 0)) || !isDigit(at(p, 1)) || !isDigit(at(p, 2)) ||
    (len > 3 && at(p, 3) != 32 && at(p, 3) != 45)) {
    addFlags(e, LineFlag.Continuation);
    return;
  }
  let code = (at(p, 0) - 48) * 100 + (at(p, 1) - 48) * 10 + (at(p, 2) - 48);
  store<u16>(e + EV_CODE, <u16>code);
  if (len > 3 && at(p, 3) == 45) addFlags(e, LineFlag.Multiline);
  if (code == 227) parse227(e, p, len);
  else if (code == 229) parse229(e, p, len);
  else if (code == 228) parse228(e, p, len);
}

/** RFC 1123 §4.1.2.6: the first six-number tuple anywhere in the text. */
function parse227(e: usize, p: usize, len: u32): void {
  let digitSeen = false;
  for (let j: u32 = 4; j < len; j++) {
    let c = at(p, j);
    if (!isDigit(c)) continue;
    if (isDigit(at(p, j - 1))) continue;
    numbers(p, j, len);
    if (numCount >= 6) {
      numCount = 6;
      if (digitSeen) addFlags(e, LineFlag.DigitBeforeTuple);
      if (at(p, j - 1) == 40) addFlags(e, LineFlag.Parens);
      setReason(e, hostPort(e));
      return;
    }
    digitSeen = true;
  }
  setReason(e, AlgReason.Malformed);
}

/** RFC 2428 §3: "(<d><d><d>port<d>)"; the parentheses are optional here (flagged). */
function parse229(e: usize, p: usize, len: u32): void {
  for (let j: u32 = 4; j + 4 < len; j++) {
    let d = at(p, j);
    if (d < 33 || d > 126 || isDigit(d) || d == 40) continue;
    if (at(p, j + 1) != d || at(p, j + 2) != d) continue;
    let k = j + 3;
    while (k < len && isDigit(at(p, k))) k++;
    if (k == j + 3 || k >= len || at(p, k) != d) continue;
    if (at(p, j - 1) == 40) addFlags(e, LineFlag.Parens);
    setReason(e, decPort(e, p, j + 3, k));
    return;
  }
  setReason(e, AlgReason.Malformed);
}

/** RFC 1639: "228 … (af,hal,h…,pal,p…)". */
function parse228(e: usize, p: usize, len: u32): void {
  for (let j: u32 = 4; j < len; j++) {
    if (isDigit(at(p, j)) && !isDigit(at(p, j - 1))) {
      numbers(p, j, len);
      if (numCount >= 2) {
        if (at(p, j - 1) == 40) addFlags(e, LineFlag.Parens);
        setReason(e, longTuple(e, true));
        return;
      }
    }
  }
  setReason(e, AlgReason.Malformed);
}
