/**
 * The flows array of the `flows --json` report, written as UTF-8 (ASCII) straight from the flow
 * table into the OUT region: the host hands the bytes to its output as they are, so listing
 * hundreds of thousands of flows costs a fraction of building and stringifying objects.
 *
 * Contract: the text of each flow equals `JSON.stringify(FlowTable.get(id))` of the host
 * (src/wasm/core.ts) byte for byte — same keys, same order, same number and address forms
 * (IPv6 per RFC 5952, times as ISO 8601 with nine fractional digits). test/capture/json.test.ts
 * checks this on every public capture.
 *
 *   writeFlowList(from, n)       writes the records named by ORDER[from, n) — a table slot, or
 *                                with bit 31 an index in the ENDED region where the host staged
 *                                a record of a flow that left the table — as `\n{…}` (flow 1) or
 *                                `,\n{…}` until OUT is nearly full; returns the next index; the
 *                                byte count is in ST_OUT_LEN. The host lists the flows in id
 *                                order (src/report/flows-json.ts).
 */
import {
  FL_ADDR_A, FL_ADDR_B, FL_FIRST_PKT, FL_FIRST_TS, FL_FLAGS, FL_FRAGS, FL_ID, FL_IFACE,
  FL_IPBYTES_AB, FL_IPVER, FL_LAST_PKT, FL_LAST_TS, FL_PAYLOAD_AB, FL_PKTS_AB, FL_PKTS_BA,
  FL_PORT_A, FL_PORT_B, FL_PROTO, FL_VLAN0, FL_VLAN1, FLOW_SIZE, FlowFlag, ST_OUT_LEN,
  FL_LATER_AB, FL_LATER_BA, TCP_LATER_UNKNOWN,
} from "../abi";
import { endedPtr, flowsPtr, orderPtr, outCap, outPtr, statePtr } from "../memory";
import { tcpLaterBA } from "../flow/frag";

/** Room one flow can need at most (addresses, numbers and keys add up to well under this). */
const FLOW_MAX: u32 = 1024;

let o: usize = 0;

@inline function byte(c: u32): void {
  store<u8>(o, <u8>c);
  o++;
}

/**
 * Writes an ASCII literal (a static UTF-16 string), narrowing 16 code units per step with SIMD.
 * It may read past the string's end (static data, inside memory) and write up to 15 bytes past
 * the literal; those bytes are overwritten by what follows, and FLOW_MAX leaves room at the end
 * of OUT.
 */
@inline function lit(s: string): void {
  let src = changetype<usize>(s);
  let n = <usize>s.length;
  for (let i: usize = 0; i < n; i += 16) {
    let a = v128.load(src + (i << 1));
    let b = v128.load(src + (i << 1) + 16);
    v128.store(o + i, i8x16.narrow_i16x8_u(a, b));
  }
  o += n;
}

/** "00" … "99": two ASCII digits per entry, for writing numbers two digits per division. */
const DIGITS: usize = memory.data<u8>([
  48,48,48,49,48,50,48,51,48,52,48,53,48,54,48,55,48,56,48,57,49,48,49,49,49,50,49,51,49,52,49,53,49,54,49,55,49,56,49,57,
  50,48,50,49,50,50,50,51,50,52,50,53,50,54,50,55,50,56,50,57,51,48,51,49,51,50,51,51,51,52,51,53,51,54,51,55,51,56,51,57,
  52,48,52,49,52,50,52,51,52,52,52,53,52,54,52,55,52,56,52,57,53,48,53,49,53,50,53,51,53,52,53,53,53,54,53,55,53,56,53,57,
  54,48,54,49,54,50,54,51,54,52,54,53,54,54,54,55,54,56,54,57,55,48,55,49,55,50,55,51,55,52,55,53,55,54,55,55,55,56,55,57,
  56,48,56,49,56,50,56,51,56,52,56,53,56,54,56,55,56,56,56,57,57,48,57,49,57,50,57,51,57,52,57,53,57,54,57,55,57,56,57,57,
]);

@inline function digitCount32(w: u32): u32 {
  if (w < 10) return 1;
  if (w < 100) return 2;
  if (w < 1000) return 3;
  if (w < 10000) return 4;
  if (w < 100000) return 5;
  if (w < 1000000) return 6;
  if (w < 10000000) return 7;
  if (w < 100000000) return 8;
  if (w < 1000000000) return 9;
  return 10;
}

/** Writes w right-aligned in [o, o + n) two digits per division. */
@inline function digits32(w: u32, n: u32): void {
  let e = o + n;
  while (w >= 100) {
    let q = w / 100;
    let r = w - q * 100;
    e -= 2;
    store<u16>(e, load<u16>(DIGITS + (<usize>r << 1)));
    w = q;
  }
  if (w >= 10) store<u16>(e - 2, load<u16>(DIGITS + (<usize>w << 1)));
  else store<u8>(e - 1, <u8>(48 + w));
}

/** Decimal digits of v (32-bit arithmetic whenever the value allows it). */
function dec(v: u64): void {
  if (v < 10) {
    byte(48 + <u32>v);
    return;
  }
  let n: u32 = 1;
  if (v <= 0xffffffff) {
    let w = <u32>v;
    n = digitCount32(w);
    digits32(w, n);
    o += n;
    return;
  }
  let t = v;
  while (t >= 10) {
    t /= 10;
    n++;
  }
  let e = o + n;
  while (v != 0) {
    e--;
    store<u8>(e, <u8>(48 + <u32>(v % 10)));
    v /= 10;
  }
  o += n;
}

/** v zero-padded to `width` digits (v < 10^width). */
function pad(v: u32, width: u32): void {
  let p = o + width;
  let i: u32 = 0;
  while (i + 2 <= width) {
    let q = v / 100;
    p -= 2;
    store<u16>(p, load<u16>(DIGITS + (<usize>(v - q * 100) << 1)));
    v = q;
    i += 2;
  }
  if (i < width) store<u8>(p - 1, <u8>(48 + v % 10));
  o += width;
}

function hex16(v: u32): void {
  let started = false;
  for (let shift: i32 = 12; shift >= 0; shift -= 4) {
    let d = (v >> shift) & 0xf;
    if (d != 0 || started || shift == 0) {
      byte(d < 10 ? 48 + d : 87 + d);
      started = true;
    }
  }
}

function ipv4(p: usize): void {
  dec(load<u8>(p));
  byte(46);
  dec(load<u8>(p + 1));
  byte(46);
  dec(load<u8>(p + 2));
  byte(46);
  dec(load<u8>(p + 3));
}

@inline function group(p: usize, i: i32): u32 {
  return (<u32>load<u8>(p + 2 * i) << 8) | <u32>load<u8>(p + 2 * i + 1);
}

/** RFC 5952 text of the 16 bytes at p (same rules as src/net/addr.ts ipv6ToString). */
function ipv6(p: usize): void {
  if (load<u64>(p) == 0 && group(p, 4) == 0 && group(p, 5) == 0xffff) {
    lit("::ffff:");
    ipv4(p + 12);
    return;
  }
  let bestStart: i32 = -1;
  let bestLen: i32 = 0;
  let i: i32 = 0;
  while (i < 8) {
    if (group(p, i) != 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(p, j) == 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  for (let k: i32 = 0; k < 8; k++) {
    if (k == bestStart) {
      lit("::");
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k != bestStart + bestLen) byte(58);
    hex16(group(p, k));
  }
}

/** The second and text ("YYYY-MM-DDTHH:MM:SS", 19 bytes) of the last isoTime call. */
let cachedSec: u64 = <u64>-1;
let cachedText: u64 = 0;
let cachedText2: u64 = 0;
let cachedText3: u32 = 0;

/** "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" for ns since the epoch (civil-from-days, H. Hinnant). */
function isoTime(ns: u64): void {
  let sec = ns / 1_000_000_000;
  let frac = <u32>(ns % 1_000_000_000);
  if (sec == cachedSec) {
    store<u64>(o, cachedText);
    store<u64>(o + 8, cachedText2);
    store<u32>(o + 16, cachedText3);
    o += 19;
    byte(46);
    pad(frac, 9);
    byte(90);
    return;
  }
  let start = o;
  let days = <i64>(sec / 86400);
  let sod = <u32>(sec % 86400);
  let z = days + 719468;
  let era = z / 146097;
  let doe = <u32>(z - era * 146097);
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let y = <i64>yoe + era * 400;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  let d = doy - (153 * mp + 2) / 5 + 1;
  let m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y++;
  pad(<u32>y, 4);
  byte(45);
  pad(m, 2);
  byte(45);
  pad(d, 2);
  byte(84);
  pad(sod / 3600, 2);
  byte(58);
  pad((sod / 60) % 60, 2);
  byte(58);
  pad(sod % 60, 2);
  cachedSec = sec;
  cachedText = load<u64>(start);
  cachedText2 = load<u64>(start + 8);
  cachedText3 = load<u32>(start + 16);
  byte(46);
  pad(frac, 9);
  byte(90);
}

function endpoint(addr: usize, port: u32, v6: bool, ports: bool): void {
  lit("{\"ip\":\"");
  if (v6) ipv6(addr);
  else ipv4(addr);
  lit("\",\"port\":");
  if (ports) dec(port);
  else lit("null");
  byte(125);
}

function pair(ab: u64, ba: u64): void {
  lit("{\"initiatorToResponder\":");
  dec(ab);
  lit(",\"responderToInitiator\":");
  dec(ba);
  byte(125);
}

function boolText(v: bool): void {
  if (v) lit("true");
  else lit("false");
}

function flow(r: usize): void {
  let proto = <u32>load<u8>(r + FL_PROTO);
  let v6 = load<u8>(r + FL_IPVER) == 6;
  let ports = proto == 6 || proto == 17;
  lit("{\"id\":");
  dec(load<u32>(r + FL_ID));
  lit(",\"proto\":");
  if (proto == 6) lit("\"tcp\"");
  else if (proto == 17) lit("\"udp\"");
  else if (proto == 1) lit("\"icmp\"");
  else if (proto == 58) lit("\"icmpv6\"");
  else dec(proto);
  lit(",\"ipVersion\":");
  byte(v6 ? 54 : 52);
  lit(",\"vlan\":[");
  let v0 = <u32>load<u16>(r + FL_VLAN0);
  let v1 = <u32>load<u16>(r + FL_VLAN1);
  if (v0 != 0) dec(v0 - 1);
  if (v1 != 0) {
    if (v0 != 0) byte(44);
    dec(v1 - 1);
  }
  lit("],\"interface\":");
  dec(load<u16>(r + FL_IFACE));
  lit(",\"initiator\":");
  endpoint(r + FL_ADDR_A, load<u16>(r + FL_PORT_A), v6, ports);
  lit(",\"responder\":");
  endpoint(r + FL_ADDR_B, load<u16>(r + FL_PORT_B), v6, ports);
  lit(",\"packets\":");
  pair(load<u32>(r + FL_PKTS_AB), load<u32>(r + FL_PKTS_BA));
  lit(",\"ipBytes\":");
  pair(load<u64>(r + FL_IPBYTES_AB), load<u64>(r + FL_IPBYTES_AB + 8));
  lit(",\"payloadBytes\":");
  pair(load<u64>(r + FL_PAYLOAD_AB), load<u64>(r + FL_PAYLOAD_AB + 8));
  lit(",\"first\":{\"packet\":");
  dec(load<u32>(r + FL_FIRST_PKT));
  lit(",\"time\":\"");
  isoTime(load<u64>(r + FL_FIRST_TS));
  lit("\"},\"last\":{\"packet\":");
  dec(load<u32>(r + FL_LAST_PKT));
  lit(",\"time\":\"");
  isoTime(load<u64>(r + FL_LAST_TS));
  lit("\"},\"fragments\":");
  dec(load<u16>(r + FL_FRAGS));
  if (load<u16>(r + FL_FRAGS) != 0) datagrams(r, proto);
  if (proto == 6) {
    let f = <u32>load<u16>(r + FL_FLAGS);
    lit(",\"tcp\":{\"syn\":");
    boolText((f & FlowFlag.Syn) != 0);
    lit(",\"synAck\":");
    boolText((f & FlowFlag.SynAck) != 0);
    lit(",\"fin\":");
    boolText((f & (FlowFlag.FinA | FlowFlag.FinB)) != 0);
    lit(",\"rst\":");
    boolText((f & FlowFlag.Rst) != 0);
    byte(125);
  }
  byte(125);
}

/**
 * `"datagrams"`, on flows with non-first fragments only (elsewhere it equals `packets`): packets
 * less the later fragments per direction, as conntrack counts (see FL_LATER_AB, and FL_CTRL for
 * TCP); null for a TCP flow whose fragment counts saturated.
 */
function datagrams(r: usize, proto: u32): void {
  lit(",\"datagrams\":");
  if (proto != 6) {
    pair(load<u32>(r + FL_PKTS_AB) - load<u32>(r + FL_LATER_AB), load<u32>(r + FL_PKTS_BA) - load<u32>(r + FL_LATER_BA));
    return;
  }
  let ba = tcpLaterBA(r);
  if (ba == <u32>TCP_LATER_UNKNOWN) lit("null");
  else pair(load<u32>(r + FL_PKTS_AB) - (<u32>load<u16>(r + FL_FRAGS) - ba), load<u32>(r + FL_PKTS_BA) - ba);
}

/** ORDER entries with this bit name a record in the ENDED region (staged by the host). */
const STAGED: u32 = 0x80000000;

/**
 * See the module contract: writes the records ORDER[from, n) names, in that order, until OUT is
 * nearly full; returns the index of the first record not written.
 */
export function writeFlowList(from: u32, n: u32): u32 {
  o = outPtr;
  let end = outPtr + outCap - FLOW_MAX;
  let k = from;
  while (k < n && o < end) {
    let v = load<u32>(orderPtr + (<usize>k << 2));
    let r = (v & STAGED) != 0
      ? endedPtr + (<usize>(v & ~STAGED)) * FLOW_SIZE
      : flowsPtr + (<usize>v) * FLOW_SIZE;
    if (load<u32>(r + FL_ID) != 1) byte(44);
    byte(10);
    flow(r);
    k++;
  }
  store<u32>(statePtr + ST_OUT_LEN, <u32>(o - outPtr));
  return k;
}
