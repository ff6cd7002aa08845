/**
 * `runVerify(files, opts)`: the file-level half of `alg-verify verify`, shared by the `verify`
 * and `suite` commands. Analyzes the inside and/or outside captures (both at once where the
 * compiled worker is available, unless `parallel: false`: the larger in this thread, the other in a
 * worker thread, files.ts analyzeFilesParallel; "-" is standard input),
 * reads and parses the router files, and returns `verify()`'s report. Rendering and exit codes
 * stay with the callers.
 *
 * Throws `InputError` when a file cannot be opened or read (exit 2 in the CLI). A capture that
 * can be read but is damaged, or a router file of which nothing was understood, does not throw:
 * its error is a diagnostic of the report, `inputErrorOf(report)` finds it (the CLI exits 2 on
 * it as well).
 */
import { statSync } from "node:fs";
import { readFile as fsReadFile } from "node:fs/promises";
import { analyzeFile, analyzeFilesParallel, InputError, type FileOptions } from "./files.js";
import { regularFileSource, sourceLinesOver, STDIN, STDIN_NAME, TooManyLines } from "./io.js";
import { linesOver, ROUTER_LINES, ROUTER_LINES_WHY } from "../verify/limits.js";
import type { AnalyzeResult, AnalyzeScanOptions } from "../alg/analyze.js";
import type { FlowTable } from "../capture/flow-table.js";
import type { RouterParseResult } from "../router/types.js";
import type { Diagnostic } from "../types.js";
import type { VerifyOptions, VerifyReport } from "../verify/verify.js";
// verify()'s modules (src/verify/**, the router parsers) are loaded when first needed: after the
// captures' workers are started, while they start up (verifyParsedRouter).

export interface VerifyFiles {
  /** Capture taken on the inside (private) side of the NAT. */
  inside?: string;
  /** Capture taken on the outside (public) side. */
  outside?: string;
  /** Router output files (any format `parseRouterText` detects). */
  router?: string[];
  /** When inside and outside are one capture: the interface of each side. */
  insideIf?: AnalyzeScanOptions["interfaceFilter"];
  outsideIf?: AnalyzeScanOptions["interfaceFilter"];
}

export interface RunVerifyOptions extends Omit<FileOptions<AnalyzeScanOptions>, "file" | "onProgress">, VerifyOptions {
  /**
   * Reads a router file (default: fs, UTF-8); standard input at most `maxLines` lines (else
   * TooManyLines). The CLI passes io.readFile.
   */
  readFile?: (path: string, maxLines?: number) => Promise<string>;
  /** Lines of one router file read at most (default ROUTER_LINES): a longer one is an InputError (`router_line_limit`). */
  maxRouterLines?: number;
  /**
   * Analyze the two captures at once, one in this thread and one in a worker thread (default
   * true). `suite` passes false: its cases already run one per worker.
   */
  parallel?: boolean;
  /** Bytes read so far of capture `index` (0: the first capture given, inside before outside). */
  onProgress?: (index: number, bytes: number) => void;
  /** Every capture is read; the comparison starts. */
  onCapturesRead?: () => void;
}

/** Analyzes the captures, parses the router files and runs `verify()`. */
export async function runVerify(files: VerifyFiles, opts: RunVerifyOptions = {}): Promise<VerifyReport> {
  const router: RouterParseResult[] = [];
  for (const f of files.router ?? []) router.push(await readRouterFile(f, opts.readFile, opts.maxRouterLines));
  return verifyParsedRouter(files, router, opts);
}

/**
 * Reads (UTF-8) and parses one router file as verify does (parseVerifyRouter: an empty file is an
 * `empty_file` warning); throws InputError when it cannot be read, or when it holds more than
 * `maxLines` lines (`router_line_limit`: verify holds a file's records whole). A regular file is
 * counted in pieces first, so a longer one is never read whole.
 */
export async function readRouterFile(file: string, readFile: (path: string, maxLines?: number) => Promise<string> = (p) => fsReadFile(p, "utf8"), maxLines = ROUTER_LINES): Promise<RouterParseResult> {
  const name = file === STDIN ? STDIN_NAME : file;
  const tooLong = () => new InputError(name, `line ${maxLines + 1} is past --max-router-lines ${maxLines}: verify compares router output whole, holding ${ROUTER_LINES_WHY}, or raise --max-router-lines`, "router_line_limit");
  // A regular file is counted before it is read; any other text (standard input, a reader's) after.
  const over = file === STDIN ? undefined : fileLinesOver(file, maxLines);
  if (over) throw tooLong();
  let text: string;
  try {
    text = await readFile(file, maxLines);
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof TooManyLines) throw tooLong();
    throw new InputError(file, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (over === undefined && linesOver(text, maxLines)) throw tooLong();
  return (await import("../verify/router-input.js")).parseVerifyRouter(text, name);
}

/**
 * Whether the regular file `file` holds more than `max` lines, read 1 MiB at a time and no further
 * than that line; undefined when it is no regular file, or cannot be read (its reading says why).
 */
function fileLinesOver(file: string, max: number): boolean | undefined {
  const src = regularFileSource(file);
  if (!src) return undefined;
  try {
    return sourceLinesOver(src, max);
  } catch {
    return undefined;
  }
}

/** Why a parsed router file is no router output at all (the parser understood nothing of it). */
export function notRouterOutput(r: RouterParseResult): Diagnostic | undefined {
  return r.diagnostics.find(isRouterInputError);
}

const isRouterInputError = (d: Diagnostic) => d.severity === "error" && (d.code === "nothing_understood" || d.code === "internal_error");

/** Analyzes the captures of `files` and runs `verify()` with router files already parsed. */
export async function verifyParsedRouter(files: VerifyFiles, router: RouterParseResult[], opts: RunVerifyOptions = {}): Promise<VerifyReport> {
  if (!files.inside && !files.outside && !router.length) {
    throw new InputError("", "nothing to verify: give an inside and/or outside capture and/or router files", "no_input");
  }
  const same = sameCapture(files);
  if (same) throw new InputError(same, `--inside and --outside are the same file: one capture point shows no NAT, and its packets compared with themselves would pass every check; a capture holding both sides is split by interface (--capture with --inside-if and --outside-if)`, "same_capture");
  const { readFile: _readFile, parallel = true, allMappings, clockOffsetMs, frameTolerance, hints, sipSidesDialogs, onProgress, onCapturesRead, ...analyzeOpts } = opts;
  const sides = ([[files.inside, files.insideIf], [files.outside, files.outsideIf]] as const).filter((x) => x[0] !== undefined);
  const captures = sides.map((x) => x[0]!);
  const filters = sides.map((x) => x[1]);
  let results;
  // Both sides given: what verify() computes from one capture alone is done as soon as its worker
  // is done, while the other worker still runs (the main thread waits idle otherwise).
  const both = Boolean(files.inside && files.outside);
  // The workers are started before verify()'s modules load (~50–80 ms of this thread's start-up
  // that they no longer wait for); the preparation waits for its modules, which are loaded long
  // before a worker ends.
  const modules = parallel ? undefined : await verifyModules();
  if (parallel) {
    // Loaded on the next turn of the event loop: after the workers are made (analyzeFilesParallel,
    // called below in this turn, makes them before its first wait on anything but microtasks).
    const loading = new Promise<void>((go) => setImmediate(go)).then(verifyModules);
    // Not awaited before `analyzed` (whose failure is the error to report); a failed load is then thrown below.
    loading.catch(() => {});
    // A worker's table handed over before its sessions are finished: its columns are made here meanwhile.
    const onTable = async (_i: number, t: FlowTable) => {
      (await loading).prepareReconcile(t);
    };
    const onResult = (i: number, r: AnalyzeResult) => onTable(i, r.scan.flows);
    const analyzed = analyzeFilesParallel(captures, analyzeOpts, filters, onProgress, both ? onResult : undefined, both ? onTable : undefined);
    results = await analyzed;
  } else {
    results = [];
    for (let i = 0; i < captures.length; i++) {
      const progress = onProgress && { onProgress: (bytes: number) => onProgress(i, bytes) };
      results.push(await analyzeFile(captures[i], { ...analyzeOpts, ...(filters[i] ? { interfaceFilter: filters[i] } : {}), ...progress }));
    }
  }
  onCapturesRead?.();
  const inside = files.inside ? results[0] : undefined;
  const outside = files.outside ? results[files.inside ? 1 : 0] : undefined;
  const { verify } = modules ?? await verifyModules();
  return verify({ inside, outside, router }, { profile: opts.profile, clockOffsetMs, frameTolerance, allMappings, hints, sipSidesDialogs });
}

/**
 * The file given as both the inside and the outside capture (the same path, a link to it, or a
 * hard link: the same device and inode), when no interface splits it into two sides; undefined
 * otherwise (standard input, or a file that cannot be read: its analysis reports that).
 */
function sameCapture(files: VerifyFiles): string | undefined {
  const { inside, outside } = files;
  if (!inside || !outside || inside === STDIN || outside === STDIN || (files.insideIf && files.outsideIf)) return undefined;
  try {
    const a = statSync(inside);
    const b = statSync(outside);
    return a.dev === b.dev && a.ino === b.ino ? inside : undefined;
  } catch {
    return undefined;
  }
}

/** verify() and what prepares a capture ahead of it (loaded once: the module cache). */
async function verifyModules() {
  const [{ verify }, { prepareReconcile }] = await Promise.all([import("../verify/verify.js"), import("../verify/nat.js")]);
  return { verify, prepareReconcile };
}

/**
 * The input error of a report, if any: a damaged capture (a located error) or a router file of
 * which nothing was understood (as `router` does, `verify` exits 2 on either).
 */
export function inputErrorOf(report: VerifyReport): Diagnostic | undefined {
  return report.diagnostics.find((d) => (d.severity === "error" && d.offset !== undefined) || isRouterInputError(d));
}
