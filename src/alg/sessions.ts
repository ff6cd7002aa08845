/**
 * ALG policy (TypeScript side of the ALG layer): the wasm core reports facts — every line of
 * every FTP/RTSP control connection, with parsed PORT/EPRT/227/229 numbers — and this module
 * turns them into sessions, negotiations, the flows a correct ALG must open for each
 * (expectations), whether those flows happened, and what Linux's nf_conntrack_ftp/rtsp helpers
 * would have done with each line (emulation profile).
 *
 * Expectation rules (Zeek main.zeek / nf_conntrack_ftp.c, ALG-BEHAVIOUR.md §3):
 *   PORT/EPRT/LPRT  server (any source port; 20 noted) → announced ip:port, TCP
 *   227/228         client → announced ip:port, TCP
 *   229             client → the control connection's server ip, announced port, TCP
 *   SETUP (UDP)     server (reply's source= / server_port when given) → client (destination=
 *                   when given) client_port: RTP on the low port, RTCP on the high one
 *   interleaved     none (the media rides on the control connection)
 * Each expectation is matched to the first flow that starts after the negotiation and within
 * the window; a flow is used by one expectation only, so a port announced twice is matched in
 * time order.
 *
 * Streaming: `SessionBuilder` takes the events as the core drains them and keeps, per control
 * flow, only its parser state and what becomes the report — the negotiations (at most
 * `maxNegotiations` per session; the rest counted in `partial`), the RTSP TEARDOWN packets (the
 * same limit) and the few FTP replies that answer a negotiation (`answers`: the first reply after
 * each, and the first refusal 425/426/500/501/502/504/522 before the next). Nothing is kept per
 * control line, so memory follows the sessions and the limits, never the lines. Those answers and
 * the sample of control lines (CONTROL_LINES_KEPT) are for verify only: with `verifyEvents: false`
 * (`analyze`, whose reports never read them) none is kept.
 */
import { AlgReason, EventKind, FlowFlag, FtpVerb, LineFlag, RtspLine, RtspMethod } from "../wasm/abi.js";
import type { AlgEvent, FlowTable } from "../wasm/core.js";
import { ipToString } from "../net/addr.js";
import { nsToIso } from "../net/time.js";
import { parseTransport, type TransportSpec } from "./transport.js";
import { appended } from "./media-flows.js";
import type { Endpoint, Flow } from "../types.js";
import { TftpSessions, type TftpInfo } from "./tftp.js";
import type { MediaInfo, SipSession } from "./sip-types.js";
import { SipBuilder, type SipConditions } from "./sip.js";
import { FlowCandidates } from "./candidates.js";
import { DEFAULT_MAX_SESSIONS } from "./limits.js";

export type { MediaInfo, Sdp, SdpDirection, SdpMedia, SipContact, SipMessage, SipParty, SipSession, SipVia } from "./sip-types.js";

export type Profile = "lenient" | "linux";

export interface ExpectedFlow {
  proto: "tcp" | "udp";
  from: Endpoint;
  to: { ip: string; port: number };
}

export interface Emulation {
  profile: "linux";
  outcome: "parsed" | "ignored" | "dropped";
  reason: string;
}

export interface Negotiation {
  kind: "PORT" | "EPRT" | "227" | "229" | "LPRT" | "228" | "SETUP" | "SDP" | "RRQ" | "WRQ";
  command?: string;
  packet: number;
  time: string;
  line: string;
  valid: boolean;
  reason?: string;
  announced: { ip?: string; port?: number; rtcpPort?: number };
  transport?: { request: TransportSpec[]; reply: TransportSpec[] };
  expected: ExpectedFlow[];
  /** Ids of the flows that fulfilled the expectations, in expectation order. */
  observedFlows: number[];
  dataSeen: boolean;
  /**
   * One entry per fulfilled expectation: which expectation (index into `expected`), the flow,
   * its first packet, whether its TCP handshake completed, and its source port (active FTP:
   * `fromPort20` says whether the server used port 20).
   */
  observed: { expected: number; flow: number; firstPacket: number; handshake?: boolean; sourcePort: number | null; fromPort20?: boolean }[];
  /** Flows that match an expectation but started after the window. */
  lateFlows: number[];
  emulation?: Emulation;
  /** Relative TCP sequence number of the line (for pairing with another capture). */
  seq: number;
  /** Packets of the request that preceded a reply (PASV/EPSV/SETUP), when seen. */
  requestPacket?: number;
  /** SDP: offer or answer, direction, hold / rejected (then `expected` is empty). */
  media?: MediaInfo;
  /** SDP: flow of the message that carried the m= line. */
  flow?: number;
  /**
   * FTP and RTSP (either Transport line of the SETUP): the control connection sent bytes of this
   * line again, different (a TcpConflict over its sequence space): `packet` carried the other
   * copy. This negotiation is the first copy, the one read; which copy the peer took is not known.
   */
  retransmissionDiffers?: { packet: number };
}

export type SessionAlg = "ftp" | "rtsp" | "sip" | "tftp";

export interface Session {
  id: number;
  alg: SessionAlg;
  controlFlow: number;
  client: Endpoint;
  server: Endpoint;
  negotiations: Negotiation[];
  /** RTSP: TEARDOWN requests seen (packet numbers). */
  teardowns?: number[];
  /** SIP: the dialog (Call-ID + From tag), its messages, REGISTER binding. */
  sip?: SipSession;
  /** Present when a limit was hit: what of this session was not kept, from which packet on. */
  partial?: SessionPartial;
  /** TFTP: the request and its transfer (src/alg/tftp.ts). */
  tftp?: TftpInfo;
}

export interface SessionPartial {
  /** Negotiations beyond `maxNegotiations`, counted, not kept. */
  negotiationsNotKept: number;
  /** RTSP TEARDOWN requests beyond the same limit. */
  teardownsNotKept: number;
  /** SIP messages beyond the same limit (counted, not kept in `sip.messages`). */
  messagesNotKept?: number;
  /** Packet of the first item not kept. */
  firstPacket: number;
}

/** Negotiations (and RTSP TEARDOWNs) kept per session (`--max-negotiations`). */
export const DEFAULT_MAX_NEGOTIATIONS = 10_000;

export interface AnalyzeOptions {
  profile?: Profile;
  /** Expectation window in seconds (default 300). */
  windowSeconds?: number;
  /** Negotiations (and RTSP TEARDOWNs) kept per session (default DEFAULT_MAX_NEGOTIATIONS). */
  maxNegotiations?: number;
  /** TFTP requests (sessions) kept per capture (default DEFAULT_MAX_TFTP_SESSIONS). */
  maxTftpSessions?: number;
  /** SIP dialogs kept per capture (default DEFAULT_MAX_SIP_DIALOGS; see SipConditions.cut). */
  maxSipDialogs?: number;
  /** FTP and RTSP sessions kept per capture (default DEFAULT_MAX_SESSIONS; see AlgConditions.sessionCut). */
  maxSessions?: number;
  /**
   * Keep the control lines and FTP answers verify reads (`AnalyzeResult.events`; default true).
   * False leaves `events` empty and changes nothing else: the sessions are the same. `analyze`
   * passes false — on the 4 GiB churn capture those are 13 178 drained event objects (each with
   * its text, BigInt time and address bytes) held from the scan to the end of the report.
   */
  verifyEvents?: boolean;
}

const REASONS: Record<number, string> = {
  [AlgReason.OctetOutOfRange]: "octet_out_of_range",
  [AlgReason.PortOutOfRange]: "port_out_of_range",
  [AlgReason.PortZero]: "port_zero",
  [AlgReason.BadFamily]: "bad_family",
  [AlgReason.FamilyMismatch]: "family_mismatch",
  [AlgReason.Malformed]: "malformed",
};

const VERB_NAMES: Record<number, string> = {
  [FtpVerb.Port]: "PORT", [FtpVerb.Eprt]: "EPRT", [FtpVerb.Pasv]: "PASV", [FtpVerb.Epsv]: "EPSV",
  [FtpVerb.Lprt]: "LPRT", [FtpVerb.Lpsv]: "LPSV",
};

function addrText(e: AlgEvent): string | undefined {
  return e.family && e.addr ? ipToString(e.addr, 0, e.family === 6 ? 6 : 4) : undefined;
}

/**
 * What an FTP line announces (`ip` when it names one, its port) and, when valid, the TCP data
 * connection it lets in: from `fromIp` (any port) to `toIp` and the announced port.
 */
function announce(n: Negotiation, e: AlgEvent, fromIp: string, toIp: string, ip: string | undefined): void {
  if (ip) n.announced.ip = ip;
  n.announced.port = e.port;
  if (n.valid) n.expected = appended(n.expected, { proto: "tcp", from: { ip: fromIp, port: null }, to: { ip: toIp, port: e.port } });
}

/** FTP reply codes that refuse a data connection (what `verify` looks for after a negotiation). */
const REFUSALS = new Set([425, 426, 500, 501, 502, 504, 522]);

/** The line that carries an FTP negotiation, and the request it answers (227/228/229). */
interface FtpCarrier {
  e: AlgEvent;
  request?: { verb: number; packet: number };
  /** Packet of a retransmission over this line's bytes that carried other bytes (the first such). */
  conflict?: number;
}

interface SetupRecord {
  req: RtspMessage;
  reply?: RtspMessage;
  /** Packet of a retransmission over a Transport line of the two that carried other bytes (the first such). */
  conflict?: number;
}

/** Replies held for a SETUP request not yet complete (out-of-order delivery), at most this many. */
const ORPHAN_REPLIES = 16;

/**
 * Control lines kept from the start of each control connection (any kind, both directions): verify
 * matches the two captures' copies of them to tell which side each capture was taken on
 * (src/verify/nat.ts lineOrder). A fixed sample, so memory stays bounded by the sessions.
 */
export const CONTROL_LINES_KEPT = 200;

/** FTP commands that start a transfer over the data connection a negotiation opened. */
export const FTP_TRANSFER = /^(RETR|STOR|STOU|APPE|LIST|NLST|MLSD)\b/i;

/** What is kept of one control flow while its events stream by. */
class FlowState {
  serverDir?: 0 | 1;
  /** Control lines kept so far (CONTROL_LINES_KEPT). */
  linesKept = 0;
  /** FTP: the transfer command after the last kept negotiation is still looked for. */
  wantTransfer = false;
  readonly ftp: FtpCarrier[] = [];
  /** FTP: the PASV/EPSV/LPSV awaiting its reply; the multi-line reply in progress. */
  pending?: { verb: number; packet: number };
  multi?: { code: number; negotiated: boolean };
  /** FTP answers: packet of the last kept negotiation, and what is still looked for after it. */
  anchor = 0;
  wantFirst = false;
  wantRefusal = false;
  /** RTSP: the message open in each direction; SETUP requests; replies waiting for a request. */
  readonly open: (RtspMessage | undefined)[] = [undefined, undefined];
  readonly setups: SetupRecord[] = [];
  readonly waiting = new Map<number, SetupRecord[]>();
  readonly seenCseq = new Set<number>();
  readonly orphans: RtspMessage[] = [];
  readonly teardowns: number[] = [];
  partial?: SessionPartial;
  constructor(readonly flow: number, readonly alg: "ftp" | "rtsp" | "tftp") {}
}

/** Counted control-stream conditions of one capture, for its diagnostics. */
export interface AlgConditions {
  gaps: number;
  firstGap?: AlgEvent;
  /** Retransmissions whose bytes differ from the copy read first (TcpConflict events). */
  conflicts: number;
  firstConflict?: AlgEvent;
  longLines: number;
  firstLongLine?: AlgEvent;
  firstTableFull?: AlgEvent;
  negotiationsNotKept: number;
  teardownsNotKept: number;
  /** Packet of the first negotiation or TEARDOWN not kept (0 = none). */
  firstNotKeptPacket: number;
  sessionsPartial: number;
  /** SIP: datagrams that were not SIP, damaged messages, messages not kept (SipBuilder). */
  sip?: SipConditions;
  /**
   * `--max-sessions`: the first control line of an FTP/RTSP connection that would have been a
   * session beyond the limit (its packet and time), and the lines of such connections counted
   * (not kept) from there on. The sessions kept are whole: their lines after it are still read.
   */
  sessionCut?: { packet: number; ns: bigint };
  linesNotKept: number;
}

/**
 * Sessions from a stream of events (see the module header): `push` each drained batch, then
 * `finish` once the capture has been read.
 */
export class SessionBuilder {
  private readonly flows = new Map<number, FlowState>();
  private readonly max: number;
  /** FTP replies that answer a kept negotiation, in stream order (see the module header). */
  readonly answers: AlgEvent[] = [];
  /** AnalyzeOptions.verifyEvents. */
  private readonly keepEvents: boolean;
  readonly conditions: AlgConditions = { gaps: 0, conflicts: 0, longLines: 0, negotiationsNotKept: 0, teardownsNotKept: 0, firstNotKeptPacket: 0, sessionsPartial: 0, linesNotKept: 0 };
  private readonly maxSessions: number;

  /** TFTP requests and transfers (their own events; src/alg/tftp.ts). */
  readonly tftp: TftpSessions;
  /** SIP dialogs (src/alg/sip.ts). */
  private readonly sip: SipBuilder;

  constructor(private readonly opts: AnalyzeOptions = {}) {
    this.max = opts.maxNegotiations ?? DEFAULT_MAX_NEGOTIATIONS;
    this.maxSessions = opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.keepEvents = opts.verifyEvents !== false;
    this.tftp = new TftpSessions(opts.maxTftpSessions);
    this.sip = new SipBuilder(this.max, this.conditions, opts.maxSipDialogs);
    this.conditions.sip = this.sip.sip;
  }

  push(events: AlgEvent[]): void {
    for (const e of events) this.event(e);
  }

  private event(e: AlgEvent): void {
    if (e.alg === "tftp") {
      this.tftp.event(e);
      return;
    }
    const c = this.conditions;
    if (e.kind === EventKind.TcpGap) {
      c.gaps++;
      c.firstGap ??= e;
      return;
    }
    if (e.kind === EventKind.TcpConflict) {
      c.conflicts++;
      c.firstConflict ??= e;
      const st = this.flows.get(e.flow);
      if (st?.alg === "ftp") markConflict(st.ftp, (c) => [c.e], e);
      else if (st?.alg === "rtsp") markConflict(st.setups, (r) => [r.req.transport, r.reply?.transport], e);
      else if (e.alg === "sip") this.sip.conflict(e);
      return;
    }
    if (e.kind === EventKind.StreamTableFull) {
      c.firstTableFull ??= e;
      return;
    }
    if (e.alg === "sip") {
      this.sip.event(e);
      return;
    }
    if (e.alg !== "ftp" && e.alg !== "rtsp") return;
    let st = this.flows.get(e.flow);
    if (!st) {
      // A connection beyond --max-sessions: its lines counted, none kept (memory follows the limit).
      if (this.flows.size >= this.maxSessions) {
        c.sessionCut ??= { packet: e.packet, ns: e.ts };
        c.linesNotKept++;
        return;
      }
      this.flows.set(e.flow, (st = new FlowState(e.flow, e.alg)));
    }
    if (e.kind === EventKind.LineTooLong) {
      c.longLines++;
      c.firstLongLine ??= e;
      return;
    }
    if (this.keepEvents && st.linesKept < CONTROL_LINES_KEPT && (e.kind === EventKind.FtpCommand || e.kind === EventKind.FtpReply || e.kind === EventKind.RtspLine)) {
      st.linesKept++;
      this.answers.push(e);
    }
    // The server is the side that sent replies (FTP) / status lines (RTSP), else the responder.
    st.serverDir ??= decisiveServerDir(e, st.alg);
    if (st.serverDir === undefined) return;
    if (st.alg === "ftp") this.ftpEvent(st, e);
    else this.rtspEvent(st, e);
  }

  /** True while `kept` is under the limit; else the item is counted as not kept. */
  private keep(st: FlowState, kept: number, packet: number, what: "negotiation" | "teardown"): boolean {
    if (kept < this.max) return true;
    const c = this.conditions;
    if (!st.partial) {
      st.partial = { negotiationsNotKept: 0, teardownsNotKept: 0, firstPacket: packet };
      c.sessionsPartial++;
    }
    if (what === "negotiation") {
      st.partial.negotiationsNotKept++;
      c.negotiationsNotKept++;
    } else {
      st.partial.teardownsNotKept++;
      c.teardownsNotKept++;
    }
    if (c.firstNotKeptPacket === 0 || packet < c.firstNotKeptPacket) c.firstNotKeptPacket = packet;
    return false;
  }

  // ---- FTP events ---------------------------------------------------------------------------

  private ftpEvent(st: FlowState, e: AlgEvent): void {
    const fromServer = e.dir === st.serverDir;
    if (!fromServer && e.kind === EventKind.FtpCommand) {
      const verb = e.code;
      if (verb === FtpVerb.Pasv || verb === FtpVerb.Epsv || verb === FtpVerb.Lpsv) st.pending = { verb, packet: e.packet };
      if (verb === FtpVerb.Port || verb === FtpVerb.Eprt || verb === FtpVerb.Lprt) this.ftpKeep(st, { e });
      else if (st.wantTransfer && FTP_TRANSFER.test(e.text)) {
        st.wantTransfer = false;
        this.keepEvent(e);
      }
      return;
    }
    if (!fromServer || e.kind !== EventKind.FtpReply) return;
    this.answer(st, e);
    if ((e.flags & LineFlag.Continuation) !== 0) return;
    const code = e.code;
    // RFC 959 §4.2 multi-line replies: "227-…" … "227 …". Only a line with a tuple negotiates.
    const isFirst = (e.flags & LineFlag.Multiline) !== 0;
    const isLast = !isFirst && st.multi !== undefined && st.multi.code === code;
    if (isFirst) st.multi = { code, negotiated: false };
    if (code !== 227 && code !== 228 && code !== 229) {
      if (isLast) st.multi = undefined;
      return;
    }
    const inMulti = st.multi !== undefined;
    const negotiatedBefore = st.multi?.negotiated ?? false;
    if (isLast) st.multi = undefined;
    if (e.reason === AlgReason.Malformed && (isFirst || (isLast && negotiatedBefore) || (inMulti && !isLast))) return;
    if (st.multi) st.multi.negotiated = true;
    const request = st.pending;
    st.pending = undefined;
    this.ftpKeep(st, { e, request });
  }

  private ftpKeep(st: FlowState, carrier: FtpCarrier): void {
    if (!this.keep(st, st.ftp.length, carrier.e.packet, "negotiation")) return;
    st.ftp.push(carrier);
    st.anchor = carrier.e.packet;
    st.wantFirst = st.wantRefusal = st.wantTransfer = true;
  }

  /** Keeps an event for verify once (it may already be among the control lines kept). */
  private keepEvent(e: AlgEvent): void {
    if (this.keepEvents && this.answers[this.answers.length - 1] !== e) this.answers.push(e);
  }

  /** Keeps a server reply when it is the first after the last negotiation, or its first refusal. */
  private answer(st: FlowState, e: AlgEvent): void {
    if (!(st.wantFirst || st.wantRefusal) || e.packet <= st.anchor) return;
    const refusal = st.wantRefusal && REFUSALS.has(e.code);
    if (!st.wantFirst && !refusal) return;
    st.wantFirst = false;
    if (refusal) st.wantRefusal = false;
    this.keepEvent(e);
  }

  // ---- RTSP events --------------------------------------------------------------------------

  private rtspEvent(st: FlowState, e: AlgEvent): void {
    if (e.kind !== EventKind.RtspLine) return;
    if (e.code === RtspLine.Request || e.code === RtspLine.Status) {
      this.rtspComplete(st, e.dir);
      st.open[e.dir] = {
        dir: e.dir, request: e.code === RtspLine.Request, method: e.code === RtspLine.Request ? e.port : 0,
        status: e.code === RtspLine.Status ? e.port : 0, startPacket: e.packet, startTs: e.ts,
      };
      return;
    }
    const m = st.open[e.dir];
    if (!m) return;
    if (e.code === RtspLine.End) {
      this.rtspComplete(st, e.dir);
      return;
    }
    const name = e.text.slice(0, e.text.indexOf(":")).trim().toLowerCase();
    const value = e.text.slice(e.text.indexOf(":") + 1).trim();
    if (name === "cseq") m.cseq = Number.parseInt(value, 10);
    else if (name === "transport") m.transport = e;
    else if (name === "session") m.session = value.split(";")[0];
  }

  /** The message open in direction `dir` is complete: a TEARDOWN or SETUP request, or a reply. */
  private rtspComplete(st: FlowState, dir: number): void {
    const m = st.open[dir];
    if (!m) return;
    st.open[dir] = undefined;
    if (m.request) this.rtspRequest(st, m);
    else if (m.dir === st.serverDir) this.rtspReply(st, m);
  }

  private rtspRequest(st: FlowState, m: RtspMessage): void {
    if (m.dir === st.serverDir) return;
    if (m.method === RtspMethod.Teardown) {
      if (this.keep(st, st.teardowns.length, m.startPacket, "teardown")) st.teardowns.push(m.startPacket);
      return;
    }
    if (m.method !== RtspMethod.Setup || !m.transport) return;
    // Duplicates (retransmitted requests with the same CSeq) are ignored.
    if (m.cseq !== undefined && st.seenCseq.has(m.cseq)) return;
    if (!this.keep(st, st.setups.length, m.startPacket, "negotiation")) return;
    if (m.cseq !== undefined) st.seenCseq.add(m.cseq);
    const rec: SetupRecord = { req: m };
    st.setups.push(rec);
    const key = m.cseq ?? -1;
    const o = st.orphans.findIndex((r) => (r.cseq ?? -1) === key && r.startPacket >= m.startPacket);
    if (o >= 0) {
      rec.reply = st.orphans[o];
      st.orphans.splice(o, 1);
      return;
    }
    let list = st.waiting.get(key);
    if (!list) st.waiting.set(key, (list = []));
    list.push(rec);
  }

  /** A reply answers the first waiting SETUP of its CSeq that it does not precede. */
  private rtspReply(st: FlowState, m: RtspMessage): void {
    const key = m.cseq ?? -1;
    const list = st.waiting.get(key);
    const i = list ? list.findIndex((r) => r.req.startPacket <= m.startPacket) : -1;
    if (i < 0) {
      st.orphans.push(m);
      if (st.orphans.length > ORPHAN_REPLIES) st.orphans.shift();
      return;
    }
    list![i].reply = m;
    list!.splice(i, 1);
    if (!list!.length) st.waiting.delete(key);
  }

  // ---- the end ------------------------------------------------------------------------------

  /**
   * Builds the sessions, in control-flow order, and matches their expectations to the flows.
   * Once (each control flow's state is let go as its session is built).
   */
  finish(flows: FlowTable): Session[] {
    const sessions: Session[] = [];
    const ids = Array.from(this.flows.keys()).sort((a, b) => a - b);
    for (const id of ids) {
      const st = this.flows.get(id)!;
      this.flows.delete(id);
      if (st.alg === "rtsp") {
        this.rtspComplete(st, 0);
        this.rtspComplete(st, 1);
      }
      const f = flows.get(id);
      const serverDir = st.serverDir ?? 1;
      const server = serverDir === 1 ? f.responder : f.initiator;
      const client = serverDir === 1 ? f.initiator : f.responder;
      const session: Session = { id: sessions.length + 1, alg: st.alg, controlFlow: id, client, server, negotiations: [] };
      if (st.alg === "ftp") for (const c of st.ftp) session.negotiations.push(ftpNegotiation(session, c, f));
      else {
        for (const r of st.setups) session.negotiations.push(rtspNegotiation(session, r, f));
        if (st.teardowns.length) session.teardowns = st.teardowns;
      }
      if (st.partial) session.partial = st.partial;
      sessions.push(session);
    }
    const windowNs = (this.opts.windowSeconds ?? 300) * 1e9;
    // Every matcher names its ports first: the flow table is walked once for all of them.
    const candidates = new FlowCandidates(flows);
    for (const s of sessions) for (const n of s.negotiations) for (const x of n.expected) candidates.want(x.to.port);
    const sip = this.sip.build(flows, sessions.length + 1, this.opts.profile, candidates);
    matchExpectations(sessions, flows, windowNs, candidates);
    for (const s of this.sip.match(sip, flows, windowNs, candidates)) sessions.push(s);
    // TFTP transfers were followed by the core (their flow is known): appended, not matched.
    for (const s of this.tftp.finish(flows, sessions.length + 1, this.opts.profile)) sessions.push(s);
    if (this.opts.profile !== "linux") for (const s of sessions) for (const n of s.negotiations) delete n.emulation;
    return sessions;
  }
}

/** Builds every session from the events of one capture (all at once; see SessionBuilder). */
export function buildSessions(events: AlgEvent[], flows: FlowTable, opts: AnalyzeOptions = {}): Session[] {
  const b = new SessionBuilder(opts);
  b.push(events);
  return b.finish(flows);
}

/** The server's direction, when this event tells it. */
function decisiveServerDir(e: AlgEvent, alg: "ftp" | "rtsp" | "tftp"): 0 | 1 | undefined {
  if (alg === "ftp" && e.kind === EventKind.FtpReply) return e.dir;
  if (alg === "ftp" && e.kind === EventKind.FtpCommand) return (1 - e.dir) as 0 | 1;
  if (alg === "rtsp" && e.kind === EventKind.RtspLine && e.code === RtspLine.Status) return e.dir;
  if (alg === "rtsp" && e.kind === EventKind.RtspLine && e.code === RtspLine.Request) return (1 - e.dir) as 0 | 1;
  return undefined;
}

/** Negotiation time in ns (kept out of the report objects). */
const timeOf = new WeakMap<Negotiation, bigint>();

function base(e: AlgEvent, kind: Negotiation["kind"]): Negotiation {
  const n: Negotiation = {
    kind, packet: e.packet, time: nsToIso(e.ts), line: e.text, valid: e.reason === AlgReason.Ok,
    announced: {}, expected: [], observedFlows: [], dataSeen: false, observed: [], lateFlows: [], seq: e.seq,
  };
  if (e.reason !== AlgReason.Ok) n.reason = REASONS[e.reason] ?? "malformed";
  timeOf.set(n, e.ts);
  return n;
}

// ---- FTP ------------------------------------------------------------------------------------

/**
 * Bytes of a direction's stream behind the newest line within which a retransmission can still be
 * compared (the core keeps the last 2 048 delivered: assembly/alg/layout.ts HIST), with room.
 */
const CONFLICT_REACH = 4096;

/**
 * A TcpConflict on an FTP or RTSP control connection: the kept negotiation (an FTP line; an RTSP
 * SETUP by its request's and reply's Transport lines) one of whose lines in the conflict's
 * direction holds the first differing byte (the line and its CR LF) is marked, newest first. The
 * walk stops at one whose lines in that direction all start further back than the core compares
 * (CONFLICT_REACH): older ones do too.
 */
function markConflict<T extends { conflict?: number }>(kept: readonly T[], linesOf: (x: T) => (AlgEvent | undefined)[], e: AlgEvent): void {
  for (let i = kept.length - 1; i >= 0; i--) {
    const x = kept[i]!;
    const lines = linesOf(x).filter((l): l is AlgEvent => l !== undefined && l.dir === e.dir);
    if (lines.some((l) => e.seq >= l.seq && e.seq - l.seq < l.text.length + 2)) {
      x.conflict ??= e.packet;
      return;
    }
    if (lines.length && lines.every((l) => e.seq - l.seq > CONFLICT_REACH)) return;
  }
}

/** The negotiation an FTP line makes (PORT/EPRT/LPRT command or 227/228/229 reply). */
function ftpNegotiation(s: Session, c: FtpCarrier, f: Flow): Negotiation {
  const n = ftpLine(s, c, f);
  if (c.conflict !== undefined) n.retransmissionDiffers = { packet: c.conflict };
  return n;
}

/** ftpNegotiation before its conflict mark. */
function ftpLine(s: Session, c: FtpCarrier, f: Flow): Negotiation {
  const { e } = c;
  if (e.kind === EventKind.FtpCommand) {
    const n = base(e, VERB_NAMES[e.code] as Negotiation["kind"]);
    const ip = addrText(e);
    announce(n, e, s.server.ip, ip!, ip);
    n.emulation = emulateFtp(e, n, s, f);
    return n;
  }
  const code = e.code;
  const n = base(e, String(code) as Negotiation["kind"]);
  if (c.request) {
    n.command = VERB_NAMES[c.request.verb];
    n.requestPacket = c.request.packet;
  }
  // 229 names only a port: the data connection goes to the control connection's server.
  const ip = code === 229 ? undefined : addrText(e);
  announce(n, e, s.client.ip, code === 229 ? s.server.ip : ip!, ip);
  n.emulation = emulateFtp(e, n, s, f);
  return n;
}

/**
 * What Linux nf_conntrack_ftp does with the segment that carried the line (ALG-BEHAVIOUR.md §1,
 * §3, §7; the case table in pcaps/make/alg-cases.ts cites each rule).
 */
function emulateFtp(e: AlgEvent, n: Negotiation, s: Session, _f: Flow): Emulation {
  const r = (outcome: Emulation["outcome"], reason: string): Emulation => ({ profile: "linux", outcome, reason });
  const isReply = e.kind === EventKind.FtpReply;
  if (!isReply && e.code === FtpVerb.Lprt) return r("ignored", "unsupported_command");
  if (isReply && e.code === 228) return r("ignored", "unsupported_command");
  if (isReply && (e.flags & LineFlag.Multiline) !== 0) return r("ignored", "multiline_reply");
  if (e.segments > 1) return r("dropped", "split_command");
  if ((e.flags & LineFlag.SegmentStart) === 0 || e.lineInSegment > 0) return r("ignored", "not_segment_start");
  if (!isReply && (e.flags & LineFlag.Crlf) === 0) return r("dropped", "bare_lf");
  if (!isReply && (e.flags & LineFlag.ExtraSpace) !== 0) return r("dropped", "extra_space");
  if (e.code === FtpVerb.Eprt && !isReply) {
    if (n.reason === "bad_family") return r("dropped", "eprt_bad_family");
    if (n.reason === "family_mismatch") return r("dropped", "eprt_family_mismatch");
    if (n.reason === "port_zero") return r("dropped", "port_zero");
    if (n.reason === "port_out_of_range") return r("parsed", "port_wrapped");
  }
  if (isReply && e.code === 229) {
    if ((e.flags & LineFlag.Parens) === 0) return r("dropped", "epsv_no_parentheses");
    if (n.reason === "port_zero") return r("dropped", "port_zero");
    if (n.reason === "port_out_of_range") return r("parsed", "port_wrapped");
  }
  if (isReply && e.code === 227 && (e.flags & LineFlag.DigitBeforeTuple) !== 0) return r("dropped", "digit_before_tuple");
  if (n.reason === "malformed") return r("ignored", "malformed");
  if (n.reason === "octet_out_of_range") return r("parsed", "octet_bleed");
  if (n.reason === "port_zero") return r("parsed", "port_zero_unchecked");
  // The payload must name the peer that sent it (L486-512), unless the helper is "loose".
  const peer = isReply ? s.server.ip : s.client.ip;
  if (n.announced.ip !== undefined && n.announced.ip !== peer) return r("ignored", "address_not_peer");
  return r("parsed", "ok");
}

// ---- RTSP ------------------------------------------------------------------------------------

interface RtspMessage {
  dir: number;
  request: boolean;
  method: number;
  status: number;
  startPacket: number;
  startTs: bigint;
  cseq?: number;
  transport?: AlgEvent;
  session?: string;
}

/** The SETUP negotiation of a request and its reply (when seen). */
function rtspNegotiation(s: Session, rec: SetupRecord, f: Flow): Negotiation {
  const { req, reply } = rec;
  const reqTransport = req.transport!;
  const carrier = reply?.transport ?? reqTransport;
  const n = base(carrier, "SETUP");
  n.command = "SETUP";
  n.requestPacket = req.startPacket;
  if (rec.conflict !== undefined) n.retransmissionDiffers = { packet: rec.conflict };
  const requestSpecs = parseTransport(reqTransport.text);
  const replySpecs = reply?.transport ? parseTransport(reply.transport.text) : [];
  n.transport = { request: requestSpecs, reply: replySpecs };
  if (reply && (reply.status < 200 || reply.status > 299)) {
    n.valid = false;
    n.reason = `status_${reply.status}`;
  }
  const chosen = replySpecs[0] ?? requestSpecs.find((x) => x.lowerTransport === "udp" && x.clientPort) ?? requestSpecs[0];
  const reqUdp = requestSpecs.find((x) => x.lowerTransport === "udp" && x.clientPort);
  if (chosen && chosen.lowerTransport === "udp" && !chosen.interleaved) {
    const cp = chosen.clientPort ?? reqUdp?.clientPort;
    if (!cp) {
      n.valid = false;
      n.reason ??= "malformed";
    } else if (n.valid) {
      const clientIp = chosen.destination ?? reqUdp?.destination ?? s.client.ip;
      const serverIp = chosen.source ?? s.server.ip;
      if (chosen.destination ?? reqUdp?.destination) n.announced.ip = clientIp;
      n.announced.port = cp[0];
      const sp = chosen.serverPort;
      n.expected = appended(n.expected, { proto: "udp", from: { ip: serverIp, port: sp ? sp[0] : null }, to: { ip: clientIp, port: cp[0] } });
      if (cp[1] !== cp[0]) {
        n.announced.rtcpPort = cp[1];
        n.expected = appended(n.expected, { proto: "udp", from: { ip: serverIp, port: sp ? sp[1] : null }, to: { ip: clientIp, port: cp[1] } });
      }
    }
  }
  n.emulation = emulateRtsp(n, s, f, requestSpecs, chosen);
  return n;
}

function emulateRtsp(n: Negotiation, s: Session, f: Flow, request: TransportSpec[], chosen: TransportSpec | undefined): Emulation {
  const r = (outcome: Emulation["outcome"], reason: string): Emulation => ({ profile: "linux", outcome, reason });
  if (f.ipVersion === 6) return r("ignored", "ipv6_unsupported");
  const reqUdp = request.find((x) => x.lowerTransport === "udp" && x.clientPort);
  if (!reqUdp || !chosen || chosen.lowerTransport !== "udp") return r("ignored", "no_udp_transport");
  const replyCp = n.transport?.reply[0]?.clientPort;
  if (replyCp && (replyCp[0] !== reqUdp.clientPort![0] || replyCp[1] !== reqUdp.clientPort![1])) return r("parsed", "request_client_port_used");
  if (reqUdp.destination || chosen.destination) return r("parsed", "destination_not_parsed");
  if (chosen.source || reqUdp.source) return r("parsed", "source_not_parsed");
  void s;
  return r("parsed", "ok");
}

// ---- matching ----------------------------------------------------------------------------------

/**
 * Flows whose endpoints could satisfy an expectation: flow ids, in id order, by the
 * "proto|ip|port" key an expectation looks up (the key of either end of the flow). Only keys some
 * expectation names are kept, and nothing but ids: the flows are read from their records when
 * matched (a long capture has tens of thousands of flows on an expected port; an object for each
 * held ~20 MiB of heap on the 4 GiB churn capture).
 */
function candidateIndex(sessions: Session[], flows: FlowTable, candidates: FlowCandidates): Map<string, number[]> {
  const wanted = new Set<string>();
  const wantedPorts = new Set<number>();
  for (const s of sessions) {
    for (const n of s.negotiations) {
      for (const x of n.expected) {
        wanted.add(`${x.proto}|${x.to.ip}|${x.to.port}`);
        wantedPorts.add(x.to.port);
      }
    }
  }
  const index = new Map<string, number[]>();
  if (!wantedPorts.size) return index;
  for (const id of candidates.ids()) {
    const pa = flows.port(id, 0);
    const pb = flows.port(id, 1);
    if (!wantedPorts.has(pa) && !wantedPorts.has(pb)) continue;
    // Expectations name TCP/UDP ports: an end of another protocol, or whose port none names, is no key.
    const proto = flows.proto(id);
    if (proto !== "tcp" && proto !== "udp") continue;
    for (let which: 0 | 1 = 0; which < 2; which++) {
      const port = which ? pb : pa;
      if (!wantedPorts.has(port)) continue;
      const key = `${proto}|${flows.address(id, which as 0 | 1)}|${port}`;
      if (!wanted.has(key)) continue;
      let list = index.get(key);
      if (!list) index.set(key, (list = []));
      list.push(id);
    }
  }
  return index;
}

function matchExpectations(sessions: Session[], flows: FlowTable, windowNs: number, candidates: FlowCandidates): void {
  const index = candidateIndex(sessions, flows, candidates);
  const used = new Set<number>();
  const all = sessions.flatMap((s) => s.negotiations.map((n) => ({ s, n })));
  all.sort((a, b) => a.n.packet - b.n.packet);
  for (const { n } of all) {
    const atNs = timeOf.get(n)!;
    n.expected.forEach((x, xi) => {
      const list = index.get(`${x.proto}|${x.to.ip}|${x.to.port}`) ?? [];
      let id = 0;
      for (const c of list) {
        if (used.has(c) || flows.firstPacket(c) <= n.packet) continue;
        // TCP: the expected side opens the connection; UDP: either side may send first.
        // (Candidates are TCP/UDP flows, keyed by proto: both ports are numbers.)
        const toIsResp = flows.port(c, 1) === x.to.port && flows.address(c, 1) === x.to.ip;
        const other = toIsResp ? 0 : 1;
        if (x.proto === "tcp" && !toIsResp) continue;
        if ((x.from.port !== null && flows.port(c, other) !== x.from.port) || flows.address(c, other) !== x.from.ip) continue;
        if (flows.firstNs(c) - atNs > BigInt(windowNs)) {
          if (!n.lateFlows.includes(c)) n.lateFlows = appended(n.lateFlows, c);
          continue;
        }
        id = c;
        break;
      }
      if (!id) return;
      used.add(id);
      const toIsResp = flows.port(id, 1) === x.to.port && flows.address(id, 1) === x.to.ip;
      const srcPort = flows.port(id, toIsResp ? 0 : 1);
      n.observedFlows = appended(n.observedFlows, id);
      const o: Negotiation["observed"][number] = { expected: xi, flow: id, firstPacket: flows.firstPacket(id), sourcePort: srcPort };
      if (flows.proto(id) === "tcp") {
        const fl = flows.flags(id);
        o.handshake = (fl & FlowFlag.Syn) !== 0 && (fl & FlowFlag.SynAck) !== 0;
      }
      if (n.kind === "PORT" || n.kind === "EPRT" || n.kind === "LPRT") o.fromPort20 = srcPort === 20;
      n.observed = appended(n.observed, o);
    });
    n.dataSeen = n.observed.length > 0;
  }
}
