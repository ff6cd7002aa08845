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
 * (flushed, used, expired) — what Linux would have let in as RELATED and what not; none that
 * starts where SIP is no longer read (`cutNs`, --max-sip-dialogs: the messages that would have
 * flushed or used its expectation were not kept) is judged.
 *
 * REGISTER (`SipSession.register.linux`): the PERMANENT+INACTIVE signalling expectation from the
 * registrar to the Contact (its port, 5060 when absent), activated by a 2xx that names it again;
 * verify's table across calls may drop or move it instead (`clashedRegister`).
 */
import { appended, ipv4Number, type MediaFlows } from "./media-flows.js";
import type { Emulation, Negotiation, Session } from "./sessions.js";
import { isIpLiteral, own } from "./sip-parse.js";
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
  /** ipv4Number(from), ipv4Number(to.ip): NaN for any other address text. */
  fromNum: number;
  to: { ip: string; port: number };
  toNum: number;
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

/**
 * `media`: the UDP flows on the expected ports (SipBuilder.build named them, see wantMedia).
 *
 * The messages of all dialogs are read in capture order (packet, then position within it; ties in
 * dialog order, then message order: what a stable sort of the dialogs' messages gives), found by
 * a sort of their packet numbers (`captureOrder`); each message's SDP entries are the run
 * of its dialog's entries that names it (entries follow their dialog's message order).
 */
export function emulateLinux(dialogs: LinuxDialog[], media: () => MediaFlows, cutNs?: bigint): void {
  let total = 0;
  for (let di = 0; di < dialogs.length; di++) total += dialogs[di]!.messages.length;
  const packets = new Uint32Array(total);
  const within = new Uint32Array(total);
  // Message i: dialog dialogOf[i], message index messageOf[i], its entries entryStart[i] … entryEnd[i] - 1.
  const dialogOf = new Uint32Array(total);
  const messageOf = new Uint32Array(total);
  const entryStart = new Uint32Array(total);
  const entryEnd = new Uint32Array(total);
  let i = 0;
  for (let di = 0; di < dialogs.length; di++) {
    const d = dialogs[di]!;
    const { messages, entries } = d;
    let e = 0;
    for (let mi = 0; mi < messages.length; mi++, i++) {
      const msg = messages[mi]!.msg;
      packets[i] = msg.packet;
      within[i] = msg.indexInPacket;
      dialogOf[i] = di;
      messageOf[i] = mi;
      entryStart[i] = e;
      while (e < entries.length && entries[e]!.msg === msg) e++;
      entryEnd[i] = e;
    }
    const sip = d.session.sip!;
    if (sip.register) {
      const r = linuxRegister(d.messages.map((k) => k.msg), sip.transport);
      if (r) sip.register.linux = r;
    }
  }
  const order = captureOrder(packets, within);
  const masters = new Map<number, { live: Expect[]; inviteCseq?: number }>();
  const made: Expect[] = [];
  for (let oi = 0; oi < total; oi++) {
    const k = order[oi]!;
    const d = dialogs[dialogOf[k]!]!;
    const { msg, ts } = d.messages[messageOf[k]!]!;
    const entries = d.entries;
    const from = entryStart[k]!;
    const to = entryEnd[k]!;
    let st = masters.get(msg.flow);
    if (!st) masters.set(msg.flow, (st = { live: [] }));
    const skip = linuxSkips(msg, d.session.sip!.transport);
    if (skip) {
      for (let e = from; e < to; e++) setNone(entries[e]!.n, skip, "ignored");
      continue;
    }
    const method = (msg.request?.method ?? msg.cseq?.method ?? "").toUpperCase();
    if (msg.request) {
      if (method === "INVITE" || method === "BYE") flush(st.live, msg, ts, method);
      if (method === "INVITE" && msg.cseq) st.inviteCseq = msg.cseq.num;
      if (SDP_REQUESTS.has(method)) readSdp(msg, ts, entries, from, to, st.live, made);
      else for (let e = from; e < to; e++) setNone(entries[e]!.n, `the helper reads no SDP in a ${method} request`, "ignored");
      continue;
    }
    const code = msg.status?.code ?? 0;
    if (SDP_ANSWERS.has(method) && code >= 300 && msg.cseq?.num === st.inviteCseq) flush(st.live, msg, ts, `${code} ${method}`);
    if (SDP_ANSWERS.has(method) && code >= 100 && code < 300) readSdp(msg, ts, entries, from, to, st.live, made);
    else for (let e = from; e < to; e++) setNone(entries[e]!.n, `the helper reads no SDP in a ${code} answer to ${method || "?"}`, "ignored");
  }
  admit(made, media, cutNs);
  for (let x = 0; x < made.length; x++) summarise(made[x]!.n);
}

/** Where captureOrder's radix sort takes over from the native one (≤ 2^21: the doubles' index part). */
export const RADIX_FROM = 1 << 16;
const INDEX_SPAN = 2 ** 21;

/**
 * The indexes 0 … n - 1 ordered by `packets`, then `within`, ties kept in index order (a stable
 * sort by that pair). Below RADIX_FROM indexes (a capture's SIP messages, mostly) V8's native sort
 * of the exact doubles packet × 2^21 + index (< 2^53); from there a least-significant-digit radix
 * sort of the packet numbers (two 16-bit digits; one when all are below 2^16), whose two passes
 * over 65 537 counters cost ~10 ms while the code is cold (a process's first SIP: the bench
 * capture's 2 700 messages, bench/PERFORMANCE-LOG.md, session 25). Then a stable insertion sort
 * of each run of equal packets by `within` (a packet holds a few messages at most).
 */
export function captureOrder(packets: Uint32Array, within: Uint32Array): Uint32Array {
  const n = packets.length;
  const a = n < RADIX_FROM ? nativeOrder(packets) : radixOrder(packets);
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    const p = packets[v]!;
    let j = i - 1;
    while (j >= 0 && packets[a[j]!] === p && within[a[j]!]! > within[v]!) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  return a;
}

/** Indexes by packet, ties in index order: a native sort of packet × 2^21 + index (n < 2^21). */
function nativeOrder(packets: Uint32Array): Uint32Array {
  const n = packets.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = packets[i]! * INDEX_SPAN + i;
  keys.sort();
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = keys[i]! % INDEX_SPAN;
  return a;
}

/** Indexes by packet, ties in index order: an LSD radix sort on 16-bit digits. */
function radixOrder(packets: Uint32Array): Uint32Array {
  const n = packets.length;
  let a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let max = 0;
  for (let i = 0; i < n; i++) if (packets[i]! > max) max = packets[i]!;
  let b = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (let shift = 0; shift < 32 && (shift === 0 || max >>> shift !== 0); shift += 16) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((packets[a[i]!]! >>> shift) & 0xffff) + 1]++;
    for (let k = 0; k < 65536; k++) count[k + 1] += count[k]!;
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      b[count[(packets[v]! >>> shift) & 0xffff]!++] = v;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

function linuxOf(n: Negotiation): LinuxMedia {
  return (n.media!.linux ??= { expected: [] });
}

function setNone(n: Negotiation, why: string, outcome: Emulation["outcome"]): void {
  linuxOf(n).none = why;
  n.emulation = { profile: "linux", outcome, reason: why };
}

/** The message's SDP: an expectation pair per handled m= line, or why none (its entries: `entries[from … to - 1]`). */
function readSdp(msg: SipMessage, ts: bigint, entries: LinuxDialog["entries"], from: number, to: number, live: Expect[], made: Expect[]): void {
  const sdp = msg.sdp;
  if (!sdp) return;
  // Drop conditions of the whole message first (the helper stops at the first). lineNo[i]: the
  // handled line's rank (1 … MAX_MEDIA_LINES) of m= line i, 0 when the helper does not read it.
  let handled = 0;
  const lineNo: number[] = [];
  for (let i = 0; i < sdp.media.length; i++) {
    const md = sdp.media[i]!;
    lineNo.push(0);
    if (!CLASS_MAX[md.type]) continue;
    if (++handled > MAX_MEDIA_LINES) continue;
    lineNo[i] = handled;
    const dropped = md.port > 0 && (md.port < 1024 || md.port > 65535) ? `m=${md.type} ${md.port}: the helper drops the message ("wrong port")`
      : md.port > 0 && !usableIp(md.connection?.ip) && !usableIp(sdp.connection?.ip) ? `m=${md.type} ${md.port} has no c= the helper reads: it drops the message ("cannot parse SDP message")` : undefined;
    if (dropped) {
      for (let k = from; k < to; k++) setNone(entries[k]!.n, dropped, "dropped");
      return;
    }
  }
  for (let k = from; k < to; k++) {
    const e = entries[k]!;
    const md = sdp.media[e.index]!;
    if (!CLASS_MAX[md.type]) setNone(e.n, `m=${md.type}: the helper reads only audio, video and image lines`, "ignored");
    else if (!lineNo[e.index]) setNone(e.n, `the ${MAX_MEDIA_LINES + 1}th or later audio/video/image line: the helper reads ${MAX_MEDIA_LINES}`, "ignored");
    else if (md.port === 0) setNone(e.n, "port 0: the helper skips the stream", "parsed");
    else {
      const ip = usableIp(md.connection?.ip) ? md.connection!.ip : sdp.connection!.ip;
      if (ip !== msg.src.ip) {
        setNone(e.n, `c= ${ip} is not the sender ${msg.src.ip}: no expectation with sip_direct_media=1`, ip === "0.0.0.0" || ip === "::" ? "parsed" : "ignored");
        continue;
      }
      const rtp = md.port & ~1;
      const fromIp = msg.dst.ip;
      const fromNum = ipv4Number(fromIp);
      const toNum = ipv4Number(ip);
      for (let port = rtp; port <= rtp + 1; port++) {
        const x: Expect = { n: e.n, cls: md.type, from: fromIp, fromNum, to: { ip, port }, toNum, createdNs: ts };
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
  let same = 0;
  let first = -1;
  for (let i = 0; i < live.length; i++) {
    if (live[i]!.cls !== x.cls) continue;
    if (first < 0) first = i;
    same++;
  }
  if (same < CLASS_MAX[x.cls]!) return;
  const old = live[first]!;
  old.endNs = x.createdNs;
  linuxOf(old.n).flushedBy ??= { packet: msg.packet, command: `evicted: at most ${CLASS_MAX[x.cls]} ${x.cls} expectations per connection` };
  live.splice(first, 1);
}

function flush(live: Expect[], msg: SipMessage, ts: bigint, command: string): void {
  for (const x of live) {
    x.endNs = ts;
    linuxOf(x.n).flushedBy ??= { packet: msg.packet, command };
  }
  live.length = 0;
}

/** The list `map` keeps under `key`, made empty when it has none. */
function listIn<K>(map: Map<K, Expect[]>, key: K): Expect[] {
  let l = map.get(key);
  if (!l) map.set(key, (l = []));
  return l;
}

/** A flow the peer opened toward an expected endpoint: its candidate index and the expectations made for that endpoint. */
interface Opened {
  c: number;
  startNs: bigint;
  id: number;
  list: Expect[];
}

/**
 * Flows the peer opened (it is the flow's initiator) toward an expected endpoint, in order of
 * their start: the first live, unused expectation lets each in; otherwise it is refused and noted
 * on the last expectation made for that endpoint before it started.
 *
 * Endpoints are keyed by number where the address is an IPv4 dotted quad (ipv4Number · 2^16 +
 * port) and by "ip|port" text otherwise; MediaFlows.hasAddress compares a flow end with an
 * address as the text would (its invariant), so this finds what a Map of "ip|port" texts found.
 */
function admit(made: Expect[], media: () => MediaFlows, cutNs?: bigint): void {
  const byNumber = new Map<number, Expect[]>();
  const byText = new Map<string, Expect[]>();
  for (let i = 0; i < made.length; i++) {
    const x = made[i]!;
    if (x.toNum === x.toNum) listIn(byNumber, x.toNum * 65536 + x.to.port).push(x);
    else listIn(byText, `${x.to.ip}|${x.to.port}`).push(x);
  }
  if (!byNumber.size && !byText.size) return;
  const opened: Opened[] = [];
  // The UDP candidates by port (MediaFlows: one read of each record, shared with matchMedia):
  // flows whose responder end is an expected endpoint.
  const mf = media();
  const ports = new Set<number>();
  for (let i = 0; i < made.length; i++) ports.add(made[i]!.to.port);
  for (const port of ports) {
    for (let pos = mf.begin(port), last = mf.end(port); pos < last; pos++) {
      const c = mf.at(pos);
      if (mf.portB[c] !== port) continue;
      const a = mf.addrB[c]!;
      const list = a === a ? byNumber.get(a * 65536 + port) : byText.size ? byText.get(`${mf.address(c, 1)}|${port}`) : undefined;
      // Flows that start where SIP is no longer read (--max-sip-dialogs) are not judged: the
      // messages that would have flushed or used their expectations were not kept.
      if (list && (cutNs === undefined || mf.startNs[c]! < cutNs)) opened.push({ c, startNs: mf.startNs[c]!, id: mf.id[c]!, list });
    }
  }
  opened.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.id - b.id));
  const life = BigInt(LINUX_MEDIA_EXPECT_S) * 1_000_000_000n;
  for (let oi = 0; oi < opened.length; oi++) {
    const o = opened[oi]!;
    // Of the expectations from the flow's initiator made before it started: the first live,
    // unused one lets it in; else the last one notes the refusal.
    let ok: Expect | undefined;
    let last: Expect | undefined;
    for (let i = 0; i < o.list.length; i++) {
      const x = o.list[i]!;
      if (x.createdNs > o.startNs || !mf.hasAddress(o.c, 0, x.from, x.fromNum)) continue;
      last = x;
      if (x.usedBy === undefined && (x.endNs === undefined || o.startNs < x.endNs) && o.startNs - x.createdNs <= life) {
        ok = x;
        break;
      }
    }
    if (!last) continue;
    if (ok) {
      ok.usedBy = o.id;
      const l = linuxOf(ok.n);
      l.admitted = appended(l.admitted, o.id);
      continue;
    }
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
  // Flat (`own`): the rope of the template and its additions was ~10 string objects kept per negotiation.
  n.emulation.reason = own(r);
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
