/**
 * Human output of `flows`: a summary, an aligned table of conversations (like
 * `tshark -z conv,tcp`, initiator first) and the diagnostics. Streams in blocks of rows, their
 * column widths those of every row (a first pass measures them), so the columns never shift.
 */
import type { CaptureScan } from "../capture/scan.js";
import type { Diagnostic, Endpoint } from "../types.js";
import type { FlowBrief } from "../capture/flow-table.js";
import { PLAIN, type Palette } from "./colour.js";
import { renderTable, widenTo, type Column } from "./table.js";
import { hostPort } from "../net/addr.js";

const COLUMNS: Column[] = [
  { header: "#", align: "right" },
  { header: "Proto" },
  { header: "Initiator" },
  { header: "Responder" },
  { header: "Pkts I→R", align: "right" },
  { header: "Pkts R→I", align: "right" },
  { header: "Bytes I→R", align: "right" },
  { header: "Bytes R→I", align: "right" },
  { header: "First", align: "right" },
  { header: "Last", align: "right" },
  { header: "TCP" },
];

export function endpointText(e: Endpoint): string {
  if (e.port === null) return e.ip;
  return hostPort(e.ip, e.port);
}

function tcpText(f: FlowBrief): string {
  if (!f.tcp) return "";
  return [f.tcp.syn ? "S" : "", f.tcp.synAck ? "SA" : "", f.tcp.fin ? "F" : "", f.tcp.rst ? "R" : ""].filter(Boolean).join(",");
}

function row(f: FlowBrief): string[] {
  const proto = typeof f.proto === "number" ? `ip/${f.proto}` : f.proto;
  const vlan = f.vlan.length ? ` vlan ${f.vlan.join(".")}` : "";
  return [
    String(f.id), proto + vlan, endpointText(f.initiator), endpointText(f.responder),
    String(f.packets.initiatorToResponder), String(f.packets.responderToInitiator),
    String(f.ipBytes.initiatorToResponder), String(f.ipBytes.responderToInitiator),
    String(f.first.packet), String(f.last.packet), tcpText(f),
  ];
}

/** `severity[code] where: message`; the severity in its colour with a terminal palette. */
export function formatDiagnostic(d: Diagnostic, colour: Palette = PLAIN): string {
  const where = [d.file, d.offset !== undefined ? `offset ${d.offset}` : "", d.packet ? `packet ${d.packet}` : "", d.line ? `line ${d.line}` : ""]
    .filter(Boolean)
    .join(", ");
  return `${colour.severity(d.severity, `${d.severity}[${d.code}]`)} ${where}: ${d.message}`;
}

export function formatFlowsText(scan: CaptureScan, write: (chunk: string) => void, opts: { limit?: number; colour?: Palette } = {}): void {
  const { info, stats } = scan;
  write(
    `${info.file}: ${info.format}, link types ${info.linkTypes.join(", ") || "none"}, ${info.packets} packets, ` +
      `${info.bytes} bytes, ${scan.flows.count} flows` +
      (info.truncatedPackets ? `, ${info.truncatedPackets} truncated` : "") +
      (stats.fragments ? `, ${stats.fragments} fragments` : "") +
      (info.partial ? " (PARTIAL: decoding stopped at an error)" : "") +
      "\n\n",
  );
  const limit = Math.min(opts.limit ?? Infinity, scan.flows.count);
  // The first pass measures every row (memory stays a block's: the rows are made again below).
  const widths = COLUMNS.map((c) => c.header.length);
  for (let id = 1; id <= limit; id++) widenTo(widths, row(scan.flows.brief(id)));
  // A block's rows live until it is written: 1 000 of them (~1 MiB) mostly die young, where 5 000
  // outlived the young generation (1 GiB capture: GC 1.08 s of 3.3 s profiled, against 0.36).
  const BLOCK = 1000;
  for (let start = 1; start <= limit; start += BLOCK) {
    const rows: string[][] = [];
    for (let id = start; id < start + BLOCK && id <= limit; id++) rows.push(row(scan.flows.brief(id)));
    const text = renderTable(COLUMNS, rows, { minWidths: widths });
    write(start === 1 ? text : text.slice(text.indexOf("\n") + 1));
  }
  if (limit < scan.flows.count) write(`… ${scan.flows.count - limit} more flows (--limit)\n`);
  if (scan.diagnostics.length) {
    write("\n");
    for (const d of scan.diagnostics) write(formatDiagnostic(d, opts.colour) + "\n");
  }
}
