/**
 * Generated captures of fragmented UDP datagrams on ALG ports, each with what a reassembling
 * ALG must see (computed here from the datagrams that were cut into fragments): a TFTP read
 * request with a long filename (RFC 1350 RRQ + RFC 2347 options) cut into small IP fragments, the
 * server's answer from a new port (one DATA block) and the client's ACK. Fragments in order,
 * reversed, repeated, overlapping, missing, spread past the reassembly timeout, evicted from a
 * store of one datagram by an interleaved second request, longer than --reasm-bytes, cut by the
 * snaplen, over IPv6, and a fragmented datagram of a port no ALG uses.
 *
 * Used by test/capture/reasm*.test.ts. Run: `node dist/pcaps/make/reasm-cases.js [dir]` writes
 * each case as <dir>/<name>.pcap (default pcaps/reasm/, not committed).
 */
import {
  DEFAULT_EPOCH_NS, IpProto, LinkType, ascii, concat, ethernetFor, ipv4, ipv6, ipv6FragmentExt, tcp, udp, writePcap, type PcapRecord,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, writeOut } from "./util.js";

export interface ReasmCase {
  name: string;
  about: string;
  pcap: Uint8Array;
  options?: { reasmDatagrams?: number; reasmBytes?: number; reasmTimeoutSeconds?: number };
  expected: {
    /** Filenames of the TFTP requests the ALG must have parsed whole, in order. */
    requests: string[];
    /** Counters that must have these values. */
    stats: Record<string, number>;
    /** Packets (fragments) of the request flow client → server; datagrams = what conntrack counts. */
    requestFlow: { packets: number; fragments: number; datagrams: number };
  };
}

const CLIENT = "192.0.2.10";
const SERVER = "198.51.100.20";
const CLIENT6 = "2001:db8:1::10";
const SERVER6 = "2001:db8:2::20";
const CPORT = 40000;

/** An RRQ whose filename is `n` characters (a path a provisioning server might serve). */
export function longName(n: number, tag = "a"): string {
  let s = `/tftpboot/phones/${tag}/`;
  while (s.length < n) s += "0123456789abcdef"[s.length % 16];
  return s.slice(0, n);
}

function rrq(filename: string): Uint8Array {
  return concat(Uint8Array.of(0, 1), ascii(`${filename}\0octet\0blksize\x001428\0`));
}

/** The UDP datagram (header + payload) of a request from the client to the server's port 69. */
function requestDatagram(filename: string, v6 = false, cport = CPORT): Uint8Array {
  const [c, s] = v6 ? [CLIENT6, SERVER6] : [CLIENT, SERVER];
  return udp({ src: c, dst: s, srcPort: cport, dstPort: 69, payload: rrq(filename) });
}

/** A fragment: [offset, bytes) of the datagram, more = MF. */
interface Piece { off: number; data: Uint8Array; more: boolean }

/** The datagram cut into pieces of `size` bytes (a multiple of 8). */
function pieces(dgram: Uint8Array, size: number): Piece[] {
  const out: Piece[] = [];
  for (let off = 0; off < dgram.length; off += size) out.push({ off, data: dgram.subarray(off, off + size), more: off + size < dgram.length });
  return out;
}

function frag4(p: Piece, id: number, src = CLIENT, dst = SERVER, proto: number = IpProto.UDP): Uint8Array {
  return ethernetFor(ipv4({ src, dst, proto, id, mf: p.more, fragOffset: p.off / 8, payload: p.data }));
}

function frag6(p: Piece, id: number): Uint8Array {
  return ethernetFor(ipv6({ src: CLIENT6, dst: SERVER6, nextHeader: IpProto.UDP, ext: [ipv6FragmentExt(p.off / 8, p.more, id)], payload: p.data }));
}

/** The server's answer (DATA block 1, final) from a new port and the client's ACK. */
function transfer(v6 = false, cport = CPORT, sport = 50000): Uint8Array[] {
  const [c, s] = v6 ? [CLIENT6, SERVER6] : [CLIENT, SERVER];
  const ip = (a: string, b: string, payload: Uint8Array) => ethernetFor(v6 ? ipv6({ src: a, dst: b, nextHeader: IpProto.UDP, payload }) : ipv4({ src: a, dst: b, proto: IpProto.UDP, payload }));
  return [
    ip(s, c, udp({ src: s, dst: c, srcPort: sport, dstPort: cport, payload: concat(Uint8Array.of(0, 3, 0, 1), ascii("config\n")) })),
    ip(c, s, udp({ src: c, dst: s, srcPort: cport, dstPort: sport, payload: Uint8Array.of(0, 4, 0, 1) })),
  ];
}

interface Timed { frame: Uint8Array; at?: number; cut?: number }

function pcapOf(frames: Timed[]): Uint8Array {
  let t = 0;
  const recs: PcapRecord[] = frames.map((f) => {
    t = f.at ?? t + 1;
    const data = f.cut !== undefined ? f.frame.subarray(0, f.cut) : f.frame;
    return { ts: DEFAULT_EPOCH_NS + BigInt(t) * 1_000_000n, data, origLen: f.frame.length };
  });
  return writePcap(recs, { linkType: LinkType.ETHERNET });
}

const ZERO = { reasmDatagrams: 0, reasmEvicted: 0, reasmTimeouts: 0, reasmOverlaps: 0, reasmTooLarge: 0, reasmIncomplete: 0 };
const SIZE = 128;
const NAME_LEN = 600;

/** What the ALG must parse: the whole request, nothing, or (reassembly off) the first fragment's part of the filename. */
type Parsed = "whole" | "none" | "first-fragment";

function tftpCase(name: string, about: string, order: (ps: Piece[]) => Piece[], stats: Partial<typeof ZERO>, parsed: Parsed, extra: Partial<ReasmCase> = {}): ReasmCase {
  const file = longName(NAME_LEN);
  const ps = pieces(requestDatagram(file), SIZE);
  const sent = order(ps);
  const frames: Timed[] = [...sent.map((p) => ({ frame: frag4(p, 0x1234) })), ...transfer().map((frame) => ({ frame }))];
  const later = sent.filter((p) => p.off > 0).length;
  return {
    name, about, pcap: pcapOf(frames), options: extra.options,
    expected: {
      // The first fragment carries the UDP header (8) and the opcode (2) before the filename.
      requests: parsed === "whole" ? [file] : parsed === "first-fragment" ? [file.slice(0, SIZE - 8 - 2)] : [],
      stats: { ...ZERO, ...stats },
      requestFlow: { packets: sent.length, fragments: later, datagrams: sent.length - later },
    },
  };
}

export function reasmCases(): ReasmCase[] {
  const file = longName(NAME_LEN);
  const out: ReasmCase[] = [
    tftpCase("in-order", "a 600-character RRQ cut into 128-byte fragments, in order", (ps) => ps, { reasmDatagrams: 1 }, "whole"),
    tftpCase("reversed", "the same fragments last first (as some stacks send them)", (ps) => [...ps].reverse(), { reasmDatagrams: 1 }, "whole"),
    tftpCase("shuffled-repeat", "fragments out of order, the third sent twice (an exact repeat is ignored)", (ps) => [ps[2]!, ps[0]!, ps[2]!, ...ps.slice(3), ps[1]!], { reasmDatagrams: 1 }, "whole"),
    tftpCase("missing", "the second fragment never arrives: counted incomplete at the end, not parsed", (ps) => ps.filter((_, i) => i !== 1), { reasmIncomplete: 1 }, "none"),
    tftpCase("overlap", "a fragment overlapping the next one by 8 bytes: the datagram is discarded (RFC 5722, Linux)",
      (ps) => ps.map((p, i) => (i === 1 ? { ...p, data: requestDatagram(file).subarray(p.off, p.off + SIZE + 8) } : p)), { reasmOverlaps: 1 }, "none"),
    tftpCase("too-large", "--reasm-bytes 256 below the datagram's length: not reassembled", (ps) => ps, { reasmTooLarge: 1 }, "none", { options: { reasmBytes: 256 } }),
    tftpCase("no-reassembly", "--reasm-datagrams 0: the first fragment alone reaches the ALG, cut (its part of the filename)", (ps) => ps, {}, "first-fragment", { options: { reasmDatagrams: 0 } }),
  ];
  // Timeout: the last fragment 31 s after the first (limit 30 s).
  {
    const ps = pieces(requestDatagram(file), SIZE);
    const frames: Timed[] = ps.map((p, i) => ({ frame: frag4(p, 0x1234), at: i === ps.length - 1 ? 31_000 : i + 1 }));
    frames.push(...transfer().map((frame, i) => ({ frame, at: 31_001 + i })));
    out.push({
      name: "timeout", about: "the last fragment 31 s after the first (--reasm-timeout 30): timed out, not parsed", pcap: pcapOf(frames),
      expected: { requests: [], stats: { ...ZERO, reasmTimeouts: 1 }, requestFlow: { packets: ps.length, fragments: ps.length - 1, datagrams: 1 } },
    });
  }
  // Evicted: two requests from two client ports interleaved, store of one datagram.
  {
    const fileB = longName(NAME_LEN, "b");
    const a = pieces(requestDatagram(file, false, CPORT), SIZE);
    const b = pieces(requestDatagram(fileB, false, CPORT + 1), SIZE);
    const frames: Timed[] = [{ frame: frag4(a[0]!, 1) }, { frame: frag4(b[0]!, 2) }, ...a.slice(1).map((p) => ({ frame: frag4(p, 1) })), ...b.slice(1).map((p) => ({ frame: frag4(p, 2) }))];
    out.push({
      name: "evicted", about: "two interleaved fragmented requests with --reasm-datagrams 1: the first is evicted by the second, which is parsed",
      pcap: pcapOf(frames), options: { reasmDatagrams: 1 },
      expected: { requests: [fileB], stats: { ...ZERO, reasmDatagrams: 1, reasmEvicted: 1 }, requestFlow: { packets: a.length, fragments: a.length - 1, datagrams: 1 } },
    });
  }
  // Snaplen: the last fragment cut (its last 8 bytes missing): reassembled, handed as cut.
  {
    const ps = pieces(requestDatagram(file), SIZE);
    const frames: Timed[] = ps.map((p, i) => ({ frame: frag4(p, 0x1234), cut: i === ps.length - 1 ? frag4(p, 0x1234).length - 8 : undefined }));
    out.push({
      name: "snaplen-cut", about: "the last fragment cut by the snaplen: reassembled, the ALG sees the datagram as cut (cap < len)", pcap: pcapOf(frames),
      expected: { requests: [file], stats: { ...ZERO, reasmDatagrams: 1 }, requestFlow: { packets: ps.length, fragments: ps.length - 1, datagrams: 1 } },
    });
  }
  // IPv6 fragment headers.
  {
    const ps = pieces(requestDatagram(file, true), SIZE);
    const frames: Timed[] = [...ps.map((p) => ({ frame: frag6(p, 0xabcdef) })), ...transfer(true).map((frame) => ({ frame }))];
    out.push({
      name: "ipv6", about: "IPv6 fragment headers (RFC 8200 §4.5), in order", pcap: pcapOf(frames),
      expected: { requests: [file], stats: { ...ZERO, reasmDatagrams: 1 }, requestFlow: { packets: ps.length, fragments: ps.length - 1, datagrams: 1 } },
    });
  }
  // A fragmented datagram of another port, last fragment first: nothing held at the end, nothing counted.
  {
    const d = udp({ src: CLIENT, dst: SERVER, srcPort: 40000, dstPort: 5000, payload: ascii("y".repeat(700)) });
    const ps = [...pieces(d, SIZE)].reverse();
    out.push({
      name: "other-port", about: "a fragmented datagram to UDP 5000 (no ALG), last fragment first: not reassembled, nothing counted", pcap: pcapOf(ps.map((p) => ({ frame: frag4(p, 9) }))),
      expected: { requests: [], stats: { ...ZERO }, requestFlow: { packets: ps.length, fragments: ps.length - 1, datagrams: 1 } },
    });
  }
  return out;
}

/** A fragmented SIP INVITE with SDP (a large one: 4 audio/video m= lines and padding attributes). */
export interface SipReasmCase {
  name: string;
  about: string;
  pcap: Uint8Array;
  options?: ReasmCase["options"];
  expected: {
    /** Call-ID of the INVITE when the ALG parsed it whole; the m= ports its SDP announced. */
    callId: string;
    mediaPorts: number[];
    contentLength: number;
    /** True when the ALG must see the INVITE cut (reassembly off: the first fragment alone). */
    truncated: boolean;
  };
}

export function sipInvite(): { text: string; callId: string; mediaPorts: number[]; body: string } {
  const callId = "frag-4711@192.0.2.10";
  const mediaPorts = [49170, 49172, 51372, 51374];
  const pad = Array.from({ length: 24 }, (_, i) => `a=rtpmap:${96 + i} dynamic-codec-${i}/90000\r\n`).join("");
  const body =
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
    mediaPorts.map((p, i) => `m=${i % 2 ? "video" : "audio"} ${p} RTP/AVP 0 ${96 + i}\r\n${pad}`).join("");
  const text =
    "INVITE sip:bob@198.51.100.20 SIP/2.0\r\n" +
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n" +
    "From: <sip:alice@192.0.2.10>;tag=1928301774\r\nTo: <sip:bob@198.51.100.20>\r\n" +
    `Call-ID: ${callId}\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@192.0.2.10:5060>\r\n` +
    `Content-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  return { text, callId, mediaPorts, body };
}

export function sipReasmCases(): SipReasmCase[] {
  const inv = sipInvite();
  const dgram = udp({ src: CLIENT, dst: SERVER, srcPort: 5060, dstPort: 5060, payload: ascii(inv.text) });
  const ps = pieces(dgram, 1480);
  const mk = (name: string, about: string, order: Piece[], truncated: boolean, options?: ReasmCase["options"]): SipReasmCase => ({
    name, about, options, pcap: pcapOf(order.map((p) => ({ frame: frag4(p, 0x4711) }))),
    expected: { callId: inv.callId, mediaPorts: inv.mediaPorts, contentLength: inv.body.length, truncated },
  });
  return [
    mk("sip-invite-fragmented", `a ${dgram.length}-byte SIP INVITE with SDP in ${ps.length} fragments (MTU 1500)`, ps, false),
    mk("sip-invite-fragmented-reversed", "the same fragments last first", [...ps].reverse(), false),
    mk("sip-invite-no-reassembly", "--reasm-datagrams 0: the SIP parser gets the first fragment alone, marked cut", ps, true, { reasmDatagrams: 0 }),
  ];
}

/** Datagrams per direction of one flow, as conntrack counts them (a fragmented datagram once). */
export interface FlowCount { initiator: string; initiatorPort: number; proto: "udp" | "tcp"; packets: [number, number]; fragments: number; datagrams: [number, number] | null }

/** A capture whose flows carry fragmented datagrams, with what conntrack counts per flow (computed while building it). */
export interface DatagramCase {
  name: string;
  about: string;
  pcap: Uint8Array;
  /** Per flow of the capture (keyed by initiator endpoint and protocol). */
  flows: FlowCount[];
  /** For a TFTP transfer in the case: the blocks and data bytes the client received. */
  tftp?: { filename: string; blksize: number; blocks: number; bytes: number };
}

/** Builds frames while counting what conntrack would count per flow and direction. */
class Counter {
  readonly frames: Timed[] = [];
  readonly flows = new Map<string, FlowCount>();
  private id = 0x100;
  /** One datagram a → b (`dir` 0 = initiator → responder of `flow`), cut into `size`-byte fragments (0 = whole) sent in `order`. */
  send(flow: FlowCount, dir: 0 | 1, src: string, dst: string, datagram: Uint8Array, size = 0, order: (ps: Piece[]) => Piece[] = (ps) => ps): void {
    const proto = flow.proto === "udp" ? IpProto.UDP : IpProto.TCP;
    const id = ++this.id;
    const ps = size ? order(pieces(datagram, size)) : [{ off: 0, data: datagram, more: false }];
    for (const p of ps) this.frames.push({ frame: frag4(p, id, src, dst, proto) });
    flow.packets[dir] += ps.length;
    const later = ps.filter((p) => p.off > 0).length;
    flow.fragments += later;
    if (flow.datagrams) flow.datagrams[dir] += ps.length - later;
  }
  flow(initiator: string, initiatorPort: number, proto: "udp" | "tcp"): FlowCount {
    const f: FlowCount = { initiator, initiatorPort, proto, packets: [0, 0], fragments: 0, datagrams: [0, 0] };
    this.flows.set(`${proto} ${initiator}:${initiatorPort}`, f);
    return f;
  }
}

const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/**
 * A TFTP read with a 4096-byte block size (RFC 2348), as PXE loaders ask: the server's DATA blocks
 * (4108-byte datagrams) arrive in 1480-byte IP fragments — block 2 last fragment first — on the
 * transfer's new port; the client ACKs each block. The transfer must be followed to its end, and
 * the transfer flow's datagrams are the blocks (and the OACK), not the fragments.
 */
export function tftpBlksizeCase(lost = false): DatagramCase {
  const c = new Counter();
  const [cport, sport, blksize, filename] = [40100, 50100, 4096, "pxelinux.0"];
  const req = c.flow(CLIENT, cport, "udp");
  const x = c.flow(SERVER, sport, "udp");
  const toS = (dport: number, payload: Uint8Array) => udp({ src: CLIENT, dst: SERVER, srcPort: cport, dstPort: dport, payload });
  const toC = (payload: Uint8Array) => udp({ src: SERVER, dst: CLIENT, srcPort: sport, dstPort: cport, payload });
  c.send(req, 0, CLIENT, SERVER, toS(69, concat(Uint8Array.of(0, 1), ascii(`${filename}\0octet\0blksize\0${blksize}\0`))));
  c.send(x, 0, SERVER, CLIENT, toC(concat(Uint8Array.of(0, 6), ascii(`blksize\0${blksize}\0`))));
  c.send(x, 1, CLIENT, SERVER, toS(sport, Uint8Array.of(0, 4, 0, 0)));
  const sizes = [blksize, blksize, 1000];
  sizes.forEach((n, i) => {
    const block = i + 1;
    const data = concat(Uint8Array.of(0, 3, 0, block), bytesOf(n, block));
    // Block 2 last fragment first; with `lost`, its middle fragment never arrives.
    const order = block === 2 ? (ps: Piece[]) => [...ps].reverse().filter((_, k) => !lost || k !== 1) : undefined;
    c.send(x, 0, SERVER, CLIENT, toC(data), i === 2 ? 512 : 1480, order);
    c.send(x, 1, CLIENT, SERVER, toS(sport, Uint8Array.of(0, 4, 0, block)));
  });
  if (lost) {
    // Block 2 never arrives whole, as the client (and conntrack, which reassembles first) sees it:
    // only block 1 is delivered in order, block 3 is out of order, the transfer never completes.
    return {
      name: "tftp-blksize-lost", about: "the same transfer with a fragment of block 2 lost: block 2 is never whole, the transfer does not complete",
      pcap: pcapOf(c.frames), flows: [...c.flows.values()], tftp: { filename, blksize, blocks: 1, bytes: sizes[0]! },
    };
  }
  return {
    name: "tftp-blksize", about: "a TFTP read with blksize 4096: fragmented DATA blocks on the transfer port, one last fragment first",
    pcap: pcapOf(c.frames), flows: [...c.flows.values()], tftp: { filename, blksize, blocks: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) },
  };
}

/**
 * Fragmented datagrams both ways on one UDP flow of a port no ALG uses (a fragmented reply last
 * fragment first, so its later fragments wait for their first), unfragmented ones between, a
 * TCP flow with fragmented segments both ways, and a TCP flow seen mid-stream (fragmented data
 * from its responder first) whose responder then sends the first SYN: the core swaps its ends,
 * and the per-direction fragment counts with them.
 */
export function mixedDatagramCase(): DatagramCase {
  const c = new Counter();
  const u = c.flow(CLIENT, 41000, "udp");
  const dg = (src: string, dst: string, sp: number, dp: number, n: number) => udp({ src, dst, srcPort: sp, dstPort: dp, payload: bytesOf(n, n) });
  c.send(u, 0, CLIENT, SERVER, dg(CLIENT, SERVER, 41000, 5000, 3000), 1480);
  c.send(u, 1, SERVER, CLIENT, dg(SERVER, CLIENT, 5000, 41000, 2000), 1024, (ps) => [...ps].reverse());
  c.send(u, 0, CLIENT, SERVER, dg(CLIENT, SERVER, 41000, 5000, 100));
  c.send(u, 1, SERVER, CLIENT, dg(SERVER, CLIENT, 5000, 41000, 100));
  c.send(u, 1, SERVER, CLIENT, dg(SERVER, CLIENT, 5000, 41000, 5000), 1480);
  const t = c.flow(CLIENT, 41001, "tcp");
  const seg = (sp: number, dp: number, flags: { syn?: boolean; ack?: boolean; psh?: boolean }, payload?: Uint8Array, [a, b] = [CLIENT, SERVER]) =>
    tcp({ src: a, dst: b, srcPort: sp, dstPort: dp, seq: 1000, ack: 0, flags, payload });
  c.send(t, 0, CLIENT, SERVER, seg(41001, 8080, { syn: true }));
  c.send(t, 1, SERVER, CLIENT, seg(8080, 41001, { syn: true, ack: true }, undefined, [SERVER, CLIENT]));
  c.send(t, 0, CLIENT, SERVER, seg(41001, 8080, { ack: true, psh: true }, bytesOf(2500, 7)), 1480);
  c.send(t, 1, SERVER, CLIENT, seg(8080, 41001, { ack: true, psh: true }, bytesOf(4000, 9), [SERVER, CLIENT]), 1480, (ps) => [...ps].reverse());
  c.send(t, 1, SERVER, CLIENT, seg(8080, 41001, { ack: true }, undefined, [SERVER, CLIENT]));
  // Mid-stream: the client's data (fragmented) comes first, then the server's SYN makes it the initiator.
  const m = c.flow(SERVER, 8082, "tcp");
  c.send(m, 1, CLIENT, SERVER, seg(41003, 8082, { ack: true, psh: true }, bytesOf(3000, 5), [CLIENT, SERVER]), 1480);
  c.send(m, 0, SERVER, CLIENT, seg(8082, 41003, { syn: true }, undefined, [SERVER, CLIENT]));
  c.send(m, 0, SERVER, CLIENT, seg(8082, 41003, { ack: true, psh: true }, bytesOf(2000, 3), [SERVER, CLIENT]), 1480);
  c.send(m, 1, CLIENT, SERVER, seg(41003, 8082, { ack: true }, undefined, [CLIENT, SERVER]));
  return {
    name: "datagrams-mixed", about: "fragmented datagrams both ways on one UDP flow (one last fragment first) and a fragmented TCP segment",
    pcap: pcapOf(c.frames), flows: [...c.flows.values()],
  };
}

export function datagramCases(): DatagramCase[] {
  return [tftpBlksizeCase(), mixedDatagramCase(), tftpBlksizeCase(true)];
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  const dir = process.argv[2] ?? "pcaps/reasm";
  for (const c of [...reasmCases(), ...sipReasmCases(), ...datagramCases()]) {
    writeOut(root, `${dir}/${c.name}.pcap`, c.pcap);
    console.log(`${c.name}.pcap`, c.pcap.length, "bytes:", c.about);
  }
}
