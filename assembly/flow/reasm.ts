/**
 * IP reassembly of fragmented UDP datagrams on ALG ports (SIP, TFTP) and of followed TFTP
 * transfers (DATA blocks of a large blksize, on the server's new port): a large SIP INVITE is
 * often fragmented, and a router's ALG (conntrack defragments first) parses the whole datagram,
 * so the ALG parser here must see it whole too: `algDatagram` (alg/datagram.ts) gets it once, at
 * the fragment that completed it, on the flow of its first fragment.
 *
 * Bounded store (REASM region, sized by the host after init: memory.reasmLayout): at most
 * `--reasm-datagrams` datagrams held (REASM_DATAGRAMS), each at most `--reasm-bytes` long
 * (REASM_BYTES; UDP header included), each complete within `--reasm-timeout` seconds of its first
 * fragment (REASM_TIMEOUT_SECONDS, Linux's ipfrag_time). A slot holds a bitmap of the 8-byte blocks
 * received (and of where fragments began and ended, to tell a repeated fragment from an
 * overlapping one), the bytes, and what the first fragment said (ALG kind).
 *
 * What is not handed on is counted (Stat.Reasm*, ST_REASM_PACKET names the first such packet):
 * evicted for a newer datagram when the store is full, timed out, overlapping fragments (the
 * whole datagram is discarded, as RFC 5722 and Linux since 4.19 do; an exact repeat of a fragment
 * is ignored), too large, still incomplete at the end of the capture.
 *
 * Later fragments that arrive before their first fragment (whose ports are not known yet) are held
 * too, and released when the first fragment shows a port no UDP ALG uses; later fragments whose
 * first fragment was seen (fragFind finds its flow) and has no slot belong to a datagram that is
 * not reassembled, and are ignored.
 *
 * Packet accounting is unchanged (flow/frag.ts): every fragment counts as a packet of its flow.
 * Only the ALG sees the datagram once, as conntrack does.
 */
import { Stat, ST_REASM_PACKET } from "../abi";
import { reasmPtr, reasmSlots, statePtr } from "../memory";
import { bump } from "../stats";
import * as d from "../wire/decode";
import { batchFlush } from "./batch";
import { fragDir, fragFind } from "./frag";
import { algDatagram } from "../alg/datagram";
import { tftpFollow, tftpTransferOf } from "../alg/tftp";

/** Default datagrams held at once. */
export const REASM_DATAGRAMS: u32 = 32;
/** Default and largest datagram reassembled (UDP header + payload). */
export const REASM_BYTES: u32 = 65535;
/** Default seconds from a datagram's first fragment to its last. */
export const REASM_TIMEOUT_SECONDS: u32 = 30;

// ---- slot layout (wasm-private) ----------------------------------------------------------------
const RS_HASH = 0; // u32, 0 = free
const RS_ID = 4; // u32 IP identification
const RS_ALG = 8; // u8 AlgKind, ALG_UNKNOWN until the first fragment is seen
const RS_SRC = 16; // 16 bytes
const RS_DST = 32; // 16 bytes
const RS_FIRST_TS = 48; // u64 ns of the first fragment to arrive
const RS_TOTAL = 56; // u32 datagram length once the last fragment (MF = 0) is seen, else UNKNOWN
const RS_BLOCKS = 60; // u32 8-byte blocks received
const RS_CUT = 64; // u32 offset of the first byte not captured (snaplen), UNKNOWN = none
const RS_HEADER: usize = 128;
const BITMAP_BYTES: usize = 8192; // bits: 65536 / 8 blocks
const RS_RECV: usize = RS_HEADER;
const RS_STARTS: usize = RS_RECV + (BITMAP_BYTES >> 3);
const RS_ENDS: usize = RS_STARTS + (BITMAP_BYTES >> 3);
const RS_DATA: usize = RS_ENDS + (BITMAP_BYTES >> 3);

const ALG_UNKNOWN: u32 = 0xff;
/** RS_ALG of a datagram of a followed TFTP transfer (on no ALG port: alg/tftp.ts tftpFollow). */
const ALG_TFTP_TRANSFER: u32 = 0xfe;
const UNKNOWN: u32 = 0xffffffff;
const UDP_HEADER: u32 = 8;

/** Bytes of one slot holding datagrams of at most `bytes` bytes. */
export function reasmSlotSize(bytes: u32): usize {
  return RS_DATA + ((<usize>bytes + 7) & ~7);
}

let maxBytes: u32 = REASM_BYTES;
let timeoutNs: u64 = <u64>REASM_TIMEOUT_SECONDS * 1_000_000_000;
let slotSize: usize = 0;
/** Slots in use (the reader admits more event room while any is: alg/admit.ts). */
export let reasmHeld: u32 = 0;

/** Limits, after memory.reasmLayout gave the store its room. */
export function reasmLimits(bytes: u32, timeoutSeconds: u32): void {
  maxBytes = bytes;
  timeoutNs = <u64>timeoutSeconds * 1_000_000_000;
  slotSize = reasmSlotSize(bytes);
}

/** Largest datagram one packet can complete (what the reader admits on top of a record). */
export function reasmMaxBytes(): u32 {
  return reasmHeld != 0 ? maxBytes : 0;
}

function note(pkt: u32): void {
  if (load<u32>(statePtr + ST_REASM_PACKET) == 0) store<u32>(statePtr + ST_REASM_PACKET, pkt);
}

@inline function slotAt(i: u32): usize {
  return reasmPtr + (<usize>i) * slotSize;
}

@inline function keyHash(): u32 {
  let h = (d.mSrcHi ^ (d.mSrcLo * 0x9e3779b97f4a7c15) ^ (d.mDstHi * 0xc2b2ae3d27d4eb4f) ^ d.mDstLo) + <u64>d.mFragId;
  h ^= h >> 29;
  let r = <u32>h ^ <u32>(h >> 32);
  return r == 0 ? 1 : r;
}

@inline function matches(s: usize, h: u32): bool {
  return load<u32>(s + RS_HASH) == h && load<u32>(s + RS_ID) == d.mFragId &&
    load<u64>(s + RS_SRC) == d.mSrcHi && load<u64>(s + RS_SRC + 8) == d.mSrcLo &&
    load<u64>(s + RS_DST) == d.mDstHi && load<u64>(s + RS_DST + 8) == d.mDstLo;
}

function find(h: u32): usize {
  for (let i: u32 = 0; i < reasmSlots; i++) {
    let s = slotAt(i);
    if (matches(s, h)) return s;
  }
  return 0;
}

function release(s: usize): void {
  store<u32>(s + RS_HASH, 0);
  reasmHeld--;
}

@inline function expired(s: usize, ts: u64): bool {
  let t0 = load<u64>(s + RS_FIRST_TS);
  return ts > t0 && ts - t0 > timeoutNs;
}

/** A free slot; else the oldest one, dropped (timed out, or evicted for this datagram). */
function take(ts: u64, pkt: u32): usize {
  let oldest: usize = 0;
  for (let i: u32 = 0; i < reasmSlots; i++) {
    let s = slotAt(i);
    if (load<u32>(s + RS_HASH) == 0) return s;
    if (oldest == 0 || load<u64>(s + RS_FIRST_TS) < load<u64>(oldest + RS_FIRST_TS)) oldest = s;
  }
  bump(expired(oldest, ts) ? Stat.ReasmTimeouts : Stat.ReasmEvicted);
  note(pkt);
  release(oldest);
  return oldest;
}

function open(s: usize, h: u32, ts: u64): void {
  store<u32>(s + RS_HASH, h);
  store<u32>(s + RS_ID, d.mFragId);
  store<u8>(s + RS_ALG, <u8>ALG_UNKNOWN);
  store<u64>(s + RS_SRC, d.mSrcHi);
  store<u64>(s + RS_SRC + 8, d.mSrcLo);
  store<u64>(s + RS_DST, d.mDstHi);
  store<u64>(s + RS_DST + 8, d.mDstLo);
  store<u64>(s + RS_FIRST_TS, ts);
  store<u32>(s + RS_TOTAL, UNKNOWN);
  store<u32>(s + RS_BLOCKS, 0);
  store<u32>(s + RS_CUT, UNKNOWN);
  memory.fill(s + RS_RECV, 0, RS_DATA - RS_RECV);
  reasmHeld++;
}

@inline function bit(map: usize, b: u32): bool {
  return (<u32>load<u8>(map + (b >> 3)) & (<u32>1 << (b & 7))) != 0;
}

@inline function setBit(map: usize, b: u32): void {
  let p = map + (b >> 3);
  store<u8>(p, load<u8>(p) | <u8>(<u32>1 << (b & 7)));
}

/** Drops a slot whose fragments overlap or disagree on the datagram's length. */
function discard(s: usize, why: i32, pkt: u32): void {
  bump(why);
  note(pkt);
  release(s);
}

/**
 * The UDP fragment just decoded (wire/decode globals: mFrag, mFragOffset, mFragMore, mFragPtr,
 * mFragCap, mFragLen). `alg` = the UDP ALG of a first fragment's ports (0 none); `firstSeen` =
 * a later fragment whose first fragment the fragment table knows.
 */
export function reasmFragment(alg: u32, firstSeen: bool, pkt: u32, ts: u64): void {
  if (reasmSlots == 0) return;
  let first = d.mFrag == 1;
  let h = keyHash();
  let s = find(h);
  if (s != 0 && expired(s, ts)) {
    discard(s, Stat.ReasmTimeouts, pkt);
    s = 0;
  }
  if (first && alg == 0) {
    // A datagram of a followed TFTP transfer (its new port): reassembled too. The request that
    // opened the transfer may still wait in the accounting batch.
    batchFlush();
    if (tftpTransferOf(d.mSrcHi, d.mSrcLo, d.mSport, d.mDstHi, d.mDstLo, d.mDport)) alg = ALG_TFTP_TRANSFER;
  }
  if (first && alg == 0) {
    // Not an ALG datagram: what waited for its first fragment is let go (not counted).
    if (s != 0) release(s);
    return;
  }
  if (s == 0) {
    if (!first && firstSeen) return;
    s = take(ts, pkt);
    open(s, h, ts);
  }
  if (first) store<u8>(s + RS_ALG, <u8>alg);
  addFragment(s, pkt, ts);
}

function addFragment(s: usize, pkt: u32, ts: u64): void {
  let off = d.mFragOffset;
  let len = d.mFragLen;
  if (len == 0) return;
  let end = off + len;
  if (end > maxBytes) {
    discard(s, Stat.ReasmTooLarge, pkt);
    return;
  }
  let total = load<u32>(s + RS_TOTAL);
  if (!d.mFragMore) {
    if (total != UNKNOWN && total != end) {
      discard(s, Stat.ReasmOverlaps, pkt);
      return;
    }
    total = end;
    store<u32>(s + RS_TOTAL, total);
  } else if ((len & 7) != 0 || (total != UNKNOWN && end > total)) {
    discard(s, Stat.ReasmOverlaps, pkt);
    return;
  }
  let b0 = off >> 3;
  let b1 = (end + 7) >> 3;
  let any = false;
  let all = true;
  for (let b = b0; b < b1; b++) {
    let got = bit(s + RS_RECV, b);
    any = any || got;
    all = all && got;
  }
  if (any) {
    // An exact repeat of a fragment is ignored; any other overlap discards the datagram.
    if (!(all && bit(s + RS_STARTS, b0) && bit(s + RS_ENDS, b1 - 1))) discard(s, Stat.ReasmOverlaps, pkt);
    return;
  }
  for (let b = b0; b < b1; b++) setBit(s + RS_RECV, b);
  setBit(s + RS_STARTS, b0);
  setBit(s + RS_ENDS, b1 - 1);
  let blocks = load<u32>(s + RS_BLOCKS) + (b1 - b0);
  store<u32>(s + RS_BLOCKS, blocks);
  let cap = d.mFragCap < len ? d.mFragCap : len;
  memory.copy(s + RS_DATA + off, d.mFragPtr, cap);
  if (cap < len && off + cap < load<u32>(s + RS_CUT)) store<u32>(s + RS_CUT, off + cap);
  if (total != UNKNOWN && blocks == (total + 7) >> 3) complete(s, pkt, ts);
}

/** All fragments are in: the datagram goes to its ALG on the flow of its first fragment. */
function complete(s: usize, pkt: u32, ts: u64): void {
  let total = load<u32>(s + RS_TOTAL);
  let alg = <u32>load<u8>(s + RS_ALG);
  let capEnd = load<u32>(s + RS_CUT);
  if (capEnd > total) capEnd = total;
  // The first fragment's flow record may still wait in the accounting batch.
  batchFlush();
  let rec = fragFind(load<u64>(s + RS_SRC), load<u64>(s + RS_SRC + 8), load<u64>(s + RS_DST), load<u64>(s + RS_DST + 8), load<u32>(s + RS_ID), 17);
  release(s);
  if (rec == 0 || total < UDP_HEADER || alg == ALG_UNKNOWN) {
    // Its flow left the table (or the fragment table lost it) before the datagram completed.
    bump(Stat.ReasmEvicted);
    note(pkt);
    return;
  }
  bump(Stat.ReasmDatagrams);
  let p = s + RS_DATA + UDP_HEADER;
  let cap = capEnd > UDP_HEADER ? capEnd - UDP_HEADER : 0;
  if (alg == ALG_TFTP_TRANSFER) tftpFollow(rec, fragDir, p, cap, total - UDP_HEADER, pkt, ts);
  else algDatagram(rec, fragDir, alg, p, cap, total - UDP_HEADER, pkt, ts);
}

/** End of the capture: datagrams of ALG ports still missing fragments are counted. */
export function reasmFinish(): void {
  for (let i: u32 = 0; i < reasmSlots; i++) {
    let s = slotAt(i);
    if (load<u32>(s + RS_HASH) == 0) continue;
    if (<u32>load<u8>(s + RS_ALG) != ALG_UNKNOWN) bump(Stat.ReasmIncomplete);
    release(s);
  }
}
