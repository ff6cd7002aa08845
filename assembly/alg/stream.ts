/**
 * Control-connection streams: TCP reassembly per direction, line cutting, and dispatch of each
 * complete line to the FTP parser or the RTSP framer, which emit events (alg/events.ts).
 *
 * Reassembly (per direction, by sequence number): in-order bytes are delivered at once;
 * retransmitted and duplicated bytes are used once (counted, a segment that repeats only the head
 * of its bytes too) — the first copy is the one read, and a repeat whose bytes differ from it (of
 * the last HIST bytes delivered) is a `TcpConflict` event; segments ahead of the next expected
 * byte are held in a bounded store (OOO_MAX segments, OOO_DATA bytes) and delivered when the hole
 * fills. A hole that cannot be waited for (store full, snaplen-cut payload, end of capture) is a
 * `TcpGap` event with the packet number; the line in progress is dropped.
 *
 * Lines end at LF (a preceding CR is stripped and noted as LineFlag.Crlf). Each line records how
 * it sat in the segments (SegmentStart, AfterNewline, the line's index within its segment and
 * the number of segments it spanned) — what the host's emulation profiles need (Linux parses a
 * command only at a segment start and drops one split over segments). Lines longer than
 * LINE_MAX become `LineTooLong` events.
 *
 * RTSP (RFC 2326 §4, §10.12): a message is a start line, headers, an empty line and
 * Content-Length bytes of body (skipped); `$`-framed interleaved data (1-byte channel, 2-byte
 * length) between messages is skipped. Events: start lines, the CSeq/Transport/Session headers,
 * and the end of headers; the Transport text is parsed by the host.
 */
import {
  AlgKind, EV_CODE, EV_LINE_IN_SEG, EV_PORT, EV_SEGMENTS, EV_SEQ, EventKind, FL_CTRL, CTRL_MASK, FL_ID,
  FL_IPVER, FL_PORT_B, LINE_MAX, LineFlag, RtspLine, RtspMethod, Stat,
} from "../abi";
import { algPortsPtr, statePtr, streamCap, streamsPtr } from "../memory";
import { bump } from "../stats";
import { asciiLower } from "../bytes";
import * as tcp from "../wire/tcp";
import { beginEvent, ringsEmpty, ringsHaveRoom } from "./events";
import { parseCommand, parseReply } from "./ftp";
import {
  D_CLEN, D_FRAMEHDR, D_FRAMELEN, D_HASSEQ, D_ISN, D_LINE, D_LINEFLAGS, D_LINELEN, D_LINESEGS,
  D_LINESEQ, D_NEXT, D_NLSEEN, D_OOO, D_OOO_DATA, D_OOON, D_OOOUSED, D_RTSP, D_SEGLINES, D_SKIP,
  D_TOOLONG, DIR_BASE, DIR_SIZE, OOO_DATA, OOO_MAX, S_FLOW, S_IPVER, S_KIND, S_SERVER, STREAM_SIZE,
  D_BINARY, OOO_ENTRY, D_FIN, D_FINSEQ, FINISH_EVENTS, FINISH_TEXT, S_LAST_TS, S_LIVE, S_NEXT_FREE, D_SIP,
  D_HIST, D_HISTLEN, HIST,
} from "./layout";
import { sipBodyBytes, sipBodyLeft, sipLine, sipReset, sipSegmentStart, sipStreamBreak } from "./sip";

/** Index of the line within its segment (u8, beside D_FRAMEHDR). */
const D_LINEIDX: usize = 35;
/** FL_CTRL values besides slot + 1: no slot was free; the stream ended (FIN both ways, RST). */
const CTRL_FULL: u32 = CTRL_MASK;
const CTRL_CLOSED: u32 = CTRL_MASK - 1;

/** The stream state in FL_CTRL's low bits (its high bits count IP fragments, flow/frag.ts). */
@inline function setCtrl(rec: usize, v: u32): void {
  store<u32>(rec + FL_CTRL, (load<u32>(rec + FL_CTRL) & ~CTRL_MASK) | v);
}
/** Set by `segment` for the duration of one delivery: extra LineFlag bits. */
let deliveryFlags: u32 = 0;
/** Slots ever used (the table's high-water mark); freed slots are reused first. */
let slotsUsed: u32 = 0;
/** First free slot + 1 (0 = none); the list continues through S_NEXT_FREE. */
let freeHead: u32 = 0;
/** A stream idle this long (ns) may give its slot to a new control connection. */
let idleNs: u64 = 600 * 1_000_000_000;
let curPkt: u32 = 0;
let curTs: u64 = 0;

/** Marks a port as an FTP, RTSP, SIP or TFTP port (AlgKind; 0 clears it). One table for TCP and UDP. */
export function setAlgPort(port: u32, kind: u32): void {
  store<u8>(algPortsPtr + (port & 0xffff), <u8>kind);
}

/** Seconds without a segment after which a control stream's slot may be taken when none is free. */
export function setAlgIdleTimeout(seconds: u32): void {
  idleNs = <u64>seconds * 1_000_000_000;
}

/** AlgKind of a TCP packet by its ports: FTP, RTSP or SIP (0 when neither port is one). */
@inline export function algTcpKind(sport: u32, dport: u32): u32 {
  let k = <u32>load<u8>(algPortsPtr + dport);
  if (k - 1 < <u32>AlgKind.Sip) return k;
  k = <u32>load<u8>(algPortsPtr + sport);
  return k - 1 < <u32>AlgKind.Sip ? k : 0;
}

/** AlgKind of a UDP datagram by its ports: SIP or TFTP (0 when neither port is one). */
@inline export function algUdpKind(sport: u32, dport: u32): u32 {
  let k = <u32>load<u8>(algPortsPtr + dport);
  if (k >= <u32>AlgKind.Sip) return k;
  k = <u32>load<u8>(algPortsPtr + sport);
  return k >= <u32>AlgKind.Sip ? k : 0;
}

@inline function dirPtr(s: usize, d: u32): usize {
  return s + DIR_BASE + (<usize>d) * DIR_SIZE;
}

@inline function slotPtr(i: u32): usize {
  return streamsPtr + (<usize>i) * STREAM_SIZE;
}

/**
 * A slot for a new stream: a freed one, a never used one, or — when the table is full — the
 * one idle longest, if idle past the timeout (its stream is finished first). -1 when none.
 */
function takeSlot(): i32 {
  if (freeHead != 0) {
    let i = freeHead - 1;
    freeHead = load<u32>(slotPtr(i) + S_NEXT_FREE);
    return <i32>i;
  }
  if (slotsUsed < streamCap) {
    return <i32>(slotsUsed++);
  }
  let best: i32 = -1;
  let bestTs: u64 = 0;
  for (let i: u32 = 0; i < slotsUsed; i++) {
    let t = load<u64>(slotPtr(i) + S_LAST_TS);
    if (best < 0 || t < bestTs) {
      best = <i32>i;
      bestTs = t;
    }
  }
  if (best < 0 || curTs <= bestTs || curTs - bestTs <= idleNs) return -1;
  // The evicted connection's flow keeps FL_CTRL: its next segment finds another flow id in the
  // slot and starts a new stream mid-way (the host continues the same session).
  finishStream(slotPtr(<u32>best));
  bump(Stat.ControlStreamsEvicted);
  return best;
}

/** Ends a stream: held segments and unfinished lines are reported, and the slot is freed. */
function finishStream(s: usize): void {
  for (let d: u32 = 0; d < 2; d++) {
    let D = dirPtr(s, d);
    while (lowestHeld(D) != 0) {
      gap(s, D, d, heldPkt, heldTs);
      store<u32>(D + D_NEXT, heldSeq);
      drain(s, D, d, heldPkt, heldTs);
    }
    if (load<u16>(D + D_LINESEGS) != 0) line(s, D, d, curPkt, curTs, true);
    if (load<u8>(s + S_KIND) == AlgKind.Sip) sipStreamBreak(D + D_SIP, load<u32>(s + S_FLOW), d, curPkt, curTs);
  }
  store<u8>(s + S_LIVE, 0);
}

function releaseSlot(s: usize): void {
  store<u32>(s + S_NEXT_FREE, freeHead);
  freeHead = <u32>((s - streamsPtr) / STREAM_SIZE) + 1;
}

/** The stream of a control flow record, created on first use; 0 when none can be had. */
function streamOf(rec: usize, kind: u32): usize {
  let c = load<u32>(rec + FL_CTRL) & CTRL_MASK;
  if (c == CTRL_FULL || c == CTRL_CLOSED) return 0;
  if (c != 0) {
    let s = slotPtr(c - 1);
    if (load<u8>(s + S_LIVE) != 0 && load<u32>(s + S_FLOW) == load<u32>(rec + FL_ID)) return s;
  }
  let slot = takeSlot();
  if (slot < 0) {
    setCtrl(rec, CTRL_FULL);
    bump(Stat.ControlStreamsDropped);
    beginEvent(EventKind.StreamTableFull, 0, kind, load<u32>(rec + FL_ID), curPkt, curTs, 0, 0, 0);
    return 0;
  }
  let s = slotPtr(<u32>slot);
  setCtrl(rec, <u32>slot + 1);
  bump(Stat.ControlStreams);
  // Only the state a stream of this kind reads is cleared: a slot spans ~5 pages (each
  // direction's line buffer, out-of-order store and SIP context), and clearing a page is its first
  // touch — a page fault on a fresh slot. The SIP context is read only by SIP streams (S_KIND),
  // and each SIP stream resets its own here; the buffers are written before they are read.
  memory.fill(s, 0, DIR_BASE);
  for (let d: u32 = 0; d < 2; d++) {
    memory.fill(dirPtr(s, d), 0, D_LINE);
    if (kind == AlgKind.Sip) sipReset(dirPtr(s, d) + D_SIP, false);
  }
  store<u32>(s + S_FLOW, load<u32>(rec + FL_ID));
  store<u8>(s + S_KIND, <u8>kind);
  // The server is the endpoint on the control port.
  let portB = <u32>load<u16>(rec + FL_PORT_B);
  store<u8>(s + S_SERVER, load<u8>(algPortsPtr + portB) == kind ? 1 : 0);
  store<u8>(s + S_IPVER, load<u8>(rec + FL_IPVER));
  store<u8>(s + S_LIVE, 1);
  return s;
}

/** True once direction D sent its FIN and every byte before it was delivered. */
function dirDone(D: usize): bool {
  return load<u8>(D + D_FIN) != 0 && load<u32>(D + D_NEXT) == load<u32>(D + D_FINSEQ);
}

/**
 * After a segment: a RST, or both directions complete up to their FIN, ends the connection —
 * its stream is finished and its slot freed; later segments of the flow are ignored.
 */
function closeIfEnded(rec: usize, s: usize, flags: u32): void {
  if ((flags & tcp.RST) == 0 && !(dirDone(dirPtr(s, 0)) && dirDone(dirPtr(s, 1)))) return;
  finishStream(s);
  releaseSlot(s);
  setCtrl(rec, CTRL_CLOSED);
  bump(Stat.ControlStreamsClosed);
}

/**
 * One TCP segment of a control connection: `dir` as accounted in the flow record, `p`/`cap` the
 * captured payload, `len` the payload length from the IP header.
 */
export function algSegment(
  rec: usize, dir: u32, kind: u32, flags: u32, seq: u32, p: usize, cap: u32, len: u32, pkt: u32, ts: u64,
): void {
  curPkt = pkt;
  curTs = ts;
  let s = streamOf(rec, kind);
  if (s == 0) return;
  store<u64>(s + S_LAST_TS, ts);
  let D = dirPtr(s, dir);
  if ((flags & tcp.SYN) != 0) {
    store<u32>(D + D_ISN, seq);
    store<u32>(D + D_NEXT, seq + 1);
    store<u8>(D + D_HASSEQ, 1);
    store<u32>(D + D_HISTLEN, 0);
    if ((flags & tcp.RST) != 0) closeIfEnded(rec, s, flags);
    return;
  }
  if ((flags & tcp.FIN) != 0 && load<u8>(D + D_FIN) == 0) {
    store<u8>(D + D_FIN, 1);
    store<u32>(D + D_FINSEQ, seq + len);
  }
  if (len == 0) {
    if (load<u8>(D + D_HASSEQ) == 0 && (flags & tcp.FIN) != 0) {
      store<u32>(D + D_ISN, seq - 1);
      store<u32>(D + D_NEXT, seq);
      store<u8>(D + D_HASSEQ, 1);
    }
    closeIfEnded(rec, s, flags);
    return;
  }
  if (load<u8>(D + D_HASSEQ) == 0) {
    // Mid-stream start: the first byte seen is relative sequence 0.
    store<u32>(D + D_ISN, seq - 1);
    store<u32>(D + D_NEXT, seq);
    store<u8>(D + D_HASSEQ, 1);
  }
  let next = load<u32>(D + D_NEXT);
  let rel = <i32>(seq - next);
  if (rel > 0) {
    if (cap == len && load<u8>(D + D_OOON) < <u8>OOO_MAX && load<u32>(D + D_OOOUSED) + len <= OOO_DATA) {
      let n = <u32>load<u8>(D + D_OOON);
      let used = load<u32>(D + D_OOOUSED);
      let o = D + D_OOO + (<usize>n) * OOO_ENTRY;
      store<u32>(o, seq);
      store<u32>(o + 4, len);
      store<u32>(o + 8, used);
      store<u32>(o + 12, pkt);
      store<u64>(o + 16, ts);
      memory.copy(D + D_OOO_DATA + used, p, len);
      store<u8>(D + D_OOON, <u8>(n + 1));
      store<u32>(D + D_OOOUSED, used + len);
      bump(Stat.CtrlReordered);
      if ((flags & tcp.RST) != 0) closeIfEnded(rec, s, flags);
      return;
    }
    // No room to wait: give up on the hole(s) before this segment, oldest first.
    while (rel > 0) {
      gap(s, D, dir, pkt, ts);
      let low = lowestHeld(D);
      store<u32>(D + D_NEXT, low != 0 && <i32>(heldSeq - seq) < 0 ? heldSeq : seq);
      drain(s, D, dir, pkt, ts);
      rel = <i32>(seq - load<u32>(D + D_NEXT));
    }
  }
  let off: u32 = 0;
  deliveryFlags = 0;
  if (rel < 0) {
    off = <u32>(-rel);
    // Sequence space already delivered, all of it or a head of it: a retransmission either way
    // (its repeated bytes are not read again, but compared with what was read).
    bump(Stat.CtrlRetransmits);
    let repeated = off < len ? off : len;
    conflict(s, D, dir, seq, p, repeated < cap ? repeated : cap, pkt, ts);
    if (off >= len) {
      closeIfEnded(rec, s, flags);
      return;
    }
    deliveryFlags = LineFlag.Retransmitted;
  }
  let avail = cap > off ? cap - off : 0;
  let want = len - off;
  deliver(s, D, dir, p + off, avail < want ? avail : want, seq + off, off == 0, pkt, ts);
  if (avail < want) {
    // Snaplen cut the payload: the rest of the segment is a hole.
    gap(s, D, dir, pkt, ts);
  }
  store<u32>(D + D_NEXT, seq + len);
  deliveryFlags = 0;
  drain(s, D, dir, pkt, ts);
  closeIfEnded(rec, s, flags);
}

/** Sequence number and packet of the lowest held segment (set by lowestHeld). */
let heldSeq: u32 = 0;
let heldPkt: u32 = 0;
let heldTs: u64 = 0;

/** Finds the held segment nearest the next expected byte; returns 0 when none is held. */
function lowestHeld(D: usize): u32 {
  let n = <u32>load<u8>(D + D_OOON);
  if (n == 0) return 0;
  let next = load<u32>(D + D_NEXT);
  let best: i32 = 0x7fffffff;
  for (let k: u32 = 0; k < n; k++) {
    let o = D + D_OOO + (<usize>k) * OOO_ENTRY;
    let rel = <i32>(load<u32>(o) - next);
    if (rel < best) {
      best = rel;
      heldSeq = load<u32>(o);
      heldPkt = load<u32>(o + 12);
      heldTs = load<u64>(o + 16);
    }
  }
  return n;
}

/**
 * Delivers held segments that the stream has now reached; their lines carry the packet number
 * and time of the segment that held them.
 */
function drain(s: usize, D: usize, dir: u32, _pkt: u32, _ts: u64): void {
  let progress = true;
  while (progress && load<u8>(D + D_OOON) != 0) {
    progress = false;
    let n = <u32>load<u8>(D + D_OOON);
    for (let k: u32 = 0; k < n; k++) {
      let o = D + D_OOO + (<usize>k) * OOO_ENTRY;
      let pkt = load<u32>(o + 12);
      let ts = load<u64>(o + 16);
      let seq = load<u32>(o);
      let len = load<u32>(o + 4);
      let next = load<u32>(D + D_NEXT);
      let rel = <i32>(seq - next);
      if (rel > 0) continue;
      let off = <u32>(-rel);
      if (off > 0) {
        // It repeats sequence space already delivered.
        bump(Stat.CtrlRetransmits);
        conflict(s, D, dir, seq, D + D_OOO_DATA + load<u32>(o + 8), off < len ? off : len, pkt, ts);
      }
      if (off < len) {
        deliveryFlags = LineFlag.Reordered;
        deliver(s, D, dir, D + D_OOO_DATA + load<u32>(o + 8) + off, len - off, seq + off, off == 0, pkt, ts);
        deliveryFlags = 0;
        store<u32>(D + D_NEXT, seq + len);
      }
      // Remove entry k (order of the rest does not matter).
      let lastE = D + D_OOO + (<usize>(n - 1)) * OOO_ENTRY;
      if (k != n - 1) memory.copy(o, lastE, OOO_ENTRY);
      store<u8>(D + D_OOON, <u8>(n - 1));
      if (n - 1 == 0) store<u32>(D + D_OOOUSED, 0);
      progress = true;
      break;
    }
  }
}

/**
 * Compares `n` bytes at `p`, sent at sequence number `seq` over space already delivered, with the
 * delivered bytes the history still holds for it ([D_NEXT − D_HISTLEN, D_NEXT)); the first that
 * differs makes one TcpConflict event (EV_SEQ: its relative sequence number, EV_PORT: the bytes
 * compared) and counts in CtrlConflicts. Bytes older than the history are not compared.
 */
function conflict(s: usize, D: usize, dir: u32, seq: u32, p: usize, n: u32, pkt: u32, ts: u64): void {
  let kept = load<u32>(D + D_HISTLEN);
  if (kept == 0 || n == 0) return;
  let end = load<u32>(D + D_NEXT);
  let first = end - kept;
  let skip: u32 = 0;
  let rel = <i32>(seq - first);
  if (rel < 0) {
    skip = <u32>(-rel);
    if (skip >= n) return;
  }
  let from = seq + skip;
  let room = <i32>(end - from);
  if (room <= 0) return;
  let count = n - skip;
  if (count > <u32>room) count = <u32>room;
  for (let k: u32 = 0; k < count; k++) {
    let x = from + k;
    if (load<u8>(p + skip + k) == load<u8>(D + D_HIST + <usize>(x & (HIST - 1)))) continue;
    bump(Stat.CtrlConflicts);
    let e = beginEvent(EventKind.TcpConflict, dir, load<u8>(s + S_KIND), load<u32>(s + S_FLOW), pkt, ts, 0, 0, 0);
    if (e != 0) {
      store<u32>(e + EV_SEQ, x - load<u32>(D + D_ISN) - 1);
      store<u32>(e + EV_PORT, count);
    }
    return;
  }
}

/** Keeps `n` bytes delivered at sequence number `seq0` (the next after D_NEXT) in the history. */
function keep(D: usize, seq0: u32, p: usize, n: u32): void {
  let kept = load<u32>(D + D_HISTLEN);
  if (kept != 0 && seq0 != load<u32>(D + D_NEXT)) kept = 0;
  if (n <= 32) {
    // A short segment (a line each, as a command flood sends them): memory.copy's call costs more.
    for (let k: u32 = 0; k < n; k++) store<u8>(D + D_HIST + <usize>((seq0 + k) & (HIST - 1)), load<u8>(p + k));
  } else {
    // Only the last HIST bytes can be kept: copied in at most two pieces (the ring wraps once).
    let m: u32 = n > HIST ? HIST : n;
    let src = p + <usize>(n - m);
    let at = (seq0 + (n - m)) & (HIST - 1);
    let first = HIST - at < m ? HIST - at : m;
    memory.copy(D + D_HIST + <usize>at, src, first);
    if (m > first) memory.copy(D + D_HIST, src + <usize>first, m - first);
  }
  kept += n;
  store<u32>(D + D_HISTLEN, kept > HIST ? HIST : kept);
}

/** Reports a hole in the stream and drops the line in progress. */
function gap(s: usize, D: usize, dir: u32, pkt: u32, ts: u64): void {
  bump(Stat.CtrlGaps);
  store<u32>(D + D_HISTLEN, 0);
  beginEvent(EventKind.TcpGap, dir, load<u8>(s + S_KIND), load<u32>(s + S_FLOW), pkt, ts, 0, 0, 0);
  resetLine(D);
  // SIP: the message across the hole ends truncated; framing resumes at the next start line.
  if (load<u8>(s + S_KIND) == AlgKind.Sip) sipStreamBreak(D + D_SIP, load<u32>(s + S_FLOW), dir, pkt, ts);
  // RTSP framing cannot be trusted after a hole: resynchronise at the next start line.
  store<u8>(D + D_RTSP, 0);
  store<u32>(D + D_SKIP, 0);
  store<u8>(D + D_FRAMEHDR, 0);
}

/** Cuts delivered bytes into lines. `segStart`: p is the first payload byte of its segment. */
function deliver(s: usize, D: usize, dir: u32, p: usize, n: u32, seq0: u32, segStart: bool, pkt: u32, ts: u64): void {
  keep(D, seq0, p, n);
  let kind = <u32>load<u8>(s + S_KIND);
  store<u8>(D + D_SEGLINES, 0);
  let sip: usize = kind == AlgKind.Sip ? D + D_SIP : 0;
  if (sip != 0) sipSegmentStart(sip);
  let i: u32 = 0;
  while (i < n) {
    let skip = load<u32>(D + D_SKIP);
    if (skip != 0) {
      let k = n - i < skip ? n - i : skip;
      i += k;
      store<u32>(D + D_SKIP, skip - k);
      continue;
    }
    let c = <u32>load<u8>(p + i);
    let fh = <u32>load<u8>(D + D_FRAMEHDR);
    if (fh != 0) {
      // Interleaved frame header after '$': channel, then a 2-byte length.
      if (fh < 3) store<u32>(D + D_FRAMELEN, (load<u32>(D + D_FRAMELEN) << 8) | c);
      store<u8>(D + D_FRAMEHDR, <u8>(fh - 1));
      if (fh == 1) store<u32>(D + D_SKIP, load<u32>(D + D_FRAMELEN));
      i++;
      continue;
    }
    let segs = <u32>load<u16>(D + D_LINESEGS);
    if (segs != 0 && i == 0 && segStart && load<u8>(D + D_BINARY) != 0) {
      // A partial line of non-text bytes (e.g. TLS records after AUTH TLS): resynchronise at
      // this segment boundary instead of gluing the next text line to it.
      resetLine(D);
      segs = 0;
    }
    if (segs == 0) {
      if (kind == AlgKind.Rtsp && c == 36 && load<u8>(D + D_RTSP) == 0) {
        store<u8>(D + D_FRAMEHDR, 3);
        store<u32>(D + D_FRAMELEN, 0);
        i++;
        continue;
      }
      let f = deliveryFlags;
      if (i == 0 && segStart) f |= LineFlag.SegmentStart;
      if (load<u8>(D + D_NLSEEN) != 0) f |= LineFlag.AfterNewline;
      store<u32>(D + D_LINEFLAGS, f);
      store<u32>(D + D_LINESEQ, seq0 + i - load<u32>(D + D_ISN) - 1);
      store<u16>(D + D_LINESEGS, 1);
      let sl = <u32>load<u8>(D + D_SEGLINES);
      store<u8>(D + D_LINEIDX, <u8>sl);
      store<u8>(D + D_SEGLINES, <u8>(sl < 255 ? sl + 1 : 255));
    } else if (i == 0) {
      store<u16>(D + D_LINESEGS, <u16>(segs < 0xffff ? segs + 1 : segs));
      store<u32>(D + D_LINEFLAGS, load<u32>(D + D_LINEFLAGS) | deliveryFlags);
    }
    // Copy up to the newline in one go, noting bytes that are not text. A SIP body ends after
    // Content-Length bytes, newline or not.
    let lim = n;
    let bodyLeft: u32 = sip != 0 ? sipBodyLeft(sip) : 0;
    if (bodyLeft != 0 && n - i >= bodyLeft) lim = i + bodyLeft;
    let j = i;
    let bin: u32 = 0;
    while (j < lim) {
      let b = <u32>load<u8>(p + j);
      if (b == 10) break;
      bin |= <u32>(b >= 127) | <u32>(b < 32 && b != 9 && b != 13);
      j++;
    }
    if (bin != 0) store<u8>(D + D_BINARY, 1);
    let ll = <u32>load<u16>(D + D_LINELEN);
    let take = j - i;
    if (ll + take > <u32>LINE_MAX) {
      store<u8>(D + D_TOOLONG, 1);
      take = <u32>LINE_MAX - ll;
    }
    memory.copy(D + D_LINE + ll, p + i, take);
    store<u16>(D + D_LINELEN, <u16>(ll + take));
    let i0 = i;
    if (j < lim) {
      line(s, D, dir, pkt, ts, false);
      i = j + 1;
    } else if (lim < n || (bodyLeft != 0 && i + bodyLeft == n)) {
      // The SIP body ends here without a newline.
      line(s, D, dir, pkt, ts, false);
      i = lim;
    } else {
      i = n;
    }
    if (bodyLeft != 0) sipBodyBytes(sip, load<u32>(s + S_FLOW), dir, i - i0, pkt, ts);
  }
}

function resetLine(D: usize): void {
  store<u16>(D + D_LINELEN, 0);
  store<u16>(D + D_LINESEGS, 0);
  store<u8>(D + D_TOOLONG, 0);
  store<u8>(D + D_BINARY, 0);
}

/** A complete (or, at the end, incomplete) line of direction D. Non-text lines are skipped. */
function line(s: usize, D: usize, dir: u32, pkt: u32, ts: u64, incomplete: bool): void {
  if (load<u8>(D + D_BINARY) != 0) {
    resetLine(D);
    bump(Stat.CtrlBinaryLines);
    return;
  }
  let len = <u32>load<u16>(D + D_LINELEN);
  let flags = load<u32>(D + D_LINEFLAGS);
  let text = D + D_LINE;
  if (!incomplete && len > 0 && load<u8>(text + len - 1) == 13) {
    len--;
    flags |= LineFlag.Crlf;
  }
  if (incomplete) flags |= LineFlag.Incomplete;
  let kind = <u32>load<u8>(s + S_KIND);
  let flow = load<u32>(s + S_FLOW);
  let tooLong = load<u8>(D + D_TOOLONG) != 0;
  let segs = load<u16>(D + D_LINESEGS);
  let idx = load<u8>(D + D_LINEIDX);
  let seq = load<u32>(D + D_LINESEQ);
  resetLine(D);
  if (!incomplete) store<u8>(D + D_NLSEEN, 1);
  bump(Stat.CtrlLines);
  if (kind == AlgKind.Sip) {
    if (tooLong) bump(Stat.CtrlLongLines);
    sipLine(D + D_SIP, flow, dir, pkt, ts, flags, text, len, <u32>segs, seq, tooLong);
    return;
  }
  if (tooLong) {
    bump(Stat.CtrlLongLines);
    let e = beginEvent(EventKind.LineTooLong, dir, kind, flow, pkt, ts, flags, text, len);
    if (e != 0) setPlace(e, idx, segs, seq);
    return;
  }
  if (kind == AlgKind.Ftp) {
    if (len == 0) return;
    let fromServer = dir == <u32>load<u8>(s + S_SERVER);
    let e = beginEvent(fromServer ? EventKind.FtpReply : EventKind.FtpCommand, dir, kind, flow, pkt, ts, flags, text, len);
    if (e == 0) return;
    setPlace(e, idx, segs, seq);
    if (fromServer) parseReply(e, text, len);
    else parseCommand(e, text, len, <u32>load<u8>(s + S_IPVER));
    return;
  }
  rtspLine(s, D, dir, flow, pkt, ts, flags, text, len, idx, segs, seq);
}

function setPlace(e: usize, idx: u8, segs: u16, seq: u32): void {
  store<u8>(e + EV_LINE_IN_SEG, idx);
  store<u16>(e + EV_SEGMENTS, segs);
  store<u32>(e + EV_SEQ, seq);
}


/** Case-insensitive test that the line starts with `name` (lower-case ASCII) followed by ':'. */
function headerIs(text: usize, len: u32, name: string): bool {
  let n = <u32>name.length;
  if (len <= n) return false;
  for (let k: u32 = 0; k < n; k++) {
    if (asciiLower(<u32>load<u8>(text + k)) != <u32>name.charCodeAt(k)) return false;
  }
  return load<u8>(text + n) == 58;
}

function startsWith(text: usize, len: u32, word: string): bool {
  let n = <u32>word.length;
  if (len < n) return false;
  for (let k: u32 = 0; k < n; k++) if (<u32>load<u8>(text + k) != <u32>word.charCodeAt(k)) return false;
  return true;
}

function methodOf(text: usize, len: u32): u32 {
  if (startsWith(text, len, "SETUP ")) return RtspMethod.Setup;
  if (startsWith(text, len, "TEARDOWN ")) return RtspMethod.Teardown;
  if (startsWith(text, len, "PLAY ")) return RtspMethod.Play;
  if (startsWith(text, len, "RECORD ")) return RtspMethod.Record;
  if (startsWith(text, len, "DESCRIBE ")) return RtspMethod.Describe;
  if (startsWith(text, len, "OPTIONS ")) return RtspMethod.Options;
  if (startsWith(text, len, "ANNOUNCE ")) return RtspMethod.Announce;
  if (startsWith(text, len, "PAUSE ")) return RtspMethod.Pause;
  return RtspMethod.Other;
}

function decimalAfterColon(text: usize, len: u32): u32 {
  let i: u32 = 0;
  while (i < len && load<u8>(text + i) != 58) i++;
  i++;
  while (i < len && load<u8>(text + i) == 32) i++;
  let v: u32 = 0;
  while (i < len) {
    let c = <u32>load<u8>(text + i);
    if (c - 48 >= 10) break;
    v = v * 10 + c - 48;
    if (v > 0x7fffffff) return 0x7fffffff;
    i++;
  }
  return v;
}

/** RTSP message framing over lines; see the module header. */
function rtspLine(
  s: usize, D: usize, dir: u32, flow: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32,
  idx: u8, segs: u16, seq: u32,
): void {
  let kind: u32 = AlgKind.Rtsp;
  let state = load<u8>(D + D_RTSP);
  if (state == 0) {
    if (len == 0) return;
    let e = beginEvent(EventKind.RtspLine, dir, kind, flow, pkt, ts, flags, text, len);
    store<u8>(D + D_RTSP, 1);
    store<u32>(D + D_CLEN, 0);
    if (e == 0) return;
    setPlace(e, idx, segs, seq);
    if (startsWith(text, len, "RTSP/")) {
      store<u16>(e + EV_CODE, RtspLine.Status);
      let i: u32 = 0;
      while (i < len && load<u8>(text + i) != 32) i++;
      let v: u32 = 0;
      for (let k: u32 = i + 1; k < i + 4 && k < len; k++) v = v * 10 + (<u32>load<u8>(text + k) - 48);
      store<u32>(e + EV_PORT, v);
    } else {
      store<u16>(e + EV_CODE, RtspLine.Request);
      store<u32>(e + EV_PORT, methodOf(text, len));
    }
    return;
  }
  if (len == 0) {
    let e = beginEvent(EventKind.RtspLine, dir, kind, flow, pkt, ts, flags, text, 0);
    if (e != 0) {
      store<u16>(e + EV_CODE, RtspLine.End);
      setPlace(e, idx, segs, seq);
    }
    store<u8>(D + D_RTSP, 0);
    store<u32>(D + D_SKIP, load<u32>(D + D_CLEN));
    return;
  }
  if (headerIs(text, len, "content-length")) {
    store<u32>(D + D_CLEN, decimalAfterColon(text, len));
    return;
  }
  if (headerIs(text, len, "cseq") || headerIs(text, len, "transport") || headerIs(text, len, "session")) {
    let e = beginEvent(EventKind.RtspLine, dir, kind, flow, pkt, ts, flags, text, len);
    if (e != 0) {
      store<u16>(e + EV_CODE, RtspLine.Header);
      setPlace(e, idx, segs, seq);
    }
  }
}

/** Next slot algFinish will finish. */
let finishCursor: u32 = 0;

/**
 * End of the capture: every held segment is delivered after a gap, and every unfinished line is
 * reported as Incomplete, stream by stream while the rings have room for the worst case of one.
 * Returns 1 when done, 0 when the host must drain the rings and call again.
 */
export function algFinish(): u32 {
  while (finishCursor < slotsUsed) {
    let s = slotPtr(finishCursor);
    if (load<u8>(s + S_LIVE) != 0) {
      if (!ringsHaveRoom(FINISH_EVENTS, FINISH_TEXT) && !ringsEmpty()) return 0;
      finishStream(s);
    }
    finishCursor++;
  }
  return 1;
}
