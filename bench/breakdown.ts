/**
 * Where the time of `analyze --json` and `verify --json` goes, measured in-process on the bench
 * capture(s), as CPU time (user + system of the process):
 *
 *   analyze: one pipeline run with its stages timed where they happen (so none can come out
 *            negative, whatever the load): read (inside the byte source's read calls) · the wasm
 *            core's loop and the flow table view (the scan minus its reads and event handling),
 *            split into framing + decoding + flow table and control streams (wasm) by the
 *            ratio of the same scan with no ALG port, run in turn with it · control-stream events
 *            → sessions on the host (inside the onEvents callback) · sessions finished and
 *            matched to flows · JSON (the report written to a sink that drops it). Medians of
 *            `runs` per stage, each with the process's minor page faults in it (the scan's
 *            minus its reads' and events'; the wasm loop's not split between its two rows).
 *   verify:  the two captures analyzed (one after the other here, each by the core built with
 *            shared memory; the CLI analyzes one in its main thread and the other in a worker
 *            thread) · transfer of a flow table between threads (shareFlows: the table handed
 *            over in place, its memory shared, + unpackFlows' FlowTable over it, as analyze-worker
 *            and analyzeFilesParallel do) · the reconciliation's flow columns, with the flow ids
 *            sorted by each endpoint key (in the CLI, the worker's side's by whichever thread is
 *            free first: the main thread while the worker finishes its sessions, or the worker) ·
 *            NAT reconciliation (a join of the sorted keys) · pairing assessment (ISNs,
 *            control-line order) · sessions, prediction and report
 *            assembly (the rest of verify(): per run, verify() minus the reconciliation and the
 *            assessment run just before it; the median of those, never below 0) · report JSON
 *            (written in pieces, as the CLI does: its first run, cold, as the CLI's one).
 *            Every run on freshly handed-over tables, as the CLI's (nothing cached from a
 *            previous run).
 *
 * Machine load moves absolute figures by tens of percent: compare shares and the ratios of paired
 * whole-process runs (bench/run.ts), not single times.
 */
import { fileSource, loadCoreModule, analyzeFile } from "../src/node/files.js";
import { scanCapture, type CaptureScan } from "../src/capture/scan.js";
import type { AlgEvent, PullSource } from "../src/wasm/core.js";
import { packFlows, shareFlows, unpackFlows } from "../src/node/flow-transfer.js";
import { writeFlowsJson } from "../src/report/flows-json.js";
import { reconcile } from "../src/verify/nat.js";
import { assessPairing } from "../src/verify/pairing.js";
import { verify } from "../src/verify/verify.js";
import { keyOrders } from "../src/verify/flow-columns.js";
import { writeVerifyJson } from "../src/report/verify-json.js";
import type { AnalyzeResult } from "../src/alg/analyze.js";
import { SessionBuilder, type Session } from "../src/alg/sessions.js";

export interface Phase {
  job: "analyze" | "verify";
  phase: string;
  seconds: number;
  /**
   * Minor page faults of the process during the stage (analyze only; median of the runs): a
   * fresh page's first touch costs 12–14 µs of CPU on the reference VM (bench/PERFORMANCE-LOG.md "analyze,
   * session 9"), so the count says how much of a stage is memory taken anew.
   */
  faults?: number;
}

/** CPU seconds of this process (user + system). */
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function timeIt(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = cpu();
    await fn();
    t.push(cpu() - t0);
  }
  return median(t);
}

/** Minor page faults of this process so far. */
const faults = (): number => process.resourceUsage().minorPageFault;

/** A file source whose read calls add their CPU time to `acc.read` (and their faults to `acc.readFaults`). */
function timedSource(path: string, acc: { read: number; readFaults: number }): PullSource & { close(): void } {
  const src = fileSource(path);
  return {
    read(into: Uint8Array): number {
      const f0 = faults();
      const t0 = cpu();
      const n = src.read(into) as number;
      acc.read += cpu() - t0;
      acc.readFaults += faults() - f0;
      return n;
    },
    close: () => src.close(),
  };
}

interface AnalyzeRun {
  read: number;
  /** The scan minus its reads and event handling: the wasm loop and the flow table view. */
  core: number;
  events: number;
  sessions: number;
  json: number;
  /** Minor page faults of each stage (core: the scan's minus those of its reads and events). */
  readFaults: number;
  coreFaults: number;
  eventsFaults: number;
  sessionsFaults: number;
  jsonFaults: number;
}

const NO_ALG = { ftpPorts: [], rtspPorts: [], sipPorts: [], tftpPorts: [] };

/** One analyze pipeline (as analyzeCapture + the JSON writer), each stage timed where it runs. */
async function analyzeOnce(module: WebAssembly.Module, path: string, alg: boolean): Promise<AnalyzeRun> {
  const acc = { read: 0, events: 0, readFaults: 0, eventsFaults: 0 };
  const builder = new SessionBuilder({ profile: "linux" });
  const onEvents = (e: AlgEvent[]): void => {
    const f0 = faults();
    const t0 = cpu();
    builder.push(e);
    acc.events += cpu() - t0;
    acc.eventsFaults += faults() - f0;
  };
  const src = timedSource(path, acc);
  const f0 = faults();
  const t0 = cpu();
  let scan: CaptureScan;
  try {
    scan = await scanCapture(module, src, alg ? { file: path, onEvents } : { file: path, ...NO_ALG });
  } finally {
    src.close();
  }
  const t1 = cpu();
  const f1 = faults();
  const sessions: Session[] = alg ? builder.finish(scan.flows) : [];
  const t2 = cpu();
  const f2 = faults();
  let bytes = 0;
  writeFlowsJson(scan, (c) => { bytes += c.length; }, { profile: "linux", sessions });
  const t3 = cpu();
  const f3 = faults();
  void bytes;
  return {
    read: acc.read, core: Math.max(0, t1 - t0 - acc.read - acc.events), events: acc.events, sessions: t2 - t1, json: t3 - t2,
    readFaults: acc.readFaults, coreFaults: Math.max(0, f1 - f0 - acc.readFaults - acc.eventsFaults), eventsFaults: acc.eventsFaults,
    sessionsFaults: f2 - f1, jsonFaults: f3 - f2,
  };
}

/** The analyze breakdown of one capture (median of `runs` each; runs with and without ALG ports in turn). */
export async function analyzeBreakdown(path: string, runs = 3): Promise<Phase[]> {
  const module = await loadCoreModule();
  const withAlg: AnalyzeRun[] = [];
  const noAlg: number[] = [];
  for (let i = 0; i < runs; i++) {
    withAlg.push(await analyzeOnce(module, path, true));
    noAlg.push((await analyzeOnce(module, path, false)).core);
  }
  const m = (k: keyof AnalyzeRun) => median(withAlg.map((r) => r[k]));
  const core = m("core");
  // Share of the wasm loop that decoding alone takes (the scan with no ALG port); the rest is the
  // control streams in wasm. Clamped: under load the no-ALG scan can come out slower.
  const share = core > 0 ? Math.min(1, median(noAlg) / core) : 1;
  // The wasm loop's faults are not split: the no-ALG scan takes as many for the flow table.
  return [
    { job: "analyze", phase: "read (inside the source's reads)", seconds: m("read"), faults: m("readFaults") },
    { job: "analyze", phase: "framing + decoding + flow table (wasm loop, no-ALG share)", seconds: core * share, faults: m("coreFaults") },
    { job: "analyze", phase: "control streams (wasm, the rest of the loop)", seconds: core * (1 - share) },
    { job: "analyze", phase: "control events → sessions (host, in onEvents)", seconds: m("events"), faults: m("eventsFaults") },
    { job: "analyze", phase: "sessions finished, matched to flows", seconds: m("sessions"), faults: m("sessionsFaults") },
    { job: "analyze", phase: "JSON report (flows from wasm memory + sessions)", seconds: m("json"), faults: m("jsonFaults") },
  ];
}

/**
 * An analysis with its flow table handed over as a worker hands it (a fresh table: nothing cached
 * on it): in place, its memory shared (the analysis ran on the core built with shared memory);
 * packed where the core has none (ALG_VERIFY_WASM=debug), as the worker does then.
 */
function handedOver(r: AnalyzeResult): AnalyzeResult {
  const { packed } = shareFlows(r.scan.flows) ?? packFlows(r.scan.core!, r.scan.flows);
  return { ...r, scan: { ...r.scan, flows: unpackFlows(packed) } };
}

/**
 * The verify breakdown of an inside/outside pair (median of `runs` each after one analysis). Each
 * run works on freshly handed-over tables, as the CLI's one run does: what verify() caches on a
 * table (columns, key orders) is paid in every run, not only the first.
 */
export async function verifyBreakdown(inside: string, outside: string, runs = 3): Promise<Phase[]> {
  const t0 = cpu();
  const ins = await analyzeFile(inside, { sharedMemory: true });
  const outs = await analyzeFile(outside, { sharedMemory: true });
  const analyzed = cpu() - t0;
  // Per run: the transfer of both tables, their columns, the reconciliation, the assessment, then
  // the whole verify() (its reconciliation reads the columns computed just before); its rest is
  // the difference within the run, the median of those never below 0.
  const transfers: number[] = [], columns: number[] = [], nats: number[] = [], pairings: number[] = [], rests: number[] = [];
  let report: ReturnType<typeof verify> | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = cpu();
    const a = handedOver(ins);
    const b = handedOver(outs);
    const t1 = cpu();
    keyOrders(a.scan.flows);
    keyOrders(b.scan.flows);
    const t2 = cpu();
    const rec = reconcile(a.scan.flows, b.scan.flows);
    const t3 = cpu();
    assessPairing(a, b, rec);
    const t4 = cpu();
    report = verify({ inside: a, outside: b, router: [] });
    const t5 = cpu();
    transfers.push((t1 - t0) / 2);
    columns.push(t2 - t1);
    nats.push(t3 - t2);
    pairings.push(t4 - t3);
    rests.push(t5 - t4 - (t3 - t2) - (t4 - t3));
  }
  // As the CLI writes it: once, in pieces, to a sink that drops them. Its first run only: the CLI
  // pays the writer's cold run (a median of later runs measured its warm code: 27–48 ms where the
  // CLI's one run took ~150, bench/PERFORMANCE-LOG.md "verify, session 9").
  const json = await timeIt(1, () => writeVerifyJson(report!, () => {}));
  return [
    { job: "verify", phase: "analyze inside + outside (one after the other here)", seconds: analyzed },
    { job: "verify", phase: "flow table to another thread (in place: shared memory + view), per side", seconds: median(transfers) },
    { job: "verify", phase: "flow columns, both sides (endpoint keys and their orders, start times, packets)", seconds: median(columns) },
    { job: "verify", phase: "NAT reconciliation (a join by key, pairing by numeric keys)", seconds: median(nats) },
    { job: "verify", phase: "pairing assessment (ISNs, control-line order)", seconds: median(pairings) },
    { job: "verify", phase: "sessions, prediction, report assembly (rest of verify())", seconds: Math.max(0, median(rests)) },
    { job: "verify", phase: "report JSON (written in pieces, first run)", seconds: json },
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
    const withFaults = ps.some((p) => p.faults !== undefined);
    lines.push(`${job} breakdown (in-process CPU time${withFaults ? " and minor page faults" : ""}, median of 3):`);
    for (const p of ps) {
      const f = p.faults !== undefined ? `  ${p.faults.toLocaleString("en-US").padStart(7)} faults` : withFaults ? "  (in the row above)" : "";
      lines.push(`  ${p.phase.padEnd(w)}  ${p.seconds.toFixed(3).padStart(7)} s  ${((100 * p.seconds) / total).toFixed(0).padStart(3)} %${f}`);
    }
  }
  return lines.join("\n");
}

const entry = process.argv[1] ?? "";
if (entry.endsWith("breakdown.js") && process.argv.length >= 3) {
  const [a, b] = process.argv.slice(2);
  const phases = [...(await analyzeBreakdown(a)), ...(b ? await verifyBreakdown(a, b) : [])];
  process.stdout.write(formatBreakdown(phases) + "\n");
}
