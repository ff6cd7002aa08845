/**
 * `npm run bench` — throughput of the capture core, side by side in one run, on a deterministic
 * generated capture (bench/gen-capture.ts; created on demand under bench/data/, never committed):
 *
 *   1. tinybench, in-process, same file in the page cache:
 *        wasm core (scanFile: framing + decoding + flow table)
 *        plain-JS implementation of the same loop (bench/js-decoder.ts)
 *        pcap-parser (framing only; the slow baseline)
 *   2. whole process: `alg-verify flows|analyze <file> --json > /dev/null` and `verify --json` on
 *      an inside/outside pair, wall time, packets/s and peak RSS (1 GiB by default; `--huge` adds
 *      4 GiB and the 4 GiB churn capture), each run in turn with the C yardstick
 *      (`--yardstick`, default ../shared/bench/decode.c, compiled with gcc into a temporary
 *      folder; never part of the package) and quoted as the median of the paired ratios — on a
 *      shared machine only ratios of neighbouring runs mean anything; `tshark -q -z conv,tcp`
 *      on the small file where tshark is installed;
 *   2b. the breakdown of analyze and verify (bench/breakdown.ts; `--skip-breakdown` leaves it out);
 *   3. router-output parsing (bench/router.bench.ts);
 *   4. the web page in Chromium against Node on the tinybench file (bench/web.bench.ts), where
 *      Chromium is installed (`--skip-web` leaves it out);
 *   5. FTP control floods of 10 and 100 MiB of PORT and NOOP lines through `analyze --json`, with
 *      their peak RSS (bench/floods.bench.ts; `--skip-floods` leaves them out).
 *
 * Figures are MB/s (10^6 bytes) and packets/s; the machine is printed with them and everything is
 * also written as JSON to bench/data/results.json.
 *
 *   6. issue 14's criterion, "analyze throughput within 10 % of today's on the same size", as the issue
 *      words it: `analyze --json --profile linux` of this build on the process-size capture with SIP and
 *      TFTP scripts (the current generator, 3) against the build of the day the issue was filed
 *      (bench/baseline.ts: ISSUE14_BASELINE, built from the repository's history; `--baseline <commit>`,
 *      `--baseline none` leaves it out) on that day's capture of the same size (FTP and RTSP only;
 *      `gen-capture --generator 1`, byte for byte that day's generator), paired whole-process runs
 *      (A B A B …): the median of the wall ratios against SIP_TFTP_LIMIT (1.10: throughput, MB/s), the
 *      CPU ratios' median beside it. Then, for information, what SIP/TFTP cost this build itself: the
 *      same capture against generator 1's with this build (the limit applied to that too, printed as
 *      such), and the CPU one SIP message costs (each round also runs the SIP capture with
 *      `--sip-ports none`: the difference over its messages). Beside it, the same pair analyzed 4 times
 *      in one process each (bench/warm-runs.ts): the ratio and SIP's cost in a process's first analysis
 *      and in its last, once V8 has warmed the host's code. `--skip-criterion` leaves all of 6 out.
 *   7. issue 16's floor: `analyze --json` and `verify --json` with every ALG off (`--ftp-ports none`
 *      … `--tftp-ports none`), paired with the C yardstick as the rows above: what the scans, the
 *      flow table, the flows' NAT reconciliation and the JSON cost before any session is reconstructed.
 *
 * Options: --size <bytes, e.g. 256M> (tinybench file), --process-size <1G>, --huge, --skip-router, --skip-web, --skip-floods,
 * --skip-breakdown, --skip-criterion, --baseline <commit|none>, --yardstick <decode.c>, --iterations <n>.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, type as osType, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import pcapParser from "pcap-parser";
import { GENERATOR_VERSION, generateBenchCapture, parseSize, type GeneratorVersion } from "./gen-capture.js";
import { JsFlowDecoder } from "./js-decoder.js";
import { makeOutside } from "./gen-pair.js";
import { runRouterBench, runRouterProcessBench } from "./router.bench.js";
import { runWebBench } from "./web.bench.js";
import { runFloodBench } from "./floods.bench.js";
import { analyzeBreakdown, formatBreakdown, verifyBreakdown, type Phase } from "./breakdown.js";
import { ISSUE14_BASELINE, baselineBuild } from "./baseline.js";
import { analyzeFile, fileSource, loadCoreModule, packageRoot } from "../src/node/index.js";
import { scanCapture } from "../src/capture/scan.js";

const root = packageRoot();
const dataDir = join(root, "bench", "data");

interface Row {
  name: string;
  mbPerSec: number;
  packetsPerSec?: number;
  seconds: number;
  bytes: number;
  packets?: number;
  peakRssMiB?: number;
  /** Median of paired runs' wall-time ratios to the C yardstick on one file (see yardstick()). */
  vsC?: number;
  note?: string;
}

function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

/**
 * The generated capture of `bytes` size (made once, reused); `churn`: flows that come and go;
 * `generator` 1: the capture without SIP/TFTP scripts (the baseline of the SIP/TFTP criterion).
 */
function capture(bytes: number, flowLength = 1, churn = false, generator: GeneratorVersion = GENERATOR_VERSION): { path: string; packets: number; flows: number } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `bench-${bytes}${flowLength > 1 ? `-x${flowLength}` : ""}${churn ? "-churn" : ""}${generator === 1 ? "-g1" : ""}.pcap`);
  const meta = `${path}.json`;
  const stale = (): boolean => JSON.parse(execFileSync("cat", [meta], { encoding: "utf8" })).generator !== generator;
  if (!existsSync(path) || !existsSync(meta) || statSync(path).size < bytes || stale()) {
    process.stderr.write(`bench: generating ${path} …\n`);
    const r = generateBenchCapture(path, churn ? { bytes, seed: 1, churn, generator } : { bytes, flows: 200_000, seed: 1, flowLength, generator });
    writeFileSync(meta, JSON.stringify({ ...r, generator }));
  }
  return { path, ...JSON.parse(execFileSync("cat", [meta], { encoding: "utf8" })) };
}

/** Every ALG off: what analyze and verify cost with no session to reconstruct (issue 16's floor rows). */
const ALGS_OFF = ["--ftp-ports", "none", "--rtsp-ports", "none", "--sip-ports", "none", "--tftp-ports", "none"];

function jsDecode(path: string): number {
  const dec = new JsFlowDecoder(19);
  const fd = openSync(path, "r");
  const buf = new Uint8Array(128 << 10);
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) dec.feed(buf.subarray(0, n));
  closeSync(fd);
  return dec.finish().packets;
}

function pcapParserDecode(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const p = pcapParser.parse(createReadStream(path, { highWaterMark: 1 << 20 }));
    p.on("packet", () => n++);
    p.on("error", reject);
    p.on("end", () => resolve(n));
  });
}

/**
 * Runs a command with its stdout to /dev/null; wall seconds, and with GNU time (if present) peak
 * RSS and CPU seconds (user + system).
 */
function timeProcess(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { seconds: number; peakRssMiB?: number; cpuSeconds?: number; status: number } {
  const gnuTime = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "%U %S %M", cmd, ...args], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env })
    : spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env });
  const seconds = (performance.now() - t0) / 1000;
  const [user, sys, kb] = gnuTime ? (r.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number) : [NaN, NaN, NaN];
  const cpuSeconds = Number.isFinite(user) && Number.isFinite(sys) ? user + sys : undefined;
  return { seconds, peakRssMiB: Number.isFinite(kb) ? kb / 1024 : undefined, cpuSeconds, status: r.status ?? -1 };
}

/**
 * What the CLI's shebang sets (`#!/usr/bin/env -S NAME=VALUE … node FLAGS`): its node flags, and the
 * environment with its assignments (`${NAME}` expanded as env -S does). The whole-process runs use
 * both, as the installed CLI does; the C yardstick runs in the bench's own environment.
 */
function binShebang(bin: string): { flags: string[]; env: NodeJS.ProcessEnv } {
  const first = readFileSync(bin, "utf8").split("\n", 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?((?:[A-Za-z_]\w*=\S*\s+)*)node\s+(.*)$/.exec(first);
  const env = { ...process.env };
  for (const a of m?.[1].trim().split(/\s+/).filter(Boolean) ?? []) {
    const eq = a.indexOf("=");
    env[a.slice(0, eq)] = a.slice(eq + 1).replace(/\$\{(\w+)\}/g, (_, v: string) => process.env[v] ?? "");
  }
  return { flags: m ? m[2].trim().split(/\s+/) : [], env };
}

/**
 * A criterion of issue 14: analyze's time (wall) on the capture with SIP/TFTP over the one without, at
 * the same size; CPU beside it. `id` "issue14": against the build of the day the issue was filed (the
 * issue's own words, judged); "issue14-own-cost": against this build (what SIP/TFTP cost it, for
 * information: the same limit applied to this build's own speed without them).
 */
export interface Criterion {
  id: "issue14" | "issue14-own-cost";
  name: string;
  /** Median of the paired runs' wall-time ratios (A/B, A B A B …): what `met` judges (throughput, MB/s). */
  ratio: number;
  ratios: number[];
  /** Median of the same pairs' CPU ratios (user + system), printed beside the wall one. */
  cpuRatio: number;
  cpuRatios: number[];
  limit: number;
  met: boolean;
  note: string;
  /**
   * What one SIP message costs analyze: the median over the rounds of (CPU on the capture − CPU on
   * it with `--sip-ports none`, which leaves its SIP unparsed) / its SIP messages, in µs (wasm and host).
   */
  usPerSipMessage?: number;
  sipMessages?: number;
  /** The same captures analyzed WARM_RUNS times in one process each (bench/warm-runs.ts): see warmSplit. */
  warm?: WarmSplit;
}

/** Analyses per process in warmSplit. */
export const WARM_RUNS = 4;

/**
 * Issue 14's criterion, first analysis of a process against its last (WARM_RUNS in one process,
 * bench/warm-runs.ts; medians over the rounds): the wall ratio of the capture with SIP/TFTP to the
 * one without, and what SIP costs (the capture against itself with `--sip-ports none`), in ms.
 * Every CLI process is a first run: the gap between the two says how much of the cost is V8
 * warming up the host's code (interpreter, feedback, compiling) rather than the work itself.
 */
export interface WarmSplit {
  rounds: number;
  firstRatio: number;
  lastRatio: number;
  sipFirstMs: number;
  sipLastMs: number;
}

/** SIP/TFTP may cost analyze at most this much more wall time (less throughput) than the same size without them. */
export const SIP_TFTP_LIMIT = 1.1;

/** SIP messages analyze finds in a capture (kept and counted beyond --max-negotiations). */
export async function sipMessagesOf(path: string): Promise<number> {
  const { sessions } = await analyzeFile(path, { profile: "linux" });
  let n = 0;
  for (const s of sessions) n += (s.sip?.messages.length ?? 0) + (s.partial?.messagesNotKept ?? 0);
  return n;
}

/**
 * `analyze --json --profile linux` (with the node flags of the CLI's shebang) on the bench capture (the current generator: with
 * SIP and TFTP, every script finished) and on generator 1's capture of the same size (FTP and RTSP only), in turn (A B A B …, `runs` pairs
 * after one warm-up pair): the median of the pairs' whole-process wall ratios, and beside it of their
 * CPU ratios (user + system; ratios of neighbouring runs hold when the machine's speed drifts). Each round also runs A with
 * `--sip-ports none` (C): (A − C) / `sipMessages` is the CPU one SIP message costs. Undefined without GNU time.
 */
export function sipTftpCriterion(bin: string, withSip: string, without: string, bytes: number, sipMessages: number, runs = 5): Criterion | undefined {
  // Through the shebang's node flags and environment, as the installed CLI runs (and as the other whole-process rows do).
  const { flags, env } = binShebang(bin);
  const args = (f: string, ...more: string[]) => [...flags, bin, "analyze", f, "--json", "--profile", "linux", ...more];
  timeProcess(process.execPath, args(withSip), env);
  timeProcess(process.execPath, args(without), env);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const perMessage: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = timeProcess(process.execPath, args(withSip), env);
    const b = timeProcess(process.execPath, args(without), env);
    const c = timeProcess(process.execPath, args(withSip, "--sip-ports", "none"), env).cpuSeconds;
    if (a.cpuSeconds === undefined || b.cpuSeconds === undefined || c === undefined) return undefined;
    ratios.push(a.seconds / b.seconds);
    cpuRatios.push(a.cpuSeconds / b.cpuSeconds);
    if (sipMessages > 0) perMessage.push(((a.cpuSeconds - c) * 1e6) / sipMessages);
  }
  const ratio = median(ratios);
  const cpuRatio = median(cpuRatios);
  const us = perMessage.length ? median(perMessage) : undefined;
  return {
    id: "issue14-own-cost",
    name: `SIP/TFTP's own cost in this build: analyze --json wall, bench capture with SIP/TFTP / without (generator 1), both with this build, ${(bytes / 2 ** 30).toFixed(2)} GiB each`,
    ratio, ratios, cpuRatio, cpuRatios, limit: SIP_TFTP_LIMIT, met: ratio <= SIP_TFTP_LIMIT,
    note: pairsNote(ratios, cpuRatios, cpuRatio) +
      (us === undefined ? "" : `; a SIP message costs ${us.toFixed(0)} µs of CPU (${sipMessages} messages; median of (CPU − CPU with --sip-ports none) / messages)`),
    ...(us !== undefined && { usPerSipMessage: us, sipMessages }),
  };
}

/**
 * Issue 14's criterion as worded: `analyze --json --profile linux` of this build (`bin`, through its
 * shebang's flags) on the capture with SIP/TFTP against the baseline build (`baseBin`, through its
 * own shebang) on generator 1's capture of the same size, in turn (A B A B …, `runs` pairs after a
 * warm-up pair): the medians of the pairs' wall and CPU ratios. Undefined without GNU time.
 */
export function baselineCriterion(bin: string, baseBin: string, commit: string, withSip: string, without: string, bytes: number, runs = 5): Criterion | undefined {
  const mine = binShebang(bin);
  const base = binShebang(baseBin);
  const a = () => timeProcess(process.execPath, [...mine.flags, bin, "analyze", withSip, "--json", "--profile", "linux"], mine.env);
  const b = () => timeProcess(process.execPath, [...base.flags, baseBin, "analyze", without, "--json", "--profile", "linux"], base.env);
  a();
  b();
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = a();
    const y = b();
    if (x.status !== 0 || y.status !== 0) {
      process.stderr.write(`bench: issue 14's baseline run failed (exit ${x.status} / ${y.status}): the criterion is left out\n`);
      return undefined;
    }
    if (x.cpuSeconds === undefined || y.cpuSeconds === undefined) return undefined;
    ratios.push(x.seconds / y.seconds);
    cpuRatios.push(x.cpuSeconds / y.cpuSeconds);
  }
  const ratio = median(ratios);
  const cpuRatio = median(cpuRatios);
  return {
    id: "issue14",
    name: `issue 14, "analyze throughput within 10 % of today's on the same size": analyze --json wall, this build on the bench capture with SIP/TFTP / the build of the day the issue was filed (${commit.slice(0, 12)}) on that day's capture (generator 1), ${(bytes / 2 ** 30).toFixed(2)} GiB each`,
    ratio, ratios, cpuRatio, cpuRatios, limit: SIP_TFTP_LIMIT, met: ratio <= SIP_TFTP_LIMIT,
    note: pairsNote(ratios, cpuRatios, cpuRatio),
  };
}

/** What a criterion's paired runs gave, pair by pair (its note's start). */
function pairsNote(ratios: number[], cpuRatios: number[], cpuRatio: number): string {
  const each = (xs: number[]) => xs.map((r) => r.toFixed(3)).join(" ");
  return `median of ${ratios.length} paired whole-process runs, wall pairs ${each(ratios)}; CPU (user + system) ${cpuRatio.toFixed(3)}×, pairs ${each(cpuRatios)}`;
}

/** warmSplit's rounds: each runs the three processes (with SIP, without, with `--sip-ports none`) in turn. */
export function warmSplit(withSip: string, without: string, flags: string[], env: NodeJS.ProcessEnv, rounds = 3): WarmSplit | undefined {
  const script = join(dirname(fileURLToPath(import.meta.url)), "warm-runs.js");
  const run = (f: string, ...more: string[]): number[] | undefined => {
    const r = spawnSync(process.execPath, [...flags, script, f, String(WARM_RUNS), ...more], { encoding: "utf8", env, maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      process.stderr.write(`bench: warm-runs ${f} failed (${r.status}): ${r.stderr.trim().split("\n").pop()}\n`);
      return undefined;
    }
    return (JSON.parse(r.stdout) as { wall: number[] }).wall;
  };
  const first: number[] = [], last: number[] = [], sipFirst: number[] = [], sipLast: number[] = [];
  const end = WARM_RUNS - 1;
  for (let i = 0; i < rounds; i++) {
    const a = run(withSip);
    const b = run(without);
    const c = run(withSip, "--sip-ports", "none");
    if (!a || !b || !c) return undefined;
    first.push(a[0] / b[0]);
    last.push(a[end] / b[end]);
    sipFirst.push(a[0] - c[0]);
    sipLast.push(a[end] - c[end]);
  }
  return { rounds, firstRatio: median(first), lastRatio: median(last), sipFirstMs: median(sipFirst), sipLastMs: median(sipLast) };
}

/**
 * The C yardstick (../shared/bench/decode.c: framing, decoding, a flow table and a port 21/554
 * scan, single-threaded, read() in 4 MiB chunks), compiled where we measure; undefined when the
 * source or gcc is missing. It is a measuring stick, never part of the package.
 */
function yardstick(source: string): string | undefined {
  if (!existsSync(source)) return undefined;
  const out = join(mkdtempSync(join(tmpdir(), "alg-verify-yardstick-")), "decode");
  const r = spawnSync("gcc", ["-O2", "-o", out, source], { stdio: "ignore" });
  return r.status === 0 ? out : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * `runs` pairs of (command, C yardstick on `file`), in turn: the best time and peak RSS of the
 * command, and the median of the pairs' ratios (only ratios of neighbouring runs mean anything on
 * a shared machine).
 */
function paired(cmd: string, args: string[], c: string | undefined, file: string, runs = 3, env?: NodeJS.ProcessEnv): { best: ReturnType<typeof timeProcess>; peak?: number; vsC?: number; c?: number } {
  const mine: ReturnType<typeof timeProcess>[] = [];
  const ratios: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = timeProcess(cmd, args, env);
    mine.push(a);
    if (c) {
      const b = timeProcess(c, ["-r", file]);
      cs.push(b.seconds);
      ratios.push(a.seconds / b.seconds);
    }
  }
  const best = mine.reduce((x, r) => (r.seconds < x.seconds ? r : x));
  const peak = Math.max(...mine.map((r) => r.peakRssMiB ?? 0)) || undefined;
  return { best, peak, vsC: ratios.length ? median(ratios) : undefined, c: cs.length ? Math.min(...cs) : undefined };
}

function table(rows: Row[]): string {
  const head = ["benchmark", "MB/s", "packets/s", "seconds", "peak RSS MiB", "× C", "note"];
  const cells = rows.map((r) => [
    r.name, r.mbPerSec.toFixed(0), r.packetsPerSec ? (r.packetsPerSec / 1e6).toFixed(2) + " M" : "",
    r.seconds.toFixed(3), r.peakRssMiB ? r.peakRssMiB.toFixed(0) : "", r.vsC ? r.vsC.toFixed(2) : "", r.note ?? "",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i > 0 && i < 6 ? x.padStart(w[i]) : x.padEnd(w[i]))).join("  ").trimEnd();
  return [line(head), ...cells.map(line)].join("\n");
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "256M" },
      "process-size": { type: "string", default: "1G" },
      huge: { type: "boolean", default: false },
      "skip-router": { type: "boolean", default: false },
      "skip-web": { type: "boolean", default: false },
      "skip-floods": { type: "boolean", default: false },
      "skip-breakdown": { type: "boolean", default: false },
      "skip-criterion": { type: "boolean", default: false },
      baseline: { type: "string", default: ISSUE14_BASELINE },
      yardstick: { type: "string", default: join(root, "..", "shared", "bench", "decode.c") },
      iterations: { type: "string", default: "5" },
    },
  });
  const m = machine();
  process.stderr.write(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}\n`);
  const rows: Row[] = [];
  let phases: Phase[] = [];
  const small = capture(parseSize(values.size!));
  const bytes = statSync(small.path).size;
  const module = await loadCoreModule();

  const bench = new Bench({ iterations: Number(values.iterations), time: 0, warmupIterations: 1, warmupTime: 0 });
  let packets = 0;
  bench
    .add("wasm core (alg-verify)", async () => {
      const src = fileSource(small.path);
      const scan = await scanCapture(module, src, { file: small.path });
      src.close();
      packets = scan.info.packets;
    })
    .add("plain JS, same loop", () => {
      packets = jsDecode(small.path);
    })
    .add("pcap-parser (framing only)", async () => {
      packets = await pcapParserDecode(small.path);
    });
  await bench.run();
  for (const t of bench.tasks) {
    const mean = t.result && "latency" in t.result ? t.result.latency.mean / 1000 : NaN;
    rows.push({ name: `${t.name}, ${(bytes / 2 ** 20).toFixed(0)} MiB in-process`, seconds: mean, bytes, packets: small.packets, mbPerSec: bytes / 1e6 / mean, packetsPerSec: small.packets / mean });
  }
  void packets;

  const bin = join(root, "bin", "alg-verify.js");
  const shebang = binShebang(bin);
  const sizes = [parseSize(values["process-size"]!), ...(values.huge ? [4 * 2 ** 30] : [])];
  // The 4 GiB file keeps the 1 GiB file's flow count (longer flows): RSS must not move. The 4 GiB
  // churn file holds ~0.5 M flows over its length, ≤ ~100 k open at once: flows that are over
  // leave the table (README "How it works"), and RSS must stay within 10 % of the 1 GiB run.
  const runsOf = [
    ...sizes.map((size) => ({ size, flowLength: size > 2 ** 31 ? 4 : 1, churn: false })),
    ...(values.huge ? [{ size: 4 * 2 ** 30, flowLength: 1, churn: true }] : []),
  ];
  const c = values.yardstick ? yardstick(values.yardstick) : undefined;
  if (!c) process.stderr.write(`bench: C yardstick not built (${values.yardstick || "no --yardstick"}): no ratios\n`);
  const whole = (name: string, cmd: string[], file: string, bytes: number, packets: number, note: string) => {
    const r = paired(process.execPath, [...shebang.flags, ...cmd], c, file, 3, shebang.env);
    rows.push({
      name, seconds: r.best.seconds, bytes, packets, mbPerSec: bytes / 1e6 / r.best.seconds, packetsPerSec: packets / r.best.seconds,
      peakRssMiB: r.peak, vsC: r.vsC, note,
    });
    return r;
  };
  // issue 13: the churn run's analyze peak RSS over the first size's (target <= 1.10)
  const analyzePeak: { base?: number; churn?: number } = {};
  for (const { size, flowLength, churn } of runsOf) {
    const big = capture(size, flowLength, churn);
    const b = statSync(big.path).size;
    const kind = churn ? " (flows come and go)" : "";
    const f = whole(`alg-verify flows --json, whole process, ${(b / 2 ** 30).toFixed(2)} GiB${kind}`, [bin, "flows", big.path, "--json"], big.path, b, big.packets, `best of 3; ${big.flows} flows`);
    const a = whole(`alg-verify analyze --json, whole process, ${(b / 2 ** 30).toFixed(2)} GiB${kind}`, [bin, "analyze", big.path, "--json", "--profile", "linux"], big.path, b, big.packets, "best of 3; FTP/RTSP sessions reassembled");
    // Issue 16's floor: the same command with every ALG off — the scan, the flow table and the flows JSON, nothing reconstructed.
    if (!churn && size === sizes[0]) whole(`alg-verify analyze --json, every ALG off (--{ftp,rtsp,sip,tftp}-ports none), ${(b / 2 ** 30).toFixed(2)} GiB`, [bin, "analyze", big.path, "--json", "--profile", "linux", ...ALGS_OFF], big.path, b, big.packets, "best of 3; the floor: no session to reconstruct");
    if (churn) analyzePeak.churn = a.peak;
    else if (size === sizes[0]) analyzePeak.base = a.peak;
    if (f.c) {
      const t = f.c;
      rows.push({ name: `C yardstick (decode.c, read() 4 MiB), ${(b / 2 ** 30).toFixed(2)} GiB${kind}`, seconds: t, bytes: b, packets: big.packets, mbPerSec: b / 1e6 / t, packetsPerSec: big.packets / t, vsC: 1, note: "best of the paired runs" });
    }
  }
  // Issue 14: SIP/TFTP in the capture cost analyze at most 10 % of its throughput (wall) against the same size without; CPU printed beside it.
  const criteria: Criterion[] = [];
  if (!values["skip-criterion"]) {
    const withSip = capture(sizes[0]);
    const without = capture(sizes[0], 1, false, 1);
    if (values.baseline !== "none") {
      const base = baselineBuild(root, values.baseline!);
      const k = "why" in base ? undefined : baselineCriterion(bin, base.bin, base.commit, withSip.path, without.path, statSync(withSip.path).size);
      if (k) criteria.push(k);
      else if ("why" in base) process.stderr.write(`bench: issue 14's criterion left out: ${base.why}\n`);
    }
    const k = sipTftpCriterion(bin, withSip.path, without.path, statSync(withSip.path).size, await sipMessagesOf(withSip.path));
    if (k) {
      const w = warmSplit(withSip.path, without.path, shebang.flags, shebang.env);
      if (w) {
        k.warm = w;
        k.note += `; in one process (bench/warm-runs.ts, ${w.rounds} rounds, medians): the first analysis ${w.firstRatio.toFixed(3)}× and SIP ${w.sipFirstMs.toFixed(0)} ms (against --sip-ports none), the ${WARM_RUNS}th (V8 warm) ${w.lastRatio.toFixed(3)}× and SIP ${w.sipLastMs.toFixed(0)} ms`;
      }
      criteria.push(k);
    } else process.stderr.write("bench: /usr/bin/time not found: no CPU figures, the SIP/TFTP criterion is left out\n");
  }
  // verify on an inside/outside pair of the 1 GiB capture (outside = a port-keeping source NAT).
  {
    const big = capture(sizes[0]);
    const outsidePath = big.path.replace(/\.pcap$/, "-outside.pcap");
    if (!existsSync(outsidePath) || statSync(outsidePath).size !== statSync(big.path).size) makeOutside(big.path, outsidePath);
    const b = statSync(big.path).size;
    whole(`alg-verify verify --json, inside+outside 2 × ${(b / 2 ** 30).toFixed(2)} GiB`, [bin, "verify", "--inside", big.path, "--outside", outsidePath, "--json"], big.path, 2 * b, 2 * big.packets, "best of 3; × C: to the C yardstick on ONE file");
    whole(`alg-verify verify --json, every ALG off, inside+outside 2 × ${(b / 2 ** 30).toFixed(2)} GiB`, [bin, "verify", "--inside", big.path, "--outside", outsidePath, "--json", ...ALGS_OFF], big.path, 2 * b, 2 * big.packets, "best of 3; the floor: both scans, the NAT reconciliation of the flows and the report, no session");
    if (!values["skip-breakdown"]) phases = [...(await analyzeBreakdown(big.path)), ...(await verifyBreakdown(big.path, outsidePath))];
  }
  if (!values["skip-floods"]) {
    for (const f of runFloodBench(dataDir, bin, timeProcess)) {
      rows.push({ name: f.name, seconds: f.seconds, bytes: f.bytes, mbPerSec: f.bytes / 1e6 / f.seconds, peakRssMiB: f.peakRssMiB, note: f.status === 0 ? "exit 0" : `exit ${f.status}` });
    }
  }
  const tshark = spawnSync("which", ["tshark"], { encoding: "utf8" }).stdout.trim();
  if (tshark) {
    const t = timeProcess(tshark, ["-n", "-q", "-r", small.path, "-z", "conv,tcp"]);
    rows.push({ name: `tshark -q -z conv,tcp, whole process, ${(bytes / 2 ** 20).toFixed(0)} MiB`, seconds: t.seconds, bytes, mbPerSec: bytes / 1e6 / t.seconds, packetsPerSec: small.packets / t.seconds, peakRssMiB: t.peakRssMiB });
  }
  if (!values["skip-router"]) {
    // Issue 13's targets: a 10^6-line conntrack dump parses at >= 50 MB/s, the stray-line syslog at >= 20 MB/s.
    const targets: Record<string, number> = { "conntrack-1M": 50, "conntrack-1M-json-stream": 50, "syslog-stray-200k": 20 };
    for (const r of await runRouterBench({ iterations: 3 })) {
      const target = targets[r.name];
      const met = target === undefined ? "" : `; target >= ${target} MB/s: ${r.mbPerSec >= target ? "met" : "NOT met"}`;
      rows.push({ name: `router parse: ${r.name}`, seconds: r.bytes / 1e6 / r.mbPerSec, bytes: r.bytes, mbPerSec: r.mbPerSec, note: `${(r.linesPerSec / 1e6).toFixed(2)} M lines/s${met}` });
    }
    // router --json and text: MB/s and peak RSS at 10^5 and 10^6 lines (the dump read in pieces: RSS must not grow)
    for (const r of runRouterProcessBench(dataDir, bin, timeProcess)) {
      const target = /--json.*1,000,000-line/.test(r.name) ? `; target >= 50 MB/s: ${r.bytes / 1e6 / r.seconds >= 50 ? "met" : "NOT met"}` : "";
      rows.push({ name: r.name, seconds: r.seconds, bytes: r.bytes, mbPerSec: r.bytes / 1e6 / r.seconds, peakRssMiB: r.peakRssMiB, note: `exit ${r.status}${r.cpuSeconds ? `; ${(r.bytes / 1e6 / r.cpuSeconds).toFixed(1)} MB per CPU second` : ""}${target}` });
    }
  }
  if (!values["skip-web"]) {
    const web = await runWebBench(small.path, small.packets);
    if (web) rows.push(...web);
    else process.stderr.write("bench: chromium not installed, browser rows left out\n");
  }
  const churnRss = analyzePeak.base && analyzePeak.churn ? analyzePeak.churn / analyzePeak.base : undefined;
  const out = { machine: m, load: loadavg(), date: new Date().toISOString(), results: rows, criteria, breakdown: phases, ...(churnRss && { churnPeakRssRatio: churnRss }) };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, "results.json"), JSON.stringify(out, null, 2));
  const bd = (phases.length ? `\n\n${formatBreakdown(phases)}` : "") +
    (churnRss ? `\n\nissue 13: analyze --json peak RSS, 4 GiB churn capture / ${values["process-size"]} capture: ${churnRss.toFixed(2)}x (target <= 1.10; ${analyzePeak.churn!.toFixed(0)} / ${analyzePeak.base!.toFixed(0)} MiB, the larger of 3 runs each)` : "");
  const crit = criteria.map((k) => `\n\n${k.id === "issue14" ? "criterion" : "information"}: ${k.name}: wall ${k.ratio.toFixed(3)}×, CPU ${k.cpuRatio.toFixed(3)}× (limit ${k.limit.toFixed(2)}× on the wall ratio: ${k.met ? "met" : "NOT met"}${k.id === "issue14" ? "" : ", were it applied to this build's own speed without SIP/TFTP"}; ${k.note})`).join("");
  process.stdout.write(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n` +
    `(× C: median ratio of paired whole-process runs to the C yardstick, A B A B; on a shared machine only such ratios mean anything)\n\n${table(rows)}${crit}${bd}\n\nJSON: ${join(dataDir, "results.json")}\n`);
}

if (fileURLToPath(import.meta.url) === process.argv[1] || dirname(process.argv[1] ?? "") === dirname(fileURLToPath(import.meta.url))) {
  await main();
}
