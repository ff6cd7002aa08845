/**
 * Browser entry of the library: Blob/File streaming and wasm compilation on top of the
 * platform-neutral core. No DOM and no fetch: it runs in a Web Worker (web/src/worker.ts) or in a
 * page, and the caller hands it the wasm bytes (the static page inlines them, so it needs no
 * network at all).
 *
 *   const module = await compileCoreAsync(wasmBytes);
 *   const { report } = await verifyBlobs(module, { inside: fileA, outside: fileB, router: [{ name, text }] });
 *
 * `report` is exactly what `alg-verify verify --json` prints for the same files named the same.
 */
import type { PullSource } from "../wasm/core.js";
import { analyzeCapture, type AnalyzeResult, type AnalyzeScanOptions } from "../alg/analyze.js";
import { parseVerifyRouter } from "../verify/router-input.js";
import { verify, type VerifyOptions, type VerifyReport } from "../verify/verify.js";
import type { InterfaceSpec } from "../capture/iface.js";
import type { RouterParseResult } from "../router/types.js";

export * from "../index.js";
export { analyzeCapture, type AnalyzeResult, type AnalyzeScanOptions } from "../alg/analyze.js";
export { verify, type VerifyOptions, type VerifyReport } from "../verify/verify.js";
export { predictedJunos, formatVerifyText, evidenceText } from "../report/verify-text.js";
export { formatDiagnostic } from "../report/flows-text.js";
export {
  htmlReport, writeHtmlReport, groupFindings, findingGroups, answersList, timelineRows, negotiationRows, sipDialogs,
  tftpTransfers, checksSection, checksHeading, checksTable, sidesSwappedNote, unpairedFlows, NEGOTIATION_HEADERS, NEGOTIATION_NUMERIC, HTML_MAX_ROWS, type HtmlReportOptions,
} from "../report/html.js";
export { ladder, ladders, type Ladder, type LadderOptions } from "../report/ladder.js";
export { topology } from "../report/topology.js";
export type { Markup } from "../report/markup.js";
export { parseRouterText, buildRouterReport, formatRouterText, canonicalIp } from "../router/index.js";
export { FLOW_SIZE } from "../wasm/abi.js";
export { parseInterfaceSpec, INTERFACE_SPEC_HELP, type InterfaceSpec } from "../capture/iface.js";
export { parseCidr, type Cidr } from "../net/cidr.js";
export { flowCapLog2For } from "../capture/flow-capacity.js";
// Platform neutral despite its folder: the page's worker hands its flow tables over as Node's workers do.
export { packFlows, unpackFlows, type PackedFlows } from "../node/flow-transfer.js";

/** Compiles the core off the main thread's critical path (WebAssembly.compile, not the sync form). */
export function compileCoreAsync(bytes: BufferSource): Promise<WebAssembly.Module> {
  return WebAssembly.compile(bytes);
}

/**
 * Bytes of the staging buffer a byte stream (`File.stream()` in Chromium and Node) is read into
 * with a BYOB reader before the copy into the wasm window. One buffer, handed back and forth:
 * no ArrayBuffer per chunk. Larger than STREAM_MIN_READ_BYTES, so a read takes whatever else has
 * arrived by then (Chromium's Blob data pipe holds 2 MiB: reads of up to ~3 MiB were seen).
 */
export const STREAM_STAGING_BYTES = 4 << 20;

/**
 * The least a BYOB read asks for (`read(view, { min })`; the stream's last read may give less).
 * Chromium delivers a File's bytes as they arrive through a 2 MiB data pipe, in pieces of ~70 KiB
 * on average when every read takes what is there: each piece costs a wake-up and a promise in the
 * worker and in the browser process. Waiting for 1 MiB makes ~1 000 reads of a 1 GiB File
 * instead of ~10 000–15 000 (h7, session 9: README "In the browser"). A browser without the
 * option reads as before.
 */
export const STREAM_MIN_READ_BYTES = 1 << 20;

/**
 * A PullSource over a ReadableStream (`File.stream()`): each read fills the caller's buffer (the
 * wasm window) from as many stream chunks as it takes, keeping the rest of a chunk for the next
 * read. One copy per byte, which the stream's own chunks make unavoidable (a BYOB read cannot
 * target wasm memory: it would detach it).
 *
 * Given `reopen` (the same bytes from an offset: `blob.slice(at).stream()`), a byte stream is read
 * with a BYOB reader into one reused staging buffer: in Chromium 156 that reads a 256 MiB File
 * with 0.3–0.9 s of CPU over all its processes where the default reader, which hands over a new
 * ArrayBuffer per chunk, takes 1.5–1.7 s (load 7–14). But there a BYOB read of a File now and
 * then never settles (seen in about 1 of 10 reads of 256 MiB); so a BYOB read that has not
 * settled after STREAM_STALL_MS is given up: the stream is cancelled and the rest, from the
 * first byte not yet delivered, is read with the default reader (`stalls` counts it). Other
 * streams, and any stream without `reopen`, use the default reader.
 */
export function streamSource(
  stream: ReadableStream<Uint8Array>, signal?: AbortSignal, reopen?: (offset: number) => ReadableStream<Uint8Array>,
): PullSource & { cancel(): Promise<void>; readonly stalls: number; readonly reads: number; readonly waitMs: number } {
  const next = chunkReader(stream, reopen);
  let waitMs = 0;
  let rest: Uint8Array | undefined;
  let done = false;
  return {
    async read(into: Uint8Array): Promise<number> {
      let n = 0;
      while (n < into.length) {
        if (signal?.aborted) throw signal.reason ?? new DOMException("cancelled", "AbortError");
        if (!rest || rest.length === 0) {
          if (done) break;
          const t0 = performance.now();
          const r = await next.read();
          waitMs += performance.now() - t0;
          if (r === undefined) {
            done = true;
            break;
          }
          rest = r;
        }
        const k = Math.min(rest.length, into.length - n);
        into.set(rest.subarray(0, k), n);
        rest = rest.subarray(k);
        n += k;
      }
      return n;
    },
    cancel: () => next.cancel(),
    get stalls() {
      return next.stalls;
    },
    /** Reads of the stream so far (each a wake-up of this thread; see STREAM_MIN_READ_BYTES). */
    get reads() {
      return next.reads;
    },
    /** Milliseconds this thread spent awaiting the stream's chunks (the reads' wall time, including the chunk's arrival). */
    get waitMs() {
      return waitMs;
    },
  };
}

/** How long a BYOB read may take before streamSource reads the rest with the default reader. */
export const STREAM_STALL_MS = 3000;

/**
 * The stream's chunks one at a time (undefined at its end). A chunk from the BYOB reader lives in
 * the staging buffer, valid until the next read (streamSource asks for the next only once it has
 * copied the whole chunk).
 */
function chunkReader(
  stream: ReadableStream<Uint8Array>, reopen?: (offset: number) => ReadableStream<Uint8Array>,
): { read(): Promise<Uint8Array | undefined>; cancel(): Promise<void>; readonly stalls: number; readonly reads: number } {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    if (reopen) byob = stream.getReader({ mode: "byob" });
  } catch {
    // not a byte stream
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined = byob ? undefined : stream.getReader();
  let staging = new ArrayBuffer(STREAM_STAGING_BYTES);
  let delivered = 0;
  let stalls = 0;
  let reads = 0;
  let byobEnded = false;
  const byobRead = async (b: ReadableStreamBYOBReader): Promise<Uint8Array | undefined | "stalled"> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<"stalled">((resolve) => { timer = setTimeout(() => resolve("stalled"), STREAM_STALL_MS); });
    try {
      const r = await Promise.race([b.read(new Uint8Array(staging), { min: STREAM_MIN_READ_BYTES }), stalled]);
      if (r === "stalled") return r;
      if (!r.value) return undefined;
      staging = r.value.buffer as ArrayBuffer;
      // With `min`, the stream's end comes with the bytes that arrived after the last read.
      if (r.done) byobEnded = true;
      return r.value.length > 0 ? r.value : undefined;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async read() {
      if (byobEnded) return undefined;
      reads++;
      if (byob) {
        const r = await byobRead(byob);
        if (r !== "stalled") {
          if (r) delivered += r.length;
          return r;
        }
        stalls++;
        await byob.cancel().catch(() => undefined);
        byob = undefined;
        reader = reopen!(delivered).getReader();
      }
      const r = await reader!.read();
      if (r.done) return undefined;
      delivered += r.value.length;
      return r.value;
    },
    cancel: () => (byob ?? reader!).cancel(),
    get stalls() {
      return stalls;
    },
    get reads() {
      return reads;
    },
  };
}

/** A capture to analyze: a File, or any Blob with a name (used in diagnostics and the report). */
export interface NamedBlob {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
  /** The bytes from `start` on (a File's and a Blob's slice): lets a stalled BYOB read resume (streamSource). */
  slice?(start: number): { stream(): ReadableStream<Uint8Array> };
}

/** Analyzes one Blob/File (the browser twin of the Node entry's `analyzeFile`). */
export async function analyzeBlob(
  module: WebAssembly.Module, blob: NamedBlob,
  opts: Omit<AnalyzeScanOptions, "file"> & { file?: string; signal?: AbortSignal; read?: { stalls: number; reads?: number; waitMs?: number } } = {},
): Promise<AnalyzeResult> {
  const { signal, read, ...rest } = opts;
  const source = streamSource(blob.stream(), signal, blob.slice && ((at) => blob.slice!(at).stream()));
  try {
    return await analyzeCapture(module, source, { ...rest, file: opts.file ?? blob.name });
  } finally {
    if (read) {
      read.stalls = source.stalls;
      read.reads = source.reads;
      read.waitMs = source.waitMs;
    }
    await source.cancel().catch(() => undefined);
  }
}

export interface VerifyBlobsInput {
  inside?: NamedBlob;
  outside?: NamedBlob;
  /** When inside and outside are one capture (the same Blob): the interface of each side. */
  insideIf?: InterfaceSpec;
  outsideIf?: InterfaceSpec;
  /** Router output already read as text, with the name shown in diagnostics. */
  router?: { name: string; text: string }[];
}

/** Time the engine spent on one capture (stream read + wasm + sessions). */
export interface CaptureTiming {
  side: "inside" | "outside";
  bytes: number;
  ms: number;
  /** wasm linear memory of the run: fixed at start, whatever the capture's size. */
  wasmBytes: number;
  /** BYOB reads given up after STREAM_STALL_MS (the rest read with the default reader; streamSource). */
  stalls: number;
  /** Reads of the File's stream (fewer, larger reads cost less CPU: STREAM_MIN_READ_BYTES). */
  reads: number;
  /** Of `ms`, the time spent awaiting the File's bytes (the engine idle, the browser still reading). */
  waitMs: number;
}

export interface VerifyBlobsOptions extends Omit<AnalyzeScanOptions, "file" | "onProgress">, VerifyOptions {
  /** Progress of each capture: bytes consumed so far and the file's size. */
  onProgress?: (side: "inside" | "outside", bytes: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * `verify` on Blobs: the captures one after the other (a worker has one thread), then the router
 * text, then `verify()` with the same options the CLI passes. Returns the analyses and the parsed
 * router output too (the page shows their flow tables and the router's own view).
 */
export async function verifyBlobs(
  module: WebAssembly.Module, input: VerifyBlobsInput, opts: VerifyBlobsOptions = {},
): Promise<{ report: VerifyReport; inside?: AnalyzeResult; outside?: AnalyzeResult; router: RouterParseResult[]; timing: CaptureTiming[] }> {
  const { onProgress, signal, hints, allMappings, clockOffsetMs, frameTolerance, sipSidesDialogs, ...analyzeOpts } = opts;
  const analyzed: { inside?: AnalyzeResult; outside?: AnalyzeResult } = {};
  const timing: CaptureTiming[] = [];
  for (const side of ["inside", "outside"] as const) {
    const blob = input[side];
    if (!blob) continue;
    const t0 = performance.now();
    const filter = side === "inside" ? input.insideIf : input.outsideIf;
    const read = { stalls: 0, reads: 0, waitMs: 0 };
    analyzed[side] = await analyzeBlob(module, blob, {
      ...analyzeOpts, ...(filter ? { interfaceFilter: filter } : {}), signal, read, onProgress: onProgress && ((bytes: number) => onProgress(side, bytes, blob.size)),
    });
    timing.push({ side, bytes: analyzed[side].scan.info.bytes, ms: performance.now() - t0, wasmBytes: analyzed[side].scan.memoryBytes, stalls: read.stalls, reads: read.reads, waitMs: read.waitMs });
  }
  const router = (input.router ?? []).map((r) => parseVerifyRouter(r.text, r.name));
  const report = verify({ ...analyzed, router }, { profile: opts.profile, clockOffsetMs, frameTolerance, allMappings, hints, sipSidesDialogs });
  return { report, ...analyzed, router, timing };
}
