/**
 * Worker thread of `analyzeFilesParallel`: analyzes one capture and posts the result back, with
 * the flow table as a transferred copy of its wasm region (the instance itself stays here).
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyzeFile } from "./files.js";
import { FLOW_SIZE } from "../wasm/abi.js";

const { path, opts } = workerData as { path: string; opts: Parameters<typeof analyzeFile>[1] };
try {
  const r = await analyzeFile(path, opts);
  const core = r.scan.core!.exports;
  const cap = core.flowCap() >>> 0;
  const base = core.flowsPtr() >>> 0;
  const flows = core.memory.buffer.slice(base, base + cap * FLOW_SIZE);
  const { core: _core, flows: _table, ...scan } = r.scan;
  parentPort!.postMessage({ ok: true, scan, cap, count: r.scan.flows.count, flows, sessions: r.sessions, events: r.events }, [flows]);
} catch (e) {
  parentPort!.postMessage({ ok: false, name: (e as Error).name, message: (e as Error).message, file: (e as { file?: string }).file, code: (e as { code?: string }).code });
}
