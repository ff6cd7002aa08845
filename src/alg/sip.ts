/**
 * SIP sessions from the SipLine events of the wasm core (assembly/alg/sip.ts).
 *
 * Messages: the events of one message arrive in order on one (flow, direction) — start line,
 * the needed headers, SDP lines, MessageEnd — and become a SipMessage (src/alg/sip-parse.ts
 * parses the texts). Dialogs: one session per Call-ID and tag pair (a message belongs to the
 * dialog of its Call-ID whose From/To tags it shares; REGISTER refreshes of one Call-ID are one
 * session). A dialog's messages are kept up to `maxNegotiations` (the rest counted in
 * `partial.messagesNotKept`), and a capture's dialogs up to `maxDialogs` (past them SIP is read
 * up to the first message of the first dialog beyond: SipConditions.cut), so memory follows the
 * limits, never the traffic.
 *
 * Negotiations (at `finish`): one of kind "SDP" per m= line of each SDP a message carries. Offer
 * or answer by RFC 3264 / 6337: an SDP in a request answers a pending offer made in a response
 * (late offer: 200 then ACK/PRACK), else it offers; an SDP in a response answers when its request
 * (CSeq) carried one, else it offers. `announced` = the media-level c= (else the session c=) and
 * the m= port, `rtcpPort` = a=rtcp (RFC 3605) or port + 1 (none for 65535) unless a=rtcp-mux
 * (RFC 5761); a port no flow can have (m= above 65535, a=rtcp 0 or above 65535) makes the
 * negotiation invalid. Media is expected (UDP) toward the RTP and RTCP ports from the other
 * party: its own SDP address for the same m= index when it sent one, else its signalling
 * address; any source port. Port 0 (rejected), c=0.0.0.0 / :: and a=sendonly / inactive (hold:
 * the announcer does not want to receive) expect nothing. Retransmitted messages repeat no
 * negotiation.
 *
 * Matching (`matchMedia`): an expectation is fulfilled by a UDP flow between the announced
 * endpoint and the expected source that carried packets toward the announced endpoint and was
 * seen after the negotiation, starting within the window (later: `lateFlows`). Several
 * negotiations may share a flow (the offer and the answer of one call name its two ends; a
 * re-INVITE that keeps the port keeps the flow).
 */
import { EventKind, SipFlag, SipLine } from "../wasm/abi.js";
import type { AlgEvent, FlowTable } from "../wasm/core.js";
import { nsToIso } from "../net/time.js";
import type { Endpoint } from "../types.js";
import type { AlgConditions, ExpectedFlow, Negotiation, Profile, Session, SessionPartial } from "./sessions.js";
import {
  headerValue, isHoldAddress, isIpLiteral, own, parseContact, parseCSeq, parseMediaLine, parseParty, parseRequestLine,
  parseSdpAttribute, parseStatusLine, parseVia, sdpAddress,
} from "./sip-parse.js";
import type { MediaEndReason, MediaInfo, Sdp, SdpDirection, SdpMedia, SipContact, SipMessage, SipParty, SipSession, SipVia } from "./sip-types.js";
import { emulateLinux, type LinuxDialog } from "./sip-linux.js";
import { Want, type FlowCandidates } from "./candidates.js";
import { flowEndpoint } from "./flow-endpoint.js";
import { appended, ipv4Number, MediaFlows } from "./media-flows.js";
import { DEFAULT_MAX_SIP_DIALOGS } from "./limits.js";

const COMPACT_NAMES: Record<number, string> = {
  [SipLine.Via]: "v", [SipLine.Contact]: "m", [SipLine.From]: "f", [SipLine.To]: "t", [SipLine.CallId]: "i",
  [SipLine.ContentLength]: "l", [SipLine.ContentType]: "c",
};

/** MessageEnd flags of a damaged message (sip_message_damaged). */
const DAMAGED = SipFlag.Truncated | SipFlag.ClenMalformed | SipFlag.BodyShort;

/** A message whose events are still arriving. */
interface OpenMessage {
  msg: SipMessage;
  /** Time of the packet that completed the message (of its start line until MessageEnd). */
  ts: bigint;
  media?: SdpMedia;
}

/** A message as kept: the report object and what `finish` needs besides it. */
interface Kept {
  msg: SipMessage;
  ts: bigint;
}

class Dialog {
  readonly messages: Kept[] = [];
  /** Starts as a one-element literal (a first push would give it room for 17). */
  readonly flows: number[];
  fromTag?: string;
  toTag?: string;
  method = "";
  partial?: SessionPartial;
  register?: SipSession["register"];
  /** The last DIALOG_PARTIES distinct From/To values its messages kept (see `shareParty`). */
  parties?: SipParty[];
  /** Where the next new value goes in `parties` (the oldest after the first). */
  private nextParty = 1;
  constructor(readonly callId: string, readonly firstPacket: number, firstFlow: number) {
    this.flows = [firstFlow];
  }

  /**
   * `p`, or an equal From/To value an earlier message of the dialog kept (same URI and tag: the
   * same JSON, since parseParty writes `{ uri }` or `{ uri, tag }`). The line cache shares the
   * values of lines it still holds; a dialog's later messages (its BYE, a re-INVITE) come after
   * it has emptied itself many times over on a SIP-dense capture, so each kept its own copy.
   */
  shareParty(p: SipParty | undefined): SipParty | undefined {
    if (!p) return p;
    const list = this.parties;
    if (!list) {
      // A literal at its length (a push into [] would make room for 17).
      this.parties = [p, p, p, p];
      return p;
    }
    for (let i = 0; i < DIALOG_PARTIES; i++) {
      const q = list[i]!;
      if (q === p || (q.uri === p.uri && q.tag === p.tag)) return q;
    }
    list[this.nextParty] = p;
    this.nextParty = (this.nextParty + 1) % DIALOG_PARTIES;
    return p;
  }
}

/** From/To values a dialog remembers to share (caller, callee before and after its tag, a spare). */
const DIALOG_PARTIES = 4;

/** SIP conditions of one capture (diagnostics). */
export interface SipConditions {
  notSip: number;
  firstNotSip?: AlgEvent;
  damaged: number;
  firstDamaged?: AlgEvent;
  messagesNotKept: number;
  /**
   * Where SIP stopped being read (`--max-sip-dialogs`): the first message of the first dialog
   * beyond the limit (its packet and time). It and every message completed after it are counted
   * in `messagesCut`, not kept, so the kept dialogs are the whole SIP picture up to that point.
   */
  cut?: { packet: number; ns: bigint };
  messagesCut: number;
  /** Conflicting retransmissions past SIP_CONFLICTS_KEPT, not placed in their messages (diagnostic sip_conflicts_not_placed). */
  conflictsNotPlaced?: number;
  firstConflictNotPlaced?: AlgEvent;
}

/**
 * Conflicting retransmissions on SIP connections kept to be placed in their messages (build): the
 * first ones. Later ones are counted (diagnostic sip_conflicts_not_placed: the messages they fall
 * in are judged on the copy read). A bound on memory, not reached by a capture that is not hostile.
 */
export const SIP_CONFLICTS_KEPT = 1024;

export class SipBuilder {
  private readonly open = new Map<number, OpenMessage>();
  /** TcpConflict events of SIP connections (at most SIP_CONFLICTS_KEPT), in capture order. */
  private readonly conflicts: AlgEvent[] = [];
  /**
   * The open message of the last event's (flow, direction), -1 when none: a message's lines come
   * one after another, so most events need no look-up in `open` (~10 a message).
   */
  private lastKey = -1;
  private lastOpen: OpenMessage | undefined;
  private readonly byCallId = new Map<string, Dialog[]>();
  private readonly dialogs: Dialog[] = [];
  private readonly lines = new LineCache();
  readonly sip: SipConditions = { notSip: 0, damaged: 0, messagesNotKept: 0, messagesCut: 0 };

  constructor(readonly max: number, readonly conditions: AlgConditions, readonly maxDialogs = DEFAULT_MAX_SIP_DIALOGS) {}

  event(e: AlgEvent): void {
    if (e.kind !== EventKind.SipLine) return;
    const key = e.flow * 2 + e.dir;
    if (e.code === SipLine.NotSip) {
      this.sip.notSip++;
      this.sip.firstNotSip ??= e;
      return;
    }
    if (this.sip.cut) {
      this.afterCut(e);
      return;
    }
    if (e.code === SipLine.RequestLine || e.code === SipLine.StatusLine) {
      const prev = this.open.get(key);
      if (prev) {
        this.open.delete(key);
        this.close(prev, undefined);
        if (this.sip.cut) {
          this.afterCut(e);
          return;
        }
      }
      const started: OpenMessage = { msg: startMessage(e), ts: e.ts };
      this.open.set(key, started);
      this.lastKey = key;
      this.lastOpen = started;
      return;
    }
    const o = key === this.lastKey ? this.lastOpen : this.open.get(key);
    if (!o) return;
    if (e.code === SipLine.MessageEnd) {
      this.open.delete(key);
      if (key === this.lastKey) {
        this.lastKey = -1;
        this.lastOpen = undefined;
      }
      this.close(o, e);
      return;
    }
    this.lastKey = key;
    this.lastOpen = o;
    applyLine(o, e, this.lines);
  }

  /** A TcpConflict on a SIP connection, placed in its message by build (markConflicts). */
  conflict(e: AlgEvent): void {
    if (this.conflicts.length < SIP_CONFLICTS_KEPT) {
      this.conflicts.push(e);
      return;
    }
    this.sip.conflictsNotPlaced = (this.sip.conflictsNotPlaced ?? 0) + 1;
    this.sip.firstConflictNotPlaced ??= e;
  }

  /**
   * Each kept conflict marks the kept message holding its first differing byte: of the messages
   * of its connection and direction, the one that starts last at or before it (retransmissionDiffers;
   * a message marked twice keeps the first conflict's packet). One pass over the kept messages
   * gathers those of the connections with a conflict; each conflict then searches them by seq.
   */
  private markConflicts(): void {
    if (!this.conflicts.length) return;
    const byKey = new Map<number, SipMessage[]>();
    for (const e of this.conflicts) byKey.set(e.flow * 2 + e.dir, []);
    for (const d of this.dialogs) {
      for (let i = 0; i < d.messages.length; i++) {
        const m = d.messages[i]!.msg;
        byKey.get(m.flow * 2 + m.dir)?.push(m);
      }
    }
    for (const list of byKey.values()) list.sort((a, b) => a.seq - b.seq);
    // In capture order: a message's first conflict is the one it keeps.
    for (const e of this.conflicts) {
      const list = byKey.get(e.flow * 2 + e.dir)!;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]!.seq <= e.seq) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) list[lo - 1]!.retransmissionDiffers ??= { packet: e.packet };
    }
  }

  /**
   * An event past the cut: nothing is built; each message is counted by its start line (those
   * open at the cut were counted then) and, when damaged, by its end (sip_message_damaged).
   */
  private afterCut(e: AlgEvent): void {
    if (e.code === SipLine.RequestLine || e.code === SipLine.StatusLine) this.sip.messagesCut++;
    else if (e.code === SipLine.MessageEnd && (e.flags & DAMAGED) !== 0) {
      this.sip.damaged++;
      this.sip.firstDamaged ??= e;
    }
  }

  /** A message is complete (`end` = its MessageEnd; none when the next start line came first). */
  private close(o: OpenMessage, end: AlgEvent | undefined): void {
    const { msg } = o;
    if (end) {
      // The message is dated by the packet that completed it (its last segment over TCP).
      msg.packet = end.packet;
      o.ts = end.ts;
      msg.bodyLength = end.port;
      if ((end.flags & SipFlag.Truncated) !== 0) msg.truncated = true;
      if ((end.flags & SipFlag.BodyLong) !== 0) msg.bodyLong = true;
      msg.segments = end.segments;
      const damaged = (end.flags & DAMAGED) !== 0;
      if (damaged) {
        this.sip.damaged++;
        this.sip.firstDamaged ??= end;
      }
    } else msg.truncated = true;
    const d = this.dialogOf(msg);
    if (!d) {
      // Past --max-sip-dialogs: SIP is read up to the first message of the first dialog beyond
      // it. Later messages of the kept dialogs go too, so that what is kept is the whole SIP
      // picture up to one point in the capture (the Linux emulation's per-connection state, a
      // dialog's end) rather than some dialogs' messages and not others'.
      this.sip.cut = { packet: msg.packet, ns: o.ts };
      // This message, and those still open (each counted once: they are dropped here).
      this.sip.messagesCut += 1 + this.open.size;
      this.open.clear();
      this.lastKey = -1;
      this.lastOpen = undefined;
      return;
    }
    trimArrays(msg);
    msg.time = nsToIso(o.ts); // once per message: of its MessageEnd, else of its start line
    // Values equal to the dialog's (read by nothing that tells copies apart; the JSON is the same).
    if (msg.callId === d.callId) msg.callId = d.callId;
    if (msg.from) msg.from = d.shareParty(msg.from);
    if (msg.to) msg.to = d.shareParty(msg.to);
    if (!d.flows.includes(msg.flow)) d.flows.push(msg.flow);
    if (msg.request && !d.method) d.method = msg.request.method;
    if (msg.request && !d.fromTag) d.fromTag = msg.from?.tag;
    if (!d.toTag && msg.to?.tag && msg.from?.tag === d.fromTag) d.toTag = msg.to.tag;
    register(d, msg);
    if (d.messages.length < this.max) {
      d.messages.push({ msg, ts: o.ts });
      return;
    }
    if (!d.partial) {
      d.partial = { negotiationsNotKept: 0, teardownsNotKept: 0, messagesNotKept: 0, firstPacket: msg.packet };
      this.conditions.sessionsPartial++;
    }
    d.partial.messagesNotKept = (d.partial.messagesNotKept ?? 0) + 1;
    this.sip.messagesNotKept++;
    const c = this.conditions;
    if (c.firstNotKeptPacket === 0 || msg.packet < c.firstNotKeptPacket) c.firstNotKeptPacket = msg.packet;
  }

  /** The message's dialog, made when it is the first; undefined when that would pass maxDialogs. */
  private dialogOf(msg: SipMessage): Dialog | undefined {
    const callId = msg.callId ?? "";
    const f = msg.from?.tag;
    const t = msg.to?.tag;
    const isRegister = msg.cseq?.method === "REGISTER";
    let list = this.byCallId.get(callId);
    if (list) {
      for (const d of list) {
        if (isRegister && d.method === "REGISTER") return d;
        if (!d.fromTag || (!f && !t)) return d;
        if (f === d.fromTag || f === d.toTag || t === d.fromTag || (t !== undefined && t === d.toTag)) return d;
      }
    }
    if (this.dialogs.length >= this.maxDialogs) return undefined;
    if (!list) this.byCallId.set(callId, (list = []));
    const d = new Dialog(callId, msg.packet, msg.flow);
    list.push(d);
    this.dialogs.push(d);
    return d;
  }

  /** Messages still open at the end of the capture (no MessageEnd) are closed truncated. */
  private closeAll(): void {
    // Each out of the map before it is closed: a close that cuts SIP counts those still in it.
    for (const [key, o] of this.open) {
      this.open.delete(key);
      this.close(o, undefined);
    }
    this.lastKey = -1;
    this.lastOpen = undefined;
  }

  /**
   * The SIP sessions (ids from `firstId`, in order of each dialog's first message) and their SDP
   * negotiations (at most `max` per session, the rest counted); the ports their media (and the
   * Linux emulation's expectations) look for are named to `candidates`. `match` completes them.
   */
  build(flows: FlowTable, firstId: number, profile: Profile | undefined, candidates: FlowCandidates): SipBuilt {
    this.closeAll();
    this.markConflicts();
    const built: SipBuilt = { sessions: [], times: new Map(), ends: new Map(), linux: profile === "linux" ? [] : undefined };
    const { sessions, times } = built;
    const ends = new EndpointCache(flows);
    const dialogs = this.dialogs.slice().sort((a, b) => a.firstPacket - b.firstPacket);
    // Indexed loops (see matchMedia).
    for (let di = 0; di < dialogs.length; di++) {
      const d = dialogs[di];
      if (!inOrder(d.messages)) d.messages.sort(byPosition);
      for (let i = 0; i < d.messages.length; i++) ends.fill(d.messages[i].msg);
      const first = d.messages[0]?.msg;
      if (!first) continue;
      const req = d.messages.find((k) => k.msg.request)?.msg;
      const client = req ? req.src : first.dst;
      const server = req ? req.dst : first.src;
      const sip: SipSession = {
        callId: d.callId, method: d.method || first.cseq?.method || "", transport: flows.proto(first.flow) === "tcp" ? "tcp" : "udp",
        flows: d.flows, messages: messagesOf(d.messages),
      };
      if (d.fromTag) sip.fromTag = d.fromTag;
      if (d.toTag) sip.toTag = d.toTag;
      if (d.register) sip.register = d.register;
      const session: Session = { id: firstId + sessions.length, alg: "sip", controlFlow: first.flow, client, server, negotiations: [], sip };
      const entries = this.negotiations(session, d, times);
      mediaEnds(entries, d, built.ends);
      for (let i = 0; i < entries.length; i++) wantMedia(entries[i], candidates, built.linux !== undefined);
      built.linux?.push({ session, messages: d.messages, entries });
      if (d.partial) session.partial = d.partial;
      sessions.push(session);
    }
    return built;
  }

  /** The sessions of `build`, their media matched to the UDP flows among `candidates` (and emulated under Linux). */
  match(built: SipBuilt, flows: FlowTable, windowNs: number, candidates: FlowCandidates): Session[] {
    const { sessions, linux } = built;
    if (!sessions.length) return sessions;
    // One column table of the UDP candidates for both matchers, made when the first needs it.
    let mf: MediaFlows | undefined;
    const media = (): MediaFlows => (mf ??= new MediaFlows(flows, candidates));
    matchMedia(sessions, flows, built.times, windowNs, built.ends, media);
    if (linux) emulateLinux(linux, media, this.sip.cut?.ns);
    return sessions;
  }

  /** The SDP negotiations of a dialog (see the module header), each with its message and m= index. */
  private negotiations(session: Session, d: Dialog, times: Map<Negotiation, bigint>): SdpEntry[] {
    const entries: SdpEntry[] = [];
    const sdps = d.messages.filter((k) => k.msg.sdp).map((k) => ({ k, caller: isFromCaller(k.msg, d) }));
    // Most dialogs (REGISTER, OPTIONS …) carry no SDP: nothing more to allocate for them.
    if (!sdps.length) return entries;
    const offered = new Set<string>();
    let lateOffer = false;
    const seen = new Set<string>();
    let kept = 0;
    for (const { k, caller } of sdps) {
      const m = k.msg;
      const cseqKey = `${m.cseq?.num ?? ""} ${m.cseq?.method ?? ""}`;
      let offer: boolean;
      if (m.request) {
        offer = !lateOffer;
        lateOffer = false;
        offered.add(cseqKey);
      } else {
        offer = !offered.has(cseqKey);
        if (offer) lateOffer = true;
      }
      const peer = peerSdp(sdps, k, caller);
      const sig = m.dst.ip;
      m.sdp!.media.forEach((media, i) => {
        const n = sdpNegotiation(m, media, m.sdp!, offer, peerAddress(peer, i) ?? sig);
        const dedup = `${caller}|${cseqKey}|${n.command}|${n.line}|${n.announced.ip}`;
        if (seen.has(dedup)) return;
        seen.add(dedup);
        if (kept >= this.max) {
          this.countNotKept(session, d, m.packet);
          return;
        }
        kept++;
        times.set(n, k.ts);
        session.negotiations.push(n);
        entries.push({ n, caller, index: i, msg: m, ts: k.ts });
      });
    }
    return entries;
  }

  private countNotKept(session: Session, d: Dialog, packet: number): void {
    const c = this.conditions;
    if (!d.partial) {
      d.partial = { negotiationsNotKept: 0, teardownsNotKept: 0, firstPacket: packet };
      c.sessionsPartial++;
    }
    d.partial.negotiationsNotKept++;
    c.negotiationsNotKept++;
    if (c.firstNotKeptPacket === 0 || packet < c.firstNotKeptPacket) c.firstNotKeptPacket = packet;
    session.partial = d.partial;
  }
}

/** The start line's message (request or status in the literal: one property array fewer). */
function startMessage(e: AlgEvent): SipMessage {
  if (e.code === SipLine.RequestLine) {
    const request = parseRequestLine(e.text);
    request.uri = own(request.uri);
    return {
      packet: e.packet, time: "", flow: e.flow, dir: e.dir, src: NO_ENDPOINT, dst: NO_ENDPOINT,
      via: [], contact: [], bodyLength: 0, seq: e.seq, indexInPacket: e.lineInSegment, segments: 1, request,
    };
  }
  return {
    packet: e.packet, time: "", flow: e.flow, dir: e.dir, src: NO_ENDPOINT, dst: NO_ENDPOINT,
    via: [], contact: [], bodyLength: 0, seq: e.seq, indexInPacket: e.lineInSegment, segments: 1, status: parseStatusLine(e.text),
  };
}

/** src/dst of a message until `build` fills them from its flow (never written to). */
const NO_ENDPOINT: Endpoint = Object.freeze({ ip: "", port: null });

/**
 * A kept message's arrays at their length: an array grown by push has room for 17 elements or
 * more (~150 bytes where these hold one or two). Via and Contact lists need no copy: each is the
 * line cache's list, made at its length when parsed and shared by every message that repeats the
 * line, or a concatenation of such lists (exactly as long); a copy per message was 56 bytes more
 * for each (#13: the churn capture's 5 544 messages).
 */
function trimArrays(m: SipMessage): void {
  if (m.compact) m.compact = m.compact.slice();
  if (m.folded) m.folded = m.folded.slice();
  if (m.sdp && m.sdp.media.length) m.sdp.media = m.sdp.media.slice();
}

/**
 * The report's message list of a dialog: packed, at its length. Not `kept.map(…)`: optimised
 * code makes a map's result with holey elements, and JSON.stringify writes a holey array by
 * its slow path, an element look-up at a time (~1.4 % of the CPU of `analyze --json` on the
 * SIP-dense capture). A pushed list keeps room for 17: its slice is made at its length.
 */
function messagesOf(kept: Kept[]): SipMessage[] {
  const out: SipMessage[] = [];
  for (let i = 0; i < kept.length; i++) out.push(kept[i]!.msg);
  return out.slice();
}

/** Kept messages in capture order: by packet, then position within it. */
function byPosition(a: Kept, b: Kept): number {
  return a.msg.packet - b.msg.packet || a.msg.indexInPacket - b.msg.indexInPacket;
}

/** True when `list` is already in byPosition order (the usual case: no sort, nothing allocated). */
function inOrder(list: Kept[]): boolean {
  for (let i = 1; i < list.length; i++) if (byPosition(list[i - 1], list[i]) > 0) return false;
  return true;
}

/**
 * Parsed header values by line text, shared by the messages that repeat a line: a dialog's From,
 * To and Contact lines, a transaction's Via and CSeq lines come back in every message of
 * it (on v3.pcap about half of these lines repeat one seen before). A hit skips the parse and keeps
 * one copy of the value for all of them (less to allocate, to copy in the young generation and to
 * keep: the churn run's SIP heap, #13). The values, and the Via and Contact lists themselves, are
 * never changed after parsing (a message with two such lines gets a new, concatenated list), so
 * sharing them changes no output. The cache is emptied when it holds SIP_LINE_CACHE lines: a
 * bound on its memory, not on what is parsed (a miss parses as before).
 */
export const SIP_LINE_CACHE = 4096;

export class LineCache {
  private size = 0;
  private readonly via = new Map<string, readonly SipVia[]>();
  private readonly contact = new Map<string, readonly SipContact[]>();
  /** From and To lines (their texts start with the header name, so they never share an entry). */
  private readonly party = new Map<string, SipParty>();
  private readonly cseq = new Map<string, SipMessage["cseq"] | null>();
  /**
   * Call-ID and Content-Type lines: their value is a slice of the line, which keeps the whole line
   * alive; shared, one line and one slice serve every message of a dialog (#13: 4 279 Call-ID
   * slices on the churn capture, each holding its ~60-byte line).
   */
  private readonly header = new Map<string, string>();

  /** Lists at their length (parsed by push; see trimArrays): messages share them as they are. */
  vias(text: string): readonly SipVia[] {
    return this.value(this.via, text, (t) => ownVias(parseVia(t).slice()));
  }

  contacts(text: string): readonly SipContact[] {
    return this.value(this.contact, text, (t) => ownContacts(parseContact(t).slice()));
  }

  parties(text: string): SipParty {
    return this.value(this.party, text, (t) => ownParty(parseParty(t)));
  }

  /** headerValue(text), shared (Call-ID and Content-Type lines: their texts start with the header name). */
  headerOf(text: string): string {
    return this.value(this.header, text, (t) => own(headerValue(t)));
  }

  cseqOf(text: string): SipMessage["cseq"] {
    return this.value(this.cseq, text, (t) => parseCSeq(t) ?? null) ?? undefined;
  }

  /** `text`'s value in `map`, parsed and kept on a miss (all the maps emptied past SIP_LINE_CACHE lines). */
  private value<T>(map: Map<string, T>, text: string, parse: (text: string) => T): T {
    let v = map.get(text);
    if (v !== undefined) return v;
    if (++this.size > SIP_LINE_CACHE) {
      this.via.clear();
      this.contact.clear();
      this.party.clear();
      this.cseq.clear();
      this.header.clear();
      this.size = 1;
    }
    map.set(text, (v = parse(text)));
    return v;
  }
}

/** A just-parsed Via list with its strings made its own (`own`). */
function ownVias(vs: SipVia[]): SipVia[] {
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    v.host = own(v.host);
    if (v.received !== undefined) v.received = own(v.received);
    if (v.branch !== undefined) v.branch = own(v.branch);
  }
  return vs;
}

function ownContacts(cs: SipContact[]): SipContact[] {
  for (let i = 0; i < cs.length; i++) {
    cs[i]!.uri = own(cs[i]!.uri);
    cs[i]!.host = own(cs[i]!.host);
  }
  return cs;
}

function ownParty(p: SipParty): SipParty {
  p.uri = own(p.uri);
  if (p.tag !== undefined) p.tag = own(p.tag);
  return p;
}

/** One header or SDP line of an open message. */
function applyLine(o: OpenMessage, e: AlgEvent, cache: LineCache): void {
  const m = o.msg;
  if ((e.flags & SipFlag.Compact) !== 0 && COMPACT_NAMES[e.code]) (m.compact ??= []).push(COMPACT_NAMES[e.code]);
  if ((e.flags & SipFlag.Folded) !== 0) (m.folded ??= []).push(e.text.slice(0, e.text.indexOf(":")).trim().toLowerCase());
  switch (e.code) {
    // A cached list is shared: never pushed into (a second line concatenates into a new array).
    case SipLine.Via: {
      const vs = cache.vias(e.text);
      m.via = m.via.length ? m.via.concat(vs) : (vs as SipVia[]);
      break;
    }
    case SipLine.Contact: {
      const cs = cache.contacts(e.text);
      m.contact = m.contact.length ? m.contact.concat(cs) : (cs as SipContact[]);
      break;
    }
    case SipLine.From: m.from ??= cache.parties(e.text); break;
    case SipLine.To: m.to ??= cache.parties(e.text); break;
    case SipLine.CallId: m.callId ??= cache.headerOf(e.text); break;
    case SipLine.CSeq: m.cseq ??= cache.cseqOf(e.text); break;
    case SipLine.ContentLength:
      if ((e.flags & SipFlag.ClenMalformed) !== 0) m.contentLengthMalformed = true;
      else m.contentLength = e.port;
      break;
    case SipLine.ContentType: m.contentType ??= cache.headerOf(e.text); break;
    case SipLine.Expires: if (/^\d+$/.test(headerValue(e.text))) m.expires = Number(headerValue(e.text)); break;
    default: sdpLine(o, e);
  }
}

function sdpLine(o: OpenMessage, e: AlgEvent): void {
  const m = o.msg;
  if (e.code === SipLine.SdpStart) {
    // A second SDP in one message (multipart) is not merged into the first.
    if (m.sdp) o.media = undefined;
    m.sdp ??= { media: [] };
    return;
  }
  const sdp = m.sdp;
  if (!sdp) return;
  if (e.code === SipLine.SdpOrigin) {
    const ip = sdpAddress(e.text);
    if (ip && !sdp.origin) sdp.origin = { ip, line: e.text };
  } else if (e.code === SipLine.SdpConnection) {
    const ip = sdpAddress(e.text);
    if (!ip) return;
    if (o.media) o.media.connection ??= { ip: own(ip) };
    else sdp.connection ??= { ip, line: e.text };
  } else if (e.code === SipLine.SdpMedia) {
    const p = parseMediaLine(e.text);
    if (!p) return;
    // A literal, not { ...p, line }: a spread gave each SdpMedia a hidden class of its own.
    o.media = { type: p.type, port: p.port, count: p.count, proto: p.proto, line: e.text };
    sdp.media.push(o.media);
  } else if (e.code === SipLine.SdpAttribute) {
    const a = parseSdpAttribute(e.text);
    if (a.direction) {
      if (o.media) o.media.direction ??= a.direction;
      else sdp.direction ??= a.direction;
    }
    if (!o.media) return;
    if (a.rtcpMux) o.media.rtcpMux = true;
    if (a.rtcp) {
      o.media.rtcpPort = a.rtcp.port;
      if (a.rtcp.ip) o.media.rtcpIp = a.rtcp.ip;
    }
  }
}

/** REGISTER: the binding asked for (Contact, expires) and the registrar's answer. */
function register(d: Dialog, msg: SipMessage): void {
  if (msg.cseq?.method !== "REGISTER") return;
  if (msg.request?.method === "REGISTER") {
    const expires = msg.contact.find((c) => c.expires !== undefined)?.expires ?? msg.expires;
    d.register = { contact: msg.contact, packet: msg.packet };
    if (expires !== undefined) d.register.expires = expires;
    return;
  }
  if (!d.register || !msg.status || msg.status.code < 200) return;
  d.register.status = msg.status.code;
  if (msg.status.code < 300) {
    const expires = msg.contact.find((c) => c.expires !== undefined)?.expires ?? msg.expires;
    if (expires !== undefined) d.register.expires = expires;
  }
}

/** True when the message was sent by the dialog's caller (the sender of its first request). */
function isFromCaller(m: SipMessage, d: Dialog): boolean {
  const fromCallerTag = m.from?.tag === d.fromTag;
  return m.request ? fromCallerTag : !fromCallerTag;
}

interface SdpOf {
  k: Kept;
  caller: boolean;
}

/** The other party's SDP nearest to `k`: its latest before, else its first after. */
function peerSdp(sdps: SdpOf[], k: Kept, caller: boolean): Sdp | undefined {
  let before: Sdp | undefined;
  for (const s of sdps) {
    if (s.caller === caller) continue;
    if (s.k.msg.packet <= k.msg.packet) before = s.k.msg.sdp;
    else return before ?? s.k.msg.sdp;
  }
  return before;
}

/** The address the other party announced for m= line `i` (not a hold address). */
function peerAddress(peer: Sdp | undefined, i: number): string | undefined {
  if (!peer) return undefined;
  const ip = peer.media[i]?.connection?.ip ?? peer.connection?.ip;
  return ip && !isHoldAddress(ip) && isIpLiteral(ip) ? ip : undefined;
}

/** The negotiation of one m= line (see the module header). */
function sdpNegotiation(m: SipMessage, media: SdpMedia, sdp: Sdp, offer: boolean, fromIp: string): Negotiation {
  const ip = media.connection?.ip ?? sdp.connection?.ip;
  const direction: SdpDirection = media.direction ?? sdp.direction ?? "sendrecv";
  const rejected = media.port === 0;
  const hold = (ip !== undefined && isHoldAddress(ip)) || direction === "sendonly" || direction === "inactive";
  // RTCP on the next port (RFC 3550 §11) when a=rtcp names none: the m= port 65535 has no next port.
  const rtcpPort = media.rtcpMux ? undefined : media.rtcpPort ?? (media.port > 0 && media.port < 65535 ? media.port + 1 : undefined);
  // A literal with the keys in the order they were once added (port, ip, rtcpPort): keys added
  // after the literal live in a property array beside the object (one per negotiation).
  const port = media.port;
  const announced: Negotiation["announced"] = ip
    ? rtcpPort !== undefined ? { port, ip, rtcpPort } : { port, ip }
    : rtcpPort !== undefined ? { port, rtcpPort } : { port };
  const n: Negotiation = {
    kind: "SDP", command: m.request ? m.request.method : `${m.status!.code} ${m.cseq?.method ?? ""}`.trim(),
    packet: m.packet, time: m.time, line: media.line, valid: true, announced,
    expected: [], observedFlows: [], dataSeen: false, observed: [], lateFlows: [], seq: m.seq, flow: m.flow,
    media: { offer, direction, hold, rejected, type: media.type },
  };
  if (media.rtcpMux) n.media!.rtcpMux = true;
  if (m.retransmissionDiffers) n.retransmissionDiffers = { packet: m.retransmissionDiffers.packet };
  if (!ip) {
    n.valid = false;
    n.reason = "no_connection_address";
  } else if (!isIpLiteral(ip)) {
    n.valid = false;
    n.reason = "not_an_address";
  } else if (media.port > 65535) {
    n.valid = false;
    n.reason = "port_out_of_range";
  } else if (rtcpPort !== undefined && (rtcpPort < 1 || rtcpPort > 65535)) {
    // a=rtcp with a port no flow can have (announced keeps the raw value)
    n.valid = false;
    n.reason = "rtcp_port_out_of_range";
  }
  if (!n.valid || hold || rejected || !ip) return n;
  // Literal arrays (at their length), not pushes into [] (room for 17 each).
  const rtp: ExpectedFlow = { proto: "udp", from: { ip: fromIp, port: null }, to: { ip, port: media.port } };
  n.expected = rtcpPort !== undefined && rtcpPort !== media.port
    ? [rtp, { proto: "udp", from: { ip: fromIp, port: null }, to: { ip: media.rtcpIp ?? ip, port: rtcpPort } }]
    : [rtp];
  return n;
}

/** One kept SDP negotiation with what the end of its media and the Linux emulation need. */
export interface SdpEntry {
  n: Negotiation;
  /** Sent by the dialog's caller. */
  caller: boolean;
  /** Index of its m= line in the SDP. */
  index: number;
  msg: SipMessage;
  ts: bigint;
}

/**
 * Media seen toward an endpoint this long after the SDP that ended it counts as after the end
 * (RTP already on the wire when the re-INVITE left, clocks of two captures).
 */
export const MEDIA_END_GRACE_S = 1;

const stopsSending = (m: MediaInfo) => m.rejected || m.direction === "recvonly" || m.direction === "inactive";

/**
 * Where the media each negotiation expects ends (MediaInfo.until, see there): the first later SDP
 * of the same party for the same m= line that holds, rejects or moves it, unless the other party
 * said earlier that it stops sending. SDPs of a transaction that failed (>= 300) change nothing.
 */
function mediaEnds(entries: SdpEntry[], d: Dialog, ends: Map<Negotiation, bigint>): void {
  if (!entries.length) return;
  const failed = new Set<string>();
  for (const { msg } of d.messages) {
    if (msg.status && msg.status.code >= 300 && msg.cseq) failed.add(`${msg.cseq.num} ${msg.cseq.method}`);
  }
  const live = entries.filter((e) => !e.msg.cseq || !failed.has(`${e.msg.cseq.num} ${e.msg.cseq.method}`));
  for (const e of live) {
    if (!e.n.expected.length) continue;
    for (const f of live) {
      if (f.msg.packet <= e.msg.packet || f.index !== e.index) continue;
      const fm = f.n.media!;
      let why: MediaEndReason | undefined;
      if (f.caller !== e.caller) {
        if (!stopsSending(fm)) continue;
        why = "peer-stopped";
      } else if (fm.rejected) why = "rejected";
      else if (fm.hold) why = "hold";
      else if (f.n.announced.ip !== e.n.announced.ip || f.n.announced.port !== e.n.announced.port) why = "moved";
      else break;
      e.n.media!.until = { packet: f.msg.packet, time: f.msg.time, command: f.n.command ?? "", why };
      if (why === "moved" && f.n.announced.ip) e.n.media!.until.to = { ip: f.n.announced.ip, port: f.n.announced.port! };
      ends.set(e.n, f.ts);
      break;
    }
  }
}

/** What `SipBuilder.build` hands to `match`. */
export interface SipBuilt {
  sessions: Session[];
  /** Time of the message of each negotiation. */
  times: Map<Negotiation, bigint>;
  /** Where the media each negotiation expects ends (mediaEnds). */
  ends: Map<Negotiation, bigint>;
  /** The dialogs for the Linux emulation (profile linux only). */
  linux?: LinuxDialog[];
}

/**
 * The ports an SDP entry's media may arrive on: its expectations' ports, and under Linux the
 * pair the helper would expect (the m= port rounded down to even, and the next).
 */
function wantMedia(e: SdpEntry, candidates: FlowCandidates, linux: boolean): void {
  for (const x of e.n.expected) candidates.want(x.to.port, Want.Media);
  if (!linux) return;
  const rtp = e.msg.sdp!.media[e.index]!.port & ~1;
  candidates.want(rtp, Want.Media);
  candidates.want(rtp + 1, Want.Media);
}

/**
 * Flow endpoints by flow id, filled into each message's src/dst: the two endpoints only, not the
 * flow's report object (FlowTable.get: times, counters, ~1 KB a flow).
 */
class EndpointCache {
  private readonly cache = new Map<number, [Endpoint, Endpoint]>();
  constructor(private readonly flows: FlowTable) {}

  fill(m: SipMessage): void {
    let f = this.cache.get(m.flow);
    if (!f) this.cache.set(m.flow, (f = [ownEndpoint(flowEndpoint(this.flows, m.flow, 0)), ownEndpoint(flowEndpoint(this.flows, m.flow, 1))]));
    m.src = f[m.dir];
    m.dst = f[1 - m.dir];
  }
}

/** `e` with its address text flat (`own`: a dotted quad of 13 characters or more is written as a tree of concatenations). */
function ownEndpoint(e: Endpoint): Endpoint {
  e.ip = own(e.ip);
  return e;
}

/** Fulfils SDP expectations from the UDP flows (see the module header); media after the end of an expectation is noted, not counted. */
function matchMedia(
  sessions: Session[], flows: FlowTable, times: Map<Negotiation, bigint>, windowNs: number, ends: Map<Negotiation, bigint>, media: () => MediaFlows,
): void {
  // Indexed loops, not for-of: this runs once a capture, mostly before it is optimised, where
  // every step of an iterator allocates its result object (MiBs over a SIP-dense capture).
  let any = false;
  for (let si = 0; si < sessions.length && !any; si++) {
    const negs = sessions[si].negotiations;
    for (let ni = 0; ni < negs.length && !any; ni++) any = negs[ni].expected.length > 0;
  }
  if (!any) return;
  const mf = media();
  const window = BigInt(windowNs);
  for (let si = 0; si < sessions.length; si++) {
    const negs = sessions[si].negotiations;
    for (let ni = 0; ni < negs.length; ni++) {
      const n = negs[ni];
      const atNs = times.get(n)!;
      const endNs = ends.get(n);
      const endMs = endNs === undefined ? undefined : Number(endNs / 1_000_000n);
      for (let xi = 0; xi < n.expected.length; xi++) {
        const x = n.expected[xi];
        const port = x.to.port;
        const toNum = ipv4Number(x.to.ip);
        const fromNum = ipv4Number(x.from.ip);
        for (let pos = mf.begin(port), last = mf.end(port); pos < last; pos++) {
          const c = mf.at(pos);
          const toIsResp = mf.portB[c] === port && mf.hasAddress(c, 1, x.to.ip, toNum);
          if (!toIsResp && !(mf.portA[c] === port && mf.hasAddress(c, 0, x.to.ip, toNum))) continue;
          const srcPort = toIsResp ? mf.portA[c]! : mf.portB[c]!;
          if (!mf.hasAddress(c, toIsResp ? 0 : 1, x.from.ip, fromNum) || (x.from.port !== null && srcPort !== x.from.port)) continue;
          const toward = toIsResp ? mf.pktsAB[c] : mf.pktsBA[c];
          if (toward === 0 || mf.lastPacket[c]! <= n.packet) continue;
          const id = mf.id[c]!;
          if (endMs !== undefined && afterEnd(n, id, flows, endMs)) continue;
          if (mf.startNs[c]! - atNs > window) {
            if (!n.lateFlows.includes(id)) n.lateFlows = appended(n.lateFlows, id);
            continue;
          }
          n.observedFlows = appended(n.observedFlows, id);
          n.observed = appended(n.observed, { expected: xi, flow: id, firstPacket: flows.firstPacket(id), sourcePort: srcPort });
          break;
        }
      }
      n.dataSeen = n.observed.length > 0;
    }
  }
}

/**
 * Notes media of flow `id` toward an endpoint whose expected media ended at `endMs` (MediaInfo.afterEnd,
 * the first flow only); true when the flow started after the end, so it fulfils nothing.
 */
function afterEnd(n: Negotiation, id: number, flows: FlowTable, endMs: number): boolean {
  const grace = MEDIA_END_GRACE_S * 1000;
  const first = flows.firstMs(id);
  const started = first - endMs > grace;
  const last = flows.lastMs(id) - endMs;
  if ((started || last > grace) && !n.media!.afterEnd) {
    n.media!.afterEnd = { flow: id, started, seconds: Math.round((started ? first - endMs : last) / 100) / 10 };
  }
  return started;
}
