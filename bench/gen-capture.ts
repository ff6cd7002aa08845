/**
 * gen-capture — deterministic generator of a large benchmark capture, streamed to disk.
 *
 *   generateBenchCapture(path, { bytes, flows = 200_000, seed = 1, format = "pcap" })
 *   node dist/bench/gen-capture.js out.pcap --size 1G [--flows 200000] [--seed 1] [--format pcapng] [--churn]
 *                                  [--scripts-per-mille 4] [--generator 3]
 *
 * Traffic model (all decisions from one xorshift32 stream seeded by `seed`):
 *   - `flows` concurrent slots, all opened at the start; each step picks a slot (skewed: slot
 *     F·u² for uniform u, so low slots are busy and high slots are long-idle connections) and emits
 *     that flow's next packet, so ~`flows` conversations are interleaved at any time. A finished
 *     flow is replaced by a new one (never a reused 5-tuple: the client address is derived from a
 *     global flow counter).
 *   - ~84% TCP: SYN, SYN-ACK, ACK, a request, then server data (80% full-size MSS segments) with a
 *     client ACK every third packet, then FIN, FIN-ACK, ACK. ~16% UDP: DNS-like pairs or
 *     10–60-packet media/QUIC-like streams. Packet sizes are bimodal (60-byte ACKs / 1514-byte frames).
 *   - ~15% of flows are IPv6, ~10% carry an 802.1Q tag (VLAN 2..4001).
 *   - ~0.4% of new flows are scripted ALG sessions built with test/helpers/pcap-writer (full
 *     checksums; from version 3 each runs on its own pace — a frame every 4–64 steps, whatever
 *     slot the step picks — no script starts unless the file's remaining size holds its frames
 *     at the slowest pace, and the capture ends only after the last script's last frame, so every
 *     script started is finished, its TCP connections closed with FIN both ways): FTP active (PORT), passive (227), EPSV (229; half of them over IPv6) each with
 *     its data connection, and RTSP SETUP / 200 OK (client_port / server_port) with RTP + RTCP
 *     UDP media; SIP (over UDP, and over TCP): a REGISTER / 200 with its own Call-ID, then
 *     INVITE (SDP offer) / 100 / 180 / 200 (SDP answer) / ACK, RTP both ways on the SDP ports and
 *     RTCP both ways on the next ports, BYE / 200; TFTP: an RRQ with options (OACK, ACK 0, DATA
 *     blocks and ACKs from the server's new port) and a WRQ (ACK 0, DATA and ACKs).
 * Bulk packets use precomputed header templates patched in place, with zero IP/L4 checksums.
 * Output: Ethernet, µs timestamps, little-endian; pcap (default) or pcapng (one SHB/IDB, EPBs).
 * `flows` in the result counts distinct 5-tuples emitted (scripted sessions count each
 * connection: FTP = 2, RTSP = 3, SIP = 3 (signalling, RTP, RTCP), TFTP = 2 (request to port 69,
 * the transfer)), which a flow table must reproduce exactly.
 */

import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  EtherType, IpProto, LinkType, ascii, ethernet, ipv4, ipv6, rtcpSenderReport, rtpPacket, tcp, tcpSession, udp,
  PcapStreamWriter, type SessionFrame,
} from "../test/helpers/pcap-writer.js";

export interface BenchCaptureOptions {
  /** Target file size in bytes; generation stops at the first record that reaches it. */
  bytes: number;
  /** Concurrent flow slots. Default 200 000. */
  flows?: number;
  /** PRNG seed (non-zero). Default 1. */
  seed?: number;
  format?: "pcap" | "pcapng";
  /**
   * Multiplies the data-phase length of TCP flows and UDP streams (default 1). A 4 GiB capture
   * with length 4 holds about as many flows as a 1 GiB one with length 1: the pair shows memory
   * follows the flow count, not the file size.
   */
  flowLength?: number;
  /**
   * Flows that come and go: each step picks a slot uniformly (every flow progresses and ends;
   * a finished one is replaced at once), and packets are ~100 µs apart (20–180 µs), so with the
   * default 100 000 slots a flow sees a packet about every 10 s of capture time and a 4 GiB
   * capture spans ~13 minutes; TCP data phases are shorter (1–16 packets, not 1–28): ~0.5 M
   * flows over a 4 GiB capture, never more than `flows` open at
   * once (plus those closed within their conntrack-like timeout), FTP and RTSP sessions spread
   * over the whole file.
   */
  churn?: boolean;
  /**
   * New flows that are scripted ALG sessions, per mille (default 4: ~0.04 % of new flows for each
   * of the 10 kinds). Tests raise it to get every kind into a small capture.
   */
  scriptsPerMille?: number;
  /**
   * The generator version whose capture to make (default GENERATOR_VERSION); each older version
   * makes its capture byte for byte. 1: before SIP and TFTP were added (FTP and RTSP scripts only,
   * 2 per mille): the baseline of the bench's SIP/TFTP criterion (analyze CPU on the current
   * version within 10 % of version 1 at the same size). 2: SIP and TFTP scripts, each advancing
   * only when its slot is picked (so most scripts of rarely picked slots were cut by the end of
   * the file). 3: scripts on their own pace, every one finished (see the module header); bulk
   * client ports never SIP's 5060.
   */
  generator?: GeneratorVersion;
}

export interface BenchCaptureResult {
  packets: number;
  bytes: number;
  flows: number;
}

/**
 * Changes whenever the same options give another capture (2: SIP and TFTP sessions; 3: every
 * script finished), so a cached
 * capture (bench/run.ts, bench/data/) made by an older generator is made again.
 */
export const GENERATOR_VERSION = 3;
export type GeneratorVersion = 1 | 2 | 3;

/** Steps between two frames of a script (version 3): uniform in [SCRIPT_GAP_MIN, SCRIPT_GAP_MAX]. */
const SCRIPT_GAP_MIN = 4;
const SCRIPT_GAP_MAX = 64;
/** A power of two above SCRIPT_GAP_MAX: the wheel of due scripts, indexed by step. */
const WHEEL = 128;
/** Bytes per step of the bench capture (1 GiB / 1.86 M packets): spreads version 3's deferred scripts over the file. */
const EXPECTED_STEP_BYTES = 576;
/** The default SIP port, which version 3 keeps bulk flows off (their bytes are not SIP). */
const SIP_PORT = 5060;

/** A running script (version 3): its frames and the next one to emit. */
interface ScriptRun {
  frames: ScriptFrame[];
  next: number;
}

// Template variants: bit 0 = IPv6, bit 1 = VLAN, bit 2 = UDP.
const V6 = 1, VLAN = 2, UDP = 4;
const MIN_FRAME = 60;

interface Template {
  bytes: Buffer;
  l2: number; // offset of the IP header
  l4: number; // offset of the L4 header
  hdr: number; // bytes up to the L4 payload
}

function buildTemplates(): Template[] {
  const out: Template[] = [];
  for (let v = 0; v < 8; v++) {
    const v6 = (v & V6) !== 0, vlan = (v & VLAN) !== 0, isUdp = (v & UDP) !== 0;
    const l4 = isUdp ? udp({ srcPort: 1, dstPort: 2, checksum: 0 }) : tcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: { ack: true }, window: 64240, checksum: 0 });
    const proto = isUdp ? IpProto.UDP : IpProto.TCP;
    const l3 = v6
      ? ipv6({ src: "2001:db8::", dst: "2001:db8::", nextHeader: proto, payload: l4 }) // same /96 prefix both ways; low word patched
      : ipv4({ src: "10.0.0.0", dst: "172.16.0.0", proto, df: true, payload: l4, checksum: 0 });
    const frame = ethernet({
      src: "02:42:ac:11:00:02", dst: "02:42:ac:11:00:01", vlans: vlan ? [{ vid: 1 }] : [],
      etherType: v6 ? EtherType.IPv6 : EtherType.IPv4, payload: l3, pad: false,
    });
    const l2 = vlan ? 18 : 14;
    out.push({ bytes: Buffer.from(frame), l2, l4: l2 + (v6 ? 40 : 20), hdr: frame.length });
  }
  return out;
}

/** Parse "1G", "512M", "100k", "12345" (binary multiples). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?[bB])?$/.exec(s.trim());
  if (!m) throw new Error(`bad size: ${s}`);
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()]!;
  return Math.floor(Number(m[1]) * mult);
}

const TCP_PORTS = [80, 443, 443, 443, 8080, 8443, 22, 993];
const UDP_PORTS = [53, 123, 443, 443, 4500, 3478];

// Slot kinds.
const K_TCP = 0, K_UDP_PAIR = 1, K_UDP_STREAM = 2, K_SCRIPT = 3;
/**
 * New flows that are scripted sessions, per mille (default): 10 kinds at ~0.04 % of new flows
 * each (FTP PORT/PASV/EPSV/EPSV6 and RTSP at the rate they had alone; SIP over UDP twice as
 * often as the others, SIP over TCP, TFTP RRQ and WRQ).
 */
const SCRIPTS_PER_MILLE = 4;
/** Version 1's rate: 5 kinds (FTP PORT/PASV/EPSV/EPSV6, RTSP) at the same ~0.04 % each. */
const SCRIPTS_PER_MILLE_V1 = 2;

interface ScriptFrame {
  frame: Uint8Array;
  newFlow: boolean;
}

/** Generate the capture at `path`. Memory use is O(flows) plus one 8 MiB buffer. */
export function generateBenchCapture(path: string, opts: BenchCaptureOptions): BenchCaptureResult {
  const churn = opts.churn === true;
  const F = opts.flows ?? (churn ? 100_000 : 200_000);
  const FL = Math.max(1, Math.floor(opts.flowLength ?? 1));
  const version = opts.generator ?? GENERATOR_VERSION;
  const v1 = version === 1;
  const paced = version >= 3;
  const scriptsPerMille = opts.scriptsPerMille ?? (v1 ? SCRIPTS_PER_MILLE_V1 : SCRIPTS_PER_MILLE);
  const target = opts.bytes;
  let rs = (opts.seed ?? 1) >>> 0 || 1;
  const rnd = (): number => {
    rs ^= rs << 13;
    rs ^= rs >>> 17;
    rs ^= rs << 5;
    return (rs >>>= 0);
  };

  const w = new PcapStreamWriter(path, { linkType: LinkType.ETHERNET, snaplen: 262144, format: opts.format ?? "pcap" });
  const buf = w.buf;
  const dv = w.view;
  const T = buildTemplates();
  const filler = Buffer.alloc(1600);
  for (let i = 0; i < filler.length; i++) filler[i] = ((i * 131 + 17) & 0x7f) | 0x80; // never ASCII text

  // Slot state (struct of arrays).
  const kind = new Uint8Array(F);
  const variant = new Uint8Array(F);
  const vid = new Uint16Array(F);
  const step = new Uint32Array(F);
  const total = new Uint32Array(F);
  const cAddr = new Uint32Array(F); // v4 address or low 32 bits of a v6 address
  const sAddr = new Uint32Array(F);
  const cPort = new Uint16Array(F);
  const sPort = new Uint16Array(F);
  const cSeq = new Uint32Array(F);
  const sSeq = new Uint32Array(F);
  const scripts = new Map<number, ScriptFrame[]>();

  let nextFlowId = 1;
  let flowCount = 0;
  /** Ids of the initial fill's script picks, started one by one later (version 3). */
  const deferred: number[] = [];
  // Version 3: scripts due at step t wait in wheel[t % WHEEL], then in `due` (FIFO) for their turn.
  const wheel: ScriptRun[][] = Array.from({ length: WHEEL }, () => []);
  let due: ScriptRun[] = [];
  let dueHead = 0;
  let running = 0;
  let tick = 0;
  const schedule = (r: ScriptRun): void => {
    wheel[(tick + SCRIPT_GAP_MIN + (rnd() % (SCRIPT_GAP_MAX - SCRIPT_GAP_MIN + 1))) & (WHEEL - 1)]!.push(r);
  };
  /** Starts a script unless the rest of the file may not hold it at the slowest pace (at the bytes per step so far). */
  const startScript = (frames: ScriptFrame[]): void => {
    const perStep = w.bytes / Math.max(tick, 1);
    if (w.bytes + frames.length * SCRIPT_GAP_MAX * perStep >= target) return;
    running++;
    schedule({ frames, next: 0 });
  };
  let sec = 1704164645; // 2024-01-02T03:04:05Z
  let nsec = 0;

  /**
   * A new flow in slot `i`; true when it went to a paced script (version 3) and the slot needs
   * another. Version 3, a script pick with `onScript` "bulk": a bulk flow instead; "defer": the
   * same, its id kept in `deferred` (started later by startDeferred).
   */
  const spawn = (i: number, onScript: "start" | "bulk" | "defer" = "start"): boolean => {
    const id = nextFlowId++;
    const r = rnd();
    step[i] = 0;
    cAddr[i] = 0x0a000000 | (id & 0xffffff); // 10.x.y.z (unique for 16M flows)
    sAddr[i] = 0xac100000 | (Math.imul(id, 2654435761) >>> 12); // 172.16.0.0/12
    cPort[i] = 1024 + ((id * 7) % 64000);
    if (paced && cPort[i] === SIP_PORT) cPort[i] = SIP_PORT + 1;
    cSeq[i] = rnd();
    sSeq[i] = rnd();
    const v6 = (r & 0xff) < 38 ? V6 : 0; // 38/256 ≈ 15%
    const vlan = ((r >>> 8) & 0xff) < 26 ? VLAN : 0; // ≈ 10%
    vid[i] = 2 + ((r >>> 16) % 4000);
    const pick = rnd() % 1000;
    if (pick < scriptsPerMille && paced && onScript === "defer") deferred.push(id);
    if (pick < scriptsPerMille && (onScript === "start" || !paced)) {
      const sc = buildScript(id, rnd, v1);
      if (paced) {
        startScript(sc);
        return true;
      }
      kind[i] = K_SCRIPT;
      scripts.set(i, sc);
      total[i] = sc.length;
      variant[i] = 0;
      return false;
    }
    if (pick < 842) { // (a script pick not taken, version 3, is a TCP flow)
      kind[i] = K_TCP;
      variant[i] = v6 | vlan;
      sPort[i] = TCP_PORTS[rnd() % TCP_PORTS.length]!;
      total[i] = (1 + (rnd() % (churn ? 16 : 28))) * FL; // data-phase packets
    } else {
      const stream = pick >= 940;
      kind[i] = stream ? K_UDP_STREAM : K_UDP_PAIR;
      variant[i] = v6 | vlan | UDP;
      sPort[i] = UDP_PORTS[rnd() % UDP_PORTS.length]!;
      total[i] = stream ? (10 + (rnd() % 51)) * FL : 2;
    }
    return false;
  };
  /** A new flow in slot `i`: at most one script per call (version 3), then a bulk flow. */
  const respawn = (i: number): void => {
    if (spawn(i)) spawn(i, "bulk");
  };

  // Version 3: the initial fill's script picks (F·‰ of them; version 2 started them all at once)
  // are deferred and started one every `deferEvery` steps over the file's expected length, so
  // the capture holds as many scripts as version 2's and they do not crowd its first steps.
  for (let i = 0; i < F; i++) spawn(i, "defer");
  const deferEvery = Math.max(1, Math.floor(target / EXPECTED_STEP_BYTES / (deferred.length + 1)));
  let deferredNext = 0;
  /** Starts the next deferred script when its step has come (version 3). */
  const startDeferred = (): void => {
    if (deferredNext >= deferred.length || tick < (deferredNext + 1) * deferEvery) return;
    startScript(buildScript(deferred[deferredNext++]!, rnd, v1));
  };

  /** Emits the next frame of the script whose turn it is (version 3). */
  const emitScript = (): void => {
    const r = due[dueHead++]!;
    if (dueHead === due.length) {
      due = [];
      dueHead = 0;
    }
    const f = r.frames[r.next++]!;
    if (f.newFlow) flowCount++;
    buf.set(f.frame, w.begin(f.frame.length, f.frame.length, sec, (nsec / 1000) | 0));
    if (r.next < r.frames.length) schedule(r);
    else running--;
  };

  /** Emit one bulk packet. */
  const emit = (i: number, fromClient: boolean, flags: number, payload: number): void => {
    const v = variant[i]!;
    const t = T[v]!;
    const v6 = (v & V6) !== 0;
    const len = t.hdr + payload;
    const caplen = len < MIN_FRAME ? MIN_FRAME : len;
    const off = w.begin(caplen, caplen, sec, (nsec / 1000) | 0);
    t.bytes.copy(buf, off, 0, t.hdr);
    if (payload > 0) filler.copy(buf, off + t.hdr, 0, payload);
    else if (len < MIN_FRAME) buf.fill(0, off + len, off + MIN_FRAME);
    if (v & VLAN) dv.setUint16(off + 14, vid[i]!);
    const ip = off + t.l2;
    const ca = cAddr[i]!, sa = sAddr[i]!;
    const src = fromClient ? ca : sa, dst = fromClient ? sa : ca;
    if (v6) {
      dv.setUint16(ip + 4, len - t.l2 - 40);
      dv.setUint32(ip + 20, src);
      dv.setUint32(ip + 36, dst);
    } else {
      dv.setUint16(ip + 2, len - t.l2);
      dv.setUint16(ip + 4, step[i]!);
      dv.setUint32(ip + 12, src);
      dv.setUint32(ip + 16, dst);
    }
    const l4 = off + t.l4;
    dv.setUint16(l4, fromClient ? cPort[i]! : sPort[i]!);
    dv.setUint16(l4 + 2, fromClient ? sPort[i]! : cPort[i]!);
    if (v & UDP) {
      dv.setUint16(l4 + 4, 8 + payload);
    } else {
      dv.setUint32(l4 + 4, fromClient ? cSeq[i]! : sSeq[i]!);
      dv.setUint32(l4 + 8, flags & 0x10 ? (fromClient ? sSeq[i]! : cSeq[i]!) : 0);
      buf[l4 + 13] = flags;
      const adv = payload + (flags & 0x03 ? 1 : 0); // SYN or FIN consume one
      if (fromClient) cSeq[i] = (cSeq[i]! + adv) >>> 0;
      else sSeq[i] = (sSeq[i]! + adv) >>> 0;
    }
  };

  const mss = (i: number) => ((variant[i]! & V6) ? 1440 : 1460);

  while (w.bytes < target || running > 0) {
    nsec += churn ? 20_000 + (rnd() % 160_000) : 200 + (rnd() & 511);
    if (nsec >= 1e9) {
      nsec -= 1e9;
      sec++;
    }
    if (paced) {
      startDeferred();
      const bucket = wheel[tick++ & (WHEEL - 1)]!;
      for (let k = 0; k < bucket.length; k++) due.push(bucket[k]!);
      bucket.length = 0;
      if (dueHead < due.length) {
        emitScript();
        continue;
      }
      if (w.bytes >= target) continue; // the file is full: only the running scripts' last frames
    }
    // Skewed slot choice (i = F·u², u uniform): low slots churn through many short flows while
    // most slots hold long-idle connections, so ~F flows stay concurrent yet flows do complete.
    // With `churn`, uniform: every flow progresses and ends.
    const u = rnd() / 4294967296;
    const i = churn ? (u * F) | 0 : (u * u * F) | 0;
    const s = step[i]!;
    switch (kind[i]) {
      case K_TCP: {
        const d = total[i]!;
        if (s === 0) {
          flowCount++;
          emit(i, true, 0x02, 0);
        } else if (s === 1) emit(i, false, 0x12, 0);
        else if (s === 2) emit(i, true, 0x10, 0);
        else if (s < 3 + d) {
          const k = s - 3;
          if (k === 0) emit(i, true, 0x18, 100 + (rnd() % 600));
          else if (k % 3 === 0) emit(i, true, 0x10, 0);
          else {
            const r = rnd();
            emit(i, false, 0x18, (r & 0xff) < 205 ? mss(i) : 1 + ((r >>> 8) % mss(i)));
          }
        } else if (s === 3 + d) emit(i, true, 0x11, 0);
        else if (s === 4 + d) emit(i, false, 0x11, 0);
        else emit(i, true, 0x10, 0);
        if (s >= 5 + d) {
          respawn(i);
          continue;
        }
        break;
      }
      case K_UDP_PAIR:
      case K_UDP_STREAM: {
        if (s === 0) flowCount++;
        const r = rnd();
        const fromClient = kind[i] === K_UDP_PAIR ? s === 0 : (r & 3) !== 0;
        const size = kind[i] === K_UDP_PAIR ? (s === 0 ? 20 + (r >>> 8) % 60 : 60 + (r >>> 8) % 400) : 160 + ((r >>> 8) % 1190);
        emit(i, fromClient, 0, size);
        if (s + 1 >= total[i]!) {
          respawn(i);
          continue;
        }
        break;
      }
      default: {
        const sc = scripts.get(i)!;
        const f = sc[s]!;
        if (f.newFlow) flowCount++;
        const off = w.begin(f.frame.length, f.frame.length, sec, (nsec / 1000) | 0);
        buf.set(f.frame, off);
        if (s + 1 >= sc.length) {
          scripts.delete(i);
          respawn(i);
          continue;
        }
      }
    }
    step[i] = s + 1;
  }
  const bytes = w.close();
  return { packets: w.packets, bytes, flows: flowCount };
}

// ---------------------------------------------------------------------------------------------
// Scripted ALG sessions (rare; built with the full-fidelity writer)
// ---------------------------------------------------------------------------------------------

function v4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** `v1`: version 1's scripts (FTP and RTSP only, drawn from 5 kinds). */
function buildScript(id: number, rnd: () => number, v1: boolean): ScriptFrame[] {
  const which = rnd() % (v1 ? 5 : 10); // 0 PORT, 1 PASV, 2 EPSV v4, 3 EPSV v6, 4 RTSP, 5–6 SIP/UDP, 7 SIP/TCP, 8 TFTP RRQ, 9 WRQ
  if (which >= 5) return which <= 7 ? sipScript(id, rnd, which === 7) : tftpScript(id, rnd, which === 9);
  const useV6 = which === 3;
  // Unique client per flow id, like bulk flows but in 100.64.0.0/10 / 2001:db8:a::/48.
  const client = useV6 ? `2001:db8:a::${(id >>> 16).toString(16)}:${(id & 0xffff).toString(16)}` : scriptHosts(id).client;
  const server = useV6 ? `2001:db8:f::${(id % 250) + 1}` : scriptHosts(id).server;
  const cport = 20000 + (id % 30000);
  const eth = (f: SessionFrame): Uint8Array => ethernet({ etherType: useV6 ? EtherType.IPv6 : EtherType.IPv4, payload: f.data });

  const order: { f: SessionFrame; key: string }[] = [];
  const track = (key: string, fs: SessionFrame[]) => {
    for (const f of fs) order.push({ f, key });
  };

  if (which <= 3) {
    const ctl = tcpSession({ client: { ip: client, port: cport }, server: { ip: server, port: 21 } });
    track("ctl", ctl.handshake());
    track("ctl", ctl.send(false, "220 bench FTP\r\n", { ackFromPeer: false }));
    track("ctl", ctl.send(true, "USER bench\r\n", { ackFromPeer: false }));
    track("ctl", ctl.send(false, "230 ok\r\n", { ackFromPeer: false }));
    const dataPort = 30000 + (rnd() % 30000);
    let data;
    if (which === 0) {
      const p = `PORT ${client.replaceAll(".", ",")},${dataPort >> 8},${dataPort & 255}`;
      track("ctl", ctl.send(true, p + "\r\n", { ackFromPeer: false }));
      track("ctl", ctl.send(false, "200 PORT command successful.\r\n", { ackFromPeer: false }));
      track("ctl", ctl.send(true, "RETR file.bin\r\n", { ackFromPeer: false }));
      data = tcpSession({ client: { ip: server, port: 20 }, server: { ip: client, port: dataPort } });
      track("data", data.handshake());
      track("ctl", ctl.send(false, "150 Opening data connection.\r\n"));
      for (let k = 0; k < 6; k++) track("data", data.send(true, new Uint8Array(1460).fill(0xa5), { ackFromPeer: k % 2 === 1 }));
      track("data", data.close(true));
    } else {
      const reply = which === 1
        ? `227 Entering Passive Mode (${server.replaceAll(".", ",")},${dataPort >> 8},${dataPort & 255}).`
        : `229 Entering Extended Passive Mode (|||${dataPort}|)`;
      track("ctl", ctl.send(true, which === 1 ? "PASV\r\n" : "EPSV\r\n", { ackFromPeer: false }));
      track("ctl", ctl.send(false, reply + "\r\n", { ackFromPeer: false }));
      data = tcpSession({ client: { ip: client, port: cport + 1 }, server: { ip: server, port: dataPort } });
      track("data", data.handshake());
      track("ctl", ctl.send(true, "RETR file.bin\r\n", { ackFromPeer: false }));
      track("ctl", ctl.send(false, "150 Opening data connection.\r\n"));
      for (let k = 0; k < 6; k++) track("data", data.send(false, new Uint8Array(1440).fill(0x5a), { ackFromPeer: k % 2 === 1 }));
      track("data", data.close(false));
    }
    track("ctl", ctl.send(false, "226 Transfer complete.\r\n"));
    track("ctl", ctl.send(true, "QUIT\r\n", { ackFromPeer: false }));
    track("ctl", ctl.send(false, "221 Goodbye.\r\n", { ackFromPeer: false }));
    track("ctl", ctl.close(false));
  } else {
    const ctl = tcpSession({ client: { ip: client, port: cport }, server: { ip: server, port: 554 } });
    const cp = 40000 + 2 * (rnd() % 10000);
    const sp = 6970 + 2 * (rnd() % 500);
    track("ctl", ctl.handshake());
    track("ctl", ctl.send(true,
      `SETUP rtsp://${server}/stream/track1 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=${cp}-${cp + 1}\r\n\r\n`, { ackFromPeer: false }));
    track("ctl", ctl.send(false,
      `RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: ${(id * 7919).toString(16)};timeout=60\r\nTransport: RTP/AVP;unicast;client_port=${cp}-${cp + 1};server_port=${sp}-${sp + 1}\r\n\r\n`, { ackFromPeer: false }));
    track("ctl", ctl.send(true, `PLAY rtsp://${server}/stream RTSP/1.0\r\nCSeq: 4\r\n\r\n`, { ackFromPeer: false }));
    track("ctl", ctl.send(false, "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n"));
    // RTP server:sp → client:cp, RTCP both ways on the odd ports.
    const mk = (from: string, to: string, fp: number, tp: number, payload: Uint8Array): SessionFrame => ({
      ts: 0n, fromClient: from === client, seq: 0, ack: 0, flags: {}, payloadLen: payload.length,
      data: ipv4({ src: from, dst: to, proto: IpProto.UDP, payload: udp({ src: from, dst: to, srcPort: fp, dstPort: tp, payload }) }),
    });
    for (let k = 0; k < 30; k++) {
      const rtp = new Uint8Array(172);
      rtp[0] = 0x80;
      rtp[1] = 0x00; // PT 0
      rtp[2] = k >> 8;
      rtp[3] = k & 255;
      track("rtp", [mk(server, client, sp, cp, rtp)]);
      if (k === 10) track("rtcp", [mk(server, client, sp + 1, cp + 1, ascii("\x80\xc8\x00\x06rtcp-sr-bench-pkt"))]);
      if (k === 20) track("rtcp", [mk(client, server, cp + 1, sp + 1, ascii("\x81\xc9\x00\x07rtcp-rr-bench-pkt"))]);
    }
    track("ctl", ctl.send(true, `TEARDOWN rtsp://${server}/stream RTSP/1.0\r\nCSeq: 5\r\n\r\n`, { ackFromPeer: false }));
    track("ctl", ctl.send(false, "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n", { ackFromPeer: false }));
    track("ctl", ctl.close(true));
  }
  return scriptFrames(order, eth);
}

/** The frames of a script in order, each marked when it is the first of its flow (`key`). */
function scriptFrames(order: { f: SessionFrame; key: string }[], eth: (f: SessionFrame) => Uint8Array): ScriptFrame[] {
  const seen = new Set<string>();
  return order.map(({ f, key }) => {
    const newFlow = !seen.has(key);
    seen.add(key);
    return { frame: eth(f), newFlow };
  });
}

/** A script's client (100.64.0.0/10, unique per flow id) and server (198.51.100.1–250). */
function scriptHosts(id: number): { client: string; server: string } {
  return { client: v4(0x64400000 | (id & 0x3fffff)), server: v4(0xc6336400 | ((id % 250) + 1)) };
}

/** One IPv4/UDP datagram of a script. */
function udpFrame(from: string, to: string, fp: number, tp: number, payload: Uint8Array, fromClient: boolean): SessionFrame {
  return {
    ts: 0n, fromClient, seq: 0, ack: 0, flags: {}, payloadLen: payload.length,
    data: ipv4({ src: from, dst: to, proto: IpProto.UDP, payload: udp({ src: from, dst: to, srcPort: fp, dstPort: tp, payload }) }),
  };
}

const eth4 = (f: SessionFrame): Uint8Array => ethernet({ etherType: EtherType.IPv4, payload: f.data });

/** A SIP message: start line, headers (Content-Length added), optional body. */
function sipMessage(start: string, headers: string[], body = ""): string {
  return `${start}\r\n${headers.join("\r\n")}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

function sdpBody(ip: string, port: number, sessId: number): string {
  return `v=0\r\no=- ${sessId} ${sessId} IN IP4 ${ip}\r\ns=bench\r\nc=IN IP4 ${ip}\r\nt=0 0\r\n` +
    `m=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
}

/**
 * SIP over UDP (client and server on 5060) or TCP (client on an ephemeral port): REGISTER / 200,
 * then a call — INVITE with SDP / 100 / 180 / 200 with SDP / ACK, RTP both ways (6 packets) and
 * RTCP both ways, BYE / 200. Flows: signalling, RTP, RTCP.
 */
function sipScript(id: number, rnd: () => number, overTcp: boolean): ScriptFrame[] {
  const { client, server } = scriptHosts(id);
  const order: { f: SessionFrame; key: string }[] = [];
  const cport = overTcp ? 20000 + (id % 30000) : 5060;
  const transport = overTcp ? "TCP" : "UDP";
  const ctl = overTcp ? tcpSession({ client: { ip: client, port: cport }, server: { ip: server, port: 5060 } }) : undefined;
  if (ctl) for (const f of ctl.handshake()) order.push({ f, key: "sig" });
  const send = (fromClient: boolean, text: string): void => {
    if (ctl) {
      for (const f of ctl.send(fromClient, text, { ackFromPeer: false })) order.push({ f, key: "sig" });
      return;
    }
    const f = fromClient ? udpFrame(client, server, cport, 5060, ascii(text), true) : udpFrame(server, client, 5060, cport, ascii(text), false);
    order.push({ f, key: "sig" });
  };
  const tag = (id * 2654435761) >>> 0;
  const user = `u${id}`;
  const via = `Via: SIP/2.0/${transport} ${client}:${cport};branch=z9hG4bK${tag.toString(36)}`;
  const contact = `Contact: <sip:${user}@${client}:${cport}${overTcp ? ";transport=tcp" : ""}>`;
  const regCall = `Call-ID: reg${id}@${client}`;
  const regFrom = `From: <sip:${user}@${server}>;tag=r${tag}`;
  const regTo = `To: <sip:${user}@${server}>`;
  send(true, sipMessage(`REGISTER sip:${server} SIP/2.0`, [via + "r", "Max-Forwards: 70", regFrom, regTo, regCall, "CSeq: 1 REGISTER", contact, "Expires: 3600"]));
  send(false, sipMessage("SIP/2.0 200 OK", [via + "r", regFrom, `${regTo};tag=s${tag}`, regCall, "CSeq: 1 REGISTER", `${contact};expires=3600`]));
  const cm = 16000 + 2 * (rnd() % 8000); // client RTP port (even), RTCP cm + 1
  const sm = 30000 + 2 * (rnd() % 8000);
  const callId = `Call-ID: call${id}@${client}`;
  const from = `From: "u${id}" <sip:${user}@${server}>;tag=${tag}`;
  const to = `To: <sip:echo@${server}>`;
  const toTag = `${to};tag=e${tag}`;
  const ruri = `sip:echo@${server}:5060${overTcp ? ";transport=tcp" : ""}`;
  const inv = (method: string, cseq: number) => [via + method[0], "Max-Forwards: 70", from, method === "INVITE" ? to : toTag, callId, `CSeq: ${cseq} ${method}`];
  const resp = (method: string, cseq: number, withTag: boolean) => [via + method[0], from, withTag ? toTag : to, callId, `CSeq: ${cseq} ${method}`];
  const sdp = "Content-Type: application/sdp";
  send(true, sipMessage(`INVITE ${ruri} SIP/2.0`, [...inv("INVITE", 1), contact, sdp], sdpBody(client, cm, id)));
  send(false, sipMessage("SIP/2.0 100 Trying", resp("INVITE", 1, false)));
  send(false, sipMessage("SIP/2.0 180 Ringing", resp("INVITE", 1, true)));
  send(false, sipMessage("SIP/2.0 200 OK", [...resp("INVITE", 1, true), `Contact: <sip:echo@${server}:5060>`, sdp], sdpBody(server, sm, id + 1)));
  send(true, sipMessage(`ACK sip:echo@${server}:5060 SIP/2.0`, inv("ACK", 1)));
  // RTP both ways (PCMU, 20 ms), an RTCP sender report each way.
  for (let k = 0; k < 6; k++) {
    const fromClient = (k & 1) === 0;
    const rtp = rtpPacket(k >> 1, 160 * (k >> 1), fromClient ? tag : ~tag, 160, (b) => b * 7 + k);
    order.push({ f: fromClient ? udpFrame(client, server, cm, sm, rtp, true) : udpFrame(server, client, sm, cm, rtp, false), key: "rtp" });
    if (k === 2) order.push({ f: udpFrame(client, server, cm + 1, sm + 1, rtcpSenderReport(tag, 320, 2, 320), true), key: "rtcp" });
    if (k === 3) order.push({ f: udpFrame(server, client, sm + 1, cm + 1, rtcpSenderReport(~tag, 320, 2, 320), false), key: "rtcp" });
  }
  send(true, sipMessage(`BYE sip:echo@${server}:5060 SIP/2.0`, inv("BYE", 2)));
  send(false, sipMessage("SIP/2.0 200 OK", resp("BYE", 2, true)));
  if (ctl) for (const f of ctl.close(true)) order.push({ f, key: "sig" });
  return scriptFrames(order, eth4);
}

/** A TFTP packet: opcode then fields. */
function tftpPacket(op: number, ...fields: (string | number | Uint8Array)[]): Uint8Array {
  const parts: number[] = [0, op];
  for (const x of fields) {
    if (typeof x === "number") parts.push(x >> 8, x & 255);
    else if (typeof x === "string") {
      for (let i = 0; i < x.length; i++) parts.push(x.charCodeAt(i));
      parts.push(0);
    } else for (const b of x) parts.push(b);
  }
  return Uint8Array.from(parts);
}

/**
 * TFTP: an RRQ with blksize/tsize options (OACK, ACK 0, then DATA and ACKs from the server's new
 * port) or a WRQ without options (ACK 0 from the new port, then DATA from the client and ACKs).
 * Flows: the request to port 69, the transfer.
 */
function tftpScript(id: number, rnd: () => number, write: boolean): ScriptFrame[] {
  const { client, server } = scriptHosts(id);
  const order: { f: SessionFrame; key: string }[] = [];
  const cport = 20000 + (id % 30000);
  const tid = 30000 + (rnd() % 30000);
  const blocks = 3 + (rnd() % 4); // full blocks before the last, short one
  const blk = write ? 512 : 1024;
  const fill = (n: number, k: number) => Uint8Array.from({ length: n }, (_, b) => (b * 13 + k) & 255);
  const c2s = (p: Uint8Array) => order.push({ f: udpFrame(client, server, cport, tid, p, true), key: "xfer" });
  const s2c = (p: Uint8Array) => order.push({ f: udpFrame(server, client, tid, cport, p, false), key: "xfer" });
  const size = blocks * blk + 100;
  if (write) {
    order.push({ f: udpFrame(client, server, cport, 69, tftpPacket(2, `up${id}.cfg`, "octet"), true), key: "req" });
    s2c(tftpPacket(4, 0));
    for (let k = 1; k <= blocks + 1; k++) {
      c2s(tftpPacket(3, k, fill(k <= blocks ? blk : 100, k)));
      s2c(tftpPacket(4, k));
    }
  } else {
    order.push({ f: udpFrame(client, server, cport, 69, tftpPacket(1, `boot${id}.img`, "octet", "blksize", String(blk), "tsize", "0"), true), key: "req" });
    s2c(tftpPacket(6, "blksize", String(blk), "tsize", String(size)));
    c2s(tftpPacket(4, 0));
    for (let k = 1; k <= blocks + 1; k++) {
      s2c(tftpPacket(3, k, fill(k <= blocks ? blk : 100, k)));
      c2s(tftpPacket(4, k));
    }
  }
  return scriptFrames(order, eth4);
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: "string", default: "1G" },
      flows: { type: "string" },
      seed: { type: "string", default: "1" },
      format: { type: "string", default: "pcap" },
      "flow-length": { type: "string", default: "1" },
      churn: { type: "boolean", default: false },
      "scripts-per-mille": { type: "string" },
      generator: { type: "string", default: String(GENERATOR_VERSION) },
    },
  });
  const out = positionals[0];
  if (!out || (values.format !== "pcap" && values.format !== "pcapng") || !["1", "2", "3"].includes(values.generator!)) {
    process.stderr.write("usage: gen-capture <out.pcap> [--size 1G] [--flows 200000 (100000 with --churn)] [--seed 1] [--format pcap|pcapng] [--flow-length 1] [--churn] [--scripts-per-mille 4 (2 with --generator 1)] [--generator 3|2|1 (older versions' captures byte for byte: 1 no SIP/TFTP, 2 scripts cut by the end)]\n");
    return 2;
  }
  const t0 = performance.now();
  const r = generateBenchCapture(out, {
    bytes: parseSize(values.size!), flows: values.flows === undefined ? undefined : Number(values.flows), seed: Number(values.seed),
    format: values.format, flowLength: Number(values["flow-length"]), churn: values.churn,
    scriptsPerMille: values["scripts-per-mille"] === undefined ? undefined : Number(values["scripts-per-mille"]),
    generator: Number(values.generator) as GeneratorVersion,
  });
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify(r) + "\n");
  process.stderr.write(`${(r.bytes / 1e6 / s).toFixed(0)} MB/s, ${s.toFixed(2)} s, ${(r.packets / s / 1e6).toFixed(2)} Mpkt/s\n`);
  return 0;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  process.exitCode = await cli(process.argv.slice(2));
}
