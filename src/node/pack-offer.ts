/**
 * The main thread's offer of a pack buffer (flow-transfer.ts `packBuffer`) to an analysis worker.
 * Node-only (worker_threads), apart from flow-transfer.ts, which the page's bundle imports too.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { packBuffer } from "./flow-transfer.js";

/**
 * The offer of a pack buffer to a worker, one slot of a shared Int32Array per worker: NO_OFFER,
 * then either OFFER_PREPARING → OFFER_POSTED (the main thread made one and posted it on the
 * worker's port) or OFFER_CLOSED (the worker packed without one). The worker waits only while a
 * buffer is being made for it: it would fault in the same pages itself. A late offer is not made
 * (verify's peak RSS is at the workers' ends); an offer too small for the table (its capture has
 * more than 1/16 more flows than the first one) is left unused, and the worker's own copy is then
 * held beside it until the worker ends.
 */
const NO_OFFER = 0;
const OFFER_PREPARING = 1;
const OFFER_POSTED = 2;
const OFFER_CLOSED = 3;

/** Main thread: offers worker `i` (its port: `port`) a pack buffer for `flows` flows, unless it is packing already. */
export function offerPackBuffer(state: Int32Array, i: number, port: MessagePort, flows: number): boolean {
  if (Atomics.compareExchange(state, i, NO_OFFER, OFFER_PREPARING) !== NO_OFFER) return false;
  try {
    const buf = packBuffer(flows);
    port.postMessage(buf, [buf]);
  } finally {
    Atomics.store(state, i, OFFER_POSTED);
    Atomics.notify(state, i);
  }
  return true;
}

/** Worker `i`: the buffer offered to it (waiting while one is being made), or undefined; no offer after this. */
export function takePackBuffer(state: Int32Array, i: number, port: MessagePort): ArrayBuffer | undefined {
  const was = Atomics.compareExchange(state, i, NO_OFFER, OFFER_CLOSED);
  if (was === NO_OFFER) return undefined;
  if (was === OFFER_PREPARING) Atomics.wait(state, i, OFFER_PREPARING);
  return receiveMessageOnPort(port)?.message as ArrayBuffer | undefined;
}
