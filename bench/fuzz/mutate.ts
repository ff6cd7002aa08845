/**
 * Mutations. Captures: bit flips, bytes set to edge values, truncations, smashed pcap/pcapng
 * length fields, splices of two captures, records duplicated or dropped, and hostile FTP/RTSP
 * lines written over (or inserted beside) the real ones. Router texts: lines deleted,
 * duplicated, swapped, repeated, cut, spliced from another file, numbers and characters
 * smashed, hostile lines inserted. Verify pairs: either capture or a router file mutated, the
 * sides swapped, a router file or capture taken from an unrelated case, an input dropped.
 * Every mutation is a pure function of the Rng, and says what it did (`how`).
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
const CONTROL_WORDS = ["PORT", "EPRT", "PASV", "EPSV", "227 ", "228 ", "229 ", "Transport:", "SETUP", "RTSP/1.0", "CSeq:"].map((w) => new TextEncoder().encode(w));

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
    const line = latin1(r.pick(HOSTILE_LINES));
    const out = b.slice();
    const pos = at.length ? r.pick(at) : r.int(b.length + 1);
    out.set(line.subarray(0, Math.max(0, out.length - pos)), pos);
    return [out, `hostile line over ${at.length ? new TextDecoder().decode(w) : "random bytes"} at ${pos}`];
  },
  function hostileInsert(r, b) {
    // inside a classic pcap record, its two length fields grown to match (the IP/TCP lengths are not)
    const fs = frames(b).filter((f) => f.lengthFields.length === 2);
    const line = latin1(r.pick(HOSTILE_LINES));
    if (!fs.length) return [concat([b, line]), "hostile line appended"];
    const f = r.pick(fs);
    const pos = f.offset + 16 + r.int(f.end - f.offset - 16 + 1);
    const out = concat([b.subarray(0, pos), line, b.subarray(pos)]);
    const dv = new DataView(out.buffer);
    for (const at of f.lengthFields) dv.setUint32(at, dv.getUint32(at, f.little) + line.length, f.little);
    return [out, `hostile line inserted at ${pos} (record at ${f.offset})`];
  },
];

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
    switch (r.int(8)) {
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
      default: {
        const drop = r.pick(["inside", "outside", "router"] as const);
        if (drop === "router") v.router = []; else v[drop] = undefined;
        how.push(`${drop} dropped`);
      }
    }
  }
  return { value: v, how };
}
