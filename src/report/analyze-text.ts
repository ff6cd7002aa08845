/**
 * Human output of `analyze`: the capture summary, then per ALG session its negotiations and the
 * data/media flows each should open, as aligned tables.
 */
import type { CaptureScan } from "../capture/scan.js";
import type { Negotiation, Session } from "../alg/sessions.js";
import type { TftpInfo } from "../alg/tftp.js";
import { endpointText, formatDiagnostic } from "./flows-text.js";
import { renderTable, type Column } from "./table.js";

const COLUMNS: Column[] = [
  { header: "Packet", align: "right" },
  { header: "Kind" },
  { header: "Announced" },
  { header: "Valid" },
  { header: "Expected flow" },
  { header: "Seen" },
  { header: "Linux" },
];

function announced(n: Negotiation): string {
  const a = n.announced;
  if (a.port === undefined) return n.kind === "SETUP" ? "(interleaved)" : "";
  const host = a.ip ?? "";
  const port = a.rtcpPort !== undefined ? `${a.port}-${a.rtcpPort}` : String(a.port);
  return host ? endpointText({ ip: host, port: Number(port.split("-")[0]) }) + (a.rtcpPort !== undefined ? `-${a.rtcpPort}` : "") : `port ${port}`;
}

function rows(n: Negotiation): string[][] {
  const kind = n.command && n.command !== n.kind ? `${n.command}→${n.kind}` : n.kind;
  const linux = n.emulation ? `${n.emulation.outcome} (${n.emulation.reason})` : "";
  const valid = n.valid ? "yes" : `no: ${n.reason}`;
  if (!n.expected.length) return [[String(n.packet), kind, announced(n), valid, "—", "", linux]];
  return n.expected.map((x, i) => {
    const o = n.observed.find((y) => y.expected === i);
    const seen = o
      ? `flow ${o.flow} @${o.firstPacket}${o.handshake === false ? " (no handshake)" : ""}${o.fromPort20 === false ? ` (from port ${o.sourcePort})` : ""}`
      : n.lateFlows.length ? `late: flow ${n.lateFlows.join(", ")}` : "no";
    const any = x.from.ip.includes(":") ? `[${x.from.ip}]:*` : `${x.from.ip}:*`;
    const flow = `${x.proto} ${x.from.port === null ? any : endpointText(x.from)} → ${endpointText(x.to)}`;
    return i === 0 ? [String(n.packet), kind, announced(n), valid, flow, seen, linux] : ["", "", "", "", flow, seen, ""];
  });
}

/** One line on a TFTP request's transfer: where it ran and how it ended. */
export function tftpSummary(t: TftpInfo): string {
  const opts = Object.entries(t.options).map(([k, v]) => ` ${k}=${v}`).join("");
  const req = `${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}${opts}${t.malformed ? " (malformed)" : ""}${t.truncated ? " (truncated)" : ""}` +
    (t.retries.length ? `, repeated at packet ${t.retries.join(", ")}` : "");
  if (t.transferFlow === undefined) return `${req}: ${t.outcome === "unanswered" ? "never answered" : t.outcome}`;
  const from = t.fromRequestPort ? `from the request's port ${t.serverPort} (not a new TID, RFC 1350 §4)` : `from port ${t.serverPort}`;
  const first = t.firstReply ? ` (${t.firstReply.opcode} @${t.firstReply.packet})` : "";
  const size = `${t.blocks} block(s) of ${t.blockSize}, ${t.bytes} bytes${t.duplicates ? `, ${t.duplicates} repeated` : ""}`;
  const end = t.outcome === "completed" ? `completed at packet ${t.endPacket}${t.lastAcked ? "" : " (last block not acknowledged)"}`
    : t.outcome === "error" && t.error ? `ERROR ${t.error.code} "${t.error.message}" from the ${t.error.from} @${t.error.packet}`
    : t.outcome;
  return `${req}: transfer flow ${t.transferFlow} ${from}${first}: ${end}, ${size}${t.stopped ? ` (stopped following: ${t.stopped})` : ""}`;
}

export function formatAnalyzeText(scan: CaptureScan, sessions: Session[], write: (s: string) => void): void {
  const { info } = scan;
  const ftp = sessions.filter((s) => s.alg === "ftp").length;
  const tftp = sessions.filter((s) => s.alg === "tftp").length;
  write(
    `${info.file}: ${info.format}, ${info.packets} packets, ${scan.flows.count} flows, ` +
      `${ftp} FTP and ${sessions.length - ftp - tftp} RTSP control session(s)` + (tftp ? `, ${tftp} TFTP request(s)` : "") +
      (info.partial ? " (PARTIAL: decoding stopped at an error)" : "") + "\n",
  );
  for (const s of sessions) {
    const seen = s.negotiations.filter((n) => n.dataSeen).length;
    write(
      `\n${s.alg.toUpperCase()} session ${s.id}: client ${endpointText(s.client)} → server ${endpointText(s.server)} ` +
        `(control flow ${s.controlFlow}); ${s.negotiations.length} negotiation(s), ${seen} with data seen` +
        (s.teardowns?.length ? `; TEARDOWN at packet ${s.teardowns.join(", ")}` : "") + "\n",
    );
    if (s.tftp) write(`  ${tftpSummary(s.tftp)}\n`);
    if (s.partial) {
      write(
        `  PARTIAL: from packet ${s.partial.firstPacket} on, ${s.partial.negotiationsNotKept} negotiation(s)` +
          (s.partial.teardownsNotKept ? ` and ${s.partial.teardownsNotKept} TEARDOWN(s)` : "") +
          " beyond --max-negotiations were counted, not kept\n",
      );
    }
    if (s.negotiations.length) write(renderTable(COLUMNS, s.negotiations.flatMap(rows)));
  }
  if (scan.diagnostics.length) {
    write("\n");
    for (const d of scan.diagnostics) write(formatDiagnostic(d) + "\n");
  }
}
