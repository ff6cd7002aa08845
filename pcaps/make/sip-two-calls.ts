/**
 * Generator of two-call SIP cases through one source NAT, captured on both sides of the router,
 * for the Linux model of nf_nat_sip's media expectations across calls (ALG-BEHAVIOUR.md §8.3,
 * kernel source nf_nat_sip.c nf_nat_sdp_media / nf_conntrack_expect.c __nf_ct_expect_check):
 *
 *   alice 192.0.2.10:5060 ─┐                            ┌─ bob  198.51.100.20:5060 (media 6000)
 *                          ├─ router / NAT 203.0.113.1 ─┤
 *   carol 192.0.2.11:5060 ─┘                            └─ dave 198.51.100.30:5060 (media 6000)
 *
 * alice and carol both announce media on port 7000. alice calls bob (INVITE with SDP, 200 with
 * SDP, ACK); then, while alice's media expectations are live, carol calls `peer` (bob or dave);
 * then RTP both ways on both calls, and two BYEs. The NAT keeps alice's signalling port 5060 and
 * maps carol's to 5061 (the 5-tuple toward bob is taken when the peer is bob). The router under
 * test rewrites Via/Contact/From and SDP o=/c= to 203.0.113.1 and writes carol's media port as
 * `carolNatPort` (7002: it moved it, as Linux did before 5.3; 7000: it kept it).
 *
 * What Linux (5.3 and later, default module parameters) does with carol's INVITE, from its code
 * (and seen live on this machine's kernel 6.18: `conntrack -L expect` and the outside wire):
 *   - the expectation nf_nat_sip wants is udp <peer> → 203.0.113.1:7000 (and 7001), any source port;
 *   - peer = bob: alice's connection already holds that exact expectation (same tuple and mask);
 *     with NF_CT_EXP_F_SKIP_MASTER nf_ct_expect_related answers -EALREADY (another master), which
 *     nf_nat_sdp_media treats as a failure, not as "busy": no port search, the INVITE is dropped
 *     ("all ports in use for SDP media"). `expected.linux` has alg.fragile-input.
 *   - peer = dave: the expectation differs in its source (dave, not bob), so it does not clash:
 *     both calls keep 203.0.113.1:7000. No finding.
 * The port search itself (P+2, P+4 …) runs only on -EBUSY: an expectation on the same NAT address
 * and port whose mask differs (another source mask), which SIP expectations with the default
 * parameters never have against each other (see README "SIP dialogs and SDP media").
 *
 * Nothing in the expectations is read back from a decoder: they follow from the spec above.
 */
import { rtpPacket } from "../../test/helpers/pcap-writer.js";
import { Wire, type Ep, type WirePkt } from "./nat-cases.js";

const MS = 1_000_000n;
const NAT = "203.0.113.1";
const ALICE = "192.0.2.10";
const CAROL = "192.0.2.11";
export const BOB = "198.51.100.20";
export const DAVE = "198.51.100.30";
const MEDIA = 7000;
const PEER_MEDIA = 6000;

export interface TwoCallSpec {
  name: string;
  /** carol's callee: bob (alice's too) or dave. */
  peer: string;
  /** carol's media port as the router under test wrote it outside. */
  carolNatPort: number;
}

export const TWO_CALL_CASES: readonly TwoCallSpec[] = [
  { name: "sip-two-calls-same-peer", peer: BOB, carolNatPort: 7002 },
  { name: "sip-two-calls-two-peers", peer: DAVE, carolNatPort: MEDIA },
];

export interface TwoCallCase {
  spec: TwoCallSpec;
  inside: Uint8Array;
  outside: Uint8Array;
  /** What verify must say: without a profile, and with --profile linux. */
  expected: { findings: string[]; linux: { findings: string[]; evidence?: { inside: number[]; outside: number[] } } };
  /** Packet numbers (per side) of carol's INVITE. */
  carolInvite: { inside: number; outside: number };
}

interface Party {
  name: string; ip: string; natPort: number; callId: string; tag: string; mediaOut: number;
  /** Inside signalling port (5060 when absent) and SDP media port (MEDIA when absent). */
  sigPort?: number; mediaIn?: number;
  /** A Contact port other than the signalling one (kept as is by the router). */
  contactPort?: number;
}

const enc = (s: string) => new TextEncoder().encode(s);

function sdp(user: string, ip: string, port: number): string {
  return ["v=0", `o=${user} 1 1 IN IP4 ${ip}`, "s=-", `c=IN IP4 ${ip}`, "t=0 0", `m=audio ${port} RTP/AVP 8`, "a=rtpmap:8 PCMA/8000", ""].join("\r\n");
}

function message(start: string, from: Party, sig: string, peer: string, cseq: string, branch: string, toTag: string, body?: string, extra: string[] = []): string {
  const hs = [
    start, `Via: SIP/2.0/UDP ${sig};branch=z9hG4bK-${branch};rport`, "Max-Forwards: 70",
    `From: <sip:${from.name}@${sig}>;tag=${from.tag}`, `To: <sip:callee@${peer}:5060>${toTag}`, `Call-ID: ${from.callId}`,
    `CSeq: ${cseq}`, `Contact: <sip:${from.name}@${from.contactPort ? `${sig.slice(0, sig.lastIndexOf(":"))}:${from.contactPort}` : sig}>`, ...extra,
  ];
  if (body) hs.push("Content-Type: application/sdp");
  hs.push(`Content-Length: ${body ? body.length : 0}`);
  return hs.join("\r\n") + "\r\n\r\n" + (body ?? "");
}

/** A request of `p` (inside: private values; outside: what the router wrote); `media`: an SDP address other than its own (left alone). */
function request(p: Party, peer: string, method: string, cseq: number, branch: string, withSdp: boolean, toTag: string, media?: string, extra?: string[]): Record<"inside" | "outside", Uint8Array> {
  const one = (ip: string, port: number, mport: number) => enc(message(`${method} sip:callee@${peer}:5060 SIP/2.0`, p, `${ip}:${port}`, peer, `${cseq} ${method}`, branch, toTag, withSdp ? sdp(p.name, media ?? ip, mport) : undefined, extra));
  return { inside: one(p.ip, p.sigPort ?? 5060, p.mediaIn ?? MEDIA), outside: one(NAT, p.natPort, p.mediaOut) };
}

/** The media relay next to bob that alice's SDP names in buildExternalMediaCall. */
export const RELAY = "198.51.100.40";

/**
 * The situation `sip_external_media` is about: alice's INVITE announces media at a relay on bob's
 * side (c= 198.51.100.40, m= 7000: reached through the interface the INVITE leaves by), then 200
 * and ACK; no RTP. Linux with its default parameters (sip_direct_media=1) makes no expectation
 * because c= is not the sender; sip_external_media acts only with sip_direct_media=0.
 */
export function buildExternalMediaCall(): { inside: Uint8Array; outside: Uint8Array } {
  const w = new Wire();
  const alice: Party = { name: "alice", ip: ALICE, natPort: 5060, callId: "3-3003@192.0.2.10", tag: "a3", mediaOut: MEDIA };
  const li = { ip: ALICE, port: 5060 };
  const lo = { ip: NAT, port: 5060 };
  const remote = { ip: BOB, port: 5060 };
  w.udp(true, li, lo, remote, request(alice, BOB, "INVITE", 1, "a3-1", true, "", RELAY), { dt: 100n * MS });
  w.udp(false, li, lo, remote, response(alice, BOB, "200 OK", "1 INVITE", "a3-1", true), { dt: 40n * MS });
  w.udp(true, li, lo, remote, request(alice, BOB, "ACK", 1, "a3-2", false, ";tag=c1"), { dt: 40n * MS });
  return { inside: w.pcap("inside"), outside: w.pcap("outside") };
}

/** The peer's response to `p`'s request (the router turns Via/From back into the private values inside). */
function response(p: Party, peer: string, code: string, cseq: string, branch: string, withSdp: boolean, extra?: string[]): Record<"inside" | "outside", Uint8Array> {
  const one = (ip: string, port: number) => enc(message(`SIP/2.0 ${code}`, p, `${ip}:${port}`, peer, cseq, branch, ";tag=c1", withSdp ? sdp("callee", peer, PEER_MEDIA) : undefined, extra));
  return { inside: one(p.ip, p.sigPort ?? 5060), outside: one(NAT, p.natPort) };
}

export function buildTwoCallCase(spec: TwoCallSpec): TwoCallCase {
  const w = new Wire();
  const alice: Party = { name: "alice", ip: ALICE, natPort: 5060, callId: "2-1001@192.0.2.10", tag: "a1", mediaOut: MEDIA };
  const carol: Party = { name: "carol", ip: CAROL, natPort: 5061, callId: "2-2002@192.0.2.11", tag: "k1", mediaOut: spec.carolNatPort };
  const calls: [Party, string][] = [[alice, BOB], [carol, spec.peer]];
  const sig = (p: Party): [Ep, Ep] => [{ ip: p.ip, port: 5060 }, { ip: NAT, port: p.natPort }];
  let carolInvite: ReturnType<typeof w.numbers> extends Map<infer K, number> ? K : never = undefined as never;
  // Call setup, one after the other (carol's INVITE while alice's expectations are live).
  for (const [p, peer] of calls) {
    const [li, lo] = sig(p);
    const remote = { ip: peer, port: 5060 };
    w.udp(true, li, lo, remote, request(p, peer, "INVITE", 1, `${p.tag}-1`, true, ""), { dt: 100n * MS });
    if (p === carol) carolInvite = w.pkts[w.pkts.length - 1]!;
    w.udp(false, li, lo, remote, response(p, peer, "200 OK", "1 INVITE", `${p.tag}-1`, true), { dt: 40n * MS });
    w.udp(true, li, lo, remote, request(p, peer, "ACK", 1, `${p.tag}-2`, false, ";tag=c1"), { dt: 40n * MS });
  }
  // RTP both ways on both calls (the peer first), 3 packets each way.
  for (let k = 0; k < 3; k++) {
    for (const [p, peer] of calls) {
      const li = { ip: p.ip, port: MEDIA };
      const lo = { ip: NAT, port: p.mediaOut };
      const remote = { ip: peer, port: PEER_MEDIA };
      w.udp(false, li, lo, remote, rtpPacket(k, k * 160, 0x5000 + p.natPort, 160, () => 0xd5), { dt: 20n * MS });
      w.udp(true, li, lo, remote, rtpPacket(k, k * 160, 0x6000 + p.natPort, 160, () => 0xd5), { dt: 1n * MS });
    }
  }
  for (const [p, peer] of calls) {
    const [li, lo] = sig(p);
    const remote = { ip: peer, port: 5060 };
    w.udp(true, li, lo, remote, request(p, peer, "BYE", 2, `${p.tag}-3`, false, ";tag=c1"), { dt: 100n * MS });
    w.udp(false, li, lo, remote, response(p, peer, "200 OK", "2 BYE", `${p.tag}-3`, false), { dt: 40n * MS });
  }
  const at = { inside: w.numbers("inside").get(carolInvite)!, outside: w.numbers("outside").get(carolInvite)! };
  const clash = spec.peer === BOB;
  return {
    spec,
    inside: w.pcap("inside"),
    outside: w.pcap("outside"),
    expected: { findings: [], linux: clash ? { findings: ["alg.fragile-input"], evidence: { inside: [at.inside], outside: [at.outside] } } : { findings: [] } },
    carolInvite: at,
  };
}

/**
 * A REGISTER's signalling expectation in the same table (Linux 6.1+, default parameters; kernel
 * source nf_conntrack_sip.c process_register_request, nf_nat_sip.c nf_nat_sip_expect,
 * nf_nat_helper.c nf_nat_exp_find_port, nf_conntrack_expect.c __nf_ct_expect_check):
 *
 *   alice 192.0.2.10:5070 ─┐                            ┌─ bob  198.51.100.20:5060 (registrar, media 6000)
 *                          ├─ router / NAT 203.0.113.1 ─┤
 *   carol 192.0.2.11:5060 ─┘                            └─ dave 198.51.100.30:5060 (registrar)
 *
 * alice registers (Contact <sip:alice@192.0.2.10:5070>, Expires 3600) with `registrar` from her
 * signalling port 5070, which the NAT keeps; the helper expects udp <registrar> → 203.0.113.1:5070
 * (the Contact names the connection's source port, so the NAT's port of it), class signalling,
 * activated by the 200. carol calls bob announcing media on port 5070 (the NAT keeps it):
 * her media expectation is udp bob → 203.0.113.1:5070 (and 5071).
 *   - register-then-call, registrar bob: carol's INVITE meets alice's identical expectation of
 *     another class (and connection): -EALREADY, the INVITE is dropped ("all ports in use for SDP
 *     media"). alg.fragile-input on carol's INVITE.
 *   - call-then-register, registrar bob: alice's REGISTER (flags 0) meets carol's live media
 *     expectation of another connection: -EBUSY, the kernel moves the REGISTER's expectation to a
 *     random port above 5070 and writes the Contact with it; this router kept 5070.
 *     alg.fragile-input on alice's REGISTER.
 *   - register-then-call, registrar dave: the expectations differ in their source: no finding.
 *   - call-then-register on the same connection: carol (media on 7000) registers on her call's
 *     connection with Contact port 7000 (not her signalling port, so the expectation keeps it):
 *     udp bob → 203.0.113.1:7000 is her own live RTP expectation (same master, class audio):
 *     -EALREADY, nf_nat_exp_find_port gives up, the REGISTER is dropped ("all ports in use for SIP").
 * Without a profile every case passes (every rewrite right, media both ways). With it, the
 * REGISTER has one outcome in the whole report (`expected.linux.register`: its linux-register check,
 * register.inside/outside.linux): active, dropped (same connection) or moved (another connection).
 */
export interface RegisterCallSpec {
  name: string;
  registrar: string;
  /** alice's REGISTER before carol's call (true) or during it, before its RTP (false). */
  registerFirst: boolean;
  /**
   * carol registers herself, on her call's own connection, with Contact port 7000, her media
   * port (no alice; carol's media on 7000): the REGISTER meets her own live RTP expectation.
   */
  carolRegisters?: boolean;
  /**
   * The Contact port this router wrote in alice's outside REGISTER (and the registrar's 200 echoes),
   * instead of her signalling mapping's 5070: moved as Linux does after EBUSY (MOVED_CONTACT_CASES).
   */
  contactMovedTo?: number;
  /**
   * After the 200, the registrar sends alice an OPTIONS to the Contact as it got it (NAT:contactMovedTo):
   * forwarded to alice's 192.0.2.10:5070 (who answers 200), or dropped by the router (ICMP port
   * unreachable, outside only).
   */
  registrarReaches?: "forwarded" | "dropped";
}

export const REGISTER_CALL_CASES: readonly RegisterCallSpec[] = [
  { name: "sip-register-then-call", registrar: BOB, registerFirst: true },
  { name: "sip-call-then-register", registrar: BOB, registerFirst: false },
  { name: "sip-register-then-call-two-peers", registrar: DAVE, registerFirst: true },
  { name: "sip-call-then-register-same-connection", registrar: BOB, registerFirst: false, carolRegisters: true },
];

export interface RegisterCallCase {
  spec: RegisterCallSpec;
  inside: Uint8Array;
  outside: Uint8Array;
  expected: { findings: string[]; linux: { findings: string[]; message?: RegExp; evidence?: { inside: number[]; outside: number[] }; register: RegisterLinux } };
  /** MOVED_CONTACT_CASES: what verify says of the moved Contact without a profile. */
  moved?: MovedContactExpect;
}

/**
 * The REGISTER's Linux outcome under verify --profile linux, one for the whole report (its
 * linux-register check, register.inside.linux and register.outside.linux): active (activated by the
 * 200, from the registrar to the Contact), dropped (EALREADY) or moved (EBUSY, port not predicted).
 */
export interface RegisterLinux {
  outcome: "active" | "dropped" | "moved";
  /** Side and packet of the REGISTER the check names. */
  side: "inside" | "outside";
  packet: number;
  /** The check's status. */
  status: "passed" | "failed" | "not-checked";
  /** dropped/moved: the clash (errno, the wanted expectation, the message holding it). */
  clash?: { errno: "EALREADY" | "EBUSY"; wanted: { proto: "udp"; from: string; to: { ip: string; port: number } }; heldBy: { message: string; packet: number; flow: number; class: string } };
}

const REG_PORT = 5070;

export function buildRegisterCallCase(spec: RegisterCallSpec): RegisterCallCase {
  const w = new Wire();
  const alice: Party = { name: "alice", ip: ALICE, natPort: REG_PORT, sigPort: REG_PORT, callId: "4-4004@192.0.2.10", tag: "r1", mediaOut: MEDIA };
  const cmedia = spec.carolRegisters ? MEDIA : REG_PORT;
  const carol: Party = { name: "carol", ip: CAROL, natPort: 5061, callId: "4-5005@192.0.2.11", tag: "k4", mediaIn: cmedia, mediaOut: cmedia };
  const at = new Map<string, WirePkt>();
  const register = () => {
    const who: Party = spec.carolRegisters ? { ...carol, callId: "4-6006@192.0.2.11", tag: "k5", contactPort: MEDIA } : alice;
    const li = { ip: who.ip, port: who.sigPort ?? 5060 };
    const lo = { ip: NAT, port: who.natPort };
    const remote = { ip: spec.registrar, port: 5060 };
    // A moved Contact: the outside copies (REGISTER and the 200's echo) name the NAT's moved port.
    const moved = spec.contactMovedTo;
    const out = moved ? { ...who, contactPort: moved } : who;
    const both = (f: (p: Party) => Record<"inside" | "outside", Uint8Array>) => ({ inside: f(who).inside, outside: f(out).outside });
    w.udp(true, li, lo, remote, both((p) => request(p, spec.registrar, "REGISTER", 1, "r1-1", false, "", undefined, ["Expires: 3600"])), { dt: 100n * MS });
    at.set("register", w.pkts[w.pkts.length - 1]!);
    w.udp(false, li, lo, remote, both((p) => response(p, spec.registrar, "200 OK", "1 REGISTER", "r1-1", false, ["Expires: 3600"])), { dt: 40n * MS });
    if (moved && spec.registrarReaches) {
      // The registrar's OPTIONS to the Contact it holds, through the moved pinhole, from another port
      // of its own (5080: from 5060 the inside 5-tuple would be the REGISTER's own flow).
      const pin = { ip: NAT, port: moved };
      const from = { ip: spec.registrar, port: 5080 };
      const reg: Party = { name: "registrar", ip: spec.registrar, natPort: 5060, callId: "4-7007@198.51.100.20", tag: "g1", mediaOut: MEDIA };
      const options = (uri: string, to: string) => enc(message(`OPTIONS sip:alice@${uri} SIP/2.0`, reg, `${spec.registrar}:5080`, to, "1 OPTIONS", "g1-1", ""));
      const opts = { inside: options(`${who.ip}:${li.port}`, who.ip), outside: options(`${NAT}:${moved}`, NAT) };
      if (spec.registrarReaches === "forwarded") {
        w.udp(false, li, pin, from, opts, { dt: 200n * MS });
        at.set("options", w.pkts[w.pkts.length - 1]!);
        const ok = (sig: string, to: string) => enc(message("SIP/2.0 200 OK", reg, sig, to, "1 OPTIONS", "g1-1", ";tag=a9"));
        w.udp(true, li, pin, from, { inside: ok(`${spec.registrar}:5080`, who.ip), outside: ok(`${spec.registrar}:5080`, NAT) }, { dt: 10n * MS });
      } else {
        const o = w.udp(false, li, pin, from, opts, { dt: 200n * MS, only: "outside" });
        at.set("options", w.pkts[w.pkts.length - 1]!);
        w.icmpPortUnreachable(o!, NAT);
      }
    }
  };
  const li = { ip: CAROL, port: 5060 };
  const lo = { ip: NAT, port: carol.natPort };
  const bob = { ip: BOB, port: 5060 };
  if (spec.registerFirst) register();
  w.udp(true, li, lo, bob, request(carol, BOB, "INVITE", 1, "k4-1", true, ""), { dt: 100n * MS });
  at.set("invite", w.pkts[w.pkts.length - 1]!);
  w.udp(false, li, lo, bob, response(carol, BOB, "200 OK", "1 INVITE", "k4-1", true), { dt: 40n * MS });
  w.udp(true, li, lo, bob, request(carol, BOB, "ACK", 1, "k4-2", false, ";tag=c1"), { dt: 40n * MS });
  if (!spec.registerFirst) register();
  for (let k = 0; k < 3; k++) {
    const mi = { ip: CAROL, port: cmedia };
    const mo = { ip: NAT, port: cmedia };
    const remote = { ip: BOB, port: PEER_MEDIA };
    w.udp(false, mi, mo, remote, rtpPacket(k, k * 160, 0x7000, 160, () => 0xd5), { dt: 20n * MS });
    w.udp(true, mi, mo, remote, rtpPacket(k, k * 160, 0x7100, 160, () => 0xd5), { dt: 1n * MS });
  }
  w.udp(true, li, lo, bob, request(carol, BOB, "BYE", 2, "k4-3", false, ";tag=c1"), { dt: 100n * MS });
  w.udp(false, li, lo, bob, response(carol, BOB, "200 OK", "2 BYE", "k4-3", false), { dt: 40n * MS });
  const n = { inside: w.numbers("inside"), outside: w.numbers("outside") };
  const pk = (what: string, side: "inside" | "outside") => n[side].get(at.get(what)!)!;
  // The REGISTER keeps its pinhole unless the table holds its identical expectation: carol's own RTP
  // one on the same connection (dropped), or carol's on another connection (moved).
  const clash = (errno: "EALREADY" | "EBUSY", port: number) => ({
    errno, wanted: { proto: "udp" as const, from: BOB, to: { ip: NAT, port } },
    // carol's INVITE: inside flow 1 (her signalling is the first flow when alice registers after it).
    heldBy: { message: "INVITE", packet: pk("invite", "inside"), flow: 1, class: "audio" },
  });
  const pin: RegisterLinux = spec.registrar !== BOB || spec.registerFirst
    // This router's outside REGISTER names the NAT address (the per-capture model reads that copy);
    // the registrar's one new connection to the Contact (bob's RTP when he is the registrar) came after the 200.
    ? { outcome: "active", side: "outside", packet: pk("register", "outside"), status: spec.registrar === BOB ? "passed" : "not-checked" }
    // This router forwarded the REGISTER with its Contact port as it was: Linux drops it, or would never keep that port.
    : spec.carolRegisters
      ? { outcome: "dropped", side: "inside", packet: pk("register", "inside"), status: "failed", clash: clash("EALREADY", MEDIA) }
      : { outcome: "moved", side: "inside", packet: pk("register", "inside"), status: "failed", clash: clash("EBUSY", REG_PORT) };
  const linux = spec.registrar !== BOB ? { findings: [], register: pin }
    : spec.carolRegisters
      ? { findings: ["alg.fragile-input"], message: /^SIP REGISTER at inside packet \d+: Linux would have dropped it: "all ports in use for SIP": its signalling expectation udp 198\.51\.100\.20 → 203\.0\.113\.1:7000 is the audio expectation the INVITE at inside packet \d+ left on the same signalling connection \(EALREADY\)/, evidence: { inside: [pk("register", "inside"), pk("invite", "inside")], outside: [pk("register", "outside")] }, register: pin }
    : spec.registerFirst
      ? { findings: ["alg.fragile-input"], message: /^SIP INVITE at inside packet \d+: Linux would have dropped it \("all ports in use for SDP media"\): its media expectation udp 198\.51\.100\.20 → 203\.0\.113\.1:5070 is the signalling expectation the REGISTER at inside packet \d+ left on another signalling connection/, evidence: { inside: [pk("invite", "inside"), pk("register", "inside")], outside: [pk("invite", "outside")] }, register: pin }
      : { findings: ["alg.fragile-input"], message: /^SIP REGISTER at inside packet \d+: Linux would have moved its Contact: its signalling expectation udp 198\.51\.100\.20 → 203\.0\.113\.1:5070 is the audio expectation the INVITE at inside packet \d+ left on another signalling connection \(inside flow 1\), EBUSY: the kernel moves it, and the Contact, to a random port above 5070 \(up to 128 tries\), which cannot be predicted; this router wrote Contact port 5070 \(/, evidence: { inside: [pk("register", "inside"), pk("invite", "inside")], outside: [pk("register", "outside")] }, register: pin };
  if (spec.contactMovedTo) {
    // Without a profile: the moved Contact judged by the registrar's signalling to it (see MOVED_CONTACT_CASES).
    const reaches = spec.registrarReaches;
    const options = reaches ? { inside: reaches === "forwarded" ? pk("options", "inside") : undefined, outside: pk("options", "outside") } : undefined;
    const moved: MovedContactExpect = reaches === "forwarded"
      ? { findings: [], verdict: "pass", status: "rewritten", check: "passed" }
      : reaches === "dropped"
        ? { findings: ["alg.payload-port-mismatch"], verdict: "fail", status: "wrong-port", check: "failed", severity: "error" }
        : { findings: ["alg.payload-port-mismatch"], verdict: "pass", status: "wrong-port", check: "not-checked", severity: "warning" };
    return { spec, inside: w.pcap("inside"), outside: w.pcap("outside"), expected: { findings: moved.findings, linux }, moved: { ...moved, register: { inside: pk("register", "inside"), outside: pk("register", "outside") }, ...(options ? { options } : {}) } };
  }
  return { spec, inside: w.pcap("inside"), outside: w.pcap("outside"), expected: { findings: [], linux } };
}

/**
 * What verify (no profile) must say of a Contact moved by this router (`contactMovedTo`): the
 * REGISTER's contact field status, the rewrite check of that REGISTER, the findings and the verdict.
 */
export interface MovedContactExpect {
  findings: string[];
  verdict: "pass" | "fail";
  status: "rewritten" | "wrong-port";
  check: "passed" | "failed" | "not-checked";
  severity?: "error" | "warning";
  /** Packets of alice's REGISTER and of the registrar's OPTIONS (inside absent: dropped). */
  register?: { inside: number; outside: number };
  options?: { inside?: number; outside: number };
}

/**
 * A router that moves alice's Contact port as Linux does after EBUSY (call-then-register with
 * registrar bob: carol's media expectation holds 203.0.113.1:5070), writing 5072 outside:
 *   - forwarded: the registrar's OPTIONS to 203.0.113.1:5072 reaches alice's 5070: the port is
 *     the NAT's, the Contact counts as rewritten, no finding, pass;
 *   - dropped: the OPTIONS dies at the router (ICMP port unreachable): alg.payload-port-mismatch
 *     (error), fail;
 *   - not shown: no signalling to 5072 in the capture: a warning (the port is above the wanted one,
 *     as Linux moves it), the REGISTER's rewrite check not judged, pass.
 */
export const MOVED_CONTACT_CASES: readonly RegisterCallSpec[] = [
  { name: "sip-register-contact-moved-forwarded", registrar: BOB, registerFirst: false, contactMovedTo: 5072, registrarReaches: "forwarded" },
  { name: "sip-register-contact-moved-dropped", registrar: BOB, registerFirst: false, contactMovedTo: 5072, registrarReaches: "dropped" },
  { name: "sip-register-contact-moved-unseen", registrar: BOB, registerFirst: false, contactMovedTo: 5072 },
];
