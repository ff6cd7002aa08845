/**
 * `alg-verify suite <dir> [--jobs N] [--junit report.xml] [--json] [--shard K/N]`
 *
 * Runs `verify` on every case folder under <dir> (see ./discover.ts: a folder holding case.json,
 * or a plain folder holding inside.pcap and/or outside.pcap; router files conntrack.txt,
 * expect.txt, events.txt, router-*.txt), N cases at a time in worker threads (default
 * os.availableParallelism()), and compares each verdict and its finding codes with case.json
 * `expected: { verdict, findings }` (schema/case.schema.json). Plain folders and case.json files
 * without `expected` are only reported, never a regression. case.json `router: [files]` replaces
 * the router files found by name.
 *
 * A case is a regression when its verdict differs from `expected.verdict`, when it reports an
 * error-severity finding whose code is not in `expected.findings` or does not report (at any
 * severity) a code listed there, when verify
 * cannot run on it (unreadable or damaged capture or router file; verdict "error") unless
 * `expected.verdict` is "error", or when its case.json is malformed.
 *
 * Output: a table on stdout (case, verdict, expected, findings, time, result) with the
 * regressions explained under it, or with --json:
 *   { schemaVersion: 1,
 *     cases: [ { case, dir, verdict: "pass"|"fail"|"error", expected?: { verdict, findings? },
 *                findings: [error-severity codes, sorted, unique], regression: boolean,
 *                seconds, error?: string } ],            // sorted by case
 *     summary: { total, passed, regressions, errors } }   // total = passed + regressions;
 *                                                         // errors = regressions that are errors
 * --junit FILE also writes JUnit XML (./junit.ts, schema/junit.xsd).
 * --shard K/N keeps the cases whose index in the sorted list is ≡ K−1 (mod N): the shards 1/N…N/N
 * cover every case exactly once; an empty shard is not an error.
 *
 * Exit code (io.setExitCode): 1 on any regression, 2 on usage or input errors (no case under
 * <dir>, <dir> or one of its folders unreadable, the JUnit file cannot be written), else 0.
 * Never calls process.exit.
 */
import { hostname, availableParallelism } from "node:os";
import { writeFile } from "node:fs/promises";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CliIo } from "../node/io.js";
import { renderTable } from "../report/table.js";
import { findCases, shard as takeShard, SuiteInputError, type CaseSpec } from "./discover.js";
import type { CaseResult, CaseRun } from "./run-case.js";
import { formatJunit } from "./junit.js";

export interface SuiteOptions {
  jobs?: number;
  junit?: string;
  json?: boolean;
  shard?: { k: number; n: number };
  /** Also write one HTML report per case and an index.html into this folder. */
  html?: string;
  /** The worker module (tests); default ./worker.js beside the pool. */
  workerUrl?: URL;
}

export interface SuiteCaseJson {
  case: string;
  dir: string;
  verdict: "pass" | "fail" | "inconclusive" | "error";
  expected?: { verdict: "pass" | "fail" | "error"; findings?: string[] };
  findings: string[];
  regression: boolean;
  seconds: number;
  error?: string;
}

export interface SuiteJson {
  schemaVersion: 1;
  cases: SuiteCaseJson[];
  summary: { total: number; passed: number; regressions: number; errors: number };
}

export const EXIT_REGRESSION = 1;
export const EXIT_INPUT = 2;

/** "K/N" with 1 ≤ K ≤ N. */
export function parseShard(v: string): { k: number; n: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(k) || !Number.isSafeInteger(n) || n < 1 || k < 1 || k > n) {
    throw new InvalidArgumentError("expected K/N with 1 <= K <= N, e.g. 2/4");
  }
  return { k, n };
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError("expected an integer from 1 to 1024");
  return n;
}

const round3 = (s: number) => Math.round(s * 1000) / 1000;

export function toJson(results: CaseResult[]): SuiteJson {
  const cases = results.map((r): SuiteCaseJson => ({
    case: r.case, dir: r.dir, verdict: r.verdict,
    ...(r.expected ? { expected: r.expected } : {}),
    findings: r.findings, regression: r.regression, seconds: round3(r.seconds),
    ...(r.error !== undefined ? { error: r.error } : {}),
  }));
  const regressions = results.filter((r) => r.regression).length;
  return {
    schemaVersion: 1,
    cases,
    summary: { total: results.length, passed: results.length - regressions, regressions, errors: results.filter((r) => r.regression && r.verdict === "error").length },
  };
}

export function formatSuiteText(results: CaseResult[], seconds: number, workers: number): string {
  const rows = results.map((r) => [
    r.case,
    r.verdict,
    r.expected?.verdict ?? "-",
    r.findings.join(", ") || "-",
    `${r.seconds.toFixed(2)}s`,
    r.regression ? "REGRESSION" : r.expected ? "ok" : "-",
  ]);
  let out = results.length
    ? renderTable([{ header: "case" }, { header: "verdict" }, { header: "expected" }, { header: "findings" }, { header: "time", align: "right" }, { header: "result" }], rows)
    : "";
  const bad = results.filter((r) => r.regression);
  if (bad.length) {
    out += "\nregressions:\n";
    for (const r of bad) out += `  ${r.case}: ${r.diff ?? "regression"}${r.error && r.error !== r.diff ? `\n    ${r.error}` : ""}\n`;
  }
  const otherErrors = results.filter((r) => !r.regression && r.error);
  if (otherErrors.length) {
    out += "\nerrors (not regressions):\n";
    for (const r of otherErrors) out += `  ${r.case}: ${r.error}\n`;
  }
  const s = toJson(results).summary;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  out += `\n${plural(s.total, "case")}: ${s.passed} passed, ${plural(s.regressions, "regression")}` +
    `${s.errors ? ` (${plural(s.errors, "error")})` : ""} in ${seconds.toFixed(1)}s` +
    `${workers > 1 ? ` with ${workers} workers` : ""}\n`;
  return out;
}

/** Runs a suite and renders it; returns the exit code. Exported for tests. */
export async function runSuite(dir: string, opts: SuiteOptions, io: CliIo): Promise<number> {
  const t0 = performance.now();
  let all: CaseSpec[];
  try {
    all = await findCases(dir);
  } catch (e) {
    if (!(e instanceof SuiteInputError)) throw e;
    io.stderr(`error: ${e.message}\n`);
    return EXIT_INPUT;
  }
  if (!all.length) {
    io.stderr(`error: no case under ${dir} (a case is a folder holding case.json, or inside.pcap and/or outside.pcap)\n`);
    return EXIT_INPUT;
  }
  const cases = opts.shard ? takeShard(all, opts.shard.k, opts.shard.n) : all;
  // Loaded here, not at start-up: they pull in the whole verify pipeline.
  const { caseInput, judge } = await import("./run-case.js");
  const { runCases, usesWorkers } = await import("./pool.js");
  const jobs = opts.jobs ?? availableParallelism();
  // Cases with a malformed case.json are not run; the others go to the pool.
  const runnable = cases.filter((c) => !c.invalid);
  const poolOpts = { jobs, workerUrl: opts.workerUrl };
  const workers = usesWorkers(runnable.length, poolOpts) ? Math.min(jobs, runnable.length) : 1;
  let done = 0;
  const htmlOut = opts.html ? await import("../node/html-report.js") : undefined;
  if (opts.html) await (await import("node:fs/promises")).mkdir(opts.html, { recursive: true });
  const runs = await runCases(runnable.map((c) => (opts.html ? { ...caseInput(c), html: `${opts.html}/${htmlOut!.caseHtmlName(c.name)}` } : caseInput(c))), {
    ...poolOpts,
    onDone: (i) => {
      done++;
      if (io.isTTY) io.stderr(`\r\x1b[K[${done}/${runnable.length}] ${runnable[i].name}`);
    },
  });
  if (io.isTTY && runnable.length) io.stderr("\r\x1b[K");
  const byCase = new Map<CaseSpec, CaseRun>(runnable.map((c, i) => [c, runs[i]]));
  const results = cases.map((c) => judge(c, byCase.get(c) ?? { verdict: "error", findings: [], seconds: 0 }));
  const seconds = (performance.now() - t0) / 1000;

  if (opts.json) io.stdout(JSON.stringify(toJson(results), null, 2) + "\n");
  else io.stdout(formatSuiteText(results, seconds, workers));

  if (opts.html) await htmlOut!.writeSuiteIndex(opts.html, results.map((r) => ({ ...r, href: r.verdict !== "error" ? htmlOut!.caseHtmlName(r.case) : undefined })));

  if (opts.junit) {
    const properties: Record<string, string> = { dir, jobs: String(workers) };
    if (opts.shard) properties.shard = `${opts.shard.k}/${opts.shard.n}`;
    const xml = formatJunit(results, { seconds, timestamp: new Date(), hostname: hostname(), properties });
    try {
      await writeFile(opts.junit, xml);
    } catch (e) {
      io.stderr(`error: cannot write ${opts.junit}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT_INPUT;
    }
  }
  return results.some((r) => r.regression) ? EXIT_REGRESSION : 0;
}

interface SuiteCliOpts {
  html?: string;
  jobs?: number;
  junit?: string;
  json?: boolean;
  shard?: { k: number; n: number };
}

export function registerSuiteCommand(program: Command, io: CliIo): Command {
  return program
    .command("suite")
    .description("run verify on every case folder under <dir> (case.json, or inside.pcap/outside.pcap + router *.txt) in parallel and compare with each case.json's expected verdict and finding codes (exit 0 all as expected, 1 regression, 2 no case)")
    .argument("<dir>", "directory of case folders (searched recursively)")
    .addOption(new Option("--jobs <n>", "cases run at once, in worker threads (default: os.availableParallelism())").argParser(parseJobs))
    .option("--junit <file>", "also write a JUnit XML report (schema/junit.xsd)")
    .option("--json", "print the JSON report (schemaVersion 1) instead of the table")
    .option("--html <dir>", "also write one self-contained HTML report per case and an index.html with the verdicts into <dir>")
    .addOption(new Option("--shard <K/N>", "run only the K-th of N slices of the sorted cases (round robin)").argParser(parseShard))
    .action(async (dir: string, o: SuiteCliOpts) => {
      io.setExitCode(await runSuite(dir, { jobs: o.jobs, junit: o.junit, json: o.json, shard: o.shard, html: o.html }, io));
    });
}
