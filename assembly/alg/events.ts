/**
 * The event ring (single producer: wasm inside feed; single consumer: the host between feeds)
 * and its text ring. See the EVENT layout in abi.ts.
 *
 * An event is only written when both rings have room; otherwise it is dropped and counted in
 * ST_EV_DROPPED (the report says so). The reader pauses feed() while the rings are more than
 * 3/4 full (`algPressure`), so drops need one batch of packets producing more than a quarter of
 * the ring: hostile input, not traffic.
 */
import {
  EV_ALG, EV_DIR, EV_FLAGS, EV_FLOW, EV_KIND, EV_PACKET, EV_TEXT, EV_TEXTLEN, EV_TS, EVENT_CAP,
  EVENT_SIZE, ST_EV_DROPPED, ST_EV_HEAD, ST_EV_TAIL, ST_TEXT_HEAD, ST_TEXT_TAIL, TEXT_CAP,
} from "../abi";
import { eventsPtr, statePtr, textPtr } from "../memory";

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

/** True when the host should drain before more packets are decoded. */
export function algPressure(): bool {
  let used = load<u32>(statePtr + ST_EV_HEAD) - load<u32>(statePtr + ST_EV_TAIL);
  let text = load<u32>(statePtr + ST_TEXT_HEAD) - load<u32>(statePtr + ST_TEXT_TAIL);
  return used > (<u32>EVENT_CAP >> 2) * 3 || text > (<u32>TEXT_CAP >> 2) * 3;
}
