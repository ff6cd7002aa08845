/**
 * TFTP sessions from the wasm core's TftpPacket events (assembly/alg/tftp.ts): one session per
 * read/write request (RRQ/WRQ) from a client endpoint, whose single negotiation announces that
 * endpoint and expects the server's reply — UDP from the server's address, any port (RFC 1350
 * §4: a new TID) — to it. The core followed the transfer; its events say which flow carried it,
 * the OACK, an ERROR, and a summary (blocks, bytes, how it ended), so nothing here is per packet.
 *
 * A request repeated from the same client endpoint before any answer (a client retry) is the same
 * session (`retries`); a repeat after an answer, or with another filename, is a new one. Sessions
 * kept: at most `maxTftpSessions` (the rest counted, see TftpConditions).
 *
 * Linux (nf_conntrack_tftp, ALG-BEHAVIOUR.md §9.1): reads only the opcode; an RRQ or WRQ in any
 * direction sets one expectation (server address, any port → the client endpoint; max_expected 1,
 * so a later request on the same conntrack replaces it), 300 s; nothing else is parsed.
 */
import { EventKind, TFTP_ACK_DUPS_MAX, TftpFlag, TftpOp } from "../wasm/abi.js";
import type { AlgEvent, FlowTable } from "../wasm/core.js";
import { nsToIso } from "../net/time.js";
import type { Diagnostic, Endpoint } from "../types.js";
import type { Negotiation, Session } from "./sessions.js";
import { flowEndpoint } from "./flow-endpoint.js";

/** TFTP sessions kept per capture (`--max-tftp-sessions`). */
export const DEFAULT_MAX_TFTP_SESSIONS = 100_000;

export type TftpOutcome = "completed" | "error" | "unanswered" | "incomplete";

export interface TftpInfo {
  opcode: "RRQ" | "WRQ";
  filename: string;
  mode: string;
  /** Options of the request (RFC 2347), names as written. */
  options: Record<string, string>;
  /** The request is not two NUL-terminated strings (filename, mode) followed by option pairs. */
  malformed?: boolean;
  /** The request was cut (snaplen) or longer than 1024 bytes: fields may be incomplete. */
  truncated?: boolean;
  /** Further copies of the request from the same endpoint before any answer (packets). */
  retries: number[];
  /** The flow that carried the transfer (server's new port ↔ client endpoint). */
  transferFlow?: number;
  /** The server's transfer port, and whether it was the request's port (not a new TID). */
  serverPort?: number;
  fromRequestPort?: boolean;
  /** First packet from the server after the request: its packet and opcode. */
  firstReply?: { packet: number; time: string; opcode: string };
  /** The server's option acknowledgement (RFC 2347). */
  oack?: { packet: number; options: Record<string, string> };
  /** DATA blocks (distinct), their payload bytes, the block size in use and repeated blocks. */
  blocks: number;
  bytes: number;
  blockSize: number;
  duplicates: number;
  /** ACKs of a block already acknowledged (sent again by the acknowledging side) while the transfer was followed. */
  duplicateAcks: number;
  /** The count stopped at --max-tftp-duplicate-acks: more ACKs were repeated (from this packet on). */
  duplicateAcksCapped?: { packet: number };
  outcome: TftpOutcome;
  /** Packet of the final (short) DATA block, when completed; whether it was acknowledged. */
  endPacket?: number;
  lastAcked?: boolean;
  error?: { code: number; message: string; packet: number; from: "server" | "client" };
  /** Why the core stopped following before an end: evicted (table full), idle, superseded. */
  stopped?: "evicted" | "idle" | "superseded" | "not-followed";
}

export interface TftpConditions {
  /** Packets on a TFTP port that were neither a request nor part of a followed transfer. */
  unmatched: number;
  firstUnmatched?: AlgEvent;
  /** Requests beyond maxTftpSessions (counted, not kept). */
  sessionsNotKept: number;
  firstNotKeptPacket: number;
  /** Transfers the core stopped following because their table bucket was full. */
  evicted: number;
  firstEvictedPacket: number;
  /** Transfers whose repeated-ACK count stopped at its limit, and the first such repeat's packet. */
  ackCountCapped: number;
  firstAckCountCappedPacket: number;
}

const OPS: Record<number, string> = {
  [TftpOp.Rrq]: "RRQ", [TftpOp.Wrq]: "WRQ", [TftpOp.Data]: "DATA", [TftpOp.Ack]: "ACK",
  [TftpOp.Error]: "ERROR", [TftpOp.Oack]: "OACK", [TftpOp.Malformed]: "malformed",
};

interface Pending {
  /** What is read later of the request's event (not the event: ~20 fields and a sub-object, kept per request). */
  ev: Pick<AlgEvent, "code" | "flow" | "dir" | "packet" | "ts">;
  info: TftpInfo;
  /** Request text (to recognise a retry). */
  text: string;
  /** Time of the last copy of the request and of the first reply (ns). */
  lastTs: bigint;
  replyTs?: bigint;
}

/** Linux's expectation lifetime (nf_conntrack_tftp: 300 s). */
const LINUX_EXPECT_NS = 300_000_000_000n;

/** The fields of a request after its opcode: filename NUL mode NUL (name NUL value NUL)*. */
export function parseTftpRequest(text: string): { filename: string; mode: string; options: Record<string, string>; malformed: boolean } {
  const parts = text.split("\0");
  // A well-formed request ends with a NUL: the last split part is empty.
  const terminated = parts.length >= 3 && parts[parts.length - 1] === "";
  const fields = terminated ? parts.slice(0, -1) : parts;
  const options: Record<string, string> = {};
  let emptyName = false;
  for (let i = 2; i + 1 < fields.length; i += 2) {
    if (fields[i] === "") emptyName = true;
    else options[fields[i]] = fields[i + 1];
  }
  const filename = fields[0] ?? "";
  const mode = fields[1] ?? "";
  return { filename, mode, options, malformed: !terminated || fields.length % 2 !== 0 || emptyName || filename === "" || mode === "" };
}

/** name NUL value NUL pairs of an OACK. */
function parseOptions(text: string): Record<string, string> {
  const parts = text.split("\0");
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] !== "") out[parts[i]] = parts[i + 1];
  return out;
}

function outcomeOf(flags: number): TftpOutcome {
  if (flags & TftpFlag.Errored) return "error";
  if (flags & TftpFlag.Completed) return "completed";
  if (!(flags & TftpFlag.Answered)) return "unanswered";
  return "incomplete";
}

/** Streams TFTP events into sessions (see the module header). */
export class TftpSessions {
  /** Requests in order; events find theirs by request packet. */
  private readonly requests: Pending[] = [];
  private readonly byPacket = new Map<number, Pending>();
  /** Per request flow: the last request superseded without an answer (a retry may follow). */
  private readonly unanswered = new Map<number, Pending>();
  /** The last summary was an eviction (the request that caused it comes next). */
  private evictedBy = false;
  readonly conditions: TftpConditions = { unmatched: 0, sessionsNotKept: 0, firstNotKeptPacket: 0, evicted: 0, firstEvictedPacket: 0, ackCountCapped: 0, firstAckCountCappedPacket: 0 };

  constructor(private readonly maxSessions = DEFAULT_MAX_TFTP_SESSIONS) {}

  event(e: AlgEvent): void {
    if (e.kind !== EventKind.TftpPacket) return;
    if (e.flags & TftpFlag.Unmatched) {
      this.conditions.unmatched++;
      this.conditions.firstUnmatched ??= e;
      return;
    }
    if (e.code === TftpOp.Rrq || e.code === TftpOp.Wrq) {
      this.request(e);
      return;
    }
    const p = e.tftp && this.byPacket.get(e.tftp.requestPacket);
    if (!p) return;
    const t = p.info;
    if (e.flags & TftpFlag.FirstReply) {
      t.transferFlow = e.flow;
      t.firstReply = { packet: e.packet, time: nsToIso(e.ts), opcode: OPS[e.code] ?? String(e.code) };
      t.fromRequestPort = (e.flags & TftpFlag.FromPort69) !== 0;
      p.replyTs = e.ts;
    }
    if (e.flags & TftpFlag.AckCountCapped && e.code === TftpOp.Ack) {
      t.duplicateAcksCapped = { packet: e.packet };
      const c = this.conditions;
      if (!c.ackCountCapped++) c.firstAckCountCappedPacket = e.packet;
    } else if (e.code === TftpOp.Oack) t.oack = { packet: e.packet, options: parseOptions(e.text) };
    else if (e.code === TftpOp.Error) {
      t.error = { code: e.port, message: e.text, packet: e.packet, from: e.flags & TftpFlag.FromServer ? "server" : "client" };
    } else if (e.code === TftpOp.Summary) this.summary(p, e);
  }

  private request(e: AlgEvent): void {
    if (this.evictedBy && !this.conditions.firstEvictedPacket) this.conditions.firstEvictedPacket = e.packet;
    this.evictedBy = false;
    const prev = this.unanswered.get(e.flow);
    this.unanswered.delete(e.flow);
    if (prev && prev.text === e.text && prev.ev.code === e.code) {
      prev.info.retries.push(e.packet);
      prev.lastTs = e.ts;
      prev.info.outcome = "unanswered";
      delete prev.info.stopped;
      this.byPacket.set(e.packet, prev);
      return;
    }
    if (this.requests.length >= this.maxSessions) {
      const c = this.conditions;
      c.sessionsNotKept++;
      if (!c.firstNotKeptPacket) c.firstNotKeptPacket = e.packet;
      return;
    }
    const r = parseTftpRequest(e.text);
    const info: TftpInfo = {
      opcode: e.code === TftpOp.Wrq ? "WRQ" : "RRQ", filename: r.filename, mode: r.mode, options: r.options,
      retries: [], blocks: 0, bytes: 0, blockSize: 512, duplicates: 0, duplicateAcks: 0,
      outcome: e.flags & TftpFlag.NotFollowed ? "incomplete" : "unanswered",
    };
    if (r.malformed) info.malformed = true;
    if (e.flags & TftpFlag.NotFollowed) info.stopped = "not-followed";
    if (e.flags & TftpFlag.Truncated) info.truncated = true;
    const p: Pending = { ev: { code: e.code, flow: e.flow, dir: e.dir, packet: e.packet, ts: e.ts }, info, text: e.text, lastTs: e.ts };
    this.requests.push(p);
    this.byPacket.set(e.packet, p);
  }

  private summary(p: Pending, e: AlgEvent): void {
    const t = p.info;
    const f = e.flags;
    t.blocks = e.port;
    t.bytes = e.tftp!.bytes;
    t.blockSize = e.reason;
    t.duplicates = e.seq;
    t.duplicateAcks = e.tftp!.duplicateAcks;
    t.outcome = outcomeOf(f);
    if (f & TftpFlag.Completed) {
      t.endPacket = e.packet;
      t.lastAcked = (f & TftpFlag.LastAcked) !== 0;
    }
    delete t.stopped;
    if (f & TftpFlag.Evicted) {
      t.stopped = "evicted";
      // No longer followed: whether an answer or the end came is not known.
      if (t.outcome === "unanswered") t.outcome = "incomplete";
      this.conditions.evicted++;
      // Evictions happen for a new request, whose event comes next: it is dated there.
      this.evictedBy = true;
    } else if (f & TftpFlag.Idle) t.stopped = "idle";
    else if (f & TftpFlag.Superseded) t.stopped = "superseded";
    if ((f & TftpFlag.Superseded) && !(f & TftpFlag.Answered)) this.unanswered.set(p.ev.flow, p);
  }

  /** The sessions (ids from `firstId`), in request order, with their negotiations. */
  finish(flows: FlowTable, firstId: number, profile?: "lenient" | "linux"): Session[] {
    const out: Session[] = [];
    for (const p of this.requests) {
      // The endpoints only, not the flows' report objects (FlowTable.get).
      const client = flowEndpoint(flows, p.ev.flow, p.ev.dir);
      const server = flowEndpoint(flows, p.ev.flow, p.ev.dir === 0 ? 1 : 0);
      if (p.info.transferFlow !== undefined) {
        const x = p.info.transferFlow;
        const a = flowEndpoint(flows, x, 0);
        const clientIsA = a.ip === client.ip && a.port === client.port;
        p.info.serverPort = (clientIsA ? flowEndpoint(flows, x, 1) : a).port ?? undefined;
      }
      const s: Session = {
        id: firstId + out.length, alg: "tftp", controlFlow: p.ev.flow, client, server,
        negotiations: [negotiation(p, client, server, profile)], tftp: p.info,
      };
      out.push(s);
    }
    return out;
  }
}

/**
 * nf_conntrack_tftp reads only the opcode: any RRQ/WRQ sets the expectation (server address, any
 * port → the client endpoint), 300 s, one per conntrack (a later request on the same 5-tuple
 * replaces it). What that means for this request's reply.
 */
function linuxReason(p: Pending): string {
  const t = p.info;
  if (t.stopped === "superseded") return "expectation_replaced";
  if (t.fromRequestPort) return "reply_via_master";
  if (p.replyTs !== undefined && p.replyTs - p.lastTs > LINUX_EXPECT_NS) return "expectation_expired";
  return "ok";
}

function lineOf(t: TftpInfo): string {
  let s = `${t.opcode} ${t.filename} ${t.mode}`;
  for (const [k, v] of Object.entries(t.options)) s += ` ${k}=${v}`;
  return s;
}

function negotiation(p: Pending, client: Endpoint, server: Endpoint, profile?: "lenient" | "linux"): Negotiation {
  const t = p.info;
  const n: Negotiation = {
    kind: t.opcode, packet: p.ev.packet, time: nsToIso(p.ev.ts), line: lineOf(t), valid: !t.malformed,
    announced: { ip: client.ip, port: client.port ?? undefined },
    expected: [{ proto: "udp", from: { ip: server.ip, port: null }, to: { ip: client.ip, port: client.port ?? 0 } }],
    observedFlows: [], dataSeen: false, observed: [], lateFlows: [], seq: 0,
  };
  if (t.malformed) n.reason = "malformed";
  if (t.transferFlow !== undefined && t.firstReply) {
    // Literals at their length (a push into [] keeps room for 17): kept to the end of the report.
    n.observedFlows = [t.transferFlow];
    n.observed = [{ expected: 0, flow: t.transferFlow, firstPacket: t.firstReply.packet, sourcePort: t.serverPort ?? null }];
    n.dataSeen = true;
  }
  if (profile === "linux") n.emulation = { profile: "linux", outcome: "parsed", reason: linuxReason(p) };
  return n;
}

/** Located diagnostics for TFTP limits hit and packets that fit no transfer. */
export function tftpDiagnostics(file: string, c: TftpConditions, opts: { maxTftpSessions?: number; maxTftpTransfers?: number; maxTftpDuplicateAcks?: number } = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (c.ackCountCapped > 0) {
    out.push({
      code: "tftp_duplicate_acks_capped", severity: "info", file, packet: c.firstAckCountCappedPacket, count: c.ackCountCapped,
      message: `${c.ackCountCapped} TFTP transfer(s) repeated more ACKs than --max-tftp-duplicate-acks (${opts.maxTftpDuplicateAcks ?? TFTP_ACK_DUPS_MAX}) counts; their duplicateAcks stops there (duplicateAcksCapped: the first repeat not counted)`,
    });
  }
  if (c.evicted > 0) {
    out.push({
      code: "tftp_table_full", severity: "warning", file, packet: c.firstEvictedPacket, count: c.evicted,
      message: `${c.evicted} TFTP transfer(s) were still live when a new request needed their table slot (--max-tftp-transfers ${opts.maxTftpTransfers ?? 1024}, 4-way buckets) and were no longer followed; their outcome is incomplete`,
    });
  }
  if (c.sessionsNotKept > 0) {
    out.push({
      code: "tftp_session_limit", severity: "warning", file, packet: c.firstNotKeptPacket, count: c.sessionsNotKept,
      message: `${c.sessionsNotKept} TFTP request(s) beyond --max-tftp-sessions (${opts.maxTftpSessions ?? DEFAULT_MAX_TFTP_SESSIONS}) were counted, not kept`,
    });
  }
  if (c.firstUnmatched) {
    out.push({
      code: "tftp_unmatched_packet", severity: "info", file, packet: c.firstUnmatched.packet, count: c.unmatched,
      message: `${c.unmatched} packet(s) on a TFTP port were neither a request (RRQ/WRQ) nor part of a transfer followed since its request (first: packet ${c.firstUnmatched.packet}, opcode ${c.firstUnmatched.code})`,
    });
  }
  return out;
}
