/**
 * Generator for the TFTP cases: pcaps/alg/tftp-<case>.pcap + .expected.json (one capture each,
 * checked by `analyze`) and pcaps/nat/tftp-<case>/ (inside.pcap, outside.pcap, case.json: a NAT
 * with and without a TFTP ALG, checked by `verify`). Every expectation is computed from THIS
 * FILE'S SPEC (the transfers written below), never from a decoder.
 *
 * Conventions (as pcaps/make/alg-cases.ts and nat-cases.ts): Ethernet, classic pcap µs LE, one
 * timeline from 2024-01-02T03:04:05Z, +10 ms per packet unless a case waits longer. Client
 * 192.0.2.10:50001 (2001:db8:1::10), server 198.51.100.20:69 (2001:db8:2::20); the server
 * answers from its new port 40001 (RFC 1350 TIDs) unless a case says otherwise. NAT cases:
 * masquerade to 203.0.113.1, client port 50001 → 61001 (the NAT changed it).
 *
 * Expected-file format: that of pcaps/alg/*.expected.json (alg-cases.ts), plus per session
 * `tftp`: { opcode, filename, mode, options, retries (packets), blocks, bytes, blockSize,
 * duplicates, duplicateAcks, outcome, serverPort?, fromRequestPort?, firstReply?: { packet, opcode },
 * oack?: { packet, options }, endPacket?, lastAcked?, error?: { code, message, packet, from } }.
 * The Linux emulation (ALG-BEHAVIOUR.md §9.1): nf_conntrack_tftp reads only the opcode, so every
 * RRQ/WRQ is `parsed`; reason `ok`, or `reply_via_master` when the server answers from port 69
 * (the reply passes through the request's own conntrack entry, ct L87-96 ignores it).
 *
 * Run: `node dist/pcaps/make/tftp-cases.js` (after `tsc -p tsconfig.build.json`).
 */
import {
  DEFAULT_EPOCH_NS, IpProto, LinkType, concat, ethernetFor, icmpv4Error, ipPacket, udp, writePcap,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, sideMacs, writeOut } from "./util.js";

interface Ep { ip: string; port: number }

const enc = new TextEncoder();
const z = (s: string) => concat(enc.encode(s), new Uint8Array(1));
const op = (n: number) => new Uint8Array([0, n]);
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);

export const tftp = {
  request: (code: 1 | 2, file: string, mode: string, opts: [string, string][] = []) =>
    concat(op(code), z(file), z(mode), ...opts.flatMap(([k, v]) => [z(k), z(v)])),
  data: (block: number, n: number) => concat(op(3), u16(block), Uint8Array.from({ length: n }, (_, i) => (i * 7 + block) & 0xff)),
  ack: (block: number) => concat(op(4), u16(block)),
  error: (code: number, msg: string) => concat(op(5), u16(code), z(msg)),
  oack: (opts: [string, string][]) => concat(op(6), ...opts.flatMap(([k, v]) => [z(k), z(v)])),
};

/** One packet of a timeline: UDP between two endpoints, or an ICMP error quoting a packet. */
interface Pkt { src: Ep; dst: Ep; payload: Uint8Array; gapMs?: number; icmpFrom?: string }

function frame(p: Pkt, id: number, macs?: [string, string]): Uint8Array {
  const l4 = udp({ src: p.src.ip, dst: p.dst.ip, srcPort: p.src.port, dstPort: p.dst.port, payload: p.payload });
  const l3 = ipPacket({ src: p.src.ip, dst: p.dst.ip, proto: IpProto.UDP, id, payload: l4 });
  if (p.icmpFrom) {
    const icmp = ipPacket({ src: p.icmpFrom, dst: p.src.ip, proto: IpProto.ICMP, id: id + 1000, payload: icmpv4Error(3, 3, l3) });
    return ethernetFor(icmp, macs ? { src: macs[0], dst: macs[1] } : {});
  }
  return ethernetFor(l3, macs ? { src: macs[0], dst: macs[1] } : {});
}

/** Packets → pcap bytes and each packet's time (ns). */
function pcapOf(pkts: Pkt[], macsOf?: (p: Pkt) => [string, string]): { bytes: Uint8Array; times: bigint[] } {
  let t = DEFAULT_EPOCH_NS;
  const times: bigint[] = [];
  const records = pkts.map((p, i) => {
    t += BigInt(Math.round((p.gapMs ?? 10) * 1e6));
    times.push(t);
    return { ts: t, data: frame(p, 100 + i, macsOf?.(p)) };
  });
  return { bytes: writePcap(records, { linkType: LinkType.ETHERNET }), times };
}

function iso(ns: bigint): string {
  const s = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${s}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
}

// ---------------------------------------------------------------------------------------------
// Transfers: a request and what follows, with the expectation computed alongside.
// ---------------------------------------------------------------------------------------------

interface TransferSpec {
  client: Ep;
  server: Ep;
  /** The server's transfer port (69 = answers from the request port). */
  serverPort: number;
  opcode: "RRQ" | "WRQ";
  file: string;
  mode?: string;
  options?: [string, string][];
  /** OACK options the server sends first (RFC 2347), or none. */
  oack?: [string, string][];
  /** File size; undefined = no reply at all. */
  size?: number;
  /** ERROR instead of the transfer (code, message) from the server. */
  error?: [number, string];
  /** Copies of the request before the answer (client retries, 5 s apart). */
  retries?: number;
  /** Stop after this many DATA blocks (the capture ends). */
  stopAfter?: number;
  /** DATA blocks sent twice (the ACK was "lost"). */
  repeat?: number[];
  /** Blocks whose ACK is sent twice (the acknowledging side's timer ran out: the next DATA was "lost"); 0 = WRQ's ACK 0 / RRQ's ACK of the OACK. */
  repeatAck?: number[];
  /** The server's first reply comes this long after the request (default 10 ms). */
  replyDelayMs?: number;
}

interface Built { pkts: Pkt[]; tftp: Record<string, unknown>; firstReply?: number }

/** The packets of a transfer (client's view, no NAT) and its expected `tftp` record. */
function transfer(s: TransferSpec, base = 0): Built {
  const b = transferPackets(s, base);
  if (s.replyDelayMs !== undefined && b.firstReply) b.pkts[b.firstReply - base - 1].gapMs = s.replyDelayMs;
  return b;
}

function transferPackets(s: TransferSpec, base: number): Built {
  const mode = s.mode ?? "octet";
  const code = s.opcode === "RRQ" ? 1 : 2;
  const req: Pkt = { src: s.client, dst: s.server, payload: tftp.request(code, s.file, mode, s.options ?? []) };
  const pkts: Pkt[] = [req];
  const retries: number[] = [];
  for (let i = 0; i < (s.retries ?? 0); i++) {
    pkts.push({ ...req, gapMs: 5000 });
    retries.push(base + pkts.length);
  }
  const srv: Ep = { ip: s.server.ip, port: s.serverPort };
  const t: Record<string, unknown> = {
    opcode: s.opcode, filename: s.file, mode, options: Object.fromEntries(s.options ?? []), retries,
    blocks: 0, bytes: 0, blockSize: 512, duplicates: 0, duplicateAcks: 0, outcome: "unanswered",
  };
  if (s.size === undefined && !s.error) return { pkts, tftp: t };
  const fromServer = (payload: Uint8Array): Pkt => ({ src: srv, dst: s.client, payload });
  const fromClient = (payload: Uint8Array): Pkt => ({ src: s.client, dst: srv, payload });
  const firstReply = base + pkts.length + 1;
  t.serverPort = s.serverPort;
  t.fromRequestPort = s.serverPort === s.server.port;
  if (s.error) {
    pkts.push(fromServer(tftp.error(s.error[0], s.error[1])));
    Object.assign(t, { outcome: "error", firstReply: { packet: firstReply, opcode: "ERROR" }, error: { code: s.error[0], message: s.error[1], packet: firstReply, from: "server" } });
    return { pkts, tftp: t, firstReply };
  }
  let blksize = 512;
  if (s.oack) {
    pkts.push(fromServer(tftp.oack(s.oack)));
    t.oack = { packet: firstReply, options: Object.fromEntries(s.oack) };
    const b = s.oack.find(([k]) => k === "blksize");
    if (b) blksize = Number(b[1]);
  }
  t.blockSize = blksize;
  const size = s.size!;
  const nBlocks = Math.floor(size / blksize) + 1;
  const write = s.opcode === "WRQ";
  const sender = write ? fromClient : fromServer;
  const acker = write ? fromServer : fromClient;
  let ackDups = 0;
  /**
   * The ACK of block b, and its copy 1 s later when the case repeats it. A copy of the final
   * block's ACK comes after the transfer ended (its first copy ended it): not counted.
   */
  const ack = (b: number, final = false) => {
    pkts.push(acker(tftp.ack(b)));
    if (!s.repeatAck?.includes(b)) return;
    pkts.push({ ...acker(tftp.ack(b)), gapMs: 1000 });
    if (!final) ackDups++;
  };
  // WRQ: the server's ACK 0 (or the OACK) opens; RRQ after an OACK: the client's ACK 0.
  if (write !== !!s.oack) ack(0);
  t.firstReply = { packet: firstReply, opcode: s.oack ? "OACK" : write ? "ACK" : "DATA" };
  let bytes = 0;
  let blocks = 0;
  let dups = 0;
  for (let b = 1; b <= nBlocks; b++) {
    if (s.stopAfter !== undefined && b > s.stopAfter) break;
    const n = b < nBlocks ? blksize : size - blksize * (nBlocks - 1);
    pkts.push(sender(tftp.data(b, n)));
    blocks++;
    bytes += n;
    if (b === nBlocks) t.endPacket = base + pkts.length;
    if (s.repeat?.includes(b)) {
      pkts.push({ ...sender(tftp.data(b, n)), gapMs: 1000 });
      dups++;
    }
    ack(b, b === nBlocks);
  }
  Object.assign(t, { blocks, bytes, duplicates: dups, duplicateAcks: ackDups, outcome: t.endPacket ? "completed" : "incomplete" });
  if (t.endPacket) t.lastAcked = true;
  return { pkts, tftp: t, firstReply };
}

// ---------------------------------------------------------------------------------------------
// pcaps/alg/tftp-*: one capture, `analyze`
// ---------------------------------------------------------------------------------------------

const C: Ep = { ip: "192.0.2.10", port: 50001 };
const S: Ep = { ip: "198.51.100.20", port: 69 };
const C6: Ep = { ip: "2001:db8:1::10", port: 50001 };
const S6: Ep = { ip: "2001:db8:2::20", port: 69 };

interface AlgCase { name: string; description: string; spec: TransferSpec }

export const ALG_CASES: AlgCase[] = [
  { name: "tftp-rrq", description: "RRQ boot.cfg octet; DATA 1-3 (512, 512, 176) from the new port 40001, each ACKed: completed, 1200 bytes.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "boot.cfg", size: 1200 } },
  { name: "tftp-wrq", description: "WRQ upload.bin octet of exactly 512 bytes: ACK 0 from 40001, DATA 1 (512), an empty DATA 2 ends it (RFC 1350 §6): completed, 2 blocks.", spec: { client: C, server: S, serverPort: 40001, opcode: "WRQ", file: "upload.bin", size: 512 } },
  { name: "tftp-options-oack", description: "RRQ pxelinux.0 with blksize=1024 tsize=0; the server's OACK blksize=1024 tsize=2000, the client's ACK 0, DATA 1 (1024) and DATA 2 (976): block size 1024, completed.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "pxelinux.0", options: [["blksize", "1024"], ["tsize", "0"]], oack: [["blksize", "1024"], ["tsize", "2000"]], size: 2000 } },
  { name: "tftp-blksize-ignored", description: "RRQ with blksize=1468 that the server ignores (no OACK, RFC 2347 §4): DATA in 512-byte blocks, 1000 bytes, completed at block 2.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "big.img", options: [["blksize", "1468"]], size: 1000 } },
  { name: "tftp-error", description: "RRQ missing.txt answered by ERROR 1 \"File not found\" from the new port.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "missing.txt", error: [1, "File not found"] } },
  { name: "tftp-unanswered", description: "RRQ config.txt sent three times from the same port, 5 s apart, never answered: one session with two retries.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "config.txt", retries: 2 } },
  { name: "tftp-reply-from-69", description: "RRQ answered from port 69 itself (not a new TID, RFC 1350 §4); completed, 700 bytes.", spec: { client: C, server: S, serverPort: 69, opcode: "RRQ", file: "old.bin", size: 700 } },
  { name: "tftp-ipv6", description: "RRQ over IPv6 2001:db8:1::10 → 2001:db8:2::20, 600 bytes from port 40001: completed.", spec: { client: C6, server: S6, serverPort: 40001, opcode: "RRQ", file: "v6.cfg", size: 600 } },
  { name: "tftp-duplicate-block", description: "RRQ; DATA 1 is sent twice (1 s apart) before its ACK: 2 distinct blocks, 1 repeated, completed.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "dup.bin", size: 600, repeat: [1] } },
  { name: "tftp-duplicate-ack", description: "RRQ of 1200 bytes; the client sends its ACK of block 1 again 1 s later (DATA 2 was slow), then DATA 2 and 3 follow: 3 blocks, no repeated block, 1 repeated ACK, completed.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "ack.bin", size: 1200, repeatAck: [1] } },
  { name: "tftp-wrq-duplicate-ack", description: "WRQ of 700 bytes; the server sends ACK 0 twice (the client's DATA 1 was slow) and ACK 2, the last, twice too: 2 blocks, completed, 1 repeated ACK (the copy of the final ACK comes after the transfer ended and is not counted).", spec: { client: C, server: S, serverPort: 40001, opcode: "WRQ", file: "put.bin", size: 700, repeatAck: [0, 2] } },
  { name: "tftp-incomplete", description: "RRQ of 2000 bytes; the capture ends after DATA 2 and its ACK: incomplete, 2 blocks, 1024 bytes.", spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "cut.bin", size: 2000, stopAfter: 2 } },
];

export function buildAlgCase(c: AlgCase): { pcap: Uint8Array; expected: unknown } {
  const b = transfer(c.spec);
  const { bytes, times } = pcapOf(b.pkts);
  const s = c.spec;
  const t = b.tftp as { options: Record<string, string>; mode: string; firstReply?: { packet: number; opcode: string } };
  let line = `${s.opcode} ${s.file} ${t.mode}`;
  for (const [k, v] of Object.entries(t.options)) line += ` ${k}=${v}`;
  const dataFlow = b.firstReply ? { from: { ip: s.server.ip, port: s.serverPort }, to: s.client, firstPacket: b.firstReply } : null;
  if (t.firstReply) (t.firstReply as Record<string, unknown>).time = iso(times[b.firstReply! - 1]);
  const expected = {
    case: c.name, description: c.description, capture: `${c.name}.pcap`, packets: b.pkts.length,
    sessions: [{
      alg: "tftp", client: s.client, server: s.server,
      negotiations: [{
        kind: s.opcode, packet: 1, time: iso(times[0]), line, valid: true, announced: { ip: s.client.ip, port: s.client.port },
        expected: [{ proto: "udp", from: { ip: s.server.ip, port: null }, to: s.client }],
        dataSeen: dataFlow !== null, emulation: { profile: "linux", outcome: "parsed", reason: s.serverPort === s.server.port && dataFlow ? "reply_via_master" : "ok" },
        dataFlow, dataFlows: [dataFlow],
      }],
      tftp: b.tftp,
    }],
  };
  return { pcap: bytes, expected };
}

// ---------------------------------------------------------------------------------------------
// pcaps/nat/tftp-*: inside and outside captures through a NAT, `verify`
// ---------------------------------------------------------------------------------------------

const NAT = "203.0.113.1";
const C_OUT: Ep = { ip: NAT, port: 61001 };

interface NatCase {
  name: string;
  description: string;
  spec: TransferSpec;
  /** true: the NAT has the TFTP ALG (the reply crosses); false: the reply dies at the router. */
  alg: boolean;
  expected: { verdict: string; findings: string[]; notFindings: string[] };
}

export const NAT_CASES: NatCase[] = [
  {
    name: "tftp-rrq-alg", alg: true,
    description: "RRQ through a masquerade WITH the TFTP helper: 192.0.2.10:50001 leaves as 203.0.113.1:61001; the server's DATA from 198.51.100.20:40001 reaches 203.0.113.1:61001 and is delivered to 192.0.2.10:50001; 1500 bytes, completed.",
    spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "boot.cfg", size: 1500 },
    expected: { verdict: "pass", findings: [], notFindings: ["alg.tftp-reply-blocked", "alg.tftp-unanswered", "alg.tftp-transfer-error"] },
  },
  {
    name: "tftp-wrq-alg", alg: true,
    description: "WRQ through a masquerade WITH the TFTP helper: ACK 0 from the server's port 40001 crosses, 1100 bytes uploaded, completed.",
    spec: { client: C, server: S, serverPort: 40001, opcode: "WRQ", file: "backup.cfg", size: 1100 },
    expected: { verdict: "pass", findings: [], notFindings: ["alg.tftp-reply-blocked", "alg.tftp-unanswered"] },
  },
  {
    name: "tftp-rrq-no-alg", alg: false,
    description: "RRQ through a masquerade WITHOUT a TFTP helper (ALG-BEHAVIOUR.md §9.2): the server's DATA 1 from 198.51.100.20:40001 to 203.0.113.1:61001 is answered by the router with ICMP port unreachable, twice (the server retransmits); nothing reaches the client.",
    spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "boot.cfg", size: 1500 },
    expected: { verdict: "fail", findings: ["alg.tftp-reply-blocked"], notFindings: ["alg.tftp-unanswered"] },
  },
  {
    name: "tftp-reply-late", alg: true,
    description: "RRQ through a NAT that forwards the reply although it comes 301 s after the request (a router with a longer TFTP timeout): passes; with --profile linux the reply would have found nf_conntrack_tftp's 300 s expectation expired (alg.tftp-linux-expectation-lost).",
    spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "slow.bin", size: 100, replyDelayMs: 301_000 },
    expected: { verdict: "pass", findings: [], notFindings: ["alg.tftp-reply-blocked", "alg.tftp-linux-expectation-lost"] },
  },
  {
    name: "tftp-error-alg", alg: true,
    description: "RRQ through the TFTP helper answered by ERROR 2 \"Access violation\" from the new port: the reply crossed (the ALG worked), the transfer was refused.",
    spec: { client: C, server: S, serverPort: 40001, opcode: "RRQ", file: "secret.key", error: [2, "Access violation"] },
    expected: { verdict: "pass", findings: ["alg.tftp-transfer-error"], notFindings: ["alg.tftp-reply-blocked"] },
  },
];

function translate(p: Pkt): Pkt {
  const tr = (e: Ep) => (e.ip === C.ip && e.port === C.port ? C_OUT : e);
  return { ...p, src: tr(p.src), dst: tr(p.dst) };
}

/** Inside and outside timelines of a NAT case. Without an ALG the first server packet dies (twice). */
function natSides(c: NatCase): { inside: Pkt[]; outside: Pkt[] } {
  const b = transfer(c.spec);
  if (c.alg) return { inside: b.pkts, outside: b.pkts.map(translate) };
  const req = b.pkts[0];
  const reply = translate(b.pkts[1]);
  return {
    inside: [req],
    outside: [translate(req), reply, { ...reply, icmpFrom: NAT, gapMs: 1 }, { ...reply, gapMs: 1000 }, { ...reply, icmpFrom: NAT, gapMs: 1 }],
  };
}

const outbound = (p: Pkt) => p.src.ip === C.ip || p.src.ip === NAT;

/** The transfer fields of a record, as `verify --json` reports them per side (`sessions[].tftp.inside|outside`). */
function transferView(t: Record<string, unknown>): Record<string, unknown> {
  return { outcome: t.outcome, blocks: t.blocks, bytes: t.bytes, blockSize: t.blockSize, duplicates: t.duplicates, duplicateAcks: t.duplicateAcks };
}

/**
 * How each capture shows the transfer: with the ALG both show the whole of it; without, the
 * inside capture holds the request only (unanswered) and the outside one the server's first DATA
 * block twice (sent again after the router's ICMP) and nothing after it (incomplete).
 */
function natTransfer(c: NatCase): { inside: Record<string, unknown>; outside: Record<string, unknown> } {
  const b = transfer(c.spec);
  if (c.alg) return { inside: transferView(b.tftp), outside: transferView(b.tftp) };
  const first = b.pkts[1].payload;
  const data = first[1] === 3;
  return {
    inside: { outcome: "unanswered", blocks: 0, bytes: 0, blockSize: 512, duplicates: 0, duplicateAcks: 0 },
    outside: { outcome: "incomplete", blocks: data ? 1 : 0, bytes: data ? first.length - 4 : 0, blockSize: 512, duplicates: data ? 1 : 0, duplicateAcks: 0 },
  };
}

export function buildNatCase(c: NatCase): { inside: Uint8Array; outside: Uint8Array; caseJson: unknown } {
  const { inside, outside } = natSides(c);
  // The router forwards within 1 ms: the outside copy of each packet is 1 ms later (requests) or
  // earlier (replies); the same +10 ms timeline keeps both captures in step.
  const inPcap = pcapOf(inside, (p) => sideMacs("inside", outbound(p)));
  const outPcap = pcapOf(outside, (p) => sideMacs("outside", outbound(p) !== !!p.icmpFrom));
  const caseJson = {
    case: c.name, description: c.description,
    topology: { client: C.ip, server: S.ip, natAddress: NAT, insideNet: "192.0.2.0/24" },
    expected: c.expected,
    nat: [
      { role: "control", proto: "udp", inside: C, outside: C_OUT, remote: S, direction: "outbound", crossed: true },
      { role: "data", proto: "udp", inside: C, outside: C_OUT, remote: { ip: S.ip, port: c.spec.serverPort }, direction: "inbound", crossed: c.alg },
    ],
    tftp: natTransfer(c),
  };
  return { inside: inPcap.bytes, outside: outPcap.bytes, caseJson };
}

export function writeAll(root: string): string[] {
  const out: string[] = [];
  for (const c of ALG_CASES) {
    const { pcap, expected } = buildAlgCase(c);
    out.push(writeOut(root, `pcaps/alg/${c.name}.pcap`, pcap));
    out.push(writeOut(root, `pcaps/alg/${c.name}.expected.json`, JSON.stringify(expected, null, 2) + "\n"));
  }
  for (const c of NAT_CASES) {
    const b = buildNatCase(c);
    out.push(writeOut(root, `pcaps/nat/${c.name}/inside.pcap`, b.inside));
    out.push(writeOut(root, `pcaps/nat/${c.name}/outside.pcap`, b.outside));
    out.push(writeOut(root, `pcaps/nat/${c.name}/case.json`, JSON.stringify(b.caseJson, null, 2) + "\n"));
  }
  return out;
}

if (isMain(import.meta.url)) {
  for (const f of writeAll(repoRoot(import.meta.url))) console.log(f);
}
