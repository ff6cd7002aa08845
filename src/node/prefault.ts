/**
 * The second core for one capture's fresh memory (Node only). A Firecracker guest pays 12–14 µs of
 * CPU for each page it takes anew, and `analyze` of the 1 GiB bench capture takes ~8 k such pages
 * for its flow table (records and index) on the thread that runs the scan. With a core built with
 * shared memory (build/shared.wasm), a worker thread (prefault-worker.ts) touches those pages
 * ahead of the scan instead; the scan then finds them resident. Nothing the core reads changes
 * (an atomic add of 0 per page), so every result is the same with or without it.
 *
 * Made by files.ts for a capture file of at least PREFAULT_MIN_BYTES read on the main thread
 * (the `prefault` file option; verify's two analyses already use both cores); for the CLI's
 * `analyze` and `flows`, its worker was started by the launcher (bin/alg-verify.js).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import type { CoreExports } from "../wasm/instantiate.js";
import type { MemoryHelper } from "../wasm/core.js";
import { ST_STREAMS_USED } from "../wasm/abi.js";

/** Files smaller than this are scanned without the helper (a worker's start costs ~30 ms of CPU). */
export const PREFAULT_MIN_BYTES = 64 << 20;
/** Record pages the helper keeps touched past the newest record (4 MiB: resident memory +4 MiB at most). */
export const PREFAULT_AHEAD_PAGES = 1024;

/**
 * Control-stream slots the helper keeps touched past the last one used: a slot is ~21 KiB, of
 * which a stream writes ~13 KiB whatever its traffic (its first line, a SIP message), faults the
 * scan otherwise takes itself — 1.1 k on the 1 GiB bench capture, whose 512 slots all fill.
 */
export const PREFAULT_AHEAD_STREAMS = 16;

/** Words of the control array shared with the worker. */
export const PF_STOP = 0;
export const PF_PAGES = 1;
/** Set (and notified) by the worker once its first round is done: the index and `ahead` record pages. */
export const PF_READY = 2;
/** Words of the control array (its SharedArrayBuffer is 4 × PF_WORDS bytes; bin/alg-verify.js makes one of the same size). */
export const PF_WORDS = 3;

/** Sets PF_READY and wakes a start() that waits for it (the worker after its first round, or the helper when the worker fails). */
export function markReady(ctl: Int32Array): void {
  Atomics.store(ctl, PF_READY, 1);
  Atomics.notify(ctl, PF_READY);
}

/** The worker's workerData: the control words, before the core exists. */
export interface PrefaultStart {
  ctl: SharedArrayBuffer;
}

/** What start() posts to the worker: the core's memory and the regions to touch. */
export interface PrefaultData {
  memory: WebAssembly.Memory;
  flowsPtr: number;
  /** FLOW_PAGES: a byte per 4 KiB page of records, set when a record is made there. */
  pagesPtr: number;
  /** Pages of the records region. */
  pages: number;
  indexPtr: number;
  indexBytes: number;
  ahead: number;
  /** The control-stream slots: where they start, how many, their size, and the byte ranges of a slot its stream writes (start, end, …). */
  streamsPtr: number;
  streamSlots: number;
  streamSlotSize: number;
  streamRanges: number[];
  /** Where the core counts the slots used so far (state ST_STREAMS_USED). */
  streamsUsedAt: number;
  streamsAhead: number;
}

/** Where bin/alg-verify.js leaves the worker it started before the CLI was loaded. */
const EARLY_WORKER = Symbol.for("alg-verify.prefault-worker");

const workerUrl = (): URL => new URL("./prefault-worker.js", import.meta.url);

/** True where the helper can run: the compiled worker exists (not when running from the TypeScript sources). */
export function prefaultAvailable(): boolean {
  return existsSync(fileURLToPath(workerUrl()));
}

/**
 * A helper for one scan; `pages()` says how many pages its worker touched (index, records, stream slots).
 * Its worker thread is started here, before the core exists: a worker takes 55 ms on an idle
 * reference VM to run its first line, and 80–165 ms once the scan has begun (the wasm tier-up and
 * the scan's own threads share the second core) — started at `start()`, it began its round after
 * the scan had made ~9 MiB of records and touched its whole index, ~2.8 k page faults (~36 ms)
 * left to the scan's thread. The core's memory and regions reach it at `start()`.
 * `waitReady` (tests): start() blocks until the worker's first round is done, so that what it
 * touched does not depend on how soon the worker thread started.
 */
export function prefaultHelper(ahead = PREFAULT_AHEAD_PAGES, waitReady = false): MemoryHelper & { pages(): number } {
  // The launcher's worker (bin/alg-verify.js startPrefault), when it started one: adopted once.
  const g = globalThis as { [EARLY_WORKER]?: { worker: Worker; ctl: SharedArrayBuffer } };
  const early = g[EARLY_WORKER];
  delete g[EARLY_WORKER];
  const ctl = early?.ctl ?? new SharedArrayBuffer(4 * PF_WORDS);
  const words = new Int32Array(ctl);
  // node:worker_threads loaded only here, for a capture that uses the helper (start-up cost
  // of the small ones; bench/PERFORMANCE-LOG.md "Start-up"); the helper is made synchronously.
  const worker: Worker = early?.worker ?? new (createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads")).Worker(workerUrl(), { workerData: { ctl } satisfies PrefaultStart });
  // The scan never waits for it; it ends at stop(), or with the process. It only moves page
  // faults: should it fail, the scan takes them itself.
  worker.on("error", () => markReady(words));
  worker.unref();
  let started = false;
  return {
    start(core: CoreExports): void {
      if (!(core.memory.buffer instanceof SharedArrayBuffer)) return;
      started = true;
      const cap = core.flowCap() >>> 0;
      const data: PrefaultData = {
        memory: core.memory,
        flowsPtr: core.flowsPtr() >>> 0, pagesPtr: core.flowPagesPtr() >>> 0,
        pages: Math.ceil((cap * (core.flowRecordSize() >>> 0)) / 4096),
        indexPtr: core.flowIndexPtr() >>> 0, indexBytes: cap * 4, ahead,
        streamsPtr: core.streamsPtr() >>> 0, streamSlots: core.streamSlots() >>> 0, streamSlotSize: core.streamSlotSize() >>> 0,
        streamRanges: [0, 1, 2, 3, 4, 5].map((i) => core.streamTouchRange(i) >>> 0),
        streamsUsedAt: (core.statePtr() >>> 0) + ST_STREAMS_USED, streamsAhead: PREFAULT_AHEAD_STREAMS,
      };
      worker.postMessage(data);
      if (waitReady) Atomics.wait(words, PF_READY, 0);
    },
    stop(): void {
      Atomics.store(words, PF_STOP, 1);
      Atomics.notify(words, PF_STOP);
      // A worker that never got a core (the scan failed before, or the memory is not shared)
      // waits for one: it is ended here rather than left to the process's end.
      if (!started) void worker.terminate();
    },
    pages: () => Atomics.load(words, PF_PAGES),
  };
}
