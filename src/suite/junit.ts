/**
 * JUnit XML for `suite --junit` (schema/junit.xsd; the element model of the Jenkins/Ant JUnit
 * schema): one <testsuites> holding one <testsuite name="alg-verify">, one <testcase> per case.
 *
 * - a regression whose verify ran → <failure type="regression" message="verdict fail, expected
 *   pass; missing X; unexpected Y">; an unexpected error (verify threw, a capture is damaged,
 *   case.json is malformed) → <error type="error" message="…">;
 * - a case without expectations (unchecked) → <skipped message="no expectations">: a JUnit
 *   runner shows it as skipped, never as passed;
 * - <system-out> per case: the verdict, the expectation, every finding as
 *   `severity code: message`, the error message (if any) and the files skipped as not router output.
 * Counts: tests = cases, errors = <error>, failures = <failure>, skipped = <skipped> elements.
 */
import type { CaseResult } from "./case.js";

/** Drops characters XML 1.0 cannot carry (control characters, lone surrogates). */
function xmlChars(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
    out += ok ? ch : `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return out;
}

export function escapeText(s: string): string {
  return xmlChars(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

const secs = (s: number) => s.toFixed(3);

export interface JunitOptions {
  /** Wall-clock seconds of the whole run. */
  seconds: number;
  timestamp: Date;
  hostname: string;
  /** <properties>: e.g. dir, shard, jobs. */
  properties?: Record<string, string>;
}

export function formatJunit(results: CaseResult[], opts: JunitOptions): string {
  const errors = results.filter((r) => r.regression && r.verdict === "error").length;
  const failures = results.filter((r) => r.regression && r.verdict !== "error").length;
  const skipped = results.filter((r) => r.result === "unchecked").length;
  const counts = `tests="${results.length}" failures="${failures}" errors="${errors}"`;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="alg-verify" ${counts} time="${secs(opts.seconds)}">`,
    `  <testsuite name="alg-verify" ${counts} skipped="${skipped}" time="${secs(opts.seconds)}" timestamp="${opts.timestamp.toISOString().slice(0, 19)}" hostname="${escapeAttr(opts.hostname)}">`,
  ];
  const props = Object.entries(opts.properties ?? {});
  if (props.length) {
    lines.push("    <properties>");
    for (const [k, v] of props) lines.push(`      <property name="${escapeAttr(k)}" value="${escapeAttr(v)}"/>`);
    lines.push("    </properties>");
  }
  for (const r of results) {
    lines.push(`    <testcase name="${escapeAttr(r.case)}" classname="alg-verify" time="${secs(r.seconds)}">`);
    if (r.result === "unchecked") {
      lines.push(`      <skipped message="no expectations"/>`);
    } else if (r.regression && r.verdict === "error") {
      lines.push(`      <error type="error" message="${escapeAttr(r.error ?? r.diff ?? "error")}">${escapeText(r.diff ?? r.error ?? "")}</error>`);
    } else if (r.regression) {
      lines.push(`      <failure type="regression" message="${escapeAttr(r.diff ?? "regression")}">${escapeText(r.diff ?? "")}</failure>`);
    }
    lines.push(`      <system-out>${escapeText(systemOut(r))}</system-out>`);
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}

function systemOut(r: CaseResult): string {
  const exp = r.expected ? `${r.expected.verdict}${r.expected.findings ? ` [${r.expected.findings.join(", ")}]` : ""}` : "none";
  const out = [`${r.dir}: verdict ${r.verdict}, expected ${exp}`];
  if (r.error) out.push(r.error);
  for (const f of r.messages) out.push(`${f.severity} ${f.code}: ${f.message}`);
  for (const s of r.skipped) out.push(`skipped ${s.file}: ${s.reason}`);
  return out.join("\n") + "\n";
}
