/**
 * Where the time of `analyze --json` and `verify --json` goes, measured in-process on the bench
 * capture(s) by running each stage on its own (or the pipeline with one stage added) and taking
 * differences of the medians:
 *
 *   analyze: read (the file read into the core's window, nothing decoded) · framing + decoding +
 *            flow table (the wasm core with no ALG port: one loop, measured together; the core's
 *            counters give what it did) · control streams + sessions (the same scan with the
 *            FTP/RTSP ports, plus the host's session building) · JSON (the report written to a sink
 *            that drops it).
 *   verify:  the two captures analyzed (one after the other here; the CLI runs them in two worker
 *            threads) · transfer of a flow table between threads (its dense copy + a new FlowTable
 *            over it, as analyze-worker and analyzeFilesParallel do) · NAT reconciliation · pairing
 *            assessment (ISNs, control-line order) · sessions, prediction and report assembly (the
 *            rest of verify()) · report JSON.
 *
 * Machine load moves absolute figures by tens of percent: compare shares and the ratios of paired
 * whole-process runs (bench/run.ts), not single times.
 */
import { fileSource, loadCoreModule, analyzeFile } from "../src/node/files.js";
import { scanCapture } from "../src/capture/scan.js";
import { FlowTable } from "../src/wasm/core.js";
import { writeFlowsJson } from "../src/report/flows-json.js";
import { reconcile } from "../src/verify/nat.js";
import { assessPairing } from "../src/verify/pairing.js";
import { verify } from "../src/verify/verify.js";
import type { AnalyzeResult } from "../src/alg/analyze.js";

export interface Phase {
  job: "analyze" | "verify";
  phase: string;
  seconds: number;
}

const now = () => performance.now() / 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function timeIt(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await fn();
    t.push(now() - t0);
  }
  return median(t);
}

function readOnly(path: string): void {
  const src = fileSource(path);
  const buf = new Uint8Array(4 << 20);
  while ((src.read(buf) as number) > 0);
  src.close();
}

/** The analyze breakdown of one capture (median of `runs` each). */
export async function analyzeBreakdown(path: string, runs = 3): Promise<Phase[]> {
  const module = await loadCoreModule();
  const read = await timeIt(runs, () => readOnly(path));
  const core = await timeIt(runs, async () => {
    const src = fileSource(path);
    await scanCapture(module, src, { file: path, ftpPorts: [], rtspPorts: [] });
    src.close();
  });
  let result: AnalyzeResult | undefined;
  const analyze = await timeIt(runs, async () => {
    result = await analyzeFile(path, { profile: "linux" });
  });
  let bytes = 0;
  const json = await timeIt(runs, () => {
    bytes = 0;
    writeFlowsJson(result!.scan, (c) => { bytes += c.length; }, { profile: "linux", sessions: result!.sessions });
  });
  void bytes;
  return [
    { job: "analyze", phase: "read (file → wasm window, nothing decoded)", seconds: read },
    { job: "analyze", phase: "framing + decoding + flow table (wasm, no ALG port)", seconds: core - read },
    { job: "analyze", phase: "control streams + sessions (ALG ports on, host sessions)", seconds: analyze - core },
    { job: "analyze", phase: "JSON report (flows from wasm memory + sessions)", seconds: json },
  ];
}

/** The verify breakdown of an inside/outside pair (median of `runs` each after one analysis). */
export async function verifyBreakdown(inside: string, outside: string, runs = 3): Promise<Phase[]> {
  const t0 = now();
  const ins = await analyzeFile(inside, {});
  const outs = await analyzeFile(outside, {});
  const analyzed = now() - t0;
  const transfer = await timeIt(runs, () => {
    const dense = outs.scan.flows.toDense();
    return new FlowTable(dense, 0, outs.scan.flows.count, outs.scan.flows.count);
  });
  const nat = await timeIt(runs, () => reconcile(ins.scan.flows, outs.scan.flows));
  const rec = reconcile(ins.scan.flows, outs.scan.flows);
  const pairing = await timeIt(runs, () => assessPairing(ins, outs, rec));
  let report: ReturnType<typeof verify> | undefined;
  const whole = await timeIt(runs, () => {
    report = verify({ inside: ins, outside: outs, router: [] });
  });
  const json = await timeIt(runs, () => JSON.stringify(report));
  return [
    { job: "verify", phase: "analyze inside + outside (one after the other here)", seconds: analyzed },
    { job: "verify", phase: "flow table to another thread (dense copy + view), per side", seconds: transfer },
    { job: "verify", phase: "NAT reconciliation (pairing flows by numeric keys)", seconds: nat },
    { job: "verify", phase: "pairing assessment (ISNs, control-line order)", seconds: pairing },
    { job: "verify", phase: "sessions, prediction, report assembly (rest of verify())", seconds: Math.max(0, whole - nat - pairing) },
    { job: "verify", phase: "report JSON", seconds: json },
  ];
}

/** Aligned text of the phases with their share of the job's sum. */
export function formatBreakdown(phases: Phase[]): string {
  const lines: string[] = [];
  for (const job of ["analyze", "verify"] as const) {
    const ps = phases.filter((p) => p.job === job);
    if (!ps.length) continue;
    const total = ps.reduce((a, p) => a + p.seconds, 0);
    const w = Math.max(...ps.map((p) => p.phase.length));
    lines.push(`${job} breakdown (in-process, median of 3):`);
    for (const p of ps) lines.push(`  ${p.phase.padEnd(w)}  ${p.seconds.toFixed(3).padStart(7)} s  ${((100 * p.seconds) / total).toFixed(0).padStart(3)} %`);
  }
  return lines.join("\n");
}

const entry = process.argv[1] ?? "";
if (entry.endsWith("breakdown.js") && process.argv.length >= 3) {
  const [a, b] = process.argv.slice(2);
  const phases = [...(await analyzeBreakdown(a)), ...(b ? await verifyBreakdown(a, b) : [])];
  process.stdout.write(formatBreakdown(phases) + "\n");
}
