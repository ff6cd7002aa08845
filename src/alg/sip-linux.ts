/**
 * `--profile linux` for SIP sessions: what nf_conntrack_sip (sip_direct_media=1,
 * sip_direct_signalling=1, the defaults) would do with the messages of this capture, taken as the
 * router's input (ALG-BEHAVIOUR.md §8.2, §8.3, §8.5, §8.7):
 *
 * Media (`MediaInfo.linux`, `Negotiation.emulation`), per signalling connection (the master: the
 * flow that carried the message, shared by every dialog on it):
 *   - an INVITE request flushes every media expectation of its connection, then its SDP is read;
 *     a BYE flushes them; a >= 300 answer to the last INVITE's CSeq flushes them;
 *   - SDP is read in INVITE, UPDATE, ACK, PRACK requests and 1xx/2xx answers to INVITE, UPDATE,
 *     PRACK; a TCP message split across segments or without Content-Length is not read;
 *   - per audio/video/image m= line (at most 3): port 0 → skipped; port 1..1023 → the message is
 *     dropped; no usable c= → dropped; c= not the sender's address → no expectation;
 *     else two expectations from the other signalling endpoint's address, any source port, to
 *     c=:(port & ~1) and the next port; at most 4 audio / 4 video / 2 image per connection (the
 *     oldest evicted), 180 s each, each let one flow in (the first that matches).
 * Flows the peer opened toward an endpoint are then admitted by a live expectation, or refused
 * (flushed, used, expired) — what Linux would have let in as RELATED and what not.
 *
 * REGISTER (`SipSession.register.linux`): the PERMANENT+INACTIVE signalling expectation from the
 * registrar to the Contact (its port, 5060 when absent), activated by a 2xx that names it again;
 * verify's table across calls may drop or move it instead (`clashedRegister`).
 */
import { appended, type MediaFlows } from "./media-flows.js";
import type { Emulation, Negotiation, Session } from "./sessions.js";
import { isIpLiteral } from "./sip-parse.js";
import type { LinuxMedia, LinuxRegister, RegisterClash, SipMessage } from "./sip-types.js";
import { hostPort } from "../net/addr.js";

/** Media expectations live this long (nf_conntrack_sip, 180 s for every class). */
export const LINUX_MEDIA_EXPECT_S = 180;
/** Expectations per connection and class (audio, video, image; cs L1735-1756). */
const CLASS_MAX: Record<string, number> = { audio: 4, video: 4, image: 2 };
/** m= lines per message the helper reads (cs L1146). */
const MAX_MEDIA_LINES = 3;
const SDP_REQUESTS = new Set(["INVITE", "UPDATE", "ACK", "PRACK"]);
const SDP_ANSWERS = new Set(["INVITE", "UPDATE", "PRACK"]);

/** A dialog as the emulation reads it: its session, its messages (with times) and SDP entries. */
export interface LinuxDialog {
  session: Session;
  messages: { msg: SipMessage; ts: bigint }[];
  entries: { n: Negotiation; index: number; msg: SipMessage; ts: bigint }[];
}

interface Expect {
  n: Negotiation;
  cls: string;
  from: string;
  to: { ip: string; port: number };
  createdNs: bigint;
  endNs?: bigint;
  usedBy?: number;
}

/** Why the helper does not read message `m` at all (TCP framing, §8.7). */
export function linuxSkips(m: SipMessage, transport: string): string | undefined {
  if (m.segments > 1) return "split across TCP segments: the helper reads only messages complete in one segment";
  if (transport === "tcp" && m.contentLength === undefined) return "a TCP message without Content-Length stops the helper's parse";
  return undefined;
}

/** `media`: the UDP flows on the expected ports (SipBuilder.build named them, see wantMedia). */
export function emulateLinux(dialogs: LinuxDialog[], media: () => MediaFlows): void {
  const all: { msg: SipMessage; ts: bigint; d: LinuxDialog }[] = [];
  const byMsg = new Map<SipMessage, LinuxDialog["entries"]>();
  for (const d of dialogs) {
    for (const k of d.messages) all.push({ msg: k.msg, ts: k.ts, d });
    for (const e of d.entries) {
      const list = byMsg.get(e.msg);
      if (list) list.push(e);
      else byMsg.set(e.msg, [e]);
    }
    const sip = d.session.sip!;
    if (sip.register) {
      const r = linuxRegister(d.messages.map((k) => k.msg), sip.transport);
      if (r) sip.register.linux = r;
    }
  }
  all.sort((a, b) => a.msg.packet - b.msg.packet || a.msg.indexInPacket - b.msg.indexInPacket);
  const masters = new Map<number, { live: Expect[]; inviteCseq?: number }>();
  const made: Expect[] = [];
  for (const { msg, ts, d } of all) {
    let st = masters.get(msg.flow);
    if (!st) masters.set(msg.flow, (st = { live: [] }));
    const entries = byMsg.get(msg) ?? [];
    const skip = linuxSkips(msg, d.session.sip!.transport);
    if (skip) {
      for (const e of entries) setNone(e.n, skip, "ignored");
      continue;
    }
    const method = (msg.request?.method ?? msg.cseq?.method ?? "").toUpperCase();
    if (msg.request) {
      if (method === "INVITE" || method === "BYE") flush(st.live, msg, ts, method);
      if (method === "INVITE" && msg.cseq) st.inviteCseq = msg.cseq.num;
      if (SDP_REQUESTS.has(method)) readSdp(msg, ts, entries, st.live, made);
      else for (const e of entries) setNone(e.n, `the helper reads no SDP in a ${method} request`, "ignored");
      continue;
    }
    const code = msg.status?.code ?? 0;
    if (SDP_ANSWERS.has(method) && code >= 300 && msg.cseq?.num === st.inviteCseq) flush(st.live, msg, ts, `${code} ${method}`);
    if (SDP_ANSWERS.has(method) && code >= 100 && code < 300) readSdp(msg, ts, entries, st.live, made);
    else for (const e of entries) setNone(e.n, `the helper reads no SDP in a ${code} answer to ${method || "?"}`, "ignored");
  }
  admit(made, media);
  for (const e of made) summarise(e.n);
}

function linuxOf(n: Negotiation): LinuxMedia {
  return (n.media!.linux ??= { expected: [] });
}

function setNone(n: Negotiation, why: string, outcome: Emulation["outcome"]): void {
  linuxOf(n).none = why;
  n.emulation = { profile: "linux", outcome, reason: why };
}

/** The message's SDP: an expectation pair per handled m= line, or why none. */
function readSdp(msg: SipMessage, ts: bigint, entries: LinuxDialog["entries"], live: Expect[], made: Expect[]): void {
  const sdp = msg.sdp;
  if (!sdp) return;
  // Drop conditions of the whole message first (the helper stops at the first).
  let handled = 0;
  const lineNo = new Map<number, number>();
  for (let i = 0; i < sdp.media.length; i++) {
    const md = sdp.media[i]!;
    if (!CLASS_MAX[md.type]) continue;
    if (++handled > MAX_MEDIA_LINES) continue;
    lineNo.set(i, handled);
    const dropped = md.port > 0 && md.port < 1024 ? `m=${md.type} ${md.port}: the helper drops the message ("wrong port")`
      : md.port > 0 && !usableIp(md.connection?.ip) && !usableIp(sdp.connection?.ip) ? `m=${md.type} ${md.port} has no c= the helper reads: it drops the message ("cannot parse SDP message")` : undefined;
    if (dropped) {
      for (const e of entries) setNone(e.n, dropped, "dropped");
      return;
    }
  }
  for (const e of entries) {
    const md = sdp.media[e.index]!;
    if (!CLASS_MAX[md.type]) setNone(e.n, `m=${md.type}: the helper reads only audio, video and image lines`, "ignored");
    else if (!lineNo.has(e.index)) setNone(e.n, `the ${MAX_MEDIA_LINES + 1}th or later audio/video/image line: the helper reads ${MAX_MEDIA_LINES}`, "ignored");
    else if (md.port === 0) setNone(e.n, "port 0: the helper skips the stream", "parsed");
    else {
      const ip = usableIp(md.connection?.ip) ? md.connection!.ip : sdp.connection!.ip;
      if (ip !== msg.src.ip) {
        setNone(e.n, `c= ${ip} is not the sender ${msg.src.ip}: no expectation with sip_direct_media=1`, ip === "0.0.0.0" || ip === "::" ? "parsed" : "ignored");
        continue;
      }
      const rtp = md.port & ~1;
      for (const port of [rtp, rtp + 1]) {
        const x: Expect = { n: e.n, cls: md.type, from: msg.dst.ip, to: { ip, port }, createdNs: ts };
        evict(live, x, msg);
        live.push(x);
        made.push(x);
        const l = linuxOf(e.n);
        l.expected = appended(l.expected, { from: x.from, to: x.to });
      }
      e.n.emulation = { profile: "linux", outcome: "parsed", reason: "" };
    }
  }
}

const usableIp = (ip: string | undefined): ip is string => ip !== undefined && isIpLiteral(ip);

/** Over the class limit of its connection, the oldest expectation of the class goes. */
function evict(live: Expect[], x: Expect, msg: SipMessage): void {
  const same = live.filter((y) => y.cls === x.cls);
  if (same.length < CLASS_MAX[x.cls]!) return;
  const old = same[0]!;
  old.endNs = x.createdNs;
  linuxOf(old.n).flushedBy ??= { packet: msg.packet, command: `evicted: at most ${CLASS_MAX[x.cls]} ${x.cls} expectations per connection` };
  live.splice(live.indexOf(old), 1);
}

function flush(live: Expect[], msg: SipMessage, ts: bigint, command: string): void {
  for (const x of live) {
    x.endNs = ts;
    linuxOf(x.n).flushedBy ??= { packet: msg.packet, command };
  }
  live.length = 0;
}

/**
 * Flows the peer opened (it is the flow's initiator) toward an expected endpoint, in order of
 * their start: the first live, unused expectation lets each in; otherwise it is refused and noted
 * on the last expectation made for that endpoint before it started.
 */
function admit(made: Expect[], media: () => MediaFlows): void {
  const byKey = new Map<string, Expect[]>();
  for (const x of made) {
    const k = `${x.to.ip}|${x.to.port}`;
    const l = byKey.get(k);
    if (l) l.push(x);
    else byKey.set(k, [x]);
  }
  if (!byKey.size) return;
  const opened: { id: number; startNs: bigint; from: string; key: string }[] = [];
  // The UDP candidates by port (MediaFlows: one read of each record, shared with matchMedia):
  // flows whose responder end is an expected endpoint.
  const mf = media();
  const ports = new Set<number>();
  for (let i = 0; i < made.length; i++) ports.add(made[i]!.to.port);
  for (const port of ports) {
    for (let pos = mf.begin(port), last = mf.end(port); pos < last; pos++) {
      const c = mf.at(pos);
      if (mf.portB[c] !== port) continue;
      const key = `${mf.address(c, 1)}|${port}`;
      if (byKey.has(key)) opened.push({ id: mf.id[c]!, startNs: mf.startNs[c]!, from: mf.address(c, 0), key });
    }
  }
  opened.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.id - b.id));
  const life = BigInt(LINUX_MEDIA_EXPECT_S) * 1_000_000_000n;
  for (const o of opened) {
    const list = byKey.get(o.key)!.filter((x) => x.from === o.from && x.createdNs <= o.startNs);
    if (!list.length) continue;
    const ok = list.find((x) => x.usedBy === undefined && (x.endNs === undefined || o.startNs < x.endNs) && o.startNs - x.createdNs <= life);
    if (ok) {
      ok.usedBy = o.id;
      const l = linuxOf(ok.n);
      l.admitted = appended(l.admitted, o.id);
      continue;
    }
    const last = list[list.length - 1]!;
    const l = linuxOf(last.n);
    const why = last.endNs !== undefined && o.startNs >= last.endNs ? `flushed by ${l.flushedBy?.command ?? "a later message"} at packet ${l.flushedBy?.packet}`
      : last.usedBy !== undefined ? `its expectation was used by flow ${last.usedBy}` : `expired (${LINUX_MEDIA_EXPECT_S} s)`;
    l.refused = appended(l.refused, { flow: o.id, why });
  }
}

/** The emulation's one-line reason for a negotiation that got expectations. */
function summarise(n: Negotiation): void {
  const l = n.media!.linux!;
  if (!l.expected.length || !n.emulation) return;
  const [a, b] = l.expected;
  let r = `expects udp ${a!.from} → ${a!.to.ip}:${a!.to.port}${b ? `/${b.to.port}` : ""}`;
  if (l.flushedBy) r += `; flushed by ${l.flushedBy.command} at packet ${l.flushedBy.packet}`;
  if (l.refused?.length) r += `; would refuse flow ${l.refused.map((x) => x.flow).join(", ")}`;
  n.emulation.reason = r;
}

/** The signalling expectation of the dialog's last REGISTER (see the module header). */
export function linuxRegister(messages: SipMessage[], transport: "udp" | "tcp"): LinuxRegister | undefined {
  const all = linuxRegisters(messages, transport);
  return all[all.length - 1];
}

/**
 * What the helper makes of each REGISTER of the dialog (in order), each settled by the answer to
 * its CSeq: the last one is `register.linux`; verify's clash table (src/verify/sip-linux.ts) reads
 * them all, since every REGISTER adds its signalling expectation to the kernel's table.
 */
export function linuxRegisters(messages: SipMessage[], transport: "udp" | "tcp"): LinuxRegister[] {
  const all: LinuxRegister[] = [];
  let cur: LinuxRegister | undefined;
  let cseq: number | undefined;
  for (const m of messages) {
    if (m.cseq?.method.toUpperCase() !== "REGISTER" || linuxSkips(m, transport)) continue;
    if (m.request) {
      cur = registerRequest(m, transport);
      all.push(cur);
      cseq = m.cseq.num;
      continue;
    }
    const code = m.status?.code ?? 0;
    if (!cur || m.cseq.num !== cseq || code < 200) continue;
    cur.answerPacket = m.packet;
    const x = cur.expectation;
    if (!x || cur.outcome === "dropped") continue;
    if (code >= 300) {
      setOutcome(cur, "flushed", `the ${code} answer flushed it`);
      continue;
    }
    const c = m.contact.find((c) => c.host === x.to.ip && (c.port ?? 5060) === x.to.port);
    const expires = c?.expires ?? m.expires ?? 0;
    if (!c) setOutcome(cur, "flushed", `the ${code} names no Contact ${x.to.ip}:${x.to.port}: the helper flushes it`);
    else if (expires === 0) setOutcome(cur, "flushed", `the ${code} gives the binding expires 0 (or none): the helper flushes it`);
    else {
      x.timeoutS = expires;
      setOutcome(cur, "active", `activated by the ${code} for ${expires} s`);
    }
  }
  return all;
}

/** nf_nat_exp_find_port: on EBUSY, random ports from the wanted one up, this many tries (Linux 6.1+). */
export const FIND_PORT_TRIES = 128;

/**
 * The REGISTER's outcome once the kernel's table has answered its expectation with `clash`
 * (verify --profile linux): the one place that says what a clash does to it. EALREADY: the REGISTER
 * is dropped ("all ports in use for SIP"), so it opens no pinhole and gets no answer; EBUSY: the
 * kernel tries random ports above the wanted one and writes the Contact with the one it gets, so
 * the pinhole's port (and whether a 2xx naming it activates it) cannot be predicted.
 */
export function clashedRegister(r: LinuxRegister, clash: RegisterClash): LinuxRegister {
  const w = clash.wanted;
  const held = `the ${clash.heldBy.class} expectation the ${clash.heldBy.message} at inside packet ${clash.heldBy.packet} left`;
  const wanted = `${w.proto} ${w.from} → ${hostPort(w.to.ip)}:${w.to.port}`;
  if (clash.errno === "EALREADY") {
    return { outcome: "dropped", reason: `"all ports in use for SIP": its signalling expectation ${wanted} is ${held} on the same signalling connection (EALREADY)`, packet: r.packet, clash };
  }
  const reason = `its signalling expectation ${wanted} is ${held} on another signalling connection (inside flow ${clash.heldBy.flow}), EBUSY: the kernel moves it, and the Contact, to a random port above ${w.to.port} (up to ${FIND_PORT_TRIES} tries), which cannot be predicted`;
  // It still leaves the router: the registrar's answer is kept (what it activates is not predicted).
  return r.answerPacket !== undefined ? { outcome: "moved", reason, packet: r.packet, answerPacket: r.answerPacket, clash } : { outcome: "moved", reason, packet: r.packet, clash };
}

/** Sets a registration's outcome in place (its keys keep their order; no Object.assign: ~10 µs each here). */
function setOutcome(r: LinuxRegister, outcome: LinuxRegister["outcome"], reason: string): void {
  r.outcome = outcome;
  r.reason = reason;
}

function registerRequest(m: SipMessage, transport: "udp" | "tcp"): LinuxRegister {
  const r = (outcome: LinuxRegister["outcome"], reason: string): LinuxRegister => ({ outcome, reason, packet: m.packet });
  const c = m.contact[0];
  if (!c) return r("none", "no Contact: no expectation");
  if (!isIpLiteral(c.host)) return r("dropped", `Contact host ${c.host} is not an address: the helper drops the REGISTER ("cannot parse contact")`);
  if (c.port !== undefined && c.port < 1024) return r("dropped", `Contact port ${c.port} is below 1024: the helper drops the REGISTER ("cannot parse contact")`);
  if (c.host !== m.src.ip) return r("none", `Contact ${c.host} is not the sender ${m.src.ip}: the helper ignores third-party registrations`);
  const t = /;transport=([^;>]*)/i.exec(c.uri)?.[1]?.toLowerCase();
  if (t !== undefined && t !== "udp" && t !== "tcp") return r("none", `transport=${t}: the helper opens pinholes for udp and tcp only`);
  const expires = c.expires ?? m.expires ?? 0;
  if (expires === 0) return r("none", m.expires === undefined && c.expires === undefined ? "neither Expires nor expires= given: the helper reads expires 0 and opens no pinhole" : "expires 0 (an unregistration): no pinhole");
  // A literal, not { ...r(…), expectation }: a spread gave each registration a hidden class of its own.
  return {
    outcome: "pending", reason: "PERMANENT+INACTIVE until a 2xx names the Contact again", packet: m.packet,
    expectation: { proto: (t as "udp" | "tcp" | undefined) ?? transport, from: m.dst.ip, to: { ip: c.host, port: c.port ?? 5060 } },
  };
}
