/**
 * Generator for pcaps/flows/mix.pcapng + pcaps/flows/mix.expected.json — one small capture that
 * exercises every framing and link/network case the flow table must get right, with the expected
 * flows computed from THIS FILE'S SPEC (never from a decoder).
 *
 * Section 1 (little-endian)
 *   IDB 0  Ethernet, if_name eth0, if_tsresol 6 (µs), snaplen 0 (unlimited)
 *   IDB 1  Ethernet, if_name eth1, if_tsresol 9 (ns), if_tsoffset 1 700 000 000 s, snaplen 65535
 *   NRB, custom block (copyable 0x00000BAD), ISB, an unknown block type (0x00004242)
 *   F1  TCP/IPv4 with IP options (NOP + Record Route) on every packet, iface 0; one middle ACK is
 *       a Simple Packet Block, one an obsolete Packet Block (type 2)
 *   F2  UDP/IPv4 in 802.1Q VLAN 100, iface 0 (interface ids in the expected file are file-wide: 0-1 here, 2-3 in section 2)
 *   F3  the same tuple and VLAN as F2 on iface 1 (a separate flow: interfaces are kept apart)
 *   F4  TCP/IPv4 in QinQ (802.1ad S-tag 200, 802.1Q C-tag 300), ended by RST, iface 0
 *   F5  UDP/IPv4 datagram (3000 B) in 3 fragments, first fragment first (ports), plus a reply
 *   F6  TCP/IPv4 data segment in 2 fragments after a normal handshake
 *   F7  ICMP echo request/reply ×2 (address-pair flow, ports null)
 *   F8  TCP/IPv4 on iface 1 with a snaplen-truncated data packet (caplen 128 < len 1254)
 * Section 2 (big-endian)
 *   IDB 0  Ethernet, if_tsresol 0x8a (2^-10 s)
 *   IDB 1  Ethernet, no if_tsresol (default µs)
 *   custom block (not copyable 0x40000BAD), ISB
 *   F9   TCP/IPv6 with hop-by-hop + destination-options extension headers on every packet
 *   F10  UDP/IPv6 datagram (2000 B) in 2 fragments (fragment extension header)
 *   F11  ICMPv6 echo request/reply
 *   F12  GRE (IP protocol 47) carrying IPv4/UDP 10.0.0.1:1 → 10.0.0.2:2, sent both ways between the tunnel
 *        endpoints: decapsulated, so one UDP flow of the inner packets (2 packets one way)
 *   F13  UDP/IPv4 on iface 1, first packet in an obsolete Packet Block
 *
 * Conventions of the expected file (also written into it under "conventions"): see CONVENTIONS.
 * Run: `node dist/pcaps/make/flows-mix.js` (after `tsc -p tsconfig.build.json`).
 */

import type { Flow, FlowProto } from "../../src/types.js";
import {
  DEFAULT_EPOCH_NS, EtherType, IpProto, LinkType, ascii, concat, ethernet, gre, icmpv4, icmpv6, ipv4,
  ipv6, ipv6ExtBytes, ipv6FragmentExt, ipv6OptionsExt, pcapngUnits, pcapngUnitsToNs, tcp, tcpMssOption,
  udp, writePcapng, type Ipv6ExtHeader, type PcapngBlock, type PcapngInterface, type TcpFlags, type VlanTag,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, writeOut } from "./util.js";

export const MIX_FILES = { capture: "pcaps/flows/mix.pcapng", expected: "pcaps/flows/mix.expected.json" } as const;

/** How the expected numbers are defined (written into the JSON). */
export const CONVENTIONS = {
  packets: "every record whose IP header decodes counts once for its flow, including non-first fragments and the truncated packet; SPB and obsolete PB records count like EPBs",
  packetNumbers: "1-based record number over the whole file (sections concatenated); non-packet blocks are not numbered",
  ipBytes: "IPv4 Total Length / IPv6 40 + Payload Length (extension headers included), from the header, not the captured length",
  payloadBytes: "IP payload after the IPv6 extension headers minus the L4 header: TCP data offset, UDP 8; protocols without ports (ICMP, ICMPv6, GRE, …) have no L4 header here, so their whole message counts; a first fragment subtracts the L4 header it carries, a non-first fragment counts all its fragment data",
  fragments: "number of non-first fragments (IPv4 offset > 0, IPv6 fragment offset > 0) attributed to the flow",
  datagrams: "only on flows with fragments: per direction, packets less that direction's non-first fragments (a fragmented datagram once, as conntrack counts); TCP alike",
  interface: "file-wide interface index: IDBs numbered in file order across sections (section 2's first IDB is 2 here), since section-local ids would collide; `section` gives the section",
  time: "ISO 8601 UTC with 9 fractional digits = timestamp units converted to ns by truncation, plus if_tsoffset; SPB packets have no timestamp and are never a flow's first/last packet",
  tcp: "syn = SYN without ACK seen, synAck = SYN+ACK seen, fin / rst = flag seen in either direction",
  initiator: "source of the flow's first packet",
} as const;

// ---------------------------------------------------------------------------------------------
// Spec model
// ---------------------------------------------------------------------------------------------

interface Fact {
  proto: FlowProto;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
  ipBytes: number;
  payloadBytes: number;
  nonFirstFragment: boolean;
  tcpFlags: TcpFlags | null;
  /** Source of the outermost IP header when the packet is tunnelled (src/dst are the inner packet's). */
  outerSrc?: string;
}

interface L3 {
  bytes: Uint8Array;
  fact: Fact;
}

type PacketKind = "epb" | "spb" | "pb";

interface PacketEntry {
  kind: "packet";
  block: PacketKind;
  iface: number;
  ns: bigint;
  vlans: VlanTag[];
  l3: L3;
  /** Captured length of the whole frame when truncated. */
  caplen?: number;
}

type Entry = PacketEntry | { kind: "block"; block: PcapngBlock };

interface SectionSpec {
  bigEndian: boolean;
  interfaces: PcapngInterface[];
  entries: Entry[];
}

/** Deterministic payload bytes (printable). */
function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x41 + ((i * 7 + seed) % 26);
  return out;
}

const protoName = (p: number): FlowProto =>
  p === IpProto.TCP ? "tcp" : p === IpProto.UDP ? "udp" : p === IpProto.ICMP ? "icmp" : p === IpProto.ICMPV6 ? "icmpv6" : p;

interface L3Opts {
  ipOptions?: Uint8Array;
  ext?: Ipv6ExtHeader[];
  id?: number;
}

function wrapIp(src: string, dst: string, proto: number, l4: Uint8Array, o: L3Opts): Uint8Array {
  return src.includes(":")
    ? ipv6({ src, dst, nextHeader: proto, ext: o.ext, payload: l4 })
    : ipv4({ src, dst, proto, id: o.id ?? 0x100, options: o.ipOptions, payload: l4 });
}

function ipHeaderLen(src: string, o: L3Opts, proto: number): number {
  if (src.includes(":")) return 40 + ipv6ExtBytes(o.ext ?? [], proto).length;
  return 20 + (o.ipOptions ? (o.ipOptions.length + 3) & ~3 : 0);
}

function tcpL3(src: string, dst: string, sport: number, dport: number, seq: number, ack: number, flags: TcpFlags, payloadLen: number, o: L3Opts = {}): L3 {
  const options = flags.syn ? tcpMssOption(1460) : undefined;
  const seg = tcp({ src, dst, srcPort: sport, dstPort: dport, seq, ack, flags, options, payload: fill(payloadLen, sport + seq) });
  const bytes = wrapIp(src, dst, IpProto.TCP, seg, o);
  return {
    bytes,
    fact: {
      proto: "tcp", ipVersion: src.includes(":") ? 6 : 4, src, dst, sport, dport,
      ipBytes: bytes.length, payloadBytes: payloadLen, nonFirstFragment: false, tcpFlags: flags,
    },
  };
}

function udpL3(src: string, dst: string, sport: number, dport: number, payloadLen: number, o: L3Opts = {}): L3 {
  const dg = udp({ src, dst, srcPort: sport, dstPort: dport, payload: fill(payloadLen, sport) });
  const bytes = wrapIp(src, dst, IpProto.UDP, dg, o);
  return {
    bytes,
    fact: {
      proto: "udp", ipVersion: src.includes(":") ? 6 : 4, src, dst, sport, dport,
      ipBytes: bytes.length, payloadBytes: payloadLen, nonFirstFragment: false, tcpFlags: null,
    },
  };
}

/**
 * Split an L4 message into IP fragments; `sizes` are the fragment data lengths (multiples of 8
 * except the last). The first fragment carries the L4 header (`l4HeaderLen` bytes).
 */
function fragmentL3(src: string, dst: string, proto: number, l4: Uint8Array, l4HeaderLen: number, sport: number | null, dport: number | null, sizes: number[], id: number, tcpFlags: TcpFlags | null): L3[] {
  const out: L3[] = [];
  let off = 0;
  sizes.forEach((n, i) => {
    const part = l4.subarray(off, off + n);
    const more = i < sizes.length - 1;
    const v6 = src.includes(":");
    const bytes = v6
      ? ipv6({ src, dst, nextHeader: proto, ext: [ipv6FragmentExt(off / 8, more, id)], payload: part })
      : ipv4({ src, dst, proto, id, mf: more, fragOffset: off / 8, payload: part });
    out.push({
      bytes,
      fact: {
        proto: protoName(proto), ipVersion: v6 ? 6 : 4, src, dst, sport, dport,
        ipBytes: bytes.length, payloadBytes: i === 0 ? n - l4HeaderLen : n, nonFirstFragment: i > 0,
        tcpFlags: i === 0 ? tcpFlags : null,
      },
    });
    off += n;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The capture
// ---------------------------------------------------------------------------------------------

const TSOFFSET = 1_700_000_000n;
const MS = 1_000_000n;

/** The full spec (sections with their entries). */
export function mixSpec(): SectionSpec[] {
  let clock = DEFAULT_EPOCH_NS;
  const tick = (ms = 1n) => (clock += ms * MS);
  const s1: Entry[] = [];
  const s2: Entry[] = [];
  const pkt = (list: Entry[], l3: L3, o: { iface?: number; vlans?: VlanTag[]; block?: PacketKind; caplen?: number } = {}) =>
    list.push({ kind: "packet", block: o.block ?? "epb", iface: o.iface ?? 0, ns: tick(), vlans: o.vlans ?? [], l3, caplen: o.caplen });

  // ---- Section 1 (LE) -------------------------------------------------------------------------
  s1.push({ kind: "block", block: { type: "nrb", records: [{ ip: "192.0.2.1", names: ["client1.example"] }, { ip: "2001:db8::8", names: ["v6client.example"] }] } });
  s1.push({ kind: "block", block: { type: "custom", pen: 32473, data: ascii("alg-verify test custom block"), copyable: true } });

  // F1: TCP/IPv4 with options (NOP, NOP, Record Route with 2 empty slots = 11 bytes → padded to 12).
  {
    const o: L3Opts = { ipOptions: Uint8Array.of(1, 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0) };
    const c = "192.0.2.1", s = "198.51.100.1", cp = 40001, sp = 80;
    let cs = 1000, ss = 5000;
    pkt(s1, tcpL3(c, s, cp, sp, cs, 0, { syn: true }, 0, o)); cs++;
    pkt(s1, tcpL3(s, c, sp, cp, ss, cs, { syn: true, ack: true }, 0, o)); ss++;
    pkt(s1, tcpL3(c, s, cp, sp, cs, ss, { ack: true }, 0, o));
    pkt(s1, tcpL3(c, s, cp, sp, cs, ss, { ack: true, psh: true }, 120, o)); cs += 120;
    pkt(s1, tcpL3(s, c, sp, cp, ss, cs, { ack: true, psh: true }, 700, o)); ss += 700;
    pkt(s1, tcpL3(c, s, cp, sp, cs, ss, { ack: true }, 0, o), { block: "spb" });
    pkt(s1, tcpL3(s, c, sp, cp, ss, cs, { ack: true, psh: true }, 300, o), { block: "pb" }); ss += 300;
    pkt(s1, tcpL3(c, s, cp, sp, cs, ss, { ack: true, fin: true }, 0, o)); cs++;
    pkt(s1, tcpL3(s, c, sp, cp, ss, cs, { ack: true, fin: true }, 0, o)); ss++;
    pkt(s1, tcpL3(c, s, cp, sp, cs, ss, { ack: true }, 0, o));
  }
  // F2 / F3: same UDP tuple in VLAN 100 on iface 0 and on iface 1.
  for (const iface of [0, 1]) {
    const vlans: VlanTag[] = [{ vid: 100 }];
    pkt(s1, udpL3("192.0.2.2", "198.51.100.2", 41000, 7777, 40), { iface, vlans });
    pkt(s1, udpL3("198.51.100.2", "192.0.2.2", 7777, 41000, 120), { iface, vlans });
  }
  s1.push({ kind: "block", block: { type: "isb", iface: 0, ts: pcapngUnits(clock, 6), ifRecv: 20n, ifDrop: 0n } });
  // F4: TCP in QinQ, handshake, one request, RST from the server.
  {
    const vlans: VlanTag[] = [{ tpid: 0x88a8, vid: 200 }, { tpid: 0x8100, vid: 300 }];
    const c = "192.0.2.3", s = "198.51.100.3", cp = 40002, sp = 21;
    pkt(s1, tcpL3(c, s, cp, sp, 100, 0, { syn: true }, 0), { vlans });
    pkt(s1, tcpL3(s, c, sp, cp, 900, 101, { syn: true, ack: true }, 0), { vlans });
    pkt(s1, tcpL3(c, s, cp, sp, 101, 901, { ack: true }, 0), { vlans });
    pkt(s1, tcpL3(s, c, sp, cp, 901, 101, { ack: true, psh: true }, 20), { vlans });
    pkt(s1, tcpL3(c, s, cp, sp, 101, 921, { ack: true, psh: true }, 16), { vlans });
    pkt(s1, tcpL3(s, c, sp, cp, 921, 117, { rst: true, ack: true }, 0), { vlans });
  }
  s1.push({ kind: "block", block: { type: "unknown", blockType: 0x00004242, body: ascii("skip me by length") } });
  // F5: UDP datagram of 3000 payload bytes in 3 fragments (1480 + 1480 + 48 bytes of UDP message).
  {
    const c = "192.0.2.4", s = "198.51.100.4";
    const dg = udp({ src: c, dst: s, srcPort: 7000, dstPort: 7001, payload: fill(3000, 5) });
    for (const f of fragmentL3(c, s, IpProto.UDP, dg, 8, 7000, 7001, [1480, 1480, 48], 0x0f05, null)) pkt(s1, f);
    pkt(s1, udpL3(s, c, 7001, 7000, 32));
  }
  // F6: TCP handshake, then a 1400-byte segment (1420 B with header) in 2 fragments, then an ACK.
  {
    const c = "192.0.2.5", s = "198.51.100.5", cp = 40003, sp = 443;
    pkt(s1, tcpL3(c, s, cp, sp, 7000, 0, { syn: true }, 0));
    pkt(s1, tcpL3(s, c, sp, cp, 8000, 7001, { syn: true, ack: true }, 0));
    pkt(s1, tcpL3(c, s, cp, sp, 7001, 8001, { ack: true }, 0));
    const seg = tcp({ src: c, dst: s, srcPort: cp, dstPort: sp, seq: 7001, ack: 8001, flags: { ack: true, psh: true }, payload: fill(1400, 6) });
    for (const f of fragmentL3(c, s, IpProto.TCP, seg, 20, cp, sp, [1000, 420], 0x0f06, { ack: true, psh: true })) pkt(s1, f);
    pkt(s1, tcpL3(s, c, sp, cp, 8001, 8401, { ack: true }, 0));
  }
  // F7: ICMP echo ×2.
  for (let i = 1; i <= 2; i++) {
    const req = icmpv4({ id: 0x77, seq: i, payload: fill(56, i) });
    const rep = icmpv4({ id: 0x77, seq: i, reply: true, payload: fill(56, i) });
    for (const [src, dst, m] of [["192.0.2.6", "198.51.100.6", req], ["198.51.100.6", "192.0.2.6", rep]] as const) {
      const bytes = ipv4({ src, dst, proto: IpProto.ICMP, id: 0x600 + i, payload: m });
      pkt(s1, { bytes, fact: { proto: "icmp", ipVersion: 4, src, dst, sport: null, dport: null, ipBytes: bytes.length, payloadBytes: m.length, nonFirstFragment: false, tcpFlags: null } });
    }
  }
  // F8: TCP on iface 1 with one snaplen-truncated data packet (frame caplen 128).
  {
    const c = "192.0.2.7", s = "198.51.100.7", cp = 40004, sp = 8080;
    pkt(s1, tcpL3(c, s, cp, sp, 1, 0, { syn: true }, 0), { iface: 1 });
    pkt(s1, tcpL3(s, c, sp, cp, 1, 2, { syn: true, ack: true }, 0), { iface: 1 });
    pkt(s1, tcpL3(c, s, cp, sp, 2, 2, { ack: true }, 0), { iface: 1 });
    pkt(s1, tcpL3(s, c, sp, cp, 2, 2, { ack: true }, 1214), { iface: 1, caplen: 128 });
    pkt(s1, tcpL3(c, s, cp, sp, 2, 1216, { ack: true }, 0), { iface: 1 });
  }

  // ---- Section 2 (BE) -------------------------------------------------------------------------
  s2.push({ kind: "block", block: { type: "custom", pen: 32473, data: ascii("do not copy"), copyable: false } });
  // F9: TCP/IPv6 with hop-by-hop (router alert) + destination options (PadN only).
  {
    const o: L3Opts = { ext: [ipv6OptionsExt(0, Uint8Array.of(5, 2, 0, 0)), ipv6OptionsExt(60)] };
    const c = "2001:db8::8", s = "2001:db8:1::8", cp = 40005, sp = 80;
    pkt(s2, tcpL3(c, s, cp, sp, 10, 0, { syn: true }, 0, o));
    pkt(s2, tcpL3(s, c, sp, cp, 20, 11, { syn: true, ack: true }, 0, o));
    pkt(s2, tcpL3(c, s, cp, sp, 11, 21, { ack: true, psh: true }, 60, o));
    pkt(s2, tcpL3(s, c, sp, cp, 21, 71, { ack: true, psh: true }, 500, o));
    pkt(s2, tcpL3(c, s, cp, sp, 71, 521, { ack: true, fin: true }, 0, o));
    pkt(s2, tcpL3(s, c, sp, cp, 521, 72, { ack: true, fin: true }, 0, o));
    pkt(s2, tcpL3(c, s, cp, sp, 72, 522, { ack: true }, 0, o));
  }
  // F10: UDP/IPv6 2000-byte payload in 2 fragments (1232 + 776 bytes of the 2008-byte message).
  {
    const c = "2001:db8::9", s = "2001:db8:1::9";
    const dg = udp({ src: c, dst: s, srcPort: 6000, dstPort: 6001, payload: fill(2000, 10) });
    for (const f of fragmentL3(c, s, IpProto.UDP, dg, 8, 6000, 6001, [1232, 776], 0x0a0b0c0d, null)) pkt(s2, f);
  }
  // F11: ICMPv6 echo.
  for (const reply of [false, true]) {
    const [src, dst] = reply ? ["2001:db8:1::a", "2001:db8::a"] : ["2001:db8::a", "2001:db8:1::a"];
    const m = icmpv6({ src, dst, id: 0x1111, seq: 1, reply, payload: fill(32, 11) });
    const bytes = ipv6({ src, dst, nextHeader: IpProto.ICMPV6, payload: m });
    pkt(s2, { bytes, fact: { proto: "icmpv6", ipVersion: 6, src, dst, sport: null, dport: null, ipBytes: bytes.length, payloadBytes: m.length, nonFirstFragment: false, tcpFlags: null } });
  }
  s2.push({ kind: "block", block: { type: "isb", iface: 0, ts: pcapngUnits(clock, 0x8a), ifRecv: 16n } });
  // F12: GRE carrying an inner IPv4/UDP packet, both ways.
  for (const [src, dst] of [["192.0.2.11", "198.51.100.11"], ["198.51.100.11", "192.0.2.11"]] as const) {
    const inner = ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto: IpProto.UDP, payload: udp({ srcPort: 1, dstPort: 2, payload: fill(20, 12) }) });
    const bytes = ipv4({ src, dst, proto: IpProto.GRE, id: 0xb00, payload: gre(EtherType.IPv4, inner) });
    // The flow is the innermost packet's (tunnels are removed: README "flows").
    pkt(s2, { bytes, fact: { proto: "udp", ipVersion: 4, src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, ipBytes: inner.length, payloadBytes: 20, nonFirstFragment: false, tcpFlags: null, outerSrc: src } });
  }
  // F13: UDP on iface 1, the first packet in an obsolete Packet Block.
  pkt(s2, udpL3("192.0.2.12", "198.51.100.12", 9999, 9999, 64), { iface: 1, block: "pb" });
  pkt(s2, udpL3("198.51.100.12", "192.0.2.12", 9999, 9999, 64), { iface: 1 });

  return [
    {
      bigEndian: false,
      interfaces: [
        { linkType: LinkType.ETHERNET, snaplen: 0, tsresol: 6, name: "eth0" },
        { linkType: LinkType.ETHERNET, snaplen: 65535, tsresol: 9, tsoffset: TSOFFSET, name: "eth1" },
      ],
      entries: s1,
    },
    {
      bigEndian: true,
      interfaces: [
        { linkType: LinkType.ETHERNET, snaplen: 65535, tsresol: 0x8a },
        { linkType: LinkType.ETHERNET, snaplen: 65535 },
      ],
      entries: s2,
    },
  ];
}

const MAC_A = "02:00:5e:10:00:01";
const MAC_B = "02:00:5e:10:00:02";

function frameOf(p: PacketEntry): Uint8Array {
  const src = p.l3.fact.outerSrc ?? p.l3.fact.src;
  const fromA = src.startsWith("192.0.2.") || src.startsWith("2001:db8::");
  return ethernet({
    src: fromA ? MAC_A : MAC_B, dst: fromA ? MAC_B : MAC_A,
    vlans: p.vlans, etherType: p.l3.fact.ipVersion === 6 ? EtherType.IPv6 : EtherType.IPv4, payload: p.l3.bytes,
  });
}

/** ISO 8601 UTC with 9 fractional digits. */
export function isoNs(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return new Date(Number(sec) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** The capture bytes. */
export function makeMixCapture(spec = mixSpec()): Uint8Array {
  return writePcapng({
    sections: spec.map((sec) => ({
      bigEndian: sec.bigEndian,
      options: [{ code: 4, value: ascii("alg-verify pcaps/make/flows-mix.ts") }], // shb_userappl
      interfaces: sec.interfaces,
      blocks: sec.entries.map((e): PcapngBlock => {
        if (e.kind === "block") return e.block;
        const iface = sec.interfaces[e.iface]!;
        const frame = frameOf(e);
        const data = e.caplen !== undefined ? frame.subarray(0, e.caplen) : frame;
        const ts = pcapngUnits(e.ns, iface.tsresol ?? 6, iface.tsoffset ?? 0n);
        if (e.block === "spb") {
          if (e.iface !== 0) throw new Error("SPB is always interface 0");
          return { type: "spb", data, origLen: frame.length };
        }
        if (e.block === "pb") return { type: "pb", iface: e.iface, ts, data, origLen: frame.length };
        return { type: "epb", iface: e.iface, ts, data, origLen: frame.length };
      }),
    })),
  });
}

export interface ExpectedFlow extends Flow {
  /** pcapng section index (0-based) the flow lives in. */
  section: number;
}

export interface MixExpected {
  capture: string;
  generator: string;
  conventions: typeof CONVENTIONS;
  packets: number;
  truncatedPackets: number;
  sections: number;
  flows: ExpectedFlow[];
}

const SPB_NO_TIME = "(spb: no timestamp)";

/** Expected flows, from the spec alone. */
export function mixExpected(spec = mixSpec()): MixExpected {
  const flows: ExpectedFlow[] = [];
  const byKey = new Map<string, ExpectedFlow>();
  const later = new Map<ExpectedFlow, { initiatorToResponder: number; responderToInitiator: number }>();
  let n = 0;
  let truncated = 0;
  let ifBase = 0; // file-wide index of this section's first IDB
  spec.forEach((sec, si) => {
    for (const e of sec.entries) {
      if (e.kind !== "packet") continue;
      n++;
      if (e.caplen !== undefined) truncated++;
      const f = e.l3.fact;
      const iface = sec.interfaces[e.iface]!;
      const time = e.block === "spb" ? null
        : isoNs(pcapngUnitsToNs(pcapngUnits(e.ns, iface.tsresol ?? 6, iface.tsoffset ?? 0n), iface.tsresol ?? 6, iface.tsoffset ?? 0n));
      const vlan = e.vlans.map((v) => v.vid);
      const ends = [`${f.src}|${f.sport}`, `${f.dst}|${f.dport}`].sort();
      const key = `${si}|${e.iface}|${vlan.join(".")}|${f.proto}|${ends.join("|")}`;
      let fl = byKey.get(key);
      if (!fl) {
        if (time === null) throw new Error("an SPB cannot start a flow (no timestamp)");
        fl = {
          id: flows.length + 1, proto: f.proto, ipVersion: f.ipVersion, vlan, interface: ifBase + e.iface, section: si,
          initiator: { ip: f.src, port: f.sport }, responder: { ip: f.dst, port: f.dport },
          packets: { initiatorToResponder: 0, responderToInitiator: 0 },
          ipBytes: { initiatorToResponder: 0, responderToInitiator: 0 },
          payloadBytes: { initiatorToResponder: 0, responderToInitiator: 0 },
          first: { packet: n, time }, last: { packet: n, time },
          ...(f.proto === "tcp" ? { tcp: { syn: false, synAck: false, fin: false, rst: false } } : {}),
          fragments: 0,
        };
        byKey.set(key, fl);
        flows.push(fl);
      }
      const dir = f.src === fl.initiator.ip && f.sport === fl.initiator.port ? "initiatorToResponder" : "responderToInitiator";
      fl.packets[dir]++;
      fl.ipBytes[dir] += f.ipBytes;
      fl.payloadBytes[dir] += f.payloadBytes;
      if (f.nonFirstFragment) {
        fl.fragments++;
        const l = later.get(fl) ?? { initiatorToResponder: 0, responderToInitiator: 0 };
        l[dir]++;
        later.set(fl, l);
      }
      fl.last = { packet: n, time: time ?? SPB_NO_TIME };
      if (fl.tcp && f.tcpFlags) {
        const t = f.tcpFlags;
        if (t.syn && !t.ack) fl.tcp.syn = true;
        if (t.syn && t.ack) fl.tcp.synAck = true;
        if (t.fin) fl.tcp.fin = true;
        if (t.rst) fl.tcp.rst = true;
      }
    }
    ifBase += sec.interfaces.length;
  });
  for (const fl of flows) if (fl.last.time === SPB_NO_TIME) throw new Error(`flow ${fl.id} ends with an SPB`);
  // Datagrams as conntrack counts them (a fragmented one once), on flows with fragments, TCP alike.
  for (const [fl, l] of later) {
    fl.datagrams = { initiatorToResponder: fl.packets.initiatorToResponder - l.initiatorToResponder, responderToInitiator: fl.packets.responderToInitiator - l.responderToInitiator };
  }
  return {
    capture: MIX_FILES.capture, generator: "pcaps/make/flows-mix.ts", conventions: CONVENTIONS,
    packets: n, truncatedPackets: truncated, sections: spec.length, flows,
  };
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  const spec = mixSpec();
  const bytes = makeMixCapture(spec);
  console.log(writeOut(root, MIX_FILES.capture, bytes), bytes.length);
  console.log(writeOut(root, MIX_FILES.expected, JSON.stringify(mixExpected(spec), null, 2) + "\n"));
}
