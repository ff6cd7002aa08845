/**
 * Generators of FTP/RTSP control connections that stress the ALG layer's bounds (issue 13):
 *
 *   controlFlood(path, spec)     one FTP control connection carrying `bytes` of one repeated
 *                                line (`PORT …` or `NOOP`), streamed to a file in 1460-byte
 *                                segments: the 10 MB / 100 MB floods of `bench/` and, small, of
 *                                test/alg/limits.test.ts.
 *   hostileCapture(sessions)     in memory: sessions of bursts of many lines per segment (PORT,
 *                                227, multi-line replies, long lines, bare LF, RTSP SETUPs …),
 *                                for the chunking property of test/alg/chunking.test.ts.
 *   sequentialSessions(n)        n FTP and RTSP sessions one after the other, each closed (FIN
 *                                both ways, or RST), each with its data/media flow.
 *
 * Run: `node dist/pcaps/make/control-floods.js <out.pcap> <bytes> [port|noop]` writes a flood.
 */

import {
  DEFAULT_EPOCH_NS, IpProto, LinkType, PcapStreamWriter, ascii, ethernetFor, ipPacket, tcp, tcpSession, udp,
  writePcap, type SessionFrame,
} from "../../test/helpers/pcap-writer.js";
import { isMain } from "./util.js";

const CLIENT = "192.0.2.10";
const SERVER = "198.51.100.20";
const MSS = 1460;

export interface FloodSpec {
  /** Bytes of control lines the client sends (rounded up to a whole line). */
  bytes: number;
  /** The repeated line: `PORT 192,0,2,10,p1,p2` with a port counting up, or `NOOP`. */
  line: "port" | "noop";
}

/** Line i of a flood (CRLF-terminated). */
export function floodLine(line: FloodSpec["line"], i: number): string {
  if (line === "noop") return "NOOP\r\n";
  const port = 1024 + (i % 64000);
  return `PORT 192,0,2,10,${port >> 8},${port & 255}\r\n`;
}

/** Writes one FTP control connection carrying `spec.bytes` of lines; returns packets and lines. */
export function controlFlood(path: string, spec: FloodSpec): { packets: number; lines: number; bytes: number } {
  const w = new PcapStreamWriter(path, { linkType: LinkType.ETHERNET, format: "pcap" });
  let t = Number(DEFAULT_EPOCH_NS / 1000n);
  let cSeq = 0x1000_0000;
  let sSeq = 0x2000_0000;
  const put = (fromClient: boolean, flags: Parameters<typeof tcp>[0]["flags"], payload: Uint8Array) => {
    const seg = tcp({
      src: fromClient ? CLIENT : SERVER, dst: fromClient ? SERVER : CLIENT, srcPort: fromClient ? 51000 : 21, dstPort: fromClient ? 21 : 51000,
      seq: fromClient ? cSeq : sSeq, ack: flags.ack ? (fromClient ? sSeq : cSeq) : 0, flags, window: 64240, payload,
    });
    const adv = payload.length + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0);
    if (fromClient) cSeq = (cSeq + adv) >>> 0;
    else sSeq = (sSeq + adv) >>> 0;
    t += 100;
    w.write(Math.floor(t / 1e6), t % 1e6, ethernetFor(ipPacket({ src: fromClient ? CLIENT : SERVER, dst: fromClient ? SERVER : CLIENT, proto: IpProto.TCP, payload: seg, df: true })));
  };
  put(true, { syn: true }, new Uint8Array(0));
  put(false, { syn: true, ack: true }, new Uint8Array(0));
  put(true, { ack: true }, new Uint8Array(0));
  put(false, { ack: true, psh: true }, ascii("220 flood\r\n"));
  // Whole lines only: the flood ends with the line that reaches `spec.bytes`.
  let sent = 0;
  let lines = 0;
  let pending = "";
  while (sent < spec.bytes || pending.length) {
    while (pending.length < MSS && sent + pending.length < spec.bytes) pending += floodLine(spec.line, lines++);
    const n = Math.min(MSS, pending.length);
    put(true, { ack: true, psh: true }, ascii(pending.slice(0, n)));
    pending = pending.slice(n);
    sent += n;
  }
  put(true, { fin: true, ack: true }, new Uint8Array(0));
  put(false, { fin: true, ack: true }, new Uint8Array(0));
  put(true, { ack: true }, new Uint8Array(0));
  const bytes = w.close();
  return { packets: w.packets, lines, bytes };
}

/** A burst: `text` repeated `repeat` times, sent by one side in segments of `segment` bytes. */
export interface Burst {
  fromClient: boolean;
  text: string;
  repeat: number;
  segment: number;
}

export interface HostileSession {
  alg: "ftp" | "rtsp";
  bursts: Burst[];
  end: "fin" | "rst" | "none";
  /** Time before the next session starts (default 1 ms). */
  pauseNs?: bigint;
}

/** Lines a hostile burst may repeat (each with its terminator), by ALG and sender. */
export const HOSTILE_LINES = {
  ftpClient: [
    "PORT 192,0,2,10,4,31\r\n", "EPRT |1|192.0.2.10|6275|\r\n", "PASV\r\n", "EPSV\r\n", "NOOP\r\n", "x\r\n",
    "PORT 192,0,2,10,4,31\n", "port  192,0,2,10,300,31\r\n", "LIST\r\n", `STOR ${"n".repeat(1500)}\r\n`,
  ],
  ftpServer: [
    "227 Entering Passive Mode (198,51,100,20,4,31).\r\n", "229 Entering Extended Passive Mode (|||6446|)\r\n",
    "227-first line\r\n continuation 1,2,3,4,5,6\r\n227 Entering Passive Mode (198,51,100,20,4,32)\r\n",
    "200 ok\r\n", "425 Can't open data connection.\r\n", "500 Illegal PORT command.\r\n", `211-${"s".repeat(1200)}\r\n211 end\r\n`,
  ],
  rtspClient: [
    "SETUP rtsp://198.51.100.20/t RTSP/1.0\r\nCSeq: 7\r\nTransport: RTP/AVP;unicast;client_port=50000-50001\r\n\r\n",
    "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", "TEARDOWN rtsp://198.51.100.20/t RTSP/1.0\r\nCSeq: 9\r\n\r\n",
    "ANNOUNCE rtsp://198.51.100.20/t RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nv=0\r\n",
  ],
  rtspServer: [
    "RTSP/1.0 200 OK\r\nCSeq: 7\r\nTransport: RTP/AVP;unicast;client_port=50000-50001;server_port=6970-6971\r\nSession: 12345\r\n\r\n",
    "RTSP/1.0 454 Session Not Found\r\nCSeq: 7\r\n\r\n", "$\x00\x00\x04abcd",
  ],
} as const;

/**
 * Sessions one after the other (each on its own client port), as a classic pcap in memory. Every
 * session starts with its handshake and ends as `end` says.
 */
export function hostileCapture(sessions: HostileSession[]): Uint8Array {
  const frames: SessionFrame[] = [];
  let start = DEFAULT_EPOCH_NS;
  sessions.forEach((h, i) => {
    const s = tcpSession({
      client: { ip: CLIENT, port: 40000 + i }, server: { ip: SERVER, port: h.alg === "ftp" ? 21 : 554 }, start,
    });
    s.handshake();
    for (const b of h.bursts) s.send(b.fromClient, b.text.repeat(b.repeat), { segmentSize: b.segment, ackFromPeer: false });
    if (h.end === "fin") s.close();
    else if (h.end === "rst") s.rst();
    for (const f of s.frames) frames.push(f);
    start = s.now + (h.pauseNs ?? 1_000_000n);
  });
  return writePcap(frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: LinkType.ETHERNET });
}

/**
 * `n` sessions one after the other, FTP (active PORT) and RTSP (SETUP over UDP) in turn, each
 * followed by its data or media flow and closed (FIN both ways; every fourth by a RST). Returns
 * the capture and, per session, the packet of its negotiation's data flow.
 */
export function sequentialSessions(n: number): Uint8Array {
  const frames: SessionFrame[] = [];
  let now = DEFAULT_EPOCH_NS;
  for (let i = 0; i < n; i++) {
    const rtsp = i % 2 === 1;
    const s = tcpSession({ client: { ip: CLIENT, port: 30000 + i }, server: { ip: SERVER, port: rtsp ? 554 : 21 }, start: now });
    s.handshake();
    const dataPort = 20000 + i;
    if (!rtsp) {
      s.send(false, "220 ready\r\n");
      s.send(true, `PORT 192,0,2,10,${dataPort >> 8},${dataPort & 255}\r\n`);
      s.send(false, "200 PORT ok\r\n");
    } else {
      s.send(true, `SETUP rtsp://${SERVER}/t RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=${dataPort}-${dataPort + 1}\r\n\r\n`);
      s.send(false, `RTSP/1.0 200 OK\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=${dataPort}-${dataPort + 1};server_port=6970-6971\r\nSession: ${i}\r\n\r\n`);
    }
    for (const f of s.frames) frames.push(f);
    s.frames.length = 0;
    s.wait(1_000_000n);
    const t = s.now;
    if (!rtsp) {
      const d = tcpSession({ client: { ip: SERVER, port: 20 }, server: { ip: CLIENT, port: dataPort }, start: t });
      d.handshake();
      d.send(true, "data");
      d.close();
      for (const f of d.frames) frames.push(f);
    } else {
      for (const port of [dataPort, dataPort + 1]) {
        frames.push({ ts: t, data: ipPacket({ src: SERVER, dst: CLIENT, proto: IpProto.UDP, payload: udp({ src: SERVER, dst: CLIENT, srcPort: port === dataPort ? 6970 : 6971, dstPort: port, payload: ascii("media") }) }), fromClient: false, seq: 0, ack: 0, flags: {}, payloadLen: 5 });
      }
    }
    s.wait(2_000_000n);
    if (i % 4 === 3) s.rst();
    else s.close();
    for (const f of s.frames) frames.push(f);
    now = s.now + 1_000_000n;
  }
  frames.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return writePcap(frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.data) })), { linkType: LinkType.ETHERNET });
}

if (isMain(import.meta.url)) {
  const [out, size, line] = process.argv.slice(2);
  if (!out || !size) {
    console.error("usage: node dist/pcaps/make/control-floods.js <out.pcap> <bytes, e.g. 10M> [port|noop]");
    process.exit(2);
  }
  const bytes = Number(size.replace(/[MK]$/i, "")) * (/M$/i.test(size) ? 1 << 20 : /K$/i.test(size) ? 1 << 10 : 1);
  const r = controlFlood(out, { bytes, line: line === "noop" ? "noop" : "port" });
  console.log(`${out}: ${r.packets} packets, ${r.lines} lines, ${r.bytes} bytes`);
}
