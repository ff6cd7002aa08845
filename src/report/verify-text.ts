/**
 * Human report of `verify`: verdict, the answers to the seed's questions, findings with their
 * evidence, the NAT mappings, each negotiation on both sides, and the conversation table a
 * correct ALG must have (Junos column layout) beside what the router showed.
 */
import { printJunosConversations } from "../router/index.js";
import type { PredictedConversation, VerifyReportLike } from "../verify/report-types.js";
import { PLAIN, type Palette } from "./colour.js";
import { endpointText } from "./flows-text.js";
import { renderTable, type Column } from "./table.js";
import { ackCap } from "./analyze-text.js";

export interface VerifyTextOptions {
  /** Terminal colour for the verdict and severities (default none: ./colour.ts decides). */
  colour?: Palette;
  /** Widest line of the flow table (its long cells wrap); default FLOW_TABLE_WIDTH. */
  width?: number;
}

/**
 * Widest line of the "What is each flow?" table when the output is no terminal (a file, a pipe):
 * 132 columns, the classic wide terminal. On a terminal the CLI passes its width.
 */
export const FLOW_TABLE_WIDTH = 132;

/** The question whose answer (the predicted flows) the text report shows as a table. */
export const FLOWS_QUESTION = "What is each flow?";

/** The one-line legend above the flow table. */
export const FLOW_LEGEND = "Watch = payload inspected, Forward = forwarded, I/O = direction as the router sees it";

type PFlow = PredictedConversation["flows"][number];

export const FLOW_COLUMNS: Column[] = [
  { header: "#", align: "right" }, { header: "Proto" }, { header: "I/O" }, { header: "Flow", wrap: true }, { header: "NAT", wrap: true },
  { header: "State" }, { header: "Frames", align: "right" }, { header: "What it is", wrap: true },
];

/** A translation, its own end named by the row's flow written as "source" / "dest" only. */
function natCell(p: PFlow): string {
  const same = (a: PFlow["src"], b: PFlow["src"]) => a.ip === b.ip && a.port === b.port;
  const cell = p.nat.map((t) => {
    const own = (t.kind === "source" && same(t.from, p.src)) || (t.kind === "dest" && same(t.from, p.dst));
    return `${t.kind} ${own ? "" : endpointText(t.from) + " "}→ ${endpointText(t.to)}`;
  }).join(", ");
  return (cell || "-") + (p.inferred && cell ? " (announced, not seen)" : "");
}

/**
 * The predicted flows as a table: per connection its I line then its O line (the k-th I line of a
 * conversation pairs with its k-th O line), numbered per connection.
 */
export function flowTable(conversations: PredictedConversation[], maxWidth?: number): string {
  return renderTable(FLOW_COLUMNS, flowTableRows(conversations), { maxWidth });
}

/** The rows of the flow table (one per predicted flow, FLOW_COLUMNS' cells), the first `max` of them (the HTML report's table too). */
export function flowTableRows(conversations: PredictedConversation[], max = Number.MAX_SAFE_INTEGER): string[][] {
  const rows: string[][] = [];
  let no = 0;
  for (const c of conversations) {
    const ins = c.flows.filter((f) => f.dir === "I");
    const outs = c.flows.filter((f) => f.dir === "O");
    for (let k = 0; k < Math.max(ins.length, outs.length); k++) {
      no++;
      for (const p of [ins[k], outs[k]]) {
        if (!p) continue;
        if (rows.length >= max) return rows;
        rows.push([p === ins[k] || !ins[k] ? String(no) : "", p.proto, p.dir, `${endpointText(p.src)} → ${endpointText(p.dst)}`, natCell(p), p.state, String(p.frames), `${c.alg} ${p.role}`]);
      }
    }
  }
  return rows;
}

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
export function rewriteCell(n: Neg): string {
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

export function formatVerifyText(r: VerifyReportLike, write: (s: string) => void, opts: VerifyTextOptions = {}): void {
  const paint = opts.colour ?? PLAIN;
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const warnings = r.findings.filter((f) => f.severity === "warning").length;
  write(`verdict: ${paint.verdict(r.verdict)} (${errors} error(s), ${warnings} warning(s))\n`);
  const ins = [r.inputs.inside && `inside ${r.inputs.inside}`, r.inputs.outside && `outside ${r.inputs.outside}`, ...r.inputs.router.map((f) => `router ${f}`)].filter(Boolean);
  write(`inputs: ${ins.join(", ")}\n`);
  if (r.nat.sidesSwappedBack) write("sides: the file given as --outside is the inside capture and the other way round (nat.sides-swapped); this report is computed with the sides swapped back\n");
  if (r.nat.mappings.length) {
    write(`NAT: ${r.nat.natAddresses.join(", ") || "no translation seen"}; clock offset outside−inside ${r.nat.clockOffsetMs?.toFixed(3)} ms\n`);
  }
  writeChecks(r.checks, write);
  write("\nQuestions\n");
  const flowsTable = r.predicted.conversations.some((c) => c.flows.length);
  for (const a of r.answers) {
    if (a.question === FLOWS_QUESTION && flowsTable) {
      write(`  ${a.question}\n    ${FLOW_LEGEND}\n`);
      write(indent(flowTable(r.predicted.conversations, (opts.width ?? FLOW_TABLE_WIDTH) - 4), "    "));
    } else write(`  ${a.question}\n    ${a.answer}\n`);
  }
  if (r.findings.length) {
    write("\nFindings\n");
    // What a code means, under its first finding only (a capture may hold dozens alike).
    const explained = new Set<string>();
    for (const f of r.findings) {
      write(`  ${paint.severity(f.severity, `${f.severity}[${f.code}]`)} ${f.message}\n`);
      const ev = evidenceText(f.evidence);
      if (ev) write(`    evidence: ${ev}\n`);
      if (!explained.has(f.code)) write(`    means: ${f.explanation}\n`);
      explained.add(f.code);
    }
  }
  if (r.nat.mappings.length) {
    write("\nNAT mappings\n");
    write(indent(renderTable(
      [{ header: "Proto" }, { header: "Dir" }, { header: "Inside" }, { header: "Translated" }, { header: "Remote" }, { header: "Flows in/out" }],
      r.nat.mappings.map((m) => [m.proto, m.direction, endpointText(m.inside), endpointText(m.translated), endpointText(m.remote), `${m.insideFlow ?? "-"}/${m.outsideFlow ?? "-"}`]),
    ), "  "));
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
    write(indent(renderTable(
      [{ header: "ALG" }, { header: "Kind" }, { header: "In pkt", align: "right" }, { header: "Inside says" }, { header: "Out pkt", align: "right" }, { header: "Outside says" }, { header: "Rewrite" }, { header: "Data path" }],
      rows,
    ), "  "));
  }
  const tftp = r.sessions.filter((s) => s.tftp);
  if (tftp.length) {
    write("\nTFTP transfers (as each capture shows them)\n");
    for (const s of tftp) write(`  ${tftpLine(s.tftp!)}\n`);
  }
  const registers = r.sessions.filter((s) => s.sip?.register);
  if (registers.length) {
    write("\nSIP registrations (the REGISTER binding as each capture shows it)\n");
    for (const s of registers) write(`  ${registerLine(s.sip!)}\n`);
  }
  if (r.predicted.conversations.length) {
    write("\nConversations a correct ALG must hold (Junos layout)\n");
    write(predictedJunos(r.predicted.conversations));
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
    write(indent(renderTable(
      [{ header: "Where" }, { header: "Flow" }, { header: "State" }, { header: "Dir" }, { header: "Frm", align: "right" }, { header: "What it is" }],
      r.router.labelled.map((f) => [`${f.file}:${f.line}`, `${f.proto} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port}`, f.state, f.dir, String(f.frames ?? ""), f.role + (f.note ? ` — ${f.note}` : "")]),
    ), "  "));
  }
}

const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);

type Tftp = NonNullable<VerifyReportLike["sessions"][number]["tftp"]>;

/** One TFTP request and how its transfer ended on each side (`sessions[].tftp`). */
export function tftpLine(t: Tftp): string {
  const side = (x: NonNullable<Tftp["inside"]>) => {
    const size = `${x.blocks} block(s), ${x.bytes} bytes`;
    const how = x.outcome === "error" && x.error ? `ERROR ${x.error.code} "${x.error.message}" from the ${x.error.from} @${x.error.packet}` : x.outcome === "completed" ? `completed @${x.endPacket}` : x.outcome;
    return `${how} (${size}${x.duplicates ? `, ${x.duplicates} repeated block(s)` : ""}${x.duplicateAcks || x.duplicateAcksCapped ? `, ${x.duplicateAcks} repeated ACK(s)${ackCap(x.duplicateAcksCapped)}` : ""}${x.stopped ? `, stopped following: ${x.stopped}` : ""})${tftpRequestNotes(x).map((n) => `; ${n}`).join("")}`;
  };
  const sides = (["inside", "outside"] as const).filter((k) => t[k]).map((k) => `${k} ${side(t[k]!)}`);
  return `${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}: ${sides.join("; ")}`;
}

/** What is wrong with a TFTP request as one capture shows it: repeated, malformed, cut (`sessions[].tftp.<side>`). */
export function tftpRequestNotes(x: NonNullable<Tftp["inside"]>): string[] {
  const out: string[] = [];
  if (x.retries?.length) out.push(`request repeated ${x.retries.length} time(s) before any answer @${x.retries.join(",")}`);
  if (x.malformed) out.push("request malformed");
  if (x.truncated) out.push("request cut (snaplen or over 1024 bytes)");
  return out;
}

type Sip = NonNullable<VerifyReportLike["sessions"][number]["sip"]>;
type Binding = NonNullable<NonNullable<Sip["register"]>["inside"]>;

/** One side's REGISTER binding: the Contact(s), how long, the answer (`sessions[].sip.register.<side>`). */
export function bindingText(b: Binding): string {
  const contacts = b.contact.map((c) => c.uri).join(", ") || "(no Contact)";
  const expires = b.expires !== undefined ? `expires ${b.expires} s` : "no expires";
  return `Contact ${contacts}, ${expires}, ${b.status !== undefined ? `answered ${b.status}` : "no answer"} (REGISTER @${b.packet})`;
}

/** A REGISTER dialog's binding on each side (`sessions[].sip.register`). */
export function registerLine(sip: Sip): string {
  const sides = (["inside", "outside"] as const).filter((k) => sip.register?.[k]).map((k) => `${k} ${bindingText(sip.register![k]!)}`);
  return `REGISTER ${sip.callId ?? "(no Call-ID)"}: ${sides.join("; ")}`;
}
