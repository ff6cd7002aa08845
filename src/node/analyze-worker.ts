/**
 * Worker thread of `analyzeFilesParallel`: analyzes one capture and posts the result back, with
 * the flow table as a transferred dense copy of its records (the instance itself stays here).
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyzeFile } from "./files.js";

const { path, opts, progress } = workerData as { path: string; opts: Parameters<typeof analyzeFile>[1]; progress?: boolean };
/** Bytes read so far, posted as { progress } at most every PROGRESS_POST_MS (the first at once). */
const PROGRESS_POST_MS = 50;
let posted = -Infinity;
const onProgress = (bytes: number) => {
  const now = Date.now();
  if (now - posted < PROGRESS_POST_MS) return;
  posted = now;
  parentPort!.postMessage({ progress: bytes });
};
try {
  const r = await analyzeFile(path, progress ? { ...opts, onProgress } : opts);
  // Every flow's record in id order (those that left the wasm table included).
  const flows = r.scan.flows.toDense();
  const count = r.scan.flows.count;
  const { core: _core, flows: _table, ...scan } = r.scan;
  parentPort!.postMessage({ ok: true, scan, cap: count, count, flows, sessions: r.sessions, events: r.events }, [flows]);
} catch (e) {
  parentPort!.postMessage({ ok: false, name: (e as Error).name, message: (e as Error).message, file: (e as { file?: string }).file, code: (e as { code?: string }).code });
}
