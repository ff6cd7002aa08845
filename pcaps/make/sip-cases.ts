/**
 * Generator for pcaps/alg/sip-<case>.pcap + .expected.json — SIP/SDP edge cases (issue 14) that
 * the public captures lack, each with what `analyze --json` must find, computed from THIS FILE'S
 * SPEC (the structured messages below: their headers, SDP media, the frames they go out in),
 * never from a decoder.
 *
 * Conventions: Ethernet, classic pcap µs; one timeline from 2024-01-02T03:04:05Z, 1 ms between
 * packets. Caller 192.0.2.10:5060 (2001:db8:1::10), callee 198.51.100.20:5060 (2001:db8:2::20);
 * SIP on 5060 (UDP unless the case says TCP: caller 192.0.2.10:51000 → callee :5060). RTP is a few
 * UDP packets from the SDP port of one side to the announced endpoint of the other.
 *
 * Expected-file format (`sip-<case>.expected.json`):
 *   { "case", "description", "capture", "packets", "sessions": [ {
 *       "alg": "sip", "callId", "method", "transport", "client": {ip, port}, "server": {ip, port},
 *       "messages": [ { "packet", "first": start line, "indexInPacket", "segments", "bodyLength",
 *                       "contentLength"?, "contentLengthMalformed"?, "truncated"?, "compact"?, "folded"?,
 *                       "via": [{ transport, host, port?, received?, rport?, branch? }],
 *                       "contact": [{ uri, host, port? }] } ],
 *       "register"?: { "contact": [uri], "expires"?, "status"? },
 *       "negotiations": [ { "kind": "SDP", "packet", "command", "line", "offer", "type", "hold",
 *                           "rejected", "rtcpMux"?, "reason"?, "announced": { ip, port, rtcpPort? },
 *                           "expected": [ { proto, from: { ip, port: null }, to: { ip, port } } ],
 *                           "dataSeen" } ] } ] }
 *   - A message's `packet` is the frame that completed it (the last segment over TCP);
 *     `segments` the TCP segments it was spread over (1 over UDP).
 *   - `announced.ip` = the media-level c= (else the session c=), `rtcpPort` = a=rtcp (else port + 1,
 *     none with rtcp-mux or for port 65535). Hold (c=0.0.0.0, a=sendonly/inactive) and port 0 expect
 *     nothing; nor does an invalid negotiation (`reason`: the m= port above 65535, the a=rtcp port
 *     0 or above 65535).
 *   - `expected[].from.ip` = the other party's SDP address for that m= line when it sent one, else
 *     its signalling address. `dataSeen` = this file put RTP toward the announced RTP port.
 *
 * Run: `node dist/pcaps/make/sip-cases.js` (after `tsc -p tsconfig.build.json`) rewrites them.
 */
import {
  DEFAULT_EPOCH_NS, ascii, ethernetFor, ipPacket, isIpv6, IpProto, rtpPacket, tcpSession, udp, writePcap,
  type PcapRecord,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, writeOut } from "./util.js";

type Dir = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface MediaSpec { type: string; port: number; proto?: string; c?: string; rtcp?: number; mux?: boolean; direction?: Dir }
export interface SdpSpec { o: string; c?: string; direction?: Dir; media: MediaSpec[] }
/** A header: name, value, and how it is written. */
type Header = [string, string, { compact?: string; fold?: boolean }?];

export interface MsgSpec {
  start: string;
  headers: Header[];
  sdp?: SdpSpec;
  /** Wrap the SDP in multipart/mixed with a second (text) part. */
  multipart?: boolean;
  /** Content-Length header text instead of the real length ("" = no header). */
  clen?: string;
}

const MS = 1_000_000n;
const CALLER = "192.0.2.10";
const CALLEE = "198.51.100.20";
const CALLER6 = "2001:db8:1::10";
const CALLEE6 = "2001:db8:2::20";

function addrType(ip: string): string {
  return isIpv6(ip) ? "IP6" : "IP4";
}

export function sdpText(s: SdpSpec): string {
  const l: string[] = ["v=0", `o=- 1 1 IN ${addrType(s.o)} ${s.o}`, "s=-"];
  if (s.c) l.push(`c=IN ${addrType(s.c)} ${s.c}`);
  l.push("t=0 0");
  if (s.direction) l.push(`a=${s.direction}`);
  for (const m of s.media) {
    l.push(mLine(m));
    if (m.c) l.push(`c=IN ${addrType(m.c)} ${m.c}`);
    l.push("a=rtpmap:0 PCMU/8000");
    if (m.rtcp !== undefined) l.push(`a=rtcp:${m.rtcp}`);
    if (m.mux) l.push("a=rtcp-mux");
    if (m.direction) l.push(`a=${m.direction}`);
  }
  return l.map((x) => x + "\r\n").join("");
}

function mLine(m: MediaSpec): string {
  return `m=${m.type} ${m.port} ${m.proto ?? "RTP/AVP"} 0`;
}

const BOUNDARY = "boundary42";

export interface Rendered { text: string; bodyLength: number; contentLength?: number; malformed?: boolean; compact: string[]; folded: string[] }

export function render(m: MsgSpec): Rendered {
  let body = m.sdp ? sdpText(m.sdp) : "";
  let type = m.sdp ? "application/sdp" : undefined;
  if (m.sdp && m.multipart) {
    body = `--${BOUNDARY}\r\nContent-Type: application/sdp\r\n\r\n${body}\r\n--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nc=not sdp\r\n--${BOUNDARY}--\r\n`;
    type = `multipart/mixed;boundary=${BOUNDARY}`;
  }
  const headers: Header[] = [...m.headers];
  if (type) headers.push(["Content-Type", type]);
  const clen = m.clen ?? String(body.length);
  if (clen !== "") headers.push(["Content-Length", clen]);
  const compact: string[] = [];
  const folded: string[] = [];
  let text = m.start + "\r\n";
  for (const [name, value, o] of headers) {
    if (o?.compact) compact.push(o.compact);
    const n = o?.compact ?? name;
    if (o?.fold) {
      folded.push(n.toLowerCase());
      const cut = value.indexOf(";") > 0 ? value.indexOf(";") : value.indexOf(" ");
      text += cut > 0 ? `${n}: ${value.slice(0, cut)}\r\n\t${value.slice(cut)}\r\n` : `${n}:\r\n\t${value}\r\n`;
    } else text += `${n}: ${value}\r\n`;
  }
  text += "\r\n" + body;
  const r: Rendered = { text, bodyLength: body.length, compact, folded };
  if (/^\d+$/.test(clen)) r.contentLength = Number(clen);
  else if (clen !== "") r.malformed = true;
  return r;
}

// ---------------------------------------------------------------------------------------------

interface Party { ip: string; port: number; tag: string; user: string }

/** Standard headers of a message from `from` to `to` in dialog `callId`. */
function dialogHeaders(from: Party, to: Party, callId: string, cseq: string, opts: { toTag?: boolean; request: boolean; viaFrom?: Party; fold?: string[]; compact?: string[] } ): Header[] {
  const host = (p: Party) => (isIpv6(p.ip) ? `[${p.ip}]` : p.ip);
  const via = opts.viaFrom ?? from;
  const fromH = opts.request ? from : to;
  const toH = opts.request ? to : from;
  const w = (name: string, compact: string): Header[2] => ({ compact: opts.compact?.includes(name) ? compact : undefined, fold: opts.fold?.includes(name) });
  return [
    ["Via", `SIP/2.0/UDP ${host(via)}:${via.port};branch=z9hG4bK-${callId}-${cseq.split(" ")[0]};rport`, w("Via", "v")],
    ["From", `<sip:${fromH.user}@${host(fromH)}>;tag=${fromH.tag}`, w("From", "f")],
    ["To", `<sip:${toH.user}@${host(toH)}>` + (opts.toTag || !opts.request ? `;tag=${toH.tag}` : ""), w("To", "t")],
    ["Call-ID", callId, w("Call-ID", "i")],
    ["CSeq", cseq],
    ["Contact", `<sip:${from.user}@${host(from)}:${from.port}>`, w("Contact", "m")],
    ["Max-Forwards", "70"],
  ];
}

/** What the generator put in the capture for one message. */
interface SentMessage { packet: number; spec: MsgSpec; r: Rendered; from: Party; to: Party; indexInPacket: number; segments: number; truncated?: boolean }

interface RtpSent { from: { ip: string; port: number }; to: { ip: string; port: number }; lastPacket: number }

class Builder {
  readonly records: PcapRecord[] = [];
  readonly sent: SentMessage[] = [];
  readonly rtp: RtpSent[] = [];
  t = DEFAULT_EPOCH_NS;
  private ipId = 1;

  frame(l3: Uint8Array, origLen?: number): number {
    this.t += MS;
    const data = ethernetFor(l3);
    this.records.push(origLen === undefined ? { ts: this.t, data } : { ts: this.t, data: data.subarray(0, data.length - (origLen)), origLen: data.length });
    return this.records.length;
  }

  udpPacket(src: { ip: string; port: number }, dst: { ip: string; port: number }, payload: Uint8Array, cutBytes?: number): number {
    const l4 = udp({ src: src.ip, dst: dst.ip, srcPort: src.port, dstPort: dst.port, payload });
    return this.frame(ipPacket({ src: src.ip, dst: dst.ip, proto: IpProto.UDP, payload: l4, id: this.ipId++ }), cutBytes);
  }

  /** One SIP message (or several in one datagram) over UDP. */
  sip(from: Party, to: Party, ...specs: MsgSpec[]): number {
    const rs = specs.map(render);
    const packet = this.udpPacket(from, to, ascii(rs.map((r) => r.text).join("")));
    specs.forEach((spec, i) => this.sent.push({ packet, spec, r: rs[i], from, to, indexInPacket: i, segments: 1 }));
    return packet;
  }

  /** A SIP message whose datagram the capture cut after `keep` bytes of SIP text. */
  sipCut(from: Party, to: Party, spec: MsgSpec, keep: number): number {
    const r = render(spec);
    const packet = this.udpPacket(from, to, ascii(r.text), r.text.length - keep);
    this.sent.push({ packet, spec, r, from, to, indexInPacket: 0, segments: 1, truncated: true });
    return packet;
  }

  rtpFlow(from: { ip: string; port: number }, to: { ip: string; port: number }, n = 3): void {
    let lastPacket = 0;
    for (let k = 0; k < n; k++) lastPacket = this.udpPacket(from, to, rtpPacket(k + 1, 160 * k, 0x1234, 32, () => 0xff));
    this.rtp.push({ from, to, lastPacket });
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations, from the spec
// ---------------------------------------------------------------------------------------------

function hostOf(p: Party): string {
  return p.ip;
}

function expectedSessions(b: Builder, callers: Map<string, Party>, transport: "udp" | "tcp", tcpPorts?: { client: number }): unknown[] {
  const byCall = new Map<string, SentMessage[]>();
  for (const s of b.sent) {
    const id = s.spec.headers.find((h) => h[0] === "Call-ID")![1];
    (byCall.get(id) ?? byCall.set(id, []).get(id)!).push(s);
  }
  const out: unknown[] = [];
  for (const [callId, msgs] of byCall) {
    const caller = callers.get(callId)!;
    const first = msgs[0];
    const method = first.spec.start.split(" ")[0];
    const negotiations: unknown[] = [];
    const offered = new Set<string>();
    let late = false;
    const sdps = msgs.filter((m) => m.spec.sdp && !m.truncated);
    for (const m of sdps) {
      const isReq = !m.spec.start.startsWith("SIP/2.0");
      const cseq = m.spec.headers.find((h) => h[0] === "CSeq")![1];
      let offer: boolean;
      if (isReq) {
        offer = !late;
        late = false;
        offered.add(cseq);
      } else {
        offer = !offered.has(cseq);
        if (offer) late = true;
      }
      const mine = m.from.ip === caller.ip;
      // The other party's SDP nearest before (else first after).
      let peer: SdpSpec | undefined;
      for (const o of sdps) {
        if ((o.from.ip === caller.ip) === mine) continue;
        if (o.packet <= m.packet) peer = o.spec.sdp;
        else {
          peer ??= o.spec.sdp;
          break;
        }
      }
      const command = isReq ? m.spec.start.split(" ")[0] : `${m.spec.start.split(" ")[1]} ${cseq.split(" ")[1]}`;
      m.spec.sdp!.media.forEach((media, i) => {
        const ip = media.c ?? m.spec.sdp!.c!;
        const direction = media.direction ?? m.spec.sdp!.direction ?? "sendrecv";
        const hold = ip === "0.0.0.0" || ip === "::" || direction === "sendonly" || direction === "inactive";
        const rejected = media.port === 0;
        const rtcpPort = media.mux ? undefined : media.rtcp ?? (media.port > 0 && media.port < 65535 ? media.port + 1 : undefined);
        // A port no flow can have makes the negotiation invalid: it expects nothing.
        const reason = media.port > 65535 ? "port_out_of_range" : rtcpPort !== undefined && (rtcpPort < 1 || rtcpPort > 65535) ? "rtcp_port_out_of_range" : undefined;
        const peerIp = peer ? peer.media[i]?.c ?? peer.c : undefined;
        const fromIp = peerIp && peerIp !== "0.0.0.0" && peerIp !== "::" ? peerIp : hostOf(m.to);
        const expected = hold || rejected || reason ? [] : [
          { proto: "udp", from: { ip: fromIp, port: null }, to: { ip, port: media.port } },
          ...(rtcpPort !== undefined ? [{ proto: "udp", from: { ip: fromIp, port: null }, to: { ip, port: rtcpPort } }] : []),
        ];
        const dataSeen = expected.length > 0 && b.rtp.some((r) => r.to.ip === ip && r.to.port === media.port && r.from.ip === fromIp && r.lastPacket > m.packet);
        negotiations.push({
          kind: "SDP", packet: m.packet, command, line: mLine(media), offer, type: media.type, hold, rejected,
          ...(media.mux ? { rtcpMux: true } : {}), ...(reason ? { reason } : {}),
          announced: { ip, port: media.port, ...(rtcpPort !== undefined ? { rtcpPort } : {}) }, expected, dataSeen,
        });
      });
    }
    const callee = msgs.find((m) => m.from.ip !== caller.ip)?.from ?? first.to;
    const session: Record<string, unknown> = {
      alg: "sip", callId, method, transport,
      client: { ip: caller.ip, port: tcpPorts ? tcpPorts.client : caller.port }, server: { ip: callee.ip, port: callee.port },
      messages: msgs.map((m) => messageFacts(m)),
      negotiations,
    };
    const reg = msgs.find((m) => m.spec.start.startsWith("REGISTER"));
    if (reg) {
      const ok = msgs.find((m) => m.spec.start.startsWith("SIP/2.0 200") && m.spec.headers.some((h) => h[0] === "CSeq" && h[1].endsWith("REGISTER")));
      const expires = (m: SentMessage) => m.spec.headers.find((h) => h[0] === "Expires")?.[1];
      const e = (ok && expires(ok)) ?? expires(reg);
      session.register = { contact: [contactUri(reg)], ...(e ? { expires: Number(e) } : {}), ...(ok ? { status: 200 } : {}) };
    }
    out.push(session);
  }
  return out;
}

function contactUri(m: SentMessage): string {
  return m.spec.headers.find((h) => h[0] === "Contact")![1].replace(/^<(.*)>.*$/, "$1");
}

function messageFacts(m: SentMessage): Record<string, unknown> {
  const f: Record<string, unknown> = { packet: m.packet, first: m.spec.start, indexInPacket: m.indexInPacket, segments: m.segments };
  if (!m.truncated) f.bodyLength = m.r.bodyLength;
  if (m.r.contentLength !== undefined && !m.truncated) f.contentLength = m.r.contentLength;
  if (m.r.malformed) f.contentLengthMalformed = true;
  if (m.truncated) f.truncated = true;
  if (m.r.compact.length) f.compact = m.r.compact;
  if (m.r.folded.length) f.folded = m.r.folded;
  const via = m.spec.headers.find((h) => h[0] === "Via")?.[1];
  if (via && !m.truncated) {
    const v = /^SIP\/2\.0\/(\w+) (\[[^\]]+\]|[^:;]+):(\d+);branch=([^;]+)/.exec(via)!;
    f.via = [{ transport: v[1], host: v[2].replace(/^\[(.*)\]$/, "$1"), port: Number(v[3]), rport: true, branch: v[4] }];
  }
  const contact = m.spec.headers.find((h) => h[0] === "Contact")?.[1];
  if (contact && !m.truncated) {
    const c = /<sip:[^@]+@(\[[^\]]+\]|[^:>]+):(\d+)/.exec(contact)!;
    f.contact = [{ uri: contact.slice(1, contact.indexOf(">")), host: c[1].replace(/^\[(.*)\]$/, "$1"), port: Number(c[2]) }];
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

export interface SipCase { name: string; description: string; pcap: Uint8Array; expected: Record<string, unknown> }

function parties(v6 = false): [Party, Party] {
  return [
    { ip: v6 ? CALLER6 : CALLER, port: 5060, tag: "a1", user: "alice" },
    { ip: v6 ? CALLEE6 : CALLEE, port: 5060, tag: "b2", user: "bob" },
  ];
}

function sdp(ip: string, media: MediaSpec[], extra: Partial<SdpSpec> = {}): SdpSpec {
  return { o: ip, c: ip, media, ...extra };
}

/** A basic call: INVITE (offer) / 180 / 200 (answer) / ACK, RTP both ways; options per case. */
function call(b: Builder, a: Party, z: Party, callId: string, offer: SdpSpec, answer: SdpSpec, opts: { fold?: string[]; compact?: string[]; multipart?: boolean; rtp?: boolean } = {}): void {
  const h = (from: Party, to: Party, cseq: string, request: boolean, toTag = false) => dialogHeaders(from, to, callId, cseq, { request, toTag, fold: opts.fold, compact: opts.compact });
  b.sip(a, z, { start: `INVITE sip:${z.user}@${isIpv6(z.ip) ? `[${z.ip}]` : z.ip} SIP/2.0`, headers: h(a, z, "1 INVITE", true), sdp: offer, multipart: opts.multipart });
  b.sip(z, a, { start: "SIP/2.0 180 Ringing", headers: h(z, a, "1 INVITE", false) });
  b.sip(z, a, { start: "SIP/2.0 200 OK", headers: h(z, a, "1 INVITE", false), sdp: answer, multipart: opts.multipart });
  b.sip(a, z, { start: `ACK sip:${z.user}@${isIpv6(z.ip) ? `[${z.ip}]` : z.ip} SIP/2.0`, headers: h(a, z, "1 ACK", true, true) });
  if (opts.rtp === false) return;
  const am = offer.media[0];
  const zm = answer.media[0];
  b.rtpFlow({ ip: answer.c ?? zm.c!, port: zm.port }, { ip: am.c ?? offer.c!, port: am.port });
  b.rtpFlow({ ip: offer.c ?? am.c!, port: am.port }, { ip: zm.c ?? answer.c!, port: zm.port });
}

function finish(name: string, description: string, b: Builder, callers: Map<string, Party>, transport: "udp" | "tcp" = "udp", tcpClient?: number): SipCase {
  const pcap = writePcap(b.records, { linkType: 1, snaplen: 65535 });
  return {
    name, description, pcap,
    expected: { case: name, description, capture: `${name}.pcap`, packets: b.records.length, sessions: expectedSessions(b, callers, transport, tcpClient ? { client: tcpClient } : undefined) },
  };
}

function basic(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-basic", sdp(CALLER, [{ type: "audio", port: 40000 }]), sdp(CALLEE, [{ type: "audio", port: 50000 }]));
  return finish("sip-udp-basic", "INVITE offer / 180 / 200 answer / ACK over UDP, RTP both ways (RTCP absent)", b, new Map([["call-basic", a]]));
}

function compact(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-compact", sdp(CALLER, [{ type: "audio", port: 40002 }]), sdp(CALLEE, [{ type: "audio", port: 50002 }]), { compact: ["Via", "From", "To", "Call-ID", "Contact"] });
  return finish("sip-compact-headers", "compact header forms v: f: t: i: m: (l: and c: are written long by render; see sip-folded for others)", b, new Map([["call-compact", a]]));
}

function folded(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-folded", sdp(CALLER, [{ type: "audio", port: 40004 }]), sdp(CALLEE, [{ type: "audio", port: 50004 }]), { fold: ["Via", "Contact", "From"] });
  return finish("sip-folded-headers", "Via, Contact and From folded onto a continuation line (tab)", b, new Map([["call-folded", a]]));
}

function twoPerDatagram(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  const id = "call-two";
  const h = (from: Party, to: Party, cseq: string, request: boolean) => dialogHeaders(from, to, id, cseq, { request });
  b.sip(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "1 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 40006 }]) });
  b.sip(z, a, { start: "SIP/2.0 100 Trying", headers: h(z, a, "1 INVITE", false) }, { start: "SIP/2.0 200 OK", headers: h(z, a, "1 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50006 }]) });
  b.rtpFlow({ ip: CALLER, port: 40006 }, { ip: CALLEE, port: 50006 });
  return finish("sip-two-in-datagram", "100 Trying and 200 OK (with SDP) in one UDP datagram, framed by Content-Length", b, new Map([[id, a]]));
}

function multipart(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-multipart", sdp(CALLER, [{ type: "audio", port: 40008 }]), sdp(CALLEE, [{ type: "audio", port: 50008 }]), { multipart: true });
  return finish("sip-multipart-body", "SDP inside multipart/mixed bodies, beside a text part holding an SDP-looking line", b, new Map([["call-multipart", a]]));
}

function ipv6(): SipCase {
  const b = new Builder();
  const [a, z] = parties(true);
  call(b, a, z, "call-v6", sdp(CALLER6, [{ type: "audio", port: 40010 }]), sdp(CALLEE6, [{ type: "audio", port: 50010 }]));
  return finish("sip-ipv6", "SIP over IPv6: Via/Contact with [bracketed] literals, c=IN IP6", b, new Map([["call-v6", a]]));
}

function hold(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  const id = "call-hold";
  call(b, a, z, id, sdp(CALLER, [{ type: "audio", port: 40012 }]), sdp(CALLEE, [{ type: "audio", port: 50012 }]));
  const h = (from: Party, to: Party, cseq: string, request: boolean) => dialogHeaders(from, to, id, cseq, { request, toTag: true });
  // re-INVITE putting the call on hold (sendonly), answered recvonly; then a c=0.0.0.0 hold.
  b.sip(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "2 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 40012, direction: "sendonly" }]) });
  b.sip(z, a, { start: "SIP/2.0 200 OK", headers: h(z, a, "2 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50012, direction: "recvonly" }]) });
  b.sip(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "3 INVITE", true), sdp: sdp("0.0.0.0", [{ type: "audio", port: 40012 }], { o: CALLER }) });
  b.sip(z, a, { start: "SIP/2.0 200 OK", headers: h(z, a, "3 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50012, direction: "inactive" }]) });
  return finish("sip-hold", "re-INVITEs on hold: a=sendonly answered a=recvonly, then c=0.0.0.0 answered a=inactive", b, new Map([[id, a]]));
}

function rtcp(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-rtcp", sdp(CALLER, [{ type: "audio", port: 40014, rtcp: 40111 }, { type: "video", port: 40016, mux: true }]),
    sdp(CALLEE, [{ type: "audio", port: 50014, rtcp: 50111 }, { type: "video", port: 50016, mux: true }]));
  return finish("sip-rtcp-attr", "a=rtcp: on audio (RTCP not on port+1) and a=rtcp-mux on video (no RTCP port)", b, new Map([["call-rtcp", a]]));
}

function portEdges(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  const id = "call-port-edges";
  // m= 65535: RTP only (RTCP's port + 1 would be 65536); a=rtcp:70000 on video: invalid.
  call(b, a, z, id, sdp(CALLER, [{ type: "audio", port: 65535 }, { type: "video", port: 40030, rtcp: 70000 }]),
    sdp(CALLEE, [{ type: "audio", port: 50030 }, { type: "video", port: 50032 }]));
  // A re-INVITE whose m= port is above 65535 (invalid; Linux's helper drops the message, "wrong port").
  const h = (from: Party, to: Party, cseq: string, request: boolean) => dialogHeaders(from, to, id, cseq, { request, toTag: true });
  b.sip(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "2 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 70000 }]) });
  b.sip(z, a, { start: "SIP/2.0 200 OK", headers: h(z, a, "2 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50030 }]) });
  return finish("sip-port-edges", "m= port 65535 (no RTCP port), a=rtcp:70000 (invalid), and a re-INVITE with m= port 70000 (invalid; Linux drops it)", b, new Map([[id, a]]));
}

function portZero(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  call(b, a, z, "call-port0", sdp(CALLER, [{ type: "audio", port: 40018 }, { type: "video", port: 40020 }]),
    sdp(CALLEE, [{ type: "audio", port: 50018 }, { type: "video", port: 0 }]));
  return finish("sip-port-zero", "the answer rejects the video stream with port 0", b, new Map([["call-port0", a]]));
}

function badClen(): SipCase {
  const b = new Builder();
  const [a, z] = parties();
  const id = "call-clen";
  const h = (from: Party, to: Party, cseq: string, request: boolean) => dialogHeaders(from, to, id, cseq, { request });
  b.sip(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "1 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 40022 }]), clen: "12x" });
  b.sip(z, a, { start: "SIP/2.0 200 OK", headers: h(z, a, "1 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50022 }]) });
  b.sipCut(a, z, { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "2 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 40024 }]) }, 230);
  return finish("sip-bad-content-length", "Content-Length \"12x\" (malformed: the body is the rest of the datagram), and an INVITE cut by the snaplen inside its headers (truncated, no SDP)", b, new Map([[id, a]]));
}

function registerCase(): SipCase {
  const b = new Builder();
  const a: Party = { ip: CALLER, port: 5060, tag: "r1", user: "alice" };
  const reg: Party = { ip: CALLEE, port: 5060, tag: "r2", user: "alice" };
  const id = "reg-1";
  const h = (from: Party, to: Party, request: boolean) => [...dialogHeaders(from, to, id, "1 REGISTER", { request }), ["Expires", request ? "3600" : "1800"] as Header];
  b.sip(a, reg, { start: "REGISTER sip:198.51.100.20 SIP/2.0", headers: h(a, reg, true) });
  // The registrar's 200 carries the binding it keeps: its Contact is the client's.
  const ok = h(reg, a, false).map((x): Header => (x[0] === "Contact" ? ["Contact", `<sip:alice@${CALLER}:5060>`] : x));
  b.sip(reg, a, { start: "SIP/2.0 200 OK", headers: ok });
  const c = finish("sip-register", "REGISTER with Expires 3600 answered 200 with Expires 1800", b, new Map([[id, a]]));
  return c;
}

/** SIP over TCP: a message split over segments, two messages in one segment. */
function tcpCase(): SipCase {
  const [a, z] = parties();
  const id = "call-tcp";
  const s = tcpSession({ client: { ip: CALLER, port: 51000 }, server: { ip: CALLEE, port: 5060 }, start: DEFAULT_EPOCH_NS + MS });
  s.handshake();
  const h = (from: Party, to: Party, cseq: string, request: boolean, toTag = false) =>
    dialogHeaders(from, to, id, cseq, { request, toTag }).map((x): Header => (x[0] === "Via" ? ["Via", x[1].replace("/UDP", "/TCP"), x[2]] : x));
  const inviteSpec: MsgSpec = { start: "INVITE sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "1 INVITE", true), sdp: sdp(CALLER, [{ type: "audio", port: 40026 }]) };
  const invite = render(inviteSpec);
  // Split: inside the headers and inside the SDP body.
  const cut1 = invite.text.indexOf("Call-ID") + 3;
  const cut2 = invite.text.indexOf("m=audio") + 4;
  s.send(true, invite.text.slice(0, cut1), { ackFromPeer: false });
  s.send(true, invite.text.slice(cut1, cut2), { ackFromPeer: false });
  s.send(true, invite.text.slice(cut2));
  const inviteFrame = s.frames.length - 1; // index of the last data segment (an ACK follows)
  const tryingSpec: MsgSpec = { start: "SIP/2.0 100 Trying", headers: h(z, a, "1 INVITE", false) };
  const okSpec: MsgSpec = { start: "SIP/2.0 200 OK", headers: h(z, a, "1 INVITE", false), sdp: sdp(CALLEE, [{ type: "audio", port: 50026 }]) };
  const trying = render(tryingSpec);
  const ok = render(okSpec);
  s.send(false, trying.text + ok.text);
  const okFrame = s.frames.length - 1;
  const ackSpec: MsgSpec = { start: "ACK sip:bob@198.51.100.20 SIP/2.0", headers: h(a, z, "1 ACK", true, true) };
  const ack = render(ackSpec);
  s.send(true, ack.text);
  const ackFrame = s.frames.length - 1;
  const b = new Builder();
  for (const f of s.frames) b.records.push({ ts: f.ts, data: ethernetFor(f.data) });
  b.t = s.now;
  // Frame numbers are 1-based; the data segment is the one before its ACK.
  const tcpFrom = { ...a, port: 51000 };
  b.sent.push({ packet: inviteFrame, spec: inviteSpec, r: invite, from: tcpFrom, to: z, indexInPacket: 0, segments: 3 });
  b.sent.push({ packet: okFrame, spec: tryingSpec, r: trying, from: z, to: tcpFrom, indexInPacket: 0, segments: 1 });
  b.sent.push({ packet: okFrame, spec: okSpec, r: ok, from: z, to: tcpFrom, indexInPacket: 1, segments: 1 });
  b.sent.push({ packet: ackFrame, spec: ackSpec, r: ack, from: tcpFrom, to: z, indexInPacket: 0, segments: 1 });
  b.rtpFlow({ ip: CALLEE, port: 50026 }, { ip: CALLER, port: 40026 });
  b.rtpFlow({ ip: CALLER, port: 40026 }, { ip: CALLEE, port: 50026 });
  return finish("sip-tcp-split", "SIP over TCP: an INVITE split over 3 segments (inside a header and inside the SDP), 100 and 200 in one segment", b, new Map([[id, tcpFrom]]), "tcp", 51000);
}

export function buildSipCases(): SipCase[] {
  return [basic(), compact(), folded(), twoPerDatagram(), multipart(), ipv6(), hold(), rtcp(), portEdges(), portZero(), badClen(), registerCase(), tcpCase()];
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  for (const c of buildSipCases()) {
    writeOut(root, `pcaps/alg/${c.name}.pcap`, c.pcap);
    writeOut(root, `pcaps/alg/${c.name}.expected.json`, JSON.stringify(c.expected, null, 2) + "\n");
    console.log(`pcaps/alg/${c.name}.pcap`);
  }
}
