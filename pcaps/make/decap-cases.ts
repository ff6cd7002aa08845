/**
 * Generated captures of tunnelled traffic, each with the flows and counters a decoder must
 * report (computed here from the same endpoints the packets were built from, never from our
 * decoder's output): IP-in-IP (4in4, 6in4, 4in6, 6in6), GRE (plain; checksum, key and sequence
 * fields; transparent Ethernet bridging), ERSPAN type I, II and III (with and without the platform
 * sub-header, Ethernet and IP frame types), VXLAN (default and configured ports), nesting, too
 * deep nesting, and the ways a tunnel is left alone (cut headers, GRE version 1 / routing /
 * unknown payload, ERSPAN bad version or frame type, VXLAN without its I flag, a tunnel packet that
 * is a fragment, a non-IP frame inside).
 *
 * Used by test/capture/decap*.test.ts (ours and tshark's conversations against `expected`).
 * Run: `node dist/pcaps/make/decap-cases.js [dir]` writes each case as <dir>/<name>.pcap
 * (default pcaps/decap/, not committed: the tests build them in memory).
 */
import {
  DEFAULT_EPOCH_NS, EtherType, IpProto, LinkType, ascii, concat, ethernet, ethernetFor, ipPacket, ipv4, ipv6, udp,
  writePcap, type PcapRecord,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, writeOut } from "./util.js";

/** A flow the decoder must report: endpoints `ip:port` (port omitted for portless protocols). */
export interface ExpectedFlow {
  proto: "tcp" | "udp" | number;
  initiator: string;
  responder: string;
  /** Packets initiator → responder and back. */
  ab: number;
  ba: number;
}

export interface DecapCase {
  name: string;
  /** What the case shows. */
  about: string;
  pcap: Uint8Array;
  /** CoreOptions the case needs (a configured VXLAN port, a depth limit). */
  options?: { vxlanPorts?: number[]; maxTunnelDepth?: number };
  expected: {
    flows: ExpectedFlow[];
    /** Counters that must have these values (absent ones: 0 for every decap* counter). */
    stats: Record<string, number>;
    /** Diagnostic codes that must be present. */
    diagnostics: string[];
  };
}

// ---- tunnel layer builders -------------------------------------------------------------------
const GRE_C = 0x8000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;

export interface GreSpec {
  protocolType: number;
  checksum?: boolean;
  key?: number;
  sequence?: number;
  /** Flags/version word bits to force (version 1, routing bit …). */
  extraFlags?: number;
}

/** GRE header (RFC 2784 / RFC 2890 optional fields) + payload. */
export function greHeader(spec: GreSpec, payload: Uint8Array): Uint8Array {
  let flags = spec.extraFlags ?? 0;
  let len = 4;
  if (spec.checksum) { flags |= GRE_C; len += 4; }
  if (spec.key !== undefined) { flags |= GRE_K; len += 4; }
  if (spec.sequence !== undefined) { flags |= GRE_S; len += 4; }
  const out = new Uint8Array(len + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, flags);
  dv.setUint16(2, spec.protocolType);
  let o = 4;
  if (spec.checksum) o += 4; // checksum left 0 (receivers may ignore it; tshark flags it only)
  if (spec.key !== undefined) { dv.setUint32(o, spec.key >>> 0); o += 4; }
  if (spec.sequence !== undefined) dv.setUint32(o, spec.sequence >>> 0);
  out.set(payload, len);
  return out;
}

/** ERSPAN type II header (version 1): VLAN, COS, session id, index. */
export function erspanII(session: number, payload: Uint8Array, version = 1): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, (version << 12) | 0);
  dv.setUint16(2, session & 0x3ff);
  dv.setUint32(4, 0);
  return concat(h, payload);
}

/** ERSPAN type III header (version 2): frame type ft (0 Ethernet, 2 IP), optional platform sub-header. */
export function erspanIII(session: number, payload: Uint8Array, opts: { ft?: number; subHeader?: boolean; version?: number } = {}): Uint8Array {
  const h = new Uint8Array(12 + (opts.subHeader ? 8 : 0));
  const dv = new DataView(h.buffer);
  dv.setUint16(0, ((opts.version ?? 2) << 12) | 0);
  dv.setUint16(2, session & 0x3ff);
  dv.setUint32(4, 0x01020304); // timestamp
  dv.setUint16(8, 0); // SGT
  h[10] = ((opts.ft ?? 0) & 0x1f) << 2;
  h[11] = opts.subHeader ? 1 : 0;
  return concat(h, payload);
}

/** VXLAN header (RFC 7348): flags 0x08 (I) unless told otherwise, VNI. */
export function vxlanHeader(vni: number, payload: Uint8Array, flags = 0x08): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = flags;
  new DataView(h.buffer).setUint32(4, (vni & 0xffffff) << 8);
  return concat(h, payload);
}

const OUTER4 = ["198.51.100.1", "198.51.100.2"] as const;
const OUTER6 = ["2001:db8:ffff::1", "2001:db8:ffff::2"] as const;

/** An outer IP packet (v4 or v6 by the source) from tunnel endpoint a to b. */
function outer(a: string, b: string, proto: number, payload: Uint8Array, id = 0): Uint8Array {
  return a.includes(":") ? ipv6({ src: a, dst: b, nextHeader: proto, payload }) : ipv4({ src: a, dst: b, proto, id, payload });
}

/** A UDP datagram (IP packet) from a:pa to b:pb. */
function udpIp(a: string, pa: number, b: string, pb: number, text: string): Uint8Array {
  return ipPacket({ src: a, dst: b, proto: IpProto.UDP, payload: udp({ src: a, dst: b, srcPort: pa, dstPort: pb, payload: ascii(text) }) });
}


/** The exchange every case carries inside its tunnel: 2 requests and 1 reply on one UDP pair. */
function sipExchange(a: string, b: string): { packets: Uint8Array[]; flow: ExpectedFlow } {
  const pa = 5060;
  const pb = 5060;
  const ep = (ip: string, p: number) => (ip.includes(":") ? `[${ip}]:${p}` : `${ip}:${p}`);
  return {
    packets: [
      udpIp(a, pa, b, pb, "OPTIONS sip:b SIP/2.0\r\n\r\n"),
      udpIp(b, pb, a, pa, "SIP/2.0 200 OK\r\n\r\n"),
      udpIp(a, pa, b, pb, "OPTIONS sip:b SIP/2.0\r\n\r\n"),
    ],
    flow: { proto: "udp", initiator: ep(a, pa), responder: ep(b, pb), ab: 2, ba: 1 },
  };
}

/** Endpoints of the inner exchange by IP version. */
const INNER4 = ["10.1.1.10", "10.2.2.20"] as const;
const INNER6 = ["fd00:1::10", "fd00:2::20"] as const;

function records(frames: Uint8Array[], cut?: number): PcapRecord[] {
  return frames.map((data, i) => ({
    ts: DEFAULT_EPOCH_NS + BigInt(i) * 1_000_000n,
    data: cut !== undefined ? data.subarray(0, cut) : data,
    origLen: data.length,
  }));
}

function pcapOf(frames: Uint8Array[], cut?: number): Uint8Array {
  return writePcap(records(frames, cut), { linkType: LinkType.ETHERNET });
}

/** Wraps each inner IP packet with `wrap` (direction-aware: i = packet index) in Ethernet. */
function wrapEach(inner: Uint8Array[], wrap: (pkt: Uint8Array, i: number) => Uint8Array): Uint8Array[] {
  return inner.map((p, i) => ethernetFor(wrap(p, i)));
}

/** The reply travels back through the tunnel: outer endpoints swap for packet 1 of sipExchange. */
const back = (i: number) => i === 1;
const ends4 = (i: number): [string, string] => (back(i) ? [OUTER4[1], OUTER4[0]] : [OUTER4[0], OUTER4[1]]);
const ends6 = (i: number): [string, string] => (back(i) ? [OUTER6[1], OUTER6[0]] : [OUTER6[0], OUTER6[1]]);

/** Inner Ethernet frame (for TEB, ERSPAN and VXLAN), optionally VLAN-tagged. */
const frame = (p: Uint8Array, vlan?: number) => ethernetFor(p, vlan !== undefined ? { vlans: [{ vid: vlan }], pad: false } : { pad: false });

const ZERO_DECAP = { decapIpInIp: 0, decapGre: 0, decapErspan: 0, decapVxlan: 0, decapTooDeep: 0, decapMalformed: 0, decapUnsupported: 0, decapFragmented: 0 };

function decoded(name: string, about: string, inner: readonly [string, string], wrap: (p: Uint8Array, i: number) => Uint8Array, stats: Partial<typeof ZERO_DECAP>, options?: DecapCase["options"]): DecapCase {
  const x = sipExchange(inner[0], inner[1]);
  const n = x.packets.length;
  const scaled = Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v * n]));
  return {
    name, about, options,
    pcap: pcapOf(wrapEach(x.packets, wrap)),
    expected: { flows: [x.flow], stats: { ...ZERO_DECAP, ...scaled }, diagnostics: ["tunnels_decapsulated"] },
  };
}

/** Cases whose tunnels are removed: the inner exchange is the only flow. Stats are per packet. */
function decodedCases(): DecapCase[] {
  return [
    decoded("ipip-4in4", "IPv4 in IPv4 (protocol 4, RFC 2003)", INNER4, (p, i) => outer(...ends4(i), 4, p), { decapIpInIp: 1 }),
    decoded("ipip-6in4", "IPv6 in IPv4 (protocol 41, RFC 4213)", INNER6, (p, i) => outer(...ends4(i), 41, p), { decapIpInIp: 1 }),
    decoded("ipip-4in6", "IPv4 in IPv6 (next header 4)", INNER4, (p, i) => outer(...ends6(i), 4, p), { decapIpInIp: 1 }),
    decoded("ipip-6in6", "IPv6 in IPv6 (next header 41)", INNER6, (p, i) => outer(...ends6(i), 41, p), { decapIpInIp: 1 }),
    decoded("gre-ipv4", "GRE (RFC 2784) carrying IPv4", INNER4, (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: EtherType.IPv4 }, p)), { decapGre: 1 }),
    decoded("gre-key-seq-csum-ipv6", "GRE with checksum, key and sequence fields (RFC 2890) carrying IPv6, over IPv6", INNER6,
      (p, i) => outer(...ends6(i), 47, greHeader({ protocolType: EtherType.IPv6, checksum: true, key: 42, sequence: i }, p)), { decapGre: 1 }),
    decoded("gre-teb-vlan", "GRE transparent Ethernet bridging (0x6558) carrying a VLAN-tagged frame", INNER4,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x6558, key: 7 }, frame(p, 100))), { decapGre: 1 }),
    decoded("erspan-i", "ERSPAN type I (GRE 0x88be without sequence number: the frame follows the GRE header)", INNER4,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x88be }, frame(p))), { decapErspan: 1 }),
    decoded("erspan-ii", "ERSPAN type II (GRE 0x88be, sequence number, 8-byte header version 1)", INNER4,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x88be, sequence: i }, erspanII(5, frame(p)))), { decapErspan: 1 }),
    decoded("erspan-iii", "ERSPAN type III (GRE 0x22eb, 12-byte header version 2, frame type Ethernet)", INNER6,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x22eb, sequence: i }, erspanIII(6, frame(p)))), { decapErspan: 1 }),
    decoded("erspan-iii-subheader", "ERSPAN type III with the 8-byte platform sub-header (O bit)", INNER4,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x22eb, sequence: i }, erspanIII(6, frame(p), { subHeader: true }))), { decapErspan: 1 }),
    decoded("erspan-iii-ip", "ERSPAN type III with frame type 2 (an IP packet, no Ethernet header)", INNER4,
      (p, i) => outer(...ends4(i), 47, greHeader({ protocolType: 0x22eb, sequence: i }, erspanIII(6, p, { ft: 2 }))), { decapErspan: 1 }),
    decoded("vxlan", "VXLAN (RFC 7348) on UDP 4789; the outer source port varies per packet as VTEPs hash it", INNER4,
      (p, i) => outer(...ends4(i), 17, udp({ srcPort: 49152 + i, dstPort: 4789, payload: vxlanHeader(1000, frame(p)) })), { decapVxlan: 1 }),
    decoded("vxlan-port-8472", "VXLAN on Linux's old port 8472, configured with --vxlan-ports 8472", INNER6,
      (p, i) => outer(...ends4(i), 17, udp({ srcPort: 40000, dstPort: 8472, payload: vxlanHeader(1000, frame(p)) })), { decapVxlan: 1 }, { vxlanPorts: [8472] }),
    decoded("nested-vxlan-gre-ipip", "VXLAN inside GRE inside IP-in-IP (3 layers)", INNER4,
      (p, i) => outer(...ends4(i), 4, outer("172.16.0.1", "172.16.0.2", 47, greHeader({ protocolType: EtherType.IPv4 },
        outer("172.17.0.1", "172.17.0.2", 17, udp({ srcPort: 50000, dstPort: 4789, payload: vxlanHeader(9, frame(p)) }))))),
      { decapIpInIp: 1, decapGre: 1, decapVxlan: 1 }),
  ];
}

/** A case whose packets stay on a tunnel flow (the outer endpoints). */
function kept(name: string, about: string, frames: Uint8Array[], flows: ExpectedFlow[], stats: Record<string, number>, diagnostics: string[], opts: { cut?: number; options?: DecapCase["options"] } = {}): DecapCase {
  return { name, about, options: opts.options, pcap: pcapOf(frames, opts.cut), expected: { flows, stats: { ...ZERO_DECAP, ...stats }, diagnostics } };
}

function keptCases(): DecapCase[] {
  const x = sipExchange(INNER4[0], INNER4[1]);
  const [o0, o1] = OUTER4;
  const pair = (proto: number, ab: number, ba: number): ExpectedFlow => ({ proto, initiator: o0, responder: o1, ab, ba });
  const greAll = (spec: GreSpec, inner: (p: Uint8Array) => Uint8Array = (p) => p) =>
    wrapEach(x.packets, (p, i) => outer(...ends4(i), 47, greHeader(spec, inner(p))));
  const out: DecapCase[] = [];
  // Too deep: five IP-in-IP layers, limit 4: the flow is the 4th layer's IP header (a protocol-4 pair).
  const layers = ["10.9.0.1", "10.9.0.2", "10.9.1.1", "10.9.1.2", "10.9.2.1", "10.9.2.2", "10.9.3.1", "10.9.3.2", "10.9.4.1", "10.9.4.2"];
  const deep = x.packets.map((p, i) => {
    let q = p;
    for (let l = 4; l >= 0; l--) {
      const [s, d] = back(i) ? [layers[2 * l + 1]!, layers[2 * l]!] : [layers[2 * l]!, layers[2 * l + 1]!];
      q = outer(s, d, 4, q);
    }
    return ethernetFor(q);
  });
  out.push(kept("too-deep-5-ipip", "five IP-in-IP layers with the default limit of 4: counted to the 4th layer's protocol-4 pair", deep,
    [{ proto: 4, initiator: layers[8]!, responder: layers[9]!, ab: 2, ba: 1 }], { decapIpInIp: 12, decapTooDeep: 3 }, ["tunnel_too_deep"]));
  out.push(kept("depth-0", "--max-tunnel-depth 0: IP-in-IP left alone", wrapEach(x.packets, (p, i) => outer(...ends4(i), 4, p)),
    [pair(4, 2, 1)], { decapTooDeep: 3 }, ["tunnel_too_deep"], { options: { maxTunnelDepth: 0 } }));
  // Cut headers: 14 Ethernet + 20 IPv4 + 2 bytes of GRE; IP-in-IP with 10 bytes of the inner header.
  out.push(kept("gre-cut", "GRE header cut by the snaplen (2 of its 4 bytes captured)", greAll({ protocolType: EtherType.IPv4 }),
    [pair(47, 2, 1)], { decapMalformed: 3 }, ["tunnel_not_decapsulated"], { cut: 14 + 20 + 2 }));
  out.push(kept("gre-options-cut", "GRE with key and sequence cut after its base header", greAll({ protocolType: EtherType.IPv4, key: 1, sequence: 2 }),
    [pair(47, 2, 1)], { decapMalformed: 3 }, ["tunnel_not_decapsulated"], { cut: 14 + 20 + 8 }));
  out.push(kept("ipip-inner-cut", "IP-in-IP whose inner IPv4 header is cut (10 of 20 bytes)", wrapEach(x.packets, (p, i) => outer(...ends4(i), 4, p)),
    [pair(4, 2, 1)], { decapMalformed: 3 }, ["tunnel_not_decapsulated", "malformed_ipv4"], { cut: 14 + 20 + 10 }));
  out.push(kept("gre-version-1", "GRE version 1 (PPTP's enhanced GRE): not decapsulated", greAll({ protocolType: EtherType.IPv4, extraFlags: 1 }),
    [pair(47, 2, 1)], { decapUnsupported: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("gre-routing", "GRE with the RFC 1701 routing bit", greAll({ protocolType: EtherType.IPv4, extraFlags: 0x4000 }),
    [pair(47, 2, 1)], { decapUnsupported: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("gre-ppp", "GRE carrying another payload type (PPP 0x880b)", greAll({ protocolType: 0x880b }),
    [pair(47, 2, 1)], { decapUnsupported: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("erspan-ii-bad-version", "ERSPAN type II header with version 2", greAll({ protocolType: 0x88be, sequence: 1 }, (p) => erspanII(5, frame(p), 2)),
    [pair(47, 2, 1)], { decapMalformed: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("erspan-iii-bad-version", "ERSPAN type III header with version 1", greAll({ protocolType: 0x22eb, sequence: 1 }, (p) => erspanIII(5, frame(p), { version: 1 })),
    [pair(47, 2, 1)], { decapMalformed: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("erspan-iii-frame-type-5", "ERSPAN type III with an unknown frame type", greAll({ protocolType: 0x22eb, sequence: 1 }, (p) => erspanIII(5, frame(p), { ft: 5 })),
    [pair(47, 2, 1)], { decapUnsupported: 3 }, ["tunnel_not_decapsulated"]));
  // VXLAN without the I flag: stays the outer UDP flow (fixed source port so it is one flow).
  out.push(kept("vxlan-bad-flag", "VXLAN header without its I flag (0x08): left a UDP flow to 4789",
    wrapEach(x.packets, (p, i) => outer(...ends4(i), 17, udp({ srcPort: 4789, dstPort: 4789, payload: vxlanHeader(3, frame(p), 0x00) }))),
    [{ proto: "udp", initiator: `${o0}:4789`, responder: `${o1}:4789`, ab: 2, ba: 1 }], { decapMalformed: 3 }, ["tunnel_not_decapsulated"]));
  out.push(kept("vxlan-not-configured", "VXLAN on 4789 when --vxlan-ports names only 8472: an ordinary UDP flow",
    wrapEach(x.packets, (p, i) => outer(...ends4(i), 17, udp({ srcPort: 4789, dstPort: 4789, payload: vxlanHeader(3, frame(p)) }))),
    [{ proto: "udp", initiator: `${o0}:4789`, responder: `${o1}:4789`, ab: 2, ba: 1 }], {}, [], { options: { vxlanPorts: [8472] } }));
  // A non-IP frame inside VXLAN: no flow at all (the ARP request itself is none).
  const arp = ethernet({ etherType: EtherType.ARP, payload: new Uint8Array(28), pad: false });
  out.push(kept("vxlan-arp", "VXLAN carrying an ARP frame: decapsulated, not IP, no flow",
    [ethernetFor(outer(o0, o1, 17, udp({ srcPort: 4789, dstPort: 4789, payload: vxlanHeader(3, arp) })))],
    [], { decapVxlan: 1 }, ["tunnels_decapsulated"]));
  // A tunnel packet that is itself fragmented (outer IPv4 MF + a later fragment): both on the GRE pair.
  const whole = greHeader({ protocolType: EtherType.IPv4 }, udpIp(INNER4[0], 5060, INNER4[1], 5060, "x".repeat(64)));
  const first = ipv4({ src: o0, dst: o1, proto: 47, id: 77, mf: true, payload: whole.subarray(0, 40) });
  const later = ipv4({ src: o0, dst: o1, proto: 47, id: 77, fragOffset: 5, payload: whole.subarray(40) });
  out.push(kept("gre-outer-fragmented", "a GRE packet fragmented on the outside: not decapsulated, both fragments on the GRE pair",
    [ethernetFor(first), ethernetFor(later)], [pair(47, 2, 0)], { decapFragmented: 2 }, ["tunnel_not_decapsulated"]));
  return out;
}

/** Every case (tunnels removed, then tunnels left alone). */
export function decapCases(): DecapCase[] {
  return [...decodedCases(), ...keptCases()];
}

/**
 * Every IP packet of an Ethernet capture wrapped into a tunnel (the same flows must come out):
 * "ipip" (IPv4/IPv6 in IPv4, protocol 4/41), "gre" (GRE key+sequence), "vxlan" (UDP 4789).
 * Non-IP frames stay as they are. Returns a classic pcap with the records' times and lengths
 * (snaplen-cut records stay cut by the same number of bytes).
 */
export function encapsulateCapture(records: { ts: bigint; data: Uint8Array; origLen: number }[], kind: "ipip" | "gre" | "vxlan"): Uint8Array {
  const out: PcapRecord[] = [];
  let seq = 0;
  for (const r of records) {
    const d = r.data;
    const et = d.length >= 14 ? (d[12]! << 8) | d[13]! : 0;
    if (et !== EtherType.IPv4 && et !== EtherType.IPv6) {
      out.push({ ts: r.ts, data: d, origLen: r.origLen });
      continue;
    }
    const ip = d.subarray(14);
    let wrapped: Uint8Array;
    if (kind === "ipip") wrapped = outer(OUTER4[0], OUTER4[1], et === EtherType.IPv4 ? 4 : 41, ip);
    else if (kind === "gre") wrapped = outer(OUTER4[0], OUTER4[1], 47, greHeader({ protocolType: et, key: 1, sequence: seq++ }, ip));
    else wrapped = outer(OUTER4[0], OUTER4[1], 17, udp({ srcPort: 4789, dstPort: 4789, payload: vxlanHeader(1, d) }));
    // Outer IP length fields count the whole inner packet even when the record was cut.
    const frameBytes = ethernet({ etherType: EtherType.IPv4, payload: wrapped, pad: false });
    fixOuterLengths(frameBytes, r.origLen - d.length);
    out.push({ ts: r.ts, data: frameBytes, origLen: r.origLen + frameBytes.length - d.length });
  }
  return writePcap(out, { linkType: LinkType.ETHERNET, nanosecond: true });
}

/**
 * A cut record's outer headers were built from the captured bytes: add the bytes the capture
 * lacks to the outer IPv4 total length (and the VXLAN UDP length) so they describe the packet on
 * the wire. Checksums are left as they are (nothing here verifies them).
 */
function fixOuterLengths(frameBytes: Uint8Array, missing: number): void {
  if (missing <= 0) return;
  const dv = new DataView(frameBytes.buffer, frameBytes.byteOffset);
  dv.setUint16(14 + 2, dv.getUint16(14 + 2) + missing);
  if (frameBytes[14 + 9] === 17) dv.setUint16(14 + 20 + 4, dv.getUint16(14 + 20 + 4) + missing);
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  const dir = process.argv[2] ?? "pcaps/decap";
  for (const c of decapCases()) {
    writeOut(root, `${dir}/${c.name}.pcap`, c.pcap);
    console.log(`${c.name}.pcap`, c.pcap.length, "bytes:", c.about);
  }
}
