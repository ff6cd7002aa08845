/**
 * pcap-writer — the "emit" half we do not ship: build packet and capture bytes from specs.
 *
 * Used by the capture generators in `pcaps/make/` and `bench/`, and by tests that need a
 * hand-made capture (Zeek keeps `Traces/…pcap.py` beside each trace; we keep a generator).
 *
 * Layers (each returns a fresh `Uint8Array`, network byte order):
 *   ethernet()  Ethernet II + stacked 802.1Q / 802.1ad tags (IEEE 802.1Q §9.6)
 *   ipv4()      RFC 791 §3.1 header, options padded to 32 bits, header checksum (RFC 1071)
 *   ipv6()      RFC 8200 §3 header + extension headers (§4.3 hop-by-hop, §4.4 routing,
 *               §4.5 fragment, §4.6 destination options)
 *   tcp()       RFC 9293 §3.1 header, options padded, checksum over the pseudo-header
 *   udp()       RFC 768 (IPv6: RFC 8200 §8.1 pseudo-header), checksum
 *   icmpv4()    RFC 792 echo; icmpv6() RFC 4443 §4 echo (checksum includes pseudo-header)
 *   gre()       RFC 2784 base header (no optional fields)
 *
 * Sessions: tcpSession() tracks seq/ack for one TCP connection and returns timestamped L3 frames.
 *
 * Capture files: writePcap() (classic libpcap, both byte orders, µs/ns), writePcapng()
 * (sections with their own byte order, IDB options if_tsresol/if_tsoffset, EPB, SPB, obsolete PB,
 * NRB, ISB, custom and unknown blocks), and PcapStreamWriter for multi-GB outputs
 * (one reusable buffer, flushed with fs.writeSync; pcap or pcapng).
 *
 * Invariants: nothing here validates "sensible" input — a spec may ask for bad lengths on purpose
 * (the `totalLength`/`checksum`/`dataOffset` overrides exist for malformed-packet tests).
 */

import * as fs from "node:fs";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** EtherType values used by the builders. */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPv6: 0x86dd,
  QinQ: 0x88a8,
} as const;

/** IP protocol / IPv6 next-header numbers (IANA). */
export const IpProto = {
  HOPOPT: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
} as const;

/** pcap / pcapng LINKTYPE_* values used here. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

// ---------------------------------------------------------------------------------------------
// Byte helpers
// ---------------------------------------------------------------------------------------------

/** Concatenate byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** ASCII/UTF-8 bytes of a string (FTP/RTSP lines). */
export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Parse dotted-quad IPv4 into 4 bytes. Throws on malformed text (a bug in the caller's spec). */
export function ipv4Addr(s: string): Uint8Array {
  const parts = s.split(".");
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${s}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(parts[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`bad IPv4 address: ${s}`);
    out[i] = v;
  }
  return out;
}

/** Parse RFC 4291 §2.2 IPv6 text (with `::` and an optional trailing dotted quad) into 16 bytes. */
export function ipv6Addr(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = s;
  let tail: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail = ipv4Addr(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) throw new Error(`bad IPv6 address: ${s}`);
  const parse = (h: string) => (h === "" ? [] : h.split(":").map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`bad IPv6 address: ${s}`);
    return parseInt(g, 16);
  }));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2
    ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest]
    : head;
  if (groups.length !== 8) throw new Error(`bad IPv6 address: ${s}`);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** 4 or 16 address bytes; IPv6 when the text contains ':'. */
export function ipAddr(s: string): Uint8Array {
  return s.includes(":") ? ipv6Addr(s) : ipv4Addr(s);
}

/** True when the address text is IPv6. */
export function isIpv6(s: string): boolean {
  return s.includes(":");
}

/** Parse "02:00:00:00:00:01" (or "-" separators) into 6 bytes. */
export function macAddr(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address: ${s}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** RFC 1071 one's-complement sum over the given parts (each treated as continuing the stream). */
export function onesSum(parts: Uint8Array[], initial = 0): number {
  let sum = initial;
  let odd = false;
  let pending = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (!odd) pending = p[i]! << 8;
      else sum += pending | p[i]!;
      odd = !odd;
    }
  }
  if (odd) sum += pending;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Internet checksum (complemented one's-complement sum) of the concatenation of `parts`. */
export function inetChecksum(...parts: Uint8Array[]): number {
  return ~onesSum(parts) & 0xffff;
}

function pseudoHeader(src: string, dst: string, proto: number, upperLen: number): Uint8Array {
  const s = ipAddr(src);
  const d = ipAddr(dst);
  if (s.length === 4) {
    const ph = new Uint8Array(12);
    ph.set(s, 0);
    ph.set(d, 4);
    ph[9] = proto;
    ph[10] = upperLen >> 8;
    ph[11] = upperLen & 0xff;
    return ph;
  }
  // RFC 8200 §8.1: src, dst (final destination), 32-bit upper-layer length, 3 zero, next header.
  const ph = new Uint8Array(40);
  ph.set(s, 0);
  ph.set(d, 16);
  new DataView(ph.buffer).setUint32(32, upperLen);
  ph[39] = proto;
  return ph;
}

// ---------------------------------------------------------------------------------------------
// Layer 2
// ---------------------------------------------------------------------------------------------

/** One VLAN tag; `tpid` defaults to 0x8100 (802.1Q C-tag), 0x88a8 is the 802.1ad S-tag. */
export interface VlanTag {
  tpid?: 0x8100 | 0x88a8;
  vid: number;
  pcp?: number;
  dei?: boolean;
}

export interface EthernetSpec {
  src?: string;
  dst?: string;
  /** Outermost first. */
  vlans?: VlanTag[];
  etherType: number;
  payload: Uint8Array;
  /** Pad to the 60-byte minimum frame (no FCS), as real captures do. Default true. */
  pad?: boolean;
}

/** Ethernet II frame (no FCS). */
export function ethernet(spec: EthernetSpec): Uint8Array {
  const vlans = spec.vlans ?? [];
  const hdr = 14 + 4 * vlans.length;
  const len = Math.max(hdr + spec.payload.length, spec.pad === false ? 0 : 60);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  out.set(macAddr(spec.dst ?? "02:00:00:00:00:02"), 0);
  out.set(macAddr(spec.src ?? "02:00:00:00:00:01"), 6);
  let o = 12;
  for (const t of vlans) {
    dv.setUint16(o, t.tpid ?? EtherType.VLAN);
    dv.setUint16(o + 2, ((t.pcp ?? 0) << 13) | (t.dei ? 0x1000 : 0) | (t.vid & 0x0fff));
    o += 4;
  }
  dv.setUint16(o, spec.etherType);
  out.set(spec.payload, hdr);
  return out;
}

/** EtherType for an L3 packet, from its version nibble. */
export function etherTypeOf(l3: Uint8Array): number {
  return (l3[0]! >> 4) === 6 ? EtherType.IPv6 : EtherType.IPv4;
}

/** Wrap an L3 packet in Ethernet (EtherType chosen from the IP version). */
export function ethernetFor(l3: Uint8Array, opts: Omit<EthernetSpec, "etherType" | "payload"> = {}): Uint8Array {
  return ethernet({ ...opts, etherType: etherTypeOf(l3), payload: l3 });
}

// ---------------------------------------------------------------------------------------------
// Layer 3
// ---------------------------------------------------------------------------------------------

export interface Ipv4Spec {
  src: string;
  dst: string;
  proto: number;
  id?: number;
  ttl?: number;
  tos?: number;
  /** Raw option bytes; zero-padded to a multiple of 4 (0 = End of Option List). */
  options?: Uint8Array;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
  payload: Uint8Array;
  /** Override the Total Length field (malformed tests). */
  totalLength?: number;
  /** Override the header checksum (malformed tests). */
  checksum?: number;
}

/** IPv4 header + payload with a correct header checksum (RFC 791 §3.1, RFC 1071). */
export function ipv4(spec: Ipv4Spec): Uint8Array {
  const optLen = spec.options ? (spec.options.length + 3) & ~3 : 0;
  const hlen = 20 + optLen;
  const out = new Uint8Array(hlen + spec.payload.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x40 | (hlen >> 2);
  out[1] = spec.tos ?? 0;
  dv.setUint16(2, spec.totalLength ?? out.length);
  dv.setUint16(4, spec.id ?? 0);
  dv.setUint16(6, (spec.df ? 0x4000 : 0) | (spec.mf ? 0x2000 : 0) | ((spec.fragOffset ?? 0) & 0x1fff));
  out[8] = spec.ttl ?? 64;
  out[9] = spec.proto;
  out.set(ipv4Addr(spec.src), 12);
  out.set(ipv4Addr(spec.dst), 16);
  if (spec.options) out.set(spec.options, 20);
  dv.setUint16(10, spec.checksum ?? inetChecksum(out.subarray(0, hlen)));
  out.set(spec.payload, hlen);
  return out;
}

/** An IPv6 extension header; `data` is the body after the (next header, length) byte pair. */
export interface Ipv6ExtHeader {
  /** 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options (any number accepted). */
  type: number;
  /** For 44: exactly 6 bytes (see ipv6FragmentExt); otherwise padded with zeros to 8n+6 bytes. */
  data: Uint8Array;
}

/**
 * Hop-by-hop / destination-options body with the given TLV options, padded with PadN (RFC 8200
 * §4.2) so the header is a multiple of 8 bytes. Default: a single PadN.
 */
export function ipv6OptionsExt(type: 0 | 60, options: Uint8Array = new Uint8Array(0)): Ipv6ExtHeader {
  const total = (2 + options.length + 7) & ~7;
  let pad = total - 2 - options.length;
  if (pad === 0 && options.length === 0) pad = 6;
  const data = new Uint8Array(options.length + pad);
  data.set(options, 0);
  if (pad === 1) data[options.length] = 0; // Pad1
  else if (pad >= 2) {
    data[options.length] = 1; // PadN
    data[options.length + 1] = pad - 2;
  }
  return { type, data };
}

/** Fragment header body (RFC 8200 §4.5): offset in 8-byte units, M flag, identification. */
export function ipv6FragmentExt(fragOffset: number, more: boolean, id: number): Ipv6ExtHeader {
  const data = new Uint8Array(6);
  const dv = new DataView(data.buffer);
  dv.setUint16(0, ((fragOffset & 0x1fff) << 3) | (more ? 1 : 0));
  dv.setUint32(2, id >>> 0);
  return { type: IpProto.FRAGMENT, data };
}

/** Type 0 style routing header body with segments-left 0 and the given addresses. */
export function ipv6RoutingExt(routingType: number, addrs: string[]): Ipv6ExtHeader {
  const data = new Uint8Array(6 + 16 * addrs.length);
  data[0] = routingType;
  data[1] = 0; // segments left: already at the final destination
  addrs.forEach((a, i) => data.set(ipv6Addr(a), 6 + 16 * i));
  return { type: IpProto.ROUTING, data };
}

export interface Ipv6Spec {
  src: string;
  dst: string;
  /** Upper-layer protocol (after the extension headers). */
  nextHeader: number;
  ext?: Ipv6ExtHeader[];
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  payload: Uint8Array;
  /** Override the Payload Length field. */
  payloadLength?: number;
}

/** Serialized extension headers chain (used by ipv6 and by callers that need their length). */
export function ipv6ExtBytes(ext: Ipv6ExtHeader[], upper: number): Uint8Array {
  const parts: Uint8Array[] = [];
  ext.forEach((e, i) => {
    const next = i + 1 < ext.length ? ext[i + 1]!.type : upper;
    if (e.type === IpProto.FRAGMENT) {
      const h = new Uint8Array(8);
      h[0] = next;
      h[1] = 0; // reserved
      h.set(e.data.subarray(0, 6), 2);
      parts.push(h);
      return;
    }
    const len = (2 + e.data.length + 7) & ~7;
    const h = new Uint8Array(len);
    h[0] = next;
    h[1] = len / 8 - 1; // Hdr Ext Len: 8-octet units, not counting the first 8
    h.set(e.data, 2);
    parts.push(h);
  });
  return concat(...parts);
}

/** IPv6 header + extension headers + payload (RFC 8200 §3). */
export function ipv6(spec: Ipv6Spec): Uint8Array {
  const ext = spec.ext ?? [];
  const first = ext.length ? ext[0]!.type : spec.nextHeader;
  const extBytes = ipv6ExtBytes(ext, spec.nextHeader);
  const out = new Uint8Array(40 + extBytes.length + spec.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (6 << 28) | ((spec.trafficClass ?? 0) << 20) | ((spec.flowLabel ?? 0) & 0xfffff));
  dv.setUint16(4, spec.payloadLength ?? extBytes.length + spec.payload.length);
  out[6] = first;
  out[7] = spec.hopLimit ?? 64;
  out.set(ipv6Addr(spec.src), 8);
  out.set(ipv6Addr(spec.dst), 24);
  out.set(extBytes, 40);
  out.set(spec.payload, 40 + extBytes.length);
  return out;
}

export interface IpSpec {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  /** IPv4 identification. */
  id?: number;
  /** TTL / hop limit. */
  ttl?: number;
  df?: boolean;
}

/** IPv4 or IPv6 depending on the address family of `src`. */
export function ipPacket(spec: IpSpec): Uint8Array {
  if (isIpv6(spec.src)) {
    return ipv6({ src: spec.src, dst: spec.dst, nextHeader: spec.proto, hopLimit: spec.ttl, payload: spec.payload });
  }
  return ipv4({ src: spec.src, dst: spec.dst, proto: spec.proto, id: spec.id, ttl: spec.ttl, df: spec.df, payload: spec.payload });
}

// ---------------------------------------------------------------------------------------------
// Layer 4
// ---------------------------------------------------------------------------------------------

export interface TcpFlags {
  fin?: boolean;
  syn?: boolean;
  rst?: boolean;
  psh?: boolean;
  ack?: boolean;
  urg?: boolean;
  ece?: boolean;
  cwr?: boolean;
}

/** The flags byte (RFC 9293 §3.1 control bits). */
export function tcpFlagsByte(f: TcpFlags): number {
  return (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) |
    (f.ack ? 0x10 : 0) | (f.urg ? 0x20 : 0) | (f.ece ? 0x40 : 0) | (f.cwr ? 0x80 : 0);
}

export interface TcpSpec {
  /** Source / destination IP text, for the pseudo-header checksum. Omit both → checksum 0. */
  src?: string;
  dst?: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window?: number;
  urgent?: number;
  /** Raw option bytes, zero-padded (End of Option List) to a multiple of 4. */
  options?: Uint8Array;
  payload?: Uint8Array;
  /** Override the data offset (in 32-bit words) — malformed tests. */
  dataOffset?: number;
  /** Override the checksum. */
  checksum?: number;
}

/** TCP MSS option (kind 2) bytes. */
export function tcpMssOption(mss: number): Uint8Array {
  return Uint8Array.of(2, 4, mss >> 8, mss & 0xff);
}

/** TCP segment (header + payload) with the pseudo-header checksum when src/dst are given. */
export function tcp(spec: TcpSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const optLen = spec.options ? (spec.options.length + 3) & ~3 : 0;
  const hlen = 20 + optLen;
  const out = new Uint8Array(hlen + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, spec.srcPort);
  dv.setUint16(2, spec.dstPort);
  dv.setUint32(4, spec.seq >>> 0);
  dv.setUint32(8, spec.ack >>> 0);
  out[12] = (spec.dataOffset ?? hlen / 4) << 4;
  out[13] = tcpFlagsByte(spec.flags);
  dv.setUint16(14, spec.window ?? 65535);
  dv.setUint16(18, spec.urgent ?? 0);
  if (spec.options) out.set(spec.options, 20);
  out.set(payload, hlen);
  let ck = spec.checksum;
  if (ck === undefined) ck = spec.src && spec.dst ? inetChecksum(pseudoHeader(spec.src, spec.dst, IpProto.TCP, out.length), out) : 0;
  dv.setUint16(16, ck);
  return out;
}

export interface UdpSpec {
  src?: string;
  dst?: string;
  srcPort: number;
  dstPort: number;
  payload?: Uint8Array;
  /** Override the length field. */
  length?: number;
  /** Override the checksum (0 = "no checksum" for IPv4). */
  checksum?: number;
}

/** UDP datagram with checksum (computed when src/dst are given; 0 transmitted as 0xffff). */
export function udp(spec: UdpSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(8 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, spec.srcPort);
  dv.setUint16(2, spec.dstPort);
  dv.setUint16(4, spec.length ?? out.length);
  out.set(payload, 8);
  let ck = spec.checksum;
  if (ck === undefined) {
    ck = 0;
    if (spec.src && spec.dst) {
      ck = inetChecksum(pseudoHeader(spec.src, spec.dst, IpProto.UDP, out.length), out);
      if (ck === 0) ck = 0xffff;
    }
  }
  dv.setUint16(6, ck);
  return out;
}

export interface IcmpEchoSpec {
  id: number;
  seq: number;
  /** Echo reply instead of request. */
  reply?: boolean;
  payload?: Uint8Array;
}

/** ICMPv4 echo request (type 8) / reply (type 0), RFC 792. */
export function icmpv4(spec: IcmpEchoSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(8 + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = spec.reply ? 0 : 8;
  dv.setUint16(4, spec.id);
  dv.setUint16(6, spec.seq);
  out.set(payload, 8);
  dv.setUint16(2, inetChecksum(out));
  return out;
}

/** ICMPv6 echo request (128) / reply (129), RFC 4443 §4.1; checksum over the pseudo-header. */
export function icmpv6(spec: IcmpEchoSpec & { src: string; dst: string }): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(8 + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = spec.reply ? 129 : 128;
  dv.setUint16(4, spec.id);
  dv.setUint16(6, spec.seq);
  out.set(payload, 8);
  dv.setUint16(2, inetChecksum(pseudoHeader(spec.src, spec.dst, IpProto.ICMPV6, out.length), out));
  return out;
}

/**
 * RTP packet (RFC 3550 §5.1): V=2, no padding/extension/CSRC, marker 0, payload type 96, then
 * `n` payload bytes where byte k of the packet (k ≥ 12) is `fill(k)`.
 */
export function rtpPacket(seq: number, ts: number, ssrc: number, n: number, fill: (k: number) => number): Uint8Array {
  const h = new Uint8Array(12 + n);
  const dv = new DataView(h.buffer);
  h[0] = 0x80;
  h[1] = 96;
  dv.setUint16(2, seq);
  dv.setUint32(4, ts >>> 0);
  dv.setUint32(8, ssrc >>> 0);
  for (let k = 12; k < h.length; k++) h[k] = fill(k) & 0xff;
  return h;
}

/** RTCP sender report (RFC 3550 §6.4.1), no report blocks; a fixed NTP time (2024-01-02). */
export function rtcpSenderReport(ssrc: number, rtpTs: number, packets: number, octets: number): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  b[0] = 0x80;
  b[1] = 200;
  dv.setUint16(2, 6);
  dv.setUint32(4, ssrc >>> 0);
  dv.setUint32(8, 0xe93e2c05);
  dv.setUint32(12, 0x40000000);
  dv.setUint32(16, rtpTs >>> 0);
  dv.setUint32(20, packets);
  dv.setUint32(24, octets);
  return b;
}

/** RTCP receiver report (RFC 3550 §6.4.2), no report blocks. */
export function rtcpReceiverReport(ssrc: number): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  b[0] = 0x80;
  b[1] = 201;
  dv.setUint16(2, 1);
  dv.setUint32(4, ssrc >>> 0);
  return b;
}

/** GRE base header (RFC 2784): no checksum/key/sequence, version 0. */
export function gre(protocolType: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint16(2, protocolType);
  out.set(payload, 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// TCP session
// ---------------------------------------------------------------------------------------------

export interface Endpoint4 {
  ip: string;
  port: number;
}

/** One emitted L3 packet of a session. */
export interface SessionFrame {
  /** Capture time, ns since the Unix epoch. */
  ts: bigint;
  /** IPv4/IPv6 packet bytes (wrap with ethernetFor for linktype 1). */
  data: Uint8Array;
  fromClient: boolean;
  seq: number;
  ack: number;
  flags: TcpFlags;
  /** TCP payload length. */
  payloadLen: number;
}

export interface TcpSessionSpec {
  client: Endpoint4;
  server: Endpoint4;
  /**
   * Initial sequence numbers (defaults 0x10000000 / 0x20000000, so sessions are deterministic).
   * A number sets the client ISN; the server's is then isn ^ 0x5a5a5a5a.
   */
  isn?: number | { client?: number; server?: number };
  /** Time of the first packet, ns since the epoch. Default 2024-01-02T03:04:05Z. */
  start?: bigint;
  /** One-way delay used between a packet and its answer. Default 250 µs. */
  halfRtt?: bigint;
  /** Gap between consecutive packets of the same side. Default 50 µs. */
  gap?: bigint;
  /** MSS announced in SYN / SYN-ACK (option kind 2). Default 1460. */
  mss?: number;
  window?: number;
  /** TTL / hop limit of each side's packets. Default 64 both. */
  ttl?: { client?: number; server?: number };
  /** First IPv4 identification of each side (incremented per packet). */
  ipId?: { client?: number; server?: number };
}

export interface SendOptions {
  /** Emit a pure ACK from the peer afterwards. Default true. */
  ackFromPeer?: boolean;
  /** Split the payload into segments of at most this many bytes. Default: MSS. */
  segmentSize?: number;
  /** Set PSH on the last segment. Default true. */
  psh?: boolean;
  /** Time to wait before sending (in addition to the usual gap), ns. */
  delay?: bigint;
}

/** Stateful TCP connection builder. Every method returns the frames it produced (also in `frames`). */
export interface TcpSession {
  readonly frames: SessionFrame[];
  /** Current clock (ns). */
  now: bigint;
  /** Next sequence number each side will send. */
  readonly clientSeq: number;
  readonly serverSeq: number;
  handshake(): SessionFrame[];
  send(fromClient: boolean, payload: string | Uint8Array, opts?: SendOptions): SessionFrame[];
  /** FIN from `fromClient` side (default client), FIN-ACK, final ACK. */
  close(fromClient?: boolean): SessionFrame[];
  /** RST (with ACK) from the given side (default client). */
  rst(fromClient?: boolean): SessionFrame[];
  /** Advance the clock. */
  wait(ns: bigint): void;
  /** Emit an arbitrary segment from one side, advancing seq by payload (+1 for SYN/FIN). */
  segment(fromClient: boolean, flags: TcpFlags, payload?: Uint8Array, options?: Uint8Array): SessionFrame;
}

/** Default capture epoch for generated traffic: 2024-01-02T03:04:05Z. */
export const DEFAULT_EPOCH_NS = 1704164645n * 1_000_000_000n;

/** Create a TCP session builder (see TcpSession). */
export function tcpSession(spec: TcpSessionSpec): TcpSession {
  const isn = typeof spec.isn === "number" ? { client: spec.isn, server: spec.isn ^ 0x5a5a5a5a } : spec.isn;
  let cSeq = (isn?.client ?? 0x1000_0000) >>> 0;
  let sSeq = (isn?.server ?? 0x2000_0000) >>> 0;
  let cAck = 0; // what the client acknowledges (= server's next seq once synced)
  let sAck = 0;
  let cId = spec.ipId?.client ?? 0x1000;
  let sId = spec.ipId?.server ?? 0x5000;
  const halfRtt = spec.halfRtt ?? 250_000n;
  const gap = spec.gap ?? 50_000n;
  const mss = spec.mss ?? 1460;
  const frames: SessionFrame[] = [];
  let lastFromClient: boolean | null = null;

  const s: TcpSession = {
    frames,
    now: spec.start ?? DEFAULT_EPOCH_NS,
    get clientSeq() { return cSeq; },
    get serverSeq() { return sSeq; },
    wait(ns: bigint) { s.now += ns; },
    segment(fromClient, flags, payload = new Uint8Array(0), options) {
      // The first packet of the session goes out at `now`; a packet in the other direction than
      // the previous one is an answer (half RTT later); otherwise it follows after `gap`.
      if (lastFromClient !== null) s.now += lastFromClient === fromClient ? gap : halfRtt;
      lastFromClient = fromClient;
      const from = fromClient ? spec.client : spec.server;
      const to = fromClient ? spec.server : spec.client;
      const seq = fromClient ? cSeq : sSeq;
      const ack = flags.ack ? (fromClient ? cAck : sAck) : 0;
      const seg = tcp({
        src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port, seq, ack, flags,
        window: spec.window ?? 64240, options, payload,
      });
      const adv = payload.length + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0);
      if (fromClient) {
        cSeq = (cSeq + adv) >>> 0;
        sAck = cSeq; // the server will acknowledge everything sent so far
      } else {
        sSeq = (sSeq + adv) >>> 0;
        cAck = sSeq;
      }
      const id = fromClient ? cId++ : sId++;
      const data = ipPacket({ src: from.ip, dst: to.ip, proto: IpProto.TCP, payload: seg, id: id & 0xffff, ttl: fromClient ? spec.ttl?.client : spec.ttl?.server, df: true });
      const f: SessionFrame = { ts: s.now, data, fromClient, seq, ack, flags, payloadLen: payload.length };
      frames.push(f);
      return f;
    },
    handshake() {
      const mssOpt = tcpMssOption(mss);
      return [
        s.segment(true, { syn: true }, undefined, mssOpt),
        s.segment(false, { syn: true, ack: true }, undefined, mssOpt),
        s.segment(true, { ack: true }),
      ];
    },
    send(fromClient, payload, opts = {}) {
      const bytes = typeof payload === "string" ? ascii(payload) : payload;
      if (opts.delay) s.now += opts.delay;
      const size = opts.segmentSize ?? mss;
      const out: SessionFrame[] = [];
      for (let o = 0; o < bytes.length || (o === 0 && bytes.length === 0); o += size) {
        const chunk = bytes.subarray(o, Math.min(bytes.length, o + size));
        const last = o + size >= bytes.length;
        out.push(s.segment(fromClient, { ack: true, psh: last && opts.psh !== false }, chunk));
        if (bytes.length === 0) break;
      }
      if (opts.ackFromPeer !== false) out.push(s.segment(!fromClient, { ack: true }));
      return out;
    },
    close(fromClient = true) {
      return [
        s.segment(fromClient, { fin: true, ack: true }),
        s.segment(!fromClient, { fin: true, ack: true }),
        s.segment(fromClient, { ack: true }),
      ];
    },
    rst(fromClient = true) {
      return [s.segment(fromClient, { rst: true, ack: true })];
    },
  };
  return s;
}

// ---------------------------------------------------------------------------------------------
// Classic pcap
// ---------------------------------------------------------------------------------------------

/** Record timestamp: ns since the epoch, or seconds + microseconds. */
export type PcapTime = bigint | { sec: number; usec: number };

export interface PcapRecord {
  ts: PcapTime;
  /** Captured bytes (caplen = data.length). */
  data: Uint8Array;
  /** Original length on the wire (default data.length); larger means snaplen-truncated. */
  origLen?: number;
}

export interface PcapOptions {
  linkType: number;
  snaplen?: number;
  bigEndian?: boolean;
  /** Nanosecond-resolution magic 0xa1b23c4d. */
  nanosecond?: boolean;
  versionMajor?: number;
  versionMinor?: number;
}

function splitTime(ts: PcapTime, nanosecond: boolean): [number, number] {
  if (typeof ts === "bigint") {
    const sec = ts / 1_000_000_000n;
    const ns = ts % 1_000_000_000n;
    return [Number(sec), Number(nanosecond ? ns : ns / 1000n)];
  }
  return [ts.sec, nanosecond ? ts.usec * 1000 : ts.usec];
}

/** Classic libpcap file: 24-byte global header, 16-byte record headers (pcap(5) / draft-ietf-opsawg-pcap). */
export function writePcap(records: PcapRecord[], opts: PcapOptions): Uint8Array {
  let n = 24;
  for (const r of records) n += 16 + r.data.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  const le = !opts.bigEndian;
  const ns = !!opts.nanosecond;
  dv.setUint32(0, ns ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, opts.versionMajor ?? 2, le);
  dv.setUint16(6, opts.versionMinor ?? 4, le);
  dv.setInt32(8, 0, le); // thiszone
  dv.setUint32(12, 0, le); // sigfigs
  dv.setUint32(16, opts.snaplen ?? 262144, le);
  dv.setUint32(20, opts.linkType, le);
  let o = 24;
  for (const r of records) {
    const [sec, frac] = splitTime(r.ts, ns);
    dv.setUint32(o, sec, le);
    dv.setUint32(o + 4, frac, le);
    dv.setUint32(o + 8, r.data.length, le);
    dv.setUint32(o + 12, r.origLen ?? r.data.length, le);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// pcapng (draft-ietf-opsawg-pcapng)
// ---------------------------------------------------------------------------------------------

/** A generic option: code + raw value (padded on output). */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

export interface PcapngInterface {
  linkType: number;
  snaplen?: number;
  /**
   * Raw if_tsresol byte (option 9): 6 = µs (the default when absent), 9 = ns, 0x80|n = 2^-n s.
   * Omit to write no if_tsresol option.
   */
  tsresol?: number;
  /** if_tsoffset (option 14): seconds added to every timestamp of this interface (signed). */
  tsoffset?: bigint;
  /** if_name (option 2). */
  name?: string;
  options?: PcapngOption[];
}

export type PcapngBlock =
  /** Enhanced Packet Block (type 6); `ts` in units of the interface's if_tsresol. */
  | { type: "epb"; iface: number; ts: bigint; data: Uint8Array; origLen?: number; flags?: number; comment?: string }
  /** Simple Packet Block (type 3): interface 0, no timestamp, captured length = min(origLen, snaplen). */
  | { type: "spb"; data: Uint8Array; origLen?: number }
  /** Obsolete Packet Block (type 2): 16-bit interface id, 16-bit drops count. */
  | { type: "pb"; iface: number; ts: bigint; data: Uint8Array; origLen?: number; drops?: number }
  /** Name Resolution Block (type 4): one record per entry, ended by nrb_record_end. */
  | { type: "nrb"; records: { ip: string; names: string[] }[] }
  /** Interface Statistics Block (type 5). */
  | { type: "isb"; iface: number; ts: bigint; ifRecv?: bigint; ifDrop?: bigint }
  /** Custom Block: 0x00000BAD (copyable) or 0x40000BAD (do not copy). */
  | { type: "custom"; pen: number; data: Uint8Array; copyable?: boolean }
  /** Any block type with a raw body (unknown to readers → must be skipped by length). */
  | { type: "unknown"; blockType: number; body: Uint8Array }
  /** An IDB appearing later in the section; its interface id is the next free one. */
  | ({ type: "idb" } & PcapngInterface);

export interface PcapngSection {
  bigEndian?: boolean;
  /** SHB options (e.g. shb_userappl = 4). */
  options?: PcapngOption[];
  interfaces: PcapngInterface[];
  blocks: PcapngBlock[];
}

export interface PcapngSpec {
  sections: PcapngSection[];
}

/** Pad to a multiple of 4. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

class ByteSink {
  private bufs: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.bufs.push(b);
    this.length += b.length;
  }
  bytes(): Uint8Array {
    return concat(...this.bufs);
  }
}

function encodeOptions(opts: PcapngOption[], le: boolean): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.value.length);
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let p = 0;
  for (const o of opts) {
    dv.setUint16(p, o.code, le);
    dv.setUint16(p + 2, o.value.length, le);
    out.set(o.value, p + 4);
    p += 4 + pad4(o.value.length);
  }
  return out; // trailing 4 zero bytes = opt_endofopt
}

/** Build one block: type, total length, body (padded), options, trailing total length. */
function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type >>> 0, le);
  dv.setUint32(4, total, le);
  out.set(body, 8);
  dv.setUint32(total - 4, total, le);
  return out;
}

function u8(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff);
}

function u64(v: bigint, le: boolean, signed = false): Uint8Array {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  if (signed) dv.setBigInt64(0, v, le);
  else dv.setBigUint64(0, v, le);
  return b;
}

function idbBody(i: PcapngInterface, le: boolean): Uint8Array {
  const opts: PcapngOption[] = [];
  if (i.name !== undefined) opts.push({ code: 2, value: ascii(i.name) });
  if (i.tsresol !== undefined) opts.push({ code: 9, value: u8(i.tsresol) });
  if (i.tsoffset !== undefined) opts.push({ code: 14, value: u64(i.tsoffset, le, true) });
  if (i.options) opts.push(...i.options);
  const o = encodeOptions(opts, le);
  const body = new Uint8Array(8 + o.length);
  const dv = new DataView(body.buffer);
  dv.setUint16(0, i.linkType, le);
  dv.setUint16(2, 0, le); // reserved
  dv.setUint32(4, i.snaplen ?? 0, le);
  body.set(o, 8);
  return body;
}

function packetBody(head: Uint8Array, data: Uint8Array, opts: Uint8Array): Uint8Array {
  const body = new Uint8Array(head.length + pad4(data.length) + opts.length);
  body.set(head, 0);
  body.set(data, head.length);
  body.set(opts, head.length + pad4(data.length));
  return body;
}

/** pcapng file from sections (each: SHB, its IDBs, then the blocks in order). */
export function writePcapng(spec: PcapngSpec): Uint8Array {
  const sink = new ByteSink();
  for (const sec of spec.sections) {
    const le = !sec.bigEndian;
    // SHB (type 0x0A0D0D0A): byte-order magic, version 1.0, section length -1 (unspecified).
    const so = encodeOptions(sec.options ?? [], le);
    const shb = new Uint8Array(16 + so.length);
    const sdv = new DataView(shb.buffer);
    sdv.setUint32(0, 0x1a2b3c4d, le);
    sdv.setUint16(4, 1, le);
    sdv.setUint16(6, 0, le);
    sdv.setBigInt64(8, -1n, le);
    shb.set(so, 16);
    sink.push(block(0x0a0d0d0a, shb, le));
    for (const i of sec.interfaces) sink.push(block(1, idbBody(i, le), le));
    for (const b of sec.blocks) sink.push(encodeBlock(b, le));
  }
  return sink.bytes();
}

function encodeBlock(b: PcapngBlock, le: boolean): Uint8Array {
  switch (b.type) {
    case "idb":
      return block(1, idbBody(b, le), le);
    case "epb": {
      const head = new Uint8Array(20);
      const dv = new DataView(head.buffer);
      dv.setUint32(0, b.iface, le);
      dv.setUint32(4, Number(b.ts >> 32n) >>> 0, le);
      dv.setUint32(8, Number(b.ts & 0xffffffffn) >>> 0, le);
      dv.setUint32(12, b.data.length, le);
      dv.setUint32(16, b.origLen ?? b.data.length, le);
      const opts: PcapngOption[] = [];
      if (b.comment !== undefined) opts.push({ code: 1, value: ascii(b.comment) });
      if (b.flags !== undefined) {
        const f = new Uint8Array(4);
        new DataView(f.buffer).setUint32(0, b.flags, le);
        opts.push({ code: 2, value: f });
      }
      return block(6, packetBody(head, b.data, encodeOptions(opts, le)), le);
    }
    case "spb": {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, b.origLen ?? b.data.length, le);
      return block(3, packetBody(head, b.data, new Uint8Array(0)), le);
    }
    case "pb": {
      const head = new Uint8Array(20);
      const dv = new DataView(head.buffer);
      dv.setUint16(0, b.iface, le);
      dv.setUint16(2, b.drops ?? 0, le);
      dv.setUint32(4, Number(b.ts >> 32n) >>> 0, le);
      dv.setUint32(8, Number(b.ts & 0xffffffffn) >>> 0, le);
      dv.setUint32(12, b.data.length, le);
      dv.setUint32(16, b.origLen ?? b.data.length, le);
      return block(2, packetBody(head, b.data, new Uint8Array(0)), le);
    }
    case "nrb": {
      const parts: Uint8Array[] = [];
      for (const r of b.records) {
        const addr = ipAddr(r.ip);
        const names = r.names.map((n) => concat(ascii(n), new Uint8Array(1)));
        const value = concat(addr, ...names);
        const rec = new Uint8Array(4 + pad4(value.length));
        const dv = new DataView(rec.buffer);
        dv.setUint16(0, addr.length === 4 ? 1 : 2, le); // nrb_record_ipv4 / nrb_record_ipv6
        dv.setUint16(2, value.length, le);
        rec.set(value, 4);
        parts.push(rec);
      }
      parts.push(new Uint8Array(4)); // nrb_record_end
      return block(4, concat(...parts), le);
    }
    case "isb": {
      const head = new Uint8Array(12);
      const dv = new DataView(head.buffer);
      dv.setUint32(0, b.iface, le);
      dv.setUint32(4, Number(b.ts >> 32n) >>> 0, le);
      dv.setUint32(8, Number(b.ts & 0xffffffffn) >>> 0, le);
      const opts: PcapngOption[] = [];
      if (b.ifRecv !== undefined) opts.push({ code: 4, value: u64(b.ifRecv, le) });
      if (b.ifDrop !== undefined) opts.push({ code: 5, value: u64(b.ifDrop, le) });
      return block(5, concat(head, encodeOptions(opts, le)), le);
    }
    case "custom": {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, b.pen, le);
      return block(b.copyable === false ? 0x40000bad : 0x00000bad, concat(head, b.data), le);
    }
    case "unknown":
      return block(b.blockType, b.body, le);
  }
}

/**
 * Convert ns since the epoch to a pcapng timestamp in interface units (for tsresol 6, 9, 0x80|n),
 * after removing the interface's if_tsoffset seconds.
 */
export function pcapngUnits(ns: bigint, tsresol = 6, tsoffset = 0n): bigint {
  const t = ns - tsoffset * 1_000_000_000n;
  if (tsresol & 0x80) return (t << BigInt(tsresol & 0x7f)) / 1_000_000_000n;
  const per = 10n ** BigInt(tsresol);
  return (t * per) / 1_000_000_000n;
}

/** Inverse of pcapngUnits: interface units back to ns since the epoch (truncating). */
export function pcapngUnitsToNs(units: bigint, tsresol = 6, tsoffset = 0n): bigint {
  const ns = tsresol & 0x80
    ? (units * 1_000_000_000n) >> BigInt(tsresol & 0x7f)
    : (units * 1_000_000_000n) / 10n ** BigInt(tsresol);
  return ns + tsoffset * 1_000_000_000n;
}

// ---------------------------------------------------------------------------------------------
// Streaming writer
// ---------------------------------------------------------------------------------------------

export interface PcapStreamOptions {
  linkType: number;
  snaplen?: number;
  /** "pcap" (default, LE µs or ns) or "pcapng" (one LE section, one IDB, EPBs). */
  format?: "pcap" | "pcapng";
  /** pcap: ns magic; pcapng: if_tsresol 9. Default false (µs). */
  nanosecond?: boolean;
  /** Output buffer size; flushed with fs.writeSync when full. Default 8 MiB. */
  bufferSize?: number;
}

/**
 * Streams records to a file through one reusable buffer (nothing proportional to the file size is
 * held in memory). Fast path for generators: `begin(caplen, origLen, sec, frac)` reserves a record
 * and returns the offset in `buf` where the caller writes `caplen` packet bytes directly.
 * Little-endian output.
 */
export class PcapStreamWriter {
  /** The output buffer; valid to write into between begin() and the next begin()/flush(). */
  readonly buf: Buffer;
  readonly view: DataView;
  private pos = 0;
  private fd: number;
  private readonly ng: boolean;
  /** Total bytes written to the file so far, including buffered bytes. */
  bytes = 0;
  packets = 0;

  constructor(path: string, readonly opts: PcapStreamOptions) {
    this.fd = fs.openSync(path, "w");
    this.buf = Buffer.alloc(opts.bufferSize ?? 8 << 20);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.ng = opts.format === "pcapng";
    const hdr = this.ng
      ? writePcapng({ sections: [{ interfaces: [{ linkType: opts.linkType, snaplen: opts.snaplen ?? 262144, tsresol: opts.nanosecond ? 9 : 6 }], blocks: [] }] })
      : writePcap([], { linkType: opts.linkType, snaplen: opts.snaplen, nanosecond: opts.nanosecond });
    this.buf.set(hdr, 0);
    this.pos = hdr.length;
    this.bytes = hdr.length;
  }

  /**
   * Reserve a record of `caplen` bytes with timestamp (sec, frac) where frac is µs or ns
   * (per `nanosecond`); returns the offset in `buf` for the packet bytes. For pcapng the padding
   * and trailer are written here, so the caller only fills [off, off+caplen).
   */
  begin(caplen: number, origLen: number, sec: number, frac: number): number {
    const need = caplen + 32 + 3;
    if (this.pos + need > this.buf.length) this.flush();
    if (need > this.buf.length) throw new Error("record larger than the stream buffer");
    const dv = this.view;
    let p = this.pos;
    let dataOff: number;
    if (!this.ng) {
      dv.setUint32(p, sec, true);
      dv.setUint32(p + 4, frac, true);
      dv.setUint32(p + 8, caplen, true);
      dv.setUint32(p + 12, origLen, true);
      dataOff = p + 16;
      p = dataOff + caplen;
    } else {
      const total = 32 + ((caplen + 3) & ~3);
      // units = sec * 10^r + frac, exactly, without BigInt: 10^r = odd * 2^k (1e6 = 15625·2^6,
      // 1e9 = 1953125·2^9), and sec * odd < 2^53, so the 64-bit split is exact.
      const a = sec * (this.opts.nanosecond ? 1953125 : 15625);
      const k = this.opts.nanosecond ? 9 : 6;
      const aHi = Math.floor(a / 2 ** (32 - k));
      let lo = (a - aHi * 2 ** (32 - k)) * 2 ** k + frac;
      let hi = aHi;
      if (lo >= 4294967296) {
        lo -= 4294967296;
        hi += 1;
      }
      dv.setUint32(p, 6, true);
      dv.setUint32(p + 4, total, true);
      dv.setUint32(p + 8, 0, true);
      dv.setUint32(p + 12, hi, true);
      dv.setUint32(p + 16, lo, true);
      dv.setUint32(p + 20, caplen, true);
      dv.setUint32(p + 24, origLen, true);
      dataOff = p + 28;
      const padEnd = p + total - 4;
      for (let i = dataOff + caplen; i < padEnd; i++) this.buf[i] = 0;
      dv.setUint32(padEnd, total, true);
      p += total;
    }
    this.bytes += p - this.pos;
    this.pos = p;
    this.packets++;
    return dataOff;
  }

  /** Append one record from bytes. */
  write(sec: number, frac: number, data: Uint8Array, origLen = data.length): void {
    const off = this.begin(data.length, origLen, sec, frac);
    this.buf.set(data, off);
  }

  /** Write out the buffered bytes. */
  flush(): void {
    let o = 0;
    while (o < this.pos) o += fs.writeSync(this.fd, this.buf, o, this.pos - o);
    this.pos = 0;
  }

  /** Flush and close the file; returns total bytes written. */
  close(): number {
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
    return this.bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// ICMP errors
// ---------------------------------------------------------------------------------------------

/**
 * ICMPv4 error message (RFC 792: destination unreachable = type 3, code 3 = port unreachable;
 * time exceeded = 11, ...): type, code, checksum, 4 unused bytes (zero), then the offending
 * datagram's IP header plus the first 8 bytes of its payload (RFC 792 "Internet Header + 64 bits
 * of Original Data Datagram"; RFC 1812 §4.3.2.3 allows more — pass `quoteBytes` to quote more).
 */
export function icmpv4Error(type: number, code: number, original: Uint8Array, quoteBytes?: number): Uint8Array {
  const ihl = (original[0]! & 0x0f) * 4;
  const quoted = original.subarray(0, Math.min(original.length, quoteBytes ?? ihl + 8));
  const out = new Uint8Array(8 + quoted.length);
  out[0] = type;
  out[1] = code;
  out.set(quoted, 8);
  new DataView(out.buffer).setUint16(2, inetChecksum(out));
  return out;
}
