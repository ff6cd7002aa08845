/**
 * `node dist/bench/warm-runs.js <capture> <runs> [--sip-ports none|<list>]`: analyzes one capture `runs`
 * times in this one process, each as `analyze --json --profile linux` does it (the scan, the
 * sessions, the JSON written to a sink that drops it),
 * and prints one JSON line: `{ "wall": [ms…], "cpu": [ms…] }`, one figure per run.
 *
 * The first run is what every CLI process pays (V8 runs the host's code in its interpreter and
 * compiles what gets hot); the later ones show the same work with V8 warm. bench/run.ts runs it
 * for issue 14's criterion: the gap between a capture with SIP and one without, first run against
 * last, says how much of SIP's cost is the engine warming up rather than the work itself.
 */
import { parseArgs } from "node:util";
import { analyzeFile } from "../src/node/files.js";
import { writeFlowsJson } from "../src/report/flows-json.js";

export interface WarmRuns {
  wall: number[];
  cpu: number[];
}

export async function warmRuns(path: string, runs: number, sipPorts?: number[]): Promise<WarmRuns> {
  const out: WarmRuns = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await analyzeFile(path, { profile: "linux", ...(sipPorts && { sipPorts }) });
    writeFlowsJson(r.scan, () => {}, { profile: "linux", sessions: r.sessions });
    const c = process.cpuUsage(c0);
    out.wall.push(performance.now() - t0);
    out.cpu.push((c.user + c.system) / 1000);
  }
  return out;
}

if (process.argv[1]?.endsWith("warm-runs.js")) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { "sip-ports": { type: "string" } } });
  const [path, runs] = positionals;
  const sip = values["sip-ports"];
  const sipPorts = sip === undefined ? undefined : sip === "none" ? [] : sip.split(",").map(Number);
  if (!path || !Number.isInteger(Number(runs)) || Number(runs) < 1 || sipPorts?.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    process.stderr.write("usage: warm-runs <capture> <runs ≥ 1> [--sip-ports none|<list>]\n");
    process.exit(2);
  }
  const r = await warmRuns(path, Number(runs), sipPorts);
  process.stdout.write(JSON.stringify(r) + "\n");
}
