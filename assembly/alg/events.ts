/**
 * The event ring (single producer: wasm inside feed; single consumer: the host between feeds)
 * and its text ring. See the EVENT layout in abi.ts.
 *
 * Back-pressure (alg/admit.ts): before a record is framed, the rings must have room for the
 * most its packet can emit (`packetEvents`/`packetText` of its length); otherwise feed stops
 * before that record and the host drains and feeds the rest. So no event is ever dropped,
 * whatever the chunking. An IP packet carries at most 65 535 bytes (32 768 lines), less than an
 * empty ring holds; a packet whose worst case still exceeds the rings is processed once they are
 * empty — the same in every chunking — and anything that does not fit is dropped and counted in
 * ST_EV_DROPPED / ST_EV_DROPPED_PACKET (the report says so).
 */
import {
  EV_ALG, EV_DIR, EV_FLAGS, EV_FLOW, EV_KIND, EV_PACKET, EV_TEXT, EV_TEXTLEN, EV_TS, EVENT_CAP,
  EVENT_SIZE, ST_EV_DROPPED, ST_EV_DROPPED_PACKET, ST_EV_HEAD, ST_EV_TAIL, ST_TEXT_HEAD, ST_TEXT_TAIL, TEXT_CAP,
} from "../abi";
import { eventsPtr, statePtr, textPtr } from "../memory";
import { FINISH_EVENTS, FINISH_TEXT, OOO_DATA, OOO_MAX } from "./layout";
import { LINE_MAX } from "../abi";

/**
 * Starts an event and copies its text; returns the record to fill in (kind, dir … already set),
 * or 0 when the rings are full (the event is dropped and counted).
 */
export function beginEvent(
  kind: u32, dir: u32, alg: u32, flowId: u32, pkt: u32, ts: u64, flags: u32, text: usize, len: u32,
): usize {
  let head = load<u32>(statePtr + ST_EV_HEAD);
  let tail = load<u32>(statePtr + ST_EV_TAIL);
  let th = load<u32>(statePtr + ST_TEXT_HEAD);
  let tt = load<u32>(statePtr + ST_TEXT_TAIL);
  // Text is stored contiguously: skip to the ring start when it would wrap.
  let at = th;
  if ((at % TEXT_CAP) + len > <u32>TEXT_CAP) at += <u32>TEXT_CAP - (at % TEXT_CAP);
  if (head - tail >= <u32>EVENT_CAP || at + len - tt > <u32>TEXT_CAP) {
    store<u32>(statePtr + ST_EV_DROPPED, load<u32>(statePtr + ST_EV_DROPPED) + 1);
    if (load<u32>(statePtr + ST_EV_DROPPED_PACKET) == 0) store<u32>(statePtr + ST_EV_DROPPED_PACKET, pkt);
    return 0;
  }
  if (len != 0) memory.copy(textPtr + (at % TEXT_CAP), text, len);
  store<u32>(statePtr + ST_TEXT_HEAD, at + len);
  let e = eventsPtr + (<usize>(head & (EVENT_CAP - 1))) * EVENT_SIZE;
  memory.fill(e, 0, EVENT_SIZE);
  store<u16>(e + EV_KIND, <u16>kind);
  store<u8>(e + EV_DIR, <u8>dir);
  store<u8>(e + EV_ALG, <u8>alg);
  store<u32>(e + EV_FLOW, flowId);
  store<u32>(e + EV_PACKET, pkt);
  store<u32>(e + EV_TEXT, at);
  store<u32>(e + EV_TEXTLEN, len);
  store<u32>(e + EV_FLAGS, flags);
  store<u64>(e + EV_TS, ts);
  store<u32>(statePtr + ST_EV_HEAD, head + 1);
  return e;
}

/**
 * Most events one packet of `bytes` bytes can emit: a line per byte of its payload and of the
 * held out-of-order bytes it releases, a gap per held segment and one for a snaplen cut, the
 * end of its own stream (FIN/RST) and of an idle stream evicted to make room for it, a
 * StreamTableFull, and a TcpConflict for the segment and for each held segment it releases
 * (OOO_MAX + 1). SIP: a message needs at least 2 bytes for its start line and its end, so a line
 * or a MessageEnd per byte still holds; a folded header held from an earlier packet and a NotSip
 * of the datagram are the 2 more.
 */
export function packetEvents(bytes: u32): u32 {
  return bytes + OOO_DATA + OOO_MAX + 5 + (OOO_MAX + 1) + 2 * FINISH_EVENTS;
}

/**
 * Most events one UDP packet of `bytes` bytes can emit: its datagram's lines and message ends (a
 * line or a MessageEnd per byte, a NotSip, 5 in all for the rest), or a TFTP packet. No stream is
 * behind it: nothing out of order is released and no stream ends or is evicted.
 */
export function datagramEvents(bytes: u32): u32 {
  return bytes + OOO_MAX + 5;
}

/** Most text bytes one UDP packet of `bytes` bytes can emit (its bytes; the wrap skip and the rest: 3 LINE_MAX). */
export function datagramText(bytes: u32): u32 {
  return bytes + 3 * <u32>LINE_MAX;
}

/** Most text bytes one packet of `bytes` bytes can emit (the same parts; the line carried from
 * earlier packets, the SIP header held from an earlier packet and the bytes skipped where the
 * text ring wraps are one LINE_MAX each; unfolded SIP text is never longer than its bytes). */
export function packetText(bytes: u32): u32 {
  return bytes + OOO_DATA + 3 * <u32>LINE_MAX + 2 * FINISH_TEXT;
}

/** True when both rings have room for `events` more events carrying `text` more bytes. */
export function ringsHaveRoom(events: u32, text: u32): bool {
  let used = load<u32>(statePtr + ST_EV_HEAD) - load<u32>(statePtr + ST_EV_TAIL);
  let textUsed = load<u32>(statePtr + ST_TEXT_HEAD) - load<u32>(statePtr + ST_TEXT_TAIL);
  return <u64>used + events <= <u64>EVENT_CAP && <u64>textUsed + text <= <u64>TEXT_CAP;
}

/** True when the host has drained every event. */
export function ringsEmpty(): bool {
  return load<u32>(statePtr + ST_EV_HEAD) == load<u32>(statePtr + ST_EV_TAIL);
}
