/**
 * FTP control floods (issue 13): one control connection carrying 10 MB and 100 MB of `PORT`
 * lines, and of `NOOP` lines (pcaps/make/control-floods.ts), through `alg-verify analyze --json`
 * as a whole process: wall time and peak RSS. The ALG state is bounded by --max-negotiations
 * (default 10 000 per session), so the peak must not follow the flood's size.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { controlFlood, type FloodSpec } from "../pcaps/make/control-floods.js";

export interface FloodRow {
  name: string;
  bytes: number;
  seconds: number;
  peakRssMiB?: number;
  status: number;
}

export function runFloodBench(
  dataDir: string, bin: string,
  time: (cmd: string, args: string[]) => { seconds: number; peakRssMiB?: number; status: number },
  sizes = [10 << 20, 100 << 20],
): FloodRow[] {
  mkdirSync(dataDir, { recursive: true });
  const rows: FloodRow[] = [];
  for (const line of ["port", "noop"] as FloodSpec["line"][]) {
    for (const size of sizes) {
      const path = join(dataDir, `flood-${line}-${size >> 20}M.pcap`);
      if (!existsSync(path)) controlFlood(path, { bytes: size, line });
      const t = time(process.execPath, [bin, "analyze", path, "--json"]);
      rows.push({ name: `analyze --json, FTP control flood of ${line.toUpperCase()} lines, ${size >> 20} MiB`, bytes: statSync(path).size, ...t });
    }
  }
  return rows;
}
