/**
 * The `router` report (JSON contract, schemaVersion 1) and its human rendering.
 *
 * buildRouterReport concatenates parse results: documents are renumbered so that every
 * normalised record's `document` indexes the report's `documents`.
 *
 * formatRouterText renders, per document, aligned tables:
 *
 *   a.txt:1  junos-conversations  (show services stateful-firewall conversations)
 *     PROTO  SRC             DST         STATE  DIR  FRAMES  NAT                                   ALG
 *     tcp    1.1.79.2:14083  2.2.2.2:21  Watch  I    13      source 1.1.79.2:14083 → 194.…:50118  ftp
 *
 * then the diagnostics, esbuild style (`file:line:column: severity: message [code]`, the line and a
 * caret under the column; column 0-based), the first `maxDiagnostics` (default 20) and
 * "… and K more".
 */
import type { Diagnostic } from "../types.js";
import type { NatTranslation, RouterDocument, RouterParseResult, RouterReport } from "./types.js";
import { formatEndpoint } from "./ip.js";

export function buildRouterReport(results: RouterParseResult[]): RouterReport {
  const report: RouterReport = { schemaVersion: 1, documents: [], flows: [], counters: [], events: [], expectations: [], diagnostics: [] };
  for (const r of results) {
    const off = report.documents.length;
    report.documents.push(...r.documents);
    for (const f of r.flows) report.flows.push(off ? { ...f, document: f.document + off } : f);
    for (const c of r.counters) report.counters.push(off ? { ...c, document: c.document + off } : c);
    for (const e of r.events) report.events.push(off ? { ...e, document: e.document + off } : e);
    for (const x of r.expectations) report.expectations.push(off ? { ...x, document: x.document + off } : x);
    report.diagnostics.push(...r.diagnostics);
  }
  return report;
}

/** Render rows as space-aligned columns (2 spaces between), indented. */
export function table(head: string[], rows: string[][], indent = "  "): string[] {
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? "").length)));
  const fmt = (r: string[]) => indent + r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]!))).join("  ").trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

const natText = (n: NatTranslation[]): string => n.map((x) => `${x.kind} ${formatEndpoint(x.from)} → ${formatEndpoint(x.to)}`).join("; ");

function documentLines(report: RouterReport, d: RouterDocument, k: number): string[] {
  const out = [`${d.file}:${d.location.line}  ${d.format}${d.command ? `  (${d.command})` : ""}`];
  const flows = report.flows.filter((f) => f.document === k);
  if (flows.length) {
    const rows = flows.map((f) => [
      String(f.proto), formatEndpoint(f.src), formatEndpoint(f.dst), f.state ?? "", f.direction ?? "",
      f.frames !== undefined ? String(f.frames) : f.packets ? `${f.packets.orig ?? "-"}/${f.packets.reply ?? "-"}` : "",
      natText(f.nat), f.alg ?? "",
    ]);
    out.push(...table(["PROTO", "SRC", "DST", "STATE", "DIR", "PKTS", "NAT", "ALG"], rows));
  }
  switch (d.format) {
    case "junos-statistics": {
      if (d.interface) out.push(`  Interface ${d.interface}${d.serviceSet ? `, service set ${d.serviceSet}` : ""}`);
      const rows: string[][] = [];
      for (const [s, labels] of Object.entries(d.statistics)) for (const [l, v] of Object.entries(labels)) rows.push([s, l, String(v)]);
      if (rows.length) out.push(...table(["SECTION", "LABEL", "VALUE"], rows));
      break;
    }
    case "srx-alg-status":
      out.push(...table(["ALG", "STATUS"], d.algs.map((a) => [a.name, a.status])));
      break;
    case "conntrack-expect":
      out.push(...table(["PROTO", "SRC", "DST", "MASTER", "HELPER", "TIMEOUT"], report.expectations.filter((x) => x.document === k).map((x) => [
        String(x.proto), formatEndpoint(x.src), formatEndpoint(x.dst),
        x.master ? `${formatEndpoint(x.master.src)} → ${formatEndpoint(x.master.dst)}` : "", x.alg ?? "", String(x.timeout),
      ])));
      break;
    case "junos-syslog":
    case "conntrack-events":
      out.push(...table(["TIME", "KIND", "TAG", "PROTO", "SRC", "DST", "NAT", "ALG"], report.events.filter((e) => e.document === k).map((e) => [
        e.time ?? "", e.kind, e.tag, String(e.proto), formatEndpoint(e.src), formatEndpoint(e.dst), natText(e.nat), e.alg ?? "",
      ])));
      break;
    default:
      if (!flows.length) out.push("  (no entries)");
  }
  return out;
}

/** esbuild-style rendering of one diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}${d.line !== undefined ? `:${d.line}` : ""}${d.column !== undefined ? `:${d.column}` : ""}`;
  const lines = [`${where}: ${d.severity}: ${d.message} [${d.code}]`];
  if (d.lineText !== undefined && d.lineText.length > 0) {
    let text = d.lineText.replace(/\t/g, " ");
    let col = d.column ?? 0;
    // lineText may be a window of a long line: place the caret within it
    if (col > text.length) col = Math.min(40, text.length);
    if (text.length > 120) {
      const from = Math.max(0, col - 40);
      text = (from > 0 ? "…" : "") + text.slice(from, from + 110);
      col = col - from + (from > 0 ? 1 : 0);
    }
    lines.push(`    ${text}`, `    ${" ".repeat(col)}^`);
  }
  return lines.join("\n");
}

export function formatRouterText(report: RouterReport, opts: { maxDiagnostics?: number } = {}): string {
  const max = opts.maxDiagnostics ?? 20;
  const out: string[] = [];
  report.documents.forEach((d, k) => {
    out.push(...documentLines(report, d, k), "");
  });
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of report.diagnostics) counts[d.severity]++;
  out.push(`${report.documents.length} document(s), ${report.flows.length} flow(s), ${report.counters.length} counter(s), ${report.events.length} event(s), ${report.expectations.length} expectation(s); ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info`);
  if (report.diagnostics.length) {
    out.push("");
    for (const d of report.diagnostics.slice(0, max)) out.push(formatDiagnostic(d));
    if (report.diagnostics.length > max) out.push(`… and ${report.diagnostics.length - max} more`);
  }
  return out.join("\n") + "\n";
}
