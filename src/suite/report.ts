/**
 * The reports of `alg-verify suite`, platform neutral: the JSON document and the text table.
 *
 *   { schemaVersion: 1,
 *     cases: [ { case, dir, verdict: "pass"|"fail"|"inconclusive"|"error",
 *                expected?: { verdict, findings? }, findings: [error-severity codes, sorted, unique],
 *                result: "passed"|"regression"|"unchecked", regression: boolean,
 *                router: [files given to verify], skipped: [ { file, reason } ],
 *                seconds, error?: string } ],            // sorted by case
 *     summary: { total, passed, regressions, unchecked, errors } }
 *   // total = passed + regressions + unchecked; errors = regressions that are errors
 */
import { renderTable } from "../report/table.js";
import { PLAIN, type Palette } from "../report/colour.js";
import type { CaseOutcome, CaseResult } from "./case.js";

/** A case in the JSON report: its result without the finding messages and the diff text. */
export type SuiteCaseJson = Omit<CaseResult, "messages" | "diff">;

export interface SuiteSummary {
  total: number;
  passed: number;
  regressions: number;
  unchecked: number;
  errors: number;
}

export interface SuiteJson {
  schemaVersion: 1;
  cases: SuiteCaseJson[];
  summary: SuiteSummary;
}

const round3 = (s: number) => Math.round(s * 1000) / 1000;

export function summarize(results: CaseResult[]): SuiteSummary {
  const count = (r: CaseOutcome) => results.filter((x) => x.result === r).length;
  return {
    total: results.length, passed: count("passed"), regressions: count("regression"), unchecked: count("unchecked"),
    errors: results.filter((r) => r.regression && r.verdict === "error").length,
  };
}

export function toJson(results: CaseResult[]): SuiteJson {
  const cases = results.map((r): SuiteCaseJson => ({
    case: r.case, dir: r.dir, verdict: r.verdict,
    ...(r.expected ? { expected: r.expected } : {}),
    findings: r.findings, result: r.result, regression: r.regression, router: r.router, skipped: r.skipped,
    seconds: round3(r.seconds),
    ...(r.error !== undefined ? { error: r.error } : {}),
  }));
  return { schemaVersion: 1, cases, summary: summarize(results) };
}

const RESULT_CELL: Record<CaseOutcome, string> = { passed: "ok", regression: "REGRESSION", unchecked: "unchecked" };
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
const baseName = (file: string) => file.slice(Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\")) + 1);

function table(results: CaseResult[], colour: Palette): string {
  const rows = results.map((r) => [
    r.case,
    r.verdict,
    r.expected?.verdict ?? "-",
    r.findings.join(", ") || "-",
    `${r.seconds.toFixed(2)}s`,
    RESULT_CELL[r.result],
  ]);
  const verdict = (v: string) => colour.verdict(v, v);
  const result = (v: string) => (v === RESULT_CELL.regression ? colour.verdict("fail", v) : v);
  return renderTable([{ header: "case" }, { header: "verdict", paint: verdict }, { header: "expected" }, { header: "findings" }, { header: "time", align: "right" }, { header: "result", paint: result }], rows);
}

/** The notes under the table: regressions, other errors, files not read as router output. */
function notes(results: CaseResult[]): string {
  let out = "";
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
  const skipped = skippedGroups(results);
  if (skipped.length) {
    out += "\nnot router output (skipped):\n";
    for (const g of skipped) {
      const where = g.cases.length === 1 ? `${g.cases[0]}/${g.name}` : `${g.name} in ${g.cases.length} cases (${listSome(g.cases, SKIPPED_CASES_NAMED)})`;
      out += `  ${where}: ${g.reason}\n`;
    }
  }
  return out;
}

/** Cases named in a line of files skipped alike; the rest are counted. */
const SKIPPED_CASES_NAMED = 3;

/**
 * The files skipped as not router output, one entry per file name and reason (the reason with the
 * file's path written as its name), in order of first appearance: a lab folder whose every case
 * holds the same `ruleset.txt` gets one line, not one per case.
 */
function skippedGroups(results: CaseResult[]): { name: string; reason: string; cases: string[] }[] {
  const groups = new Map<string, { name: string; reason: string; cases: string[] }>();
  for (const r of results) {
    for (const s of r.skipped) {
      const name = baseName(s.file);
      const reason = s.reason.split(s.file).join(name);
      const key = `${name}\0${reason}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { name, reason, cases: [] }));
      g.cases.push(r.case);
    }
  }
  return Array.from(groups.values());
}

/** The first `n` items, then "… and k more". */
function listSome(items: string[], n: number): string {
  return items.length <= n ? items.join(", ") : `${items.slice(0, n).join(", ")} and ${items.length - n} more`;
}

/** The suite's text report; `colour` paints the verdicts and REGRESSION on a terminal. */
export function formatSuiteText(results: CaseResult[], seconds: number, workers: number, colour: Palette = PLAIN): string {
  const s = summarize(results);
  return (results.length ? table(results, colour) : "") + notes(results) +
    `\n${plural(s.total, "case")}: ${s.passed} passed, ${plural(s.regressions, "regression")}` +
    `${s.errors ? ` (${plural(s.errors, "error")})` : ""}, ${s.unchecked} unchecked (no expectations) in ${seconds.toFixed(1)}s` +
    `${workers > 1 ? ` with ${workers} workers` : ""}\n`;
}
