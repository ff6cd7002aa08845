/**
 * Mutations. Captures: bit flips, bytes set to edge values, truncations, smashed pcap/pcapng
 * length fields, splices of two captures, records duplicated or dropped, hostile FTP/RTSP/SIP/SDP
 * lines written over (or inserted beside) the real ones, UDP datagrams whose payload becomes
 * a hostile SIP message or TFTP packet (or gains a hostile SIP line), every length around it
 * made to match, and TCP segments that gain a hostile line with their stream's sequence numbers
 * moved on to match. Router texts: lines deleted, duplicated, swapped, repeated, cut, spliced from
 * another file, numbers and characters smashed, hostile lines inserted (conntrack, Junos, SRX,
 * and the SIP/TFTP helpers' expectations). Verify pairs: either capture or a router file
 * mutated, the sides swapped, a router file or capture taken from an unrelated case, an input
 * dropped. Every mutation is a pure function of the Rng, and says what it did (`how`).
 */
import type { CaptureSeed, PairSeed, TextSeed } from "./corpus.js";
import { frames } from "./corpus.js";
import type { Rng } from "./rng.js";

export interface Mutated<T> { value: T; how: string[] }

const EDGE_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x0d, 0x20];
const EDGE_U32 = [0, 1, 2, 11, 12, 15, 16, 0x7fffffff, 0x80000000, 0xfffffff8, 0xfffffffc, 0xffffffff, 65535, 65536, 262144, 262145, 0x01000000];

/** Hostile control lines (FTP and RTSP): overflowing numbers, missing fields, odd bytes. */
export const HOSTILE_LINES = [
  "PORT 999,999,999,999,999,999\r\n", "PORT 1,2,3,4,5\r\n", "PORT 192,0,2,10,300,1\r\n", "PORT ,,,,,\r\n",
  "PORT 4294967296,0,0,0,0,1\r\n", "PORT -1,-2,-3,-4,-5,-6\r\n", "PORT 1,2,3,4,5,6,7,8,9,10,11,12\r\n",
  "EPRT |2|::ffff:1.2.3.4|65536|\r\n", "EPRT |||\r\n", "EPRT |1|1.2.3.4|99999999999999999999|\r\n", "EPRT |3|x|1|\r\n",
  "227 Entering Passive Mode (1,2,3,4,5\r\n", "227 (,,,,,)\r\n", "227 Entering Passive Mode (256,256,256,256,256,256)\r\n",
  "229 Entering Extended Passive Mode (|||0|)\r\n", "229 (|||99999|)\r\n", "229 (|||\r\n", "228 Entering Long Passive Mode (6,16,0)\r\n",
  "Transport: RTP/AVP;unicast;client_port=65535-0\r\n", "Transport: RTP/AVP;client_port=-1--1;server_port=99999999999\r\n",
  "Transport: RTP/AVP/TCP;interleaved=255-256\r\n", `Transport: ${";".repeat(300)}\r\n`, "Transport: RTP/AVP;destination=999.1.1.1;source=::;client_port=1\r\n",
  "SETUP rtsp://[::1 RTSP/1.0\r\nCSeq: 99999999999999999999\r\n\r\n", "RTSP/1.0 200 OK\r\nSession: ;;;;\r\nTransport:\r\n\r\n",
  "\0\0\0\0\0\0\0\0", "\r\r\r\n\n\n", `${"9".repeat(400)}\r\n`, `PORT ${"1,".repeat(600)}1\r\n`, "\xff\xfe\xfd PORT\r\n",
];
/**
 * Hostile SIP header and SDP lines (ALG-BEHAVIOUR.md §8's edge cases pushed past their limits):
 * numbers out of range, empty and half fields, compact and folded forms, odd addresses.
 */
export const HOSTILE_SIP_LINES = [
  "Via: SIP/2.0/UDP 1.2.3.4:99999;rport=;received=999.1.1.1;branch=\r\n", "v: SIP/2.0/UDP [::1:5060;rport=-1\r\n",
  "Via: SIP/2.0/UDP 192.0.2.10:5060,SIP/2.0/TCP ,,,,\r\n", "Via: SIP/2.0/UDP 192.0.2.10\r\n \t;branch=z9hG4bK;received=[2001:db8::1]\r\n",
  "Contact: *\r\n", "Contact: <sip:a@1.2.3.4:0>;expires=99999999999999999999\r\n", "m: <sip:@:>\r\n", "Contact: <sip:a@[::1]:65536;transport=tcp\r\n",
  "Contact: \"x\" <sip:a@192.0.2.10:5060>, <sip:b@198.51.100.1:5061>;expires=-1, *\r\n", "Expires: -1\r\n", "Expires: 4294967296\r\n",
  "Content-Length: 99999999999\r\n", "Content-Length: -1\r\n", "l: 0x10\r\n", "Content-Length:  5 5\r\n", "Content-Length:\r\n",
  "CSeq: 99999999999999999999 INVITE\r\n", "CSeq: 1\r\n", "CSeq: INVITE 1\r\n", "Call-ID: \r\n", "i: \0\0\0\r\n",
  "From: <sip:a@b>;tag=;tag=x\r\n", "To: ;tag\r\n", "f: \r\n", "t: <sip:\r\n",
  "Content-Type: multipart/mixed;boundary=\r\n", "c: application/sdp;charset=\r\n",
  "INVITE sip:a@[::1 SIP/2.0\r\n", "SIP/2.0 999999 OK\r\n", "SIP/2.0 200\r\n", "SIP/3.0 200 OK\r\n", "ACK  SIP/2.0\r\n", "REGISTER sip: SIP/2.0\r\n",
  "c=IN IP4 999.999.999.999\r\n", "c=IN IP6 ::ffff:1.2.3.4\r\n", "c=IN IP4 0.0.0.0\r\n", "c=IN IP4 \r\n", "c=IN IP4 192.0.2.10/127/3\r\n",
  "m=audio 65536 RTP/AVP 0\r\n", "m=audio 5004/4294967295 RTP/AVP 0\r\n", "m=audio 1/0 RTP/AVP\r\n", "m=audio -1 RTP/AVP 0\r\n", "m=\r\n",
  "m=image 0 udptl t38\r\n", "m=video 65535/2 RTP/AVP 96\r\n",
  "a=rtcp:0 IN IP4 x\r\n", "a=rtcp:99999\r\n", "a=rtcp:\r\n", "a=rtcp-mux\r\n", "a=sendonly\r\n", "a=inactive\r\n", "a=recvonly\r\n",
  "o=- 0 0 IN IP4 \r\n", "o=- 99999999999999999999 1 IN IP6 2001:db8::\r\n", "v=0\r\n", "\r\n\r\n",
  `Via: ${"SIP/2.0/UDP 1.2.3.4;".repeat(300)}\r\n`, `${"m=audio 6000 RTP/AVP 0\r\n".repeat(80)}`, "Via: SIP/2.0/UDP 1.2.3.4\r",
];

/** Whole hostile SIP messages: a start line, headers and an SDP body whose lengths disagree or overflow. */
export const HOSTILE_SIP_MESSAGES = [
  "INVITE sip:b@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\nFrom: <sip:a@192.0.2.10>;tag=1\r\nTo: <sip:b@198.51.100.20>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@192.0.2.10:5060>\r\nContent-Type: application/sdp\r\nContent-Length: 4096\r\n\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.10\r\nc=IN IP4 192.0.2.10\r\nm=audio 6000 RTP/AVP 0\r\n",
  "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\nf: <sip:a@192.0.2.10>;tag=1\r\nt: <sip:b@198.51.100.20>;tag=2\r\ni: c1\r\nCSeq: 1 INVITE\r\nm: <sip:b@198.51.100.20:5060>\r\nc: application/sdp\r\nl: 2\r\n\r\nv=0\r\nc=IN IP4 198.51.100.20\r\nm=audio 7000/2 RTP/AVP 0\r\na=rtcp:7001\r\n",
  "INVITE sip:b@x SIP/2.0\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: 120\r\n\r\n--b\r\nContent-Type: application/sdp\r\n\r\nc=IN IP4 192.0.2.10\r\nm=audio 6000 RTP/AVP 0\r\n--b--\r\n",
  "REGISTER sip:198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nContact: <sip:a@192.0.2.10:5060>;expires=0, <sip:a@192.0.2.10:5070>\r\nExpires: 4294967295\r\nContent-Length: 0\r\n\r\n",
  "SIP/2.0 183 Session Progress\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=3\r\nContent-Length: 0\r\n\r\nv=0\r\nm=audio 0 RTP/AVP 0\r\n",
  "INVITE sip:b@x SIP/2.0\r\nCall-ID: c1\r\nCSeq: 2 INVITE\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nContent-Length: 40\r\n\r\nc=IN IP4 0.0.0.0\r\nm=audio 6000 RTP/AVP 0\r\na=sendonly\r\n",
  "\r\n\r\n", "\r\n", "SIP/2.0", "INVITE", "\0\0\0\0",
];

/** Hostile TFTP datagrams: requests with overflowing options and missing terminators, odd opcodes. */
export const HOSTILE_TFTP = [
  `\x00\x01${"a".repeat(600)}\x00octet\x00blksize\x0099999999999999\x00`, "\x00\x01file\x00", "\x00\x01file\x00octet", "\x00\x02\x00\x00\x00",
  "\x00\x01file\x00netascii\x00tsize\x00\x00windowsize\x00\x00timeout\x00\x00\x00", "\x00\x01f\x00octet\x00blksize\x007\x00blksize\x0065465\x00tsize\x00-1\x00",
  "\x00\x06blksize\x00\x00tsize\x00-1\x00", "\x00\x06\x00", "\x00\x05\xff\xffno terminator", "\x00\x05\x00\x00\x00", "\x00\x03\xff\xff", "\x00\x03\x00\x00",
  "\x00\x04\x00\x00", "\x00\x04\xff\xff", "\x00\x09", "\x00", "", "\x00\x01\x00\x00", `\x00\x03\x00\x01${"x".repeat(1500)}`,
];

const CONTROL_WORDS = [
  "PORT", "EPRT", "PASV", "EPSV", "227 ", "228 ", "229 ", "Transport:", "SETUP", "RTSP/1.0", "CSeq:",
  "SIP/2.0", "INVITE", "REGISTER", "Via:", "Contact:", "Content-Length:", "Call-ID:", "From:", "To:", "c=IN", "m=audio", "a=rtcp", "o=",
].map((w) => new TextEncoder().encode(w));
/** HOSTILE_LINES and HOSTILE_SIP_LINES: what hostileOverwrite and hostileInsert write. */
const ALL_HOSTILE_LINES = [...HOSTILE_LINES, ...HOSTILE_SIP_LINES];

/** A classic pcap (its global header has the snaplen at offset 16). */
const f0IsPcap = (b: Uint8Array) => b.length >= 24 && [0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(new DataView(b.buffer, b.byteOffset).getUint32(0, true));

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function indexesOf(b: Uint8Array, word: Uint8Array, max = 64): number[] {
  const out: number[] = [];
  outer: for (let i = 0; i + word.length <= b.length && out.length < max; i++) {
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) continue outer;
    out.push(i);
  }
  return out;
}

type CaptureMutator = (r: Rng, b: Uint8Array, other: Uint8Array) => [Uint8Array, string];

const captureMutators: CaptureMutator[] = [
  function bitFlips(r, b) {
    const out = b.slice();
    const n = 1 + r.int(8);
    for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return [out, `flip ${n} bit(s)`];
  },
  function edgeBytes(r, b) {
    const out = b.slice();
    const n = 1 + r.int(4);
    for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] = r.pick(EDGE_BYTES);
    return [out, `set ${n} byte(s) to edge values`];
  },
  function truncate(r, b) {
    const fs = frames(b);
    const at = fs.length && r.chance(0.5) ? Math.min(b.length, r.pick(fs).offset + r.int(24)) : r.int(b.length + 1);
    return [b.slice(0, at), `truncate at ${at}`];
  },
  function smashLength(r, b) {
    const fs = frames(b);
    const out = b.slice();
    if (!fs.length) {
      if (out.length >= 12) new DataView(out.buffer).setUint32(4 + 4 * r.int(2), r.pick(EDGE_U32), r.chance(0.5));
      return [out, "smash a header word"];
    }
    if (f0IsPcap(out) && r.chance(0.2)) {
      // the snaplen of a classic pcap header too: caplen checks against it must not wrap
      new DataView(out.buffer).setUint32(16, r.pick(EDGE_U32), fs[0]!.little);
    }
    const f = r.pick(fs);
    const at = r.pick(f.lengthFields);
    const v = r.chance(0.25) ? (new DataView(out.buffer).getUint32(at, f.little) + r.int(9) - 4) >>> 0 : r.pick(EDGE_U32);
    new DataView(out.buffer).setUint32(at, v, f.little);
    return [out, `length field at ${at} := ${v}`];
  },
  function splice(r, b, other) {
    const fa = frames(b), fb = frames(other);
    const x = fa.length && r.chance(0.7) ? r.pick(fa).end : r.int(b.length + 1);
    const y = fb.length && r.chance(0.7) ? r.pick(fb).offset : r.int(other.length + 1);
    return [concat([b.subarray(0, x), other.subarray(y)]), `splice [0,${x}) + other[${y},…)`];
  },
  function duplicateOrDropFrame(r, b) {
    const fs = frames(b);
    if (!fs.length) {
      const a = r.int(b.length + 1), z = Math.min(b.length, a + r.int(64));
      return [concat([b.subarray(0, z), b.subarray(a)]), `duplicate bytes [${a},${z})`];
    }
    const f = r.pick(fs);
    if (r.chance(0.5)) return [concat([b.subarray(0, f.end), b.subarray(f.offset, f.end), b.subarray(f.end)]), `duplicate frame at ${f.offset}`];
    return [concat([b.subarray(0, f.offset), b.subarray(f.end)]), `drop frame at ${f.offset}`];
  },
  function hostileOverwrite(r, b) {
    const w = r.pick(CONTROL_WORDS);
    const at = indexesOf(b, w);
    const line = latin1(r.pick(ALL_HOSTILE_LINES));
    const out = b.slice();
    const pos = at.length ? r.pick(at) : r.int(b.length + 1);
    out.set(line.subarray(0, Math.max(0, out.length - pos)), pos);
    return [out, `hostile line over ${at.length ? new TextDecoder().decode(w) : "random bytes"} at ${pos}`];
  },
  function hostileInsert(r, b) {
    // inside a classic pcap record, its two length fields grown to match (the IP/TCP lengths are not)
    const fs = frames(b).filter((f) => f.lengthFields.length === 2);
    const line = latin1(r.pick(ALL_HOSTILE_LINES));
    if (!fs.length) return [concat([b, line]), "hostile line appended"];
    const f = r.pick(fs);
    const pos = f.offset + 16 + r.int(f.end - f.offset - 16 + 1);
    const out = concat([b.subarray(0, pos), line, b.subarray(pos)]);
    const dv = new DataView(out.buffer);
    for (const at of f.lengthFields) dv.setUint32(at, dv.getUint32(at, f.little) + line.length, f.little);
    return [out, `hostile line inserted at ${pos} (record at ${f.offset})`];
  },
  function datagramPayload(r, b) {
    // A UDP datagram's payload (SIP, TFTP or any other) replaced by a hostile SIP message or TFTP
    // packet, or a hostile SIP line inserted at one of its line starts, with every length that
    // frames it grown to match (record, IPv4/IPv6, UDP): the decoder hands the ALG rooms the
    // new payload whole, where hostileInsert's bytes past the IP length would be trailer.
    const ds = udpDatagrams(b);
    if (!ds.length) return [b, "no UDP datagram to rewrite"];
    const d = r.pick(ds);
    const payload = b.subarray(d.payload, d.end);
    let repl: Uint8Array;
    let what: string;
    const tftpish = d.sport === 69 || d.dport === 69 || (payload.length >= 2 && payload[0] === 0 && payload[1]! >= 1 && payload[1]! <= 6);
    const mode = r.int(3);
    if (tftpish && mode === 0) {
      repl = latin1(r.pick(HOSTILE_TFTP));
      what = "TFTP payload replaced";
    } else if (mode === 1) {
      repl = latin1(r.pick(HOSTILE_SIP_MESSAGES));
      what = "payload replaced by a SIP message";
    } else {
      const [grown, at] = insertAtLineStart(r, payload, HOSTILE_SIP_LINES);
      repl = grown;
      what = `SIP line inserted at payload byte ${at}`;
    }
    return [withPayload(b, d, repl), `${what} (datagram at ${d.offset}, ports ${d.sport}>${d.dport})`];
  },
  function segmentPayload(r, b) {
    // A hostile control line (FTP, RTSP, SIP, SDP) inserted at a line start of a TCP segment's
    // payload, its IP length grown and its stream's later sequence numbers (and the other side's
    // acknowledgements) moved on to match: the reassembled stream carries the line, no gap.
    const ss = ipPackets(b).filter((p) => p.proto === 6 && p.end > p.payload);
    if (!ss.length) return [b, "no TCP segment with data to rewrite"];
    const d = r.pick(ss);
    const [repl, at] = insertAtLineStart(r, b.subarray(d.payload, d.end), ALL_HOSTILE_LINES);
    return [withSegmentPayload(b, d, repl), `line inserted at byte ${at} of the TCP segment at ${d.offset} (ports ${d.sport}>${d.dport}), its stream moved on`];
  },
  retransmitSegment,
];

/**
 * A TCP segment with data sent again right after itself (same sequence numbers: no stream to move
 * on), as it was or with bytes of its payload changed — a retransmission that disagrees with the
 * copy read first (alg/stream.ts `conflict`); or sent again after the next record.
 */
export function retransmitSegment(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const ss = ipPackets(b).filter((p) => p.proto === 6 && p.end > p.payload);
  const fs = frames(b);
  if (!ss.length) {
    // No TCP data here (or not Ethernet): a whole record sent again all the same.
    if (!fs.length) return [b, "no record to send again"];
    const f = r.pick(fs);
    return [concat([b.subarray(0, f.end), b.subarray(f.offset, f.end), b.subarray(f.end)]), `no TCP segment with data: the record at ${f.offset} sent again`];
  }
  const d = r.pick(ss);
  const k = fs.findIndex((f) => f.offset === d.offset);
  if (k < 0) return [b, "no record for the TCP segment"];
  const f = fs[k]!;
  const copy = b.slice(f.offset, f.end);
  const n = r.int(3);
  for (let i = 0; i < n; i++) copy[d.payload - f.offset + r.int(d.end - d.payload)] = r.pick([...EDGE_BYTES, 0x31, 0x2c]);
  const after = r.chance(0.3) && k + 1 < fs.length ? fs[k + 1]!.end : f.end;
  return [concat([b.subarray(0, after), copy, b.subarray(after)]), `TCP segment at ${d.offset} (ports ${d.sport}>${d.dport}) sent again after ${after === f.end ? "itself" : "the next record"}, ${n} payload byte(s) changed`];
}

/**
 * The first packets of a UDP flow's two directions trade places (as a capture shows them when
 * they crossed at the router: each end sent first as far as this capture knows): the two records
 * after their timestamps, when of one size, else the two records whole. With one capture of
 * a verify pair changed so, the pair's flow is crossed (nat.ts crossedPairs).
 */
export function crossFirstPackets(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const ds = ipPackets(b, 4096).filter((p) => p.proto === 17);
  const flows = new Map<string, { a?: IpPacket; b?: IpPacket }>();
  for (const d of ds) {
    const fwd = `${d.src}|${d.sport}|${d.dst}|${d.dport}`;
    const rev = `${d.dst}|${d.dport}|${d.src}|${d.sport}`;
    const f = flows.get(rev);
    if (f) f.b ??= d;
    else if (!flows.has(fwd)) flows.set(fwd, { a: d });
  }
  const both = [...flows.values()].filter((f) => f.a && f.b);
  if (!both.length) return [b, "no UDP flow with both directions"];
  const { a, b: y } = r.pick(both) as { a: IpPacket; b: IpPacket };
  const fs = frames(b);
  const fa = fs.find((f) => f.offset === a.offset)!;
  const fb = fs.find((f) => f.offset === y.offset)!;
  // What trades places: everything after the timestamp (a pcap record's from its captured length
  // on, an EPB's likewise), so that each record keeps its time and its lengths match its data.
  const head = b[0] === 0x0a && b[1] === 0x0d ? 20 : 8;
  if (fa.end - fa.offset === fb.end - fb.offset) {
    const out = b.slice();
    out.set(b.subarray(fb.offset + head, fb.end), fa.offset + head);
    out.set(b.subarray(fa.offset + head, fa.end), fb.offset + head);
    return [out, `UDP ports ${a.sport}<>${a.dport}: the first packets of the two directions (records at ${fa.offset} and ${fb.offset}) trade bodies`];
  }
  return [concat([b.subarray(0, fa.offset), b.subarray(fb.offset, fb.end), b.subarray(fa.end, fb.offset), b.subarray(fa.offset, fa.end), b.subarray(fb.end)]),
    `UDP ports ${a.sport}<>${a.dport}: the first packets of the two directions (records at ${fa.offset} and ${fb.offset}) trade places`];
}

/** `payload` with one of `lines` inserted at one of its first 64 line starts; and where. */
function insertAtLineStart(r: Rng, payload: Uint8Array, lines: string[]): [Uint8Array, number] {
  const starts = [0];
  for (let i = 0; i + 1 < payload.length && starts.length < 64; i++) if (payload[i] === 0x0a) starts.push(i + 1);
  const at = r.pick(starts);
  return [concat([payload.subarray(0, at), latin1(r.pick(lines)), payload.subarray(at)]), at];
}

/** A UDP datagram or TCP segment of an Ethernet capture, untruncated: where its record and headers are. */
export interface IpPacket {
  offset: number; end: number; little: boolean; lengthFields: number[]; ip: number; v6: boolean;
  /** 17 (UDP: `l4` is its header) or 6 (TCP). */
  proto: number; l4: number; payload: number; sport: number; dport: number;
  /** The addresses, as text of their bytes (to find a segment's stream). */
  src: string; dst: string;
}
/** UDP datagrams and TCP segments in the Ethernet records (classic pcap, link type 1) or pcapng EPBs of `b` (at most `max`). */
export function ipPackets(b: Uint8Array, max = 256): IpPacket[] {
  const out: IpPacket[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pcap = f0IsPcap(b);
  if (pcap && dv.getUint32(20, dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d) !== 1) return out;
  const hex = (from: number, n: number) => Buffer.from(b.subarray(from, from + n)).toString("hex");
  for (const f of frames(b)) {
    if (out.length >= max) break;
    let data: number, caplen: number;
    if (pcap) {
      data = f.offset + 16;
      caplen = f.end - data;
      if (dv.getUint32(f.offset + 12, f.little) !== caplen) continue; // truncated record
    } else {
      if (f.lengthFields.length !== 4) continue; // not an EPB
      data = f.offset + 28;
      caplen = dv.getUint32(f.offset + 20, f.little);
      if (dv.getUint32(f.offset + 24, f.little) !== caplen || data + caplen > f.end - 4) continue;
    }
    const endData = data + caplen;
    let p = data + 12;
    if (p + 2 > endData) continue;
    let type = dv.getUint16(p);
    if (type === 0x8100 && p + 6 <= endData) { p += 4; type = dv.getUint16(p); }
    p += 2;
    let v6: boolean, proto: number, l4: number, ipEnd: number, src: string, dst: string;
    if (type === 0x0800 && p + 20 <= endData && b[p]! >> 4 === 4 && (dv.getUint16(p + 6) & 0x3fff) === 0) {
      v6 = false;
      proto = b[p + 9]!;
      l4 = p + (b[p]! & 15) * 4;
      ipEnd = p + dv.getUint16(p + 2);
      src = hex(p + 12, 4);
      dst = hex(p + 16, 4);
    } else if (type === 0x86dd && p + 40 <= endData && b[p]! >> 4 === 6) {
      v6 = true;
      proto = b[p + 6]!;
      l4 = p + 40;
      ipEnd = l4 + dv.getUint16(p + 4);
      src = hex(p + 8, 16);
      dst = hex(p + 24, 16);
    } else continue;
    if (ipEnd > endData) continue;
    let payload: number;
    if (proto === 17) {
      if (l4 + 8 > ipEnd || dv.getUint16(l4 + 4) !== ipEnd - l4) continue;
      payload = l4 + 8;
    } else if (proto === 6) {
      if (l4 + 20 > ipEnd) continue;
      payload = l4 + (b[l4 + 12]! >> 4) * 4;
      if (payload < l4 + 20 || payload > ipEnd) continue;
    } else continue;
    out.push({ offset: f.offset, end: ipEnd, little: f.little, lengthFields: f.lengthFields, ip: p, v6, proto, l4, payload, sport: dv.getUint16(l4), dport: dv.getUint16(l4 + 2), src, dst });
  }
  return out;
}

/** UDP datagrams of `b` (ipPackets). */
export const udpDatagrams = (b: Uint8Array): IpPacket[] => ipPackets(b).filter((p) => p.proto === 17);

/**
 * `b` with segment `d`'s payload replaced by `payload` (withPayload), and the rest of its TCP stream
 * kept coherent: the later segments of its direction carry sequence numbers `delta` further on,
 * and the other direction's acknowledgements follow them.
 */
export function withSegmentPayload(b: Uint8Array, d: IpPacket, payload: Uint8Array): Uint8Array {
  const delta = payload.length - (d.end - d.payload);
  const out = withPayload(b, d, payload);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const q of ipPackets(out, Infinity)) {
    if (q.proto !== 6 || q.offset <= d.offset) continue;
    if (q.src === d.src && q.dst === d.dst && q.sport === d.sport && q.dport === d.dport) {
      dv.setUint32(q.l4 + 4, (dv.getUint32(q.l4 + 4) + delta) >>> 0);
    } else if (q.src === d.dst && q.dst === d.src && q.sport === d.dport && q.dport === d.sport && (out[q.l4 + 13]! & 0x10) !== 0) {
      dv.setUint32(q.l4 + 8, (dv.getUint32(q.l4 + 8) + delta) >>> 0);
    }
  }
  return out;
}

/** `b` with packet `d`'s payload replaced by `payload`, every length framing it grown or shrunk to match (TCP: withSegmentPayload). */
export function withPayload(b: Uint8Array, d: IpPacket, payload: Uint8Array): Uint8Array {
  const delta = payload.length - (d.end - d.payload);
  const out = concat([b.subarray(0, d.payload), payload, b.subarray(d.end)]);
  const dv = new DataView(out.buffer);
  const grow16 = (at: number) => dv.setUint16(at, (dv.getUint16(at) + delta) & 0xffff);
  if (d.proto === 17) {
    grow16(d.l4 + 4);
    dv.setUint16(d.l4 + 6, 0); // no checksum (IPv4's "none"; nothing here checks IPv6's)
  }
  if (d.v6) grow16(d.ip + 4);
  else {
    grow16(d.ip + 2);
    dv.setUint16(d.ip + 10, 0);
    let sum = 0;
    const ihl = (out[d.ip]! & 15) * 4;
    for (let i = 0; i < ihl; i += 2) sum += dv.getUint16(d.ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    dv.setUint16(d.ip + 10, ~sum & 0xffff);
  }
  if (d.lengthFields.length === 2) {
    // classic pcap: captured and original length
    for (const at of d.lengthFields) dv.setUint32(at, dv.getUint32(at, d.little) + delta, d.little);
  } else {
    // pcapng EPB: captured and original length, then the block's length (padded to 4) at both ends
    const capAt = d.offset + 20;
    const cap = dv.getUint32(capAt, d.little) + delta;
    const oldCap = cap - delta;
    dv.setUint32(capAt, cap, d.little);
    dv.setUint32(d.offset + 24, cap, d.little);
    const pad = (n: number) => (n + 3) & ~3;
    const padDelta = pad(cap) - pad(oldCap);
    // the payload change is `delta` bytes; the block's padding changes by padDelta − delta
    const fix = padDelta - delta;
    const blockEnd = d.offset + dv.getUint32(d.offset + 4, d.little) + delta;
    const fixed = fix > 0 ? concat([out.subarray(0, d.offset + 28 + cap), new Uint8Array(fix), out.subarray(d.offset + 28 + cap)])
      : fix < 0 ? concat([out.subarray(0, d.offset + 28 + cap), out.subarray(d.offset + 28 + cap - fix)]) : out;
    const fdv = new DataView(fixed.buffer);
    const len = blockEnd - d.offset + fix;
    fdv.setUint32(d.offset + 4, len, d.little);
    fdv.setUint32(d.offset + len - 4, len, d.little);
    return fixed;
  }
  return out;
}

/** 1–3 stacked mutations of a capture (`other`: the partner of a splice). */
export function mutateCapture(r: Rng, seed: CaptureSeed, other: CaptureSeed): Mutated<Uint8Array> {
  let b = seed.bytes;
  const how = [`seed ${seed.name}`];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const m = r.pick(captureMutators);
    const [out, what] = m(r, b, other.bytes);
    b = out;
    how.push(m === captureMutators[4] ? `${what} (other ${other.name})` : what);
  }
  return { value: b, how };
}

/** Hostile router lines: absurd numbers and addresses, half records, huge and odd lines. */
export const HOSTILE_ROUTER_LINES = [
  "tcp      6 431999 ESTABLISHED src=999.999.999.999 dst=::::: sport=99999999999999999999 dport=-1 packets=18446744073709551616 bytes=1e400 [ASSURED] mark=0 use=1",
  "ipv4     2 tcp      6 117 TIME_WAIT src=1.1.1.1 dst=2.2.2.2 sport=21 dport=21 src=2.2.2.2 dst=1.1.1.1 sport=21 helper=ftp helper=ftp",
  "[1795582042.62201 ] [NEW] tcp      6 120 SYN_SENT src=",
  "    [NEW] tcp      6 120 SYN_SENT src=192.0.2.10 dst=198.51.100.20 sport=0 dport=0 [UNREPLIED] src=198.51.100.20 dst=198.51.100.1 sport=0 dport=0",
  "Interface: ms-1/0/0, Service set: ",
  "Conversation: ALG protocol: ftp",
  "  Number of initiators: 99999999999999999999, Number of responders: -1",
  "  TCP  1.1.1.1:21 -> 2.2.2.2:1  Watch  I  99999999999999999999",
  "  UDP  [2001:db8::1]:99999 -> 1.2.3.4.5.6:1  Forward  O  13",
  "    NAT source  1.1.1.1:1  -> ",
  "Dec  3 12:00:00 r1 (FPC Slot 1, PIC Slot 2) {ss}[FWNAT]: ASP_SFW_CREATE_ACCEPT_FLOW: proto 6 (TCP) application: ftp, ge-0/0/0.0:1.1.1.1:99999 -> :",
  "Session ID: 99999999999999999999, Policy name: x/1, Timeout: -1, Valid",
  "  In: 1.1.1.1/1 --> 2.2.2.2/21;tcp, Conn Tag: 0x0, If: ge-0/0/0.0, Pkts: -5, Bytes: 1e9",
  "l3proto = 2 proto=6 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=21 mask-src=255.255.255.255 master-src=",
  "ALG Status:", "  FTP : Enabled", "New flows: 18446744073709551616", "Accepts: 1,,,,, Discards: ",
  // SIP and TFTP: helper expectations (conntrack -L/-E expect, /proc/net/nf_conntrack_expect) and SRX's SIP tables
  "3599 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=99999 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=192.0.2.10 master-dst=198.51.100.20 sport=5060 dport=5060 PERMANENT class=9 helper=sip",
  "[1796308906.185966]\t    [NEW] 180 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=7000 mask-src=255.255.255.255 mask-dst= sport=0 dport= master-src= class=-1 helper=sip",
  "179 l3proto = 2 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=70000 sip/",
  "-1 l3proto = 99 proto=256 src=:: dst=:: sport=0 dport=0 PERMANENT,INACTIVE,USERSPACE sip/audio/video",
  "300 proto=17 src=198.51.100.20 dst=198.51.100.1 sport=0 dport=35768 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=192.0.2.10 master-dst=198.51.100.20 sport=35768 dport=69 class=0 helper=tftp helper=sip",
  "udp      17 30 src=192.0.2.10 dst=198.51.100.20 sport=35768 dport=69 [UNREPLIED] src=198.51.100.20 dst=198.51.100.1 sport=69 dport=35768 helper=tftp packets=-1 bytes=",
  "Total number of calls: 99999999999999999999", "       Call ID    : ", "Method   : INVITE INVITE", "  State    : ", "  Group ID : -1",
  "Total number of transactions: -1", "Transaction Name       Method    CSeq       State         Timeout    VIA RSC ID",
  "UAS:tsx0x4b06ddf4         BYE    99999999999999999999     Proceeding            -99       -", "UAC:tsx       ",
  "x".repeat(20_000), "\u0000\u0001\u0002\u007f", "\uFEFF\uFFFD\u202E", "=".repeat(300), "{".repeat(200), "\r", "\t\t\t",
];

type RouterMutator = (r: Rng, lines: string[], other: string[]) => [string[], string];

const routerMutators: RouterMutator[] = [
  function deleteLines(r, l) {
    const a = r.int(l.length + 1), n = 1 + r.int(8);
    return [[...l.slice(0, a), ...l.slice(a + n)], `delete ${n} line(s) at ${a + 1}`];
  },
  function duplicateLines(r, l) {
    const a = r.int(l.length + 1), n = 1 + r.int(8);
    return [[...l.slice(0, a + n), ...l.slice(a, a + n), ...l.slice(a + n)], `duplicate ${n} line(s) at ${a + 1}`];
  },
  function swapLines(r, l) {
    const out = l.slice();
    const a = r.int(out.length), b = r.int(out.length);
    [out[a], out[b]] = [out[b]!, out[a]!];
    return [out, `swap lines ${a + 1} and ${b + 1}`];
  },
  function repeatLine(r, l) {
    const a = r.int(l.length), n = 2 + r.int(300);
    const rep: string[] = [];
    for (let i = 0; i < n; i++) rep.push(l[a] ?? "");
    return [[...l.slice(0, a), ...rep, ...l.slice(a + 1)], `line ${a + 1} repeated ${n} times`];
  },
  function cut(r, l) {
    const text = l.join("\n");
    const at = r.int(text.length + 1);
    return [text.slice(0, at).split("\n"), `cut at character ${at}`];
  },
  function spliceOther(r, l, other) {
    const a = r.int(l.length + 1), b = r.int(other.length + 1), n = 1 + r.int(20);
    return [[...l.slice(0, a), ...other.slice(b, b + n), ...l.slice(a)], `${n} line(s) of another file inserted at ${a + 1}`];
  },
  function smashNumber(r, l) {
    const out = l.slice();
    const i = r.int(out.length);
    const v = r.pick(["0", "-1", "99999999999999999999", "4294967296", "65536", "1e400", "NaN", "0x10", ""]);
    let k = 0;
    const nth = r.int(8);
    out[i] = (out[i] ?? "").replace(/\d+/g, (m) => (k++ === nth ? v : m));
    return [out, `number ${nth + 1} of line ${i + 1} := ${JSON.stringify(v)}`];
  },
  function smashChars(r, l) {
    const out = l.slice();
    const i = r.int(out.length);
    const s = [...(out[i] ?? "")];
    const n = 1 + r.int(4);
    for (let k = 0; k < n && s.length; k++) s[r.int(s.length)] = r.pick([":", "=", "-", ">", " ", "\t", "\u0000", "[", "]", ".", ",", "é", "\uFFFD"]);
    out[i] = s.join("");
    return [out, `${n} character(s) of line ${i + 1} smashed`];
  },
  function hostileLine(r, l) {
    const a = r.int(l.length + 1);
    const h = r.pick(HOSTILE_ROUTER_LINES);
    return [[...l.slice(0, a), h, ...l.slice(a)], `hostile line at ${a + 1}`];
  },
  function lineEndings(r, l) {
    const e = r.pick(["\r", "\r\r", " \t", "\u2028", "\u0085"]);
    return [l.map((x) => (r.chance(0.3) ? x + e : x)), `line endings ${JSON.stringify(e)}`];
  },
];

/** 1–3 stacked mutations of a router text. */
export function mutateRouter(r: Rng, seed: TextSeed, other: TextSeed): Mutated<string> {
  let lines = seed.text.split("\n");
  const how = [`seed ${seed.name}`];
  const otherLines = other.text.split("\n");
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const m = r.pick(routerMutators);
    const [out, what] = m(r, lines, otherLines);
    lines = out;
    how.push(m === routerMutators[5] ? `${what} (${other.name})` : what);
  }
  return { value: lines.join("\n"), how };
}

/** The inputs of one `verify` run. */
export interface PairInput { inside?: Uint8Array; outside?: Uint8Array; router: TextSeed[] }

/** 1–2 mutations of a verify input pair (`other`: an unrelated case). */
export function mutatePair(r: Rng, seed: PairSeed, other: PairSeed, captureOther: CaptureSeed, routerOther: TextSeed): Mutated<PairInput> {
  const v: PairInput = { inside: seed.inside, outside: seed.outside, router: seed.router.slice() };
  const how = [`seed ${seed.name}`];
  const n = 1 + r.int(2);
  for (let i = 0; i < n; i++) {
    switch (r.int(9)) {
      case 0: case 1: {
        const side = r.chance(0.5) ? "inside" : "outside";
        const m = mutateCapture(r, { name: side, bytes: v[side] ?? seed[side] }, captureOther);
        v[side] = m.value;
        how.push(`${side}: ${m.how.slice(1).join("; ")}`);
        break;
      }
      case 2: case 3: {
        if (!v.router.length) { v.router.push(routerOther); how.push(`router ${routerOther.name} added`); break; }
        const k = r.int(v.router.length);
        const m = mutateRouter(r, v.router[k]!, routerOther);
        v.router[k] = { name: v.router[k]!.name, text: m.value };
        how.push(`${v.router[k]!.name}: ${m.how.slice(1).join("; ")}`);
        break;
      }
      case 4: [v.inside, v.outside] = [v.outside, v.inside]; how.push("sides swapped"); break;
      case 5: v.router = other.router.slice(); how.push(`router files of ${other.name}`); break;
      case 6: if (r.chance(0.5)) { v.outside = other.outside; how.push(`outside of ${other.name}`); } else { v.inside = other.inside; how.push(`inside of ${other.name}`); } break;
      case 7: {
        // a UDP flow's first packets crossed at the router, as one capture shows it
        const side = r.chance(0.5) ? "inside" : "outside";
        const bytes = v[side];
        if (!bytes) { how.push(`${side}: none to cross packets in`); break; }
        const [out, what] = crossFirstPackets(r, bytes);
        v[side] = out;
        how.push(`${side}: ${what}`);
        break;
      }
      default: {
        const drop = r.pick(["inside", "outside", "router"] as const);
        if (drop === "router") v.router = []; else v[drop] = undefined;
        how.push(`${drop} dropped`);
      }
    }
  }
  return { value: v, how };
}
