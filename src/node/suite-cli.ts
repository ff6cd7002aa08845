/**
 * `alg-verify suite <dir> [--jobs N] [--junit report.xml] [--json] [--shard K/N] [--max-router-file SIZE]`
 *
 * Runs `verify` on every case folder under <dir> (see ./suite-discover.ts: a folder holding
 * case.json, or a plain folder holding inside.pcap and/or outside.pcap; its router files are the
 * ones case.json lists in `router`, else the folder's other files picked by content, see
 * ./suite-run.ts), N cases at a time in worker threads (default os.availableParallelism()), and
 * compares each verdict and its finding codes with case.json `expected: { verdict, findings }`
 * (schema/case.schema.json, ../suite/case.ts). A case without `expected` is `unchecked`: reported,
 * never passed, never a regression.
 *
 * A case is a regression when its verdict (pass, fail, inconclusive, error) differs from
 * `expected.verdict`, when it reports an error-severity finding whose code is not in
 * `expected.findings` or does not report (at any severity) a code listed there, when verify cannot
 * run on it (unreadable or damaged capture, listed router file unreadable or not router output;
 * verdict "error") unless `expected.verdict` is "error", or when its case.json is malformed.
 *
 * Output: a table on stdout (case, verdict, expected, findings, time, result: ok, REGRESSION or
 * unchecked) with the regressions, other errors and the files skipped as not router output under
 * it, or with --json the document of ../suite/report.ts. --junit FILE also writes JUnit XML
 * (../suite/junit.ts, schema/junit.xsd). --shard K/N keeps the cases whose index in the sorted
 * list is ≡ K−1 (mod N): the shards 1/N…N/N cover every case exactly once; an empty shard is not
 * an error.
 *
 * Exit code (io.setExitCode): 1 on any regression, 2 on usage or input errors (no case under
 * <dir>, <dir> or one of its folders unreadable, the JUnit file cannot be written), else 0.
 * Errors go to stderr. Never calls process.exit.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { colourOf, type CliIo } from "./io.js";
import { sizeArgument } from "./size.js";
import { DEFAULT_MAX_ROUTER_FILE_BYTES, findCases, SuiteInputError } from "./suite-discover.js";
import { shard as takeShard, type CaseRun, type CaseSpec } from "../suite/case.js";

export type { SuiteJson, SuiteCaseJson } from "../suite/report.js";

export interface SuiteOptions {
  jobs?: number;
  junit?: string;
  json?: boolean;
  shard?: { k: number; n: number };
  /** Candidate router files larger than this are skipped unread (default 64 MiB). */
  maxRouterFileBytes?: number;
  /** Also write one HTML report per case and an index.html into this folder. */
  html?: string;
  /** The worker module (tests); default ./suite-worker.js beside the pool. */
  workerUrl?: URL;
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
  const { caseInput, judge, crashed } = await import("../suite/case.js");
  const { runCases, usesWorkers } = await import("./suite-pool.js");
  const { formatSuiteText, toJson } = await import("../suite/report.js");
  const { hostname, availableParallelism } = await import("node:os");
  const jobs = opts.jobs ?? availableParallelism();
  // Cases with a malformed case.json are not run; the others go to the pool.
  const runnable = cases.filter((c) => !c.invalid);
  const poolOpts = { jobs, workerUrl: opts.workerUrl, maxRouterFileBytes: opts.maxRouterFileBytes };
  const workers = usesWorkers(runnable.length, poolOpts) ? Math.min(jobs, runnable.length) : 1;
  let done = 0;
  const htmlOut = opts.html ? await import("./html-report.js") : undefined;
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
  const results = cases.map((c) => judge(c, byCase.get(c) ?? crashed("not run")));
  const seconds = (performance.now() - t0) / 1000;

  if (opts.json) io.stdout(JSON.stringify(toJson(results), null, 2) + "\n");
  else io.stdout(formatSuiteText(results, seconds, workers, colourOf(io)));
  // Errors go to stderr as well (the report keeps them too), in text mode as with --json.
  for (const r of results) if (r.error) io.stderr(`error: ${r.case}: ${r.error}\n`);
  if (opts.html) await htmlOut!.writeSuiteIndex(opts.html, results.map((r) => ({ ...r, href: r.verdict !== "error" ? htmlOut!.caseHtmlName(r.case) : undefined })));

  if (opts.junit) {
    const properties: Record<string, string> = { dir, jobs: String(workers) };
    if (opts.shard) properties.shard = `${opts.shard.k}/${opts.shard.n}`;
    const { formatJunit } = await import("../suite/junit.js");
    const xml = formatJunit(results, { seconds, timestamp: new Date(), hostname: hostname(), properties });
    try {
      await (await import("node:fs/promises")).writeFile(opts.junit, xml);
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
  maxRouterFile: number;
}

export function registerSuiteCommand(program: Command, io: CliIo): Command {
  return program
    .command("suite")
    .description("run verify on every case folder under <dir> (case.json, or inside.pcap/outside.pcap + router output, picked by content) in parallel and compare with each case.json's expected verdict and finding codes; a case without expectations is unchecked (exit 0 all as expected, 1 regression, 2 usage or input error, e.g. no case)")
    .argument("<dir>", "directory of case folders (searched recursively)")
    .addOption(new Option("--jobs <n>", "cases run at once, in worker threads (default: os.availableParallelism())").argParser(parseJobs))
    .option("--junit <file>", "also write a JUnit XML report (schema/junit.xsd)")
    .option("--json", "print the JSON report (schemaVersion 1) instead of the table")
    .option("--html <dir>", "also write one self-contained HTML report per case and an index.html with the verdicts into <dir>")
    .addOption(new Option("--shard <K/N>", "run only the K-th of N slices of the sorted cases (round robin)").argParser(parseShard))
    .addOption(new Option("--max-router-file <size>", "a case folder's file larger than this is not read as router output (listed as skipped)").argParser(sizeArgument(1, 1 << 30, "--max-router-file")).default(DEFAULT_MAX_ROUTER_FILE_BYTES, "64M"))
    .action(async (dir: string, o: SuiteCliOpts) => {
      io.setExitCode(await runSuite(dir, { jobs: o.jobs, junit: o.junit, json: o.json, shard: o.shard, maxRouterFileBytes: o.maxRouterFile, html: o.html }, io));
    });
}
