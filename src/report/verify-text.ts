/**
 * Human report of `verify`: verdict, the answers to the seed's questions, findings with their
 * evidence, the NAT mappings, each negotiation on both sides, and the conversation table a
 * correct ALG must have (Junos column layout) beside what the router showed.
 */
import { printJunosConversations } from "../router/index.js";
import type { PredictedConversation, VerifyReportLike } from "../verify/report-types.js";
import { endpointText } from "./flows-text.js";
import { renderTable } from "./table.js";

/** The predicted conversations in Junos layout (`--format junos`). */
export function predictedJunos(conversations: PredictedConversation[]): string {
  return printJunosConversations([{
    name: "(predicted)", serviceSet: null,
    conversations: conversations.map((c) => ({
      alg: c.alg, initiators: c.flows.filter((f) => f.dir === "I").length, responders: c.flows.filter((f) => f.dir === "O").length,
      flows: c.flows.map((f) => ({ proto: f.proto, src: f.src, dst: f.dst, state: f.state, dir: f.dir, frames: f.frames, nat: f.nat })),
    })),
  }]);
}

/** Where a finding was seen: packets, flows and router lines. */
export function evidenceText(e: VerifyReportLike["findings"][number]["evidence"]): string {
  const parts: string[] = [];
  if (e.inside?.length) parts.push(`inside packet ${e.inside.join(", ")}`);
  if (e.outside?.length) parts.push(`outside packet ${e.outside.join(", ")}`);
  if (e.insideFlows?.length) parts.push(`inside flow ${e.insideFlows.join(", ")}`);
  if (e.outsideFlows?.length) parts.push(`outside flow ${e.outsideFlows.join(", ")}`);
  if (e.router?.length) parts.push(e.router.map((r) => `${r.file}:${r.line}`).join(", "));
  return parts.join("; ");
}

type Neg = VerifyReportLike["sessions"][number]["negotiations"][number];

/** The Rewrite column: never "ok" beside a finding that says it was not translated (the status says it). */
function rewriteCell(n: Neg): string {
  if (!n.rewrite) return "";
  const st = n.rewrite.status;
  if (st === "n/a") return "n/a";
  if (st === "not-needed") return "ok (none needed)";
  if (st === "not-rewritten") return "NOT REWRITTEN";
  return n.rewrite.ok ? "ok" : "WRONG";
}

const CHECKS_LISTED = 12;

/** What was checked and what could not be, and why: the first lines of the report. */
function writeChecks(checks: VerifyReportLike["checks"], write: (s: string) => void): void {
  if (!checks.length) return;
  const tally = new Map<string, { passed: number; failed: number; "not-checked": number }>();
  for (const c of checks) {
    const t = tally.get(c.check) ?? tally.set(c.check, { passed: 0, failed: 0, "not-checked": 0 }).get(c.check)!;
    t[c.status]++;
  }
  const done = [...tally].filter(([, t]) => t.passed + t.failed).map(([k, t]) => `${k} ${t.passed} passed${t.failed ? `, ${t.failed} failed` : ""}`);
  write(`checked: ${done.length ? done.join("; ") : "nothing could be judged"}\n`);
  const failed = checks.filter((c) => c.status === "failed");
  for (const c of failed.slice(0, CHECKS_LISTED)) write(`  failed ${c.check} of ${c.subject}: ${c.reason}\n`);
  const not = checks.filter((c) => c.status === "not-checked");
  if (not.length) write(`not checked: ${not.length}\n`);
  for (const c of not.slice(0, CHECKS_LISTED)) write(`  ${c.check} of ${c.subject}: ${c.reason}\n`);
  if (not.length > CHECKS_LISTED) write(`  … and ${not.length - CHECKS_LISTED} more (see --json checks)\n`);
}

export function formatVerifyText(r: VerifyReportLike, write: (s: string) => void): void {
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const warnings = r.findings.filter((f) => f.severity === "warning").length;
  write(`verdict: ${r.verdict.toUpperCase()} (${errors} error(s), ${warnings} warning(s))\n`);
  const ins = [r.inputs.inside && `inside ${r.inputs.inside}`, r.inputs.outside && `outside ${r.inputs.outside}`, ...r.inputs.router.map((f) => `router ${f}`)].filter(Boolean);
  write(`inputs: ${ins.join(", ")}\n`);
  if (r.nat.sidesSwappedBack) write("sides: the file given as --outside is the inside capture and the other way round (nat.sides-swapped); this report is computed with the sides swapped back\n");
  if (r.nat.mappings.length) {
    write(`NAT: ${r.nat.natAddresses.join(", ") || "no translation seen"}; clock offset outside−inside ${r.nat.clockOffsetMs?.toFixed(3)} ms\n`);
  }
  writeChecks(r.checks, write);
  write("\nQuestions\n");
  for (const a of r.answers) write(`  ${a.question}\n    ${a.answer}\n`);
  if (r.findings.length) {
    write("\nFindings\n");
    for (const f of r.findings) {
      write(`  ${f.severity}[${f.code}] ${f.message}\n`);
      const ev = evidenceText(f.evidence);
      if (ev) write(`    evidence: ${ev}\n`);
      write(`    means: ${f.explanation}\n`);
    }
  }
  if (r.nat.mappings.length) {
    write("\nNAT mappings\n");
    write(renderTable(
      [{ header: "Proto" }, { header: "Dir" }, { header: "Inside" }, { header: "Translated" }, { header: "Remote" }, { header: "Flows in/out" }],
      r.nat.mappings.map((m) => [m.proto, m.direction, endpointText(m.inside), endpointText(m.translated), endpointText(m.remote), `${m.insideFlow ?? "-"}/${m.outsideFlow ?? "-"}`]),
    ).replace(/^(?=.)/gm, "  "));
  }
  const rows: string[][] = [];
  for (const s of r.sessions) {
    for (const n of s.negotiations) {
      const ann = (x?: { announced: { ip?: string; port?: number } }) => (x ? `${x.announced.ip ?? ""}${x.announced.port !== undefined ? ":" + x.announced.port : ""}` : "-");
      rows.push([
        s.alg, n.command && n.command !== n.kind ? `${n.command}→${n.kind}` : n.kind,
        n.inside ? `${n.inside.packet}` : "-", ann(n.inside), n.outside ? `${n.outside.packet}` : "-", ann(n.outside),
        rewriteCell(n), n.dataPath,
      ]);
    }
  }
  if (rows.length) {
    write("\nNegotiations\n");
    write(renderTable(
      [{ header: "ALG" }, { header: "Kind" }, { header: "In pkt", align: "right" }, { header: "Inside says" }, { header: "Out pkt", align: "right" }, { header: "Outside says" }, { header: "Rewrite" }, { header: "Data path" }],
      rows,
    ).replace(/^(?=.)/gm, "  "));
  }
  if (r.predicted.conversations.length) {
    write("\nConversations a correct ALG must hold (Junos layout)\n");
    write(predictedJunos(r.predicted.conversations));
    write(r.predicted.conversations.flatMap((c) => c.flows.map((f) => `  ${f.dir} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port}: ${f.role}`)).join("\n") + "\n");
  }
  if (r.timeline.some((e) => e.source === "router")) {
    write("\nTimeline\n");
    for (const e of r.timeline) {
      const where = e.source === "router" ? `${e.router!.file}:${e.router!.line}${e.placed === "flow" ? " (placed at its flow)" : ""}` : `${e.source} packet ${e.packet}`;
      write(`  ${e.time ?? "(no time)".padEnd(30)}  ${e.what}  [${where}]\n`);
    }
  }
  if (r.router.labelled.length) {
    write("\nRouter flows\n");
    write(renderTable(
      [{ header: "Where" }, { header: "Flow" }, { header: "State" }, { header: "Dir" }, { header: "Frm", align: "right" }, { header: "What it is" }],
      r.router.labelled.map((f) => [`${f.file}:${f.line}`, `${f.proto} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port}`, f.state, f.dir, String(f.frames ?? ""), f.role + (f.note ? ` — ${f.note}` : "")]),
    ).replace(/^(?=.)/gm, "  "));
  }
}
