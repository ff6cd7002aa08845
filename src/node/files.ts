/**
 * Files on Node: wasm loading, file streaming ("-" = standard input) and the file-level capture
 * entries (scanFile, analyzeFile, analyzeFilesParallel). Kept apart from the library's entry
 * (./index.ts) so the CLI's commands and the worker threads load only what they use.
 */
import type { MessagePort } from "node:worker_threads";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileCore } from "../wasm/instantiate.js";
import type { ByteSource, PullSource } from "../wasm/core.js";
import type { FlowTable } from "../capture/flow-table.js";
import type { PackedFlows } from "./flow-transfer.js";
import type { PreparedColumns } from "../verify/flow-columns.js";
import { scanCapture, type CaptureScan, type ScanOptions } from "../capture/scan.js";
import { analyzeCapture, type AnalyzeResult, type AnalyzeScanOptions } from "../alg/analyze.js";

const cachedModules = new Map<string, WebAssembly.Module>();

/** Directory of the package (the nearest ancestor holding package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("alg-verify: package root not found");
}

/**
 * Compiles build/release.wasm (or build/debug.wasm with ALG_VERIFY_WASM=debug) once per process;
 * with `shared`, build/shared.wasm: the release core with shared memory (its flow table read by
 * another thread without a copy: analyze-worker.ts), the debug core when that is asked for.
 */
export async function loadCoreModule(shared = false): Promise<WebAssembly.Module> {
  const flavour = flavourOf(shared);
  let module = cachedModules.get(flavour);
  if (!module) {
    const path = join(packageRoot(), "build", `${flavour}.wasm`);
    if (!existsSync(path)) throw new Error(`wasm core not built: ${path} is missing (run npm run build)`);
    module = compileCore(readFileSync(path));
    cachedModules.set(flavour, module);
  }
  return module;
}

/**
 * Makes `module` this thread's compiled core of its flavour (`shared` as loadCoreModule's): a core
 * compiled by the thread that started this worker (analyze-worker.ts), so that both run one
 * compiled module — V8 shares its code between the threads, and with it the optimised code its
 * hot functions are tiered up to (files.ts analyzeFilesParallel).
 */
export function adoptCoreModule(module: WebAssembly.Module, shared: boolean): void {
  cachedModules.set(flavourOf(shared), module);
}

/** The core a thread loads: ALG_VERIFY_WASM=debug's, else the one with shared memory or the plain one. */
function flavourOf(shared: boolean): "debug" | "shared" | "release" {
  return process.env.ALG_VERIFY_WASM === "debug" ? "debug" : shared ? "shared" : "release";
}

export { InputError } from "./errors.js";
import { InputError } from "./errors.js";

const errText = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * Reads a file sequentially straight into the caller's buffer (the wasm window): zero copy.
 * Reads are synchronous: one 128 KiB read costs a few microseconds from the page cache, far
 * less than a trip through the libuv thread pool, and a scan has nothing else to do meanwhile.
 */
export function fileSource(path: string): PullSource & { close(): void; size: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new InputError(path, `cannot open ${path}: ${errText(e)}`);
  }
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    closeSync(fd);
    throw new InputError(path, `cannot read ${path}: it is a directory`);
  }
  return {
    size: st.size,
    read(into: Uint8Array): number {
      try {
        return readSync(fd, into, 0, into.length, null);
      } catch (e) {
        throw new InputError(path, `cannot read ${path}: ${errText(e)}`);
      }
    },
    close: () => closeSync(fd),
  };
}

/** Options of the file entries: the core's, with `file` (the name in reports) optional. */
export type FileOptions<O> = Omit<O, "file"> & {
  file?: string;
  /** What a path "-" reads (default process.stdin). */
  stdin?: ByteSource;
  /** Scan with the core built with shared memory (loadCoreModule(true)); results are the same. */
  sharedMemory?: boolean;
};

/** Runs a platform-neutral entry on a file (or "-" for standard input), closing the file after. */
async function withFile<O extends { file: string }, R>(
  path: string, opts: FileOptions<O>,
  run: (module: WebAssembly.Module, source: ByteSource, opts: O) => Promise<R>,
): Promise<R> {
  const { stdin, sharedMemory, ...rest } = opts;
  if (path === "-") return run(await loadCoreModule(sharedMemory), stdin ?? process.stdin, { ...rest, file: rest.file ?? "<stdin>" } as unknown as O);
  const src = fileSource(path);
  try {
    return await run(await loadCoreModule(sharedMemory), src, { ...rest, file: rest.file ?? path } as unknown as O);
  } finally {
    src.close();
  }
}

/** Scans one capture file (or "-" for standard input). */
export function scanFile(path: string, opts: FileOptions<ScanOptions> = {}): Promise<CaptureScan> {
  return withFile(path, opts, scanCapture);
}

/** Scans one capture file (or "-") and builds its ALG sessions. */
export function analyzeFile(path: string, opts: FileOptions<AnalyzeScanOptions> = {}): Promise<AnalyzeResult> {
  return withFile(path, opts, analyzeCapture);
}

/**
 * Young generation of each worker thread of `analyzeFilesParallel` (MiB; V8's default lets it grow
 * to 3 × 16 MiB). What a worker allocates on the JS side (events, sessions) dies young or is small,
 * so a smaller nursery only adds cheap scavenges; its pages stay resident until the worker ends,
 * and both workers hold theirs beside their wasm memories at verify's peak. Measured on the bench
 * pair (2 × 1 GiB verify, 5 paired runs, load 13-15): peak RSS 249 vs 270 MiB (median), CPU ratio
 * 1.00.
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** Environment variable: "0" makes `analyzeFilesParallel` analyze every file in a worker thread, none in this one. */
export const MAIN_SCAN_ENV = "ALG_VERIFY_MAIN_SCAN";

/**
 * Environment variable: "0" makes `analyzeFilesParallel`'s workers hand their flow tables over as
 * packed copies (the layout before session 22) instead of in place, in their shared wasm memory.
 * Results are the same.
 */
export const SHARE_TABLES_ENV = "ALG_VERIFY_SHARE_TABLES";

/**
 * Environment variable: who computes the columns and key orders (verify's preparation, `onTable`'s
 * work) of a worker's table handed over in place. Unset: whichever thread is free first — this
 * one when it reads the table's message (it reads messages only when done with its own capture),
 * the worker when it has finished its sessions before that. "main": always this thread (session
 * 23's layout); "worker": always the worker. Results are the same.
 */
export const PREPARE_ENV = "ALG_VERIFY_PREPARE";

/** Index of the largest of `paths` (the first of equal ones; an unreadable file counts as empty: its error comes from its analysis). */
function largestFile(paths: string[]): number {
  let best = 0;
  let most = -1;
  for (let i = 0; i < paths.length; i++) {
    let size = 0;
    try {
      size = statSync(paths[i]).size;
    } catch {
      // analyzeFile reports it
    }
    if (size > most) {
      most = size;
      best = i;
    }
  }
  return best;
}

/**
 * Analyzes several captures at once: the largest in this thread, each other one in a worker
 * thread (the inside and outside captures of `verify` on a 2-core machine take the time of one).
 * Falls back to one after the other where the compiled worker is not available (running from the
 * TypeScript sources, e.g. under vitest). Standard input ("-") is read in this thread (a worker
 * has no access to it), the files then all in workers. `onResult` is called with each result
 * analyzed in this thread or by a worker as it is ready (what can be prepared from one capture
 * alone is done while the other is still analyzed); `onTable` with the flow table of a worker
 * that hands it over as soon as its scan made it (in shared memory), before its sessions are
 * finished and its result is ready. ALG_VERIFY_MAIN_SCAN=0 puts every file in a worker (the
 * layout before session 15; results are the same).
 */
export async function analyzeFilesParallel(
  paths: string[], opts: Omit<FileOptions<AnalyzeScanOptions>, "file" | "onProgress"> = {},
  filters: (AnalyzeScanOptions["interfaceFilter"] | undefined)[] = [],
  onProgress?: (index: number, bytes: number) => void,
  onResult?: (index: number, result: AnalyzeResult) => void | Promise<void>,
  onTable?: (index: number, table: FlowTable) => void | Promise<void>,
): Promise<AnalyzeResult[]> {
  const workerUrl = new URL("./analyze-worker.js", import.meta.url);
  const { stdin, ...shared } = opts;
  const optsOf = (i: number) => (filters[i] ? { ...shared, interfaceFilter: filters[i] } : shared);
  const here = (i: number) => ({ ...optsOf(i), stdin, ...(onProgress && { onProgress: (bytes: number) => onProgress(i, bytes) }) });
  if (paths.length < 2 || !existsSync(fileURLToPath(workerUrl))) {
    const out: AnalyzeResult[] = [];
    for (let i = 0; i < paths.length; i++) out.push(await analyzeFile(paths[i], here(i)));
    return out;
  }
  // The largest file is analyzed here (MAIN_SCAN_ENV). This thread starts scanning ~0.1 s before a
  // worker would (a worker's start-up: Node's bootstrap, the chunk, the wasm), its table needs no
  // copy out of wasm memory nor its sessions a message, and the other worker's copy waits for no
  // pack lock; this thread's wasm memory (~33 MiB touched, against a ~32 MiB copy of a 250 k-flow
  // table) is then held to the end of the report, which verify's peak allows.
  const inThread = paths.includes("-") || process.env[MAIN_SCAN_ENV] === "0" ? -1 : largestFile(paths);
  // Each worker scans with the core built with shared memory and hands its flow table over in
  // place (analyze-worker.ts, flow-transfer.ts shareFlows) as soon as its scan made it: no packed
  // copy (~32 MiB and ~45 ms for 250 k flows) beside both wasm memories at verify's peak
  // (bench/PERFORMANCE-LOG.md, session 22), and this thread, done with its own capture by then,
  // prepares the table (onTable) while the worker finishes its sessions (session 23). The pack
  // lock and the offers below serve the packed copies (SHARE_TABLES_ENV=0, or a core without
  // shared memory: the debug one).
  const share = process.env[SHARE_TABLES_ENV] !== "0";
  // Who prepares a table handed over in place (PREPARE_ENV): slot i is 0 until worker i (1) or this
  // thread (2) takes it. This thread reads a table's message only once it is done with its own
  // capture (its scan, its sessions, its own table's preparation); a worker that has finished its
  // sessions before that prepares its table itself, on the core that would otherwise wait, and
  // sends the columns with its result. No slots: this thread prepares (PREPARE_ENV=main, or no
  // preparation asked for).
  const prepareBy = process.env[PREPARE_ENV];
  const prepareClaims = onTable && share && prepareBy !== "main" ? new Int32Array(new SharedArrayBuffer(4 * paths.length)) : undefined;
  // Only the parallel path needs these (loaded here: start-up cost of a one-capture command). The
  // workers are made first; the transfer's modules load while they start up.
  const { MessageChannel, Worker } = await import("node:worker_threads");
  // With tables shared, this thread scans with the same compiled core as the workers, handed to
  // them: one module whose hot functions V8 tiers up once for every thread, where the plain core
  // here and the shared one in the worker were two, each optimised on the two cores' spare time
  // while both scans ran in baseline code (a worker's scan took 0.56–0.99 s beside this one's; 2 ×
  // 1 GiB verify 0.975 × wall, 0.962 × CPU, peak +8 MiB: bench/PERFORMANCE-LOG.md, session 25).
  const coreModule = share ? await loadCoreModule(true) : undefined;
  const transferModules = Promise.all([import("./flow-transfer.js"), import("./pack-offer.js")]);
  // The pack lock: 0 free, else the number (index + 1) of the worker copying its flow table out
  // of wasm memory; freed here when that worker has ended, whatever the way. Two workers that
  // finish together would otherwise each hold a 32 MiB copy beside both wasm memories (verify's
  // peak RSS on a quiet machine); the second waits for the first's copy, message and end.
  const packLock = new Int32Array(new SharedArrayBuffer(4));
  // The first worker to end makes the pack buffer of each one still analyzing, sized by its own
  // table, while they run (pack-offer.ts offerPackBuffer); ports[i]: where worker i takes it.
  const offerState = new Int32Array(new SharedArrayBuffer(4 * paths.length));
  const ports: (MessagePort | undefined)[] = [];
  const running = new Set<number>();
  const offerToOthers = (offerPackBuffer: typeof import("./pack-offer.js").offerPackBuffer, flows: number) => {
    for (const j of running) offerPackBuffer(offerState, j, ports[j]!, flows);
  };
  // Bytes read by each worker, written by it as it reads (analyze-worker.ts); and the last figure
  // handed to `onProgress` per capture (a message read late must not move it back).
  const progressSlots = new Float64Array(new SharedArrayBuffer(8 * paths.length));
  const progressShown = new Float64Array(paths.length);
  const progressOf = (i: number, bytes: number) => {
    if (bytes <= progressShown[i]) return;
    progressShown[i] = bytes;
    onProgress!(i, bytes);
  };
  const analyzedHere = async (i: number): Promise<AnalyzeResult> => {
    // Started on a later turn of the event loop: after the workers are made (below, in this turn)
    // and after what the caller queued before this call (verify-run.ts loads verify's modules on
    // the next turn), so neither waits for this thread's scan.
    await new Promise<void>((go) => setImmediate(go));
    // This thread's scan does not return to the event loop: the workers' progress is read from
    // their shared slots at each of its own steps (their messages wait for the scan's end).
    const tick = onProgress && ((bytes: number) => {
      progressOf(i, bytes);
      for (const j of running) progressOf(j, progressSlots[j]);
    });
    const r = await analyzeFile(paths[i], { ...optsOf(i), stdin, ...(coreModule && { sharedMemory: true }), ...(tick && { onProgress: tick }) });
    await onResult?.(i, r);
    return r;
  };
  return Promise.all(paths.map((path, i) => path === "-" ? analyzeFile(path, here(i)) : i === inThread ? analyzedHere(i) : new Promise<AnalyzeResult>((resolve, reject) => {
    const { port1, port2 } = new MessageChannel();
    ports[i] = port1;
    running.add(i);
    const w = new Worker(workerUrl, {
      workerData: { path, opts: optsOf(i), progress: Boolean(onProgress), progressSlots, packLock, packLockId: i + 1, offers: port2, offerState, share, prepareClaims, coreModule },
      transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    w.once("exit", () => {
      running.delete(i);
      port1.close();
      if (Atomics.compareExchange(packLock, 0, i + 1, 0) === i + 1) Atomics.notify(packLock, 0);
    });
    /** The result but its flow table, posted ahead of it (analyze-worker.ts). */
    let head: Omit<AnalyzeResult, "scan"> & { scan: Omit<AnalyzeResult["scan"], "flows"> } | undefined;
    /** A table handed over in place as soon as the worker's scan made it ({ table }), made a FlowTable here and prepared (onTable). */
    let early: Promise<FlowTable> | undefined;
    w.on("message", (m) => {
      // { progress: bytes } while reading (when asked for), then the result: a table in shared
      // memory ({ table }) as soon as the scan ends, { head } (all but the flow table), then
      // { ok } — with the flows ({ ok, flows }) unless the table came first, then with the
      // table's columns when the worker took their preparation ({ ok, prepared }: prepareClaims).
      if (typeof m.progress === "number") {
        progressOf(i, m.progress);
        return;
      }
      if (m.table) {
        const packed = m.table as PackedFlows;
        early = transferModules.then(async ([{ unpackFlows }]) => {
          const flows = unpackFlows(packed);
          const mine = !prepareClaims || (prepareBy !== "worker" && Atomics.compareExchange(prepareClaims, i, 0, 2) === 0);
          if (mine) await onTable?.(i, flows);
          return flows;
        });
        // A failure is the result's (below).
        early.catch(() => {});
        return;
      }
      if (m.head) {
        head = m.head;
        return;
      }
      if (!m.ok) {
        void w.terminate();
        reject(m.name === "InputError" ? new InputError(m.file, m.message, m.code) : new Error(m.message));
        return;
      }
      const packed: PackedFlows | undefined = m.flows;
      const got = head!;
      head = undefined;
      // The result is handed on once the worker has ended: what `onResult` allocates (verify's
      // preparation) must not add to the worker's wasm memory, still resident until then.
      const prepared: PreparedColumns | undefined = m.prepared;
      void Promise.all([transferModules, w.terminate(), early]).then(async ([[{ unpackFlows, attachPrepared }, { offerPackBuffer }], , handed]) => {
        const flows = handed ?? unpackFlows(packed!);
        if (handed && prepared) attachPrepared(handed, prepared);
        const result: AnalyzeResult = { scan: { ...got.scan, flows }, sessions: got.sessions, events: got.events, ...(got.sipCut && { sipCut: got.sipCut }), ...(got.sessionCut && { sessionCut: got.sessionCut }) };
        // This thread's own preparation first: when the other worker ends meanwhile, it packs its
        // table itself (on the other core) while this one prepares, where an offer made first had
        // it wait for this thread's buffer and then for this thread's preparation. An offer made
        // after it still serves a worker that is analyzing (pack-offer.ts: none once it has packed).
        await onResult?.(i, result);
        // A table handed over in place: the others are too (no pack buffer to make for them).
        if (!handed) offerToOthers(offerPackBuffer, flows.count);
        resolve(result);
      }).catch(reject);
    });
    w.once("error", reject);
  })));
}
