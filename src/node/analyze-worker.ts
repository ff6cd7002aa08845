/**
 * Worker thread of `analyzeFilesParallel`: analyzes one capture and posts the result back, with
 * the flow table in place in its shared memory (posted as soon as the scan made it) or as a
 * transferred copy of its records (flow-transfer.ts; the wasm instance itself stays here).
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { adoptCoreModule, analyzeFile } from "./files.js";
import { addPrepared, packFlows, shareFlows } from "./flow-transfer.js";
import { keyOrders, preparedBuffers, preparedOf } from "../verify/flow-columns.js";
import type { FlowTable } from "../capture/flow-table.js";
import { takePackBuffer } from "./pack-offer.js";

const { path, opts, progress, progressSlots, packLock, packLockId, offers, offerState, share, prepareClaims, coreModule } = workerData as {
  path: string; opts: Parameters<typeof analyzeFile>[1]; progress?: boolean; packLock?: Int32Array; packLockId?: number;
  /**
   * Scan with the core built with shared memory and hand the flow table over in place (its memory
   * shared, flow-transfer.ts shareFlows) instead of a packed copy, as soon as the scan made it
   * (files.ts analyzeFilesParallel says why).
   */
  share?: boolean;
  /** Bytes read so far, slot packLockId − 1, for a main thread that is scanning a capture itself (files.ts analyzeFilesParallel). */
  progressSlots?: Float64Array;
  /** A buffer for the packed table the main thread may offer (pack-offer.ts offerPackBuffer; slot packLockId − 1). */
  offers?: MessagePort; offerState?: Int32Array;
  /**
   * Who prepares a table handed over in place, slot packLockId − 1: 0 nobody yet, 1 this worker,
   * 2 the main thread (files.ts PREPARE_ENV); absent: the main thread.
   */
  prepareClaims?: Int32Array;
  /** The core the main thread compiled (with `share`: the one built with shared memory), scanned with here too (files.ts analyzeFilesParallel). */
  coreModule?: WebAssembly.Module;
};
offers?.unref();
if (coreModule) adoptCoreModule(coreModule, true);
/** Bytes read so far, posted as { progress } at most every PROGRESS_POST_MS (the first at once), and written to its shared slot. */
const PROGRESS_POST_MS = 50;
let posted = -Infinity;
const onProgress = (bytes: number) => {
  if (progressSlots && packLockId) progressSlots[packLockId - 1] = bytes;
  const now = Date.now();
  if (now - posted < PROGRESS_POST_MS) return;
  posted = now;
  parentPort!.postMessage({ progress: bytes });
};
/** The analysis and its messages; not top-level await, so the bundle can make this file a CommonJS chunk (scripts/bundle-cli.mjs). */
async function analyzeAndPost(): Promise<void> {
  try {
    // A table in shared memory is handed over as soon as the scan has made it, { table } (and no
    // flows with { ok } after): the main thread, when done with its own capture, prepares it
    // (verify's columns and key orders) while the sessions are finished here — or this worker
    // does, after its sessions, when the main thread has not taken it by then (prepareClaims;
    // bench/PERFORMANCE-LOG.md, session 24). Not shared (the debug core): packed below.
    let handed = false;
    const onScanned = (s: { flows: FlowTable }) => {
      const shared = shareFlows(s.flows);
      if (!shared) return;
      parentPort!.postMessage({ table: shared.packed }, shared.transfer);
      handed = true;
    };
    const r = await analyzeFile(path, { ...opts, ...(progress && { onProgress }), ...(share && { sharedMemory: true, onScanned }) });
    const { core, flows: table, ...scan } = r.scan;
    // Everything but the flow table first: the main thread deserialises it (sessions, events: ~2 MB
    // on the bench pair, ~50 ms) while the table is copied below, not after it, on verify's critical
    // path when this is the last worker (files.ts analyzeFilesParallel joins the messages).
    parentPort!.postMessage({ head: { scan, sessions: r.sessions, events: r.events, ...(r.sipCut && { sipCut: r.sipCut }), ...(r.sessionCut && { sessionCut: r.sessionCut }) } });
    let prepared = false;
    const prepare = () => {
      keyOrders(table);
      prepared = true;
    };
    if (handed) {
      // The main thread has not taken the table's preparation: it is still busy with its own
      // capture (files.ts prepareClaims). Done here, on this otherwise idle core, and sent.
      if (prepareClaims && packLockId && Atomics.compareExchange(prepareClaims, packLockId - 1, 0, 1) === 0) {
        prepare();
        const p = preparedOf(table)!;
        parentPort!.postMessage({ ok: true, prepared: p }, preparedBuffers(p));
      } else parentPort!.postMessage({ ok: true });
      return;
    }
    // One worker packs at a time (the pack lock of files.ts analyzeFilesParallel): the other's copy waits for this one to end.
    for (let held; packLock && packLockId && (held = Atomics.compareExchange(packLock, 0, 0, packLockId)) !== 0; ) {
      // Waiting: the other worker's table reaches the main thread first, which prepares it while this
      // one is copied, and then has this table's columns (and key orders) to compute
      // (verify-run.ts prepareSide) before it can pair the two. Computed here meanwhile, from the
      // table in wasm memory, read in slot order; sent with the records.
      if (!prepared) prepare();
      Atomics.wait(packLock, 0, held);
    }
    const offered = offers && offerState && packLockId ? takePackBuffer(offerState, packLockId - 1, offers) : undefined;
    const { packed, transfer } = packFlows(core!, table, offered);
    if (prepared) addPrepared(packed, transfer, table);
    parentPort!.postMessage({ ok: true, flows: packed }, transfer);
  } catch (e) {
    parentPort!.postMessage({ ok: false, name: (e as Error).name, message: (e as Error).message, file: (e as { file?: string }).file, code: (e as { code?: string }).code });
  }
}
void analyzeAndPost();
