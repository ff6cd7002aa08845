/**
 * Streaming writer of the `flows --json` report (schemaVersion 1; schema/flows.schema.json).
 *
 * A capture may hold hundreds of thousands of flows: the report is produced in chunks of about
 * 1 MiB straight from the flow table, one flow per line, so neither the flow objects nor the
 * whole text are ever held at once. The output parses to exactly `flowsReport(scan)`.
 */
import type { CaptureScan } from "../capture/scan.js";

const CHUNK = 1 << 20;

export function writeFlowsJson(scan: CaptureScan, write: (chunk: string) => void): void {
  write(`{"schemaVersion":1,"capture":${JSON.stringify(scan.info)},"flows":[`);
  let buf = "";
  const table = scan.flows;
  for (let id = 1; id <= table.count; id++) {
    buf += (id === 1 ? "\n" : ",\n") + JSON.stringify(table.get(id));
    if (buf.length >= CHUNK) {
      write(buf);
      buf = "";
    }
  }
  write(buf);
  write(`\n],"stats":${JSON.stringify(scan.stats)},"diagnostics":${JSON.stringify(scan.diagnostics)}}\n`);
}
