/**
 * Generator for pcaps/alg/<case>.pcap + pcaps/alg/<case>.expected.json — one small capture per
 * FTP/RTSP ALG edge case that no public capture holds, each with the `sessions` fragment that
 * `analyze --json` (and `analyze --json --profile linux`) must produce, computed from THIS FILE'S
 * SPEC (the numbers and texts written below), never from a decoder.
 *
 * Capture conventions: Ethernet, classic pcap µs LE; one timeline per file starting at
 * 2024-01-02T03:04:05Z, every packet strictly later than the previous one; client side
 * 192.0.2.0/24 (2001:db8:1::/48), server side 198.51.100.0/24 (2001:db8:2::/48); full TCP
 * handshakes with MSS options, fixed ISNs, per-host IP ids; the capture point is the client's LAN
 * (local hosts have their own MAC, remote ones the router's). FTP control on 21, RTSP on 554
 * (one case on 8554). FTP client 192.0.2.10:51000 → 198.51.100.20:21; active data port 50000
 * (`195,80`); passive data port 30000 (`117,48`) connected from 192.0.2.10:51004. RTSP client
 * 192.0.2.10:51000; client_port 50000-50001, server_port 40070-40071.
 *
 * Expected-file format (`<case>.expected.json`):
 *   { "case", "description", "capture", "packets",
 *     "sessions": [ { "alg": "ftp"|"rtsp", "client": {ip,port}, "server": {ip,port},
 *       "negotiations": [ { "kind", "command"?, "packet", "time", "line", "valid", "reason"?,
 *         "announced": { "ip"?, "port", "rtcpPort"? }, "transport"?: { "request": [spec], "reply": [spec] },
 *         "expected": [ { "proto", "from": {ip, port|null}, "to": {ip, port} } ],
 *         "dataSeen", "dataFlow": {from, to, firstPacket} | null, "dataFlows": [ … aligned with expected ],
 *         "emulation": { "profile": "linux", "outcome", "reason" } } ] } ] }
 *   - `packet` (1-based frame number) completed the line carrying the address: the PORT/EPRT/LPRT
 *     request, the 227/228/229 reply, the SETUP reply (the Transport header line of the reply).
 *     `line` is that line without CR/LF. `time` is that packet's timestamp (ISO, 9 digits).
 *   - Invalid negotiations (`valid: false`, `reason` one of octet_out_of_range, port_out_of_range,
 *     port_zero, bad_family, family_mismatch, malformed) have `expected: []`, no data flow, and
 *     `announced` holds only what is representable (no `ip` when an octet is > 255; the raw port
 *     number even when > 65535).
 *   - `dataFlows[i]` is the flow this file put in the capture for `expected[i]` (null if none);
 *     `dataFlow` = `dataFlows[0] ?? null`; `dataSeen` = some data flow is present. Either all or
 *     none of a negotiation's expected flows are present, so "seen" is never ambiguous.
 *   - `observedFlows` is omitted (flow ids depend on the decoder's numbering).
 *   - RTSP: `announced.port`/`rtcpPort` = the final client RTP/RTCP ports (the reply's
 *     client_port, else the request's), `announced.ip` only when `destination=` names it. A single
 *     client_port gives one (RTP) expectation and no `rtcpPort`. Transport specs: `{ profile,
 *     lowerTransport, unicast?, clientPort?, serverPort?, destination?, source?, interleaved? }`,
 *     a single port p → [p, p], `a/b` → [a, b]; other parameters (ssrc, mode) are not listed.
 *   - `emulation.reason` is `ok` when Linux parses the negotiation without remark.
 *
 * Linux emulation expectations and their sources (sections of /work/shared/reference/ALG-BEHAVIOUR.md;
 * L-numbers are nf_conntrack_ftp.c / maru-sama nf_conntrack_rtsp.c as cited there):
 *
 * | case                          | outcome | reason                   | source |
 * | ----------------------------- | ------- | ------------------------ | ------ |
 * | ftp-port-baseline             | parsed  | ok                       | §1 commands parsed L64-89; §7 first row |
 * | ftp-port-split                | dropped | split_command            | §3.2 (L299-304, L456-464); §1 "segmentation"; §7 split row |
 * | ftp-port-bare-lf              | dropped | bare_lf                  | §3.3 (term `\r` L77/L85); §7 bare LF row |
 * | ftp-port-lowercase            | parsed  | ok                       | §3.4 (strncasecmp L302,307); §7 lower-case row |
 * | ftp-port-two-spaces           | dropped | extra_space              | §3.4 (L316-322); §7 two-spaces row |
 * | ftp-port-octet-over-255       | parsed  | octet_bleed              | §3.11 (OR bleed L161-163: 522 = 0x20a → 192.0.2.10 = the peer); §7 octet 258 row |
 * | ftp-port-over-65535 (EPRT)    | parsed  | port_wrapped             | §3.11 (u16 L198-210: 75796 → 10260); §1 "port > 65535" |
 * | ftp-port-zero                 | parsed  | port_zero_unchecked      | §1 "port 0": PORT has no check in try_rfc959 |
 * | ftp-eprt-port-zero            | dropped | port_zero                | §1 "port 0" (get_port L203-205); §3.11 |
 * | ftp-229-port-zero             | dropped | port_zero                | §1 "port 0"; §7 `(|||0|)` row |
 * | ftp-port-out-of-order         | parsed  | ok                       | §1 Linux control flow: seq check L421-433 — the PORT segment's seq is still one of the 2 remembered after-newline seqs (update_nl_seq L333-366) |
 * | ftp-port-retransmitted        | parsed  | ok                       | §1 Linux control flow (the first copy is parsed; a duplicate re-announces the same) |
 * | ftp-two-lines-one-segment     | ignored | not_segment_start        | §3.1 (find_pattern L286-330); §7 `NOOP\r\nPORT` row |
 * | ftp-port-data-from-ephemeral  | parsed  | ok                       | §3.15 (sport wildcarded L515-517) |
 * | ftp-eprt-bang-delim           | parsed  | ok                       | §3.9 (delimiter 33..126 non-digit L232-236); §7 `!` row |
 * | ftp-eprt-ipv6                 | parsed  | ok                       | §1 IPv6 row (L584-591, L108-116); §7 IPv6 |
 * | ftp-eprt-family-mismatch      | dropped | eprt_family_mismatch     | §3.9 (L238-242); §7 `|2|` on IPv4 row |
 * | ftp-eprt-bad-family           | dropped | eprt_bad_family          | §1 "EPRT address family" (AF must equal the control family L238-242 → partial) |
 * | ftp-227-baseline              | parsed  | ok                       | §1 replies parsed L90-105; §7 227 row |
 * | ftp-227-multiline             | ignored | multiline_reply          | §3.6; §1 multi-line row; §7 `227-` row |
 * | ftp-227-no-parens             | parsed  | ok                       | §3.5 (try_rfc1123 L177-193); §7 bare tuple row |
 * | ftp-227-digit-in-text         | dropped | digit_before_tuple       | §3.5; §7 `Mode v2` row |
 * | ftp-227-other-ip              | ignored | address_not_peer         | §3.10 (L486-512); §7 other-IP row |
 * | ftp-epsv-229                  | parsed  | ok                       | §1 EPSV reply (L269-283); §3.8 |
 * | ftp-229-no-parens             | dropped | epsv_no_parentheses      | §1 EPSV reply (skip to `(` L269-283); §7 no-parentheses row |
 * | ftp-lprt                      | ignored | unsupported_command      | §1 commands parsed: PORT, EPRT only (L64-89) |
 * | ftp-lpsv-228                  | ignored | unsupported_command      | §1 replies parsed: `227 `, `229 ` only (L90-105) |
 * | rtsp-teardown                 | parsed  | ok                       | §2 expected flows (L346-370); TEARDOWN L314-318 |
 * | rtsp-setup-multi-spec         | parsed  | ok                       | §2 transport specs (first client_port wins L216-218 — here the only one); §3.16 |
 * | rtsp-setup-slash-ports        | parsed  | ok                       | §2 `client_port=` `lo/hi` (L237-243); §3.16 |
 * | rtsp-setup-single-port        | parsed  | ok                       | §2 `client_port=` single port; §3.16 |
 * | rtsp-setup-destination        | parsed  | destination_not_parsed   | §2 `destination=` (comment L248-253); §3.21 — the pinhole goes to the client, not 192.0.2.77 |
 * | rtsp-setup-source             | parsed  | source_not_parsed        | §2 `destination=`/`source=` not parsed; expectation src = server (L346-350) |
 * | rtsp-setup-interleaved        | ignored | no_udp_transport         | §2 `interleaved=` (L329-332); §3.18 |
 * | rtsp-reply-changes-client-port| parsed  | request_client_port_used | §3.17 (Linux uses the SETUP request's client_port, ignores the reply) |
 * | rtsp-setup-lowercase-header   | parsed  | ok                       | §2 header name case-insensitive (L146, L184); §3.20 |
 * | rtsp-two-setups               | parsed  | ok                       | §2 (one expectation set per SETUP, max_outstanding 8 L60-61) |
 * | rtsp-port-8554                | parsed  | ok                       | §2 (assumes the helper is attached to 8554, as the lab attaches ftp to 2121 §7) |
 *
 * Run: `node dist/pcaps/make/alg-cases.js` (after `tsc -p tsconfig.build.json`) rewrites pcaps/alg/.
 */

import {
  DEFAULT_EPOCH_NS, IpProto, LinkType, ascii, concat, ethernetFor, ipPacket, isIpv6, tcp, tcpMssOption,
  rtcpSenderReport, rtpPacket, udp, writePcap, type TcpFlags,
} from "../../test/helpers/pcap-writer.js";
import { isMain, repoRoot, writeOut } from "./util.js";

// ---------------------------------------------------------------------------------------------
// Expected-file types
// ---------------------------------------------------------------------------------------------

export interface AlgEndpoint { ip: string; port: number }
export interface ExpectedFlow { proto: "tcp" | "udp"; from: { ip: string; port: number | null }; to: AlgEndpoint }
export interface DataFlowRef { from: AlgEndpoint; to: AlgEndpoint; firstPacket: number }
export type LinuxOutcome = "parsed" | "ignored" | "dropped";
export type InvalidReason = "octet_out_of_range" | "port_out_of_range" | "port_zero" | "bad_family" | "family_mismatch" | "malformed";

export interface TransportSpecOut {
  profile: "RTP/AVP" | "RTP/AVP/UDP" | "RTP/AVP/TCP";
  lowerTransport: "udp" | "tcp";
  unicast?: boolean;
  clientPort?: [number, number];
  serverPort?: [number, number];
  destination?: string;
  source?: string;
  interleaved?: [number, number];
}

export interface NegotiationOut {
  kind: "PORT" | "EPRT" | "227" | "229" | "LPRT" | "228" | "SETUP";
  command?: string;
  packet: number;
  time: string;
  line: string;
  valid: boolean;
  reason?: InvalidReason;
  /** `port` is absent only for interleaved RTSP (nothing announced). */
  announced: { ip?: string; port?: number; rtcpPort?: number };
  transport?: { request: TransportSpecOut[]; reply: TransportSpecOut[] };
  expected: ExpectedFlow[];
  dataSeen: boolean;
  dataFlow: DataFlowRef | null;
  dataFlows: (DataFlowRef | null)[];
  emulation: { profile: "linux"; outcome: LinuxOutcome; reason: string };
}

export interface SessionOut {
  alg: "ftp" | "rtsp";
  client: AlgEndpoint;
  server: AlgEndpoint;
  negotiations: NegotiationOut[];
}

export interface CaseExpected {
  case: string;
  description: string;
  capture: string;
  packets: number;
  sessions: SessionOut[];
}

/** A TCP data segment of a control connection (for the tshark self-test). */
export interface ControlSegment {
  frame: number;
  fromClient: boolean;
  text: string;
  /** The segment begins at the start of a line (false for the tail of a split line). */
  lineStart: boolean;
  /** Exact copy / retransmission of an earlier segment. */
  repeat: boolean;
}

/** RTSP SETUP request/reply frames and their Transport header values (for the tshark self-test). */
export interface SetupFrames { requestFrame: number; requestTransport: string; replyFrame: number; replyTransport: string }

export interface BuiltCase {
  name: string;
  pcap: Uint8Array;
  expected: CaseExpected;
  segments: ControlSegment[];
  setups: SetupFrames[];
}

// ---------------------------------------------------------------------------------------------
// Capture builder
// ---------------------------------------------------------------------------------------------

const MS = 1_000_000n;
const US = 1_000n;
const ROUTER_MAC = "02:00:5e:00:01:01";

const CLIENT = "192.0.2.10";
const SERVER = "198.51.100.20";
const CLIENT6 = "2001:db8:1::10";
const SERVER6 = "2001:db8:2::20";

function isLocal(ip: string): boolean {
  return ip.startsWith("192.0.2.") || ip.toLowerCase().startsWith("2001:db8:1:");
}

function macOf(ip: string): string {
  if (!isLocal(ip)) return ROUTER_MAC;
  const last = isIpv6(ip) ? parseInt(ip.split(":").pop()!, 16) & 0xff : Number(ip.split(".")[3]);
  return `02:00:5e:00:00:${last.toString(16).padStart(2, "0")}`;
}

interface Frame { ts: bigint; l3: Uint8Array; src: string; dst: string }

class Capture {
  readonly frames: Frame[] = [];
  t = DEFAULT_EPOCH_NS;
  private readonly ids = new Map<string, number>();

  /** Append an IP packet `dt` after the previous frame; returns its 1-based frame number. */
  push(src: string, dst: string, proto: number, l4: Uint8Array, dt: bigint): number {
    if (this.frames.length) this.t += dt;
    let id = this.ids.get(src);
    if (id === undefined) id = 0x1000 * (this.ids.size + 1) + 0x100;
    this.ids.set(src, (id + 1) & 0xffff);
    const ttl = isLocal(src) ? 64 : 52;
    const l3 = ipPacket({ src, dst, proto, payload: l4, id, ttl, df: true });
    this.frames.push({ ts: this.t, l3, src, dst });
    return this.frames.length;
  }

  /** Append a byte-identical copy of an earlier frame (a duplicated packet), `dt` later. */
  dup(frame: number, dt: bigint): number {
    const f = this.frames[frame - 1]!;
    this.t += dt;
    this.frames.push({ ...f, ts: this.t });
    return this.frames.length;
  }

  time(frame: number): string {
    const ts = this.frames[frame - 1]!.ts;
    const iso = new Date(Number(ts / MS)).toISOString().slice(0, 19);
    return `${iso}.${(ts % 1_000_000_000n).toString().padStart(9, "0")}Z`;
  }

  pcap(): Uint8Array {
    return writePcap(
      this.frames.map((f) => ({ ts: f.ts, data: ethernetFor(f.l3, { src: macOf(f.src), dst: macOf(f.dst) }) })),
      { linkType: LinkType.ETHERNET, snaplen: 262144 },
    );
  }
}

/** One TCP connection with explicit seq/ack state (so segments can be reordered or repeated). */
class Conn {
  private cNxt: number;
  private sNxt: number;
  private cRcv = 0;
  private sRcv = 0;
  private last: boolean | null = null;

  constructor(readonly cap: Capture, readonly client: AlgEndpoint, readonly server: AlgEndpoint, isn: number) {
    this.cNxt = isn >>> 0;
    this.sNxt = (isn ^ 0x5a5a5a5a) >>> 0;
  }

  nxt(fromClient: boolean): number {
    return fromClient ? this.cNxt : this.sNxt;
  }

  /** Move `fromClient`'s next seq on by n; the peer has received everything up to it. */
  advance(fromClient: boolean, n: number): void {
    if (fromClient) this.sRcv = this.cNxt = (this.cNxt + n) >>> 0;
    else this.cRcv = this.sNxt = (this.sNxt + n) >>> 0;
  }

  /** Emit a segment without touching the state (default seq = next seq). */
  raw(fromClient: boolean, flags: TcpFlags, payload: Uint8Array, o: { seq?: number; dt?: bigint; options?: Uint8Array } = {}): number {
    const from = fromClient ? this.client : this.server;
    const to = fromClient ? this.server : this.client;
    const seg = tcp({
      src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port,
      seq: o.seq ?? this.nxt(fromClient), ack: flags.ack ? (fromClient ? this.cRcv : this.sRcv) : 0,
      flags, window: 64240, options: o.options, payload,
    });
    // Same direction as the previous packet of this connection: 80 µs; an answer: 12 ms (RTT/2
    // plus processing). Explicit dt wins.
    const dt = o.dt ?? (this.last === fromClient ? 80n * US : 12n * MS);
    this.last = fromClient;
    return this.cap.push(from.ip, to.ip, IpProto.TCP, seg, dt);
  }

  seg(fromClient: boolean, flags: TcpFlags, payload: Uint8Array = new Uint8Array(0), o: { dt?: bigint; options?: Uint8Array } = {}): number {
    const f = this.raw(fromClient, flags, payload, o);
    this.advance(fromClient, payload.length + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0));
    return f;
  }

  /** SYN, SYN-ACK, ACK; returns the SYN's frame number. */
  handshake(dt?: bigint): number {
    const mss = tcpMssOption(isIpv6(this.client.ip) ? 1440 : 1460);
    const f = this.seg(true, { syn: true }, undefined, { options: mss, dt });
    this.seg(false, { syn: true, ack: true }, undefined, { options: mss });
    this.seg(true, { ack: true });
    return f;
  }

  data(fromClient: boolean, payload: string | Uint8Array, dt?: bigint): number {
    return this.seg(fromClient, { ack: true, psh: true }, typeof payload === "string" ? ascii(payload) : payload, { dt });
  }

  ack(fromClient: boolean, dt?: bigint): number {
    return this.seg(fromClient, { ack: true }, undefined, { dt });
  }

  close(fromClient: boolean): void {
    this.seg(fromClient, { fin: true, ack: true });
    this.seg(!fromClient, { fin: true, ack: true });
    this.seg(fromClient, { ack: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Shared case plumbing
// ---------------------------------------------------------------------------------------------

const CTRL_PORT = 51000;
const ACTIVE_PORT = 50000; // 195,80
const PASV_PORT = 30000; // 117,48
const PASV_SRC_PORT = 51004;
const LISTING = "-rw-r--r--    1 0        0            1024 Jan 01 00:00 README\r\n";

type Emu = [LinuxOutcome, string];

interface NegDraft {
  kind: NegotiationOut["kind"];
  command?: string;
  packet: number;
  line: string;
  check: { valid: true } | { valid: false; reason: InvalidReason };
  announced: NegotiationOut["announced"];
  transport?: NegotiationOut["transport"];
  expected: ExpectedFlow[];
  dataFlows: (DataFlowRef | null)[];
  emulation: Emu;
}

class CaseBuilder {
  readonly cap = new Capture();
  readonly sessions: { alg: "ftp" | "rtsp"; client: AlgEndpoint; server: AlgEndpoint; negs: NegDraft[] }[] = [];
  readonly segments: ControlSegment[] = [];
  readonly setups: SetupFrames[] = [];

  constructor(readonly name: string, readonly description: string) {}

  build(): BuiltCase {
    const cap = this.cap;
    const expected: CaseExpected = {
      case: this.name,
      description: this.description,
      capture: `pcaps/alg/${this.name}.pcap`,
      packets: cap.frames.length,
      sessions: this.sessions.map((s) => ({
        alg: s.alg,
        client: s.client,
        server: s.server,
        negotiations: s.negs.map((n): NegotiationOut => {
          if (!n.check.valid && (n.expected.length || n.dataFlows.length)) throw new Error(`${this.name}: invalid negotiation with flows`);
          const flows = n.expected.map((_, i) => n.dataFlows[i] ?? null);
          const seen = flows.filter((f) => f !== null).length;
          if (seen !== 0 && seen !== flows.length) throw new Error(`${this.name}: partially present data flows`);
          return {
            kind: n.kind,
            ...(n.command !== undefined ? { command: n.command } : {}),
            packet: n.packet,
            time: cap.time(n.packet),
            line: n.line,
            valid: n.check.valid,
            ...(n.check.valid ? {} : { reason: n.check.reason }),
            announced: n.announced,
            ...(n.transport ? { transport: n.transport } : {}),
            expected: n.expected,
            dataSeen: seen > 0,
            dataFlow: flows[0] ?? null,
            dataFlows: flows,
            emulation: { profile: "linux", outcome: n.emulation[0], reason: n.emulation[1] },
          };
        }),
      })),
    };
    return { name: this.name, pcap: cap.pcap(), expected, segments: this.segments, setups: this.setups };
  }
}

// ---------------------------------------------------------------------------------------------
// FTP
// ---------------------------------------------------------------------------------------------

class Ftp {
  readonly ctl: Conn;
  readonly negs: NegDraft[] = [];
  readonly client: AlgEndpoint;
  readonly server: AlgEndpoint;
  private dataIsn = 0x7c000000;

  constructor(readonly b: CaseBuilder, readonly v6 = false) {
    this.client = { ip: v6 ? CLIENT6 : CLIENT, port: CTRL_PORT };
    this.server = { ip: v6 ? SERVER6 : SERVER, port: 21 };
    this.ctl = new Conn(b.cap, this.client, this.server, 0x3a1f0000);
    b.sessions.push({ alg: "ftp", client: this.client, server: this.server, negs: this.negs });
  }

  /** Control data segment; annotated for the tshark test. */
  send(fromClient: boolean, text: string, o: { dt?: bigint; lineStart?: boolean } = {}): number {
    const f = this.ctl.data(fromClient, text, o.dt);
    this.b.segments.push({ frame: f, fromClient, text, lineStart: o.lineStart ?? true, repeat: false });
    return f;
  }
  req(line: string): number { return this.send(true, line + "\r\n"); }
  rep(line: string): number { return this.send(false, line + "\r\n"); }

  login(): void {
    this.ctl.handshake();
    this.rep("220 (vsFTPd 3.0.3)");
    this.ctl.ack(true);
    this.req("USER anonymous");
    this.rep("331 Please specify the password.");
    this.req("PASS guest@example.com");
    this.rep("230 Login successful.");
  }

  quit(): void {
    this.req("QUIT");
    this.rep("221 Goodbye.");
    this.ctl.close(true);
  }

  neg(d: Omit<NegDraft, "expected" | "dataFlows">): NegDraft {
    const n: NegDraft = { ...d, expected: d.check.valid ? this.expectedFor(d.kind, d.announced) : [], dataFlows: [] };
    this.negs.push(n);
    return n;
  }

  /** The expectation rules of the issue, applied to the announced endpoint. */
  expectedFor(kind: NegDraft["kind"], a: NegotiationOut["announced"]): ExpectedFlow[] {
    switch (kind) {
      case "PORT": case "EPRT": case "LPRT": // active: the server, any source port → announced
        return [{ proto: "tcp", from: { ip: this.server.ip, port: null }, to: { ip: a.ip!, port: a.port! } }];
      case "227": case "228": // passive: the client → announced
        return [{ proto: "tcp", from: { ip: this.client.ip, port: null }, to: { ip: a.ip!, port: a.port! } }];
      case "229": // EPSV: the client → the control connection's server address
        return [{ proto: "tcp", from: { ip: this.client.ip, port: null }, to: { ip: this.server.ip, port: a.port! } }];
      default:
        throw new Error(kind);
    }
  }

  /** A data connection `from` → `to` carrying LISTING from the server side; recorded on `n`. */
  dataConn(n: NegDraft, from: AlgEndpoint, to: AlgEndpoint, serverOpens: boolean, between?: () => void): void {
    const d = new Conn(this.b.cap, from, to, this.dataIsn);
    this.dataIsn = (this.dataIsn + 0x01000000) >>> 0;
    const syn = d.handshake(6n * MS);
    n.dataFlows.push({ from, to, firstPacket: syn });
    between?.();
    d.data(serverOpens, LISTING);
    d.ack(!serverOpens);
    d.close(serverOpens);
  }

  /** After an active negotiation: 200, LIST, server-opened data connection, 150/226. */
  activeTail(n: NegDraft, o: { srcPort?: number; ok?: string; pipelinedList?: boolean } = {}): void {
    if (!n.check.valid) {
      this.rep(o.ok ?? "500 Illegal PORT command.");
      return;
    }
    this.rep(o.ok ?? "200 PORT command successful. Consider using PASV.");
    if (!o.pipelinedList) this.req("LIST");
    const a = n.announced;
    this.dataConn(n, { ip: this.server.ip, port: o.srcPort ?? 20 }, { ip: a.ip!, port: a.port! }, true,
      () => this.rep("150 Here comes the directory listing."));
    this.rep("226 Directory send OK.");
    this.ctl.ack(true);
  }

  /** After a passive reply: client-opened data connection, LIST, 150/226. */
  passiveTail(n: NegDraft): void {
    if (!n.check.valid) return;
    const e = n.expected[0]!;
    this.dataConn(n, { ip: this.client.ip, port: PASV_SRC_PORT }, e.to, false, () => {
      this.req("LIST");
      this.rep("150 Here comes the directory listing.");
    });
    this.rep("226 Directory send OK.");
    this.ctl.ack(true);
  }
}

// --- payload formats and validity, from the spec numbers -----------------------------------------

function portCheck(nums: number[]): NegDraft["check"] {
  if (nums.some((v) => v > 255)) return { valid: false, reason: "octet_out_of_range" };
  if (nums[4]! * 256 + nums[5]! === 0) return { valid: false, reason: "port_zero" };
  return { valid: true };
}

/** PORT/227 6-tuple → announced (no ip when an address octet is out of range). */
function tupleAnnounced(nums: number[]): NegotiationOut["announced"] {
  const ipOk = nums.slice(0, 4).every((v) => v <= 255);
  return { ...(ipOk ? { ip: nums.slice(0, 4).join(".") } : {}), port: nums[4]! * 256 + nums[5]! };
}

function tuple(ip: string, port: number): number[] {
  return [...ip.split(".").map(Number), port >> 8, port & 0xff];
}

function eprtCheck(af: number, ip: string, port: number, ctlV6: boolean): NegDraft["check"] {
  if (af !== 1 && af !== 2) return { valid: false, reason: "bad_family" };
  if ((af === 2) !== ctlV6 || isIpv6(ip) !== (af === 2)) return { valid: false, reason: "family_mismatch" };
  if (port > 65535) return { valid: false, reason: "port_out_of_range" };
  if (port === 0) return { valid: false, reason: "port_zero" };
  return { valid: true };
}

function portRangeCheck(port: number): NegDraft["check"] {
  if (port > 65535) return { valid: false, reason: "port_out_of_range" };
  if (port === 0) return { valid: false, reason: "port_zero" };
  return { valid: true };
}

/** A PORT-family case: login, the PORT line sent by `send` (returns the completing packet), tail. */
function ftpPort(
  b: CaseBuilder,
  o: { verb?: string; sep?: string; nums?: number[]; emu: Emu; srcPort?: number;
    send?: (f: Ftp, line: string) => number; pipelinedList?: boolean },
): void {
  const f = new Ftp(b);
  f.login();
  const nums = o.nums ?? tuple(CLIENT, ACTIVE_PORT);
  const line = `${o.verb ?? "PORT"}${o.sep ?? " "}${nums.join(",")}`;
  const packet = o.send ? o.send(f, line) : f.req(line);
  const n = f.neg({ kind: "PORT", packet, line, check: portCheck(nums), announced: tupleAnnounced(nums), emulation: o.emu });
  f.activeTail(n, { srcPort: o.srcPort, pipelinedList: o.pipelinedList });
  f.quit();
}

function ftpEprt(b: CaseBuilder, o: { delim?: string; af?: number; ip?: string; port?: number; v6?: boolean; emu: Emu }): void {
  const f = new Ftp(b, o.v6);
  f.login();
  const d = o.delim ?? "|";
  const af = o.af ?? (o.v6 ? 2 : 1);
  const ip = o.ip ?? f.client.ip;
  const port = o.port ?? ACTIVE_PORT;
  const line = `EPRT ${d}${af}${d}${ip}${d}${port}${d}`;
  const packet = f.req(line);
  const check = eprtCheck(af, ip, port, !!o.v6);
  const n = f.neg({ kind: "EPRT", packet, line, check, announced: { ip, port }, emulation: o.emu });
  const bad = check.valid ? undefined : check.reason === "bad_family" || check.reason === "family_mismatch"
    ? `522 Network protocol not supported, use (${o.v6 ? 2 : 1})` : "500 Illegal EPRT command.";
  f.activeTail(n, { ok: check.valid ? "200 EPRT command successful. Consider using EPSV." : bad });
  f.quit();
}

/** PASV → 227 (text built around the tuple by `reply`), or the reply sent as given lines. */
function ftp227(b: CaseBuilder, o: { ip?: string; reply: (tuple: string) => string[]; carrier?: number; emu: Emu }): void {
  const f = new Ftp(b);
  f.login();
  f.req("PASV");
  const nums = tuple(o.ip ?? SERVER, PASV_PORT);
  const lines = o.reply(nums.join(","));
  const packet = f.send(false, lines.map((l) => l + "\r\n").join(""));
  const n = f.neg({ kind: "227", command: "PASV", packet, line: lines[o.carrier ?? 0]!, check: portCheck(nums), announced: tupleAnnounced(nums), emulation: o.emu });
  f.passiveTail(n);
  f.quit();
}

function ftp229(b: CaseBuilder, o: { port?: number; parens: boolean; emu: Emu }): void {
  const f = new Ftp(b);
  f.login();
  f.req("EPSV");
  const port = o.port ?? PASV_PORT;
  const line = `229 Entering Extended Passive Mode ${o.parens ? `(|||${port}|)` : `|||${port}|`}`;
  const packet = f.rep(line);
  const n = f.neg({ kind: "229", command: "EPSV", packet, line, check: portRangeCheck(port), announced: { port }, emulation: o.emu });
  f.passiveTail(n);
  f.quit();
}

// ---------------------------------------------------------------------------------------------
// RTSP
// ---------------------------------------------------------------------------------------------

type PortForm = "range" | "slash" | "single";
interface PortSpec { lo: number; hi: number; form: PortForm }

interface TransportSpec {
  profile: TransportSpecOut["profile"];
  unicast?: boolean;
  destination?: string;
  source?: string;
  client?: PortSpec;
  server?: PortSpec;
  interleaved?: [number, number];
  /** Parameters the verifier does not interpret (ssrc, mode). */
  extra?: string;
}

const range = (lo: number, hi = lo + 1): PortSpec => ({ lo, hi, form: "range" });

function fmtPorts(p: PortSpec): string {
  return p.form === "single" ? `${p.lo}` : `${p.lo}${p.form === "slash" ? "/" : "-"}${p.hi}`;
}

function fmtSpec(s: TransportSpec): string {
  const parts: string[] = [s.profile];
  if (s.unicast !== undefined) parts.push(s.unicast ? "unicast" : "multicast");
  if (s.destination !== undefined) parts.push(`destination=${s.destination}`);
  if (s.source !== undefined) parts.push(`source=${s.source}`);
  if (s.interleaved) parts.push(`interleaved=${s.interleaved[0]}-${s.interleaved[1]}`);
  if (s.client) parts.push(`client_port=${fmtPorts(s.client)}`);
  if (s.server) parts.push(`server_port=${fmtPorts(s.server)}`);
  if (s.extra) parts.push(s.extra);
  return parts.join(";");
}

function specOut(s: TransportSpec): TransportSpecOut {
  return {
    profile: s.profile,
    lowerTransport: s.profile === "RTP/AVP/TCP" ? "tcp" : "udp",
    ...(s.unicast !== undefined ? { unicast: s.unicast } : {}),
    ...(s.client ? { clientPort: [s.client.lo, s.client.hi] as [number, number] } : {}),
    ...(s.server ? { serverPort: [s.server.lo, s.server.hi] as [number, number] } : {}),
    ...(s.destination !== undefined ? { destination: s.destination } : {}),
    ...(s.source !== undefined ? { source: s.source } : {}),
    ...(s.interleaved ? { interleaved: s.interleaved } : {}),
  };
}

interface SetupSpec {
  track: number;
  request: TransportSpec[];
  reply: TransportSpec[];
  emu: Emu;
}

const SDP_TRACK = (n: number) =>
  n === 1 ? "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n"
    : `m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\na=control:trackID=${n}\r\n`;

/** RTP with 20 fixed payload bytes. */
const rtp = (seq: number, ts: number, ssrc: number): Uint8Array => rtpPacket(seq, ts, ssrc, 20, (k) => k * 7);
/** Sender report: 20 octets per packet. */
const rtcpSr = (ssrc: number, rtpTs: number, packets: number): Uint8Array => rtcpSenderReport(ssrc, rtpTs, packets, packets * 20);

function rtspCase(
  b: CaseBuilder,
  o: { port?: number; setups: SetupSpec[]; requestHeader?: string; replyHeader?: string; teardown?: boolean },
): void {
  const client: AlgEndpoint = { ip: CLIENT, port: CTRL_PORT };
  const server: AlgEndpoint = { ip: SERVER, port: o.port ?? 554 };
  const negs: NegDraft[] = [];
  b.sessions.push({ alg: "rtsp", client, server, negs });
  const ctl = new Conn(b.cap, client, server, 0x2c4d0000);
  const base = `rtsp://${SERVER}${server.port === 554 ? "" : `:${server.port}`}/stream`;
  let cseq = 0;
  const session = "4F2A1C07";
  const exchange = (method: string, url: string, headers: string[], reply: string[], body = ""): [number, number] => {
    cseq++;
    const q = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, "User-Agent: LibVLC/3.0.20 (LIVE555 Streaming Media v2016.11.28)", ...headers, "", ""].join("\r\n");
    const qf = ctl.data(true, q);
    b.segments.push({ frame: qf, fromClient: true, text: q, lineStart: true, repeat: false });
    const r = ["RTSP/1.0 200 OK", `CSeq: ${cseq}`, ...reply, "", ""].join("\r\n") + body;
    const rf = ctl.data(false, r);
    b.segments.push({ frame: rf, fromClient: false, text: r, lineStart: true, repeat: false });
    ctl.ack(true);
    return [qf, rf];
  };

  ctl.handshake();
  exchange("OPTIONS", base, [], ["Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE"]);
  const sdp = ["v=0", `o=- 1 1 IN IP4 ${SERVER}`, "s=alg-verify", "c=IN IP4 0.0.0.0", "t=0 0", ""].join("\r\n") +
    o.setups.map((s) => SDP_TRACK(s.track)).join("");
  exchange("DESCRIBE", base, ["Accept: application/sdp"],
    [`Content-Base: ${base}/`, "Content-Type: application/sdp", `Content-Length: ${sdp.length}`], sdp);

  // SETUP per track; collect what the media must look like.
  const media: { neg: NegDraft; flows: ExpectedFlow[]; interleaved: boolean }[] = [];
  o.setups.forEach((s, i) => {
    const reqT = s.request.map(fmtSpec).join(",");
    const repT = s.reply.map(fmtSpec).join(",");
    const reqH = `${o.requestHeader ?? "Transport"}: ${reqT}`;
    const repH = `${o.replyHeader ?? "Transport"}: ${repT}`;
    const [qf, rf] = exchange("SETUP", `${base}/trackID=${s.track}`, [...(i > 0 ? [`Session: ${session}`] : []), reqH],
      [`Session: ${session};timeout=60`, repH]);
    b.setups.push({ requestFrame: qf, requestTransport: reqT, replyFrame: rf, replyTransport: repT });
    // The server answers with the spec it chose (the first of the reply); the client side comes
    // from the reply, else from the request spec of the same profile.
    const chosen = s.reply[0]!;
    const asked = s.request.find((r) => r.profile === chosen.profile && (r.client || r.interleaved)) ?? s.request[0]!;
    const cp = chosen.client ?? asked.client;
    const dest = chosen.destination ?? asked.destination;
    const tcpT = chosen.profile === "RTP/AVP/TCP";
    const flows: ExpectedFlow[] = [];
    if (!tcpT && cp) {
      const from = chosen.source ?? SERVER;
      const to = dest ?? CLIENT;
      const sp = chosen.server;
      flows.push({ proto: "udp", from: { ip: from, port: sp ? sp.lo : null }, to: { ip: to, port: cp.lo } });
      if (cp.hi !== cp.lo) flows.push({ proto: "udp", from: { ip: from, port: sp ? sp.hi : null }, to: { ip: to, port: cp.hi } });
    }
    const announced: NegotiationOut["announced"] = tcpT || !cp ? {} : {
      ...(dest !== undefined ? { ip: dest } : {}), port: cp.lo, ...(cp.hi !== cp.lo ? { rtcpPort: cp.hi } : {}),
    };
    const neg: NegDraft = {
      kind: "SETUP", packet: rf, line: repH, check: { valid: true }, announced,
      transport: { request: s.request.map(specOut), reply: s.reply.map(specOut) },
      expected: flows, dataFlows: [], emulation: s.emu,
    };
    negs.push(neg);
    media.push({ neg, flows, interleaved: tcpT });
  });

  exchange("PLAY", `${base}/`, [`Session: ${session}`, "Range: npt=0.000-"], [`Session: ${session}`, "Range: npt=0.000-"]);

  // Media: RTP ×3 on each RTP flow, one RTCP SR on each RTCP flow; interleaved → `$` frames on
  // the control connection.
  media.forEach((m, k) => {
    const ssrc = 0x1a2b3c4d + k;
    if (m.interleaved) {
      for (let i = 0; i < 2; i++) {
        const p = rtp(1000 + i, 90000 + 3000 * i, ssrc);
        const frame = concat(Uint8Array.of(0x24, 0, p.length >> 8, p.length & 0xff), p);
        ctl.data(false, frame, 20n * MS);
      }
      ctl.ack(true);
      return;
    }
    const send = (e: ExpectedFlow, payload: Uint8Array, dt: bigint) => {
      const src: AlgEndpoint = { ip: e.from.ip, port: e.from.port ?? 40070 };
      const f = b.cap.push(src.ip, e.to.ip, IpProto.UDP, udp({ src: src.ip, dst: e.to.ip, srcPort: src.port, dstPort: e.to.port, payload }), dt);
      return { f, src };
    };
    const [rtpFlow, rtcpFlow] = m.flows;
    if (!rtpFlow) return;
    const first = send(rtpFlow, rtp(1000, 90000, ssrc), 15n * MS);
    m.neg.dataFlows.push({ from: first.src, to: rtpFlow.to, firstPacket: first.f });
    if (rtcpFlow) {
      const r = send(rtcpFlow, rtcpSr(ssrc, 90000, 1), 2n * MS);
      m.neg.dataFlows.push({ from: r.src, to: rtcpFlow.to, firstPacket: r.f });
    }
    send(rtpFlow, rtp(1001, 93000, ssrc), 33n * MS);
    send(rtpFlow, rtp(1002, 96000, ssrc), 33n * MS);
  });

  if (o.teardown) exchange("TEARDOWN", `${base}/`, [`Session: ${session}`], []);
  ctl.close(true);
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

interface CaseDef { name: string; description: string; make: (b: CaseBuilder) => void }

const P = tuple(CLIENT, ACTIVE_PORT).join(",");

export const ALG_CASES: readonly CaseDef[] = [
  {
    name: "ftp-port-baseline",
    description: `Plain active FTP: \`PORT ${P}\`, data connection ${SERVER}:20 → ${CLIENT}:${ACTIVE_PORT}.`,
    make: (b) => ftpPort(b, { emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-port-split",
    description: "PORT split over two TCP segments (`PORT 192,0,2,10,` + `195,80\\r\\n`, server ACK between); the second completes the line.",
    make: (b) => ftpPort(b, {
      emu: ["dropped", "split_command"],
      send: (f, line) => {
        const k = line.lastIndexOf(",", line.lastIndexOf(",") - 1) + 1;
        f.send(true, line.slice(0, k));
        f.ctl.ack(false, 40n * MS);
        return f.send(true, line.slice(k) + "\r\n", { lineStart: false });
      },
    }),
  },
  {
    name: "ftp-port-bare-lf",
    description: "PORT line ended by a bare LF (`PORT 192,0,2,10,195,80\\n`).",
    make: (b) => ftpPort(b, { emu: ["dropped", "bare_lf"], send: (f, line) => f.send(true, line + "\n") }),
  },
  {
    name: "ftp-port-lowercase",
    description: "Lower-case verb: `port 192,0,2,10,195,80`.",
    make: (b) => ftpPort(b, { verb: "port", emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-port-two-spaces",
    description: "Two spaces after the verb: `PORT  192,0,2,10,195,80`.",
    make: (b) => ftpPort(b, { sep: "  ", emu: ["dropped", "extra_space"] }),
  },
  {
    name: "ftp-port-octet-over-255",
    description: "Address octet 522 > 255: `PORT 192,0,2,522,195,80` (Linux ORs 0x20a into 192.0.2.10); server answers 500, no data connection.",
    make: (b) => ftpPort(b, { nums: [192, 0, 2, 522, 195, 80], emu: ["parsed", "octet_bleed"] }),
  },
  {
    name: "ftp-port-over-65535",
    description: "Port 75796 > 65535 in EPRT: `EPRT |1|192.0.2.10|75796|` (Linux wraps to 10260); server answers 500, no data connection.",
    make: (b) => ftpEprt(b, { port: 75796, emu: ["parsed", "port_wrapped"] }),
  },
  {
    name: "ftp-port-zero",
    description: "PORT announcing port 0: `PORT 192,0,2,10,0,0`; server answers 500, no data connection.",
    make: (b) => ftpPort(b, { nums: [192, 0, 2, 10, 0, 0], emu: ["parsed", "port_zero_unchecked"] }),
  },
  {
    name: "ftp-eprt-port-zero",
    description: "EPRT announcing port 0: `EPRT |1|192.0.2.10|0|`; server answers 500, no data connection.",
    make: (b) => ftpEprt(b, { port: 0, emu: ["dropped", "port_zero"] }),
  },
  {
    name: "ftp-229-port-zero",
    description: "EPSV answered with port 0: `229 Entering Extended Passive Mode (|||0|)`; no data connection.",
    make: (b) => ftp229(b, { port: 0, parens: true, emu: ["dropped", "port_zero"] }),
  },
  {
    name: "ftp-port-out-of-order",
    description: "Pipelined `PORT …` + `LIST`: the LIST segment arrives first (server dup-ACK), then the PORT segment (completes the line), then a retransmission of the PORT segment (new IP id, 200 ms later).",
    make: (b) => ftpPort(b, {
      emu: ["parsed", "ok"],
      pipelinedList: true,
      send: (f, line) => {
        const a = ascii(line + "\r\n");
        const l = ascii("LIST\r\n");
        const x = f.ctl.nxt(true);
        const fl = f.ctl.raw(true, { ack: true, psh: true }, l, { seq: x + a.length });
        b.segments.push({ frame: fl, fromClient: true, text: "LIST\r\n", lineStart: true, repeat: false });
        f.ctl.raw(false, { ack: true }, new Uint8Array(0)); // duplicate ACK (ack = x)
        const fa = f.ctl.raw(true, { ack: true, psh: true }, a, { seq: x });
        b.segments.push({ frame: fa, fromClient: true, text: line + "\r\n", lineStart: true, repeat: false });
        f.ctl.advance(true, a.length + l.length);
        f.ctl.ack(false);
        const fr = f.ctl.raw(true, { ack: true, psh: true }, a, { seq: x, dt: 200n * MS });
        b.segments.push({ frame: fr, fromClient: true, text: line + "\r\n", lineStart: true, repeat: true });
        f.ctl.ack(false); // duplicate ACK for the spurious retransmission
        return fa;
      },
    }),
  },
  {
    name: "ftp-port-retransmitted",
    description: "The PORT segment appears twice, byte-identical (same IP id), 200 ms apart; the first copy completes the line.",
    make: (b) => ftpPort(b, {
      emu: ["parsed", "ok"],
      send: (f, line) => {
        const fa = f.req(line);
        const d = b.cap.dup(fa, 200n * MS);
        b.segments.push({ frame: d, fromClient: true, text: line + "\r\n", lineStart: true, repeat: true });
        return fa;
      },
    }),
  },
  {
    name: "ftp-two-lines-one-segment",
    description: "Two commands in one segment, the second is PORT: `TYPE I\\r\\nPORT 192,0,2,10,195,80\\r\\n`; both replies in one segment.",
    make: (b) => {
      const f = new Ftp(b);
      f.login();
      const line = `PORT ${P}`;
      const packet = f.send(true, `TYPE I\r\n${line}\r\n`);
      const n = f.neg({ kind: "PORT", packet, line, check: { valid: true }, announced: { ip: CLIENT, port: ACTIVE_PORT }, emulation: ["ignored", "not_segment_start"] });
      f.activeTail(n, { ok: "200 Switching to Binary mode.\r\n200 PORT command successful. Consider using PASV." });
      f.quit();
    },
  },
  {
    name: "ftp-port-data-from-ephemeral",
    description: `Active FTP whose data connection comes from server port 40020, not 20: ${SERVER}:40020 → ${CLIENT}:${ACTIVE_PORT}.`,
    make: (b) => ftpPort(b, { srcPort: 40020, emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-eprt-bang-delim",
    description: "EPRT with `!` as delimiter: `EPRT !1!192.0.2.10!50000!`.",
    make: (b) => ftpEprt(b, { delim: "!", emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-eprt-ipv6",
    description: `IPv6 control connection [${CLIENT6}]:${CTRL_PORT} → [${SERVER6}]:21, \`EPRT |2|${CLIENT6}|50000|\`, data from [${SERVER6}]:20.`,
    make: (b) => ftpEprt(b, { v6: true, emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-eprt-family-mismatch",
    description: `EPRT family 2 (IPv6 address) on an IPv4 control connection: \`EPRT |2|${CLIENT6}|50000|\`; server answers 522.`,
    make: (b) => ftpEprt(b, { af: 2, ip: CLIENT6, emu: ["dropped", "eprt_family_mismatch"] }),
  },
  {
    name: "ftp-eprt-bad-family",
    description: "EPRT with unknown address family 3: `EPRT |3|192.0.2.10|50000|`; server answers 522.",
    make: (b) => ftpEprt(b, { af: 3, emu: ["dropped", "eprt_bad_family"] }),
  },
  {
    name: "ftp-227-baseline",
    description: "Plain passive FTP: `227 Entering Passive Mode (198,51,100,20,117,48).`, data 192.0.2.10:51004 → 198.51.100.20:30000.",
    make: (b) => ftp227(b, { reply: (t) => [`227 Entering Passive Mode (${t}).`], emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-227-multiline",
    description: "Multi-line 227 in one segment, the tuple on the first line: `227-Entering Passive Mode (198,51,100,20,117,48).` + `227 OK`.",
    make: (b) => ftp227(b, { reply: (t) => [`227-Entering Passive Mode (${t}).`, "227 OK"], carrier: 0, emu: ["ignored", "multiline_reply"] }),
  },
  {
    name: "ftp-227-no-parens",
    description: "227 without parentheses: `227 Entering Passive Mode 198,51,100,20,117,48`.",
    make: (b) => ftp227(b, { reply: (t) => [`227 Entering Passive Mode ${t}`], emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-227-digit-in-text",
    description: "A digit in the 227 text before the tuple: `227 Entering Passive Mode v2 (198,51,100,20,117,48)`.",
    make: (b) => ftp227(b, { reply: (t) => [`227 Entering Passive Mode v2 (${t})`], emu: ["dropped", "digit_before_tuple"] }),
  },
  {
    name: "ftp-227-other-ip",
    description: "227 naming a third host: `227 Entering Passive Mode (198,51,100,77,117,48).`, data 192.0.2.10:51004 → 198.51.100.77:30000.",
    make: (b) => ftp227(b, { ip: "198.51.100.77", reply: (t) => [`227 Entering Passive Mode (${t}).`], emu: ["ignored", "address_not_peer"] }),
  },
  {
    name: "ftp-epsv-229",
    description: "EPSV → `229 Entering Extended Passive Mode (|||30000|)`, data 192.0.2.10:51004 → 198.51.100.20:30000.",
    make: (b) => ftp229(b, { parens: true, emu: ["parsed", "ok"] }),
  },
  {
    name: "ftp-229-no-parens",
    description: "229 without parentheses: `229 Entering Extended Passive Mode |||30000|`; data connection follows.",
    make: (b) => ftp229(b, { parens: false, emu: ["dropped", "epsv_no_parentheses"] }),
  },
  {
    name: "ftp-lprt",
    description: "RFC 1639 LPRT: `LPRT 4,4,192,0,2,10,2,195,80`, data 198.51.100.20:20 → 192.0.2.10:50000.",
    make: (b) => {
      const f = new Ftp(b);
      f.login();
      const line = `LPRT 4,4,${CLIENT.split(".").join(",")},2,${ACTIVE_PORT >> 8},${ACTIVE_PORT & 0xff}`;
      const packet = f.req(line);
      const n = f.neg({ kind: "LPRT", packet, line, check: { valid: true }, announced: { ip: CLIENT, port: ACTIVE_PORT }, emulation: ["ignored", "unsupported_command"] });
      f.activeTail(n, { ok: "200 LPRT command successful. Consider using LPSV." });
      f.quit();
    },
  },
  {
    name: "ftp-lpsv-228",
    description: "RFC 1639 LPSV → `228 Entering Long Passive Mode (4,4,198,51,100,20,2,117,48)`, data 192.0.2.10:51004 → 198.51.100.20:30000.",
    make: (b) => {
      const f = new Ftp(b);
      f.login();
      f.req("LPSV");
      const line = `228 Entering Long Passive Mode (4,4,${SERVER.split(".").join(",")},2,${PASV_PORT >> 8},${PASV_PORT & 0xff})`;
      const packet = f.rep(line);
      const n = f.neg({ kind: "228", command: "LPSV", packet, line, check: { valid: true }, announced: { ip: SERVER, port: PASV_PORT }, emulation: ["ignored", "unsupported_command"] });
      f.passiveTail(n);
      f.quit();
    },
  },
  // --- RTSP --------------------------------------------------------------------------------------
  {
    name: "rtsp-teardown",
    description: "OPTIONS, DESCRIBE, SETUP `RTP/AVP;unicast;client_port=50000-50001` (reply adds server_port=40070-40071;ssrc), PLAY, RTP/RTCP media, TEARDOWN, close.",
    make: (b) => rtspCase(b, {
      teardown: true,
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, client: range(50000), server: range(40070), extra: "ssrc=1A2B3C4D" }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
  {
    name: "rtsp-setup-multi-spec",
    description: "SETUP offering three comma-separated specs (TCP interleaved, UDP unicast client_port=50000-50001, multicast); the reply picks the UDP one.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [
          { profile: "RTP/AVP/TCP", unicast: true, interleaved: [0, 1] },
          { profile: "RTP/AVP", unicast: true, client: range(50000) },
          { profile: "RTP/AVP", unicast: false },
        ],
        reply: [{ profile: "RTP/AVP", unicast: true, client: range(50000), server: range(40070), extra: "ssrc=1A2B3C4D" }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
  {
    name: "rtsp-setup-slash-ports",
    description: "Discontinuous client ports `client_port=50000/50004` (RTP 50000, RTCP 50004) over RTP/AVP/UDP.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP/UDP", unicast: true, client: { lo: 50000, hi: 50004, form: "slash" } }],
        reply: [{ profile: "RTP/AVP/UDP", unicast: true, client: { lo: 50000, hi: 50004, form: "slash" }, server: range(40070) }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
  {
    name: "rtsp-setup-single-port",
    description: "Single ports: `client_port=50000`, reply `server_port=40070` — one RTP flow, no RTCP expectation.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: { lo: 50000, hi: 50000, form: "single" } }],
        reply: [{ profile: "RTP/AVP", unicast: true, client: { lo: 50000, hi: 50000, form: "single" }, server: { lo: 40070, hi: 40070, form: "single" } }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
  {
    name: "rtsp-setup-destination",
    description: "`destination=192.0.2.77` in request and reply: media goes 198.51.100.20:40070/40071 → 192.0.2.77:50000/50001, not to the client.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, destination: "192.0.2.77", client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, destination: "192.0.2.77", client: range(50000), server: range(40070) }],
        emu: ["parsed", "destination_not_parsed"],
      }],
    }),
  },
  {
    name: "rtsp-setup-source",
    description: "Reply `source=198.51.100.30;server_port=40070-40071`: media comes from 198.51.100.30, not the control server.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, source: "198.51.100.30", client: range(50000), server: range(40070) }],
        emu: ["parsed", "source_not_parsed"],
      }],
    }),
  },
  {
    name: "rtsp-setup-interleaved",
    description: "`RTP/AVP/TCP;unicast;interleaved=0-1`: media as `$`-framed RTP on the control connection, no new flow expected.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP/TCP", unicast: true, interleaved: [0, 1] }],
        reply: [{ profile: "RTP/AVP/TCP", unicast: true, interleaved: [0, 1], extra: "ssrc=1A2B3C4D" }],
        emu: ["ignored", "no_udp_transport"],
      }],
    }),
  },
  {
    name: "rtsp-reply-changes-client-port",
    description: "Request `client_port=50000-50001`, reply `client_port=50010-50011;server_port=40070-40071`: media goes to 50010/50011.",
    make: (b) => rtspCase(b, {
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, client: range(50010), server: range(40070) }],
        emu: ["parsed", "request_client_port_used"],
      }],
    }),
  },
  {
    name: "rtsp-setup-lowercase-header",
    description: "Header name in lower case in request and reply: `transport: RTP/AVP;unicast;client_port=50000-50001`.",
    make: (b) => rtspCase(b, {
      requestHeader: "transport",
      replyHeader: "transport",
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, client: range(50000), server: range(40070) }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
  {
    name: "rtsp-two-setups",
    description: "Two SETUPs in one RTSP session (trackID=1 client_port=50000-50001 / server 40070-40071, trackID=2 client_port=50002-50003 / server 40072-40073), paired by CSeq.",
    make: (b) => rtspCase(b, {
      setups: [1, 2].map((t) => ({
        track: t,
        request: [{ profile: "RTP/AVP" as const, unicast: true, client: range(50000 + 2 * (t - 1)) }],
        reply: [{ profile: "RTP/AVP" as const, unicast: true, client: range(50000 + 2 * (t - 1)), server: range(40070 + 2 * (t - 1)) }],
        emu: ["parsed", "ok"] as Emu,
      })),
    }),
  },
  {
    name: "rtsp-port-8554",
    description: "A plain SETUP (`client_port=50000-50001`, `server_port=40070-40071`) on the alternative RTSP port 8554.",
    make: (b) => rtspCase(b, {
      port: 8554,
      setups: [{
        track: 1,
        request: [{ profile: "RTP/AVP", unicast: true, client: range(50000) }],
        reply: [{ profile: "RTP/AVP", unicast: true, client: range(50000), server: range(40070) }],
        emu: ["parsed", "ok"],
      }],
    }),
  },
];

/** Build one case by name. */
export function buildAlgCase(name: string): BuiltCase {
  const def = ALG_CASES.find((c) => c.name === name);
  if (!def) throw new Error(`unknown ALG case ${name}`);
  const b = new CaseBuilder(def.name, def.description);
  def.make(b);
  return b.build();
}

/** The JSON text written to pcaps/alg/<case>.expected.json. */
export function expectedJson(c: BuiltCase): string {
  return JSON.stringify(c.expected, null, 2) + "\n";
}

export const ALG_DIR = "pcaps/alg";

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  for (const def of ALG_CASES) {
    const c = buildAlgCase(def.name);
    writeOut(root, `${ALG_DIR}/${c.name}.pcap`, c.pcap);
    writeOut(root, `${ALG_DIR}/${c.name}.expected.json`, expectedJson(c));
    console.log(`${c.name}.pcap`, c.expected.packets, "packets", c.pcap.length, "bytes");
  }
}
