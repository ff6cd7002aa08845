/**
 * Generator for pcaps/nat/<case>/ — FTP/RTSP through a NAT, captured on BOTH sides of the router,
 * plus what the router printed, plus `case.json` with the verdict `verify` must reach. Everything
 * in case.json is computed from THIS FILE'S SPEC (the scripts below), never from a decoder.
 *
 *   client 192.0.2.10 ──inside── router / NAT (203.0.113.1 or a pool) ──outside── server 198.51.100.20
 *
 * Files per case:
 *   inside.pcap    the client LAN side of the router (Ethernet, pcap µs LE)
 *   outside.pcap   the public side
 *   router-junos.txt   `show services stateful-firewall conversations` as a Junos service PIC would
 *                  print it for this run (printed with printJunosConversations, §1.1 layout)
 *   router-junos-*.txt variants (cases ftp-active-masquerade, rtsp-udp-nat) that differ on purpose
 *   conntrack.txt  `conntrack -L -o extended` with accounting (Linux-style cases only)
 *   case.json      see "case.json" below
 *
 * Wire model (both captures are built from one script, so they agree by construction):
 *   - one logical packet = one router crossing: built once per side with that side's addresses,
 *     ports, payload and seq/ack; IP id kept by the NAT; TTL 64 → 63 outbound (client sends 64),
 *     52 → 51 inbound (server packets arrive with 52); router-made packets (ICMP) TTL 64.
 *   - time: the script clock is the router's ingress time t. Outbound: inside ts = t, outside
 *     ts = t + FWD + SKEW. Inbound: outside ts = t + SKEW, inside ts = t + FWD. FWD = 40 µs
 *     (forwarding delay), SKEW = +300 µs (the outside capture host's clock runs ahead). So the
 *     outside capture is late by 340 µs for outbound and 260 µs for inbound packets.
 *   - turn-around: a server answer comes 20 ms after the packet it answers (WAN RTT seen from the
 *     router), a client answer 300 µs after, back-to-back segments 50 µs apart.
 *   - an ALG rewrite (PORT/EPRT/227/229/SETUP and its reply) changes the payload on one side only;
 *     seq/ack are tracked per side, so every later segment of that direction has its seq (and the
 *     peer's ack) shifted by the length change on the rewritten side — exactly what an ALG does.
 *   - fixed ISNs; 3-way handshakes with MSS; FIN closes; deterministic bytes.
 *
 * case.json:
 *   { "case", "description",
 *     "topology": { "client", "server", "natAddress" ("203.0.113.1", or a pool "203.0.113.10-203.0.113.20"), "insideNet" },
 *     "expected": { "verdict": "pass"|"fail", "findings": [codes, sorted, unique], "notFindings": [codes],
 *                   "capturesOnly": { "verdict", "findings" } },
 *     "nat": [ { "role": "control"|"data"|"media", "proto": "tcp"|"udp", "inside": {ip,port}, "outside": {ip,port},
 *                "remote": {ip,port}, "direction": "outbound"|"inbound", "crossed": bool } ],
 *     "predicted": [ { "alg": "ftp"|"rtsp", "flows": [ { "proto": "TCP"|"UDP", "src": {ip,port}, "dst": {ip,port},
 *                      "state": "Watch"|"Forward", "dir": "I"|"O", "frames": n,
 *                      "nat": [ { "kind": "source"|"dest", "from": {ip,port}, "to": {ip,port} } ] } ] } ],
 *     "routerVariants"?: { "<file>": { "verdict", "findings" } },
 *     "router": ["router-junos.txt"],   // the router files `expected` is for (used by `alg-verify suite`)
 *     "packets": { "inside": n, "outside": n },
 *     "timing": { "forwardDelayUs": 40, "outsideClockSkewUs": 300 } }
 *
 *   - `expected` = what `verify` reports for inside.pcap + outside.pcap + router-junos.txt.
 *     `expected.capturesOnly` = the same run without any router file. `routerVariants[f]` = the
 *     full result when file f replaces router-junos.txt (conntrack.txt included). A finding code
 *     listed in `notFindings` must not appear in `expected` nor `capturesOnly` (the router-file
 *     variants are broken on purpose and may raise them).
 *   - `nat` = every flow of the spec with the NAT's translation (ground truth). `role` control =
 *     the FTP/RTSP control connection; data/media = a negotiated channel. `direction` = who opened
 *     it (outbound: the inside client; inbound: the server, e.g. FTP active data, RTP sent first by
 *     the server). `crossed` = the flow went through the NAT (seen on both sides). A negotiated
 *     channel that never crossed is still listed with the translation the NAT holds for it
 *     (ftp-alg-port-mismatch: 61001) or, when the NAT holds none, the one a correct ALG had to
 *     set up (the NAT's address with the inside port kept: ftp-active-no-alg, ftp-alg-wrong-address,
 *     rtsp-media-blocked).
 *
 * `predicted` conventions (what a CORRECT ALG's conversation looks like, derived mechanically
 * from `nat` + the captures; verify must implement the same):
 *   - one conversation per control session (alg "ftp"/"rtsp"), holding its control entry and every
 *     data/media entry of that session (crossed or not, in `nat` order);
 *   - flows listed like the Junos sample (ROUTER-FORMATS.md §1.1): first all `I` flows (control,
 *     then data/media in `nat` order), then all `O` flows in the same order;
 *   - control state `Watch`, data/media `Forward`;
 *   - `I` flow: src = inside ip:port, dst = remote ip:port (the pre-NAT addresses the client used),
 *     one NAT line `source inside → outside`; `O` flow: src = remote, dst = outside (public side),
 *     one NAT line `dest outside → inside`;
 *   - inbound data/media flows (FTP active data, server-first RTP) are listed the SAME way: the `I`
 *     line is client(inside)→server with `NAT source`, the `O` line server→NAT with `NAT dest`.
 *     This follows the only real sample (§1.1: "The active-mode data flow is listed with the client
 *     as source in the I direction (1.1.79.2:14104 -> 2.2.2.2:20) even though the server opened
 *     it"; its frame counts 3 vs 5 fit that too). The lead's brief proposed the opposite for
 *     inbound flows; set INBOUND_I_IS_REMOTE = true and regenerate to get that instead (the `I`
 *     line becomes remote→outside with `NAT dest outside → inside`, the `O` line inside→remote
 *     with `NAT source inside → outside`).
 *   - `frames` = packets of that direction counted where the router RECEIVED them: inside→remote
 *     on inside.pcap (src = inside ep, dst = remote), remote→outside on outside.pcap (src = remote,
 *     dst = outside ep). 0 when none (a pinhole with no traffic, as in the §1.3 RTSP sample).
 *
 * Router files: where the router ran the ALG, router-junos.txt = `predicted` (interface
 * ms-1/3/0, service set NAT-ALG, `Number of initiators/responders` = counts of I/O flows). Where it
 * ran none (ftp-active-no-alg, rtsp-media-blocked, rtsp-port-preservation) it prints the control
 * session as `Conversation: ALG protocol: any` with `Forward` control flows, each other flow that
 * crossed as its own `any` conversation, and nothing for flows that never crossed. Where the ALG is
 * buggy it prints the pinhole the ALG made (ftp-alg-wrong-address: 203.0.113.99:50000 in the I
 * line's NAT source and the O line's dst / NAT dest, 0 frames; ftp-alg-port-mismatch: 61001, which
 * is the NAT's real mapping, 0 frames). Frame counts always equal the captures' (so no
 * router.frame-count-mismatch anywhere). conntrack.txt: one entry per crossed flow, original tuple
 * = the opener's direction as the router received it (outbound: inside → remote; inbound: remote →
 * NAT), reply tuple the answer; packets= / bytes= (IP total length) counted where the router
 * received them (= the frames rule below); TIME_WAIT/UDP timeouts as 3 s after the last packet;
 * helper=<alg> on the control entry when the Linux helper ran.
 *
 * Matching rule used to state the router findings: a router flow matches a predicted flow when
 * proto, dir and the UNTRANSLATED endpoints are equal (I: src + dst; O: src + the NAT line's `to`),
 * searching all conversations; then the translated endpoint (I: NAT `to`; O: dst = NAT `from`)
 * must be equal too, else router.nat-mismatch. A control flow found in a conversation whose ALG
 * protocol is not ftp/rtsp, or not Watch, gives one router.alg-inactive per conversation (not a
 * router.state-mismatch per flow as well).
 *
 * Finding codes: the names and severities of src/verify/findings.ts (FINDING_SEVERITY below);
 * warnings never fail the verdict. How they apply here:
 *   alg.payload-not-translated  the outside PORT/EPRT/SETUP still names what the inside one named
 *                               although that is not reachable from outside (FTP: the inside
 *                               address; RTSP: unchanged client_port and the media was blocked)
 *   alg.payload-wrong-address   the outside payload names an address that is neither the client's
 *                               nor the NAT address of the control session
 *   alg.payload-port-mismatch   the outside payload names the NAT address but a port the NAT does
 *                               not map to the announced inside port (visible only in the router file)
 *   alg.data-flow-blocked       the server's data connection to the announced endpoint is seen on
 *                               the outside, never inside (then no alg.data-flow-refused for the 425)
 *   alg.data-flow-refused       no data connection seen on either side and the server answered 425
 *   alg.media-blocked           RTP/RTCP to the announced endpoint on the outside (here answered with
 *                               ICMP port unreachable), never inside
 *   alg.works-by-port-preservation  SETUP not rewritten; media passes only because the NAT kept the
 *                               ports and the client sent first ("punch")
 *   router.flow-missing / router.nat-mismatch / router.alg-inactive   see the matching rule
 *   conntrack.helper-missing    conntrack.txt: the control entry has no helper=
 * Flows seen on one side only that an alg.* finding explains give no nat.unpaired-flow.
 *
 * | case                    | NAT                        | outside payload                 | with router-junos.txt | captures only |
 * | ----------------------- | -------------------------- | ------------------------------- | --------------------- | ------------- |
 * | ftp-active-masquerade   | 203.0.113.1, ports kept    | PORT 203,0,113,1,195,80         | pass | pass |
 * | ftp-active-pool         | pool .10-.20: .14:61012/61013 | PORT 203,0,113,14,238,85     | pass | pass |
 * | ftp-active-port-changed | data 50000 → 61000         | PORT 203,0,113,1,238,72         | pass | pass |
 * | ftp-active-no-alg       | no ALG                     | PORT 192,0,2,10,195,80          | fail: alg.data-flow-blocked, alg.payload-not-translated, router.alg-inactive, router.flow-missing | fail: the two alg.* |
 * | ftp-passive-no-alg      | none needed (Junos: ALG on; conntrack.txt: no helper) | 227 (198,51,100,20,117,48) | pass | pass |
 * | ftp-eprt-epsv           | ports kept                 | EPRT |1|203.0.113.1|50000|, 229 | pass | pass |
 * | ftp-alg-wrong-address   | ALG writes 203.0.113.99    | PORT 203,0,113,99,195,80        | fail: alg.data-flow-refused, alg.payload-wrong-address, router.nat-mismatch | fail: the two alg.* |
 * | ftp-alg-port-mismatch   | NAT maps 50000 → 61001     | PORT 203,0,113,1,238,72 (61000) | fail: alg.data-flow-blocked, alg.payload-port-mismatch | fail: alg.data-flow-blocked |
 * | rtsp-udp-nat            | media 50000-1 → 62000-1    | client_port=62000-62001         | pass | pass |
 * | rtsp-interleaved        | —                          | interleaved=0-1 (unchanged)     | pass | pass |
 * | rtsp-media-blocked      | no ALG                     | client_port=50000-50001         | fail: alg.media-blocked, alg.payload-not-translated, router.alg-inactive, router.flow-missing | fail: the two alg.* |
 * | rtsp-port-preservation  | no ALG, ports kept         | client_port=50000-50001         | pass: alg.works-by-port-preservation, router.alg-inactive (warnings) | pass: alg.works-by-port-preservation |
 *
 * ftp-alg-wrong-address: the server's SYNs go to 203.0.113.99, which is not the router, so the
 * outside capture never sees them: no alg.data-flow-blocked (listed in notFindings).
 * rtsp-port-preservation passes with warnings only, with every router file: the Junos file shows
 * no ALG (router.alg-inactive), but no session failed for it, so that finding is a warning.
 *
 * Run: `node dist/pcaps/make/nat-cases.js` (after `tsc -p tsconfig.build.json`) rewrites pcaps/nat/.
 */

import {
  DEFAULT_EPOCH_NS, IpProto, LinkType, ascii, concat, ethernetFor, icmpv4Error, ipv4, tcp, tcpMssOption, udp,
  rtcpReceiverReport, rtcpSenderReport, rtpPacket, writePcap, type TcpFlags,
} from "../../test/helpers/pcap-writer.js";
import { printJunosConversations, type PrintableInterface } from "../../src/router/index.js";
import { FTP_LISTING, isMain, repoRoot, sideMacs, writeOut } from "./util.js";

// ---------------------------------------------------------------------------------------------
// Public types (case.json)
// ---------------------------------------------------------------------------------------------

export type Side = "inside" | "outside";
export interface Ep { ip: string; port: number }
export type Role = "control" | "data" | "media";

export interface NatEntry {
  role: Role;
  proto: "tcp" | "udp";
  inside: Ep;
  outside: Ep;
  remote: Ep;
  direction: "outbound" | "inbound";
  crossed: boolean;
}

export interface PredictedNat { kind: "source" | "dest"; from: Ep; to: Ep }
export interface PredictedFlow {
  proto: "TCP" | "UDP";
  src: Ep;
  dst: Ep;
  state: "Watch" | "Forward";
  dir: "I" | "O";
  frames: number;
  nat: PredictedNat[];
}
export interface PredictedConversation { alg: "ftp" | "rtsp"; flows: PredictedFlow[] }

export interface Result { verdict: "pass" | "fail"; findings: string[] }

export interface CaseJson {
  case: string;
  description: string;
  topology: { client: string; server: string; natAddress: string; insideNet: string };
  expected: Result & { notFindings: string[]; capturesOnly: Result };
  nat: NatEntry[];
  predicted: PredictedConversation[];
  routerVariants?: Record<string, Result>;
  /** The router files `expected` is for (what `alg-verify suite` passes to verify). */
  router: string[];
  packets: { inside: number; outside: number };
  timing: { forwardDelayUs: number; outsideClockSkewUs: number };
}

/** A tshark read-back check: `fields` of the frames matching `filter` on one side, in order. */
export interface TsharkCheck { side: Side; filter: string; fields: string[]; values: string[][] }

export interface BuiltNatCase {
  name: string;
  /** File name (relative to the case directory) → bytes/text. */
  files: Map<string, Uint8Array | string>;
  json: CaseJson;
  checks: TsharkCheck[];
}

/** See the header: flip to list inbound data/media flows with the remote as `I` source. */
export const INBOUND_I_IS_REMOTE = false;

export const NAT_DIR = "pcaps/nat";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const US = 1_000n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const FWD = 40n * US;
const SKEW = 300n * US;
const GAP = 50n * US;
const LAN_TURN = 300n * US;
const WAN_RTT = 20n * MS;

const CLIENT = "192.0.2.10";
const SERVER = "198.51.100.20";
const NAT = "203.0.113.1";
const INSIDE_NET = "192.0.2.0/24";

/** Severities of the finding codes these cases use (as in src/verify/findings.ts). */
export const FINDING_SEVERITY: Readonly<Record<string, "error" | "warning">> = {
  "alg.payload-not-translated": "error",
  "alg.payload-wrong-address": "error",
  "alg.payload-port-mismatch": "error",
  "alg.data-flow-blocked": "error",
  "alg.media-blocked": "error",
  "alg.data-flow-refused": "warning",
  "alg.works-by-port-preservation": "warning",
  "router.flow-missing": "error",
  "router.nat-mismatch": "error",
  // An error when a session failed for it (another alg.* error), else a warning: see below.
  "router.alg-inactive": "error",
  "conntrack.helper-missing": "warning",
};

function result(findings: string[]): Result {
  for (const f of findings) if (!FINDING_SEVERITY[f]) throw new Error(`unknown finding ${f}`);
  const sorted = [...new Set(findings)].sort();
  // router.alg-inactive follows the sessions (src/verify/verify.ts): a router that did not apply
  // the ALG fails the run only when a session failed for it.
  const sessionFailed = sorted.some((f) => f.startsWith("alg.") && FINDING_SEVERITY[f] === "error");
  const severity = (f: string) => (f === "router.alg-inactive" && !sessionFailed ? "warning" : FINDING_SEVERITY[f]);
  return { verdict: sorted.some((f) => severity(f) === "error") ? "fail" : "pass", findings: sorted };
}

// ---------------------------------------------------------------------------------------------
// Two-sided wire
// ---------------------------------------------------------------------------------------------

export interface WirePkt {
  /** Router ingress time (ns). */
  t: bigint;
  /** Sent from the inside (or made by the router towards the outside). */
  outbound: boolean;
  inside?: Uint8Array;
  outside?: Uint8Array;
}

type Who = "local" | "remote" | "router";

export class Wire {
  t = DEFAULT_EPOCH_NS;
  readonly pkts: WirePkt[] = [];
  private readonly ids: Record<Who, number> = { local: 0x2100, remote: 0x6a00, router: 0x0400 };

  nextId(who: Who): number {
    const id = this.ids[who];
    this.ids[who] = (id + 1) & 0xffff;
    return id;
  }

  wait(ns: bigint): void { this.t += ns; }

  add(p: WirePkt): void { this.pkts.push(p); }

  /** One IPv4 packet as seen on `side` (TTL per the header's model). */
  static l3(side: Side, outbound: boolean, src: string, dst: string, proto: number, payload: Uint8Array, id: number, routerMade = false): Uint8Array {
    const ttl = routerMade ? 64 : outbound ? (side === "inside" ? 64 : 63) : (side === "outside" ? 52 : 51);
    return ipv4({ src, dst, proto, id, ttl, df: proto !== IpProto.ICMP, payload });
  }

  /** UDP datagram (one payload, or one per side: an ALG rewrote it); `only` restricts it to one side (dropped by the router). Returns the outside bytes. */
  udp(fromLocal: boolean, localIn: Ep, localOut: Ep, remote: Ep, payload: Uint8Array | Record<Side, Uint8Array>, o: { dt?: bigint; only?: Side } = {}): Uint8Array | undefined {
    this.t += o.dt ?? GAP;
    const id = this.nextId(fromLocal ? "local" : "remote");
    const p: WirePkt = { t: this.t, outbound: fromLocal };
    for (const side of ["inside", "outside"] as const) {
      if (o.only && o.only !== side) continue;
      const le = side === "inside" ? localIn : localOut;
      const [s, d] = fromLocal ? [le, remote] : [remote, le];
      const pl = payload instanceof Uint8Array ? payload : payload[side];
      p[side] = Wire.l3(side, fromLocal, s.ip, d.ip, IpProto.UDP, udp({ src: s.ip, dst: d.ip, srcPort: s.port, dstPort: d.port, payload: pl }), id);
    }
    this.add(p);
    return p.outside;
  }

  /** The router answers an outside packet with ICMP port unreachable (outside only). */
  icmpPortUnreachable(original: Uint8Array, natIp: string): void {
    const dst = `${original[12]}.${original[13]}.${original[14]}.${original[15]}`;
    const icmp = icmpv4Error(3, 3, original);
    this.add({ t: this.t, outbound: true, outside: Wire.l3("outside", true, natIp, dst, IpProto.ICMP, icmp, this.nextId("router"), true) });
  }

  /** Per-side pcap (Ethernet, µs, LE), sorted by capture time (stable). */
  pcap(side: Side): Uint8Array {
    const recs: { ts: bigint; data: Uint8Array; k: number }[] = [];
    this.pkts.forEach((p, k) => {
      const l3 = p[side];
      if (!l3) return;
      const ts = Wire.ts(side, p);
      const [src, dst] = sideMacs(side, p.outbound);
      recs.push({ ts, data: ethernetFor(l3, { src, dst }), k });
    });
    recs.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.k - b.k));
    return writePcap(recs.map((r) => ({ ts: r.ts, data: r.data })), { linkType: LinkType.ETHERNET, snaplen: 262144 });
  }

  /** Capture time of `p` on `side` (the header's clock model). */
  static ts(side: Side, p: WirePkt): bigint {
    return side === "inside" ? (p.outbound ? p.t : p.t + FWD) : (p.outbound ? p.t + FWD + SKEW : p.t + SKEW);
  }

  /** 1-based packet number of each packet in `side`'s pcap (the order `pcap` writes). */
  numbers(side: Side): Map<WirePkt, number> {
    const order = this.pkts.map((p, k) => ({ p, k })).filter((x) => x.p[side]);
    order.sort((a, b) => { const x = Wire.ts(side, a.p), y = Wire.ts(side, b.p); return x < y ? -1 : x > y ? 1 : a.k - b.k; });
    return new Map(order.map((x, i) => [x.p, i + 1]));
  }

  side(side: Side): { t: bigint; l3: Uint8Array }[] {
    return this.pkts.filter((p) => p[side]).map((p) => ({ t: p.t, l3: p[side]! }));
  }
}

/** Payload text per side: a string (same on both) or a pair. */
type Text = string | { inside: string; outside: string };
const sideText = (x: Text, side: Side) => (typeof x === "string" ? x : x[side]);

/** One TCP connection with per-side seq/ack (local = the inside host). */
export class Conn {
  private readonly lSeq: Record<Side, number>;
  private readonly rSeq: Record<Side, number>;
  private last: boolean | null = null;

  constructor(readonly w: Wire, readonly localIn: Ep, readonly localOut: Ep, readonly remote: Ep, isn: number) {
    const l = isn >>> 0;
    const r = (isn ^ 0x5a5a5a5a) >>> 0;
    this.lSeq = { inside: l, outside: l };
    this.rSeq = { inside: r, outside: r };
  }

  seg(fromLocal: boolean, flags: TcpFlags, payload: { inside: Uint8Array; outside: Uint8Array } | null = null,
    o: { dt?: bigint; only?: Side; options?: Uint8Array; advance?: boolean } = {}): void {
    const dt = o.dt ?? (this.last === null ? (fromLocal ? LAN_TURN : WAN_RTT) : this.last === fromLocal ? GAP : fromLocal ? LAN_TURN : WAN_RTT);
    this.last = fromLocal;
    this.w.t += dt;
    const id = this.w.nextId(fromLocal ? "local" : "remote");
    const p: WirePkt = { t: this.w.t, outbound: fromLocal };
    const empty = new Uint8Array(0);
    for (const side of ["inside", "outside"] as const) {
      const le = side === "inside" ? this.localIn : this.localOut;
      const [s, d] = fromLocal ? [le, this.remote] : [this.remote, le];
      const seq = fromLocal ? this.lSeq[side] : this.rSeq[side];
      const ack = flags.ack ? (fromLocal ? this.rSeq[side] : this.lSeq[side]) : 0;
      const pl = payload ? payload[side] : empty;
      if (!o.only || o.only === side) {
        const seg = tcp({ src: s.ip, dst: d.ip, srcPort: s.port, dstPort: d.port, seq, ack, flags, window: 64240, options: o.options, payload: pl });
        p[side] = Wire.l3(side, fromLocal, s.ip, d.ip, IpProto.TCP, seg, id);
      }
      if (o.advance !== false) {
        const adv = pl.length + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0);
        if (fromLocal) this.lSeq[side] = (this.lSeq[side] + adv) >>> 0;
        else this.rSeq[side] = (this.rSeq[side] + adv) >>> 0;
      }
    }
    this.w.add(p);
  }

  /** SYN from the opener (`fromLocal`), SYN-ACK, ACK. */
  handshake(fromLocal = true): void {
    const mss = tcpMssOption(1460);
    this.seg(fromLocal, { syn: true }, null, { options: mss });
    this.seg(!fromLocal, { syn: true, ack: true }, null, { options: mss });
    this.seg(fromLocal, { ack: true });
  }

  data(fromLocal: boolean, text: Text | Uint8Array, o: { dt?: bigint } = {}): void {
    const pl = text instanceof Uint8Array ? { inside: text, outside: text } : { inside: ascii(sideText(text, "inside")), outside: ascii(sideText(text, "outside")) };
    this.seg(fromLocal, { ack: true, psh: true }, pl, o);
  }

  ack(fromLocal: boolean, o: { dt?: bigint } = {}): void { this.seg(fromLocal, { ack: true }, null, o); }

  /** FIN from `fromLocal`, FIN-ACK, last ACK. */
  close(fromLocal: boolean): void {
    this.seg(fromLocal, { fin: true, ack: true });
    this.seg(!fromLocal, { fin: true, ack: true });
    this.seg(fromLocal, { ack: true });
  }
}

/** An FTP/RTSP control connection: client requests and server replies, one line (or block) per segment. */
class Control extends Conn {
  req(line: Text, o: { dt?: bigint } = {}): void { this.data(true, crlf(line), o); }
  rep(line: Text, o: { dt?: bigint } = {}): void { this.data(false, crlf(line), o); }
}

function crlf(t: Text): Text {
  return typeof t === "string" ? t + "\r\n" : { inside: t.inside + "\r\n", outside: t.outside + "\r\n" };
}

// ---------------------------------------------------------------------------------------------
// Payload helpers
// ---------------------------------------------------------------------------------------------

const tuple = (e: Ep) => `${e.ip.split(".").join(",")},${e.port >> 8},${e.port & 0xff}`;
const portLine = (e: Ep) => `PORT ${tuple(e)}`;
const pasvLine = (e: Ep) => `227 Entering Passive Mode (${tuple(e)}).`;

/** RTP with 160 payload bytes (20 ms of G.711) whose pattern moves with the sequence number. */
const rtp = (seq: number, ts: number, ssrc: number): Uint8Array => rtpPacket(seq, ts, ssrc, 160, (k) => k * 7 + seq);
/** Sender report: 160 octets per packet. */
const rtcpSr = (ssrc: number, rtpTs: number, packets: number): Uint8Array => rtcpSenderReport(ssrc, rtpTs, packets, packets * 160);
const rtcpRr = rtcpReceiverReport;

// ---------------------------------------------------------------------------------------------
// Case builder
// ---------------------------------------------------------------------------------------------

interface ConvSpec { alg: "ftp" | "rtsp"; entries: NatEntry[] }

interface RouterSpec {
  /** The router ran the ALG (true) or printed plain `any` conversations (false). */
  alg: boolean;
  /** Print another NAT-side endpoint for some entries (the pinhole a buggy ALG made). */
  override?: Map<NatEntry, Ep>;
}

class CaseBuilder {
  readonly w = new Wire();
  readonly convs: ConvSpec[] = [];
  readonly checks: TsharkCheck[] = [];

  conv(alg: "ftp" | "rtsp"): ConvSpec {
    const c: ConvSpec = { alg, entries: [] };
    this.convs.push(c);
    return c;
  }

  check(side: Side, filter: string, fields: string[], values: string[][]): void {
    this.checks.push({ side, filter, fields, values });
  }
}

const entry = (role: Role, proto: "tcp" | "udp", inside: Ep, outside: Ep, remote: Ep, direction: "outbound" | "inbound", crossed = true): NatEntry =>
  ({ role, proto, inside, outside, remote, direction, crossed });
const ep = (ip: string, port: number): Ep => ({ ip, port });

interface CaseDef {
  name: string;
  description: string;
  natAddress?: string;
  /** Findings with router-junos.txt; capturesOnly defaults to these minus router.*. */
  findings: string[];
  capturesOnly?: string[];
  notFindings: string[];
  router: (b: CaseBuilder) => RouterSpec;
  conntrack?: { helper: boolean; findings: string[] };
  variants?: (b: CaseBuilder, pred: PredictedConversation[]) => { file: string; text: string; findings: string[] }[];
  make: (b: CaseBuilder) => void;
}

// ---------------------------------------------------------------------------------------------
// Frame counting, predicted conversations, router outputs
// ---------------------------------------------------------------------------------------------

interface Tuple { proto: number; src: Ep; dst: Ep; len: number }

export function tupleOf(l3: Uint8Array): Tuple {
  const ihl = (l3[0]! & 0x0f) * 4;
  const dv = new DataView(l3.buffer, l3.byteOffset, l3.byteLength);
  const ip = (o: number) => `${l3[o]}.${l3[o + 1]}.${l3[o + 2]}.${l3[o + 3]}`;
  const proto = l3[9]!;
  const ports = proto === IpProto.TCP || proto === IpProto.UDP;
  return {
    proto,
    src: { ip: ip(12), port: ports ? dv.getUint16(ihl) : 0 },
    dst: { ip: ip(16), port: ports ? dv.getUint16(ihl + 2) : 0 },
    len: dv.getUint16(2),
  };
}

const sameEp = (a: Ep, b: Ep) => a.ip === b.ip && a.port === b.port;

/** Packets (and IP bytes) from `src` to `dst` on one side. */
function count(w: Wire, side: Side, proto: "tcp" | "udp", src: Ep, dst: Ep): { packets: number; bytes: number; last: bigint } {
  const pn = proto === "tcp" ? IpProto.TCP : IpProto.UDP;
  let packets = 0;
  let bytes = 0;
  let last = 0n;
  for (const p of w.side(side)) {
    const t = tupleOf(p.l3);
    if (t.proto === pn && sameEp(t.src, src) && sameEp(t.dst, dst)) {
      packets++;
      bytes += t.len;
      last = p.t;
    }
  }
  return { packets, bytes, last };
}

type FlowPair = { i: PredictedFlow; o: PredictedFlow };

/**
 * The I and O lines of one NAT entry (see the header's conventions). `outside` overrides the NAT
 * side printed (router files of buggy ALGs / variants); frames are always those of the real flow.
 */
function flowPair(w: Wire, e: NatEntry, state: "Watch" | "Forward", outside: Ep = e.outside): FlowPair {
  const P = e.proto === "tcp" ? "TCP" : "UDP";
  const fromInside: PredictedFlow = {
    proto: P, src: e.inside, dst: e.remote, state, dir: "I",
    frames: count(w, "inside", e.proto, e.inside, e.remote).packets,
    nat: [{ kind: "source", from: e.inside, to: outside }],
  };
  const fromRemote: PredictedFlow = {
    proto: P, src: e.remote, dst: outside, state, dir: "O",
    frames: count(w, "outside", e.proto, e.remote, e.outside).packets,
    nat: [{ kind: "dest", from: outside, to: e.inside }],
  };
  if (INBOUND_I_IS_REMOTE && e.direction === "inbound") {
    return { i: { ...fromRemote, dir: "I" }, o: { ...fromInside, dir: "O" } };
  }
  return { i: fromInside, o: fromRemote };
}

function conversationOf(alg: "ftp" | "rtsp", pairs: { pair: FlowPair }[]): PredictedConversation {
  return { alg, flows: [...pairs.map((p) => p.pair.i), ...pairs.map((p) => p.pair.o)] };
}

function predict(b: CaseBuilder): PredictedConversation[] {
  return b.convs.map((c) => conversationOf(c.alg, c.entries.map((e) => ({ pair: flowPair(b.w, e, e.role === "control" ? "Watch" : "Forward") }))));
}

interface RouterConv { alg: string; flows: PredictedFlow[] }

function routerConversations(b: CaseBuilder, spec: RouterSpec): RouterConv[] {
  const out: RouterConv[] = [];
  for (const c of b.convs) {
    if (spec.alg) {
      const pairs = c.entries.map((e) => flowPair(b.w, e, e.role === "control" ? "Watch" : "Forward", spec.override?.get(e) ?? e.outside));
      out.push({ alg: c.alg, flows: [...pairs.map((p) => p.i), ...pairs.map((p) => p.o)] });
    } else {
      // No ALG: the control session is a plain conversation; other flows that crossed the NAT are
      // conversations of their own; negotiated channels that never crossed do not exist.
      for (const e of c.entries) {
        if (e.role !== "control" && !e.crossed) continue;
        const p = flowPair(b.w, e, "Forward");
        out.push({ alg: "any", flows: [p.i, p.o] });
      }
    }
  }
  return out;
}

function junosText(convs: RouterConv[]): string {
  const itf: PrintableInterface = {
    name: "ms-1/3/0",
    serviceSet: "NAT-ALG",
    conversations: convs.map((c) => ({
      alg: c.alg,
      initiators: c.flows.filter((f) => f.dir === "I").length,
      responders: c.flows.filter((f) => f.dir === "O").length,
      flows: c.flows.map((f) => ({ proto: f.proto, src: f.src, dst: f.dst, state: f.state, dir: f.dir, frames: f.frames, nat: f.nat })),
    })),
  };
  return printJunosConversations([itf], { prompt: "user@router> show services stateful-firewall conversations" });
}

/** `conntrack -L -o extended` with accounting, taken 3 s after the last packet. */
function conntrackText(b: CaseBuilder, helper: boolean): string {
  const lastT = b.w.pkts[b.w.pkts.length - 1]!.t;
  const snap = lastT + 3n * S;
  const lines: string[] = [];
  for (const c of b.convs) {
    for (const e of c.entries) {
      if (!e.crossed) continue;
      // Original tuple = the opener's direction as the router received it; reply tuple = the answer.
      const out = e.direction === "outbound";
      const orig = out ? { src: e.inside, dst: e.remote } : { src: e.remote, dst: e.outside };
      const reply = out ? { src: e.remote, dst: e.outside } : { src: e.inside, dst: e.remote };
      const oc = count(b.w, out ? "inside" : "outside", e.proto, orig.src, orig.dst);
      const rc = count(b.w, out ? "outside" : "inside", e.proto, reply.src, reply.dst);
      const last = oc.last > rc.last ? oc.last : rc.last;
      const age = Number((snap - last) / S);
      const l4 = e.proto === "tcp" ? `tcp      6 ${120 - age} TIME_WAIT` : `udp      17 ${120 - age}`;
      const t = (x: { src: Ep; dst: Ep }, n: { packets: number; bytes: number }) =>
        `src=${x.src.ip} dst=${x.dst.ip} sport=${x.src.port} dport=${x.dst.port} packets=${n.packets} bytes=${n.bytes}`;
      const h = helper && e.role === "control" ? ` helper=${c.alg}` : "";
      lines.push(`ipv4     2 ${l4} ${t(orig, oc)} ${t(reply, rc)} [ASSURED] mark=0${h} use=1`);
    }
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Session scripts
// ---------------------------------------------------------------------------------------------

const FTP_CTRL_PORT = 51000;
const DATA_PORT = 50000;
const PASV_SRC_PORT = 51004;
const PASV_PORT = 30000;

function ftpLogin(c: Control): void {
  c.handshake(true);
  c.rep("220 (vsFTPd 3.0.3)");
  c.ack(true);
  c.req("USER anonymous");
  c.rep("331 Please specify the password.");
  c.req("PASS guest@example.com");
  c.rep("230 Login successful.");
}

function ftpQuit(c: Control): void {
  c.w.wait(1_500n * MS);
  c.req("QUIT", { dt: 0n });
  c.rep("221 Goodbye.");
  c.close(false);
}

/** The listing over the open data connection `d`, its close, and 226 on the control connection. */
function sendListing(c: Control, d: Conn): void {
  d.data(false, FTP_LISTING, { dt: 2n * MS });
  d.ack(true);
  d.close(false);
  c.rep("226 Directory send OK.");
  c.ack(true);
}

/** LIST over an active data connection the server opens from port 20 to (inside, outside). */
function activeList(b: CaseBuilder, c: Control, inside: Ep, outside: Ep, isn: number): void {
  c.req("LIST");
  const d = new Conn(b.w, inside, outside, ep(SERVER, 20), isn);
  d.handshake(false);
  c.rep("150 Here comes the directory listing.");
  sendListing(c, d);
}

/** LIST over a passive data connection the client opens from (inside, outside) to server:port. */
function passiveList(b: CaseBuilder, c: Control, inside: Ep, outside: Ep, port: number, isn: number): void {
  const d = new Conn(b.w, inside, outside, ep(SERVER, port), isn);
  d.handshake(true);
  c.req("LIST");
  c.rep("150 Here comes the directory listing.");
  sendListing(c, d);
}

/**
 * LIST whose data connection never reaches the client: the server's SYN to `target` (outside only
 * when `seenOutside`, else nowhere) at 0, +1 s, +3 s (retransmissions), then 425 after its timeout.
 */
function blockedList(b: CaseBuilder, c: Control, target: Ep, seenOutside: boolean, isn: number): void {
  c.req("LIST");
  if (seenOutside) {
    const d = new Conn(b.w, ep(CLIENT, target.port), target, ep(SERVER, 20), isn);
    const mss = tcpMssOption(1460);
    d.seg(false, { syn: true }, null, { only: "outside", options: mss, advance: false });
    d.seg(false, { syn: true }, null, { only: "outside", options: mss, advance: false, dt: 1n * S });
    d.seg(false, { syn: true }, null, { only: "outside", options: mss, advance: false, dt: 2n * S });
    c.rep("425 Can't open data connection.", { dt: 4n * S });
  } else {
    c.rep("425 Can't open data connection.", { dt: 7n * S });
  }
  c.ack(true);
}

const RTSP_PORT = 554;
const RTSP_CTRL_PORT = 51000;
const RTP_PORT = 50000;
const SRV_RTP = 40070;
const BASE = `rtsp://${SERVER}/stream`;
const SESSION = "4F2A1C07";
const SSRC = 0x1a2b3c4d;

interface RtspOpts {
  /** Transport header of the SETUP request / reply on each side. */
  request: Text;
  reply: Text;
  /** Called right after the SETUP exchange (punch packets) and after PLAY (media). */
  afterSetup?: () => void;
  media: () => void;
}

function rtspSession(c: Control, o: RtspOpts): void {
  let cseq = 0;
  const ua = "User-Agent: LibVLC/3.0.20 (LIVE555 Streaming Media v2016.11.28)";
  const exchange = (method: string, url: string, headers: Text[], reply: Text[], body = "") => {
    cseq++;
    const join = (lines: Text[], side: Side) => lines.map((l) => sideText(l, side)).join("\r\n");
    const q: Text[] = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, ua, ...headers, "", ""];
    c.data(true, { inside: join(q, "inside"), outside: join(q, "outside") });
    const r: Text[] = ["RTSP/1.0 200 OK", `CSeq: ${cseq}`, ...reply, "", ""];
    c.data(false, { inside: join(r, "inside") + body, outside: join(r, "outside") + body });
    c.ack(true);
  };
  c.handshake(true);
  exchange("OPTIONS", BASE, [], ["Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE"]);
  const sdp = ["v=0", `o=- 1 1 IN IP4 ${SERVER}`, "s=alg-verify", "c=IN IP4 0.0.0.0", "t=0 0",
    "m=audio 0 RTP/AVP 96", "a=rtpmap:96 L16/8000", "a=control:trackID=1", ""].join("\r\n");
  exchange("DESCRIBE", BASE, ["Accept: application/sdp"],
    [`Content-Base: ${BASE}/`, "Content-Type: application/sdp", `Content-Length: ${sdp.length}`], sdp);
  const tr = (t: Text): Text => (typeof t === "string" ? `Transport: ${t}` : { inside: `Transport: ${t.inside}`, outside: `Transport: ${t.outside}` });
  exchange("SETUP", `${BASE}/trackID=1`, [tr(o.request)], [`Session: ${SESSION};timeout=60`, tr(o.reply)]);
  o.afterSetup?.();
  exchange("PLAY", `${BASE}/`, [`Session: ${SESSION}`, "Range: npt=0.000-"], [`Session: ${SESSION}`, "Range: npt=0.000-"]);
  o.media();
  c.w.wait(2n * S);
  exchange("TEARDOWN", `${BASE}/`, [`Session: ${SESSION}`], []);
  c.close(true);
}

/** Server RTP ×4 (20 ms apart) and one RTCP SR after the second; `only` = dropped by the router; `onOutside` sees each outside copy. */
function serverMedia(b: CaseBuilder, local: { in: Ep; out: Ep }[], only?: Side, onOutside?: (l3: Uint8Array) => void): void {
  const [rtpEp, rtcpEp] = local;
  for (let i = 0; i < 4; i++) {
    const l3 = b.w.udp(false, rtpEp!.in, rtpEp!.out, ep(SERVER, SRV_RTP), rtp(1000 + i, 8000 + 160 * i, SSRC), { dt: 20n * MS, only });
    if (l3 && onOutside) onOutside(l3);
    if (i === 1) {
      const r = b.w.udp(false, rtcpEp!.in, rtcpEp!.out, ep(SERVER, SRV_RTP + 1), rtcpSr(SSRC, 8160, 2), { dt: 1n * MS, only });
      if (r && onOutside) onOutside(r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

const ctlIn = ep(CLIENT, FTP_CTRL_PORT);
const ftpServer = ep(SERVER, 21);

/**
 * Active FTP through a NAT with a working ALG: control ctlIn → ctlOut, `PORT` rewritten from the
 * client's data endpoint to `dOut`, the server's data connection from port 20 let back in, LIST,
 * QUIT; the control and data entries of the ftp conversation. `ctlIsn`/`dataIsn`: client ISNs.
 */
function workingActive(b: CaseBuilder, ctlOut: Ep, dOut: Ep, ctlIsn: number, dataIsn: number): void {
  const conv = b.conv("ftp");
  const dIn = ep(CLIENT, DATA_PORT);
  conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
  conv.entries.push(entry("data", "tcp", dIn, dOut, ep(SERVER, 20), "inbound"));
  const c = new Control(b.w, ctlIn, ctlOut, ftpServer, ctlIsn);
  ftpLogin(c);
  c.req({ inside: portLine(dIn), outside: portLine(dOut) });
  c.rep("200 PORT command successful. Consider using PASV.");
  activeList(b, c, dIn, dOut, dataIsn);
  ftpQuit(c);
}

/**
 * The RTSP cases' control connection through a port-preserving NAT (its conversation entry
 * added) and the client's RTP/RTCP ports.
 */
function rtspControl(b: CaseBuilder): { conv: ConvSpec; cIn: Ep; cOut: Ep; srv: Ep; rIn: Ep[] } {
  const conv = b.conv("rtsp");
  const cIn = ep(CLIENT, RTSP_CTRL_PORT);
  const cOut = ep(NAT, RTSP_CTRL_PORT);
  const srv = ep(SERVER, RTSP_PORT);
  conv.entries.push(entry("control", "tcp", cIn, cOut, srv, "outbound"));
  return { conv, cIn, cOut, srv, rIn: [ep(CLIENT, RTP_PORT), ep(CLIENT, RTP_PORT + 1)] };
}

export const NAT_CASES: readonly CaseDef[] = [
  {
    name: "ftp-active-masquerade",
    description: "Active FTP through a port-preserving masquerade with a working ALG: `PORT 192,0,2,10,195,80` inside is rewritten to `PORT 203,0,113,1,195,80` outside (+1 byte: later client seq / server ack +1 outside); the server connects 198.51.100.20:20 → 203.0.113.1:50000, forwarded to 192.0.2.10:50000; LIST, 226, QUIT.",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.data-flow-blocked", "router.flow-missing", "router.nat-mismatch", "router.alg-inactive"],
    router: () => ({ alg: true }),
    conntrack: { helper: true, findings: [] },
    variants: (b) => {
      const missing = routerConversations(b, { alg: true }).map((c) => ({ ...c, flows: c.flows.filter((f) => f.state === "Watch") }));
      // Only the data flow's `NAT source` line names another port (50001); everything else as predicted.
      const wrong = routerConversations(b, { alg: true }).map((c) => ({
        ...c,
        flows: c.flows.map((f) => (f.state === "Forward" && f.dir === "I" ? { ...f, nat: [{ ...f.nat[0]!, to: ep(NAT, DATA_PORT + 1) }] } : f)),
      }));
      return [
        { file: "router-junos-missing-data.txt", text: junosText(missing), findings: ["router.flow-missing"] },
        { file: "router-junos-nat-mismatch.txt", text: junosText(wrong), findings: ["router.nat-mismatch"] },
      ];
    },
    make: (b) => {
      workingActive(b, ep(NAT, FTP_CTRL_PORT), ep(NAT, DATA_PORT), 0x3a1f0000, 0x7c000000);
      // ftp.active.nat ("1" when the PORT address differs from the packet's source) is absent on both sides.
      b.check("inside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port", "ftp.active.nat"], [[CLIENT, "50000", ""]]);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port", "ftp.active.nat"], [[NAT, "50000", ""]]);
    },
  },
  {
    name: "ftp-active-pool",
    description: "Active FTP through a NAPT pool 203.0.113.10-203.0.113.20 with a working ALG: the control connection is mapped 192.0.2.10:51000 → 203.0.113.14:61012, the data port 50000 → 203.0.113.14:61013 (a new pool port); outside `PORT 203,0,113,14,238,85` (+2 bytes); data 198.51.100.20:20 → 203.0.113.14:61013 → 192.0.2.10:50000.",
    natAddress: "203.0.113.10-203.0.113.20",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.payload-wrong-address", "alg.payload-port-mismatch", "alg.data-flow-blocked", "router.flow-missing", "router.nat-mismatch"],
    router: () => ({ alg: true }),
    make: (b) => {
      const pool = "203.0.113.14";
      workingActive(b, ep(pool, 61012), ep(pool, 61013), 0x3b2e0000, 0x7d000000);
      b.check("inside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[CLIENT, "50000"]]);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[pool, "61013"]]);
    },
  },
  {
    name: "ftp-active-port-changed",
    description: "Active FTP through a masquerade that keeps the control port but maps the data port 50000 → 61000 (50000 taken); the ALG writes `PORT 203,0,113,1,238,72` outside (+1 byte); data 198.51.100.20:20 → 203.0.113.1:61000 → 192.0.2.10:50000.",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.payload-port-mismatch", "alg.data-flow-blocked", "router.nat-mismatch"],
    router: () => ({ alg: true }),
    conntrack: { helper: true, findings: [] },
    make: (b) => {
      workingActive(b, ep(NAT, FTP_CTRL_PORT), ep(NAT, 61000), 0x3c3d0000, 0x7e000000);
      b.check("inside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[CLIENT, "50000"]]);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[NAT, "61000"]]);
    },
  },
  {
    name: "ftp-active-no-alg",
    description: "Active FTP through a masquerade WITHOUT an FTP ALG: `PORT 192,0,2,10,195,80` leaves the router unchanged; the server's SYNs 198.51.100.20:20 → 192.0.2.10:50000 appear on the outside only (at 0, +1 s, +3 s), never inside; the server answers `425 Can't open data connection.`; QUIT.",
    findings: ["alg.data-flow-blocked", "alg.payload-not-translated", "router.alg-inactive", "router.flow-missing"],
    notFindings: ["alg.payload-wrong-address", "alg.payload-port-mismatch", "router.nat-mismatch"],
    router: () => ({ alg: false }),
    make: (b) => {
      const conv = b.conv("ftp");
      const ctlOut = ep(NAT, FTP_CTRL_PORT);
      const dIn = ep(CLIENT, DATA_PORT);
      conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
      conv.entries.push(entry("data", "tcp", dIn, ep(NAT, DATA_PORT), ep(SERVER, 20), "inbound", false));
      const c = new Control(b.w, ctlIn, ctlOut, ftpServer, 0x3d4c0000);
      ftpLogin(c);
      c.req(portLine(dIn));
      c.rep("200 PORT command successful. Consider using PASV.");
      blockedList(b, c, dIn, true, 0x7f000000);
      ftpQuit(c);
      b.check("inside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[CLIENT, "50000"]]);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port", "ftp.active.nat"], [[CLIENT, "50000", "1"]]);
      b.check("outside", "tcp.flags.syn==1 && tcp.srcport==20", ["ip.dst", "tcp.dstport", "tcp.flags.ack"], [[CLIENT, "50000", "0"], [CLIENT, "50000", "0"], [CLIENT, "50000", "0"]]);
      b.check("outside", "tcp.analysis.retransmission && tcp.srcport==20", ["tcp.dstport"], [["50000"], ["50000"]]);
      b.check("inside", "tcp.srcport==20 || tcp.dstport==20", ["frame.number"], []);
      b.check("outside", "ftp.response.code==425", ["ftp.response.code"], [["425"]]);
    },
  },
  {
    name: "ftp-passive-no-alg",
    description: "Passive FTP where no ALG rewrite is needed: `227 Entering Passive Mode (198,51,100,20,117,48).` names the server's public address, so both captures carry the same 227; the data connection 192.0.2.10:51004 → 198.51.100.20:30000 goes out as 203.0.113.1:51004 and works. The captures are the same with or without an ALG: router-junos.txt is a Junos PIC with the FTP ALG (nothing to rewrite), conntrack.txt a Linux masquerade without the ftp helper (no helper= on the control entry).",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.data-flow-blocked", "router.flow-missing", "router.nat-mismatch", "router.alg-inactive"],
    router: () => ({ alg: true }),
    conntrack: { helper: false, findings: ["conntrack.helper-missing"] },
    make: (b) => {
      const conv = b.conv("ftp");
      const ctlOut = ep(NAT, FTP_CTRL_PORT);
      const dIn = ep(CLIENT, PASV_SRC_PORT);
      const dOut = ep(NAT, PASV_SRC_PORT);
      conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
      conv.entries.push(entry("data", "tcp", dIn, dOut, ep(SERVER, PASV_PORT), "outbound"));
      const c = new Control(b.w, ctlIn, ctlOut, ftpServer, 0x3e5b0000);
      ftpLogin(c);
      c.req("PASV");
      c.rep(pasvLine(ep(SERVER, PASV_PORT)));
      passiveList(b, c, dIn, dOut, PASV_PORT, 0x5d3c0000);
      ftpQuit(c);
      for (const side of ["inside", "outside"] as const) {
        b.check(side, "ftp.passive.ip", ["ftp.passive.ip", "ftp.passive.port"], [[SERVER, "30000"]]);
      }
    },
  },
  {
    name: "ftp-eprt-epsv",
    description: "EPRT then EPSV through a port-preserving masquerade with a working ALG: `EPRT |1|192.0.2.10|50000|` is rewritten to `EPRT |1|203.0.113.1|50000|` (+1 byte); the server connects 198.51.100.20:20 → 203.0.113.1:50000 → 192.0.2.10:50000; then `EPSV` → `229 Entering Extended Passive Mode (|||30000|)` (unchanged) and the client connects 192.0.2.10:51004 → 198.51.100.20:30000 as 203.0.113.1:51004. Both transfers succeed.",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.data-flow-blocked", "router.flow-missing"],
    router: () => ({ alg: true }),
    make: (b) => {
      const conv = b.conv("ftp");
      const ctlOut = ep(NAT, FTP_CTRL_PORT);
      const aIn = ep(CLIENT, DATA_PORT);
      const aOut = ep(NAT, DATA_PORT);
      const pIn = ep(CLIENT, PASV_SRC_PORT);
      const pOut = ep(NAT, PASV_SRC_PORT);
      conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
      conv.entries.push(entry("data", "tcp", aIn, aOut, ep(SERVER, 20), "inbound"));
      conv.entries.push(entry("data", "tcp", pIn, pOut, ep(SERVER, PASV_PORT), "outbound"));
      const c = new Control(b.w, ctlIn, ctlOut, ftpServer, 0x3f6a0000);
      ftpLogin(c);
      c.req({ inside: `EPRT |1|${CLIENT}|${DATA_PORT}|`, outside: `EPRT |1|${NAT}|${DATA_PORT}|` });
      c.rep("200 EPRT command successful. Consider using EPSV.");
      activeList(b, c, aIn, aOut, 0x7a000000);
      c.w.wait(500n * MS);
      c.req("EPSV", { dt: 0n });
      c.rep(`229 Entering Extended Passive Mode (|||${PASV_PORT}|)`);
      passiveList(b, c, pIn, pOut, PASV_PORT, 0x5e4d0000);
      ftpQuit(c);
      b.check("inside", "ftp.eprt.ip", ["ftp.eprt.af", "ftp.eprt.ip", "ftp.eprt.port"], [["1", CLIENT, "50000"]]);
      b.check("outside", "ftp.eprt.ip", ["ftp.eprt.af", "ftp.eprt.ip", "ftp.eprt.port"], [["1", NAT, "50000"]]);
      for (const side of ["inside", "outside"] as const) b.check(side, "ftp.epsv.port", ["ftp.epsv.port"], [["30000"]]);
    },
  },
  {
    name: "ftp-alg-wrong-address",
    description: "A buggy ALG rewrites `PORT 192,0,2,10,195,80` to `PORT 203,0,113,99,195,80` (not the NAT address 203.0.113.1; +2 bytes). The server's SYNs go to 203.0.113.99, which is not the router, so neither capture sees them; after its timeout the server answers `425 Can't open data connection.`. The router lists the pinhole it made (NAT 203.0.113.99:50000, 0 frames).",
    findings: ["alg.data-flow-refused", "alg.payload-wrong-address", "router.nat-mismatch"],
    notFindings: ["alg.data-flow-blocked", "alg.payload-not-translated", "router.flow-missing"],
    router: (b) => ({ alg: true, override: new Map([[b.convs[0]!.entries[1]!, ep("203.0.113.99", DATA_PORT)]]) }),
    make: (b) => {
      const conv = b.conv("ftp");
      const ctlOut = ep(NAT, FTP_CTRL_PORT);
      const dIn = ep(CLIENT, DATA_PORT);
      const wrong = ep("203.0.113.99", DATA_PORT);
      conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
      conv.entries.push(entry("data", "tcp", dIn, ep(NAT, DATA_PORT), ep(SERVER, 20), "inbound", false));
      const c = new Control(b.w, ctlIn, ctlOut, ftpServer, 0x305f0000);
      ftpLogin(c);
      c.req({ inside: portLine(dIn), outside: portLine(wrong) });
      c.rep("200 PORT command successful. Consider using PASV.");
      blockedList(b, c, wrong, false, 0x71000000);
      ftpQuit(c);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port", "ftp.active.nat"], [["203.0.113.99", "50000", "1"]]);
      for (const side of ["inside", "outside"] as const) b.check(side, "tcp.srcport==20 || tcp.dstport==20", ["frame.number"], []);
    },
  },
  {
    name: "ftp-alg-port-mismatch",
    description: "A buggy ALG writes `PORT 203,0,113,1,238,72` (port 61000) while the NAT actually maps the data port 50000 to 203.0.113.1:61001 (the router lists that pinhole, 0 frames). The server's SYNs to 203.0.113.1:61000 appear on the outside only (0, +1 s, +3 s), never inside; 425; QUIT. Only the router file shows 61001, so alg.payload-port-mismatch needs it (captures alone: alg.data-flow-blocked).",
    findings: ["alg.data-flow-blocked", "alg.payload-port-mismatch"],
    capturesOnly: ["alg.data-flow-blocked"],
    notFindings: ["alg.payload-not-translated", "alg.payload-wrong-address", "router.flow-missing", "router.nat-mismatch"],
    router: () => ({ alg: true }),
    make: (b) => {
      const conv = b.conv("ftp");
      const ctlOut = ep(NAT, FTP_CTRL_PORT);
      const dIn = ep(CLIENT, DATA_PORT);
      const written = ep(NAT, 61000);
      conv.entries.push(entry("control", "tcp", ctlIn, ctlOut, ftpServer, "outbound"));
      conv.entries.push(entry("data", "tcp", dIn, ep(NAT, 61001), ep(SERVER, 20), "inbound", false));
      const c = new Control(b.w, ctlIn, ctlOut, ftpServer, 0x317e0000);
      ftpLogin(c);
      c.req({ inside: portLine(dIn), outside: portLine(written) });
      c.rep("200 PORT command successful. Consider using PASV.");
      blockedList(b, c, written, true, 0x72000000);
      ftpQuit(c);
      b.check("outside", "ftp.active.cip", ["ftp.active.cip", "ftp.active.port"], [[NAT, "61000"]]);
      b.check("outside", "tcp.flags.syn==1 && tcp.srcport==20", ["ip.dst", "tcp.dstport"], [[NAT, "61000"], [NAT, "61000"], [NAT, "61000"]]);
      b.check("outside", "tcp.analysis.retransmission && tcp.srcport==20", ["tcp.dstport"], [["61000"], ["61000"]]);
      b.check("inside", "tcp.srcport==20 || tcp.dstport==20", ["frame.number"], []);
    },
  },
  {
    name: "rtsp-udp-nat",
    description: "RTSP through a NAT with a working ALG: SETUP `RTP/AVP;unicast;client_port=50000-50001` is rewritten outside to `client_port=62000-62001` (same length), the reply `...;client_port=62000-62001;server_port=40070-40071;ssrc=1A2B3C4D` back to 50000-50001 inside; after PLAY the server sends RTP 198.51.100.20:40070 → 203.0.113.1:62000 (×4) and an RTCP SR 40071 → 62001, forwarded to 192.0.2.10:50000/50001; the client sends one RTCP RR 50001 → 40071 (as 62001); TEARDOWN.",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.media-blocked", "alg.works-by-port-preservation", "router.flow-missing"],
    router: () => ({ alg: true }),
    variants: (b) => {
      const missing = routerConversations(b, { alg: true }).map((c) => ({ ...c, flows: c.flows.filter((f) => f.state === "Watch") }));
      return [{ file: "router-junos-missing-data.txt", text: junosText(missing), findings: ["router.flow-missing"] }];
    },
    make: (b) => {
      const { conv, cIn, cOut, srv, rIn } = rtspControl(b);
      const rOut = [ep(NAT, 62000), ep(NAT, 62001)];
      conv.entries.push(entry("media", "udp", rIn[0]!, rOut[0]!, ep(SERVER, SRV_RTP), "inbound"));
      conv.entries.push(entry("media", "udp", rIn[1]!, rOut[1]!, ep(SERVER, SRV_RTP + 1), "inbound"));
      const c = new Control(b.w, cIn, cOut, srv, 0x2c4d0000);
      const req = { inside: "RTP/AVP;unicast;client_port=50000-50001", outside: "RTP/AVP;unicast;client_port=62000-62001" };
      const rep = {
        inside: "RTP/AVP;unicast;client_port=50000-50001;server_port=40070-40071;ssrc=1A2B3C4D",
        outside: "RTP/AVP;unicast;client_port=62000-62001;server_port=40070-40071;ssrc=1A2B3C4D",
      };
      rtspSession(c, {
        request: req, reply: rep,
        media: () => {
          serverMedia(b, [{ in: rIn[0]!, out: rOut[0]! }, { in: rIn[1]!, out: rOut[1]! }]);
          b.w.udp(true, rIn[1]!, rOut[1]!, ep(SERVER, SRV_RTP + 1), rtcpRr(0x5eed0001), { dt: 5n * MS });
        },
      });
      b.check("inside", "rtsp.transport", ["rtsp.transport"], [[req.inside], [rep.inside]]);
      b.check("outside", "rtsp.transport", ["rtsp.transport"], [[req.outside], [rep.outside]]);
    },
  },
  {
    name: "rtsp-interleaved",
    description: "RTSP with `RTP/AVP/TCP;unicast;interleaved=0-1`: nothing for the ALG to translate or open; after PLAY 4 RTP packets arrive as `$`-framed data inside the control connection (192.0.2.10:51000 ↔ 203.0.113.1:51000 ↔ 198.51.100.20:554); TEARDOWN.",
    findings: [],
    notFindings: ["alg.payload-not-translated", "alg.media-blocked", "alg.works-by-port-preservation", "router.flow-missing"],
    router: () => ({ alg: true }),
    make: (b) => {
      const { conv, cIn, cOut, srv } = rtspControl(b);
      const c = new Control(b.w, cIn, cOut, srv, 0x2d5c0000);
      const req = "RTP/AVP/TCP;unicast;interleaved=0-1";
      const rep = "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D";
      rtspSession(c, {
        request: req, reply: rep,
        media: () => {
          for (let i = 0; i < 4; i++) {
            const p = rtp(1000 + i, 8000 + 160 * i, SSRC);
            c.data(false, concat(Uint8Array.of(0x24, 0, p.length >> 8, p.length & 0xff), p), { dt: 20n * MS });
          }
          c.ack(true);
        },
      });
      for (const side of ["inside", "outside"] as const) {
        b.check(side, "rtsp.transport", ["rtsp.transport"], [[req], [rep]]);
        b.check(side, "udp", ["frame.number"], []);
      }
    },
  },
  {
    name: "rtsp-media-blocked",
    description: "RTSP through a masquerade WITHOUT an RTSP ALG: SETUP `client_port=50000-50001` leaves the router unchanged; after PLAY the server sends RTP 198.51.100.20:40070 → 203.0.113.1:50000 (×4) and an RTCP SR 40071 → 50001; the router has no mapping and answers each with ICMP port unreachable (type 3 code 3, quoting the IP header + UDP header) on the outside; nothing reaches the inside; the client gives up after 2 s (TEARDOWN).",
    findings: ["alg.media-blocked", "alg.payload-not-translated", "router.alg-inactive", "router.flow-missing"],
    notFindings: ["alg.works-by-port-preservation", "alg.payload-wrong-address"],
    router: () => ({ alg: false }),
    make: (b) => {
      const { conv, cIn, cOut, srv, rIn } = rtspControl(b);
      const rOut = [ep(NAT, RTP_PORT), ep(NAT, RTP_PORT + 1)];
      conv.entries.push(entry("media", "udp", rIn[0]!, rOut[0]!, ep(SERVER, SRV_RTP), "inbound", false));
      conv.entries.push(entry("media", "udp", rIn[1]!, rOut[1]!, ep(SERVER, SRV_RTP + 1), "inbound", false));
      const c = new Control(b.w, cIn, cOut, srv, 0x2e6b0000);
      const req = "RTP/AVP;unicast;client_port=50000-50001";
      const rep = "RTP/AVP;unicast;client_port=50000-50001;server_port=40070-40071;ssrc=1A2B3C4D";
      rtspSession(c, {
        request: req, reply: rep,
        media: () => serverMedia(b, [{ in: rIn[0]!, out: rOut[0]! }, { in: rIn[1]!, out: rOut[1]! }], "outside", (l3) => b.w.icmpPortUnreachable(l3, NAT)),
      });
      for (const side of ["inside", "outside"] as const) b.check(side, "rtsp.transport", ["rtsp.transport"], [[req], [rep]]);
      // ip.src/ip.dst occur twice: the ICMP packet's, then the quoted datagram's.
      b.check("outside", "icmp", ["ip.src", "ip.dst", "icmp.type", "icmp.code", "udp.srcport", "udp.dstport"], [
        ...[0, 0, 1, 0, 0].map((k) => [`${NAT},${SERVER}`, `${SERVER},${NAT}`, "3", "3", String(SRV_RTP + k), String(RTP_PORT + k)]),
      ]);
      b.check("inside", "udp || icmp", ["frame.number"], []);
    },
  },
  {
    name: "rtsp-port-preservation",
    description: "RTSP through a port-preserving masquerade WITHOUT an RTSP ALG: SETUP `client_port=50000-50001` leaves unchanged, but right after the SETUP reply the client sends one \"punch\" packet from each port (an empty RTP packet 50000 → 198.51.100.20:40070, an RTCP RR 50001 → 40071), which the NAT maps to 203.0.113.1:50000/50001; the server's RTP/RTCP to 203.0.113.1:50000/50001 then match those mappings and reach the client. Works, but only by port preservation.",
    findings: ["alg.works-by-port-preservation", "router.alg-inactive"],
    capturesOnly: ["alg.works-by-port-preservation"],
    notFindings: ["alg.payload-not-translated", "alg.media-blocked", "router.flow-missing", "router.nat-mismatch"],
    router: () => ({ alg: false }),
    // Mainline Linux has no RTSP helper, so a missing helper= is no finding for RTSP.
    conntrack: { helper: false, findings: ["alg.works-by-port-preservation"] },
    make: (b) => {
      const { conv, cIn, cOut, srv, rIn } = rtspControl(b);
      const rOut = [ep(NAT, RTP_PORT), ep(NAT, RTP_PORT + 1)];
      conv.entries.push(entry("media", "udp", rIn[0]!, rOut[0]!, ep(SERVER, SRV_RTP), "outbound"));
      conv.entries.push(entry("media", "udp", rIn[1]!, rOut[1]!, ep(SERVER, SRV_RTP + 1), "outbound"));
      const c = new Control(b.w, cIn, cOut, srv, 0x2f7a0000);
      const req = "RTP/AVP;unicast;client_port=50000-50001";
      const rep = "RTP/AVP;unicast;client_port=50000-50001;server_port=40070-40071;ssrc=1A2B3C4D";
      rtspSession(c, {
        request: req, reply: rep,
        afterSetup: () => {
          const punch = new Uint8Array(12);
          punch[0] = 0x80;
          punch[1] = 96;
          new DataView(punch.buffer).setUint32(8, 0x5eed0001);
          b.w.udp(true, rIn[0]!, rOut[0]!, ep(SERVER, SRV_RTP), punch, { dt: 1n * MS });
          b.w.udp(true, rIn[1]!, rOut[1]!, ep(SERVER, SRV_RTP + 1), rtcpRr(0x5eed0001), { dt: 100n * US });
        },
        media: () => serverMedia(b, [{ in: rIn[0]!, out: rOut[0]! }, { in: rIn[1]!, out: rOut[1]! }]),
      });
      for (const side of ["inside", "outside"] as const) b.check(side, "rtsp.transport", ["rtsp.transport"], [[req], [rep]]);
      b.check("inside", "udp.srcport==40070", ["udp.dstport"], [["50000"], ["50000"], ["50000"], ["50000"]]);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

export function buildNatCase(name: string): BuiltNatCase {
  const def = NAT_CASES.find((c) => c.name === name);
  if (!def) throw new Error(`unknown case ${name}`);
  const b = new CaseBuilder();
  def.make(b);
  const inside = b.w.pcap("inside");
  const outside = b.w.pcap("outside");
  const predicted = predict(b);
  const files = new Map<string, Uint8Array | string>();
  files.set("inside.pcap", inside);
  files.set("outside.pcap", outside);
  files.set("router-junos.txt", junosText(routerConversations(b, def.router(b))));
  const variants: Record<string, Result> = {};
  for (const v of def.variants?.(b, predicted) ?? []) {
    files.set(v.file, v.text);
    variants[v.file] = result([...(def.capturesOnly ?? def.findings.filter((f) => !f.startsWith("router."))), ...v.findings]);
  }
  if (def.conntrack) {
    files.set("conntrack.txt", conntrackText(b, def.conntrack.helper));
    variants["conntrack.txt"] = result(def.conntrack.findings);
  }
  const nat = b.convs.flatMap((c) => c.entries);
  const json: CaseJson = {
    case: def.name,
    description: def.description,
    topology: { client: CLIENT, server: SERVER, natAddress: def.natAddress ?? NAT, insideNet: INSIDE_NET },
    expected: {
      ...result(def.findings),
      notFindings: [...def.notFindings].sort(),
      capturesOnly: result(def.capturesOnly ?? def.findings.filter((f) => !f.startsWith("router."))),
    },
    nat,
    predicted,
    ...(Object.keys(variants).length ? { routerVariants: variants } : {}),
    router: files.has("router-junos.txt") ? ["router-junos.txt"] : [],
    packets: { inside: b.w.side("inside").length, outside: b.w.side("outside").length },
    timing: { forwardDelayUs: Number(FWD / US), outsideClockSkewUs: Number(SKEW / US) },
  };
  for (const nf of json.expected.notFindings) {
    const all = [json.expected.findings, json.expected.capturesOnly.findings];
    if (all.some((l) => l.includes(nf))) throw new Error(`${name}: ${nf} is both expected and not expected`);
  }
  files.set("case.json", caseJsonText(json));
  return { name, files, json, checks: b.checks };
}

export function caseJsonText(json: CaseJson): string {
  return JSON.stringify(json, null, 2) + "\n";
}

export function buildAllNatCases(): BuiltNatCase[] {
  return NAT_CASES.map((c) => buildNatCase(c.name));
}

if (isMain(import.meta.url)) {
  const root = repoRoot(import.meta.url);
  for (const c of buildAllNatCases()) {
    for (const [f, data] of c.files) {
      const abs = writeOut(root, `${NAT_DIR}/${c.name}/${f}`, data);
      console.log(abs, data.length);
    }
  }
}
