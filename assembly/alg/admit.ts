/**
 * Back-pressure of the event rings on framing (see alg/events.ts): `algAdmit(bytes)` is asked
 * before each packet record is framed, and false means "stop before this record" (feed returns
 * how far it got, the host drains the rings and feeds the rest).
 *
 * Packets wait in the accounting batch (flow/batch.ts) before their events are written, so
 * each admitted record reserves its worst case until the batch is flushed. When the rings and
 * the reservations leave no room, the batch is flushed (its events written, reservations
 * cleared) and the record is admitted if the rings alone have room — or if they are empty, so
 * that a packet larger than the rings still makes progress, identically in any chunking.
 *
 * The worst case is known only roughly before the record is decoded: a TCP segment of a control
 * stream may release held out-of-order bytes and end two streams (~41 k events, most of the
 * 64 Ki ring). Reserved for every packet until its batch was flushed, that let one packet into a
 * batch at a time and the batch (flow/batch.ts) never overlapped its table misses. So the
 * reservation is narrowed once the packet is decoded (`algAdmitKind`, from batchAdd): a UDP
 * packet keeps its datagram's bound, a packet that reaches no ALG (not UDP, not a control
 * stream's segment) none. Only a control stream's segment keeps the whole worst case.
 */
import { batchFlush } from "../flow/batch";
import { datagramEvents, datagramText, packetEvents, packetText, ringsEmpty, ringsHaveRoom } from "./events";

let reservedEvents: u32 = 0;
let reservedText: u32 = 0;
/** The record admitted last, until it is decoded: its size and what it reserved. */
let lastBytes: u32 = 0;
let lastEvents: u32 = 0;
let lastText: u32 = 0;

export function algAdmit(bytes: u32): bool {
  let ev = packetEvents(bytes);
  let tx = packetText(bytes);
  if (!ringsHaveRoom(reservedEvents + ev, reservedText + tx)) {
    batchFlush();
    reservedEvents = 0;
    reservedText = 0;
    if (!ringsHaveRoom(ev, tx) && !ringsEmpty()) return false;
  }
  reservedEvents += ev;
  reservedText += tx;
  lastBytes = bytes;
  lastEvents = ev;
  lastText = tx;
  return true;
}

/** Kinds of a decoded packet for `algAdmitKind`. */
export const ADMIT_SEGMENT: u32 = 0;
export const ADMIT_DATAGRAM: u32 = 1;
export const ADMIT_QUIET: u32 = 2;

/**
 * The record admitted last, decoded and queued in the batch: ADMIT_SEGMENT (a TCP segment of a
 * control stream: keeps its whole reservation), ADMIT_DATAGRAM (UDP: an ALG datagram, a TFTP
 * transfer's packet, or a fragment whose datagram completes; `bytes` already counts the held
 * fragments) or ADMIT_QUIET (reaches no ALG: reserves nothing). Lowers its reservation once.
 */
export function algAdmitKind(kind: u32): void {
  if (kind == ADMIT_SEGMENT || lastEvents == 0) return;
  let ev: u32 = kind == ADMIT_DATAGRAM ? datagramEvents(lastBytes) : 0;
  let tx: u32 = kind == ADMIT_DATAGRAM ? datagramText(lastBytes) : 0;
  reservedEvents -= lastEvents - ev;
  reservedText -= lastText - tx;
  lastEvents = 0;
  lastText = 0;
}
