/**
 * Human output of `analyze`: the capture summary, then per ALG session its negotiations and the
 * data/media flows each should open, as aligned tables.
 */
import type { CaptureScan } from "../capture/scan.js";
import type { Negotiation, Session } from "../alg/sessions.js";
import type { TftpInfo } from "../alg/tftp.js";
import { endpointText, formatDiagnostic } from "./flows-text.js";
import { renderTable, type Column } from "./table.js";
import type { Palette } from "./colour.js";
import { hostPort } from "../net/addr.js";

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

/** Why an SDP media line expects no flow. */
function noMedia(n: Negotiation): string {
  if (n.media?.rejected) return "— (rejected: port 0)";
  if (n.media?.hold) return `— (hold: ${n.announced.ip === "0.0.0.0" || n.announced.ip === "::" ? `c=${n.announced.ip}` : n.media.direction})`;
  return "—";
}

function kindText(n: Negotiation): string {
  if (n.media) return `${n.command} ${n.media.offer ? "offer" : "answer"} ${n.media.type}`;
  return n.command && n.command !== n.kind ? `${n.command}→${n.kind}` : n.kind;
}

/** SDP: the later offer/answer that ended the media expected toward the endpoint (`media.until`), and media past it. */
export function endedText(n: Negotiation): string {
  const u = n.media?.until;
  if (!u) return "";
  const to = u.to ? ` to ${endpointText(u.to)}` : "";
  const after = n.media?.afterEnd ? `; flow ${n.media.afterEnd.flow} ${n.media.afterEnd.started ? "started" : "went on"} ${n.media.afterEnd.seconds} s after` : "";
  return `stopped @${u.packet} by ${u.command} (${u.why}${to})${after}`;
}

/**
 * `--profile linux`: the parse outcome (its reason names the expectations and what flushed them)
 * and, for SDP, the flows those expectations let in or refused (`media.linux`).
 */
export function linuxText(n: Negotiation): string {
  const parts: string[] = [];
  if (n.emulation) parts.push(`${n.emulation.outcome} (${n.emulation.reason})`);
  const l = n.media?.linux;
  if (l?.admitted?.length) parts.push(`let in flow ${l.admitted.join(", ")}`);
  if (l?.refused?.length) parts.push(`refused ${l.refused.map((r) => `flow ${r.flow} (${r.why})`).join(", ")}`);
  return parts.join("; ");
}

function rows(n: Negotiation): string[][] {
  const kind = kindText(n);
  const linux = linuxText(n);
  const ended = endedText(n);
  const valid = (n.valid ? "yes" : `no: ${n.reason}`) + (n.retransmissionDiffers ? `; sent again with other bytes @${n.retransmissionDiffers.packet}` : "");
  if (!n.expected.length) return [[String(n.packet), kind, announced(n), valid, noMedia(n), ended, linux]];
  return n.expected.map((x, i) => {
    const o = n.observed.find((y) => y.expected === i);
    const seen = (o
      ? `flow ${o.flow} @${o.firstPacket}${o.handshake === false ? " (no handshake)" : ""}${o.fromPort20 === false ? ` (from port ${o.sourcePort})` : ""}`
      : n.lateFlows.length ? `late: flow ${n.lateFlows.join(", ")}` : "no") + (i === 0 && ended ? `; ${ended}` : "");
    const any = `${hostPort(x.from.ip)}:*`;
    const flow = `${x.proto} ${x.from.port === null ? any : endpointText(x.from)} → ${endpointText(x.to)}`;
    return i === 0 ? [String(n.packet), kind, announced(n), valid, flow, seen, linux] : ["", "", "", "", flow, seen, ""];
  });
}

/** After a repeated-ACK count that stopped at --max-tftp-duplicate-acks: where (verify's text says the same). */
export const ackCap = (c: { packet: number } | undefined) => (c ? ` (counted up to --max-tftp-duplicate-acks; more from packet ${c.packet})` : "");

/** One line on a TFTP request's transfer: where it ran and how it ended. */
export function tftpSummary(t: TftpInfo): string {
  const opts = Object.entries(t.options).map(([k, v]) => ` ${k}=${v}`).join("");
  const req = `${t.opcode} ${JSON.stringify(t.filename)} ${t.mode}${opts}${t.malformed ? " (malformed)" : ""}${t.truncated ? " (truncated)" : ""}` +
    (t.retries.length ? `, repeated at packet ${t.retries.join(", ")}` : "");
  if (t.transferFlow === undefined) return `${req}: ${t.outcome === "unanswered" ? "never answered" : t.outcome}`;
  const from = t.fromRequestPort ? `from the request's port ${t.serverPort} (not a new TID, RFC 1350 §4)` : `from port ${t.serverPort}`;
  const first = t.firstReply ? ` (${t.firstReply.opcode} @${t.firstReply.packet})` : "";
  const size = `${t.blocks} block(s) of ${t.blockSize}, ${t.bytes} bytes${t.duplicates ? `, ${t.duplicates} repeated` : ""}${t.duplicateAcks || t.duplicateAcksCapped ? `, ${t.duplicateAcks} ACK(s) repeated${ackCap(t.duplicateAcksCapped)}` : ""}`;
  const end = t.outcome === "completed" ? `completed at packet ${t.endPacket}${t.lastAcked ? "" : " (last block not acknowledged)"}`
    : t.outcome === "error" && t.error ? `ERROR ${t.error.code} "${t.error.message}" from the ${t.error.from} @${t.error.packet}`
    : t.outcome;
  return `${req}: transfer flow ${t.transferFlow} ${from}${first}: ${end}, ${size}${t.stopped ? ` (stopped following: ${t.stopped})` : ""}`;
}

/** The lines above a SIP dialog's table: who called whom, its messages, REGISTER binding, limits. */
function sipHeader(s: Session, seen: number): string {
  const sip = s.sip!;
  const statuses = sip.messages.filter((m) => m.status && m.status.code >= 200).map((m) => `${m.status!.code} ${m.cseq?.method ?? ""}`.trim());
  let out =
    `\nSIP session ${s.id}: ${sip.method || "?"} over ${sip.transport}, ${endpointText(s.client)} → ${endpointText(s.server)} ` +
    `(flow ${sip.flows.join(", ")}); Call-ID ${sip.callId || "(none)"}; ${sip.messages.length} message(s)` +
    (statuses.length ? ` (final: ${[...new Set(statuses)].slice(0, 4).join(", ")})` : "") +
    `; ${s.negotiations.length} SDP media line(s), ${seen} with media seen\n`;
  const damaged = sip.messages.filter((m) => m.truncated || m.contentLengthMalformed).map((m) => m.packet);
  if (damaged.length) out += `  damaged message(s) (cut or bad Content-Length) at packet ${damaged.slice(0, 8).join(", ")}${damaged.length > 8 ? ", …" : ""}\n`;
  if (sip.register) {
    const r = sip.register;
    const contacts = r.contact.map((c) => c.uri).join(", ") || "(no Contact)";
    out += `  REGISTER binding ${contacts}` + (r.expires !== undefined ? `, expires ${r.expires} s` : "") +
      (r.status !== undefined ? `, answered ${r.status}` : ", unanswered") + "\n";
    const l = r.linux;
    if (l) {
      const x = l.expectation;
      out += `  Linux REGISTER pinhole (register.linux): ${l.outcome} (${l.reason})` +
        (x ? `: ${x.proto} ${x.from}:* → ${endpointText(x.to)}` : "") + "\n";
    }
  }
  if (s.partial) {
    out += `  PARTIAL: from packet ${s.partial.firstPacket} on, ${s.partial.messagesNotKept ?? 0} message(s) and ` +
      `${s.partial.negotiationsNotKept} media line(s) beyond --max-negotiations were counted, not kept\n`;
  }
  return out;
}

export function formatAnalyzeText(scan: CaptureScan, sessions: Session[], write: (s: string) => void, opts: { colour?: Palette } = {}): void {
  const { info } = scan;
  const count = (alg: Session["alg"]) => sessions.filter((s) => s.alg === alg).length;
  const sip = count("sip");
  const tftp = count("tftp");
  write(
    `${info.file}: ${info.format}, ${info.packets} packets, ${scan.flows.count} flows, ` +
      `${count("ftp")} FTP and ${count("rtsp")} RTSP control session(s)` + (sip ? `, ${sip} SIP dialog(s)` : "") + (tftp ? `, ${tftp} TFTP request(s)` : "") +
      (info.partial ? " (PARTIAL: decoding stopped at an error)" : "") + "\n",
  );
  for (const s of sessions) {
    const seen = s.negotiations.filter((n) => n.dataSeen).length;
    if (s.sip) {
      write(sipHeader(s, seen));
      if (s.negotiations.length) write(renderTable(COLUMNS, s.negotiations.flatMap(rows)));
      continue;
    }
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
    for (const d of scan.diagnostics) write(formatDiagnostic(d, opts.colour) + "\n");
  }
}
