/**
 * The engine: a dedicated worker running the same wasm core and library as the CLI. It owns no
 * logic of its own: it compiles the inlined wasm once, streams each File through
 * `verifyBlobs` (src/browser), reports progress at most every PROGRESS_MS, and posts the report,
 * its text forms and compact copies of the flow tables back to the page.
 */
import wasmBase64 from "virtual:core-wasm";
import {
  buildRouterReport, compileCoreAsync, formatRouterText, formatVerifyText, formatDiagnostic,
  packFlows, predictedJunos, verifyBlobs, type AnalyzeResult,
} from "../../src/browser/index.js";
import type { FlowTableTransfer, Side, VerifyRequest, WorkerMessage } from "./protocol.js";

const PROGRESS_MS = 100;

const post = (m: WorkerMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/** The wasm arrives as base64 inside this script; decoding it needs no fetch (CSP connect-src 'none'). */
function wasmBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(wasmBase64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const modulePromise = compileCoreAsync(wasmBytes());

/**
 * Copies every flow record of a capture out of wasm memory in table-slot order (count × FLOW_SIZE
 * bytes), as Node's analysis workers do (src/node/flow-transfer.ts): a sequential read of the table.
 */
function compactFlows(side: Side, r: AnalyzeResult): FlowTableTransfer {
  return { side, ...packFlows(r.scan.core!, r.scan.flows).packed };
}

async function run(req: VerifyRequest): Promise<void> {
  const module = await modulePromise;
  // Progress at most every PROGRESS_MS (and at each capture's end): a repaint per percent would
  // take CPU from the browser process that reads the file, on a 2-core machine ~20 % of the run.
  const last: Record<Side, { pct: number; at: number }> = { inside: { pct: -1, at: 0 }, outside: { pct: -1, at: 0 } };
  const { report, inside, outside, router, timing } = await verifyBlobs(
    module,
    { inside: req.inside, outside: req.outside, router: req.router, insideIf: req.insideIf, outsideIf: req.outsideIf },
    {
      ...req.options,
      onProgress: (side, bytes, total) => {
        const pct = total > 0 ? Math.floor((bytes * 100) / total) : 100;
        const now = performance.now();
        const l = last[side];
        if (pct === l.pct || (pct < 100 && now - l.at < PROGRESS_MS)) return;
        l.pct = pct;
        l.at = now;
        post({ type: "progress", side, bytes, total });
      },
    },
  );
  let text = "";
  formatVerifyText(report, (s) => { text += s; });
  const routerText = router.length ? formatRouterText(buildRouterReport(router)) : "";
  const flows: FlowTableTransfer[] = [];
  if (inside) flows.push(compactFlows("inside", inside));
  if (outside) flows.push(compactFlows("outside", outside));
  const err = report.diagnostics.find((d) => d.severity === "error" && d.offset !== undefined);
  post({
    type: "done", report, junos: predictedJunos(report.predicted.conversations), routerText, text, flows, timing,
    inputError: err ? formatDiagnostic(err) : undefined,
  }, flows.map((f) => f.records));
}

self.onmessage = (e: MessageEvent<VerifyRequest>) => {
  if (e.data?.type !== "verify") return;
  run(e.data).catch((err: unknown) => post({ type: "error", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }));
};

modulePromise.then(() => post({ type: "ready" }), (err: unknown) => post({ type: "error", message: `wasm core failed to compile: ${String(err)}` }));
