/**
 * Streaming writer of the `flows --json` report (schemaVersion 1; schema/flows.schema.json).
 *
 * A capture may hold hundreds of thousands of flows: the flows array is written by the wasm core
 * straight from its flow table (assembly/report/json.ts) in blocks of at most 256 KiB of ASCII,
 * handed to `write` as bytes, so neither flow objects nor the whole text ever exist at once. The
 * output, one flow per line, parses to exactly `flowsReport(scan)`.
 */
import type { CaptureScan } from "../capture/scan.js";
import { ST_OUT_LEN } from "../wasm/abi.js";

/**
 * A sink for report text: strings for the envelope, ASCII bytes for the flows. A byte chunk is
 * a view into wasm memory, valid only until the sink returns: copy it to keep it.
 */
export type Sink = (chunk: string | Uint8Array) => void;

/**
 * Writes the report; `extra` members (e.g. `sessions` of `analyze`) follow `flows` and precede
 * `stats`.
 */
export function writeFlowsJson(scan: CaptureScan, write: Sink, extra: Record<string, unknown> = {}): void {
  write(`{"schemaVersion":1,"capture":${JSON.stringify(scan.info)},"flows":[`);
  if (!scan.core) throw new Error("writeFlowsJson needs the scan's wasm instance");
  const core = scan.core.exports;
  core.orderFlows();
  const outPtr = core.outPtr() >>> 0;
  const lenAt = (core.statePtr() >>> 0) + ST_OUT_LEN;
  const dv = new DataView(core.memory.buffer);
  for (let id = 1; id <= scan.flows.count; ) {
    id = core.writeFlows(id) >>> 0;
    const n = dv.getUint32(lenAt, true);
    write(new Uint8Array(core.memory.buffer, outPtr, n));
  }
  let tail = "\n]";
  for (const [k, v] of Object.entries(extra)) tail += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
  write(`${tail},"stats":${JSON.stringify(scan.stats)},"diagnostics":${JSON.stringify(scan.diagnostics)}}\n`);
}

/** Collects a sink's output as one string (tests, the browser's download). */
export function sinkToString(run: (write: Sink) => void): string {
  const dec = new TextDecoder();
  let s = "";
  run((c) => {
    s += typeof c === "string" ? c : dec.decode(c);
  });
  return s;
}
