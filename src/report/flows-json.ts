/**
 * Streaming writer of the `flows --json` report (schemaVersion 1; schema/flows.schema.json).
 *
 * A capture may hold hundreds of thousands of flows: the flows array is written by the wasm core
 * straight from its flow table and the records of flows that left it (assembly/report/json.ts) in blocks of at most 256 KiB of ASCII,
 * handed to `write` as bytes, so neither flow objects nor the whole text ever exist at once. The
 * output, one flow per line, parses to exactly `flowsReport(scan)`.
 */
import type { CaptureScan } from "../capture/scan.js";
import { ENDED_CAP, FLOW_SIZE, ST_OUT_LEN } from "../wasm/abi.js";
import { ENDED_FLOW, type FlowTable } from "../capture/flow-table.js";
import type { CoreExports } from "../wasm/instantiate.js";
import { writeJson } from "./json-pieces.js";
import { writeSessionsJson } from "./sessions-json.js";
import type { Session } from "../alg/sessions.js";

/**
 * A sink for report text: strings for the envelope, bytes for the flows (ASCII) and the `extra`
 * arrays (UTF-8, each chunk whole characters). A byte chunk is a view into wasm
 * memory or a reused buffer, valid only until the sink returns: copy it to keep it.
 */
export type Sink = (chunk: string | Uint8Array) => void;

/**
 * Writes the report; `extra` members (e.g. `sessions` of `analyze`) follow `flows` and precede
 * `stats`. An array member is written a member at a time by json-pieces.ts, in chunks of about
 * 64 KiB of bytes (a long capture's sessions are megabytes of JSON: never one string, nor its copy).
 */
export function writeFlowsJson(scan: CaptureScan, write: Sink, extra: Record<string, unknown> = {}): void {
  write(`{"schemaVersion":1,"capture":${JSON.stringify(scan.info)},"flows":[`);
  if (!scan.core) throw new Error("writeFlowsJson needs the scan's wasm instance");
  writeFlowArray(scan.core.exports, scan.flows, write);
  let tail = "\n]";
  for (const [k, v] of Object.entries(extra)) {
    if (!Array.isArray(v)) {
      tail += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
      continue;
    }
    write(`${tail},${JSON.stringify(k)}:`);
    // member by member, in chunks of bytes (json-pieces.ts): a hole or a member without JSON is null;
    // analyze's sessions a session at a time (sessions-json.ts: the same bytes)
    if (k === "sessions") writeSessionsJson(v as Session[], write);
    else writeJson(v, write);
    tail = "";
  }
  write(`${tail},"stats":${JSON.stringify(scan.stats)},"diagnostics":${JSON.stringify(scan.diagnostics)}}\n`);
}

/**
 * The flows in id order, written by the core: for each run of ids the host lists in ORDER where
 * each record is — a slot of the table, or (for a flow that left the table) a copy of its record
 * staged in the core's ENDED region, which is idle once the capture has been read.
 */
function writeFlowArray(core: CoreExports, flows: FlowTable, write: Sink): void {
  const buffer = core.memory.buffer;
  const order = new Uint32Array(buffer, core.orderPtr() >>> 0, core.flowCap() >>> 0);
  const mem = new Uint8Array(buffer);
  const endedPtr = core.endedPtr() >>> 0;
  const outPtr = core.outPtr() >>> 0;
  const dv = new DataView(buffer);
  const lenAt = (core.statePtr() >>> 0) + ST_OUT_LEN;
  for (let id = 1; id <= flows.count; ) {
    let k = 0;
    let staged = 0;
    for (; id <= flows.count && k < order.length && staged < ENDED_CAP; id++) {
      const w = flows.where(id);
      if (w & ENDED_FLOW) {
        mem.set(flows.endedRecord(w & ~ENDED_FLOW), endedPtr + staged * FLOW_SIZE);
        order[k++] = (ENDED_FLOW | staged++) >>> 0;
      } else {
        order[k++] = w;
      }
    }
    for (let from = 0; from < k; ) {
      from = core.writeFlowList(from, k) >>> 0;
      write(new Uint8Array(buffer, outPtr, dv.getUint32(lenAt, true)));
    }
  }
}

/** Collects a sink's output as one string (tests, the browser's download); byte chunks are UTF-8. */
export function sinkToString(run: (write: Sink) => void): string {
  const dec = new TextDecoder();
  let s = "";
  run((c) => {
    s += typeof c === "string" ? c : dec.decode(c);
  });
  return s;
}
