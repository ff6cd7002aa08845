/**
 * Record framing over the INPUT window: sniffs classic pcap vs pcapng from the first bytes,
 * then frames every complete record in the window and hands each packet to `onPacket`.
 *
 * Streaming contract (the host side is src/wasm/core.ts):
 *   consumed = feed(len, eof)
 * frames records from INPUT[0, len) and returns how many bytes it consumed; the host moves the
 * unconsumed tail to the front of the window and appends the next chunk after it. A record is
 * never split: a partial one is left for the next call. At eof a leftover partial record is a
 * `Truncated` error. A fatal error (ErrorCode) stops framing for good: its absolute offset and
 * details are in the STATE region and feed returns 0 from then on.
 *
 * Formats:
 *  - classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html): magic a1b2c3d4
 *    (µs) / a1b23c4d (ns) in either byte order; version 2.x (2.4 expected; other minors
 *    tolerated); 16-byte record headers ts_sec, ts_frac, caplen, origlen.
 *  - pcapng (draft-ietf-opsawg-pcapng): several sections, each with its own byte order
 *    (SHB byte-order magic 1a2b3c4d); IDB (link type, snaplen, if_tsresol decimal 10^-n or
 *    binary 2^-n, default 10^-6, if_tsoffset seconds); EPB, SPB, obsolete PB; every other block
 *    skipped by its length. Block lengths: ≥ 12, multiple of 4, trailing copy equal.
 */
import {
  CaptureFormat, ErrorCode, IF_GLOBAL, IF_LINKTYPE, IF_SNAPLEN, IF_TSOFFSET, IF_TSRESOL,
  IFACE_MAX, IFACE_SIZE, LINKTYPES_MAX, MAX_SNAPLEN, MAX_WINDOW, ST_ERROR, ST_ERROR_DETAIL,
  ST_ERROR_DETAIL2, ST_ERROR_OFFSET, ST_FORMAT, ST_IFACES, ST_LINKTYPES, ST_NLINKTYPES,
  ST_OFFSET, ST_ORPHAN_FRAG_PACKET, ST_OVERSNAP_PACKET, ST_PACKETS, ST_PAUSED, ST_TRACE_COUNT,
  ST_UNSUPPORTED_PACKET, Stat, TR_CAPLEN, TR_IFACE, TR_LINKTYPE, TR_OFFSET, TR_ORIGLEN, TR_TS,
  TRACE_SIZE,
} from "../abi";
import { rd16, rd32 } from "../bytes";
import { ifacesPtr, inputCap, inputPtr, statePtr, traceCap, tracePtr } from "../memory";
import { add, bump } from "../stats";
import * as d from "../wire/decode";
import { account, endedPressure } from "../flow/table";
import { countLater, fragDir, fragFind, fragPend } from "../flow/frag";
import { batchAdd, batchFlush } from "../flow/batch";
import { algAdmit } from "../alg/admit";
import { algUdpKind } from "../alg/stream";
import { reasmFinish, reasmFragment, reasmMaxBytes } from "../flow/reasm";

const PCAP_MAGIC_US: u32 = 0xa1b2c3d4;
const PCAP_MAGIC_NS: u32 = 0xa1b23c4d;
const PCAP_HEADER_LEN: u32 = 24;
const PCAP_RECORD_LEN: u32 = 16;

const NG_SHB: u32 = 0x0a0d0d0a;
const NG_IDB: u32 = 1;
const NG_PB: u32 = 2;
const NG_SPB: u32 = 3;
const NG_EPB: u32 = 6;
const NG_BOM: u32 = 0x1a2b3c4d;
const NG_SHB_MIN: u32 = 28;
const NG_IDB_MIN: u32 = 20;
const NG_EPB_MIN: u32 = 32;
const NG_SPB_MIN: u32 = 16;
const NG_PB_MIN: u32 = 32;
const OPT_ENDOFOPT: u32 = 0;
const OPT_IF_TSRESOL: u32 = 9;
const OPT_IF_TSOFFSET: u32 = 14;

// ---- reader state ---------------------------------------------------------------------------
let format: u32 = CaptureFormat.Unknown;
let swapped: bool = false;
let nanos: bool = false;
let snaplen: u32 = 0;
let pcapLink: u32 = 0;
let headerDone: bool = false;
/** Absolute file offset of INPUT[0]. */
let base: u64 = 0;
let pktNo: u32 = 0;
let failed: bool = false;
let inSection: bool = false;
let nIfaces: u32 = 0;
let ifaceBase: u32 = 0;

// ---- errors and state ------------------------------------------------------------------------
function fail(code: i32, at: u32, detail: u32, detail2: u32): void {
  failed = true;
  store<u32>(statePtr + ST_ERROR, <u32>code);
  store<u64>(statePtr + ST_ERROR_OFFSET, base + at);
  store<u32>(statePtr + ST_ERROR_DETAIL, detail);
  store<u32>(statePtr + ST_ERROR_DETAIL2, detail2);
}

function noteLinkType(lt: u32): void {
  let n = load<u32>(statePtr + ST_NLINKTYPES);
  for (let i: u32 = 0; i < n; i++) {
    if (load<u32>(statePtr + ST_LINKTYPES + (<usize>i << 2)) == lt) return;
  }
  if (n < <u32>LINKTYPES_MAX) {
    store<u32>(statePtr + ST_LINKTYPES + (<usize>n << 2), lt);
    store<u32>(statePtr + ST_NLINKTYPES, n + 1);
  }
}

@inline function firstAt(field: u32, pkt: u32): void {
  if (load<u32>(statePtr + field) == 0) store<u32>(statePtr + field, pkt);
}

// ---- interface filter (one capture holding both sides of a router) ---------------------------
let filterKind: u32 = 0;
let filterValue: u32 = 0;

/** Keep only packets of one interface (IfaceFilter kind, value); 0 = keep all. */
export function setInterfaceFilter(kind: u32, value: u32): void {
  filterKind = kind;
  filterValue = value;
}

// ---- output back-pressure ---------------------------------------------------------------------
/** True when an output region is full: the framing loops stop before the next record. */
let paused: bool = false;

/** Appends a trace entry for the record at window offset `at` (only when tracing). */
function trace(at: u32, caplen: u32, origLen: u32, linkType: u32, ts: u64, iface: u32): void {
  let n = load<u32>(statePtr + ST_TRACE_COUNT);
  let e = tracePtr + (<usize>n) * TRACE_SIZE;
  store<u64>(e + TR_OFFSET, base + at);
  store<u64>(e + TR_TS, ts);
  store<u32>(e + TR_CAPLEN, caplen);
  store<u32>(e + TR_ORIGLEN, origLen);
  store<u32>(e + TR_LINKTYPE, linkType);
  store<u32>(e + TR_IFACE, iface);
  store<u32>(statePtr + ST_TRACE_COUNT, ++n);
  if (n >= traceCap) paused = true;
}

// ---- per packet -------------------------------------------------------------------------------
/** Decodes one framed packet (record at window offset `at`) and accounts it to its flow. */
function onPacket(at: u32, p: usize, caplen: u32, origLen: u32, linkType: u32, ts: u64, iface: u32): void {
  if (traceCap != 0) trace(at, caplen, origLen, linkType, ts, iface);
  let n = ++pktNo;
  bump(Stat.Packets);
  add(Stat.Bytes, caplen);
  add(Stat.WireBytes, origLen);
  if (caplen < origLen) bump(Stat.Truncated);
  else if (caplen > origLen) bump(Stat.CaplenOverOrig);
  if (filterKind == 1 && iface != filterValue) {
    bump(Stat.FilteredOut);
    return;
  }
  d.setPacketNumber(n);
  let st = d.decodePacket(p, caplen, linkType);
  if (filterKind == 2 && d.mIfIndex != filterValue) {
    bump(Stat.FilteredOut);
    return;
  }
  if (st != d.DECODED_IP) {
    if (st == d.UNSUPPORTED_LINK) firstAt(ST_UNSUPPORTED_PACKET, n);
    return;
  }
  if (d.mFrag == 2) {
    // The lookup depends on first fragments that may still wait in the batch.
    batchFlush();
    let rec = fragFind(d.mSrcHi, d.mSrcLo, d.mDstHi, d.mDstLo, d.mFragId, d.mProto);
    if (rec != 0) {
      account(rec, fragDir, d.mProto, 0, false, 0, d.mIpLen, d.mPayloadLen, n, ts);
      countLater(rec, fragDir, 1);
      bump(Stat.FragmentsAttributed);
    } else {
      bump(Stat.FragmentsUnattributed);
      firstAt(ST_ORPHAN_FRAG_PACKET, n);
      fragPend(d.mSrcHi, d.mSrcLo, d.mDstHi, d.mDstLo, d.mFragId, d.mProto, d.mIpLen, d.mPayloadLen, n, ts);
    }
    if (d.mProto == 17) reasmFragment(0, rec != 0, n, ts);
    return;
  }
  batchAdd(n, ts, iface);
  if (d.mFrag == 1 && d.mProto == 17) reasmFragment(algUdpKind(d.mSport, d.mDport), true, n, ts);
  // Ended flows are moved out at batch flushes; pause while the host has many left to drain (the
  // ALG rings are admitted before each record instead: algAdmit).
  if (endedPressure()) {
    batchFlush();
    paused = true;
  }
}

/**
 * A record that does not fit the window: `length` is its length field, `extra` the header bytes
 * that come on top (lengths near 2^32 must not wrap: a caplen of 0xfffffff8 is not 8 bytes).
 */
function tooLarge(at: u32, length: u32, extra: u32): void {
  let size = <u64>length + extra;
  if (size > <u64>MAX_WINDOW) fail(ErrorCode.RecordBeyondWindow, at, length, extra);
  else fail(ErrorCode.RecordTooLarge, at, <u32>size, inputCap);
}

// ---- classic pcap ------------------------------------------------------------------------------
function pcapHeader(p: usize, len: u32): i32 {
  if (len < PCAP_HEADER_LEN) return 0;
  let major = rd16(p + 4, swapped);
  let minor = rd16(p + 6, swapped);
  if (major != 2) {
    fail(ErrorCode.BadVersion, 4, major, minor);
    return -1;
  }
  snaplen = rd32(p + 16, swapped);
  // The upper 16 bits of the link-type word carry FCS information (pcap-savefile(5)).
  pcapLink = rd32(p + 20, swapped) & 0xffff;
  noteLinkType(pcapLink);
  headerDone = true;
  return <i32>PCAP_HEADER_LEN;
}

/** Frames pcap records from INPUT[pos, len); returns the new position. */
function pcapRecords(pos: u32, len: u32): u32 {
  let p = inputPtr;
  let max: u32 = snaplen > <u32>MAX_SNAPLEN ? snaplen : <u32>MAX_SNAPLEN;
  while (!paused && len - pos >= PCAP_RECORD_LEN) {
    let r = p + pos;
    let caplen = rd32(r + 8, swapped);
    if (caplen > max) {
      fail(ErrorCode.CaplenTooLarge, pos, caplen, max);
      return pos;
    }
    if (<u64>caplen + PCAP_RECORD_LEN > <u64>inputCap) {
      tooLarge(pos, caplen, PCAP_RECORD_LEN);
      return pos;
    }
    if (len - pos - PCAP_RECORD_LEN < caplen) break;
    // Back-pressure of the ALG event rings: stop before a packet whose events may not fit.
    if (!algAdmit(caplen + reasmMaxBytes())) {
      paused = true;
      break;
    }
    let sec = <u64>rd32(r, swapped);
    let frac = <u64>rd32(r + 4, swapped);
    let ts = sec * 1_000_000_000 + (nanos ? frac : frac * 1000);
    let orig = rd32(r + 12, swapped);
    if (caplen > snaplen && snaplen != 0) {
      bump(Stat.CaplenOverSnaplen);
      firstAt(ST_OVERSNAP_PACKET, pktNo + 1);
    }
    onPacket(pos, r + PCAP_RECORD_LEN, caplen, orig, pcapLink, ts, 0);
    pos += PCAP_RECORD_LEN + caplen;
  }
  return pos;
}

// ---- pcapng --------------------------------------------------------------------------------------
@inline function ifacePtr(i: u32): usize {
  return ifacesPtr + (<usize>i) * IFACE_SIZE;
}

/** Converts a timestamp in interface units to ns since the epoch. */
function ngTime(units: u64, resol: u32, offsetSec: i64): u64 {
  let ns: u64;
  if ((resol & 0x80) == 0) {
    let r = resol & 0x7f;
    if (r == 9) ns = units;
    else if (r < 9) {
      let m: u64 = 1;
      for (let i: u32 = r; i < 9; i++) m *= 10;
      ns = units * m;
    } else {
      let dv: u64 = 1;
      for (let i: u32 = 9; i < r && i < 28; i++) dv *= 10;
      ns = units / dv;
    }
  } else {
    let n = resol & 0x7f;
    if (n == 0) ns = units * 1_000_000_000;
    else if (n >= 64) ns = 0;
    else {
      let sec = units >> n;
      let frac = units & ((<u64>1 << n) - 1);
      let fracNs: u64 = n <= 34 ? (frac * 1_000_000_000) >> n : ((frac >> (n - 34)) * 1_000_000_000) >> 34;
      ns = sec * 1_000_000_000 + fracNs;
    }
  }
  return ns + <u64>(offsetSec * 1_000_000_000);
}

/**
 * Walks the options of a block from `o` to `end` (exclusive, the trailing length excluded).
 * For an IDB (`idb` non-zero) it stores if_tsresol / if_tsoffset. Returns false on overrun.
 */
function ngOptions(o: usize, end: usize, idb: usize): bool {
  while (o + 4 <= end) {
    let code = rd16(o, swapped);
    let olen = rd16(o + 2, swapped);
    if (code == OPT_ENDOFOPT) return true;
    let padded = (olen + 3) & ~3;
    if (o + 4 + padded > end) {
      fail(ErrorCode.OptionOverrun, <u32>(o - inputPtr), code, olen);
      return false;
    }
    if (idb != 0) {
      if (code == OPT_IF_TSRESOL && olen >= 1) store<u32>(idb + IF_TSRESOL, <u32>load<u8>(o + 4));
      else if (code == OPT_IF_TSOFFSET && olen >= 8) {
        let lo = rd32(o + 4, swapped);
        let hi = rd32(o + 8, swapped);
        let v: u64 = swapped ? ((<u64>lo << 32) | <u64>hi) : ((<u64>hi << 32) | <u64>lo);
        store<i64>(idb + IF_TSOFFSET, <i64>v);
      }
    }
    o += 4 + padded;
  }
  return true;
}

/** Frames pcapng blocks from INPUT[pos, len); returns the new position. */
function ngBlocks(pos: u32, len: u32): u32 {
  let p = inputPtr;
  while (!paused && len - pos >= 12) {
    let b = p + pos;
    let type = load<u32>(b);
    if (type == NG_SHB) {
      let bom = load<u32>(b + 8);
      if (bom == NG_BOM) swapped = false;
      else if (bom == bswap<u32>(NG_BOM)) swapped = true;
      else {
        fail(ErrorCode.BadMagic, pos + 8, bom, 0);
        return pos;
      }
    } else {
      type = swapped ? bswap<u32>(type) : type;
      if (!inSection) {
        fail(ErrorCode.NoSectionHeader, pos, type, 0);
        return pos;
      }
    }
    let blen = rd32(b + 4, swapped);
    if (blen < 12 || (blen & 3) != 0) {
      fail(ErrorCode.BadBlockLength, pos + 4, blen, 0);
      return pos;
    }
    if (blen > inputCap) {
      tooLarge(pos + 4, blen, 0);
      return pos;
    }
    if (len - pos < blen) break;
    let trail = rd32(b + blen - 4, swapped);
    if (trail != blen) {
      fail(ErrorCode.BlockLengthMismatch, pos + blen - 4, blen, trail);
      return pos;
    }
    let end = b + blen - 4;
    // Back-pressure of the ALG event rings: stop before a packet whose events may not fit.
    if ((type == NG_EPB || type == NG_PB || type == NG_SPB) && !algAdmit(blen + reasmMaxBytes())) {
      paused = true;
      break;
    }
    if (type == NG_SHB) {
      if (blen < NG_SHB_MIN) {
        fail(ErrorCode.BadBlockLength, pos + 4, blen, NG_SHB_MIN);
        return pos;
      }
      let major = rd16(b + 12, swapped);
      let minor = rd16(b + 14, swapped);
      if (major != 1 || (minor != 0 && minor != 2)) {
        fail(ErrorCode.BadVersion, pos + 12, major, minor);
        return pos;
      }
      if (!ngOptions(b + 24, end, 0)) return pos;
      inSection = true;
      ifaceBase += nIfaces;
      nIfaces = 0;
      bump(Stat.Sections);
    } else if (type == NG_IDB) {
      if (blen < NG_IDB_MIN) {
        fail(ErrorCode.BadBlockLength, pos + 4, blen, NG_IDB_MIN);
        return pos;
      }
      if (nIfaces >= <u32>IFACE_MAX) {
        fail(ErrorCode.TooManyInterfaces, pos, nIfaces + 1, IFACE_MAX);
        return pos;
      }
      let ip = ifacePtr(nIfaces);
      let lt = rd16(b + 8, swapped);
      store<u32>(ip + IF_LINKTYPE, lt);
      store<u32>(ip + IF_SNAPLEN, rd32(b + 12, swapped));
      store<u32>(ip + IF_TSRESOL, 6);
      store<i64>(ip + IF_TSOFFSET, 0);
      store<u32>(ip + IF_GLOBAL, ifaceBase + nIfaces);
      if (!ngOptions(b + 16, end, ip)) return pos;
      noteLinkType(lt);
      nIfaces++;
      store<u32>(statePtr + ST_IFACES, ifaceBase + nIfaces);
    } else if (type == NG_EPB || type == NG_PB) {
      if (blen < NG_EPB_MIN) {
        fail(ErrorCode.BadBlockLength, pos + 4, blen, NG_EPB_MIN);
        return pos;
      }
      let ifid = type == NG_EPB ? rd32(b + 8, swapped) : rd16(b + 8, swapped);
      if (ifid >= nIfaces) {
        fail(ErrorCode.BadInterface, pos + 8, ifid, nIfaces);
        return pos;
      }
      let caplen = rd32(b + 20, swapped);
      let orig = rd32(b + 24, swapped);
      let room = blen - NG_EPB_MIN;
      if (caplen > room) {
        fail(ErrorCode.PacketOverrun, pos + 20, caplen, room);
        return pos;
      }
      let ip = ifacePtr(ifid);
      let units = (<u64>rd32(b + 12, swapped) << 32) | <u64>rd32(b + 16, swapped);
      let ts = ngTime(units, load<u32>(ip + IF_TSRESOL), load<i64>(ip + IF_TSOFFSET));
      onPacket(pos, b + 28, caplen, orig, load<u32>(ip + IF_LINKTYPE), ts, load<u32>(ip + IF_GLOBAL));
    } else if (type == NG_SPB) {
      if (blen < NG_SPB_MIN) {
        fail(ErrorCode.BadBlockLength, pos + 4, blen, NG_SPB_MIN);
        return pos;
      }
      if (nIfaces == 0) {
        fail(ErrorCode.BadInterface, pos, 0, 0);
        return pos;
      }
      let ip = ifacePtr(0);
      let orig = rd32(b + 8, swapped);
      let caplen = blen - NG_SPB_MIN;
      if (orig < caplen) caplen = orig;
      let sl = load<u32>(ip + IF_SNAPLEN);
      if (sl != 0 && sl < caplen) caplen = sl;
      // SPBs carry no timestamp: they are reported at time 0 (the epoch), like tshark.
      onPacket(pos, b + 12, caplen, orig, load<u32>(ip + IF_LINKTYPE), 0, load<u32>(ip + IF_GLOBAL));
    } else {
      bump(Stat.BlocksSkipped);
    }
    pos += blen;
  }
  return pos;
}

// ---- entry ------------------------------------------------------------------------------------------
/** See the module contract. */
export function feed(len: u32, eof: bool): u32 {
  if (failed) return 0;
  bump(Stat.Feeds);
  paused = false;
  let p = inputPtr;
  let pos: u32 = 0;
  if (format == CaptureFormat.Unknown) {
    if (len < 4) {
      if (eof) fail(ErrorCode.Truncated, 0, len, 4);
      return 0;
    }
    let m = load<u32>(p);
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS) {
      format = CaptureFormat.Pcap;
      swapped = false;
      nanos = m == PCAP_MAGIC_NS;
    } else if (m == bswap<u32>(PCAP_MAGIC_US) || m == bswap<u32>(PCAP_MAGIC_NS)) {
      format = CaptureFormat.Pcap;
      swapped = true;
      nanos = m == bswap<u32>(PCAP_MAGIC_NS);
    } else if (m == NG_SHB) {
      format = CaptureFormat.Pcapng;
    } else {
      fail(ErrorCode.BadMagic, 0, bswap<u32>(m), 0);
      return 0;
    }
    store<u32>(statePtr + ST_FORMAT, format);
  }
  if (format == CaptureFormat.Pcap) {
    if (!headerDone) {
      let h = pcapHeader(p, len);
      if (h < 0) return 0;
      if (h == 0) {
        if (eof) fail(ErrorCode.Truncated, 0, len, PCAP_HEADER_LEN);
        return 0;
      }
      pos = <u32>h;
    }
    pos = pcapRecords(pos, len);
  } else {
    pos = ngBlocks(pos, len);
  }
  batchFlush();
  if (eof && !paused) reasmFinish();
  store<u32>(statePtr + ST_PAUSED, paused ? 1 : 0);
  if (!failed && !paused && eof && pos < len) {
    let need: u32 = 0;
    if (format == CaptureFormat.Pcap) {
      need = len - pos >= PCAP_RECORD_LEN ? PCAP_RECORD_LEN + rd32(p + pos + 8, swapped) : PCAP_RECORD_LEN;
    } else {
      need = len - pos >= 8 ? rd32(p + pos + 4, swapped) : 12;
    }
    // A block length no block can have is that error, however few bytes follow it (ngBlocks
    // checks a length once 12 bytes are there).
    if (format == CaptureFormat.Pcapng && (need < 12 || (need & 3) != 0)) fail(ErrorCode.BadBlockLength, pos + 4, need, 0);
    else fail(ErrorCode.Truncated, pos, len - pos, need);
  }
  base += pos;
  store<u64>(statePtr + ST_OFFSET, base);
  store<u32>(statePtr + ST_PACKETS, pktNo);
  return pos;
}
