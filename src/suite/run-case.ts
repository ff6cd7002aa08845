/**
 * One case of a suite: run verify on its files (in whichever thread calls this) and compare the
 * outcome with its case.json expectation. Platform: Node (reads files).
 */
import { runVerify, inputErrorOf } from "../verify/run-node.js";
import { formatDiagnostic } from "../report/flows-text.js";
import type { CaseSpec, Expected } from "./discover.js";

/** The files of a case, as sent to a worker. */
export interface CaseInput {
  inside?: string;
  outside?: string;
  router: string[];
  /** Also write the case's HTML report to this file (`suite --html`). */
  html?: string;
}

export interface CaseFinding {
  code: string;
  severity: string;
  message: string;
}

/** What running verify on a case gave: a verdict with findings, or an error. */
export interface CaseRun {
  verdict: "pass" | "fail" | "inconclusive" | "error";
  /** Every finding (all severities), in report order; empty on error. */
  findings: CaseFinding[];
  /** The error message when verify threw or a capture is damaged. */
  error?: string;
  seconds: number;
}

export interface CaseResult {
  case: string;
  dir: string;
  verdict: "pass" | "fail" | "inconclusive" | "error";
  expected?: Expected;
  /** Codes of the error-severity findings, sorted, without duplicates. */
  findings: string[];
  regression: boolean;
  seconds: number;
  error?: string;
  /** Not in the JSON report: every finding (for JUnit system-out), and why it regressed. */
  messages: CaseFinding[];
  diff?: string;
}

/** Runs verify on one case's files. Never throws. */
export async function runCase(input: CaseInput): Promise<CaseRun> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    const report = await runVerify(input, { parallel: false });
    if (input.html) await (await import("../node/html-report.js")).writeHtmlFile(report, input.html, input.router);
    const bad = inputErrorOf(report);
    if (bad) return { verdict: "error", findings: [], error: formatDiagnostic(bad), seconds: seconds() };
    const findings = report.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message }));
    return { verdict: report.verdict, findings, seconds: seconds() };
  } catch (e) {
    const err = e as Error & { code?: string; file?: string };
    const msg = err.name === "InputError" ? `error[${err.code}] ${err.file ? err.file + ": " : ""}${err.message}` : `${err.name ?? "Error"}: ${err.message ?? String(e)}`;
    return { verdict: "error", findings: [], error: msg, seconds: seconds() };
  }
}

const uniqSorted = (xs: string[]) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The files of a case (what a worker needs). */
export const caseInput = (c: CaseSpec): CaseInput => ({ inside: c.inside, outside: c.outside, router: c.router });

/** Compares a run with the case's expectation. */
export function judge(c: CaseSpec, run: CaseRun): CaseResult {
  const codes = uniqSorted(run.findings.filter((f) => f.severity === "error").map((f) => f.code));
  const base = { case: c.name, dir: c.dir, verdict: run.verdict, findings: codes, seconds: run.seconds, messages: run.findings };
  const exp = c.expected;
  if (c.invalid) return { ...base, verdict: "error", findings: [], messages: [], error: c.invalid, regression: true, diff: c.invalid };
  const withError = run.error !== undefined ? { error: run.error } : {};
  if (!exp) return { ...base, ...withError, regression: false };
  const parts: string[] = [];
  if (run.verdict !== exp.verdict) parts.push(`verdict ${run.verdict}, expected ${exp.verdict}`);
  if (exp.verdict !== "error" && run.verdict !== "error" && exp.findings) {
    // Every error must be expected; every expected code must be reported (at any severity: a
    // case may also list the warnings it is about, e.g. alg.works-by-port-preservation).
    const want = uniqSorted(exp.findings);
    const reported = new Set(run.findings.map((f) => f.code));
    const missing = want.filter((x) => !reported.has(x));
    const unexpected = codes.filter((x) => !want.includes(x));
    if (missing.length) parts.push(`missing ${missing.join(", ")}`);
    if (unexpected.length) parts.push(`unexpected ${unexpected.join(", ")}`);
  }
  const expected: Expected = exp.findings ? { verdict: exp.verdict, findings: uniqSorted(exp.findings) } : { verdict: exp.verdict };
  return { ...base, ...withError, expected, regression: parts.length > 0, ...(parts.length ? { diff: parts.join("; ") } : {}) };
}

/** A case that could not be run at all (its worker died): an error. */
export function crashed(message: string): CaseRun {
  return { verdict: "error", findings: [], error: message, seconds: 0 };
}
