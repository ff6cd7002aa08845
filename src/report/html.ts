/**
 * The verify report as ONE self-contained HTML file (`verify --html`, `suite --html`, the page's
 * "Download HTML report"): no script, no external reference, one inline style allowed by its hash
 * in the file's own Content Security Policy (`default-src 'none'`), the diagrams inline SVG with
 * presentation attributes only. Made to be published as a CI artifact and read in any browser.
 *
 * Order: verdict and answers, the topology strip, findings grouped by cause with their evidence,
 * one ladder diagram per ALG session, the predicted Junos conversations beside the router's
 * output, then the tables (negotiations, checks, NAT mappings, timeline with relative times,
 * router flows, diagnostics). Limits: HTML_MAX_DIAGRAMS diagrams, HTML_MAX_ROWS rows per table;
 * what is left out is counted where it would have been. Platform neutral (streams to `write`).
 */
import type { VerifyReportLike } from "../verify/report-types.js";
import { predictedJunos, evidenceText, flowTableRows, rewriteCell, bindingText, tftpRequestNotes, FLOW_COLUMNS, FLOW_LEGEND, FLOWS_QUESTION } from "./verify-text.js";
import { el, esc, writeMarkup, type Markup, type MarkupChild } from "./markup.js";
import { ladder, msBetween, relTime, ep, sessionId, type LadderOptions } from "./ladder.js";
import { topology } from "./topology.js";
import { endedText, linuxText } from "./analyze-text.js";
import { cspHash } from "./sha256.js";

type Report = VerifyReportLike;
type Finding = Report["findings"][number];
type Session = Report["sessions"][number];
type Neg = Session["negotiations"][number];
type SideNeg = NonNullable<Neg["inside"]>;

/** Ladder diagrams drawn per report; later sessions are counted, not drawn. */
export const HTML_MAX_DIAGRAMS = 20;
/** Rows per table; the rest is counted under it. */
export const HTML_MAX_ROWS = 2000;
/** Characters of the router's text shown beside the prediction; the rest is counted. */
export const HTML_MAX_ROUTER_CHARS = 400_000;

export interface HtmlReportOptions {
  /** The router output as `alg-verify router` prints it, shown beside the predicted table. */
  routerText?: string;
  /** Page title (default: "alg-verify: <verdict>"). */
  title?: string;
  maxDiagrams?: number;
  maxRows?: number;
  ladder?: LadderOptions;
}

/** Findings grouped by code (one cause), errors first, then in report order. */
export interface FindingGroup {
  code: string;
  severity: string;
  explanation: string;
  findings: Finding[];
  /** Sum of the findings' occurrences (absent = 1 each). */
  occurrences: number;
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };

export function groupFindings(findings: Finding[]): FindingGroup[] {
  const by = new Map<string, FindingGroup>();
  for (const f of findings) {
    let g = by.get(f.code);
    if (!g) by.set(f.code, (g = { code: f.code, severity: f.severity, explanation: f.explanation, findings: [], occurrences: 0 }));
    g.findings.push(f);
    g.occurrences += f.occurrences ?? 1;
    if ((SEVERITY_RANK[f.severity] ?? 3) < (SEVERITY_RANK[g.severity] ?? 3)) g.severity = f.severity;
  }
  return [...by.values()].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3));
}

/** A class-safe form of a value the report may extend (verdicts, severities, data paths). */
export const token = (s: string): string => s.toLowerCase().replace(/[^a-z0-9-]/g, "-");

/** The report's style: system fonts, every colour ≥ 4.5:1 on its background. */
export const HTML_STYLE = `
:root{--fg:#1b1b1f;--muted:#4a4a55;--bg:#fff;--panel:#f4f5f7;--line:#c9ccd3;--accent:#0b57d0;--pass:#146c2e;--pass-bg:#e6f4ea;--fail:#a8191f;--fail-bg:#fce8e6;--warn:#7a4a00;--warn-bg:#fff4e0;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);line-height:1.45}
body{margin:0 auto;max-width:1280px;padding:0 1rem 2rem}
h1{font-size:1.4rem;margin:.8rem 0 .3rem}h2{font-size:1.2rem;margin:1.4rem 0 .4rem;border-bottom:1px solid var(--line)}h3{font-size:1.02rem;margin:.8rem 0 .2rem}
.verdict{font-size:1.3rem;padding:.6rem .9rem;border-radius:6px;background:var(--panel)}
.verdict.pass{background:var(--pass-bg);color:var(--pass)}.verdict.fail{background:var(--fail-bg);color:var(--fail)}.verdict.inconclusive{background:var(--warn-bg);color:var(--warn)}
.muted{color:var(--muted)}.inputs{color:var(--muted);overflow-wrap:anywhere}
dl.answers dt{font-weight:600;margin-top:.4rem}dl.answers dd{margin:.1rem 0 0 1.2rem}
.sev{font-weight:700}.sev.error{color:var(--fail)}.sev.warning{color:var(--warn)}.sev.info{color:var(--muted)}
.group{border-left:4px solid var(--line);padding:.1rem .8rem;margin:.6rem 0}.group.error{border-color:var(--fail)}.group.warning{border-color:var(--warn)}
.group ul{margin:.2rem 0;padding-left:1.2rem}.ev{color:var(--muted);font-size:.9rem}
.diagram{overflow-x:auto;margin:.4rem 0 1rem}.diagram svg,.topo svg{max-width:100%;height:auto;display:block}
.side-by-side{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,560px),1fr));gap:.8rem}
figure{margin:0;min-width:0}figcaption{font-weight:600;margin-bottom:.25rem}
pre{background:var(--panel);border:1px solid var(--line);padding:.5rem;overflow:auto;max-height:28rem;font-size:.8rem;margin:0}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.86rem}
th,td{border-bottom:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:var(--panel)}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.86rem}[data-status=not-rewritten],[data-status=wrong],[data-status=wrong-port],[data-media-status=blocked],[data-check-status=failed],[data-tftp-outcome=error]{color:var(--fail);font-weight:600}footer{color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);margin-top:2rem}
`;

/** The Content Security Policy of a report whose only inline style is HTML_STYLE. */
export const htmlCsp = (): string =>
  `default-src 'none'; style-src ${cspHash(HTML_STYLE)}; img-src data:; base-uri 'none'; form-action 'none'`;

function table(headers: string[], rows: MarkupChild[][], numeric: number[] = [], max = HTML_MAX_ROWS, total = rows.length): Markup {
  const shown = rows.length > max ? rows.slice(0, max) : rows;
  return el("div", { class: "table-wrap" },
    el("table", {},
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...shown.map((r) => el("tr", {}, ...r.map((c, i) => el("td", { class: numeric.includes(i) ? "num" : undefined }, c)))))),
    total > shown.length ? el("p", { class: "muted" }, `… ${total - shown.length} more row(s) not shown (limit ${max}); the JSON report has them all.`) : null);
}

/** Verdict banner, answers and topology: the part that must be read first. */
function head(r: Report, maxRows: number): Markup[] {
  const errors = r.findings.filter((f) => f.severity === "error").length;
  const warnings = r.findings.filter((f) => f.severity === "warning").length;
  const inputs = [r.inputs.inside && `inside ${r.inputs.inside}`, r.inputs.outside && `outside ${r.inputs.outside}`, ...r.inputs.router.map((f) => `router ${f}`)].filter(Boolean).join(", ");
  return [
    el("div", { class: `verdict ${token(r.verdict)}`, id: "verdict", "data-verdict": r.verdict }, el("strong", {}, r.verdict.toUpperCase()), ` — ${errors} error(s), ${warnings} warning(s)`),
    el("p", { class: "inputs" }, `Inputs: ${inputs || "none"} · profile ${r.inputs.profile}`),
    el("p", { class: "inputs", id: "captures" }, capturesText(r)),
    sidesSwappedNote(r),
    el("section", { id: "answers" }, el("h2", {}, "Questions"), answersList(r, maxRows)),
  ].filter((m): m is Markup => m !== null);
}

/** What was read of each capture (`captures`): format, packets, flows, ALG sessions, partial. */
export function capturesText(r: Report): string {
  const parts = (["inside", "outside"] as const).flatMap((k) => {
    const c = r.captures[k];
    return c ? [`${k} ${c.file}: ${c.format}, ${c.packets} packets, ${c.flows} flows, ${c.sessions} ALG session(s)${c.partial ? ", PARTIAL (decoding stopped at an error)" : ""}`] : [];
  });
  return `Captures: ${parts.join("; ") || "none"}`;
}

/** Answers longer than this many characters are folded (the flow list grows with the flows). */
export const ANSWER_FOLD = 200;

/**
 * The seed's questions answered; "What is each flow?" as the text report's flow table (its columns
 * and legend, at most `maxRows` rows; `flowsOpen` false folds it under its count: the page keeps
 * its first screen for the diagram), other long answers folded under their first words.
 */
export function answersList(r: Report, maxRows = HTML_MAX_ROWS, flowsOpen = true): Markup {
  const flows = r.predicted.conversations.some((c) => c.flows.length);
  return el("dl", { class: "answers" }, ...r.answers.flatMap((a) => [
    el("dt", {}, a.question),
    el("dd", {}, a.question === FLOWS_QUESTION && flows ? flowTableMarkup(r, maxRows, flowsOpen)
      : a.answer.length > ANSWER_FOLD ? el("details", {}, el("summary", {}, a.answer.slice(0, ANSWER_FOLD / 2) + " …"), a.answer) : a.answer),
  ]));
}

/** The predicted flows as a table (`verify`'s text flow table: same columns, rows and legend). */
export function flowTableMarkup(r: Report, maxRows = HTML_MAX_ROWS, open = true): Markup {
  const total = r.predicted.conversations.reduce((n, c) => n + c.flows.length, 0);
  const numeric = FLOW_COLUMNS.flatMap((c, i) => (c.align === "right" ? [i] : []));
  return el("details", { class: "flow-answer", id: "flow-table", open },
    el("summary", {}, `${total} predicted flow(s) in ${r.predicted.conversations.length} ALG conversation(s)`),
    el("p", { class: "muted" }, FLOW_LEGEND),
    table(FLOW_COLUMNS.map((c) => c.header), flowTableRows(r.predicted.conversations, maxRows), numeric, maxRows, total));
}

/** Findings grouped by cause: the explanation once, then each occurrence with its evidence. */
export function findingGroups(r: Report): Markup {
  const groups = groupFindings(r.findings);
  if (!groups.length) return el("p", {}, "No findings.");
  return el("div", { class: "groups" }, ...groups.map((g) => el("div", { class: `group ${token(g.severity)}`, "data-code": g.code },
    el("h3", {}, el("span", { class: `sev ${token(g.severity)}` }, g.severity), " ", el("code", {}, g.code), g.occurrences > 1 ? ` ×${g.occurrences}` : ""),
    el("p", {}, g.explanation),
    el("ul", {}, ...g.findings.map((f) => {
      const ev = evidenceText(f.evidence);
      return el("li", {}, f.message, f.occurrences && f.occurrences > 1 ? ` (${f.occurrences} occurrences)` : "", ev ? el("div", { class: "ev" }, `evidence: ${ev}`) : null);
    })))));
}

/** The timeline with times relative to its first timed entry (absolute time in the tooltip). */
export function timelineRows(r: Report, max = Number.MAX_SAFE_INTEGER): MarkupChild[][] {
  const origin = r.timeline.find((e) => e.time)?.time;
  return r.timeline.slice(0, max).map((e) => {
    const ms = origin && e.time ? msBetween(origin, e.time) : undefined;
    return [
      ms !== undefined ? el("span", { title: e.time }, relTime(ms)) : "(no time)", e.what,
      e.source === "router" ? `${e.router?.file}:${e.router?.line}${e.placed === "flow" ? " (placed at its flow)" : ""}` : `${e.source} packet ${e.packet}`,
    ];
  });
}

/** The negotiations table (the HTML report and the page): one row per negotiation, SIP media and transfers in Details. */
export const NEGOTIATION_HEADERS = ["Session", "ALG", "Kind", "In pkt", "Inside says", "Out pkt", "Outside says", "Rewrite", "Data path", "Details"];
export const NEGOTIATION_NUMERIC = [0, 3, 5];

/** The announced endpoint, with its RTCP port when the SDP named one. */
const announcedText = (x?: SideNeg): string =>
  !x ? "-" : ep(x.announced) + (x.announced.rtcpPort !== undefined ? ` (RTCP ${x.announced.rtcpPort})` : "");

/** A text per capture that has one: "inside …; outside …" (the two differ by the NAT's rewrite). */
function perSide(n: Neg, text: (x: SideNeg) => string): string[] {
  const out: string[] = [];
  for (const k of ["inside", "outside"] as const) {
    const t = n[k] ? text(n[k]!) : "";
    if (t) out.push(`${k} ${t}`);
  }
  return out;
}

/**
 * SDP media (type, direction, offer/answer, hold, rejected, rtcp-mux), the transfer asked for, why
 * not covered, where a later SDP stopped the media (`media.until`, per capture) and, under
 * `--profile linux`, what the kernel helper would have done with it (`emulation`, `media.linux`).
 */
export function negotiationDetails(n: Neg): string {
  const m = (n.inside ?? n.outside)?.media;
  const parts: string[] = [];
  if (m) parts.push(`${m.type} ${m.direction} ${m.offer ? "offer" : "answer"}${m.hold ? ", hold" : ""}${m.rejected ? ", rejected" : ""}${m.rtcpMux ? ", rtcp-mux" : ""}`);
  if (n.transfer) parts.push(n.transfer);
  if (n.notCovered) parts.push(n.notCovered);
  parts.push(...perSide(n, (x) => (x.valid ? "" : `invalid: ${x.reason ?? "?"}`)), ...perSide(n, endedText), ...perSide(n, (x) => {
    const l = linuxText(x);
    return l && `linux: ${l}`;
  }));
  return parts.join("; ");
}

/** The first `max` negotiation rows (a report can hold hundreds of thousands) and how many there are. */
export function negotiationRows(r: Report, max = HTML_MAX_ROWS): { rows: string[][]; total: number } {
  const rows: string[][] = [];
  let total = 0;
  for (const [i, s] of r.sessions.entries()) {
    total += s.negotiations.length;
    for (const n of s.negotiations) {
      if (rows.length >= max) break;
      rows.push([
        sessionId(i), s.alg, n.command && n.command !== n.kind ? `${n.command}→${n.kind}` : n.kind,
        n.inside ? String(n.inside.packet) : "-", announcedText(n.inside), n.outside ? String(n.outside.packet) : "-", announcedText(n.outside),
        rewriteCell(n), n.dataPath, negotiationDetails(n),
      ]);
    }
  }
  return { rows, total };
}

/** One SIP header check: "via 192.0.2.10:5060 → 198.51.100.1:5060 rewritten". */
function fieldText(f: NonNullable<Session["sip"]>["messages"][number]["fields"][number]): string {
  const name = f.index ? `${f.field}[${f.index}]` : f.field;
  const values = f.inside === f.outside ? f.inside ?? "-" : `${f.inside ?? "-"} → ${f.outside ?? "-"}`;
  return `${name} ${values} ${f.status}${f.expected && f.status !== "rewritten" && f.status !== "not-needed" ? ` (expected ${f.expected})` : ""}${f.note ? ` — ${f.note}` : ""}`;
}

/**
 * SIP dialogs (the HTML report and the page): per dialog its Call-ID, each message paired across
 * the NAT with its header checks, and the media per direction (sent to, packets, status).
 */
export function sipDialogs(r: Report, maxRows = HTML_MAX_ROWS): Markup | null {
  const dialogs = r.sessions.flatMap((s, i) => (s.sip ? [{ s, sip: s.sip, id: sessionId(i) }] : []));
  if (!dialogs.length) return null;
  const pinholes = registerChecksBySubject(r);
  return el("section", { id: "sip" }, el("h2", {}, `SIP dialogs (${dialogs.length})`),
    ...dialogs.map(({ sip, id }) => el("div", { class: "sip-dialog", "data-sip-session": id },
      el("h3", {}, `Session ${id}: ${sip.method ?? "dialog"} over ${(sip.transport ?? "?").toUpperCase()}, Call-ID ${sip.callId ?? "(none)"}${sip.callIdRewritten ? " (differs across the NAT)" : ""}`),
      el("div", { class: "sip-messages" }, table(["Message", "CSeq", "Direction", "In pkt", "Out pkt", "Header checks"], sip.messages.slice(0, maxRows).map((m) => [
        m.name, m.cseq ?? "", m.direction ?? "", m.inside ?? "-", m.outside ?? "-",
        el("div", {}, ...m.fields.map((f) => el("div", { "data-field": f.field, "data-status": f.status }, fieldText(f))),
          m.contentLength ? el("div", { "data-field": "content-length" }, `content-length ${m.contentLength.inside ?? "-"} → ${m.contentLength.outside ?? "-"}`) : null),
      ]), [3, 4], maxRows, sip.messages.length)),
      sip.unpaired.inside.length || sip.unpaired.outside.length
        ? el("p", { class: "muted" }, `Seen on one side only: inside packet(s) ${sip.unpaired.inside.join(", ") || "-"}; outside packet(s) ${sip.unpaired.outside.join(", ") || "-"}`) : null,
      ...(["inside", "outside"] as const).flatMap((k) => (sip.register?.[k] ? [el("p", { class: "sip-register", "data-side": k }, `REGISTER binding (${k}): ${bindingText(sip.register[k]!)}`)] : [])),
      ...registerChecks(pinholes, sip).map((c) => el("p", { class: "linux-register", "data-check-status": c.status }, `Linux REGISTER pinhole (${c.subject}, ${c.status}): ${c.reason}`)),
      sip.media.length ? el("div", { class: "sip-media" }, table(["Media", "Sent to (inside)", "Sent to (outside)", "SDP lets it flow", "Packets in/out", "Flows in/out", "Status", "Ended by", "Note"], sip.media.map((d) => [
        d.direction === "to-inside" ? "to the inside host" : "from the inside host", ep(d.target.inside), ep(d.target.outside), d.expected ? "yes" : "no (hold/inactive)",
        `${d.packets.inside}/${d.packets.outside}`, `${d.insideFlows.join(", ") || "-"}/${d.outsideFlows.join(", ") || "-"}`, el("span", { "data-media-status": d.status }, d.status), mediaEndText(d),
        [d.icmp, d.notCovered, d.afterBye && `still seen ${d.afterBye.seconds} s after BYE (${d.afterBye.side} flow ${d.afterBye.flow})`,
          d.afterEnd && `${d.afterEnd.started ? "started" : "went on"} ${d.afterEnd.seconds} s after the end (${d.afterEnd.side} flow ${d.afterEnd.flow}${d.afterEnd.crossed ? ", crossed the NAT" : ", did not cross"})`].filter(Boolean).join("; "),
      ]), [], maxRows)) : el("p", { class: "muted" }, "No media negotiated in this dialog."))));
}

type Media = NonNullable<Session["sip"]>["media"][number];

/** The later SDP that ended the media toward the target (`ended`): why, by which message, where; moved: the new endpoint. */
export function mediaEndText(d: Media): string {
  const e = d.ended;
  if (!e) return "";
  const at = [e.packets.inside !== undefined && `inside packet ${e.packets.inside}`, e.packets.outside !== undefined && `outside packet ${e.packets.outside}`].filter(Boolean).join(", ");
  const to = e.to ? ` to ${[e.to.inside && `${ep(e.to.inside)} (inside)`, e.to.outside && `${ep(e.to.outside)} (outside)`].filter(Boolean).join(", ")}` : "";
  return `${e.why}${to}: ${e.command}${at ? ` at ${at}` : ""}`;
}

type Check = Report["checks"][number];

/** The `--profile linux` REGISTER pinhole checks (`linux-register`) by subject, read once per report. */
function registerChecksBySubject(r: Report): Map<string, Check> {
  const out = new Map<string, Check>();
  for (const c of r.checks) if (c.check === "linux-register") out.set(c.subject, c);
  return out;
}

/**
 * The REGISTER pinhole checks of a dialog (register.linux of its REGISTER, as verify judged it):
 * those whose subject names one of the dialog's REGISTER packets, as src/verify/sip-linux.ts
 * writes it ("sip REGISTER at outside packet 3"; test/web/sip-tftp-report.test.ts holds the two together).
 */
function registerChecks(bySubject: Map<string, Check>, sip: NonNullable<Session["sip"]>): Check[] {
  const out: Check[] = [];
  if (!bySubject.size) return out;
  for (const m of sip.messages) {
    if (m.name !== "REGISTER") continue;
    for (const k of ["inside", "outside"] as const) {
      const c = m[k] !== undefined ? bySubject.get(`sip REGISTER at ${k} packet ${m[k]}`) : undefined;
      if (c) out.push(c);
    }
  }
  return out;
}

/** How one capture saw a TFTP transfer end: the final block, the ERROR, or why there is no end. */
export function tftpEndText(x: TftpSide): string {
  const how = x.outcome === "completed" ? `final block at packet ${x.endPacket ?? "?"}${x.lastAcked === false ? ", not acknowledged" : x.lastAcked ? ", acknowledged" : ""}`
    : x.outcome === "error" && x.error ? `ERROR ${x.error.code} "${x.error.message}" from the ${x.error.from} at packet ${x.error.packet}`
    : x.outcome === "unanswered" ? "no reply to the request" : "replies, but no end seen";
  return how + (x.stopped ? `; stopped following it: ${x.stopped}` : "");
}

type Tftp = NonNullable<Session["tftp"]>;
type TftpSide = NonNullable<Tftp["inside"]>;

export const TFTP_HEADERS = ["Session", "Request", "Options", "Capture", "Outcome", "Blocks", "Bytes", "Block size", "Repeated", "Transfer flow", "Server port", "How it ended", "Request notes", "Repeated ACKs"];

/**
 * TFTP requests (the HTML report and the page, `sessions[].tftp`): per request and capture, how the
 * transfer ended there (outcome, blocks, bytes, block size, repeated blocks, its flow, the error)
 * and what was wrong with the request there (repeated, malformed, cut); last, the repeated ACKs
 * ("N+ (capped @P)" where the count stopped at --max-tftp-duplicate-acks, P the first not counted).
 */
export function tftpTransfers(r: Report, maxRows = HTML_MAX_ROWS): Markup | null {
  const rows: MarkupChild[][] = [];
  let total = 0;
  for (const [i, s] of r.sessions.entries()) {
    const t = s.tftp;
    if (!t) continue;
    const opts = Object.entries(t.options).map(([k, v]) => `${k}=${v}`).join(" ") || "-";
    for (const k of ["inside", "outside"] as const) {
      const x = t[k];
      if (!x) continue;
      total++;
      if (rows.length >= maxRows) continue;
      rows.push([
        sessionId(i), `${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}`, opts, k, el("span", { "data-tftp-outcome": x.outcome }, x.outcome),
        x.blocks, x.bytes, x.blockSize, x.duplicates, x.transferFlow ?? "-", x.serverPort ?? "-", tftpEndText(x),
        el("span", { "data-tftp-request": x.retries?.length || x.malformed || x.truncated ? "notes" : "ok" }, tftpRequestNotes(x).join("; ") || "-"),
        x.duplicateAcksCapped
          ? el("span", { "data-tftp-acks-capped": x.duplicateAcksCapped.packet, title: `counted up to --max-tftp-duplicate-acks; more from packet ${x.duplicateAcksCapped.packet}` }, `${x.duplicateAcks}+ (capped @${x.duplicateAcksCapped.packet})`)
          : x.duplicateAcks,
      ]);
    }
  }
  if (!total) return null;
  const requests = r.sessions.filter((s) => s.tftp).length;
  return el("section", { id: "tftp" }, el("h2", {}, `TFTP transfers (${requests} request(s), as each capture saw them)`),
    table(TFTP_HEADERS, rows, [0, 5, 6, 7, 8, 9, 10, 13], maxRows, total));
}

/** What was checked and what could not be, and why (`checks`): one row each, the status marked. */
export function checksSection(r: Report, maxRows = HTML_MAX_ROWS): Markup | null {
  return r.checks.length ? el("section", { id: "checks" }, el("h2", {}, checksHeading(r)), checksTable(r, maxRows)) : null;
}

/** "Checks (N: p passed, f failed, n not checked)". */
export function checksHeading(r: Report): string {
  const n = (st: string) => r.checks.filter((c) => c.status === st).length;
  return `Checks (${r.checks.length}: ${n("passed")} passed, ${n("failed")} failed, ${n("not-checked")} not checked)`;
}

/** The checks as a table: check, subject, status (`[data-check-status]`), reason; at most `maxRows` rows, the rest counted. */
export function checksTable(r: Report, maxRows = HTML_MAX_ROWS): Markup {
  return table(["Check", "Subject", "Status", "Reason"], r.checks.slice(0, maxRows).map((c) => [c.check, c.subject, el("span", { "data-check-status": c.status }, c.status), c.reason]), [], maxRows, r.checks.length);
}

/**
 * TCP/UDP flows seen in one capture only (`nat.unpaired`, which lists the first of them per side;
 * `nat.unpairedFlows` counts them all, any protocol).
 */
export function unpairedFlows(r: Report, maxRows = HTML_MAX_ROWS): Markup | null {
  const u = r.nat.unpaired;
  const { inside, outside } = r.nat.unpairedFlows;
  if (!u.length) return null;
  return el("div", { class: "unpaired", id: "unpaired" },
    el("h3", {}, `Flows seen in one capture only: ${inside} inside, ${outside} outside (the first TCP/UDP ones listed)`),
    table(["Capture", "Flow", "Proto", "From", "To", "Packets"], u.slice(0, maxRows).map((x) => [x.side, x.flow, x.proto, x.from, x.to, x.packets]), [1, 5], maxRows, u.length));
}

/** `nat.sidesSwappedBack`: the two captures were given the other way round. */
export function sidesSwappedNote(r: Report): Markup | null {
  return r.nat.sidesSwappedBack
    ? el("p", { class: "sides-swapped", id: "sides-swapped" }, "The file given as the outside capture is the inside capture and the other way round (nat.sides-swapped): this report is computed with the sides swapped back, and names each file by its real side.")
    : null;
}

/** Writes the whole report as one HTML document. */
export function writeHtmlReport(r: Report, write: (s: string) => void, opts: HtmlReportOptions = {}): void {
  const maxDiagrams = opts.maxDiagrams ?? HTML_MAX_DIAGRAMS;
  const maxRows = opts.maxRows ?? HTML_MAX_ROWS;
  const title = opts.title ?? `alg-verify: ${r.verdict.toUpperCase()}`;
  write("<!doctype html>\n");
  write(`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  write(`<meta http-equiv="Content-Security-Policy" content="${esc(htmlCsp())}"><meta name="referrer" content="no-referrer">`);
  write(`<title>${esc(title)}</title><style>${HTML_STYLE}</style></head><body>\n`);
  const part = (m: Markup) => {
    writeMarkup(m, write);
    write("\n");
  };
  part(el("h1", {}, "alg-verify report"));
  for (const m of head(r, maxRows)) part(m);
  part(el("section", { id: "topology", class: "topo" }, el("h2", {}, "Topology"), topology(r)));
  part(el("section", { id: "findings" }, el("h2", {}, `Findings (${r.findings.length})`), findingGroups(r)));
  if (r.sessions.length) {
    write(`<section id="diagrams"><h2>Sessions (${r.sessions.length})</h2>\n`);
    const n = Math.min(r.sessions.length, maxDiagrams);
    for (let i = 0; i < n; i++) {
      const s = r.sessions[i];
      const d = ladder(r, i, opts.ladder);
      part(el("div", { class: "diagram", id: `session-${d.session}` },
        el("h3", {}, `${s.alg.toUpperCase()} session ${d.session}: ${ep(s.control.client)} → ${ep(s.control.server)}`),
        d.svg, d.folded ? el("p", { class: "muted" }, `${d.folded} negotiation(s) folded; the negotiations table lists them all.`) : null));
    }
    if (r.sessions.length > n) part(el("p", { class: "muted" }, `${r.sessions.length - n} more session(s) not drawn (limit ${maxDiagrams}); the negotiations table lists them.`));
    write("</section>\n");
  }
  part(el("section", { id: "conversations" }, el("h2", {}, "Conversations: predicted and the router's"),
    el("div", { class: "side-by-side" },
      el("figure", {}, el("figcaption", {}, "A correct ALG must hold (Junos layout)"), el("pre", { id: "predicted-junos" }, r.predicted.conversations.length ? predictedJunos(r.predicted.conversations) : "(no ALG conversation predicted)")),
      el("figure", {}, el("figcaption", {}, "The router says"), el("pre", { id: "router-text" }, opts.routerText ? cut(opts.routerText, HTML_MAX_ROUTER_CHARS) : (r.inputs.router.length ? `(router files: ${r.inputs.router.join(", ")})` : "(no router output given)"))))));
  const negs = negotiationRows(r, maxRows);
  if (negs.rows.length) part(el("section", { id: "negotiations" }, el("h2", {}, "Negotiations"), table(NEGOTIATION_HEADERS, negs.rows, NEGOTIATION_NUMERIC, maxRows, negs.total)));
  const sip = sipDialogs(r, maxRows);
  if (sip) part(sip);
  const tftp = tftpTransfers(r, maxRows);
  if (tftp) part(tftp);
  const checks = checksSection(r, maxRows);
  if (checks) part(checks);
  if (r.nat.mappings.length) {
    part(el("section", { id: "nat" }, el("h2", {}, `NAT mappings (${r.nat.mappings.length})`),
      el("p", {}, `NAT addresses: ${r.nat.natAddresses.join(", ") || "no translation seen"}; clock offset outside−inside ${r.nat.clockOffsetMs?.toFixed(3) ?? "-"} ms; ${r.nat.pairedFlows} flows paired, unpaired ${r.nat.unpairedFlows.inside} inside / ${r.nat.unpairedFlows.outside} outside`),
      table(["Proto", "Dir", "Inside", "Translated", "Remote", "Flows in/out"], r.nat.mappings.slice(0, maxRows).map((x) => [x.proto, x.direction, ep(x.inside), ep(x.translated), ep(x.remote), `${x.insideFlow ?? "-"}/${x.outsideFlow ?? "-"}`]), [], maxRows, r.nat.mappings.length),
      unpairedFlows(r, maxRows)));
  }
  if (r.timeline.length) part(el("section", { id: "timeline" }, el("h2", {}, "Timeline"), el("p", { class: "muted" }, "Times from the first entry (absolute UTC time on hover)."), table(["Time", "What", "Where"], timelineRows(r, maxRows), [0], maxRows, r.timeline.length)));
  if (r.router.labelled.length) {
    part(el("section", { id: "router-flows" }, el("h2", {}, "Router flows"), table(["Where", "Flow", "State", "Dir", "Frames", "What it is"], r.router.labelled.slice(0, maxRows).map((f) => [
      `${f.file}:${f.line}`, `${f.proto} ${f.src.ip}:${f.src.port} -> ${f.dst.ip}:${f.dst.port}`, f.state, f.dir, f.frames ?? "", f.role + (f.note ? ` — ${f.note}` : ""),
    ]), [4], maxRows, r.router.labelled.length)));
  }
  if (r.diagnostics.length) {
    part(el("section", { id: "diagnostics" }, el("h2", {}, "Diagnostics"), el("ul", {}, ...r.diagnostics.slice(0, maxRows).map((d) => el("li", { class: `sev ${token(d.severity)}` },
      `${d.severity}[${d.code}] ${d.file}${d.line !== undefined ? `:${d.line}` : ""}${d.offset !== undefined ? ` @ byte ${d.offset}` : ""}${d.packet !== undefined ? ` (packet ${d.packet})` : ""}: ${d.message}`)))));
  }
  part(el("footer", {}, el("p", {}, "Written by alg-verify (verify --html). Self-contained: no script, no external reference; the JSON report (verify --json) holds every value.")));
  write("</body></html>\n");
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}\n… ${s.length - n} more characters not shown (limit ${n})` : s);

/** The report as one string. */
export function htmlReport(r: Report, opts: HtmlReportOptions = {}): string {
  const parts: string[] = [];
  writeHtmlReport(r, (s) => parts.push(s), opts);
  return parts.join("");
}

export interface SuiteIndexCase {
  case: string;
  verdict: string;
  expected?: { verdict: string };
  regression: boolean;
  findings: string[];
  /** Relative link to the case's report, when one was written. */
  href?: string;
  error?: string;
}

/** `suite --html <dir>`: index.html with each case's verdict and a link to its report. */
export function suiteIndexHtml(cases: SuiteIndexCase[]): string {
  const regressions = cases.filter((c) => c.regression).length;
  let out = "<!doctype html>\n";
  out += `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`;
  out += `<meta http-equiv="Content-Security-Policy" content="${esc(htmlCsp())}"><meta name="referrer" content="no-referrer">`;
  out += `<title>alg-verify suite: ${cases.length} case(s), ${regressions} regression(s)</title><style>${HTML_STYLE}</style></head><body>\n`;
  const body = el("main", {},
    el("h1", {}, "alg-verify suite"),
    el("div", { class: `verdict ${regressions ? "fail" : "pass"}`, id: "verdict" }, el("strong", {}, regressions ? `${regressions} REGRESSION(S)` : "ALL AS EXPECTED"), ` — ${cases.length} case(s)`),
    table(["Case", "Verdict", "Expected", "Result", "Errors"], cases.map((c) => [
      c.href ? el("a", { href: c.href }, c.case) : c.case,
      el("span", { class: `sev ${c.verdict === "fail" || c.verdict === "error" ? "error" : c.verdict === "pass" ? "" : "warning"}`, "data-verdict": c.verdict }, c.verdict),
      c.expected?.verdict ?? "-", c.regression ? el("strong", { class: "sev error" }, "REGRESSION") : c.expected ? "ok" : "-",
      c.error ?? (c.findings.join(", ") || "-"),
    ]), [], Number.MAX_SAFE_INTEGER));
  writeMarkup(body, (s) => { out += s; });
  return out + "\n</body></html>\n";
}
