/**
 * Worker thread of prefault.ts: takes the wasm core's fresh flow-table pages ahead of the scan.
 *
 * A page's first touch costs 12–14 µs of CPU on the reference VM (bench/PERFORMANCE-LOG.md "analyze, session 9"),
 * and the flow records take ~7.6 k of them on the 1 GiB bench capture: here they are taken on the
 * second core. Each page is touched by an atomic add of 0 to one of its words: a write (so the
 * page is made resident and writable, not mapped to the zero page) that changes no value, whatever
 * the scan writes to that word at the same moment. The index (hashed: all of it is touched early)
 * first, then the records: pages are marked as records are made (FLOW_PAGES, in order of creation,
 * a freed slot reused first), and this thread keeps `ahead` pages past the highest mark. Likewise
 * the control-stream slots (taken in order, a freed one reused first): the parts of each slot its
 * stream writes, `streamsAhead` slots past the last one used (ST_STREAMS_USED).
 */
import { parentPort, workerData } from "node:worker_threads";
import { PF_PAGES, PF_READY, PF_STOP, markReady, type PrefaultData, type PrefaultStart } from "./prefault.js";

const ctl = new Int32Array((workerData as PrefaultStart).ctl);

/** One scan's round: the index, then the record pages ahead of the newest record and the control-stream slots ahead of the last used, until stopped. */
function touch(d: PrefaultData): void {
  const words = new Int32Array(d.memory.buffer);
  const marks = new Uint8Array(d.memory.buffer);
  /** Touches a word of each page that bytes [start, end) overlap (the first at `start`); returns how many. */
  const touchPages = (start: number, end: number): number => {
    let n = 0;
    for (let p = start & ~3; p < end; p = (p & ~4095) + 4096, n++) Atomics.add(words, p >>> 2, 0);
    return n;
  };
  // (stopped before the core's memory arrived: the scan is over, nothing to touch)
  const indexPages = Atomics.load(ctl, PF_STOP) === 0 ? touchPages(d.indexPtr, d.indexPtr + d.indexBytes) : 0;
  Atomics.store(ctl, PF_PAGES, indexPages);
  /** Record pages [0, done) touched. */
  let done = 0;
  let high = 0;
  /** Stream slots [0, slotsDone) touched, and their pages. */
  let slotsDone = 0;
  let streamPages = 0;
  while (Atomics.load(ctl, PF_STOP) === 0) {
    while (high < d.pages && marks[d.pagesPtr + high] !== 0) high++;
    const to = Math.min(d.pages, high + d.ahead);
    const slotsTo = Math.min(d.streamSlots, Atomics.load(words, d.streamsUsedAt >>> 2) + d.streamsAhead);
    if (done >= to && slotsDone >= slotsTo) {
      Atomics.wait(ctl, PF_STOP, 0, 1);
      continue;
    }
    if (done < to) done += touchPages(d.flowsPtr + done * 4096, d.flowsPtr + to * 4096);
    for (; slotsDone < slotsTo; slotsDone++) {
      const base = d.streamsPtr + slotsDone * d.streamSlotSize;
      for (let r = 0; r < d.streamRanges.length; r += 2) streamPages += touchPages(base + d.streamRanges[r], base + d.streamRanges[r + 1]);
    }
    Atomics.store(ctl, PF_PAGES, indexPages + done + streamPages);
    if (Atomics.load(ctl, PF_READY) === 0) markReady(ctl);
  }
  // A round that ends before its first pass (stopped at once) still releases a waitReady start.
  markReady(ctl);
  parentPort?.close();
}

// Started with the helper, before the core exists: the core's memory arrives with start().
parentPort?.once("message", (d: PrefaultData) => touch(d));
