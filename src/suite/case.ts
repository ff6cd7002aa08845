/**
 * One case of a suite, platform neutral (no fs, no process): what a case folder holds, what its
 * case.json expects, what running verify on it gave, and the comparison of the two (`judge`).
 * Finding the folders and running verify on their files is the Node side's job
 * (src/node/suite-discover.ts, src/node/suite-run.ts).
 *
 * A case's outcome is one of
 *   passed      it has an expectation and verify gave it;
 *   regression  it has an expectation and verify gave something else, or case.json is malformed;
 *   unchecked   it has no expectation (a plain folder, or case.json without `expected`): its
 *               verdict is reported, nothing was compared, so it never counts as passed.
 */

export type ExpectedVerdict = "pass" | "fail" | "inconclusive" | "error";
export const EXPECTED_VERDICTS: readonly ExpectedVerdict[] = ["pass", "fail", "inconclusive", "error"];

export interface Expected {
  verdict: ExpectedVerdict;
  /**
   * Finding codes: every error-severity finding's code must be listed, and every listed code must
   * be reported (at any severity). Absent = not compared (only the verdict is).
   */
  findings?: string[];
}

export interface CaseSpec {
  /** Relative path of the folder under the suite directory (`/`-separated). */
  name: string;
  /** The folder, as the suite directory given joined with `name`. */
  dir: string;
  inside?: string;
  outside?: string;
  /**
   * Router files: those case.json lists (`routerListed`; each must be router output), else every
   * other file of the folder, kept when the router parser understands it (see CaseRun.skipped).
   */
  router: string[];
  /** Whether `router` comes from case.json (used as given) or is the folder's other files. */
  routerListed: boolean;
  /** Whether the folder holds case.json. */
  hasCaseJson: boolean;
  /** From case.json; absent for plain folders (and for a case.json without `expected`). */
  expected?: Expected;
  /** case.json cannot be read or parsed, or its `expected` is malformed: the case is an error. */
  invalid?: string;
}

/** The files of a case, as sent to a worker. */
export interface CaseInput {
  inside?: string;
  outside?: string;
  router: string[];
  routerListed: boolean;
}

export interface CaseFinding {
  code: string;
  severity: string;
  message: string;
}

/** A file of the case folder that was not given to verify as router output, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export type RunVerdict = "pass" | "fail" | "inconclusive" | "error";

/** What running verify on a case gave: a verdict with findings, or an error. */
export interface CaseRun {
  verdict: RunVerdict;
  /** Every finding (all severities), in report order; empty on error. */
  findings: CaseFinding[];
  /** The router files given to verify. */
  router: string[];
  /** Files of the folder that are not router output (picked by content only). */
  skipped: SkippedFile[];
  /** The error message when verify threw or a capture or listed router file is damaged. */
  error?: string;
  seconds: number;
}

export type CaseOutcome = "passed" | "regression" | "unchecked";

export interface CaseResult {
  case: string;
  dir: string;
  verdict: RunVerdict;
  expected?: Expected;
  /** Codes of the error-severity findings, sorted, without duplicates. */
  findings: string[];
  result: CaseOutcome;
  regression: boolean;
  router: string[];
  skipped: SkippedFile[];
  seconds: number;
  error?: string;
  /** Not in the JSON report: every finding (for JUnit system-out), and why it regressed. */
  messages: CaseFinding[];
  diff?: string;
}

/** Why an `expected` value is malformed, or undefined when it is fine. */
export function checkExpected(x: unknown): string | undefined {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return " must be an object";
  const { verdict, findings } = x as { verdict?: unknown; findings?: unknown };
  if (!EXPECTED_VERDICTS.includes(verdict as ExpectedVerdict)) return `.verdict must be ${EXPECTED_VERDICTS.map((v) => `"${v}"`).join(", ")}`;
  if (findings !== undefined && (!Array.isArray(findings) || findings.some((c) => typeof c !== "string"))) return ".findings must be an array of finding codes";
  return undefined;
}

/** The cases of shard `k` of `n` (1-based): every n-th case of the sorted list, from the k-th. */
export function shard<T>(cases: T[], k: number, n: number): T[] {
  return cases.filter((_c, i) => i % n === k - 1);
}

const uniqSorted = (xs: string[]) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The files of a case (what a worker needs). */
export const caseInput = (c: CaseSpec): CaseInput => ({ inside: c.inside, outside: c.outside, router: c.router, routerListed: c.routerListed });

/** What differs between a run and its expectation ("" when nothing does). */
function differences(exp: Expected, run: CaseRun, errorCodes: string[]): string {
  const parts: string[] = [];
  if (run.verdict !== exp.verdict) parts.push(`verdict ${run.verdict}, expected ${exp.verdict}`);
  if (exp.verdict !== "error" && run.verdict !== "error" && exp.findings) {
    // Every error must be expected; every expected code must be reported (at any severity: a
    // case may also list the warnings it is about, e.g. alg.works-by-port-preservation).
    const want = uniqSorted(exp.findings);
    const reported = new Set(run.findings.map((f) => f.code));
    const missing = want.filter((x) => !reported.has(x));
    const unexpected = errorCodes.filter((x) => !want.includes(x));
    if (missing.length) parts.push(`missing ${missing.join(", ")}`);
    if (unexpected.length) parts.push(`unexpected ${unexpected.join(", ")}`);
  }
  return parts.join("; ");
}

/** Compares a run with the case's expectation. */
export function judge(c: CaseSpec, run: CaseRun): CaseResult {
  const codes = uniqSorted(run.findings.filter((f) => f.severity === "error").map((f) => f.code));
  const base = { case: c.name, dir: c.dir, verdict: run.verdict, findings: codes, router: run.router, skipped: run.skipped, seconds: run.seconds, messages: run.findings };
  if (c.invalid) return { ...base, verdict: "error", findings: [], messages: [], error: c.invalid, result: "regression", regression: true, diff: c.invalid };
  const withError = run.error !== undefined ? { error: run.error } : {};
  const exp = c.expected;
  if (!exp) return { ...base, ...withError, result: "unchecked", regression: false };
  const diff = differences(exp, run, codes);
  const expected: Expected = exp.findings ? { verdict: exp.verdict, findings: uniqSorted(exp.findings) } : { verdict: exp.verdict };
  return { ...base, ...withError, expected, result: diff ? "regression" : "passed", regression: diff !== "", ...(diff ? { diff } : {}) };
}

/** A case that could not be run at all (its worker died): an error. */
export function crashed(message: string): CaseRun {
  return { verdict: "error", findings: [], router: [], skipped: [], error: message, seconds: 0 };
}
