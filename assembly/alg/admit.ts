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
 */
import { batchFlush } from "../flow/batch";
import { packetEvents, packetText, ringsEmpty, ringsHaveRoom } from "./events";

let reservedEvents: u32 = 0;
let reservedText: u32 = 0;

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
  return true;
}
