/**
 * TFTP (RFC 1350, options RFC 2347-2349): requests on the TFTP ports and the transfer that follows
 * on the server's new port.
 *
 * A request (RRQ/WRQ) from C:p to S:69 opens an entry in a bounded table keyed by the client
 * endpoint C:p (the transfer's TID on the client side). The server answers from a new port
 * S:x (RFC 1350 §4 TIDs) — some servers from 69 — so UDP packets that are not on a TFTP port
 * reach `tftpFollow` (a no-op while no entry is live): packets between S (any port, fixed by its
 * first reply) and C:p are the transfer. The core follows DATA block numbers and sizes (the block
 * size from the OACK's blksize, else 512; a DATA shorter than that ends the transfer), the ACKs,
 * ERROR (code and message) and OACK, and emits a few events per transfer, never one per packet:
 *
 *   the request   code RRQ/WRQ, text = the request after the opcode (filename NUL mode NUL
 *                 options …, at most LINE_MAX bytes)
 *   first reply   the first packet from the server to the client (FirstReply): its flow is the
 *                 transfer flow; FromPort69 when it came from the request's port
 *   OACK / ERROR  text = the options / the message; EV_PORT = the error code
 *   summary       when the transfer ends (completed and acknowledged, ERROR), is superseded by a
 *                 new request from the same endpoint, idles past TFTP_IDLE_S, is evicted from a
 *                 full table bucket, or the capture ends: blocks, bytes, repeated DATA blocks,
 *                 repeated ACKs, state flags
 *
 * Repeats are counted while the transfer is followed: a DATA block other than the next one (a
 * retransmission, or out of order), and an ACK of the block last acknowledged or an earlier one
 * (the acknowledging side sent it again: its timer ran out, or the DATA it acknowledged came
 * twice). After the final block's ACK the transfer is over and later copies are not seen.
 *
 * Every transfer event carries the request's flow id and packet number (EV_TFTP_REQ_*), the
 * host's key for the session. Limit: `setTftpCapacity(log2)` entries in 4-way buckets (the host's
 * --max-tftp-transfers); a request that finds its bucket full of live transfers evicts the one
 * idle longest (Stat.TftpEvicted; its summary says Evicted).
 */
import {
  EV_CODE, EV_PORT, EV_REASON, EV_SEQ, EV_TFTP_ACK_DUPS, EV_TFTP_BYTES, EV_TFTP_REQ_FLOW, EV_TFTP_REQ_PKT, EventKind,
  FL_ADDR_A, FL_ADDR_B, FL_ID, FL_PORT_A, FL_PORT_B, LINE_MAX, Stat, TFTP_ACK_DUPS_MAX, TftpFlag, TftpOp,
} from "../abi";
import { tftpCap, tftpPtr } from "../memory";
import { bump } from "../stats";
import { beginEvent, ringsEmpty, ringsHaveRoom } from "./events";

export const TFTP_ENTRY: usize = 128;
/** Ways per bucket. */
const WAYS: u32 = 4;
/** A transfer without a packet this long (ns) is over (Linux's expectation lives 300 s). */
const TFTP_IDLE_NS: u64 = 300 * 1_000_000_000;
const DEFAULT_BLKSIZE: u32 = 512;

const T_HASH = 0; // u32 0 = empty
const T_CPORT = 4; // u16 client port
const T_SPORT = 6; // u16 server transfer port (valid once Answered)
const T_CADDR = 8; // 16 bytes client address
const T_SADDR = 24; // 16 bytes server address
const T_REQ_FLOW = 40; // u32
const T_REQ_PKT = 44; // u32
const T_XFER_FLOW = 48; // u32 transfer flow id (0 until answered)
const T_LAST_BLOCK = 52; // u16 last new DATA block
const T_BLKSIZE = 54; // u16
const T_BLOCKS = 56; // u32 distinct DATA blocks
const T_STATE = 60; // u32 TftpFlag bits
const T_BYTES = 64; // u64 data bytes of the distinct blocks
const T_LAST_TS = 72; // u64 time of the transfer's last packet
const T_LAST_PKT = 80; // u32
const T_DUPS = 84; // u32 repeated DATA blocks
const T_END_PKT = 88; // u32 packet of the final (short) DATA block
const T_END_TS = 96; // u64
const T_ACK_DUPS = 104; // u32 repeated ACKs
const T_LAST_ACK = 108; // u16 block of the last new ACK
const T_ACKED = 110; // u8 1 once an ACK was seen

/** Repeated ACKs counted per transfer (`setTftpAckLimit`: the host's --max-tftp-duplicate-acks). */
let ackDupsMax: u32 = <u32>TFTP_ACK_DUPS_MAX;

/**
 * Sets the repeated-ACK count at which a transfer's count stops (at most TFTP_ACK_DUPS_MAX, the
 * Summary's 24 bits). The repeat that finds the count there emits its AckCountCapped event.
 */
export function setTftpAckLimit(n: u32): void {
  ackDupsMax = n < <u32>TFTP_ACK_DUPS_MAX ? n : <u32>TFTP_ACK_DUPS_MAX;
}

/** Entries in the table now (tftpFollow does nothing while 0). */
export let tftpLive: u32 = 0;
let curPkt: u32 = 0;
let curTs: u64 = 0;
let finishCursor: u32 = 0;

@inline function entryPtr(i: u32): usize {
  return tftpPtr + (<usize>i) * TFTP_ENTRY;
}

/** Non-zero hash of an endpoint (16 address bytes and a port). */
function endpointHash(addr: usize, port: u32): u32 {
  let h: u32 = port * 0x9e3779b1;
  for (let i: usize = 0; i < 16; i += 4) h = (h ^ load<u32>(addr + i)) * 0x85ebca6b + 0x632be5ab;
  h ^= h >> 15;
  return h == 0 ? 1 : h;
}

@inline function sameAddr(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a + 8) == load<u64>(b + 8);
}

/** The live entry of client endpoint addr:port, or 0. */
function findClient(addr: usize, port: u32): usize {
  if (tftpCap == 0) return 0;
  let h = endpointHash(addr, port);
  let b = (h & (tftpCap / WAYS - 1)) * WAYS;
  for (let w: u32 = 0; w < WAYS; w++) {
    let e = entryPtr(b + w);
    if (load<u32>(e + T_HASH) == h && <u32>load<u16>(e + T_CPORT) == port && sameAddr(e + T_CADDR, addr)) return e;
  }
  return 0;
}

/** The transfer event of entry e (request ids filled in). */
function transferEvent(e: usize, code: u32, flow: u32, dir: u32, flags: u32, text: usize, len: u32): usize {
  let ev = beginEvent(EventKind.TftpPacket, dir, 4, flow, curPkt, curTs, flags, text, len);
  if (ev == 0) return 0;
  store<u16>(ev + EV_CODE, <u16>code);
  store<u32>(ev + EV_TFTP_REQ_FLOW, load<u32>(e + T_REQ_FLOW));
  store<u32>(ev + EV_TFTP_REQ_PKT, load<u32>(e + T_REQ_PKT));
  return ev;
}

/** Ends entry e: its summary event, and the slot is free. */
function release(e: usize, why: u32): void {
  let state = load<u32>(e + T_STATE) | why;
  let flow = load<u32>(e + T_XFER_FLOW);
  let completed = (state & TftpFlag.Completed) != 0;
  // The summary is dated at the final block (or the transfer's last packet), not the packet now.
  let pkt = curPkt;
  let ts = curTs;
  curPkt = completed ? load<u32>(e + T_END_PKT) : load<u32>(e + T_LAST_PKT);
  curTs = completed ? load<u64>(e + T_END_TS) : load<u64>(e + T_LAST_TS);
  let ev = transferEvent(e, TftpOp.Summary, flow != 0 ? flow : load<u32>(e + T_REQ_FLOW), 0, state, 0, 0);
  curPkt = pkt;
  curTs = ts;
  if (ev != 0) {
    store<u32>(ev + EV_PORT, load<u32>(e + T_BLOCKS));
    store<u32>(ev + EV_SEQ, load<u32>(e + T_DUPS));
    store<u16>(ev + EV_REASON, load<u16>(e + T_BLKSIZE));
    store<u64>(ev + EV_TFTP_BYTES, load<u64>(e + T_BYTES));
    store<u32>(ev + EV_TFTP_ACK_DUPS, load<u32>(e + T_ACK_DUPS) << 8);
  }
  store<u32>(e + T_HASH, 0);
  tftpLive--;
}

/**
 * A slot for client endpoint addr:port: its bucket's empty way, else one idle past
 * TFTP_IDLE_NS (released), else the one idle longest (evicted, counted).
 */
function claim(addr: usize, port: u32, h: u32): usize {
  let b = (h & (tftpCap / WAYS - 1)) * WAYS;
  let oldest: usize = 0;
  for (let w: u32 = 0; w < WAYS; w++) {
    let e = entryPtr(b + w);
    if (load<u32>(e + T_HASH) == 0) return e;
    if (oldest == 0 || load<u64>(e + T_LAST_TS) < load<u64>(oldest + T_LAST_TS)) oldest = e;
  }
  let idle = curTs > load<u64>(oldest + T_LAST_TS) && curTs - load<u64>(oldest + T_LAST_TS) > TFTP_IDLE_NS;
  if (!idle) bump(Stat.TftpEvicted);
  release(oldest, idle ? TftpFlag.Idle : TftpFlag.Evicted);
  return oldest;
}

/** Sender (dir) or receiver (1 - dir) address and port of flow record rec. */
@inline function addrOf(rec: usize, side: u32): usize {
  return rec + (side == 0 ? FL_ADDR_A : FL_ADDR_B);
}
@inline function portOf(rec: usize, side: u32): u32 {
  return <u32>load<u16>(rec + (side == 0 ? FL_PORT_A : FL_PORT_B));
}

/** The TFTP op of a payload of `cap` captured bytes (0 when fewer than 2 bytes or not 1..6). */
@inline function opOf(p: usize, cap: u32): u32 {
  if (cap < 2) return 0;
  let op = (<u32>load<u8>(p) << 8) | <u32>load<u8>(p + 1);
  return op >= 1 && op <= 6 ? op : 0;
}

/** u16 big-endian at p + 2 (block number, error code), 0 when not captured. */
@inline function word2(p: usize, cap: u32): u32 {
  return cap >= 4 ? (<u32>load<u8>(p + 2) << 8) | <u32>load<u8>(p + 3) : 0;
}

/** A UDP datagram on a TFTP port: a request, or a packet of a transfer that uses that port. */
export function tftpDatagram(rec: usize, dir: u32, p: usize, cap: u32, len: u32, pkt: u32, ts: u64): void {
  curPkt = pkt;
  curTs = ts;
  bump(Stat.TftpDatagrams);
  let op = opOf(p, cap);
  if (op == TftpOp.Rrq || op == TftpOp.Wrq) {
    request(rec, dir, op, p, cap, len);
    return;
  }
  if (!follow(rec, dir, op, p, cap, len)) {
    // Neither a request nor part of a transfer the core follows: reported once, as it is.
    let n = cap < <u32>LINE_MAX ? cap : <u32>LINE_MAX;
    let ev = beginEvent(EventKind.TftpPacket, dir, 4, load<u32>(rec + FL_ID), pkt, ts, TftpFlag.Unmatched | (n < len ? TftpFlag.Truncated : 0), p, n);
    if (ev != 0) store<u16>(ev + EV_CODE, <u16>(op == 0 ? TftpOp.Malformed : op));
  }
}

/** A UDP datagram on no TFTP port: a packet of a transfer being followed, else nothing. */
export function tftpFollow(rec: usize, dir: u32, p: usize, cap: u32, len: u32, pkt: u32, ts: u64): void {
  if (tftpLive == 0) return;
  curPkt = pkt;
  curTs = ts;
  follow(rec, dir, opOf(p, cap), p, cap, len);
}

function request(rec: usize, dir: u32, op: u32, p: usize, cap: u32, len: u32): void {
  bump(Stat.TftpRequests);
  let caddr = addrOf(rec, dir);
  let cport = portOf(rec, dir);
  let text: u32 = cap - 2;
  let flags: u32 = op == TftpOp.Wrq ? TftpFlag.Write : 0;
  if (text > <u32>LINE_MAX) text = <u32>LINE_MAX;
  if (text + 2 < len) flags |= TftpFlag.Truncated;
  if (tftpCap != 0) {
    let old = findClient(caddr, cport);
    if (old != 0) release(old, TftpFlag.Superseded);
    let h = endpointHash(caddr, cport);
    let e = claim(caddr, cport, h);
    memory.fill(e, 0, TFTP_ENTRY);
    store<u32>(e + T_HASH, h);
    store<u16>(e + T_CPORT, <u16>cport);
    memory.copy(e + T_CADDR, caddr, 16);
    memory.copy(e + T_SADDR, addrOf(rec, 1 - dir), 16);
    store<u32>(e + T_REQ_FLOW, load<u32>(rec + FL_ID));
    store<u32>(e + T_REQ_PKT, curPkt);
    store<u16>(e + T_BLKSIZE, <u16>DEFAULT_BLKSIZE);
    store<u32>(e + T_STATE, flags & TftpFlag.Write);
    store<u64>(e + T_LAST_TS, curTs);
    store<u32>(e + T_LAST_PKT, curPkt);
    tftpLive++;
  } else flags |= TftpFlag.NotFollowed;
  let ev = beginEvent(EventKind.TftpPacket, dir, 4, load<u32>(rec + FL_ID), curPkt, curTs, flags, p + 2, text);
  if (ev == 0) return;
  store<u16>(ev + EV_CODE, <u16>op);
  store<u32>(ev + EV_TFTP_REQ_FLOW, load<u32>(rec + FL_ID));
  store<u32>(ev + EV_TFTP_REQ_PKT, curPkt);
}

/**
 * A packet between a followed transfer's server and client. Returns false when it belongs to no
 * followed transfer.
 */
/** Whether the entry transferEntry found last was reached server → client. */
let fromServerLast = false;

/** The followed transfer a packet src:sport → dst:dport belongs to (0 = none); sets fromServerLast. */
function transferEntry(src: usize, sport: u32, dst: usize, rport: u32): usize {
  // Server → client: the receiver is a client endpoint, the sender its server (any port until
  // the first reply fixed it).
  let e = findClient(dst, rport);
  fromServerLast = e != 0 && sameAddr(e + T_SADDR, src) &&
    ((load<u32>(e + T_STATE) & TftpFlag.Answered) == 0 || <u32>load<u16>(e + T_SPORT) == sport);
  if (fromServerLast) return e;
  e = findClient(src, sport);
  if (e == 0 || (load<u32>(e + T_STATE) & TftpFlag.Answered) == 0 || !sameAddr(e + T_SADDR, dst) ||
    <u32>load<u16>(e + T_SPORT) != rport) return 0;
  return e;
}

const scratch = memory.data(32);

/**
 * Whether a UDP datagram src:sport → dst:dport (addresses as the decoder's u64 halves) belongs to
 * a followed transfer: its fragments are reassembled (flow/reasm.ts) like those of the ALG ports.
 */
export function tftpTransferOf(sHi: u64, sLo: u64, sport: u32, dHi: u64, dLo: u64, dport: u32): bool {
  if (tftpLive == 0) return false;
  store<u64>(scratch, sHi);
  store<u64>(scratch + 8, sLo);
  store<u64>(scratch + 16, dHi);
  store<u64>(scratch + 24, dLo);
  return transferEntry(scratch, sport, scratch + 16, dport) != 0;
}

function follow(rec: usize, dir: u32, op: u32, p: usize, cap: u32, len: u32): bool {
  let sport = portOf(rec, dir);
  let e = transferEntry(addrOf(rec, dir), sport, addrOf(rec, 1 - dir), portOf(rec, 1 - dir));
  if (e == 0) return false;
  let fromServer = fromServerLast;
  bump(Stat.TftpFollowed);
  let state = load<u32>(e + T_STATE);
  let side: u32 = fromServer ? TftpFlag.FromServer : 0;
  if (fromServer && (state & TftpFlag.Answered) == 0) {
    state |= TftpFlag.Answered;
    store<u16>(e + T_SPORT, <u16>sport);
    store<u32>(e + T_XFER_FLOW, load<u32>(rec + FL_ID));
    let port69 = load<u32>(rec + FL_ID) == load<u32>(e + T_REQ_FLOW) ? TftpFlag.FromPort69 : 0;
    if (port69 != 0) state |= TftpFlag.FromPort69;
    // OACK and ERROR carry text: their own event below is the first reply.
    if (op != TftpOp.Oack && op != TftpOp.Error) {
      let ev = transferEvent(e, op == 0 ? TftpOp.Malformed : op, load<u32>(rec + FL_ID), dir, TftpFlag.FirstReply | side | port69, 0, 0);
      if (ev != 0) store<u32>(ev + EV_PORT, word2(p, cap));
    } else side |= TftpFlag.FirstReply | port69;
  }
  store<u64>(e + T_LAST_TS, curTs);
  store<u32>(e + T_LAST_PKT, curPkt);
  if (op == TftpOp.Data) state = data(e, state, word2(p, cap), len >= 4 ? len - 4 : 0, cap >= 4);
  else if (op == TftpOp.Ack && cap >= 4) {
    let block = word2(p, cap);
    state = ack(e, state, block, rec, dir, side);
    if ((state & TftpFlag.Completed) != 0 && block == <u32>load<u16>(e + T_LAST_BLOCK)) state |= TftpFlag.LastAcked;
  } else if (op == TftpOp.Error || op == TftpOp.Oack) state = textPacket(e, state, rec, dir, op, side, p, cap, len);
  store<u32>(e + T_STATE, state);
  if ((state & TftpFlag.Errored) != 0 || (state & (TftpFlag.Completed | TftpFlag.LastAcked)) == (TftpFlag.Completed | TftpFlag.LastAcked)) release(e, 0);
  return true;
}

/**
 * An ACK: of a block after the last acknowledged one it is new; of that block or an earlier one, a
 * repeat, counted up to ackDupsMax. The first repeat beyond that sets AckCountCapped and emits
 * one event (code Ack, that packet): the count stops there for the rest of the transfer.
 */
function ack(e: usize, state: u32, block: u32, rec: usize, dir: u32, side: u32): u32 {
  let behind = (<u32>load<u16>(e + T_LAST_ACK) - block) & 0xffff;
  if (load<u8>(e + T_ACKED) != 0 && behind < 0x8000) {
    let n = load<u32>(e + T_ACK_DUPS);
    if (n < ackDupsMax) store<u32>(e + T_ACK_DUPS, n + 1);
    else if ((state & TftpFlag.AckCountCapped) == 0) {
      state |= TftpFlag.AckCountCapped;
      let ev = transferEvent(e, TftpOp.Ack, load<u32>(rec + FL_ID), dir, TftpFlag.AckCountCapped | side, 0, 0);
      if (ev != 0) store<u32>(ev + EV_PORT, block);
    }
    return state;
  }
  store<u16>(e + T_LAST_ACK, <u16>block);
  store<u8>(e + T_ACKED, 1);
  return state;
}

/** A DATA block: a new block counts its bytes; a block shorter than the block size ends the transfer. */
function data(e: usize, state: u32, block: u32, n: u32, hasBlock: bool): u32 {
  if (!hasBlock || (state & TftpFlag.Completed) != 0) return state;
  let last = <u32>load<u16>(e + T_LAST_BLOCK);
  let blocks = load<u32>(e + T_BLOCKS);
  if (block != ((last + 1) & 0xffff) || (blocks == 0 && block != 1)) {
    store<u32>(e + T_DUPS, load<u32>(e + T_DUPS) + 1);
    return state;
  }
  store<u16>(e + T_LAST_BLOCK, <u16>block);
  store<u32>(e + T_BLOCKS, blocks + 1);
  store<u64>(e + T_BYTES, load<u64>(e + T_BYTES) + n);
  if (n < <u32>load<u16>(e + T_BLKSIZE)) {
    state |= TftpFlag.Completed;
    store<u32>(e + T_END_PKT, curPkt);
    store<u64>(e + T_END_TS, curTs);
  }
  return state;
}

/** ERROR (code, message) or OACK (options; blksize sets the block size): one event with the text. */
function textPacket(e: usize, state: u32, rec: usize, dir: u32, op: u32, side: u32, p: usize, cap: u32, len: u32): u32 {
  let start: u32 = op == TftpOp.Error ? 4 : 2;
  let n: u32 = cap > start ? cap - start : 0;
  // An ERROR message ends at its NUL; OACK options are NUL-separated pairs (kept as they are).
  if (op == TftpOp.Error) {
    for (let i: u32 = 0; i < n; i++) if (load<u8>(p + start + i) == 0) { n = i; break; }
    state |= TftpFlag.Errored;
  } else {
    state |= TftpFlag.OptionsAck;
    let b = blksizeOf(p + 2, n);
    if (b >= 8 && b <= 65464) store<u16>(e + T_BLKSIZE, <u16>b);
  }
  let flags = side | (start + n < len && op == TftpOp.Oack ? TftpFlag.Truncated : 0);
  if (n > <u32>LINE_MAX) {
    n = <u32>LINE_MAX;
    flags |= TftpFlag.Truncated;
  }
  let ev = transferEvent(e, op, load<u32>(rec + FL_ID), dir, flags, p + start, n);
  if (ev != 0 && op == TftpOp.Error) store<u32>(ev + EV_PORT, word2(p, cap));
  return state;
}

/** The value of option "blksize" (any case) in NUL-separated name/value pairs; 0 when absent. */
function blksizeOf(p: usize, n: u32): u32 {
  let i: u32 = 0;
  while (i < n) {
    let nameStart = i;
    while (i < n && load<u8>(p + i) != 0) i++;
    let nameLen = i - nameStart;
    i++;
    let valStart = i;
    while (i < n && load<u8>(p + i) != 0) i++;
    let valEnd = i;
    i++;
    if (nameLen != 7 || !isBlksize(p + nameStart)) continue;
    let v: u32 = 0;
    for (let j = valStart; j < valEnd; j++) {
      let c = <u32>load<u8>(p + j) - 48;
      if (c > 9 || v > 100000) return 0;
      v = v * 10 + c;
    }
    return valEnd > valStart ? v : 0;
  }
  return 0;
}

function isBlksize(p: usize): bool {
  // "blksize", compared with ASCII case folded (| 0x20).
  return (load<u32>(p) | 0x20202020) == 0x736b6c62 && (<u32>load<u16>(p + 4) | 0x2020) == 0x7a69 && (<u32>load<u8>(p + 6) | 0x20) == 0x65;
}

/**
 * End of the capture: the summary of every transfer still in the table. Returns 1 when done, 0
 * when the host must drain the rings and call again.
 */
export function tftpFinish(): u32 {
  while (finishCursor < tftpCap) {
    let e = entryPtr(finishCursor);
    if (load<u32>(e + T_HASH) != 0) {
      if (!ringsHaveRoom(1, 0) && !ringsEmpty()) return 0;
      release(e, 0);
    }
    finishCursor++;
  }
  return 1;
}
