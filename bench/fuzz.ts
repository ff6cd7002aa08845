/**
 * `npm run fuzz [-- options]`: the fuzzing campaign at any size (test/fuzz runs a CI-sized one in
 * `npm test`). Deterministic: the same --seed and case numbers give the same inputs. Cases run in
 * worker threads (--jobs); a watchdog terminates a worker whose current case runs longer than
 * --hang, saves that input as a `hang` reproducer and goes on with the next case. Every other
 * violation is shrunk and saved under --repro (default test/fuzz/repro/). Cases are counted as
 * they end, so a replaced worker loses nothing. Exit 0 when no case failed, 1 otherwise, 2 on a
 * usage error. (FUZZ_SELFTEST_HANG_CASE=n makes case n spin forever: test/fuzz's check of the
 * watchdog.)
 *
 *   npm run fuzz                           10 000 capture cases (+ 2 000 router texts, 1 000 pairs)
 *   npm run fuzz -- --budget 600s          as many cases as fit in 10 minutes
 *   npm run fuzz -- --count 100000 --seed 7 --jobs 2
 */
import { Worker } from "node:worker_threads";
import { casesFor, loadCorpus, makeCase, reproDir, saveRepro, scheduled, type Failure, type Kind } from "./fuzz/engine.js";

interface Args { seed: number; count?: number; budgetMs?: number; jobs: number; hangMs: number; cliEvery: number; repro?: string; from: number }

const HELP = `usage: npm run fuzz -- [--seed N] [--count N | --budget 600s] [--jobs N] [--hang 10s] [--cli-every N] [--repro DIR | --no-save] [--from N]
  --seed N       campaign seed (default 1)
  --count N      capture cases (router texts: N/5, verify pairs: N/10; default 10000 without --budget)
  --budget T     stop after T (e.g. 600s, 10m); with no --count, runs until then
  --jobs N       worker threads (default 2)
  --hang T       per-case watchdog: a case running longer is saved as a hang (default 10s)
  --cli-every N  one case in N of each kind also runs through the CLI with files (default 50; 0: never)
  --repro DIR    where reproducers are saved (default test/fuzz/repro); --no-save: nowhere
  --from N       first case number (to resume a campaign)`;

function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v} (e.g. 600s, 10m)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms"];
}

function parse(argv: string[]): Args {
  const a: Args = { seed: 1, jobs: 2, hangMs: 10_000, cliEvery: 50, repro: reproDir(), from: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!, v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${k} needs a value`); return x; };
    const int = (x: string) => { const n = Number(x); if (!Number.isInteger(n) || n < 0) throw new Error(`${k}: not a whole number: ${x}`); return n; };
    if (k === "--seed") a.seed = int(v());
    else if (k === "--count") a.count = int(v());
    else if (k === "--budget") a.budgetMs = duration(v());
    else if (k === "--jobs") a.jobs = Math.max(1, int(v()));
    else if (k === "--hang") a.hangMs = duration(v());
    else if (k === "--cli-every") a.cliEvery = int(v());
    else if (k === "--repro") a.repro = v();
    else if (k === "--no-save") a.repro = undefined;
    else if (k === "--from") a.from = int(v());
    else if (k === "--help" || k === "-h") { console.log(HELP); process.exit(0); }
    else throw new Error(`unknown option ${k}`);
  }
  if (a.count === undefined && a.budgetMs === undefined) a.count = 10_000;
  return a;
}

interface Lane { worker?: Worker; current?: number; since: number; from: number; resolve?: () => void }

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}\n${HELP}`);
    return 2;
  }
  const to = args.count !== undefined ? args.from + casesFor(args.count) : Number.MAX_SAFE_INTEGER;
  const t0 = Date.now();
  const corpus = loadCorpus();
  console.log(`fuzz: seed ${args.seed}, cases ${args.from}..${to === Number.MAX_SAFE_INTEGER ? "∞" : to}${args.budgetMs ? `, budget ${args.budgetMs / 1000}s` : ""}, ${args.jobs} worker(s), hang after ${args.hangMs / 1000}s; corpus: ${corpus.captures.length} captures, ${corpus.routers.length} router texts, ${corpus.pairs.length} pairs`);
  const totals = { cases: { capture: 0, router: 0, pair: 0 } as Record<Kind, number>, ms: { capture: 0, router: 0, pair: 0 } as Record<Kind, number>, cli: 0, slowest: { ms: 0, what: "" } };
  const failures: Failure[] = [];
  const report = (f: Failure) => {
    failures.push(f);
    console.log(`FAIL ${f.kind} #${f.index} (case ${f.n}) ${f.violation.oracle}: ${f.violation.message.split("\n")[0]}\n     ${f.how.join("; ")}${f.repro ? `\n     reproducer: ${f.repro}` : ""}`);
  };
  // counted case by case, so that a worker replaced by the watchdog loses nothing
  const counted = (m: { kind: Kind; index: number; how: string[]; cli: boolean; ms: number }) => {
    totals.cases[m.kind]++;
    totals.ms[m.kind] += m.ms;
    if (m.cli) totals.cli++;
    if (m.ms > totals.slowest.ms) totals.slowest = { ms: m.ms, what: `${m.kind} #${m.index}: ${m.how.join("; ")}` };
  };

  const lanes: Lane[] = [];
  const start = (lane: Lane, from: number, resolve: () => void) => {
    const remaining = args.budgetMs === undefined ? undefined : Math.max(0, args.budgetMs - (Date.now() - t0));
    const w = new Worker(new URL("./fuzz/worker.js", import.meta.url), {
      workerData: { seed: args.seed, from, to, stride: args.jobs, budgetMs: remaining, cliEvery: args.cliEvery, reproDir: args.repro },
    });
    Object.assign(lane, { worker: w, current: undefined, since: Date.now(), from });
    w.on("message", (m: { t: string; n?: number; f?: Failure; kind: Kind; index: number; how: string[]; cli: boolean; ms: number }) => {
      if (m.t === "start") { lane.current = m.n; lane.since = Date.now(); }
      else if (m.t === "case") counted(m);
      else if (m.t === "failure") report(m.f!);
      else if (m.t === "done") { lane.worker = undefined; void w.terminate(); resolve(); }
    });
    w.on("error", (e) => {
      // an exception that escaped the campaign: the case it was on is a failure
      const n = lane.current ?? from;
      const { kind, index } = scheduled(n);
      report({ n, kind, index, violation: { oracle: "worker-crash", message: String(e?.stack ?? e) }, how: makeCase(corpus, args.seed, kind, index, args.cliEvery).how });
      lane.worker = undefined;
      if (n + args.jobs < to) start(lane, n + args.jobs, resolve); else resolve();
    });
  };
  const done = Array.from({ length: args.jobs }, (_, j) => new Promise<void>((resolve) => {
    const lane: Lane = { since: Date.now(), from: args.from + j, resolve };
    lanes.push(lane);
    if (lane.from < to) start(lane, lane.from, resolve); else resolve();
  }));
  // the watchdog: a case running longer than --hang is a hang; its worker is replaced
  const dog = setInterval(() => {
    for (const lane of lanes) {
      if (!lane.worker || lane.current === undefined || Date.now() - lane.since <= args.hangMs) continue;
      const n = lane.current;
      const { kind, index } = scheduled(n);
      const c = makeCase(corpus, args.seed, kind, index, args.cliEvery);
      void lane.worker.terminate();
      lane.worker = undefined;
      const repro = args.repro ? saveRepro(args.repro, { kind, oracle: "hang", message: `case ran longer than ${args.hangMs} ms (not shrunk)`, campaignSeed: args.seed, index, caseSeed: c.seed, how: c.how, chunk: c.chunk, cli: c.cli, shrunk: false }, c.input) : undefined;
      report({ n, kind, index, violation: { oracle: "hang", message: `ran longer than ${args.hangMs} ms` }, how: c.how, repro });
      if (n + args.jobs < to) start(lane, n + args.jobs, lane.resolve!); else lane.resolve!();
    }
  }, 250);
  await Promise.all(done);
  clearInterval(dog);
  const s = (Date.now() - t0) / 1000;
  const total = totals.cases.capture + totals.cases.router + totals.cases.pair;
  console.log(`fuzz: ${totals.cases.capture} captures, ${totals.cases.router} router texts, ${totals.cases.pair} verify pairs (${totals.cli} also through the CLI) in ${s.toFixed(1)} s (${(total / s).toFixed(0)} cases/s, CPU ${((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(1)} s in all threads); slowest case ${totals.slowest.ms.toFixed(0)} ms (${totals.slowest.what.slice(0, 200)})`);
  const per = (k: Kind) => `${k} ${(totals.ms[k] / Math.max(1, totals.cases[k])).toFixed(2)} ms`;
  console.log(`fuzz: mean time per case: ${per("capture")}, ${per("router")}, ${per("pair")}`);
  console.log(failures.length ? `fuzz: ${failures.length} failure(s)${args.repro ? `, reproducers under ${args.repro}` : ""}` : "fuzz: no failure");
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
